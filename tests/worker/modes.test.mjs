// End to end, one worker per configuration: breaker, FORCE_UPSTREAM, token cache, rate limit,
// UPSTREAM_AUTH=post, misconfiguration.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { buildRecord } from '../../scripts/lib/clients.mjs';
import { assertCommonHeaders, jwtClaims, makeClients, newKeys, startRegions, startWorker, tokenRequest, workerBuilt } from './helpers.mjs';

const T = { timeout: 60_000 };
if (!workerBuilt()) throw new Error('worker/build is missing: run tests/worker/run.sh');

let regions, keys, clients;
const workers = [];
async function worker(opts) {
  const w = await startWorker({ regions, keys, records: [clients.concealed, clients.passthrough], ...opts });
  workers.push(w);
  return w;
}
const app = () => ({ id: clients.concealed.clientId, secret: clients.concealed.clientSecret });
const health = async (w) => (await w.mf.dispatchFetch('http://localhost/healthz')).json();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  regions = await startRegions();
  keys = newKeys();
  clients = makeClients(regions, keys);
});
after(async () => {
  for (const w of workers) await w.mf.dispose();
  await regions?.close();
});
beforeEach(async () => regions.reset());

describe('circuit breaker', () => {
  test('open primary: straight to the secondary with no primary call; half-open probe; closes again', T, async () => {
    const w = await worker({ vars: { BREAKER_FAILURES: '2', BREAKER_OPEN_MS: '2000', BREAKER_MAX_OPEN_MS: '8000' } });
    await regions.pproxy.setMode('status:503');
    for (let i = 0; i < 2; i++) assert.equal((await tokenRequest(w.mf, app())).headers.get('x-oidc-edge-upstream'), 'secondary');
    assert.equal(regions.pproxy.requests.length, 2);
    let h = await health(w);
    assert.equal(h.breakers.primary.state, 'open');
    assert.equal(h.status, 'degraded');
    // While open: no primary call at all.
    await regions.pproxy.setMode('pass');
    regions.pproxy.clear();
    for (let i = 0; i < 5; i++) {
      const r = await tokenRequest(w.mf, app());
      assertCommonHeaders(assert, r);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-oidc-edge-upstream'), 'secondary');
    }
    assert.equal(regions.pproxy.requests.length, 0, 'no primary call while its breaker is open');
    // After the open period the next request probes the primary, which is back: closed.
    await sleep(2100);
    const r = await tokenRequest(w.mf, app());
    assert.equal(r.headers.get('x-oidc-edge-upstream'), 'primary');
    assert.equal(regions.pproxy.requests.length, 1);
    h = await health(w);
    assert.equal(h.breakers.primary.state, 'closed');
    assert.equal(h.status, 'ok');
  });

  test('a failed probe reopens for a longer period; both open: both are still tried', T, async () => {
    const w = await worker({ vars: { BREAKER_FAILURES: '1', BREAKER_OPEN_MS: '1000', BREAKER_MAX_OPEN_MS: '8000' } });
    await regions.pproxy.setMode('reset');
    await tokenRequest(w.mf, app());
    assert.equal((await health(w)).breakers.primary.trips, 1);
    await sleep(1100);
    await tokenRequest(w.mf, app()); // the probe fails
    const h = await health(w);
    assert.equal(h.breakers.primary.state, 'open');
    assert.equal(h.breakers.primary.trips, 2);
    assert.ok(h.breakers.primary.retry_in_ms > 1000 && h.breakers.primary.retry_in_ms <= 2000, `${h.breakers.primary.retry_in_ms}`);
    // Both open now: both tried, 503 with a Retry-After from the breakers.
    await regions.sproxy.setMode('status:500');
    await tokenRequest(w.mf, app());
    assert.equal((await health(w)).breakers.secondary.state, 'open');
    regions.pproxy.clear();
    regions.sproxy.clear();
    const r = await tokenRequest(w.mf, app());
    assert.equal(r.status, 503);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal(regions.pproxy.requests.length, 1);
    assert.equal(regions.sproxy.requests.length, 1);
  });

  test('OAuth 4xx answers do not open the breaker', T, async () => {
    const w = await worker({ vars: { BREAKER_FAILURES: '1' } });
    await regions.pproxy.setMode('invalid_scope');
    for (let i = 0; i < 3; i++) assert.equal((await tokenRequest(w.mf, app())).status, 400);
    assert.equal((await health(w)).breakers.primary.state, 'closed');
    assert.equal(regions.pproxy.requests.length, 3);
    assert.equal(regions.sproxy.requests.length, 0);
  });
});

describe('FORCE_UPSTREAM', () => {
  test('secondary: only the secondary is called', T, async () => {
    const w = await worker({ vars: { FORCE_UPSTREAM: 'secondary' } });
    const r = await tokenRequest(w.mf, app());
    assert.equal(r.headers.get('x-oidc-edge-upstream'), 'secondary');
    assert.equal(jwtClaims(r.json.access_token).iss, regions.secondary.issuer);
    await regions.sproxy.setMode('status:502');
    const down = await tokenRequest(w.mf, app());
    assert.equal(down.status, 503);
    assert.equal(regions.pproxy.requests.length, 0);
  });

  test('primary: if it fails, 503 without trying the secondary', T, async () => {
    const w = await worker({ vars: { FORCE_UPSTREAM: 'primary' } });
    await regions.pproxy.setMode('refuse');
    const r = await tokenRequest(w.mf, app());
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 503);
    assert.equal(r.json.error, 'temporarily_unavailable');
    assert.ok(r.headers.get('retry-after'));
    assert.equal(regions.sproxy.requests.length, 0);
  });
});

