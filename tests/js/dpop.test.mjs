// DPoP (RFC 9449) through the package: `verifyDpopProof` on the RFC's own proofs and on proofs
// made here with the committed test keys (each check refused with its claim), the replay
// memory, and the `dpop` option of access-token verification on every path (the async ones
// check proof signatures with node:crypto, the sync ones in wasm; a `cnf.jkt` token
// verifies only with a proof of its key; a missing, mismatched or replayed proof is refused),
// and the challenges the HTTP helper answers with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AT, CURVE_KEYS, ISSUER, NOW, accessTokenHash as ath, dpopProof, loadCjs, loadEsm, publicJwk, signJwt, vectorsDir } from './helpers.mjs';

const m = await loadEsm();
const cjs = loadCjs();
const RFC9449 = JSON.parse(fs.readFileSync(path.join(path.dirname(vectorsDir('wycheproof')), 'rfc', 'rfc9449-dpop.json'), 'utf8'));

const AUDIENCE = 'https://api.example.test';
const URL_ = 'https://api.example.test/orders';
/** The issuer signs with the P-384 key; clients prove possession of the P-256 or Ed25519 key. */
const ISSUER_KEY = CURVE_KEYS.p384;
const JWKS = { keys: [publicJwk(ISSUER_KEY)] };
const OPTIONS = { issuer: ISSUER, audience: AUDIENCE, currentDate: AT };
const CLIENTS = { a: [CURVE_KEYS.p256, 'ES256'], b: [CURVE_KEYS.ed25519, 'EdDSA'] };

const keyJwk = ({ kid, alg, ...k }) => publicJwk(k);
const jktOf = (key) => m.jwkThumbprint(keyJwk(key));

/** A proof by `client` for GET URL_ at NOW with a fresh jti; `claims` and `header` override. */
function proof(client = 'a', { claims = {}, header = {} } = {}) {
  const [key, alg] = CLIENTS[client];
  return dpopProof(key, alg, { claims: { htu: URL_, ...claims }, header });
}

/** An access token signed by the issuer; `cnf` binds it (omit it for a bearer token). */
function accessToken(cnf) {
  const claims = { iss: ISSUER, sub: 'user-1', aud: AUDIENCE, iat: NOW - 10, exp: NOW + 600, client_id: 'app', ...(cnf ? { cnf } : {}) };
  return signJwt({ alg: 'ES384', kid: ISSUER_KEY.kid, typ: 'at+jwt' }, claims, ISSUER_KEY);
}

/** The error a call throws (asserting it throws an OidcEdgeError). */
async function refusal(call) {
  try {
    await call();
  } catch (e) {
    assert.ok(e instanceof m.OidcEdgeError || e instanceof cjs.OidcEdgeError, `not an OidcEdgeError: ${e}`);
    return e;
  }
  assert.fail('accepted');
}

test('RFC 9449: the token-request and resource-request proofs verify at their iat, with the RFC\'s jkt', () => {
  const { token_request: tr, resource_request: rr, jkt, jwk } = RFC9449;
  const a = m.verifyDpopProof(tr.proof, { method: tr.method, url: tr.url, currentDate: new Date(tr.iat * 1000), replayCache: false });
  assert.equal(a.jkt, jkt);
  assert.equal(a.payload.jti, tr.jti);
  assert.equal(a.protectedHeader.typ, 'dpop+jwt');
  assert.deepEqual(a.protectedHeader.jwk, jwk);
  assert.equal(m.jwkThumbprint(jwk), jkt);
  const b = m.verifyDpopProof(rr.proof, { method: rr.method, url: rr.url, accessToken: rr.access_token, currentDate: new Date(rr.iat * 1000), replayCache: false });
  assert.equal(b.jkt, jkt);
  assert.equal(b.payload.ath, rr.ath);
  // The same proof for another token, method or URL, or too late.
  const at = new Date(rr.iat * 1000);
  const refused = (o) => assert.throws(() => m.verifyDpopProof(rr.proof, { method: rr.method, url: rr.url, currentDate: at, replayCache: false, ...o }), (e) => e.kind === 'dpop_invalid' && e.code === 'ERR_DPOP_INVALID');
  refused({ accessToken: `${rr.access_token}x` });
  refused({ method: 'POST' });
  refused({ url: 'https://resource.example.org/other' });
  refused({ currentDate: new Date((rr.iat + 120) * 1000) });
});

