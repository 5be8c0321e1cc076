// Edge verification end to end: the built worker in workerd (miniflare) against two real
// oidc-provider regions behind fault proxies, an origin that checks the worker's proof, KV
// seeded by the provisioning code (tests/support/harness.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  AUDIENCE, SCOPES, decodeJwt, forge, newSecrets, provision, regionToken, sleep, startOrigin, startRegions, startWorker,
  tmpdir, workerVars,
} from '../support/harness.mjs';
import { startFaultProxy } from '../support/faults.mjs';

let regions, origin, secrets, client, entries, worker;
const jwksHits = (r) => r.px.requestsTo('/jwks').length;
const tokenFor = (w, c = client) => w.token({ id: c.client_id, secret: c.client_secret, scope: SCOPES });
const upstreamOf = (r) => r.headers.get('x-oidc-edge-upstream');

before(async () => {
  regions = await startRegions();
  secrets = newSecrets();
  origin = await startOrigin({ keys: [Buffer.from(secrets.ORIGIN_SIGNING_KEY, 'base64url')] });
  ({ clients: [client], entries } = await provision(regions, secrets));
  worker = await startWorker({
    vars: workerVars(regions, { PROTECT_ORIGIN: origin.url, REQUIRED_SCOPES: 'api:read' }),
    secrets,
    entries,
  });
});

after(async () => {
  await worker?.close();
  await origin?.close();
  await regions?.close();
});

async function fresh(extra = {}, opts = {}) {
  return startWorker({ vars: workerVars(regions, extra), secrets, entries, ...opts });
}

test('a token from either region verifies at /verify as the same logical client', async () => {
  for (const name of ['primary', 'secondary']) {
    const token = await regionToken(regions[name]);
    for (const body of [false, true]) {
      const r = await worker.verify(token, { body });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.client, client.client_id);
      assert.equal(r.json.region, name);
      assert.equal(r.json.claims.iss, regions[name].issuer);
      assert.equal(r.json.claims.client_id, regions[name].client.clientId);
      assert.equal(r.json.header.typ, 'at+jwt');
      assert.equal(r.headers.get('cache-control'), 'no-store');
    }
  }
});

test('a token through the worker from the primary, then from the secondary while the primary is down: both verify', async () => {
  const a = await tokenFor(worker);
  assert.equal(a.status, 200, a.text);
  assert.equal(upstreamOf(a), 'primary');
  let v = await worker.verify(a.json.access_token);
  assert.deepEqual([v.status, v.json.region, v.json.client], [200, 'primary', client.client_id]);
  await regions.primary.px.setMode('refuse');
  try {
    const b = await tokenFor(worker);
    assert.equal(b.status, 200, b.text);
    assert.equal(upstreamOf(b), 'secondary');
    assert.equal(decodeJwt(b.json.access_token).claims.iss, regions.secondary.issuer);
    v = await worker.verify(b.json.access_token);
    assert.deepEqual([v.status, v.json.region, v.json.client], [200, 'secondary', client.client_id]);
  } finally {
    await regions.primary.px.setMode('pass');
  }
});

