// The JS API: error classes, kinds, codes and claims; TypeError for bad options; profiles,
// trust sets, verifiers, the memo, inspect. Tokens are minted here with node:crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AT, CLIENT, ISSUER, KEYS, NOW, b64u, idClaims, idToken, jwksOf, loadCjs, loadEsm, publicJwk, signJwt,
} from './helpers.mjs';

const m = await loadEsm();
const keys = new m.JwkSet(jwksOf(KEYS.main, KEYS.other, KEYS.big, KEYS.weak));
const base = { issuer: ISSUER, clientId: CLIENT, currentDate: AT };

function rejects(token, options, kind, code, claim, set = keys) {
  let err;
  try {
    m.verifyIdToken(token, set, options);
  } catch (e) {
    err = e;
  }
  assert.ok(err, `accepted, expected ${kind}`);
  assert.ok(err instanceof m.OidcEdgeError, `${err}`);
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'OidcEdgeError');
  assert.equal(err.kind, kind, err.message);
  assert.equal(err.code, code);
  assert.equal(err.claim, claim);
  assert.ok(typeof err.message === 'string' && err.message.length > 0);
  assert.ok(!err.message.includes(token.split('.')[1]), 'messages never echo the token');
  return err;
}

const tok = (claims, header, key) => idToken(claims, { header, key });
const CLAIM = 'ERR_JWT_CLAIM_VALIDATION_FAILED';