test('verifyDpopProof refuses each broken part with its claim', () => {
  const o = { method: 'GET', url: URL_, currentDate: AT, replayCache: false };
  const claimOf = (p, extra = {}) => {
    try {
      m.verifyDpopProof(p, { ...o, ...extra });
    } catch (e) {
      assert.equal(e.kind, 'dpop_invalid');
      assert.equal(e.status, 401);
      return e.claim;
    }
    return 'accepted';
  };
  assert.equal(claimOf(proof('a')), 'accepted');
  assert.equal(claimOf(proof('b')), 'accepted');
  // htu compared without query and fragment.
  assert.equal(claimOf(proof('a'), { url: `${URL_}?page=2#x` }), 'accepted');
  assert.equal(claimOf(proof('a', { header: { typ: 'JWT' } })), 'typ');
  assert.equal(claimOf(proof('a'), { algorithms: ['EdDSA'] }), 'alg');
  const [keyA] = CLIENTS.a;
  assert.equal(claimOf(proof('a', { header: { jwk: { ...keyJwk(keyA), d: keyA.d } } })), 'jwk');
  assert.equal(claimOf(proof('a', { header: { jwk: keyJwk(CURVE_KEYS.ed25519) } })), 'jwk'); // an Ed25519 key for ES256
  assert.equal(claimOf(proof('a', { header: { jwk: { ...keyJwk(CURVE_KEYS.p256), x: keyJwk(CURVE_KEYS.p384).x.slice(0, 43) } } })), 'jwk');
  assert.equal(claimOf(proof('a', { claims: { htm: 'POST' } })), 'htm');
  assert.equal(claimOf(proof('a', { claims: { htu: 'https://api.example.test/other' } })), 'htu');
  assert.equal(claimOf(proof('a', { claims: { iat: NOW - 200 } })), 'iat');
  assert.equal(claimOf(proof('a', { claims: { iat: NOW + 100 } })), 'iat');
  assert.equal(claimOf(proof('a', { claims: { iat: NOW - 200 } }), { maxAge: '5 minutes' }), 'accepted');
  assert.equal(claimOf(proof('a', { claims: { jti: '' } })), 'jti');
  assert.equal(claimOf(proof('a'), { accessToken: 'some-token' }), 'ath');
  assert.equal(claimOf(proof('a', { claims: { ath: ath('some-token') } }), { accessToken: 'some-token' }), 'accepted');
  assert.equal(claimOf(proof('a'), { nonce: 'n-1' }), 'nonce');
  assert.equal(claimOf(proof('a', { claims: { nonce: 'n-0' } }), { nonce: 'n-1' }), 'nonce');
  assert.equal(claimOf(proof('a', { claims: { nonce: 'n-1' } }), { nonce: 'n-1' }), 'accepted');
  // Signed by another key than the header's.
  const forged = proof('a');
  const other = proof('a', { claims: { jti: 'x' } });
  assert.equal(claimOf(`${forged.slice(0, forged.lastIndexOf('.'))}${other.slice(other.lastIndexOf('.'))}`), 'signature');
  assert.equal(claimOf('not a proof'), undefined);
  assert.throws(() => m.verifyDpopProof(proof('a'), { url: URL_ }), TypeError);
  assert.throws(() => m.verifyDpopProof(proof('a'), { ...o, maxAge: -1 }), TypeError);
  assert.throws(() => m.verifyDpopProof(proof('a'), { ...o, replayCache: new Map() }), TypeError);
  assert.throws(() => m.verifyDpopProof(proof('a'), { ...o, htm: 'GET' }), TypeError);
});

