// Cloudflare Workers: a small JS worker importing the installed package, bundled by wrangler and
// run in workerd through miniflare (workerd.mjs). It verifies a real token from
// oidc-provider with local keys (wasm RSA), with WebCrypto, and with a remote key set (also one
// kept in the Cache API, restored by a second workerd instance without fetching); RS256, ES256,
// ES384 and EdDSA tokens on both paths; DPoP-bound access tokens with the `dpop` option.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getIdToken, startProvider } from '../support/op.mjs';
import { createHash } from 'node:crypto';
import { AT, CLIENT, CURVE_KEYS, ISSUER, NOW, accessTokenHash, algorithmCases, dpopProof, jwksOf, signJwt, tamper } from './helpers.mjs';
import { startFaultProxy } from '../support/faults.mjs';
import { bundleWorker, startWorkerd } from './workerd.mjs';

const WORKER = `
import { JwkSet, challenge, createRemoteJWKSet, verifyAccessToken, verifyAccessTokenAsync, verifyIdToken, verifyIdTokenAsync, workersCacheStorage, OidcEdgeError } from 'oidc-edge';

let keys;      // parsed once per isolate, reused by every request
let remote;    // plain cached data only; fetches are never shared across requests
let stored;    // a remote key set kept in the Cache API: a new isolate restores it

function reply(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

// POST { token, jwks, options, at, mode }: an ID token, or with Authorization: DPoP an access
// token and its proof (the DPoP header) for this request; refusals as challenge() answers them.
async function curves(request) {
  const input = await request.json();
  const keys = JwkSet.fromJson(JSON.stringify(input.jwks));
  const options = { ...input.options, currentDate: new Date(input.at) };
  const sync = input.mode === 'sync';
  const auth = request.headers.get('authorization') ?? '';
  try {
    let result;
    if (auth.startsWith('DPoP ')) {
      options.dpop = { proof: request.headers.get('dpop'), method: request.method, url: request.url };
      result = await (sync ? verifyAccessToken : verifyAccessTokenAsync)(auth.slice(5), keys, options);
    } else {
      result = await (sync ? verifyIdToken : verifyIdTokenAsync)(input.token, keys, options);
    }
    return reply(200, { sub: result.payload.sub, alg: result.protectedHeader.alg });
  } catch (e) {
    if (!(e instanceof OidcEdgeError)) return reply(500, { error: String(e) });
    const c = challenge(e, { dpop: auth.startsWith('DPoP ') });
    return new Response(JSON.stringify(c.body), { status: c.status, headers: c.headers });
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/curves') return curves(request);
    const token = url.searchParams.get('token') ?? '';
    const options = { issuer: env.ISSUER, clientId: env.CLIENT_ID };
    try {
      let result;
      if (url.pathname === '/sync') {
        keys ??= JwkSet.fromJson(env.JWKS);
        result = verifyIdToken(token, keys, options);
      } else if (url.pathname === '/async') {
        keys ??= JwkSet.fromJson(env.JWKS);
        result = await verifyIdTokenAsync(token, keys, options);
      } else if (url.pathname === '/remote') {
        remote ??= createRemoteJWKSet(env.JWKS_URL);
        result = await verifyIdTokenAsync(token, remote, options);
      } else if (url.pathname === '/stored') {
        stored ??= createRemoteJWKSet(env.JWKS_URL, { storage: workersCacheStorage() });
        result = await verifyIdTokenAsync(token, stored, options);
      } else if (url.pathname === '/remote-cold') {
        result = await verifyIdTokenAsync(token, createRemoteJWKSet(env.JWKS_URL, { timeoutDuration: 1000 }), options);
      } else if (url.pathname === '/env') {
        // Whether WebCrypto imports the curve keys (else the async path falls back to wasm).
        const imports = await Promise.all(JSON.parse(env.CURVE_IMPORTS).map(([jwk, params]) => crypto.subtle.importKey('jwk', jwk, params, false, ['verify']).then(() => true, () => false)));
        return reply(200, { userAgent: navigator.userAgent, subtle: typeof crypto.subtle?.verify, imports });
      } else {
        return reply(404, {});
      }
      return reply(200, { sub: result.payload.sub, kid: result.protectedHeader.kid });
    } catch (e) {
      if (e instanceof OidcEdgeError) {
        const status = e.kind === 'jwks_timeout' || e.kind === 'jwks_unavailable' ? 503 : 401;
        return reply(status, { kind: e.kind, code: e.code, claim: e.claim ?? null });
      }
      return reply(500, { error: String(e) });
    }
  },
};
`;