test('protected route: the origin sees the same X-Auth-Client for both regions and never a spoofed X-Auth-*', async () => {
  for (const name of ['primary', 'secondary']) {
    const token = await regionToken(regions[name]);
    origin.seen.length = 0;
    const r = await worker.fetch('/api/orders?limit=2', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'x-auth-client': 'oe_evil',
        'X-Auth-Subject': 'root',
        'x-auth-region': 'nowhere',
        'x-auth-extra': 'spoof',
        X_Auth_Client: 'spoofed',
        'X-Auth-Signature': 't=1,v1=forged',
        'content-type': 'text/plain',
      },
      body: 'hello origin',
    });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(origin.seen.length, 1);
    const seen = origin.seen[0];
    assert.equal(seen.url, '/api/orders?limit=2');
    assert.equal(seen.method, 'POST');
    assert.equal(seen.body, 'hello origin');
    assert.equal(seen.headers['x-auth-client'], client.client_id);
    assert.equal(seen.headers['x-auth-region'], name);
    assert.equal(seen.headers['x-auth-subject'], regions[name].client.clientId);
    assert.equal(seen.headers['x-auth-extra'], undefined);
    assert.equal(seen.headers.x_auth_client, undefined, 'the CGI spelling is stripped too');
    assert.ok(!JSON.stringify(seen.headers).includes('oe_evil'));
    assert.ok(!JSON.stringify(seen.headers).includes('spoofed'));
    assert.ok(!JSON.stringify(seen.headers).includes('root'));
    // The origin can tell the identity came from the worker (the reference check of
    // tests/support/origin-proof.mjs), and the bearer token is not forwarded by default.
    assert.deepEqual(seen.proof, { ok: true });
    assert.match(seen.headers['x-request-id'], /^[0-9a-f]{32}$/);
    assert.equal(seen.headers.authorization, undefined);
  }
  // Refused requests never reach the origin.
  origin.seen.length = 0;
  const r = await worker.fetch('/api/orders', { headers: { 'x-auth-client': client.client_id } });
  assert.equal(r.status, 401);
  assert.equal(origin.seen.length, 0);
});

