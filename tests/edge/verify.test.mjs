// Edge verification end to end: the built worker in workerd (miniflare) against two real
// oidc-provider regions behind fault proxies, an origin on 127.0.0.1, KV seeded by
// scripts/client-add.mjs. DESIGN.md section 6b.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRegions, startOrigin, secrets, provision, edgeVars, startWorker, regionToken, forge,
  decodeJwt, tmpdir, sleep, AUDIENCE,
} from './harness.mjs';
import { startFaultProxy } from '../support/faults.mjs';

let regions, origin, keys, client, dir, worker;
const jwksHits = (r) => r.px.requestsTo('/jwks').length;

before(async () => {
  regions = await startRegions();
  origin = await startOrigin();
  keys = secrets();
  dir = tmpdir();
  client = provision(regions, keys, dir);
  worker = await startWorker({
    vars: edgeVars(regions, { PROTECT_ORIGIN: origin.url, REQUIRED_SCOPES: 'api:read' }),
    keys,
    entries: client.entries,
  });
});

after(async () => {
  await worker?.close();
  await origin?.close();
  await regions?.close();
});

async function fresh(extra = {}, opts = {}) {
  return startWorker({ vars: edgeVars(regions, extra), keys, entries: client.entries, ...opts });
}

test('a token from either region verifies at /verify as the same logical client', async () => {
  for (const name of ['primary', 'secondary']) {
    const token = await regionToken(regions[name]);
    for (const body of [false, true]) {
      const r = await worker.verify(token, { body });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.client, client.client_id);
      assert.equal(r.body.region, name);
      assert.equal(r.body.claims.iss, regions[name].op.issuer);
      assert.equal(r.body.claims.client_id, regions[name].op.clients.clientCredentials.clientId);
      assert.equal(r.body.header.typ, 'at+jwt');
      assert.equal(r.headers.get('cache-control'), 'no-store');
    }
  }
});

test('a token through the worker from the primary, then from the secondary while the primary is down: both verify', async () => {
  const a = await worker.token(client);
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.equal(a.upstream, 'primary');
  let v = await worker.verify(a.body.access_token);
  assert.deepEqual([v.status, v.body.region, v.body.client], [200, 'primary', client.client_id]);
  await regions.primary.px.setMode('refuse');
  try {
    const b = await worker.token(client);
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.equal(b.upstream, 'secondary');
    assert.equal(decodeJwt(b.body.access_token).claims.iss, regions.secondary.op.issuer);
    v = await worker.verify(b.body.access_token);
    assert.deepEqual([v.status, v.body.region, v.body.client], [200, 'secondary', client.client_id]);
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
    assert.equal(seen.headers['x-auth-subject'], regions[name].op.clients.clientCredentials.clientId);
    assert.equal(seen.headers['x-auth-extra'], undefined);
    assert.ok(!JSON.stringify(seen.headers).includes('oe_evil'));
    assert.ok(!JSON.stringify(seen.headers).includes('root'));
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
    ['secondary issuer signed with the primary key', await forge(regions.primary, { iss: regions.secondary.op.issuer, client_id: 'app-secondary-id' }), 'key_not_found'],
    ['wrong audience', await forge(regions.primary, { aud: 'https://other.example.test' }), 'aud_mismatch'],
    ['DPoP-bound (cnf)', await forge(regions.primary, { cnf: { jkt: 'A'.repeat(43) } }), 'dpop_required', 'cnf'],
    ['alg none', `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${p}.`, 'alg_not_allowed'],
    ['not a JWS', 'abc.def', 'malformed'],
  ];
  for (const [name, token, kind, claim] of cases) {
    const r = await worker.verify(token);
    assert.equal(r.status, 401, `${name}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.kind, kind, name);
    if (claim) assert.equal(r.body.claim, claim, name);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer error="invalid_token"', name);
    assert.ok(!JSON.stringify(r.body).includes(token.slice(0, 40)), `${name}: body echoes the token`);
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

test('missing scope and a client outside ALLOWED_CLIENTS: 403 on the protected route', async () => {
  const writeOnly = await regionToken(regions.secondary, { scope: 'api:write' });
  let r = await worker.fetch('/api/orders', { headers: { authorization: `Bearer ${writeOnly}` } });
  assert.equal(r.status, 403);
  const body = await r.json();
  assert.equal(body.kind, 'insufficient_scope');
  assert.deepEqual(body.missing, ['api:read']);
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

test('both JWKS hosts down with a cold cache: 503 with Retry-After', async () => {
  const w = await fresh();
  const [tp, ts] = [await regionToken(regions.primary), await regionToken(regions.secondary)];
  await regions.primary.px.setMode('refuse');
  await regions.secondary.px.setMode('status:503');
  try {
    for (const t of [tp, ts]) {
      const r = await w.verify(t);
      assert.equal(r.status, 503, JSON.stringify(r.body));
      assert.equal(r.body.kind, 'jwks_unavailable');
      assert.equal(r.body.code, 'ERR_JOSE_GENERIC');
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
    assert.equal(r.body.kind, 'jwks_timeout');
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
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    assert.equal(jwksHits(regions.primary), 1, 'exactly one refetch at the primary');
    assert.equal(jwksHits(regions.secondary), 0, 'the other issuer is not refetched');
    // Random unknown kids within the cooldown: refused, no further fetch.
    const strangers = [];
    for (let i = 0; i < 5; i++) strangers.push(await forge(regions.primary, {}, { header: { kid: `k-unknown-${i}` } }));
    for (const t of strangers) {
      const r = await w.verify(t);
      assert.equal(r.body.kind, 'key_not_found');
    }
    assert.equal(jwksHits(regions.primary), 1);
  } finally {
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
      assert.equal(r.status, 200, JSON.stringify(r.body));
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
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.client, client.client_id);
    assert.equal(replica.requestsTo('/jwks').length, 1);
    const other = await w.verify(await regionToken(regions.secondary));
    assert.equal(other.status, 401);
    assert.equal(other.body.kind, 'iss_mismatch');
  } finally {
    await regions.primary.px.setMode('pass');
    await w.close();
    await replica.close();
  }
});

test('the mode is never guessed: REGION_MODE unset -> 500 naming the problem', async () => {
  const w = await fresh({ REGION_MODE: '' });
  try {
    const r = await w.verify(await regionToken(regions.primary));
    assert.equal(r.status, 500);
    assert.match(JSON.stringify(r.body.problems), /REGION_MODE/);
    // The token proxy is unaffected.
    assert.equal((await w.token(client)).status, 200);
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
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual([r.body.client, r.body.region], [client.client_id, name]);
    }
    const cases = [
      ['an ID token (token_use id)', await cognito('primary', { token_use: 'id' }), 'token_use_mismatch'],
      ['mixed region', await cognito('primary', { client_id: 'app-secondary-id' }), 'aud_mismatch'],
      ['an RFC 9068 token', await regionToken(regions.primary), 'invalid_typ'],
    ];
    for (const [name, token, kind] of cases) {
      const r = await w.verify(token);
      assert.equal(r.status, 401, name);
      assert.equal(r.body.kind, kind, `${name}: ${JSON.stringify(r.body)}`);
    }
  } finally {
    await w.close();
  }
});