test('the replay memory: a proof is accepted once per cache, and a bounded cache keeps its size', () => {
  const cache = new m.DpopReplayCache(2);
  const o = { method: 'GET', url: URL_, currentDate: AT, replayCache: cache };
  const p = proof('a');
  assert.equal(m.verifyDpopProof(p, o).jkt, jktOf(CLIENTS.a[0]));
  assert.equal(cache.size, 1);
  assert.throws(() => m.verifyDpopProof(p, o), (e) => e.kind === 'dpop_invalid' && e.claim === 'jti');
  // The same jti from another key is another proof.
  const jti = JSON.parse(Buffer.from(p.split('.')[1], 'base64url')).jti;
  m.verifyDpopProof(proof('b', { claims: { jti } }), o);
  m.verifyDpopProof(proof('a'), o);
  assert.equal(cache.size, 2);
  cache.clear();
  assert.equal(cache.size, 0);
  m.verifyDpopProof(p, o); // forgotten
  // The default cache is per process; `false` checks no reuse.
  const q = proof('a');
  m.verifyDpopProof(q, { method: 'GET', url: URL_, currentDate: AT });
  assert.throws(() => m.verifyDpopProof(q, { method: 'GET', url: URL_, currentDate: AT }), (e) => e.claim === 'jti');
  m.verifyDpopProof(q, { method: 'GET', url: URL_, currentDate: AT, replayCache: false });
  assert.throws(() => new m.DpopReplayCache(-1), TypeError);
});

/** Every path of access-token verification with local keys. */
const PATHS = {
  sync: (t, o) => m.verifyAccessToken(t, JWKS, o),
  async: (t, o) => m.verifyAccessTokenAsync(t, JWKS, o),
  cjs: (t, o) => cjs.verifyAccessToken(t, JWKS, o),
  cjsAsync: (t, o) => cjs.verifyAccessTokenAsync(t, JWKS, o),
  trustSet: (t, { issuer, ...o }) => m.verifyAccessToken(t, m.createTrustSet([{ issuer, keys: JWKS }]), o),
  trustSetAsync: (t, { issuer, ...o }) => m.verifyAccessTokenAsync(t, m.createTrustSet([{ issuer, keys: JWKS }]), o),
};

for (const [name, verify] of Object.entries(PATHS)) {
  test(`dpop option (${name}): a cnf.jkt token verifies only with a fresh proof of its key`, async () => {
    const token = accessToken({ jkt: jktOf(CLIENTS.a[0]) });
    const dpop = (p) => ({ ...OPTIONS, dpop: { proof: p, method: 'GET', url: URL_ } });
    const good = proof('a', { claims: { ath: ath(token) } });
    const { payload } = await verify(token, dpop(good));
    assert.deepEqual(payload.cnf, { jkt: jktOf(CLIENTS.a[0]) });
    // Replayed.
    assert.equal((await refusal(() => verify(token, dpop(good)))).claim, 'jti');
    // Missing: no proof at all, or no dpop option.
    assert.equal((await refusal(() => verify(token, dpop(undefined)))).kind, 'dpop_invalid');
    const required = await refusal(() => verify(token, OPTIONS));
    assert.equal(required.kind, 'dpop_required');
    assert.equal(required.code, 'ERR_DPOP_REQUIRED');
    // A proof of another key (client b), valid in itself.
    const mismatched = await refusal(() => verify(token, dpop(proof('b', { claims: { ath: ath(token) } }))));
    assert.deepEqual([mismatched.kind, mismatched.claim], ['dpop_invalid', 'cnf']);
    // A proof whose signature is not its header key's (the async path asks node:crypto).
    const signed = proof('a', { claims: { ath: ath(token) } });
    const other = proof('a', { claims: { ath: ath(token), jti: 'other' } });
    const forged = `${signed.slice(0, signed.lastIndexOf('.'))}${other.slice(other.lastIndexOf('.'))}`;
    assert.equal((await refusal(() => verify(token, dpop(forged)))).claim, 'signature');
    // A proof for another token (ath), method or URL.
    assert.equal((await refusal(() => verify(token, dpop(proof('a', { claims: { ath: ath('other') } }))))).claim, 'ath');
    assert.equal((await refusal(() => verify(token, { ...dpop(proof('a', { claims: { ath: ath(token) } })), dpop: { proof: proof('a', { claims: { ath: ath(token) } }), method: 'POST', url: URL_ } }))).claim, 'htm');
    // A bearer token (no cnf) with a proof is refused; without one it verifies.
    const bearer = accessToken();
    assert.equal((await refusal(() => verify(bearer, dpop(proof('a', { claims: { ath: ath(bearer) } }))))).claim, 'cnf');
    assert.equal((await verify(bearer, OPTIONS)).payload.sub, 'user-1');
    // The token's own checks still run after the proof's: a fresh proof with an expired token.
    const later = NOW + 3600;
    const fresh = proof('a', { claims: { ath: ath(token), iat: later } });
    assert.equal((await refusal(() => verify(token, { ...dpop(fresh), currentDate: new Date(later * 1000) }))).kind, 'expired');
  });
}