test('tampered, expired, wrong-client, mixed-region, key-bound and alg=none tokens are refused with the right kind', async () => {
  const good = await regionToken(regions.primary);
  const [h, p, s] = good.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, scope: 'api:read api:write admin' })).toString('base64url')}.${s}`;
  const otherClient = await regionToken(regions.primary, { clientId: 'app-primary-post-id' });
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    ['tampered', tampered, 'bad_signature'],
    ['expired', await forge(regions.primary, { iat: now - 700, exp: now - 60 }), 'expired'],
    ['wrong client (no record)', otherClient, 'aud_mismatch', 'client_id'],
    ['mixed region: primary issuer, secondary client id', await forge(regions.primary, { client_id: 'app-secondary-id', sub: 'app-secondary-id' }), 'aud_mismatch', 'client_id'],
    ['mixed region: secondary issuer, primary client id', await forge(regions.secondary, { client_id: 'app-primary-id', sub: 'app-primary-id' }), 'aud_mismatch', 'client_id'],
    ['secondary issuer signed with the primary key', await forge(regions.primary, { iss: regions.secondary.issuer, client_id: 'app-secondary-id' }), 'key_not_found'],
    ['wrong audience', await forge(regions.primary, { aud: 'https://other.example.test' }), 'aud_mismatch'],
    ['DPoP-bound (cnf)', await forge(regions.primary, { cnf: { jkt: 'A'.repeat(43) } }), 'dpop_required', 'cnf'],
    ['alg none', `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${p}.`, 'alg_not_allowed'],
    ['not a JWS', 'abc.def', 'malformed'],
  ];
  for (const [name, token, kind, claim] of cases) {
    const r = await worker.verify(token);
    assert.equal(r.status, 401, `${name}: ${r.text}`);
    assert.equal(r.json.kind, kind, name);
    if (claim) assert.equal(r.json.claim, claim, name);
    const scheme = kind === 'dpop_required' ? 'DPoP' : 'Bearer';
    assert.equal(r.headers.get('www-authenticate'), `${scheme} error="invalid_token"`, name);
    assert.ok(!r.text.includes(token.slice(0, 40)), `${name}: body echoes the token`);
    // The protected route refuses the same way.
    const pr = await worker.fetch('/api/x', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(pr.status, 401, name);
    assert.equal((await pr.json()).kind, kind, name);
  }
  const none = await worker.fetch('/verify', { method: 'POST' });
  assert.equal(none.status, 401);
  assert.equal((await none.json()).kind, 'token_missing');
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="oidc-edge"');
  const both = await worker.fetch('/verify', { method: 'POST', headers: { authorization: `Bearer ${good}` }, body: good });
  assert.equal(both.status, 400);
  assert.equal((await both.json()).kind, 'invalid_request');
});

test('the origin proof: valid for the worker, invalid once anything is changed; the token forwarded only when asked', async () => {
  const token = await regionToken(regions.primary);
  origin.seen.length = 0;
  assert.equal((await worker.fetch('/api/a/b?c=d', { headers: { authorization: `Bearer ${token}` } })).status, 200);
  const seen = origin.seen[0];
  assert.deepEqual(seen.proof, { ok: true });
  const { verifyRequest } = await import('../support/origin-proof.mjs');
  const key = Buffer.from(secrets.ORIGIN_SIGNING_KEY, 'base64url');
  const as = (edit) => verifyRequest({ method: seen.method, url: seen.url, headers: { ...seen.headers, ...edit } }, { keys: [key] });
  assert.deepEqual(await as({}), { ok: true });
  assert.equal((await as({ 'x-auth-client': 'oe_other' })).ok, false);
  assert.equal((await as({ 'x-auth-region': 'secondary' })).ok, false);
  assert.equal((await as({ host: 'elsewhere.example' })).ok, false);
  assert.equal((await verifyRequest({ ...seen, url: '/api/admin' }, { keys: [key] })).ok, false);
  assert.equal((await verifyRequest(seen, { keys: [Buffer.alloc(32, 1)] })).ok, false);
  assert.equal((await verifyRequest(seen, { keys: [key], now: Math.floor(Date.now() / 1000) + 120 })).reason, 'stale');
  const w = await fresh({ PROTECT_ORIGIN: origin.url, PROTECT_FORWARD_TOKEN: 'on' });
  try {
    origin.seen.length = 0;
    assert.equal((await w.fetch('/api/x', { headers: { authorization: `Bearer ${token}` } })).status, 200);
    assert.equal(origin.seen[0].headers.authorization, `Bearer ${token}`);
    assert.deepEqual(origin.seen[0].proof, { ok: true });
  } finally {
    await w.close();
  }
});

test('paths under the prefix with encoded slashes or dot segments: 400, never forwarded', async () => {
  const token = await regionToken(regions.primary);
  origin.seen.length = 0;
  for (const p of ['/api/..%2F..%2Fadmin', '/api/..%2f..%2fadmin', '/api/x%5C..%5Cadmin', '/api/a/%2e%2e%2Fadmin', '/api/%2e%2e%5cadmin']) {
    const r = await worker.fetch(p, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 400, p);
    assert.equal((await r.json()).kind, 'invalid_request', p);
  }
  assert.equal(origin.seen.length, 0);
  assert.equal((await worker.fetch('/api/a.b/%20c', { headers: { authorization: `Bearer ${token}` } })).status, 200);
});

test('a 200 MiB chunked POST to /verify: 413 after reading at most the 20 KiB limit', async () => {
  const w = await fresh({}, { port: 0 });
  try {
    // A real client streaming 200 MiB without Content-Length; the answer comes while it sends.
    const chunk = Buffer.alloc(64 * 1024, 97);
    const { status, body, sent } = await new Promise((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const req = http.request(`${w.url}/verify`, { method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
        answered = true;
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode, body: JSON.parse(text), sent });
        });
      });
      req.on('error', (e) => (answered ? undefined : reject(e)));
      const pump = () => {
        while (!answered && sent < 200 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return req.once('drain', pump);
        }
        if (!answered) req.end();
      };
      pump();
    });
    assert.equal(status, 413);
    assert.equal(body.kind, 'invalid_request');
    assert.ok(sent < 32 * 1024 * 1024, `the client got to send ${sent} bytes before the answer`);
    // A declared Content-Length over the limit is refused without reading.
    const declared = await w.fetch('/verify', { method: 'POST', body: 'x'.repeat(30_000), headers: { 'content-type': 'text/plain' } });
    assert.equal(declared.status, 413);
  } finally {
    await w.close();
  }
});

test('missing scope and a client outside ALLOWED_CLIENTS: 403 on the protected route', async () => {
  const writeOnly = await regionToken(regions.secondary, { scope: 'api:write' });
  let r = await worker.fetch('/api/orders', { headers: { authorization: `Bearer ${writeOnly}` } });
  assert.equal(r.status, 403);
  const body = await r.json();
  assert.deepEqual([body.kind, body.claim], ['insufficient_scope', 'scope']);
  assert.match(r.headers.get('www-authenticate'), /error="insufficient_scope", scope="api:read"/);
  // /verify answers the token's validity, not the route's policy.
  assert.equal((await worker.verify(writeOnly)).status, 200);
  const w = await fresh({ PROTECT_ORIGIN: origin.url, ALLOWED_CLIENTS: 'oe_somebody_else' });
  try {
    r = await w.fetch('/api/orders', { headers: { authorization: `Bearer ${await regionToken(regions.primary)}` } });
    assert.equal(r.status, 403);
    assert.equal((await r.json()).kind, 'client_not_allowed');
  } finally {
    await w.close();
  }
});

test('VERIFY_PROFILE unset is the jwt profile; the protected route checks scopes with the core', async () => {
  const w = await fresh({ PROTECT_ORIGIN: origin.url, VERIFY_PROFILE: '', REQUIRED_SCOPES: 'api:write' });
  try {
    const both = await regionToken(regions.primary);
    const readOnly = await regionToken(regions.primary, { scope: 'api:read' });
    assert.equal((await w.verify(both)).status, 200);
    assert.equal((await w.fetch('/api/orders', { headers: { authorization: `Bearer ${both}` } })).status, 200);
    const r = await w.fetch('/api/orders', { headers: { authorization: `Bearer ${readOnly}` } });
    assert.equal(r.status, 403);
    assert.match(r.headers.get('www-authenticate'), /^Bearer error="insufficient_scope", scope="api:write"$/);
  } finally {
    await w.close();
  }
});

test('key mirrors serve each issuer its own set, never merged', async () => {
  for (const name of ['primary', 'secondary']) {
    const r = await worker.fetch(`/.well-known/jwks/${name}.json`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('cache-control'), /^public, max-age=\d+$/);
    assert.deepEqual(await r.json(), regions[name].op.jwks());
  }
  const p = await (await worker.fetch('/.well-known/jwks/primary.json')).json();
  const s = await (await worker.fetch('/.well-known/jwks/secondary.json')).json();
  assert.ok(!p.keys.some((k) => s.keys.some((x) => x.kid === k.kid)));
});

test('key mirrors publish public members only', async () => {
  // A JWKS host that (wrongly) publishes the secondary region's private keys.
  const leaky = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: regions.secondary.op.privateKeys() }));
  });
  await new Promise((r) => leaky.listen(0, '127.0.0.1', r));
  const w = await fresh({ JWKS_URL_SECONDARY: `http://127.0.0.1:${leaky.address().port}/jwks` });
  try {
    const m = await w.fetch('/.well-known/jwks/secondary.json');
    assert.equal(m.status, 200);
    const set = await m.json();
    assert.ok(set.keys.length >= 1);
    for (const k of set.keys) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(k[member], undefined, member);
      assert.ok(k.n && k.e);
    }
    // The public parts still verify the region's tokens.
    assert.equal((await w.verify(await regionToken(regions.secondary))).status, 200);
  } finally {
    await w.close();
    await new Promise((r) => leaky.close(r));
  }
});

