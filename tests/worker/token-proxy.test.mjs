// End to end in real workerd (miniflare) against two real oidc-provider regions behind fault
// proxies. Build the worker first: tests/worker/run.sh does both.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { rotateAdd, rotateFinish, kvKey } from '../../scripts/lib/clients.mjs';
import {
  assertCommonHeaders, basic, jwtClaims, makeClients, newKeys, startRegions, startWorker, tokenRequest, workerBuilt,
} from './helpers.mjs';

const T = { timeout: 60_000 };
if (!workerBuilt()) throw new Error('worker/build is missing: run tests/worker/run.sh (it builds the worker first)');

// Everything a test ever sent or received that must never show up in a log line.
const forbidden = new Set();
const allLogs = [];
function remember(res, ...more) {
  if (res?.json?.access_token) forbidden.add(res.json.access_token);
  for (const m of more) if (m) forbidden.add(m);
  return res;
}

let regions, keys, clients, worker;

before(async () => {
  regions = await startRegions();
  keys = newKeys();
  clients = makeClients(regions, keys);
  for (const v of [clients.pair.primary.clientSecret, clients.pair.secondary.clientSecret, clients.concealed.clientSecret]) forbidden.add(v);
  worker = await startWorker({ regions, keys, records: [clients.concealed, clients.passthrough], logs: allLogs });
});

after(async () => {
  await worker?.mf.dispose();
  await regions?.close();
});