describe('token cache (TOKEN_CACHE=on)', () => {
  test('served from isolate memory with the remaining lifetime; keyed by client, secret and scope', T, async () => {
    const w = await worker({ vars: { TOKEN_CACHE: 'on', TOKEN_CACHE_MIN_REMAINING_S: '60' } });
    const first = await tokenRequest(w.mf, { ...app(), scope: 'api:read api:write' });
    assert.equal(first.headers.get('x-oidc-edge-upstream'), 'primary');
    assert.equal(first.json.expires_in, 600);
    await sleep(1200);
    const second = await tokenRequest(w.mf, { ...app(), scope: 'api:write api:read' });
    assertCommonHeaders(assert, second);
    assert.equal(second.headers.get('x-oidc-edge-upstream'), 'cache');
    assert.equal(second.json.access_token, first.json.access_token);
    assert.ok(second.json.expires_in < 600 && second.json.expires_in >= 597, `${second.json.expires_in}`);
    assert.equal(regions.pproxy.requests.length, 1);
    // Another scope, another client: upstream again.
    assert.equal((await tokenRequest(w.mf, { ...app(), scope: 'api:read' })).headers.get('x-oidc-edge-upstream'), 'primary');
    const pass = { id: clients.pair.primary.clientId, secret: clients.pair.primary.clientSecret };
    assert.equal((await tokenRequest(w.mf, { ...pass, scope: 'api:read api:write' })).headers.get('x-oidc-edge-upstream'), 'primary');
    // A wrong secret never gets the cached token; a revoked client neither.
    assert.equal((await tokenRequest(w.mf, { id: app().id, secret: 'x', scope: 'api:read api:write' })).status, 401);
    await w.kv.delete(`client:${app().id}`);
    assert.equal((await tokenRequest(w.mf, { ...app(), scope: 'api:read api:write' })).status, 401);
  });

  test('a token with too little lifetime left is not served from the cache', T, async () => {
    const w = await worker({ vars: { TOKEN_CACHE: 'on', TOKEN_CACHE_MIN_REMAINING_S: '599' } });
    await tokenRequest(w.mf, app());
    await sleep(1100);
    assert.equal((await tokenRequest(w.mf, app())).headers.get('x-oidc-edge-upstream'), 'primary');
    assert.equal(regions.pproxy.requests.length, 2);
  });
});

describe('rate limit binding', () => {
  test('429 + Retry-After after the limit, no upstream call', T, async () => {
    const w = await worker({ rateLimit: { limit: 2, period: 60 }, vars: { RATE_LIMIT_RETRY_AFTER_S: '60' } });
    for (let i = 0; i < 2; i++) assert.equal((await tokenRequest(w.mf, app())).status, 200);
    const r = await tokenRequest(w.mf, app());
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '60');
    assert.equal(regions.pproxy.requests.length, 2);
    // Per client: the pass-through client still has its own budget.
    const pass = { id: clients.pair.primary.clientId, secret: clients.pair.primary.clientSecret };
    assert.equal((await tokenRequest(w.mf, pass)).status, 200);
  });
});

describe('UPSTREAM_AUTH=post', () => {
  test('the upstreams get client_secret_post with the mapped pairs', T, async () => {
    const p = regions.primary.clients.clientCredentialsPost;
    const s = regions.secondary.clients.clientCredentialsPost;
    const rec = buildRecord({ mode: 'concealed', primary: { clientId: p.clientId, clientSecret: p.clientSecret }, secondary: { clientId: s.clientId, clientSecret: s.clientSecret }, keys });
    const w = await worker({ vars: { UPSTREAM_AUTH: 'post' }, records: [rec] });
    await regions.pproxy.setMode('status:500');
    const r = await tokenRequest(w.mf, { id: rec.clientId, secret: rec.clientSecret, auth: 'post' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-oidc-edge-upstream'), 'secondary');
    for (const [proxy, pair] of [[regions.pproxy, p], [regions.sproxy, s]]) {
      const [call] = proxy.requestsTo('/token');
      assert.equal(call.authorization ?? null, null);
      assert.deepEqual(call.client, { method: 'post', clientId: pair.clientId, clientSecret: pair.clientSecret });
    }
  });
});

describe('misconfiguration', () => {
  test('plain http to a non-loopback host: 500 server_error, reported by /healthz, no upstream call', T, async () => {
    const w = await worker({ vars: { OAUTH_HOST_SECONDARY: 'http://auth.example.com/oauth2/token' } });
    const r = await tokenRequest(w.mf, app());
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 500);
    assert.equal(r.json.error, 'server_error');
    const res = await w.mf.dispatchFetch('http://localhost/healthz');
    assert.equal(res.status, 503);
    const h = await res.json();
    assert.equal(h.status, 'misconfigured');
    assert.ok(h.config.problems.some((p) => p.startsWith('OAUTH_HOST_SECONDARY must use https')));
    assert.equal(regions.pproxy.requests.length, 0);
  });
});