test('both JWKS hosts down with a cold cache: 503 with Retry-After', async () => {
  const w = await fresh();
  const [tp, ts] = [await regionToken(regions.primary), await regionToken(regions.secondary)];
  await regions.primary.px.setMode('refuse');
  await regions.secondary.px.setMode('status:503');
  try {
    for (const t of [tp, ts]) {
      const r = await w.verify(t);
      assert.equal(r.status, 503, r.text);
      assert.equal(r.json.kind, 'jwks_unavailable');
      assert.equal(r.json.code, 'ERR_JOSE_GENERIC');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
    }
    const m = await w.fetch('/.well-known/jwks/secondary.json');
    assert.equal(m.status, 503);
  } finally {
    await regions.primary.px.setMode('pass');
    await regions.secondary.px.setMode('pass');
    await w.close();
  }
});

test('a hanging JWKS host: 503 jwks_timeout within the fetch timeout', async () => {
  const w = await fresh({ JWKS_TIMEOUT_MS: '1000' });
  const t = await regionToken(regions.secondary);
  await regions.secondary.px.setMode('hang');
  try {
    const start = Date.now();
    const r = await w.verify(t);
    assert.equal(r.status, 503);
    assert.equal(r.json.kind, 'jwks_timeout');
    assert.ok(Date.now() - start < 5000, `took ${Date.now() - start} ms`);
  } finally {
    await regions.secondary.px.setMode('pass');
    await w.close();
  }
});