/** The worker's log line of one request (workerd flushes stdout asynchronously). */
async function logFor(requestId) {
  for (let i = 0; i < 40; i++) {
    const line = allLogs.find((l) => l.includes(`"request_id":"${requestId}"`));
    if (line) return JSON.parse(line);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no log line for ${requestId}`);
}

const app = () => ({ id: clients.concealed.clientId, secret: clients.concealed.clientSecret });
const pass = () => ({ id: clients.pair.primary.clientId, secret: clients.pair.primary.clientSecret });

function assertUpstreamCall(proxy, pair, { scope } = {}) {
  const calls = proxy.requestsTo('/token');
  assert.equal(calls.length, 1, `${proxy.mode}: exactly one call`);
  assert.equal(calls[0].client.method, 'basic');
  assert.equal(calls[0].client.clientId, pair.clientId);
  assert.equal(calls[0].client.clientSecret, pair.clientSecret);
  const body = new URLSearchParams(calls[0].body);
  assert.equal(body.get('grant_type'), 'client_credentials');
  assert.equal(body.get('scope'), scope ?? null);
  assert.deepEqual([...body.keys()].sort(), scope ? ['grant_type', 'scope'] : ['grant_type']);
  // No caller header reaches the upstream.
  assert.equal(calls[0].headers['x-caller'], undefined);
  remember(null, calls[0].authorization);
}

describe('token proxy (failover)', () => {
  beforeEach(async () => regions.reset());

  test('concealed client: token from the primary with the real primary pair', T, async () => {
    const r = remember(await tokenRequest(worker.mf, { ...app(), scope: 'api:read', headers: { 'x-caller': 'leak?' } }));
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-oidc-edge-upstream'), 'primary');
    assert.equal(jwtClaims(r.json.access_token).iss, regions.primary.issuer);
    assert.equal(jwtClaims(r.json.access_token).client_id, clients.pair.primary.clientId);
    assert.equal(r.json.token_type, 'Bearer');
    assertUpstreamCall(regions.pproxy, clients.pair.primary, { scope: 'api:read' });
    assert.equal(regions.sproxy.requests.length, 0);
  });

  test('pass-through client (client_secret_post): token from the primary', T, async () => {
    const r = remember(await tokenRequest(worker.mf, { ...pass(), auth: 'post' }));
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-oidc-edge-upstream'), 'primary');
    assertUpstreamCall(regions.pproxy, clients.pair.primary);
    assert.equal(regions.sproxy.requests.length, 0);
  });

  const expected = { refuse: 'network', reset: 'network', hang: 'timeout', delay: 'timeout', status: 'server_error', 429: 'too_many_requests', malformed200: 'malformed' };
  const failoverModes = [
    'refuse', 'reset', 'hang', 'delay:2500', 'status:500', 'status:502', 'status:503', 'status:504',
    '429', '429:none', 'malformed200', 'malformed200:json', 'malformed200:empty',
  ];
  for (const mode of failoverModes) {
    for (const [label, who] of [['concealed', app], ['pass-through', pass]]) {
      test(`primary ${mode} -> the secondary answers with the secondary pair (${label})`, T, async () => {
        await regions.pproxy.setMode(mode);
        const started = Date.now();
        const r = remember(await tokenRequest(worker.mf, { ...who(), scope: 'api:write' }));
        const elapsed = Date.now() - started;
        assertCommonHeaders(assert, r);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.headers.get('x-oidc-edge-upstream'), 'secondary');
        assert.equal(jwtClaims(r.json.access_token).iss, regions.secondary.issuer);
        assertUpstreamCall(regions.sproxy, clients.pair.secondary, { scope: 'api:write' });
        if (mode === 'refuse') assert.equal(regions.pproxy.requests.length, 0);
        else assertUpstreamCall(regions.pproxy, clients.pair.primary, { scope: 'api:write' });
        if (mode === 'hang' || mode.startsWith('delay')) assert.ok(elapsed >= 1400, `per-try timeout honoured (${elapsed} ms)`);
        // The worker's own log line says how the primary attempt was classified.
        const line = await logFor(r.headers.get('x-request-id'));
        assert.deepEqual(line.attempts.map((a) => [a.upstream, a.result]), [['primary', expected[mode.split(':')[0]]], ['secondary', 'token']]);
        assert.equal(line.outcome, 'token');
      });
    }
  }

  test('a slow primary within the per-try timeout still answers', T, async () => {
    await regions.pproxy.setMode('delay:300');
    const r = remember(await tokenRequest(worker.mf, app()));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-oidc-edge-upstream'), 'primary');
    assert.equal(regions.sproxy.requests.length, 0);
  });

  for (const [mode, status, error] of [
    ['invalid_client', 400, 'invalid_client'],
    ['invalid_client:401', 401, 'invalid_client'],
    ['invalid_scope', 400, 'invalid_scope'],
  ]) {
    test(`primary ${mode}: returned unchanged, no secondary call`, T, async () => {
      await regions.pproxy.setMode(mode);
      const r = await tokenRequest(worker.mf, app());
      assertCommonHeaders(assert, r);
      assert.equal(r.status, status);
      assert.equal(r.json.error, error);
      assert.equal(r.headers.get('x-oidc-edge-upstream'), 'primary');
      if (status === 401) assert.match(r.headers.get('www-authenticate'), /^Basic /);
      assert.equal(regions.pproxy.requests.length, 1);
      assert.equal(regions.sproxy.requests.length, 0);
    });
  }

  test("the real provider's invalid_scope passes through with its description", T, async () => {
    const r = await tokenRequest(worker.mf, { ...app(), scope: 'openid' });
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_scope');
    assert.equal(typeof r.json.error_description, 'string');
    assert.deepEqual(Object.keys(r.json).filter((k) => !['error', 'error_description', 'error_uri'].includes(k)), []);
    assert.equal(regions.sproxy.requests.length, 0);
  });

  test('wrong secret and unknown client: 401 invalid_client + WWW-Authenticate, no upstream call', T, async () => {
    const cases = [
      { id: clients.concealed.clientId, secret: 'not-the-secret' },
      { id: 'oe_unknown', secret: 'whatever' },
      { id: clients.pair.primary.clientId, secret: 'guess' }, // pass-through: a known public id is not enough
      { id: clients.pair.secondary.clientId, secret: clients.pair.secondary.clientSecret }, // no record for it
    ];
    const bodies = new Set();
    for (const c of cases) {
      const r = await tokenRequest(worker.mf, c);
      assertCommonHeaders(assert, r);
      assert.equal(r.status, 401);
      assert.equal(r.json.error, 'invalid_client');
      assert.match(r.headers.get('www-authenticate'), /^Basic realm=/);
      bodies.add(r.text);
      remember(null, basic(c.id, c.secret), c.secret);
    }
    assert.equal(bodies.size, 1, 'same body for unknown client and wrong secret');
    const r = await tokenRequest(worker.mf, { id: clients.concealed.clientId, secret: 'nope', auth: 'post' });
    assert.equal(r.status, 401);
    assert.equal(regions.pproxy.requests.length + regions.sproxy.requests.length, 0);
  });

  test('both regions down: 503 temporarily_unavailable + Retry-After', T, async () => {
    await regions.pproxy.setMode('status:503');
    await regions.sproxy.setMode('reset');
    const r = await tokenRequest(worker.mf, app());
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 503);
    assert.equal(r.json.error, 'temporarily_unavailable');
    assert.match(r.headers.get('retry-after'), /^[1-9][0-9]*$/);
    assert.equal(r.headers.get('x-oidc-edge-upstream'), 'none');
    assert.equal(regions.pproxy.requests.length, 1);
    assert.equal(regions.sproxy.requests.length, 1);
  });

  test('the total deadline bounds a request when both hang', T, async () => {
    await regions.pproxy.setMode('hang');
    await regions.sproxy.setMode('hang');
    const started = Date.now();
    const r = await tokenRequest(worker.mf, app());
    const elapsed = Date.now() - started;
    assert.equal(r.status, 503);
    // Two tries of 1500 ms each, well inside the 6000 ms deadline.
    assert.ok(elapsed >= 2900 && elapsed < 5500, `${elapsed} ms`);
  });

  test('rotation: two secrets during a rotation, then only the new one; revocation', T, async () => {
    const id = clients.concealed.clientId;
    const { record, clientSecret: next } = rotateAdd(clients.concealed.record, keys);
    await worker.kv.put(kvKey(id), JSON.stringify(record));
    for (const secret of [clients.concealed.clientSecret, next]) {
      const r = remember(await tokenRequest(worker.mf, { id, secret }), next);
      assert.equal(r.status, 200, 'both secrets work during the rotation');
    }
    await worker.kv.put(kvKey(id), JSON.stringify(rotateFinish(record)));
    assert.equal((await tokenRequest(worker.mf, { id, secret: clients.concealed.clientSecret })).status, 401);
    assert.equal(remember(await tokenRequest(worker.mf, { id, secret: next })).status, 200);
    await worker.kv.delete(kvKey(id));
    const r = await tokenRequest(worker.mf, { id, secret: next });
    assert.equal(r.status, 401, 'revoked at once');
    assert.equal(regions.pproxy.requests.length, 3);
    await worker.kv.put(kvKey(id), JSON.stringify(clients.concealed.record)); // restore for later tests
  });

  test('validation errors, methods, paths and the body limit', T, async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(app().id, app().secret) };
    const cases = [
      [{ method: 'GET' }, 405, 'invalid_request', 'POST'],
      [{ method: 'PUT', headers: form, body: 'grant_type=client_credentials' }, 405, 'invalid_request', 'POST'],
      [{ method: 'POST', path: '/oauth2/authorize', headers: form, body: 'x' }, 404, 'not_found'],
      [{ method: 'GET', path: '/' }, 404, 'not_found'],
      [{ method: 'POST', headers: form, body: 'grant_type=client_credentials&x=' + 'a'.repeat(9000) }, 413, 'invalid_request'],
      [{ method: 'POST', headers: form, body: 'grant_type=password&username=a&password=b' }, 400, 'unsupported_grant_type'],
      [{ method: 'POST', headers: form, body: 'scope=api:read' }, 400, 'invalid_request'],
      [{ method: 'POST', headers: form, body: 'grant_type=client_credentials&scope=api:read%20%20api:write' }, 400, 'invalid_scope'],
      [{ method: 'POST', headers: { ...form, 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"}' }, 400, 'invalid_request'],
      [{ method: 'POST', headers: form, body: `grant_type=client_credentials&client_id=${app().id}&client_secret=${app().secret}` }, 400, 'invalid_request'],
      [{ method: 'POST', headers: { 'content-type': form['content-type'] }, body: 'grant_type=client_credentials' }, 401, 'invalid_client'],
    ];
    for (const [c, status, error, allow] of cases) {
      const res = await worker.mf.dispatchFetch(`http://localhost${c.path ?? '/oauth2/token'}`, { method: c.method, headers: c.headers, body: c.body });
      const text = await res.text();
      const r = { status: res.status, headers: res.headers, json: JSON.parse(text) };
      assertCommonHeaders(assert, r);
      assert.equal(r.status, status, `${c.method} ${c.path ?? ''} ${c.body?.slice(0, 40)}`);
      assert.equal(r.json.error, error);
      if (allow) assert.equal(r.headers.get('allow'), allow);
      if (status === 401) assert.match(r.headers.get('www-authenticate'), /^Basic /);
    }
    assert.equal(regions.pproxy.requests.length + regions.sproxy.requests.length, 0);
  });

  test('a chunked body (no Content-Length) is cut off at 8 KiB: 413; a small chunked body works', T, async () => {
    const send = (chunks) => {
      const body = new ReadableStream({
        pull(c) {
          if (chunks.length) c.enqueue(new TextEncoder().encode(chunks.shift()));
          else c.close();
        },
      });
      return worker.mf.dispatchFetch('http://localhost/oauth2/token', {
        method: 'POST',
        duplex: 'half',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(app().id, app().secret) },
        body,
      });
    };
    const big = await send(['grant_type=client_credentials&x=', ...Array.from({ length: 20 }, () => 'a'.repeat(1024))]);
    assert.equal(big.status, 413);
    assert.equal((await big.json()).error, 'invalid_request');
    const small = await send(['grant_type=client_', 'credentials&scope=api:read']);
    assert.equal(small.status, 200);
    remember({ json: await small.json() });
    assert.equal(regions.pproxy.requests.length, 1);
  });

  test('GET /healthz: config and breaker states, no secrets, no upstream call', T, async () => {
    const res = await worker.mf.dispatchFetch('http://localhost/healthz');
    const text = await res.text();
    const r = { status: res.status, headers: res.headers, json: JSON.parse(text) };
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 200);
    assert.equal(r.json.config.ok, true);
    assert.deepEqual(Object.keys(r.json.breakers).sort(), ['primary', 'secondary']);
    for (const k of [keys.enc, keys.hash, keys.cache]) assert.ok(!text.includes(k.toString('base64url')));
    for (const s of forbidden) assert.ok(!text.includes(s));
    const head = await worker.mf.dispatchFetch('http://localhost/healthz', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal(regions.pproxy.requests.length + regions.sproxy.requests.length, 0);
  });

  test('log capture: one JSON line per request, never a secret, Basic header or token', T, async () => {
    await new Promise((r) => setTimeout(r, 500)); // let workerd flush its stdout
    const lines = allLogs.filter((l) => l.startsWith('{'));
    assert.ok(lines.length >= 40, `${lines.length} JSON log lines`);
    for (const l of lines) {
      const v = JSON.parse(l);
      assert.equal(typeof v.request_id, 'string');
      assert.equal(typeof v.outcome, 'string');
    }
    const failover = lines.map((l) => JSON.parse(l)).find((v) => v.attempts?.length === 2 && v.outcome === 'token');
    assert.ok(failover, 'a failover line with both attempts');
    assert.deepEqual(failover.attempts.map((a) => a.upstream), ['primary', 'secondary']);
    assert.ok(forbidden.size > 20, `${forbidden.size} values checked`);
    for (const line of allLogs) {
      assert.ok(!/basic\s+[a-z0-9+/=]{8,}/i.test(line), `Basic credentials in: ${line}`);
      for (const s of forbidden) assert.ok(!line.includes(s), `forbidden value in log line: ${line}`);
    }
  });
});
