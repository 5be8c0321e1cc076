// The token proxy end to end: the built worker in workerd (miniflare) against two real
// oidc-provider regions behind fault proxies (tests/support/harness.mjs).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { recordKey, rotateAdd, rotateFinish } from '../../scripts/lib/records.mjs';
import {
  assertCommonHeaders, basic, decodeJwt, keysOf, newSecrets, provision, startRegions, startWorker, workerBuilt, workerVars,
} from '../support/harness.mjs';

const T = { timeout: 60_000 };
if (!workerBuilt()) throw new Error('the worker is not built: run tests/worker/run.sh (bash scripts/build-worker.sh)');

// Everything a test ever sent or received that must never show up in a log line.
const forbidden = new Set();
const allLogs = [];
function remember(res, ...more) {
  if (res?.json?.access_token) forbidden.add(res.json.access_token);
  for (const m of more) if (m) forbidden.add(m);
  return res;
}
const jwtClaims = (t) => decodeJwt(t).claims;

let regions, secrets, concealed, passthrough, worker, pproxy, sproxy;

before(async () => {
  regions = await startRegions();
  ({ primary: { px: pproxy }, secondary: { px: sproxy } } = regions);
  secrets = newSecrets();
  const { clients, entries } = await provision(regions, secrets, [{ mode: 'concealed' }, { mode: 'passthrough', shareUpstream: true }]);
  [concealed, passthrough] = clients;
  for (const v of [regions.primary.client.clientSecret, regions.secondary.client.clientSecret, concealed.client_secret, ...Object.values(secrets)]) forbidden.add(v);
  worker = await startWorker({
    vars: workerVars(regions, { UPSTREAM_TIMEOUT_MS: '1500', TOTAL_DEADLINE_MS: '6000', BREAKER_FAILURES: '1000' }),
    secrets,
    entries,
    logs: allLogs,
  });
});

after(async () => {
  await worker?.close();
  await regions?.close();
});