/** [public JWK, WebCrypto import parameters] of the P-256, P-384 and Ed25519 test keys. */
const CURVE_IMPORTS = [
  [CURVE_KEYS.p256, { name: 'ECDSA', namedCurve: 'P-256' }],
  [CURVE_KEYS.p384, { name: 'ECDSA', namedCurve: 'P-384' }],
  [CURVE_KEYS.ed25519, { name: 'Ed25519' }],
].map(([{ d, kid, alg, ...jwk }, params]) => [jwk, params]);

let op;
let px; // fault proxy in front of the provider: slows the JWKS down on demand
let mf;
let dist; // the wrangler bundle

/** workerd running the bundle, with this suite's bindings; `extra` adds Miniflare options. */
function startWorker(extra) {
  return startWorkerd(dist, {
    ISSUER: op.issuer,
    CLIENT_ID: op.clients.authorizationCode.clientId,
    JWKS: JSON.stringify(op.jwks()),
    JWKS_URL: `${px.url}/edge/jwks`,
    CURVE_IMPORTS: JSON.stringify(CURVE_IMPORTS),
  }, extra);
}

before(async () => {
  op = await startProvider({ name: 'edge', issuerPath: '/edge' });
  px = await startFaultProxy({ upstream: op.origin, name: 'edge' });
  dist = bundleWorker('worker', WORKER);
  mf = await startWorker();
});

after(async () => {
  await mf?.dispose();
  await px?.close();
  await op?.close();
});

async function call(pathname, token, instance = mf) {
  const res = await instance.dispatchFetch(`http://localhost${pathname}?token=${encodeURIComponent(token ?? '')}`);
  return { status: res.status, body: await res.json() };
}

test('runs in workerd with WebCrypto', async () => {
  const r = await call('/env');
  assert.equal(r.body.userAgent, 'Cloudflare-Workers');
  assert.equal(r.body.subtle, 'function');
  assert.deepEqual(r.body.imports, [true, true, true], 'WebCrypto imports P-256, P-384 and Ed25519 keys');
});

test('verifies a real token with local keys: wasm RSA (sync) and WebCrypto (async)', async () => {
  const { idToken } = await getIdToken(op);
  for (const p of ['/sync', '/async']) {
    const ok = await call(p, idToken);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, { sub: 'user-1234', kid: op.kid });
    const [h, pl, s] = idToken.split('.');
    const bad = await call(p, `${h}.${pl}.${s.slice(0, 20)}${s[20] === 'A' ? 'B' : 'A'}${s.slice(21)}`);
    assert.equal(bad.status, 401);
    assert.deepEqual(bad.body, { kind: 'bad_signature', code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', claim: null });
    const garbage = await call(p, 'not-a-token');
    assert.equal(garbage.body.kind, 'malformed');
  }
});

test('remote key set in workerd: concurrent cold requests each fetch for themselves (no shared promise), then the cache serves', async () => {
  const { idToken } = await getIdToken(op);
  op.resetCounts();
  // a slow key set (500 ms) so the four requests are all waiting for keys at the same time
  await px.setMode('delay:500', { times: 4, then: 'pass' });
  const results = await Promise.all(Array.from({ length: 4 }, () => call('/remote', idToken)));
  for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
  const fetched = op.requestCounts.jwks ?? 0;
  // On Workers no request awaits a fetch another request started: four cold requests, four
  // fetches (in Node the same situation shares one fetch, see provider.test.mjs).
  assert.equal(fetched, 4, `jwks fetches: ${fetched}`);
  await call('/remote', idToken);
  assert.equal(op.requestCounts.jwks ?? 0, fetched, 'later requests use the cached set');
});

test('remote key set in workerd: an unreachable OP is jwks_unavailable (503); a warm cache keeps verifying', async () => {
  const { idToken } = await getIdToken(op);
  await call('/remote', idToken); // warm
  await op.setDown('503');
  try {
    const cold = await call('/remote-cold', idToken);
    assert.equal(cold.status, 503, JSON.stringify(cold.body));
    assert.deepEqual(cold.body, { kind: 'jwks_unavailable', code: 'ERR_JOSE_GENERIC', claim: null });
    const warm = await call('/remote', idToken);
    assert.equal(warm.status, 200, JSON.stringify(warm.body));
  } finally {
    await op.setDown(false);
  }
});

test('Workers Cache API storage: a second workerd instance (a new isolate) verifies with zero key fetches', async () => {
  const { idToken } = await getIdToken(op);
  const cachePersist = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-edge-cache-'));
  try {
    op.resetCounts();
    const first = await startWorker({ cachePersist });
    try {
      const r = await call('/stored', idToken, first);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(op.requestCounts.jwks ?? 0, 1, 'the first isolate fetched');
    } finally {
      await first.dispose();
    }
    const second = await startWorker({ cachePersist });
    try {
      const r = await call('/stored', idToken, second);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, { sub: 'user-1234', kid: op.kid });
      assert.equal(op.requestCounts.jwks ?? 0, 1, 'the second isolate restored the set: no fetch');
    } finally {
      await second.dispose();
    }
    // without the shared cache, a new instance fetches (the count above is not luck)
    const third = await startWorker();
    try {
      assert.equal((await call('/stored', idToken, third)).status, 200);
      assert.equal(op.requestCounts.jwks ?? 0, 2);
    } finally {
      await third.dispose();
    }
  } finally {
    fs.rmSync(cachePersist, { recursive: true, force: true });
  }
});