test('key rotation at one provider: an unknown kid costs exactly one refetch', async () => {
  // A cooldown long enough that the checks below run within it on a loaded machine.
  const w = await fresh({ JWKS_COOLDOWN_S: '4' });
  try {
    assert.equal((await w.verify(await regionToken(regions.primary))).status, 200);
    regions.primary.px.clear();
    regions.secondary.px.clear();
    const { kid } = await regions.primary.op.rotateKey();
    await sleep(4200); // past the cooldown since the first fetch
    const rotated = await regionToken(regions.primary);
    assert.equal(decodeJwt(rotated).header.kid, kid);
    for (let i = 0; i < 3; i++) {
      const r = await w.verify(rotated);
      assert.equal(r.status, 200, r.text);
    }
    assert.equal(jwksHits(regions.primary), 1, 'exactly one refetch at the primary');
    assert.equal(jwksHits(regions.secondary), 0, 'the other issuer is not refetched');
    // Random unknown kids within the cooldown: refused, no further fetch.
    const strangers = [];
    for (let i = 0; i < 5; i++) strangers.push(await forge(regions.primary, {}, { header: { kid: `k-unknown-${i}` } }));
    for (const t of strangers) {
      const r = await w.verify(t);
      assert.equal(r.json.kind, 'key_not_found');
    }
    assert.equal(jwksHits(regions.primary), 1);
  } finally {
    await w.close();
  }
});

test('50 concurrent tokens with an unknown kid cost one key fetch; during an outage they get 503, not 401', async () => {
  const w = await fresh({ JWKS_COOLDOWN_S: '3' });
  try {
    assert.equal((await w.verify(await regionToken(regions.primary))).status, 200);
    await regions.primary.op.rotateKey();
    await sleep(3200);
    regions.primary.px.clear();
    const rotated = await regionToken(regions.primary);
    const results = await Promise.all(Array.from({ length: 50 }, () => w.verify(rotated)));
    assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
    assert.equal(jwksHits(regions.primary), 1, 'one fetch for all 50');
    // The key host goes down; a token signed by a key the worker has not seen yet.
    await regions.primary.op.rotateKey();
    await regions.primary.px.setMode('status:503');
    await sleep(3200);
    const unseen = await regionToken(regions.primary);
    const during = await Promise.all(Array.from({ length: 20 }, () => w.verify(unseen)));
    for (const r of during) {
      assert.equal(r.status, 503, r.text);
      assert.equal(r.json.kind, 'jwks_unavailable');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
    }
    // Keys the worker has still verify.
    await regions.primary.px.setMode('pass');
    assert.equal((await w.verify(rotated)).status, 200);
  } finally {
    await regions.primary.px.setMode('pass');
    await w.close();
  }
});