test('the dpop option is an access-token option, checked for type', async () => {
  const token = accessToken({ jkt: jktOf(CLIENTS.a[0]) });
  assert.throws(() => m.verifyIdToken(token, JWKS, { ...OPTIONS, clientId: 'x', dpop: { proof: proof('a'), method: 'GET', url: URL_ } }), TypeError);
  assert.throws(() => m.createVerifier({ ...OPTIONS, clientId: 'x', dpop: {} }), TypeError);
  assert.throws(() => m.verifyAccessToken(token, JWKS, { ...OPTIONS, dpop: 'proof' }), TypeError);
  assert.throws(() => m.verifyAccessToken(token, JWKS, { ...OPTIONS, dpop: { proof: proof('a'), url: URL_ } }), TypeError);
  assert.throws(() => m.verifyAccessToken(token, JWKS, { ...OPTIONS, dpop: { proof: proof('a'), method: 'GET', url: URL_, accessToken: token } }), TypeError);
  assert.throws(() => m.verifyAccessToken(token, JWKS, { ...OPTIONS, dpop: { proof: 42, method: 'GET', url: URL_ } }), TypeError);
});

test('challenge: DPoP errors answer with the DPoP scheme, invalid_dpop_proof or use_dpop_nonce', async () => {
  const token = accessToken({ jkt: jktOf(CLIENTS.a[0]) });
  const required = await refusal(() => m.verifyAccessToken(token, JWKS, OPTIONS));
  let c = m.challenge(required);
  assert.equal(c.status, 401);
  assert.match(c.headers['www-authenticate'], /^DPoP error="invalid_token"/);
  assert.equal(c.body.kind, 'dpop_required');
  const p = proof('a', { claims: { ath: ath(token) } });
  const dpop = { proof: p, method: 'GET', url: URL_ };
  m.verifyAccessToken(token, JWKS, { ...OPTIONS, dpop });
  const replayed = await refusal(() => m.verifyAccessToken(token, JWKS, { ...OPTIONS, dpop }));
  c = m.challenge(replayed, { dpopNonce: 'n-2' });
  assert.match(c.headers['www-authenticate'], /^DPoP error="invalid_dpop_proof"/);
  assert.equal(c.headers['dpop-nonce'], 'n-2');
  assert.deepEqual([c.body.kind, c.body.claim], ['dpop_invalid', 'jti']);
  const stale = await refusal(() => m.verifyAccessToken(token, JWKS, { ...OPTIONS, dpop: { ...dpop, proof: proof('a', { claims: { ath: ath(token) } }), nonce: 'n-2' } }));
  c = m.challenge(stale, { dpopNonce: 'n-2' });
  assert.match(c.headers['www-authenticate'], /^DPoP error="use_dpop_nonce"/);
  // A bearer-token error of a request made with the DPoP scheme.
  const expired = await refusal(() => m.verifyAccessToken(accessToken(), JWKS, { ...OPTIONS, currentDate: new Date((NOW + 3600) * 1000) }));
  assert.match(m.challenge(expired, { dpop: true }).headers['www-authenticate'], /^DPoP error="invalid_token"/);
  assert.match(m.challenge(expired).headers['www-authenticate'], /^Bearer error="invalid_token"/);
  assert.equal(m.challenge(expired, { dpopNonce: 'n' }).headers['dpop-nonce'], undefined);
});