/** POST /curves with `input` (and `headers`): `{ status, body, challenge }`. */
async function curves(input, headers = {}) {
  const res = await mf.dispatchFetch('http://localhost/curves', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ at: AT.getTime(), ...input }) });
  return { status: res.status, body: await res.json(), challenge: res.headers.get('www-authenticate') };
}

test('RS256, ES256, ES384 and EdDSA tokens verify in workerd: wasm (sync) and WebCrypto (async)', async () => {
  for (const { alg, token, jwks } of algorithmCases()) {
    for (const mode of ['sync', 'async']) {
      const r = await curves({ token, jwks, mode, options: { issuer: ISSUER, clientId: CLIENT } });
      assert.deepEqual([r.status, r.body], [200, { sub: 'user-1', alg }], `${alg} ${mode}`);
      const bad = await curves({ token: tamper(token), jwks, mode, options: { issuer: ISSUER, clientId: CLIENT } });
      assert.deepEqual([bad.status, bad.body.kind], [401, 'bad_signature'], `${alg} ${mode} tampered`);
    }
  }
});

test('DPoP in workerd: a cnf.jkt token with its proof verifies once; a replayed, mismatched or missing proof is refused', async () => {
  const issuerKey = CURVE_KEYS.p256;
  const client = CURVE_KEYS.ed25519;
  // RFC 7638: SHA-256 of the required members in lexicographic order.
  const jkt = createHash('sha256').update(JSON.stringify({ crv: client.crv, kty: client.kty, x: client.x })).digest('base64url');
  const token = signJwt({ alg: 'ES256', kid: issuerKey.kid }, { iss: ISSUER, sub: 'user-1', aud: 'api', iat: NOW - 5, exp: NOW + 600, cnf: { jkt } }, issuerKey);
  const input = { jwks: jwksOf(issuerKey), options: { issuer: ISSUER, audience: 'api' } };
  const proof = (key = client, a = 'EdDSA') => dpopProof(key, a, { claims: { htm: 'POST', htu: 'http://localhost/curves', ath: accessTokenHash(token) } });
  for (const mode of ['sync', 'async']) {
    const p = proof();
    const ok = await curves({ ...input, mode }, { authorization: `DPoP ${token}`, dpop: p });
    assert.deepEqual([ok.status, ok.body], [200, { sub: 'user-1', alg: 'ES256' }], mode);
    const replayed = await curves({ ...input, mode }, { authorization: `DPoP ${token}`, dpop: p });
    assert.deepEqual([replayed.status, replayed.body.kind, replayed.body.claim], [401, 'dpop_invalid', 'jti'], mode);
    assert.match(replayed.challenge, /^DPoP error="invalid_dpop_proof"/);
    const mismatched = await curves({ ...input, mode }, { authorization: `DPoP ${token}`, dpop: proof(CURVE_KEYS.p384, 'ES384') });
    assert.deepEqual([mismatched.status, mismatched.body.kind, mismatched.body.claim], [401, 'dpop_invalid', 'cnf'], mode);
    const missing = await curves({ ...input, mode }, { authorization: `DPoP ${token}` });
    assert.deepEqual([missing.status, missing.body.kind], [401, 'dpop_invalid'], mode);
  }
});
