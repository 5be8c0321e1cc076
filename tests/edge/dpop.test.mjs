// EC and EdDSA tokens, and DPoP, end to end: the built worker in workerd (miniflare) against
// two real oidc-provider regions that sign access tokens with ES256 (primary, DPoP on) and
// EdDSA (secondary). The DPoP-bound tokens are real: client_credentials requested with a
// client-made proof, so the provider binds them to the client's key (cnf.jkt).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import {
  SCOPES, basic, decodeJwt, newSecrets, provision, regionToken, startOrigin, startRegions, startWorker, workerVars,
} from '../support/harness.mjs';
import { generateRsaJwk } from '../support/op.mjs';

let regions, origin, secrets, entries, worker, nonceWorker, client;

/** A private signing JWK of a fresh key, as oidc-provider takes it. */
function signingJwk(type, alg, options) {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: `${alg.toLowerCase()}-${crypto.randomBytes(4).toString('hex')}` };
}

before(async () => {
  // Each region's ID tokens stay RS256; its access tokens are signed with the other key.
  regions = await startRegions({
    primary: {
      dpop: true,
      keys: [signingJwk('ec', 'ES256', { namedCurve: 'P-256' }), await generateRsaJwk()],
      resourceServer: { jwt: { sign: { alg: 'ES256' } } },
    },
    secondary: {
      keys: [signingJwk('ed25519', 'EdDSA'), await generateRsaJwk()],
      resourceServer: { jwt: { sign: { alg: 'EdDSA' } } },
    },
  });
  secrets = newSecrets();
  origin = await startOrigin({ keys: [Buffer.from(secrets.ORIGIN_SIGNING_KEY, 'base64url')] });
  ({ entries } = await provision(regions, secrets));
  const vars = workerVars(regions, { VERIFY_PROFILE: 'jwt', PROTECT_ORIGIN: origin.url, REQUIRED_SCOPES: 'api:read' });
  worker = await startWorker({ vars, secrets, entries });
  nonceWorker = await startWorker({
    vars,
    secrets: { ...secrets, DPOP_NONCE_KEY: crypto.randomBytes(32).toString('base64url') },
    entries,
  });
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  client = { privateKey, jwk: await exportJWK(publicKey) };
  client.jkt = await calculateJwkThumbprint(client.jwk);
});

after(async () => {
  await worker?.close();
  await nonceWorker?.close();
  await origin?.close();
  await regions?.close();
});

/** A DPoP proof by `key` (default: the client's) for `method url`, bound to `token`. */
async function proof(method, url, { token, nonce, key = client, iat } = {}) {
  const claims = { htm: method, htu: url, jti: crypto.randomUUID() };
  if (token) claims.ath = crypto.createHash('sha256').update(token).digest('base64url');
  if (nonce) claims.nonce = nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk })
    .setIssuedAt(iat)
    .sign(key.privateKey);
}

/** A DPoP-bound client_credentials token of the primary region (the client's proof sent). */
async function boundToken() {
  const r = regions.primary;
  const res = await fetch(r.op.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: basic(r.client.clientId, r.client.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
      dpop: await proof('POST', r.op.tokenEndpoint),
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPES }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.token_type, 'DPoP');
  return body.access_token;
}

/** POST /verify with `Authorization: DPoP <token>` and these DPoP headers. */
function verifyDpop(w, token, proofs) {
  const headers = new Headers({ authorization: `DPoP ${token}` });
  for (const p of proofs) headers.append('dpop', p);
  return w.fetch('/verify', { method: 'POST', headers });
}

const VERIFY_URL = 'http://edge.test/verify';

test('access tokens signed with ES256 (primary) and EdDSA (secondary) keys verify at /verify', async () => {
  for (const [name, alg] of [['primary', 'ES256'], ['secondary', 'EdDSA']]) {
    const token = await regionToken(regions[name]);
    assert.equal(decodeJwt(token).header.alg, alg);
    const r = await worker.verify(token);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.json.header.alg, r.json.region], [alg, name]);
  }
  // An RS256-only list refuses them.
  const w = await startWorker({ vars: workerVars(regions, { VERIFY_PROFILE: 'jwt', VERIFY_ALGORITHMS: 'RS256' }), secrets, entries });
  try {
    const r = await w.verify(await regionToken(regions.primary));
    assert.deepEqual([r.status, r.json.kind], [401, 'alg_not_allowed']);
  } finally {
    await w.close();
  }
});

