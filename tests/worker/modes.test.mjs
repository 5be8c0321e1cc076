// End to end, one worker per configuration: breaker, FORCE_UPSTREAM, token cache, rate limits
// and lock-outs, UPSTREAM_AUTH=post, misconfiguration.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  assertCommonHeaders, decodeJwt, newSecrets, provision, sleep, startRegions, startWorker, workerBuilt, workerVars,
} from '../support/harness.mjs';

const T = { timeout: 60_000 };
if (!workerBuilt()) throw new Error('the worker is not built: run tests/worker/run.sh (bash scripts/build-worker.sh)');

let regions, secrets, clients, entries, pproxy, sproxy;
const workers = [];
async function worker({ vars = {}, ...opts } = {}) {
  const w = await startWorker({
    vars: workerVars(regions, { UPSTREAM_TIMEOUT_MS: '1500', TOTAL_DEADLINE_MS: '6000', BREAKER_FAILURES: '1000', ...vars }),
    secrets,
    entries,
    ...opts,
  });
  workers.push(w);
  return w;
}
const app = () => ({ id: clients[0].client_id, secret: clients[0].client_secret });
const passthrough = () => ({ id: clients[1].client_id, secret: clients[1].client_secret });
const health = async (w) => (await w.health(secrets.HEALTH_TOKEN)).json;
const jwtClaims = (t) => decodeJwt(t).claims;

before(async () => {
  regions = await startRegions();
  ({ primary: { px: pproxy }, secondary: { px: sproxy } } = regions);
  secrets = newSecrets();
  ({ clients, entries } = await provision(regions, secrets, [{ mode: 'concealed' }, { mode: 'passthrough', shareUpstream: true }]));
});
after(async () => {
  for (const w of workers) await w.close();
  await regions?.close();
});
beforeEach(async () => regions.reset());

describe('circuit breaker', () => {
  test('open primary: straight to the secondary with no primary call; half-open probe; closes again', T, async () => {
    const w = await worker({ vars: { BREAKER_FAILURES: '2', BREAKER_OPEN_MS: '2000', BREAKER_MAX_OPEN_MS: '8000' } });
    await pproxy.setMode('status:503');
    for (let i = 0; i < 2; i++) assert.equal((await w.token(app())).headers.get('x-oidc-edge-upstream'), 'secondary');
    assert.equal(pproxy.requests.length, 2);
    let h = await health(w);
    assert.equal(h.breakers.primary.state, 'open');
    assert.equal(h.status, 'degraded');
    // While open: no primary call at all.
    await pproxy.setMode('pass');
    pproxy.clear();
    for (let i = 0; i < 5; i++) {
      const r = await w.token(app());
      assertCommonHeaders(assert, r);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-oidc-edge-upstream'), 'secondary');
    }
    assert.equal(pproxy.requests.length, 0, 'no primary call while its breaker is open');
    // After the open period the next request probes the primary, which is back: closed.
    await sleep(2100);
    const r = await w.token(app());
    assert.equal(r.headers.get('x-oidc-edge-upstream'), 'primary');
    assert.equal(pproxy.requests.length, 1);
    h = await health(w);
    assert.equal(h.breakers.primary.state, 'closed');
    assert.equal(h.status, 'ok');
  });

  test('a failed probe reopens for a longer period; both open: both are still tried', T, async () => {
    const w = await worker({ vars: { BREAKER_FAILURES: '1', BREAKER_OPEN_MS: '1000', BREAKER_MAX_OPEN_MS: '8000' } });
    await pproxy.setMode('reset');
    await w.token(app());
    assert.equal((await health(w)).breakers.primary.trips, 1);
    await sleep(1100);
    await w.token(app()); // the probe fails
    const h = await health(w);
    assert.equal(h.breakers.primary.state, 'open');
    assert.equal(h.breakers.primary.trips, 2);
    assert.ok(h.breakers.primary.retry_in_ms > 1000 && h.breakers.primary.retry_in_ms <= 2000, `${h.breakers.primary.retry_in_ms}`);
    // Both open now: both tried, 503 with a Retry-After from the breakers.
    await sproxy.setMode('status:500');
    await w.token(app());
    assert.equal((await health(w)).breakers.secondary.state, 'open');
    pproxy.clear();
    sproxy.clear();
    const r = await w.token(app());
    assert.equal(r.status, 503);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal(pproxy.requests.length, 1);
    assert.equal(sproxy.requests.length, 1);
  });

  test('OAuth 4xx answers do not open the breaker', T, async () => {
    const w = await worker({ vars: { BREAKER_FAILURES: '1' } });
    await pproxy.setMode('invalid_scope');
    for (let i = 0; i < 3; i++) assert.equal((await w.token(app())).status, 400);
    assert.equal((await health(w)).breakers.primary.state, 'closed');
    assert.equal(pproxy.requests.length, 3);
    assert.equal(sproxy.requests.length, 0);
  });
});

describe('FORCE_UPSTREAM', () => {
  test('secondary: only the secondary is called', T, async () => {
    const w = await worker({ vars: { FORCE_UPSTREAM: 'secondary' } });
    const r = await w.token(app());
    assert.equal(r.headers.get('x-oidc-edge-upstream'), 'secondary');
    assert.equal(jwtClaims(r.json.access_token).iss, regions.secondary.issuer);
    await sproxy.setMode('status:502');
    const down = await w.token(app());
    assert.equal(down.status, 503);
    assert.equal(pproxy.requests.length, 0);
  });

  test('primary: if it fails, 503 without trying the secondary', T, async () => {
    const w = await worker({ vars: { FORCE_UPSTREAM: 'primary' } });
    await pproxy.setMode('refuse');
    const r = await w.token(app());
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 503);
    assert.equal(r.json.error, 'temporarily_unavailable');
    assert.ok(r.headers.get('retry-after'));
    assert.equal(sproxy.requests.length, 0);
  });
});