const app = () => ({ id: concealed.client_id, secret: concealed.client_secret });
const pass = () => ({ id: passthrough.client_id, secret: passthrough.client_secret });

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
    const r = remember(await worker.token({ ...app(), scope: 'api:read', headers: { 'x-caller': 'leak?' } }));
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-oidc-edge-upstream'), 'primary');
    assert.equal(jwtClaims(r.json.access_token).iss, regions.primary.issuer);
    assert.equal(jwtClaims(r.json.access_token).client_id, regions.primary.client.clientId);
    assert.equal(r.json.token_type, 'Bearer');
    assertUpstreamCall(pproxy, regions.primary.client, { scope: 'api:read' });
    assert.equal(sproxy.requests.length, 0);
  });

  test('pass-through client (client_secret_post): token from the primary', T, async () => {
    const r = remember(await worker.token({ ...pass(), auth: 'post' }));
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-oidc-edge-upstream'), 'primary');
    assertUpstreamCall(pproxy, regions.primary.client);
    assert.equal(sproxy.requests.length, 0);
  });

  const expected = { refuse: 'network', reset: 'network', hang: 'timeout', delay: 'timeout', status: 'server_error', 429: 'too_many_requests', malformed200: 'malformed', oversized: 'malformed' };
  // oversized: a 2 MiB token answer, declared, chunked, or gzip-coded under a small declared
  // length; the worker reads at most 64 KiB of an answer whatever its headers say.
  const failoverModes = [
    'refuse', 'reset', 'hang', 'delay:2500', 'status:500', 'status:502', 'status:503', 'status:504',
    '429', '429:none', 'malformed200', 'malformed200:json', 'malformed200:empty',
    'oversized:declared', 'oversized:chunked', 'oversized:gzip',
  ];
  for (const mode of failoverModes) {
    for (const [label, who] of [['concealed', app], ['pass-through', pass]]) {
      test(`primary ${mode} -> the secondary answers with the secondary pair (${label})`, T, async () => {
        await pproxy.setMode(mode);
        const started = Date.now();
        const r = remember(await worker.token({ ...who(), scope: 'api:write' }));
        const elapsed = Date.now() - started;
        assertCommonHeaders(assert, r);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.headers.get('x-oidc-edge-upstream'), 'secondary');
        assert.equal(jwtClaims(r.json.access_token).iss, regions.secondary.issuer);
        assertUpstreamCall(sproxy, regions.secondary.client, { scope: 'api:write' });
        if (mode === 'refuse') assert.equal(pproxy.requests.length, 0);
        else assertUpstreamCall(pproxy, regions.primary.client, { scope: 'api:write' });
        if (mode === 'hang' || mode.startsWith('delay')) assert.ok(elapsed >= 1400, `per-try timeout honoured (${elapsed} ms)`);
        // The worker's own log line says how the primary attempt was classified.
        const line = await worker.logFor(r.headers.get('x-request-id'));
        assert.deepEqual(line.attempts.map((a) => [a.upstream, a.result]), [['primary', expected[mode.split(':')[0]]], ['secondary', 'token']]);
        assert.equal(line.outcome, 'token');
      });
    }
  }

  test('a slow primary within the per-try timeout still answers', T, async () => {
    await pproxy.setMode('delay:300');
    const r = remember(await worker.token(app()));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-oidc-edge-upstream'), 'primary');
    assert.equal(sproxy.requests.length, 0);
  });

  for (const [mode, status, error] of [
    ['invalid_client', 400, 'invalid_client'],
    ['invalid_client:401', 401, 'invalid_client'],
    ['invalid_scope', 400, 'invalid_scope'],
  ]) {
    test(`primary ${mode}: returned unchanged, no secondary call`, T, async () => {
      await pproxy.setMode(mode);
      const r = await worker.token(app());
      assertCommonHeaders(assert, r);
      assert.equal(r.status, status);
      assert.equal(r.json.error, error);
      assert.equal(r.headers.get('x-oidc-edge-upstream'), 'primary');
      if (status === 401) assert.match(r.headers.get('www-authenticate'), /^Basic /);
      assert.equal(pproxy.requests.length, 1);
      assert.equal(sproxy.requests.length, 0);
    });
  }

  test("the real provider's invalid_scope passes through with its description", T, async () => {
    const r = await worker.token({ ...app(), scope: 'openid' });
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_scope');
    assert.equal(typeof r.json.error_description, 'string');
    assert.deepEqual(Object.keys(r.json).filter((k) => !['error', 'error_description', 'error_uri'].includes(k)), []);
    assert.equal(sproxy.requests.length, 0);
  });

  test('wrong secret and unknown client: 401 invalid_client + WWW-Authenticate, no upstream call', T, async () => {
    const cases = [
      { id: concealed.client_id, secret: 'not-the-secret' },
      { id: 'oe_unknown', secret: 'whatever' },
      { id: regions.primary.client.clientId, secret: 'guess' }, // pass-through: a known public id is not enough
      { id: regions.secondary.client.clientId, secret: regions.secondary.client.clientSecret }, // no record for it
    ];
    const bodies = new Set();
    for (const c of cases) {
      const r = await worker.token(c);
      assertCommonHeaders(assert, r);
      assert.equal(r.status, 401);
      assert.equal(r.json.error, 'invalid_client');
      assert.match(r.headers.get('www-authenticate'), /^Basic realm=/);
      bodies.add(r.text);
      remember(null, basic(c.id, c.secret), c.secret);
    }
    assert.equal(bodies.size, 1, 'same body for unknown client and wrong secret');
    const r = await worker.token({ id: concealed.client_id, secret: 'nope', auth: 'post' });
    assert.equal(r.status, 401);
    assert.equal(pproxy.requests.length + sproxy.requests.length, 0);
  });

  test('both regions down: 503 temporarily_unavailable + Retry-After', T, async () => {
    await pproxy.setMode('status:503');
    await sproxy.setMode('reset');
    const r = await worker.token(app());
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 503);
    assert.equal(r.json.error, 'temporarily_unavailable');
    assert.match(r.headers.get('retry-after'), /^[1-9][0-9]*$/);
    assert.equal(r.headers.get('x-oidc-edge-upstream'), 'none');
    assert.equal(pproxy.requests.length, 1);
    assert.equal(sproxy.requests.length, 1);
  });

  test('the total deadline bounds a request when both hang', T, async () => {
    await pproxy.setMode('hang');
    await sproxy.setMode('hang');
    const started = Date.now();
    const r = await worker.token(app());
    const elapsed = Date.now() - started;
    assert.equal(r.status, 503);
    // Two tries of 1500 ms each, well inside the 6000 ms deadline.
    assert.ok(elapsed >= 2900 && elapsed < 5500, `${elapsed} ms`);
  });

  test('rotation: two secrets during a rotation, then only the new one; revocation', T, async () => {
    const id = concealed.client_id;
    const original = await worker.kv.get(recordKey(id));
    const { record, clientSecret: next } = rotateAdd(JSON.parse(original), keysOf(secrets));
    await worker.kv.put(recordKey(id), JSON.stringify(record));
    for (const secret of [concealed.client_secret, next]) {
      const r = remember(await worker.token({ id, secret }), next);
      assert.equal(r.status, 200, 'both secrets work during the rotation');
    }
    await worker.kv.put(recordKey(id), JSON.stringify(rotateFinish(record)));
    assert.equal((await worker.token({ id, secret: concealed.client_secret })).status, 401);
    assert.equal(remember(await worker.token({ id, secret: next })).status, 200);
    await worker.kv.delete(recordKey(id));
    const r = await worker.token({ id, secret: next });
    assert.equal(r.status, 401, 'revoked at once');
    assert.equal(pproxy.requests.length, 3);
    await worker.kv.put(recordKey(id), original); // restore for later tests
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
      const res = await worker.fetch(c.path ?? '/oauth2/token', { method: c.method, headers: c.headers, body: c.body });
      const text = await res.text();
      const r = { status: res.status, headers: res.headers, json: JSON.parse(text) };
      assertCommonHeaders(assert, r);
      assert.equal(r.status, status, `${c.method} ${c.path ?? ''} ${c.body?.slice(0, 40)}`);
      assert.equal(r.json.error, error);
      if (allow) assert.equal(r.headers.get('allow'), allow);
      if (status === 401) assert.match(r.headers.get('www-authenticate'), /^Basic /);
    }
    assert.equal(pproxy.requests.length + sproxy.requests.length, 0);
  });

  test('a chunked body (no Content-Length) is cut off at 8 KiB: 413; a small chunked body works', T, async () => {
    const send = (chunks) => {
      const body = new ReadableStream({
        pull(c) {
          if (chunks.length) c.enqueue(new TextEncoder().encode(chunks.shift()));
          else c.close();
        },
      });
      return worker.fetch('/oauth2/token', {
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
    assert.equal(pproxy.requests.length, 1);
  });

  test('GET /healthz: the status for anyone; hosts and breakers only with HEALTH_TOKEN; no secrets, no upstream call', T, async () => {
    for (const token of [undefined, 'not-the-token', secrets.HEALTH_TOKEN.slice(1)]) {
      const r = await worker.health(token);
      assertCommonHeaders(assert, r);
      assert.equal(r.status, 200);
      assert.deepEqual(r.json, { status: 'ok' }, `token ${token}`);
    }
    const r = await worker.health(secrets.HEALTH_TOKEN);
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 200);
    assert.equal(r.json.config.ok, true);
    assert.equal(r.json.config.primary, new URL(regions.primary.token).host);
    assert.deepEqual(Object.keys(r.json.breakers).sort(), ['primary', 'secondary']);
    for (const s of forbidden) assert.ok(!r.text.includes(s));
    const head = await worker.fetch('/healthz', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal(pproxy.requests.length + sproxy.requests.length, 0);
  });

  test('an over-long client id is an unknown client (401), never a store error', T, async () => {
    const id = 'a'.repeat(600);
    const r = await worker.token({ id, secret: 'x' });
    assertCommonHeaders(assert, r);
    assert.equal(r.status, 401);
    assert.equal(r.json.error, 'invalid_client');
    const line = await worker.logFor(r.headers.get('x-request-id'));
    assert.equal(line.outcome, 'unauthorized');
    assert.equal(pproxy.requests.length + sproxy.requests.length, 0);
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