test('every token error kind arrives with its kind, jose code and claim', () => {
  const t = tok();
  const [h, p, s] = t.split('.');
  const cases = [
    [`${h}.${p}`, base, 'malformed', 'ERR_JWS_INVALID', undefined],
    [`${h}.${p}.${s}.x`, base, 'malformed', 'ERR_JWS_INVALID', undefined],
    [`${h}=.${p}.${s}`, base, 'malformed', 'ERR_JWS_INVALID', undefined],
    [`${b64u('not json')}.${p}.${s}`, base, 'malformed', 'ERR_JWS_INVALID', undefined],
    [signJwt({ alg: 'RS256', kid: KEYS.main.kid }, b64u('[1,2]'), KEYS.main), base, 'malformed', 'ERR_JWT_INVALID', undefined],
    [signJwt({ alg: 'RS256', kid: KEYS.main.kid }, b64u('{"iss":"a","iss":"b"}'), KEYS.main), base, 'malformed', 'ERR_JWT_INVALID', undefined],
    [tok({ pad: 'x'.repeat(20000) }), base, 'token_too_large', 'ERR_JWS_INVALID', undefined],
    [signJwt({ alg: 'none' }, idClaims(), KEYS.main), base, 'alg_not_allowed', 'ERR_JOSE_ALG_NOT_ALLOWED', 'alg'],
    [signJwt({ alg: 'HS256', kid: KEYS.main.kid }, idClaims(), KEYS.main), base, 'alg_not_allowed', 'ERR_JOSE_ALG_NOT_ALLOWED', 'alg'],
    [tok({}, { alg: 'RS384' }), base, 'alg_not_allowed', 'ERR_JOSE_ALG_NOT_ALLOWED', 'alg'],
    [tok({}, { crit: ['exp'] }), base, 'unsupported_crit', 'ERR_JOSE_NOT_SUPPORTED', 'crit'],
    [tok({}, { typ: 'at+jwt' }), base, 'invalid_typ', CLAIM, 'typ'],
    [tok({}, { kid: 'nope' }), base, 'key_not_found', 'ERR_JWKS_NO_MATCHING_KEY', undefined],
    [tok({}, { kid: undefined }), base, 'key_ambiguous', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', undefined],
    [tok({}, {}, KEYS.weak), base, 'key_too_weak', 'ERR_JWK_INVALID', undefined],
    [signJwt({ alg: 'RS256', kid: KEYS.main.kid }, idClaims(), KEYS.other), base, 'bad_signature', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', undefined],
    [tok({ exp: undefined }), base, 'claim_missing', CLAIM, 'exp'],
    [tok({ sub: undefined }), base, 'claim_missing', CLAIM, 'sub'],
    [tok({ exp: String(NOW + 60) }), base, 'claim_invalid', CLAIM, 'exp'],
    [tok({ iss: 'https://evil.example' }), base, 'iss_mismatch', CLAIM, 'iss'],
    [tok({ aud: 'someone-else' }), base, 'aud_mismatch', CLAIM, 'aud'],
    [tok({ aud: [CLIENT, 'stranger'], azp: CLIENT }), base, 'aud_untrusted', CLAIM, 'aud'],
    [tok({ aud: [CLIENT, 'api'] }), { ...base, audience: 'api' }, 'azp_missing', CLAIM, 'azp'],
    [tok({ azp: 'other' }), base, 'azp_mismatch', CLAIM, 'azp'],
    [tok({ exp: NOW - 30 }), base, 'expired', 'ERR_JWT_EXPIRED', 'exp'],
    [tok({ nbf: NOW + 100 }), base, 'not_yet_valid', CLAIM, 'nbf'],
    [tok({ iat: NOW + 100 }), base, 'iat_in_future', CLAIM, 'iat'],
    [tok({ iat: NOW - 4000 }), { ...base, maxTokenAge: '1h' }, 'too_old', 'ERR_JWT_EXPIRED', 'iat'],
    [tok(), { ...base, nonce: 'n-1' }, 'nonce_missing', CLAIM, 'nonce'],
    [tok({ nonce: 'n-2' }), { ...base, nonce: 'n-1' }, 'nonce_mismatch', CLAIM, 'nonce'],
    [tok(), { ...base, maxAge: 300 }, 'auth_time_missing', CLAIM, 'auth_time'],
    [tok({ auth_time: NOW - 331 }), { ...base, maxAge: 300 }, 'auth_time_too_old', CLAIM, 'auth_time'],
    [tok({ acr: 'pwd' }), { ...base, acrValues: ['mfa'] }, 'acr_not_allowed', CLAIM, 'acr'],
    [tok({ at_hash: 'AAAAAAAAAAAAAAAAAAAAAA' }), { ...base, accessToken: 'at-1' }, 'at_hash_mismatch', CLAIM, 'at_hash'],
    [tok({ c_hash: 'AAAAAAAAAAAAAAAAAAAAAA' }), { ...base, code: 'code-1' }, 'c_hash_mismatch', CLAIM, 'c_hash'],
  ];
  for (const [token, options, kind, code, claim] of cases) rejects(token, options, kind, code, claim);
  // jwks_invalid: the key set is not a JWK Set
  assert.throws(() => new m.JwkSet({ nokeys: [] }), (e) => e instanceof m.OidcEdgeError && e.kind === 'jwks_invalid' && e.code === 'ERR_JWKS_INVALID');
  assert.throws(() => m.JwkSet.fromJson('{"keys": 5}'), (e) => e.kind === 'jwks_invalid');
  assert.throws(() => m.JwkSet.fromJson('{"keys": [], "keys": []}'), (e) => e.kind === 'jwks_invalid');
});

test('the same tokens pass when nothing is wrong (each check can pass)', () => {
  const ok = (token, options) => m.verifyIdToken(token, keys, options).payload;
  assert.equal(ok(tok(), base).sub, 'user-1');
  assert.equal(ok(tok({ nonce: 'n-1' }), { ...base, nonce: 'n-1' }).nonce, 'n-1');
  assert.equal(ok(tok({ auth_time: NOW - 100 }), { ...base, maxAge: 300 }).auth_time, NOW - 100);
  assert.equal(ok(tok({ acr: 'mfa' }), { ...base, acrValues: 'mfa' }).acr, 'mfa');
  assert.deepEqual(ok(tok({ aud: [CLIENT, 'api'], azp: CLIENT }), { ...base, audience: ['api'] }).aud, [CLIENT, 'api']);
  assert.ok(ok(tok({ exp: NOW - 20 }), { ...base, clockTolerance: '30s' }));
  assert.ok(ok(tok({ exp: NOW - 20 }), { ...base, clockTolerance: 30 }));
  assert.ok(ok(tok({}, { kid: KEYS.big.kid }, KEYS.big), base));
  assert.ok(ok(tok({}, { typ: 'JWT' }), base));
  // the fixture key declares alg RS256; without that declaration it may verify other RSA algs
  const { alg, ...anyAlg } = KEYS.main;
  const loose = new m.JwkSet(jwksOf(anyAlg));
  assert.ok(m.verifyIdToken(tok({}, { alg: 'PS256' }), loose, { ...base, algorithms: ['PS256'] }));
  assert.ok(m.verifyIdToken(tok({}, { alg: 'RS512' }), loose, { ...base, algorithms: ['RS256', 'RS512'] }));
  rejects(tok({}, { alg: 'PS256' }), { ...base, algorithms: ['PS256'] }, 'key_unusable', 'ERR_JWKS_NO_MATCHING_KEY', undefined);
  assert.ok(ok(tok({ sub: 'user-1' }), { ...base, subject: 'user-1', requiredClaims: ['iat'] }));
  // the one weak legacy key in the set does not break the others
  assert.equal(keys.size, 4);
  assert.deepEqual(keys.keyIds, ['test-main', 'test-other', 'test-4096', 'test-weak-1024']);
});

test('bad options are TypeErrors, never token errors', () => {
  const t = tok();
  const bad = [
    undefined,
    {},
    { issuer: ISSUER },
    { clientId: CLIENT },
    { ...base, issuer: '' },
    { ...base, issuer: 5 },
    { ...base, clientID: 'typo' },
    { ...base, algorithms: ['HS256'] },
    { ...base, algorithms: 'RS256' },
    { ...base, clockTolerance: '30 parsecs' },
    { ...base, clockTolerance: -1 },
    { ...base, currentDate: 1800000000 },
    { ...base, currentDate: new Date('nope') },
    { ...base, profile: 'saml' },
    { ...base, profile: 'at_jwt', clientId: undefined },
    { ...base, profile: 'cognito_access', clientId: undefined },
    { ...base, nonce: '' },
    { ...base, acrValues: [1] },
    { ...base, requireAtHash: true },
    { ...base, requireAtHash: 'yes', accessToken: 'x' },
    null,
    'options',
  ];
  for (const options of bad) {
    assert.throws(() => m.verifyIdToken(t, keys, options), TypeError, JSON.stringify(options));
    assert.throws(() => m.createVerifier(options), TypeError, JSON.stringify(options));
  }
  assert.throws(() => m.verifyIdToken(42, keys, base), TypeError);
  assert.throws(() => m.verifyIdToken(t, { keys: 'none' }, base), TypeError, 'keys must be an array to be a JWK Set');
  assert.throws(() => m.verifyIdToken(t, [KEYS.main], base), TypeError, 'a list of keys is not a JWK Set');
  assert.throws(() => m.verifyIdToken(t, undefined, base), TypeError);
  assert.throws(() => new m.JwkSet('{"keys":[]}'), TypeError);
  assert.throws(() => m.JwkSet.fromJson({ keys: [] }), TypeError);
  assert.throws(() => m.createRemoteJWKSet('ftp://x/jwks'), TypeError);
  assert.throws(() => m.createRemoteJWKSet('http://op.example/jwks'), TypeError, 'http only for loopback');
  assert.throws(() => m.createRemoteJWKSet('https://op.example/jwks', { cacheMaxAge: '10m' }), TypeError);
  assert.throws(() => m.createRemoteJWKSet('https://op.example/jwks', { retries: 3 }), TypeError);
  assert.throws(() => m.createTrustSet([]), TypeError);
  assert.throws(() => m.createTrustSet([{ issuer: ISSUER, keys, clientIds: [CLIENT] }], { issuer: ISSUER }), TypeError);
});

test('profiles: RFC 9068 access tokens (at_jwt) and Cognito access tokens', () => {
  const at = { iss: ISSUER, sub: 'svc', aud: 'https://api.example', client_id: 'app', iat: NOW - 5, exp: NOW + 300, jti: 'j-1' };
  const atOpts = { issuer: ISSUER, profile: 'at_jwt', audience: 'https://api.example', currentDate: AT };
  const good = signJwt({ alg: 'RS256', kid: KEYS.main.kid, typ: 'at+jwt' }, at, KEYS.main);
  assert.equal(m.verifyIdToken(good, keys, atOpts).payload.client_id, 'app');
  assert.equal(m.verifyIdToken(signJwt({ alg: 'RS256', kid: KEYS.main.kid, typ: 'application/at+jwt' }, at, KEYS.main), keys, atOpts).payload.jti, 'j-1');
  rejects(signJwt({ alg: 'RS256', kid: KEYS.main.kid }, at, KEYS.main), atOpts, 'invalid_typ', CLAIM, 'typ');
  rejects(signJwt({ alg: 'RS256', kid: KEYS.main.kid, typ: 'at+jwt' }, { ...at, jti: undefined }, KEYS.main), atOpts, 'claim_missing', CLAIM, 'jti');
  rejects(good, { ...atOpts, audience: 'https://other.example' }, 'aud_mismatch', CLAIM, 'aud');
  // an ID token is not an access token
  rejects(tok(), atOpts, 'invalid_typ', CLAIM, 'typ');

  const cg = { iss: ISSUER, sub: 'u', client_id: 'cog-app', token_use: 'access', scope: 'openid', iat: NOW - 5, exp: NOW + 300, jti: 'j' };
  const cgOpts = { issuer: ISSUER, profile: 'cognito_access', clientIds: ['cog-app'], currentDate: AT };
  assert.equal(m.verifyIdToken(signJwt({ alg: 'RS256', kid: KEYS.main.kid }, cg, KEYS.main), keys, cgOpts).payload.token_use, 'access');
  rejects(signJwt({ alg: 'RS256', kid: KEYS.main.kid }, { ...cg, token_use: 'id' }, KEYS.main), cgOpts, 'token_use_mismatch', CLAIM, 'token_use');
});

test('trust set: the token iss picks the issuer; each issuer only with its own keys and clients', () => {
  const A = 'https://a.example';
  const B = 'https://b.example';
  const trust = m.createTrustSet([
    { issuer: A, keys: new m.JwkSet(jwksOf(KEYS.main)), clientIds: ['client-a'] },
    { issuer: B, keys: jwksOf(KEYS.other), clientId: 'client-b' },
  ], { clockTolerance: 5 });
  assert.deepEqual(trust.issuers, [A, B]);
  const fromB = signJwt({ alg: 'RS256', kid: KEYS.other.kid }, idClaims({ iss: B, aud: 'client-b' }), KEYS.other);
  assert.equal(m.verifyIdToken(fromB, trust, { currentDate: AT }).payload.iss, B);
  assert.equal(m.createVerifier({ issuer: B, clientId: 'client-b', currentDate: AT }).verify(fromB, new m.JwkSet(jwksOf(KEYS.other))).payload.iss, B);
  // B's token claiming A (signed with B's key): A's keys do not have it
  const forged = signJwt({ alg: 'RS256', kid: KEYS.other.kid }, idClaims({ iss: A, aud: 'client-a' }), KEYS.other);
  assert.throws(() => m.verifyIdToken(forged, trust, { currentDate: AT }), (e) => ['key_not_found', 'bad_signature'].includes(e.kind));
  // A's client id is not B's
  const crossed = signJwt({ alg: 'RS256', kid: KEYS.other.kid }, idClaims({ iss: B, aud: 'client-a' }), KEYS.other);
  assert.throws(() => m.verifyIdToken(crossed, trust, { currentDate: AT }), (e) => e.kind === 'aud_mismatch');
  const unknown = signJwt({ alg: 'RS256', kid: KEYS.other.kid }, idClaims({ iss: 'https://c.example', aud: 'client-b' }), KEYS.other);
  assert.throws(() => m.verifyIdToken(unknown, trust, { currentDate: AT }), (e) => e.kind === 'iss_mismatch');
  // per-call options (nonce) on top of the base options
  const withNonce = signJwt({ alg: 'RS256', kid: KEYS.main.kid }, idClaims({ iss: A, aud: 'client-a', nonce: 'n' }), KEYS.main);
  assert.ok(m.verifyIdToken(withNonce, trust, { currentDate: AT, nonce: 'n' }));
  assert.throws(() => m.verifyIdToken(withNonce, trust, { currentDate: AT, nonce: 'other' }), (e) => e.kind === 'nonce_mismatch');
  assert.throws(() => m.verifyIdToken(withNonce, trust, { issuer: A }), TypeError);
});

test('memo: a repeated token skips the RSA, never the claim checks; a changed signature is rechecked', async () => {
  const set = new m.JwkSet(jwksOf(KEYS.main));
  const t = tok();
  for (let i = 0; i < 3; i++) assert.ok(m.verifyIdToken(t, set, base));
  assert.throws(() => m.verifyIdToken(t, set, { ...base, currentDate: new Date((NOW + 700) * 1000) }), (e) => e.kind === 'expired');
  assert.throws(() => m.verifyIdToken(t, set, { ...base, clientId: 'x' }), (e) => e.kind === 'aud_mismatch');
  const [h, p, s] = t.split('.');
  const tampered = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
  assert.throws(() => m.verifyIdToken(tampered, set, base), (e) => e.kind === 'bad_signature');
  // the async (WebCrypto) path shares the memo and the verdicts
  assert.ok(await m.verifyIdTokenAsync(t, set, base));
  const t2 = tok({ sub: 'user-2' });
  assert.equal((await m.verifyIdTokenAsync(t2, set, base)).payload.sub, 'user-2');
  assert.equal(m.verifyIdToken(t2, set, base).payload.sub, 'user-2');
  await assert.rejects(m.verifyIdTokenAsync(tampered, set, base), (e) => e.kind === 'bad_signature');
  await assert.rejects(m.verifyIdTokenAsync(t2, set, { ...base, currentDate: new Date((NOW + 700) * 1000) }), (e) => e.kind === 'expired');
  // a signature of the wrong length fails on the host path too
  const short = Buffer.from(s, 'base64url').subarray(1).toString('base64url');
  assert.throws(() => m.verifyIdToken(`${h}.${p}.${short}`, set, base), (e) => e.kind === 'bad_signature');
  await assert.rejects(m.verifyIdTokenAsync(`${h}.${p}.${short}`, set, base), (e) => e.kind === 'bad_signature');
});

test('plain JWK Set objects work wherever a JwkSet does, parsed once per object (a snapshot)', async () => {
  const jwks = jwksOf(KEYS.main);
  assert.equal(m.verifyIdToken(tok(), jwks, base).payload.sub, 'user-1');
  assert.equal((await m.verifyIdTokenAsync(tok(), jwks, base)).payload.sub, 'user-1');
  assert.equal(m.createVerifier(base).verify(tok(), jwks).payload.sub, 'user-1');
  assert.equal((await m.createVerifier(base).verifyAsync(tok(), jwks)).payload.sub, 'user-1');
  // the snapshot taken at first use: an in-place edit of the object is not seen ...
  jwks.keys.length = 0;
  assert.equal(m.verifyIdToken(tok(), jwks, base).payload.sub, 'user-1');
  jwks.keys.push(publicJwk(KEYS.other));
  assert.throws(() => m.verifyIdToken(tok({}, { kid: KEYS.other.kid }, KEYS.other), jwks, base), (e) => e.kind === 'key_not_found');
  // ... a new object is
  assert.ok(m.verifyIdToken(tok({}, { kid: KEYS.other.kid }, KEYS.other), { keys: [...jwks.keys] }, base));
  // a member of keys that is not a key is kept as unusable, like any key the policy refuses
  assert.throws(() => m.verifyIdToken(tok(), { keys: [5] }, base), (e) => e.kind === 'key_not_found');
});

test('createVerifier: options checked once; verify and verifyAsync', async () => {
  const v = m.createVerifier(base);
  assert.equal(v.verify(tok(), keys).payload.aud, CLIENT);
  assert.equal((await v.verifyAsync(tok(), keys)).payload.aud, CLIENT);
  assert.throws(() => v.verify(tok({ aud: 'x' }), keys), (e) => e.kind === 'aud_mismatch');
  await assert.rejects(v.verifyAsync(tok({ aud: 'x' }), keys), (e) => e.kind === 'aud_mismatch');
  assert.ok(Object.isFrozen(v));
});

test('options objects may be reused and mutated between calls (no stale policy)', () => {
  const opts = { ...base, nonce: 'a' };
  assert.ok(m.verifyIdToken(tok({ nonce: 'a' }), keys, opts));
  opts.nonce = 'b';
  assert.throws(() => m.verifyIdToken(tok({ nonce: 'a' }), keys, opts), (e) => e.kind === 'nonce_mismatch');
  assert.ok(m.verifyIdToken(tok({ nonce: 'b' }), keys, opts));
});

test('inspect decodes without trust and says so', () => {
  const u = m.inspect(tok({ nonce: 'n' }));
  assert.equal(u.trusted, false);
  assert.equal(u.header.kid, KEYS.main.kid);
  assert.equal(u.payload.nonce, 'n');
  assert.equal(u.signatureLength, 256);
  // a forged token decodes just the same: inspect is not verification
  assert.equal(m.inspect(signJwt({ alg: 'none' }, idClaims(), KEYS.main)).payload.iss, ISSUER);
  assert.throws(() => m.inspect('abc'), (e) => e instanceof m.OidcEdgeError && e.kind === 'malformed');
  assert.throws(() => m.inspect(5), TypeError);
});

test('CommonJS: same behaviour, its own error class', () => {
  const c = loadCjs();
  const set = new c.JwkSet(jwksOf(KEYS.main));
  assert.throws(() => c.verifyIdToken(tok({ iss: 'x' }), set, base), (e) => e instanceof c.OidcEdgeError && e.kind === 'iss_mismatch' && e.claim === 'iss');
  assert.throws(() => c.verifyIdToken(tok(), set, {}), TypeError);
  assert.throws(() => c.verifyIdToken(tok(), keys, base), TypeError, 'a JwkSet of the ESM instance is not one of the CJS instance');
});

test('many concurrent async verifications with distinct options (verifier cache eviction mid-flight)', async () => {
  const set = new m.JwkSet(jwksOf(KEYS.main));
  const tokens = Array.from({ length: 80 }, (_, i) => tok({ nonce: `n-${i}` }));
  const results = await Promise.all(tokens.map((t, i) => m.verifyIdTokenAsync(t, set, { ...base, nonce: `n-${i}` })));
  assert.deepEqual(results.map((r) => r.payload.nonce), tokens.map((_, i) => `n-${i}`));
});

test('without WebCrypto or node:crypto the async path falls back to the built-in RSA, same verdicts', async () => {
  const { execFileSync } = await import('node:child_process');
  const path = await import('node:path');
  const { consumerDir } = await import('./helpers.mjs');
  const script = `
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
    // node:crypto is reached through process.getBuiltinModule: hide it too.
    Object.defineProperty(process, 'getBuiltinModule', { value: undefined, configurable: true });
    const m = await import(${JSON.stringify(path.join(consumerDir(), 'esm.mjs'))});
    const input = JSON.parse(process.argv[1]);
    const keys = new m.JwkSet(input.jwks);
    const o = { ...input.options, currentDate: new Date(input.at) };
    const ok = (await m.verifyIdTokenAsync(input.good, keys, o)).payload.sub;
    let kind; try { await m.verifyIdTokenAsync(input.bad, keys, o); } catch (e) { kind = e.kind; }
    console.log(JSON.stringify({ subtle: typeof globalThis.crypto, builtin: typeof process.getBuiltinModule, ok, kind }));`;
  const good = tok();
  const [h, p, s] = good.split('.');
  const bad = `${h}.${p}.${s.slice(0, 30)}${s[30] === 'A' ? 'B' : 'A'}${s.slice(31)}`;
  const input = JSON.stringify({ good, bad, jwks: jwksOf(KEYS.main), options: { issuer: ISSUER, clientId: CLIENT }, at: AT.getTime() });
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, input], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), { subtle: 'undefined', builtin: 'undefined', ok: 'user-1', kind: 'bad_signature' });
});