describe('token cache (TOKEN_CACHE=on)', () => {
  test('served from isolate memory with the remaining lifetime; keyed by client, secret and scope', T, async () => {
    const w = await worker({ vars: { TOKEN_CACHE: 'on', TOKEN_CACHE_MIN_REMAINING_S: '60' } });
    const first = await w.token({ ...app(), scope: 'api:read api:write' });
    assert.equal(first.headers.get('x-oidc-edge-upstream'), 'primary');
    assert.equal(first.json.expires_in, 600);
    await sleep(1200);
    const second = await w.token({ ...app(), scope: 'api:write api:read' });
    assertCommonHeaders(assert, second);
    assert.equal(second.headers.get('x-oidc-edge-upstream'), 'cache');
    assert.equal(second.json.access_token, first.json.access_token);
    assert.ok(second.json.expires_in < 600 && second.json.expires_in >= 597, `${second.json.expires_in}`);
    assert.equal(pproxy.requests.length, 1);
    // Another scope, another client: upstream again.
    assert.equal((await w.token({ ...app(), scope: 'api:read' })).headers.get('x-oidc-edge-upstream'), 'primary');
    assert.equal((await w.token({ ...passthrough(), scope: 'api:read api:write' })).headers.get('x-oidc-edge-upstream'), 'primary');
    // A wrong secret never gets the cached token; a revoked client neither.
    assert.equal((await w.token({ id: app().id, secret: 'x', scope: 'api:read api:write' })).status, 401);
    await w.kv.delete(`client:${app().id}`);
    assert.equal((await w.token({ ...app(), scope: 'api:read api:write' })).status, 401);
  });

  test('a token with too little lifetime left is not served from the cache', T, async () => {
    const w = await worker({ vars: { TOKEN_CACHE: 'on', TOKEN_CACHE_MIN_REMAINING_S: '599' } });
    await w.token(app());
    await sleep(1100);
    assert.equal((await w.token(app())).headers.get('x-oidc-edge-upstream'), 'primary');
    assert.equal(pproxy.requests.length, 2);
  });
});

describe('rate limit binding', () => {
  test('429 + Retry-After after the limit, no upstream call', T, async () => {
    const w = await worker({ rateLimits: { CLIENT_RATE_LIMITER: { limit: 2, period: 60 } }, vars: { RATE_LIMIT_RETRY_AFTER_S: '60' } });
    for (let i = 0; i < 2; i++) assert.equal((await w.token(app())).status, 200);
    const r = await w.token(app());
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '60');
    assert.equal(pproxy.requests.length, 2);
    // Per client: the pass-through client still has its own budget.
    assert.equal((await w.token(passthrough())).status, 200);
  });

  test('AUTH_FAILURE_LIMITER: repeated failures lock that client id (429, right secret too, no KV read); others unaffected', T, async () => {
    const w = await worker({ rateLimits: { AUTH_FAILURE_LIMITER: { limit: 3, period: 60 } }, vars: { AUTH_LOCKOUT_S: '60' } });
    const wrong = { id: app().id, secret: 'guess' };
    for (let i = 0; i < 4; i++) assert.equal((await w.token(wrong)).status, 401, `failure ${i + 1}`);
    const r = await w.token(app());
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 429);
    assert.equal(r.json.error, 'temporarily_unavailable');
    assert.match(r.headers.get('retry-after'), /^[1-9][0-9]*$/);
    const line = await w.logFor(r.headers.get('x-request-id'));
    assert.equal(line.outcome, 'locked_out');
    assert.equal((await w.token(passthrough())).status, 200, 'another client is not locked');
    assert.equal(pproxy.requests.length, 1, 'only the other client reached an upstream');
  });
});

describe('UPSTREAM_AUTH=post', () => {
  test('the upstreams get client_secret_post with the mapped pairs', T, async () => {
    const p = regions.primary.op.clients.clientCredentialsPost;
    const s = regions.secondary.op.clients.clientCredentialsPost;
    const postRegions = { primary: { client: p }, secondary: { client: s } };
    const { clients: [c], entries: postEntries } = await provision(postRegions, secrets);
    const w = await worker({ vars: { UPSTREAM_AUTH: 'post' }, entries: postEntries });
    await pproxy.setMode('status:500');
    const r = await w.token({ id: c.client_id, secret: c.client_secret, auth: 'post' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-oidc-edge-upstream'), 'secondary');
    for (const [proxy, pair] of [[pproxy, p], [sproxy, s]]) {
      const [call] = proxy.requestsTo('/token');
      assert.equal(call.authorization ?? null, null);
      assert.deepEqual(call.client, { method: 'post', clientId: pair.clientId, clientSecret: pair.clientSecret });
    }
  });
});

describe('misconfiguration', () => {
  test('plain http to a non-loopback host: 500 server_error, reported by /healthz, no upstream call', T, async () => {
    const w = await worker({ vars: { OAUTH_HOST_SECONDARY: 'http://auth.example.com/oauth2/token' } });
    const r = await w.token(app());
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 500);
    assert.equal(r.json.error, 'server_error');
    const pub = await w.health();
    assert.equal(pub.status, 503);
    assert.deepEqual(pub.json, { status: 'misconfigured' });
    const h = (await w.health(secrets.HEALTH_TOKEN)).json;
    assert.equal(h.status, 'misconfigured');
    assert.ok(h.config.problems.some((p) => p.startsWith('OAUTH_HOST_SECONDARY must use https')));
    assert.equal(pproxy.requests.length, 0);
  });
});
