// Real tokens from real OpenID providers (tests/support: oidc-provider on 127.0.0.1): discovery,
// remote key sets on the core's cache policy (refetch once after rotation, cooldown for unknown
// kids, stale keys on failure, timeout, size cap), two regions through a trust set, RFC 9068
// access tokens, EdDSA ID tokens and ES256 access tokens, real DPoP-bound access tokens with
// client-made proofs. Requests are counted at the provider and at a fault proxy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { basic } from '../support/harness.mjs';
import { getClientCredentialsToken, getIdToken, generateRsaJwk, startProvider } from '../support/op.mjs';
import { startFaultProxy } from '../support/faults.mjs';
import { CURVE_KEYS, accessTokenHash, dpopProof, loadEsm, signJwt } from './helpers.mjs';

const m = await loadEsm();
let primary;
let secondary;

before(async () => {
  primary = await startProvider({ name: 'primary', issuerPath: '/primary' });
  secondary = await startProvider({ name: 'secondary', issuerPath: '/secondary' });
});
after(async () => {
  await primary?.close();
  await secondary?.close();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const jwksCount = (op) => op.requestCounts.jwks ?? 0;
const webClient = (op) => op.clients.authorizationCode.clientId;

test('an ID token from oidc-provider verifies (sync with its JWKS, async through discovery)', async () => {
  const { idToken, claims } = await getIdToken(primary, { nonce: 'n-123', maxAge: 600 });
  const keys = new m.JwkSet(primary.jwks());
  const options = { issuer: primary.issuer, clientId: webClient(primary), nonce: 'n-123', maxAge: 600 };
  const sync = m.verifyIdToken(idToken, keys, options);
  assert.equal(sync.payload.sub, 'user-1234');
  assert.equal(sync.payload.nonce, 'n-123');
  assert.deepEqual(sync.payload, claims);
  assert.equal(sync.protectedHeader.kid, primary.kid);

  const op = await m.discover(primary.issuer);
  assert.equal(op.issuer, primary.issuer);
  assert.equal(op.url, primary.jwksUri);
  assert.equal(op.metadata.issuer, primary.issuer);
  const viaDiscovery = await m.verifyIdTokenAsync(idToken, op, { clientId: webClient(primary), nonce: 'n-123', maxAge: 600 });
  assert.deepEqual(viaDiscovery.payload, claims);
  await assert.rejects(m.verifyIdTokenAsync(idToken, op, { clientId: webClient(primary), nonce: 'other' }), (e) => e.kind === 'nonce_mismatch');
  await assert.rejects(m.verifyIdTokenAsync(idToken, op, { clientId: 'web-secondary-id' }), (e) => e.kind === 'aud_mismatch');
  await assert.rejects(m.verifyIdTokenAsync(idToken, op, { issuer: secondary.issuer, clientId: webClient(primary) }), TypeError);
});

test('discovery: the document issuer must equal the configured one (else a TypeError: the configuration is wrong)', async () => {
  await assert.rejects(m.discover(`${primary.issuer}/`), (e) => e instanceof TypeError && /issuer/.test(e.message));
  // an issuer list naming the discovered issuer is fine; one that does not is a TypeError
  const op = await m.discover(primary.issuer);
  const { idToken } = await getIdToken(primary);
  const clientId = webClient(primary);
  assert.ok(await m.verifyIdTokenAsync(idToken, op, { issuer: [secondary.issuer, primary.issuer], clientId }));
  await assert.rejects(m.verifyIdTokenAsync(idToken, op, { issuer: [secondary.issuer], clientId }), TypeError);
  // options.issuer only for a {tenantid} template
  await assert.rejects(m.discover(primary.issuer, { issuer: secondary.issuer }), TypeError);
  await assert.rejects(m.discover(primary.issuer, { issuer: 'https://login.example/{tenantid}/v2.0' }), TypeError, 'the document does not publish that template');
  // fetch failures stay key-fetch errors, with the core's code and check
  await assert.rejects(m.discover(`${primary.origin}/nowhere`),
    (e) => e instanceof m.OidcEdgeError && e.kind === 'jwks_unavailable' && e.code === 'ERR_JOSE_GENERIC' && e.check === 'key' && e.status === 503);
  await assert.rejects(m.discover('http://example.com/op'), TypeError, 'http only for loopback');
});

test('key rotation: the first token with the new kid refetches once; an unknown kid within the cooldown does not', async () => {
  const op = await startProvider({ name: 'rot', issuerPath: '/rot' });
  try {
    // cooldown 3 s (whole seconds in the core's policy); slow steps (key generation) happen first
    const remote = m.createRemoteJWKSet(op.jwksUri, { cooldownDuration: 3000 });
    const options = { issuer: op.issuer, clientId: webClient(op) };
    const stranger = await generateRsaJwk({ kid: 'k-stranger' });
    const t1 = (await getIdToken(op)).idToken;
    op.resetCounts();
    // ten concurrent first requests share one fetch (outside Workers)
    await Promise.all(Array.from({ length: 10 }, () => m.verifyIdTokenAsync(t1, remote, options)));
    assert.equal(jwksCount(op), 1);
    await m.verifyIdTokenAsync(t1, remote, options);
    assert.equal(jwksCount(op), 1, 'a fresh cache serves the set');
    assert.equal(remote.fresh, true);

    await sleep(3100); // past the cooldown of the first fetch
    const { kid: newKid, previousKid } = await op.rotateKey();
    const t2 = (await getIdToken(op)).idToken;
    assert.equal(m.inspect(t2).header.kid, newKid);
    assert.equal((await m.verifyIdTokenAsync(t2, remote, options)).protectedHeader.kid, newKid);
    assert.equal(jwksCount(op), 2, 'the new kid refetched once');
    await m.verifyIdTokenAsync(t2, remote, options);
    await m.verifyIdTokenAsync(t1, remote, options); // old key still published
    assert.equal(jwksCount(op), 2);
    assert.notEqual(previousKid, newKid);

    // a kid nobody publishes, right after that fetch: no refetch, key_not_found
    const forged = signJwt({ alg: 'RS256', kid: 'k-stranger' }, m.inspect(t2).payload, stranger);
    for (let i = 0; i < 5; i++) {
      await assert.rejects(m.verifyIdTokenAsync(forged, remote, options), (e) => e.kind === 'key_not_found');
    }
    assert.equal(jwksCount(op), 2, 'unknown kids within the cooldown do not refetch');
    // after the cooldown one more refetch is allowed, still key_not_found
    await sleep(3100);
    await assert.rejects(m.verifyIdTokenAsync(forged, remote, options), (e) => e.kind === 'key_not_found');
    assert.equal(jwksCount(op), 3);
    // malformed tokens never cause a fetch
    await assert.rejects(m.verifyIdTokenAsync('a.b', remote, options), (e) => e.kind === 'malformed');
    await assert.rejects(m.verifyIdTokenAsync(signJwt({ alg: 'none', kid: 'x' }, {}, stranger), remote, options), (e) => e.kind === 'alg_not_allowed');
    assert.equal(jwksCount(op), 3);
  } finally {
    await op.close();
  }
});

test('default cooldown (30 s): a rotation right after the first fetch is not refetched yet', async () => {
  const op = await startProvider({ name: 'rot2', issuerPath: '/rot2' });
  try {
    const remote = m.createRemoteJWKSet(op.jwksUri);
    const options = { issuer: op.issuer, clientId: webClient(op) };
    await m.verifyIdTokenAsync((await getIdToken(op)).idToken, remote, options);
    assert.equal(jwksCount(op), 1);
    await op.rotateKey();
    const t2 = (await getIdToken(op)).idToken;
    await assert.rejects(m.verifyIdTokenAsync(t2, remote, options), (e) => e.kind === 'key_not_found');
    assert.equal(jwksCount(op), 1);
  } finally {
    await op.close();
  }
});

test('remote keys through a fault proxy: timeout, unavailable, stale keys served while the OP is down', async () => {
  const px = await startFaultProxy({ upstream: primary.origin, name: 'primary' });
  try {
    const url = `${px.url}/primary/jwks`;
    const options = { issuer: primary.issuer, clientId: webClient(primary) };
    const { idToken } = await getIdToken(primary);

    await px.setMode('hang');
    const slow = m.createRemoteJWKSet(url, { timeoutDuration: 300 });
    const t0 = Date.now();
    await assert.rejects(m.verifyIdTokenAsync(idToken, slow, options), (e) => e.kind === 'jwks_timeout' && e.code === 'ERR_JWKS_TIMEOUT');
    assert.ok(Date.now() - t0 < 3000, 'the timeout is enforced');

    await px.setMode('status:503');
    await assert.rejects(m.verifyIdTokenAsync(idToken, m.createRemoteJWKSet(url), options),
      (e) => e.kind === 'jwks_unavailable' && e.code === 'ERR_JOSE_GENERIC');
    await px.setMode('malformed200');
    await assert.rejects(m.verifyIdTokenAsync(idToken, m.createRemoteJWKSet(url), options), (e) => e.kind === 'jwks_unavailable');
    await px.setMode('reset');
    await assert.rejects(m.verifyIdTokenAsync(idToken, m.createRemoteJWKSet(url), options), (e) => e.kind === 'jwks_unavailable');

    // stale: a 1 s cache lifetime, then the OP goes down: the previous set is still served
    await px.setMode('pass');
    const remote = m.createRemoteJWKSet(url, { cacheMaxAge: 1000, cooldownDuration: 0 });
    await m.verifyIdTokenAsync(idToken, remote, options);
    await px.setMode('status:503');
    await sleep(2100);
    px.clear();
    assert.equal(remote.fresh, false);
    assert.ok(await m.verifyIdTokenAsync(idToken, remote, options), 'stale keys within the stale limit');
    assert.equal(px.requestsTo('/primary/jwks').length, 1, 'it tried to refresh');
    await px.setMode('pass');
  } finally {
    await px.close();
  }
});

test('a server Cache-Control max-age overrides cacheMaxAge (within the clamp)', async () => {
  const op = await startProvider({ name: 'cc', issuerPath: '/cc' });
  try {
    op.setJwksCacheControl('public, max-age=3600');
    const remote = m.createRemoteJWKSet(op.jwksUri, { cacheMaxAge: 1000 });
    const options = { issuer: op.issuer, clientId: webClient(op) };
    const { idToken } = await getIdToken(op);
    await m.verifyIdTokenAsync(idToken, remote, options);
    await sleep(2100);
    await m.verifyIdTokenAsync(idToken, remote, options);
    assert.equal(jwksCount(op), 1);
    assert.equal(remote.fresh, true);
  } finally {
    await op.close();
  }
});

test('a key set response over 64 KiB is refused (jwks_unavailable), and the body is not read past the cap', async () => {
  const big = JSON.stringify({ keys: [], padding: 'x'.repeat(70 * 1024) });
  let streamed = 0;
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }); // no content-length: streamed
    const chunk = 'x'.repeat(16 * 1024);
    const write = () => {
      while (streamed < 4 * 1024 * 1024) {
        streamed += chunk.length;
        if (!res.write(chunk)) { res.once('drain', write); return; }
      }
      res.end();
    };
    if (req.url === '/stream') write(); else res.end(big);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const token = signJwt({ alg: 'RS256', kid: 'k' }, { iss: 'x' }, await generateRsaJwk());
    const options = { issuer: 'x', clientId: 'y' };
    await assert.rejects(m.verifyIdTokenAsync(token, m.createRemoteJWKSet(`${base}/big`), options), (e) => e.kind === 'jwks_unavailable');
    await assert.rejects(m.verifyIdTokenAsync(token, m.createRemoteJWKSet(`${base}/stream`), options), (e) => e.kind === 'jwks_unavailable');
    assert.ok(streamed < 4 * 1024 * 1024, `stopped reading (server wrote ${streamed} B)`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('two regions: a trust set of both issuers accepts each region token for its own client', async () => {
  const trust = m.createTrustSet([
    { issuer: primary.issuer, keys: primary.jwks(), clientIds: [webClient(primary)] },
    { issuer: secondary.issuer, keys: secondary.jwks(), clientIds: [webClient(secondary)] },
  ]);
  const a = (await getIdToken(primary)).idToken;
  const b = (await getIdToken(secondary)).idToken;
  assert.equal(m.verifyIdToken(a, trust).payload.iss, primary.issuer);
  assert.equal(m.verifyIdToken(b, trust).payload.iss, secondary.issuer);
  assert.equal((await m.verifyIdTokenAsync(b, trust)).payload.aud, webClient(secondary));
  // the secondary key cannot vouch for a primary token
  const forged = signJwt({ alg: 'RS256', kid: secondary.kid }, { ...m.inspect(a).payload }, secondary.privateKeys()[0]);
  assert.throws(() => m.verifyIdToken(forged, trust), (e) => ['key_not_found', 'bad_signature'].includes(e.kind));
});

test('RFC 9068 access tokens from the client_credentials grant (profile at_jwt)', async () => {
  const t = await getClientCredentialsToken(primary, { scope: 'api:read' });
  assert.ok(t.access_token, JSON.stringify(t));
  const remote = m.createRemoteJWKSet(primary.jwksUri);
  const v = m.createVerifier({ issuer: primary.issuer, profile: 'at_jwt', audience: primary.audience });
  const { payload, protectedHeader } = await v.verifyAsync(t.access_token, remote);
  assert.equal(protectedHeader.typ, 'at+jwt');
  assert.equal(payload.client_id, primary.clients.clientCredentials.clientId);
  assert.equal(payload.scope, 'api:read');
  // an access token is not an ID token
  await assert.rejects(m.verifyIdTokenAsync(t.access_token, remote, { issuer: primary.issuer, clientId: payload.client_id }), (e) => e.kind === 'invalid_typ');
});

test('resource server: client_credentials access tokens verified with verifyAccessToken (profile jwt)', async () => {
  const read = (await getClientCredentialsToken(primary, { scope: 'api:read' })).access_token;
  const both = (await getClientCredentialsToken(primary, { scope: 'api:read api:write' })).access_token;
  const keys = m.createRemoteJWKSet(primary.jwksUri);
  const api = { issuer: primary.issuer, audience: primary.audience };
  const client = primary.clients.clientCredentials.clientId;
  const { payload, protectedHeader } = await m.verifyAccessTokenAsync(read, keys, api);
  assert.equal(protectedHeader.typ, 'at+jwt');
  assert.equal(payload.client_id, client);
  assert.deepEqual(m.verifyAccessToken(both, primary.jwks(), { ...api, requiredScopes: 'api:read api:write', clientIds: [client] }).payload.scope, 'api:read api:write');
  await assert.rejects(m.verifyAccessTokenAsync(read, keys, { ...api, requiredScopes: ['api:write'] }),
    (e) => e.kind === 'insufficient_scope' && e.status === 403 && e.check === 'scope' && e.claim === 'scope' && e.reason === 'check_failed');
  await assert.rejects(m.verifyAccessTokenAsync(read, keys, { ...api, clientIds: ['someone-else'] }), (e) => e.kind === 'aud_mismatch' && e.claim === 'client_id' && e.check === 'client');
  await assert.rejects(m.verifyAccessTokenAsync(read, keys, { ...api, audience: 'https://other.example' }), (e) => e.kind === 'aud_mismatch' && e.check === 'aud');
  // a token that is otherwise invalid gets its 401 error, never the scope's 403
  await assert.rejects(m.verifyAccessTokenAsync(read, keys, { ...api, requiredScopes: ['api:write'], currentDate: new Date(Date.now() + 3600_000) }), (e) => e.kind === 'expired');
  // an ID token is not accepted as this API's access token
  const { idToken } = await getIdToken(primary);
  await assert.rejects(m.verifyAccessTokenAsync(idToken, keys, api), (e) => e.kind === 'aud_mismatch');
  await assert.rejects(m.verifyAccessTokenAsync(read, keys, { issuer: primary.issuer }), TypeError, 'audience is required');
});

test('a trust set of two regions with remote keys fetches only the keys of the issuer the token names', async () => {
  const trust = m.createTrustSet([
    { issuer: primary.issuer, keys: m.createRemoteJWKSet(primary.jwksUri) },
    { keys: await m.discover(secondary.issuer) },
  ], { audience: primary.audience });
  assert.deepEqual(trust.issuers, [primary.issuer, secondary.issuer]);
  const a = (await getClientCredentialsToken(primary, { scope: 'api:read' })).access_token;
  const b = (await getClientCredentialsToken(secondary, { scope: 'api:read' })).access_token;
  primary.resetCounts();
  secondary.resetCounts();
  assert.equal((await m.verifyAccessTokenAsync(b, trust)).payload.iss, secondary.issuer);
  assert.equal(jwksCount(primary), 0, 'the primary keys were not fetched for a secondary token');
  assert.equal(jwksCount(secondary), 1);
  assert.equal((await m.verifyAccessTokenAsync(a, trust, { requiredScopes: 'api:read' })).payload.iss, primary.issuer);
  assert.equal(jwksCount(primary), 1);
  await m.verifyAccessTokenAsync(a, trust);
  await m.verifyAccessTokenAsync(b, trust);
  assert.deepEqual([jwksCount(primary), jwksCount(secondary)], [1, 1], 'cached per entry');
  // a token naming an issuer outside the set, or a malformed one, fetches nothing
  const stranger = signJwt({ alg: 'RS256', kid: 'x' }, { ...m.inspect(a).payload, iss: 'https://elsewhere.example' }, await generateRsaJwk());
  await assert.rejects(m.verifyAccessTokenAsync(stranger, trust), (e) => e.kind === 'iss_mismatch');
  await assert.rejects(m.verifyAccessTokenAsync('x.y', trust), (e) => e.kind === 'malformed');
  // the secondary's key cannot vouch for a token naming the primary
  const forged = signJwt({ alg: 'RS256', kid: secondary.kid }, m.inspect(a).payload, secondary.privateKeys()[0]);
  await assert.rejects(m.verifyAccessTokenAsync(forged, trust), (e) => ['key_not_found', 'bad_signature'].includes(e.kind));
  assert.deepEqual([jwksCount(primary), jwksCount(secondary)], [1, 1]);
  // remote keys need the async call; a discovered entry vouches for its own issuer only
  assert.throws(() => m.verifyAccessToken(a, trust), TypeError);
  const discovered = await m.discover(secondary.issuer);
  assert.throws(() => m.createTrustSet([{ issuer: primary.issuer, keys: discovered }]), TypeError);
});

test('oidc-provider with EC and Ed25519 keys and DPoP: EdDSA ID tokens, ES256 access tokens, real DPoP-bound tokens', async () => {
  const op = await startProvider({
    name: 'curves',
    issuerPath: '/curves',
    dpop: true,
    keys: [CURVE_KEYS.p256, { ...CURVE_KEYS.ed25519, alg: 'EdDSA' }, await generateRsaJwk()],
    resourceServer: { jwt: { sign: { alg: 'ES256' } } },
    clients: { authorizationCode: { metadata: { id_token_signed_response_alg: 'EdDSA' } } },
  });
  try {
    const remote = m.createRemoteJWKSet(op.jwksUri);
    const { idToken } = await getIdToken(op);
    const id = { issuer: op.issuer, clientId: webClient(op) };
    assert.equal(m.verifyIdToken(idToken, op.jwks(), id).protectedHeader.alg, 'EdDSA');
    assert.equal((await m.verifyIdTokenAsync(idToken, remote, id)).payload.sub, 'user-1234');
    const api = { issuer: op.issuer, audience: op.audience };
    const bearer = (await getClientCredentialsToken(op, { scope: 'api:read' })).access_token;
    assert.equal(m.verifyAccessToken(bearer, op.jwks(), api).protectedHeader.alg, 'ES256');
    assert.equal((await m.verifyAccessTokenAsync(bearer, remote, api)).payload.scope, 'api:read');

    // A DPoP-bound token: the client proves its key at the token endpoint (real time, not NOW).
    const clientKey = { ...crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) };
    const otherKey = { ...crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) };
    const now = () => Math.floor(Date.now() / 1000);
    const c = op.clients.clientCredentials;
    const res = await fetch(op.tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: basic(c.clientId, c.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
        dpop: dpopProof(clientKey, 'ES256', { claims: { htm: 'POST', htu: op.tokenEndpoint, iat: now() } }),
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api:read' }),
    });
    const body = await res.json();
    assert.equal(body.token_type, 'DPoP', JSON.stringify(body));
    const token = body.access_token;
    const url = 'https://api.example.test/orders?page=1';
    const proof = (key = clientKey, alg = 'ES256') => dpopProof(key, alg, { claims: { htu: 'https://api.example.test/orders', iat: now(), ath: accessTokenHash(token) } });
    const withProof = (p) => ({ ...api, dpop: { proof: p, method: 'GET', url } });
    const good = proof();
    const { payload } = await m.verifyAccessTokenAsync(token, remote, withProof(good));
    assert.equal(payload.cnf.jkt, m.jwkThumbprint({ kty: clientKey.kty, crv: clientKey.crv, x: clientKey.x, y: clientKey.y }));
    assert.equal(m.verifyAccessToken(token, op.jwks(), withProof(proof())).payload.scope, 'api:read');
    await assert.rejects(m.verifyAccessTokenAsync(token, remote, withProof(good)), (e) => e.kind === 'dpop_invalid' && e.claim === 'jti');
    await assert.rejects(m.verifyAccessTokenAsync(token, remote, withProof(proof(otherKey, 'EdDSA'))), (e) => e.kind === 'dpop_invalid' && e.claim === 'cnf');
    await assert.rejects(m.verifyAccessTokenAsync(token, remote, api), (e) => e.kind === 'dpop_required');
    await assert.rejects(m.verifyAccessTokenAsync(token, remote, withProof(undefined)), (e) => e.kind === 'dpop_invalid');
  } finally {
    await op.close();
  }
});