test('a real DPoP-bound token with its proof verifies; replayed, missing and mismatched proofs are refused', async () => {
  const token = await boundToken();
  assert.equal(decodeJwt(token).claims.cnf.jkt, client.jkt);
  const good = await proof('POST', VERIFY_URL, { token });
  let r = await verifyDpop(worker, token, [good]);
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal((await r.json()).region, 'primary');

  const refused = async (res, kind, claim, error = 'invalid_dpop_proof') => {
    const body = await res.json();
    assert.deepEqual([res.status, body.kind, body.claim], [401, kind, claim], JSON.stringify(body));
    assert.equal(res.headers.get('www-authenticate'), `DPoP error="${error}"`);
  };
  // Replayed: the same proof again.
  await refused(await verifyDpop(worker, token, [good]), 'dpop_invalid', 'jti');
  // Missing.
  await refused(await verifyDpop(worker, token, []), 'dpop_invalid', undefined);
  // Mismatched: another URL, another method, another token's hash, another key.
  await refused(await verifyDpop(worker, token, [await proof('POST', 'http://edge.test/elsewhere', { token })]), 'dpop_invalid', 'htu');
  await refused(await verifyDpop(worker, token, [await proof('GET', VERIFY_URL, { token })]), 'dpop_invalid', 'htm');
  await refused(await verifyDpop(worker, token, [await proof('POST', VERIFY_URL, { token: 'x.y.z' })]), 'dpop_invalid', 'ath');
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const stranger = { privateKey, jwk: await exportJWK(publicKey) };
  await refused(await verifyDpop(worker, token, [await proof('POST', VERIFY_URL, { token, key: stranger })]), 'dpop_invalid', 'cnf');
  // Stale.
  const old = Math.floor(Date.now() / 1000) - 300;
  await refused(await verifyDpop(worker, token, [await proof('POST', VERIFY_URL, { token, iat: old })]), 'dpop_invalid', 'iat');
  // The bound token as a bearer token.
  r = await worker.verify(token);
  assert.deepEqual([r.status, r.json.kind], [401, 'dpop_required']);
  assert.equal(r.headers.get('www-authenticate'), 'DPoP error="invalid_token"');
});

test('the protected route takes DPoP: the origin gets the identity; a bearer-only token with a proof is refused', async () => {
  const token = await boundToken();
  origin.seen.length = 0;
  const url = 'http://edge.test/api/orders?limit=2';
  let r = await worker.fetch('/api/orders?limit=2', {
    headers: { authorization: `DPoP ${token}`, dpop: await proof('GET', url, { token }) },
  });
  assert.equal(r.status, 200, await r.clone().text());
  const seen = origin.seen.at(-1);
  assert.equal(seen.url, '/api/orders?limit=2');
  assert.equal(seen.headers['x-auth-region'], 'primary');
  assert.deepEqual(seen.proof, { ok: true });
  // An unbound (plain) token presented with the DPoP scheme and a proof: the binding fails.
  const plain = await regionToken(regions.secondary);
  r = await worker.fetch('/api/orders', {
    headers: { authorization: `DPoP ${plain}`, dpop: await proof('GET', 'http://edge.test/api/orders', { token: plain }) },
  });
  const body = await r.json();
  assert.deepEqual([r.status, body.kind, body.claim], [401, 'dpop_invalid', 'cnf']);
});

test('with DPOP_NONCE_KEY: use_dpop_nonce and a DPoP-Nonce first, then the proof with the nonce verifies', async () => {
  const token = await boundToken();
  let r = await verifyDpop(nonceWorker, token, [await proof('POST', VERIFY_URL, { token })]);
  const body = await r.json();
  assert.deepEqual([r.status, body.kind, body.claim], [401, 'dpop_invalid', 'nonce']);
  assert.equal(r.headers.get('www-authenticate'), 'DPoP error="use_dpop_nonce"');
  const nonce = r.headers.get('dpop-nonce');
  assert.match(nonce ?? '', /^[A-Za-z0-9_-]{20,}$/);
  r = await verifyDpop(nonceWorker, token, [await proof('POST', VERIFY_URL, { token, nonce })]);
  assert.equal(r.status, 200, await r.clone().text());
  assert.ok(r.headers.get('dpop-nonce'));
  r = await verifyDpop(nonceWorker, token, [await proof('POST', VERIFY_URL, { token, nonce: 'not-a-nonce' })]);
  assert.equal(r.headers.get('www-authenticate'), 'DPoP error="use_dpop_nonce"');
});