test('the primary JWKS host down: keys still served from isolate memory, then from the Cache API in a new isolate', async () => {
  const cacheDir = tmpdir('oidc-edge-cache-');
  const token = await regionToken(regions.primary);
  const a = await fresh({}, { cachePersist: cacheDir });
  assert.equal((await a.verify(token)).status, 200);
  await regions.primary.px.setMode('status:503');
  regions.primary.px.clear();
  try {
    assert.equal((await a.verify(token)).status, 200, 'warm isolate');
    await a.close();
    const b = await fresh({}, { cachePersist: cacheDir });
    try {
      const r = await b.verify(token);
      assert.equal(r.status, 200, r.text);
      const m = await b.fetch('/.well-known/jwks/primary.json');
      assert.equal(m.status, 200);
      assert.deepEqual(await m.json(), regions.primary.op.jwks());
      assert.equal(jwksHits(regions.primary), 0, 'the new isolate restored the set without fetching');
    } finally {
      await b.close();
    }
  } finally {
    await regions.primary.px.setMode('pass');
  }
});

test('shared mode: one issuer, keys from whichever region URL answers', async () => {
  // The secondary region's JWKS URL for the same (replicated) issuer: a second proxy in front
  // of the primary's provider.
  const replica = await startFaultProxy({ upstream: regions.primary.op.origin, name: 'replica' });
  const w = await fresh({
    REGION_MODE: 'shared',
    ISSUER_SECONDARY: '',
    JWKS_URL_SECONDARY: `${replica.url}/primary/jwks`,
  });
  await regions.primary.px.setMode('refuse');
  try {
    const r = await w.verify(await regionToken(regions.primary));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.client, client.client_id);
    assert.equal(replica.requestsTo('/jwks').length, 1);
    const other = await w.verify(await regionToken(regions.secondary));
    assert.equal(other.status, 401);
    assert.equal(other.json.kind, 'iss_mismatch');
  } finally {
    await regions.primary.px.setMode('pass');
    await w.close();
    await replica.close();
  }
});

test('the mode is never guessed: REGION_MODE unset -> every route 500, the operator told why', async () => {
  const w = await fresh({ REGION_MODE: '' });
  try {
    const r = await w.verify(await regionToken(regions.primary));
    assert.equal(r.status, 500);
    assert.equal(r.json.error, 'server_error');
    assert.equal((await tokenFor(w)).status, 500, 'one configuration: nothing runs half-configured');
    const h = await w.health(secrets.HEALTH_TOKEN);
    assert.equal(h.status, 503);
    assert.match(JSON.stringify(h.json.config.problems), /REGION_MODE is not set/);
  } finally {
    await w.close();
  }
});

test('other methods on edge paths: 405 with Allow', async () => {
  let r = await worker.fetch('/verify');
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'POST');
  r = await worker.fetch('/.well-known/jwks/primary.json', { method: 'POST' });
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'GET, HEAD');
  assert.equal(AUDIENCE, 'https://api.example.test');
});

test('cognito_access profile: Cognito-shaped access tokens (token_use, client_id, no aud) from either region', async () => {
  const w = await fresh({ VERIFY_PROFILE: 'cognito_access', VERIFY_AUDIENCE: '' });
  try {
    const cognito = (name, extra = {}) => forge(regions[name], {
      aud: undefined, token_use: 'access', scope: 'api:read', ...extra,
    }, { header: { typ: 'JWT' } });
    for (const name of ['primary', 'secondary']) {
      const r = await w.verify(await cognito(name));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual([r.json.client, r.json.region], [client.client_id, name]);
    }
    const cases = [
      ['an ID token (token_use id)', await cognito('primary', { token_use: 'id' }), 'token_use_mismatch'],
      ['mixed region', await cognito('primary', { client_id: 'app-secondary-id' }), 'aud_mismatch'],
      ['an RFC 9068 token', await regionToken(regions.primary), 'invalid_typ'],
    ];
    for (const [name, token, kind] of cases) {
      const r = await w.verify(token);
      assert.equal(r.status, 401, name);
      assert.equal(r.json.kind, kind, `${name}: ${r.text}`);
    }
  } finally {
    await w.close();
  }
});
