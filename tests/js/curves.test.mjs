// ES256, ES384 and EdDSA in the package: Wycheproof's ECDSA (P-256, P-384, r||s signatures) and
// Ed25519 vectors through the core in WebAssembly (the sync path's code) and through the host
// primitives of the async path (pkg/lib/host-algs.js: node:crypto and WebCrypto), with 100%
// agreement required and the counts checked against tests/vectors/wycheproof/expectations.json;
// then tokens signed with the committed EC and Ed25519 test keys through every path of the
// API (sync, async, CommonJS, createVerifier, trust set), the default allow-list per key, and the
// RFC 7515 A.3 (ES256), RFC 8037 (Ed25519) and RFC 7638 (thumbprint) examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { nodeKey, nodeVerify, webKey, webVerify } from '../../pkg/lib/host-algs.js';
import { CURVE_KEYS, DIST, ISSUER, NOW, AT, loadCjs, loadEsm, publicJwk, signJwt, tamper, vectorsDir } from './helpers.mjs';

const m = await loadEsm();
const cjs = loadCjs();
// The nodejs glue (the CommonJS entry's), for the core's raw signature check.
const glue = createRequire(import.meta.url)(path.join(DIST, 'oidc_edge_wasm.cjs'));
const WYCHEPROOF = vectorsDir('wycheproof');
const RFC = path.join(path.dirname(WYCHEPROOF), 'rfc');
const read = (dir, name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
const expectations = read(WYCHEPROOF, 'expectations.json');

const SIG_LEN = { ES256: 64, ES384: 96, EdDSA: 64 };
const FIELD_LEN = { ES256: 32, ES384: 48 };

/** The group's publicKeyJwk, or the JWK of publicKey.wx / wy (big-endian hex, brought to the
 *  field length), as the core's Wycheproof test makes it (tests/wycheproof_curves.rs). */
function groupJwk(group, alg) {
  if (group.publicKeyJwk) return group.publicKeyJwk;
  const coordinate = (hex) => {
    let b = Buffer.from(hex, 'hex');
    while (b.length > FIELD_LEN[alg] && b[0] === 0) b = b.subarray(1);
    return Buffer.concat([Buffer.alloc(FIELD_LEN[alg] - b.length), b]).toString('base64url');
  };
  return { kty: 'EC', crv: alg === 'ES256' ? 'P-256' : 'P-384', x: coordinate(group.publicKey.wx), y: coordinate(group.publicKey.wy) };
}

const outcome = (valid) => (valid ? 'valid' : 'invalid');

for (const entry of expectations.signature_files) {
  test(`Wycheproof ${entry.file}: the core (wasm), node:crypto and WebCrypto agree with the expectations`, async () => {
    const file = read(WYCHEPROOF, entry.file);
    const { alg } = entry;
    const differences = new Map(entry.differences.map((d) => [d.tcId, d.expected]));
    const counts = { valid: 0, invalid: 0, node: 0, web: 0 };
    const disagreements = [];
    for (const group of file.testGroups) {
      const jwkText = JSON.stringify(groupJwk(group, alg));
      const nk = nodeKey(crypto, jwkText);
      const wk = await webKey(crypto.subtle, alg, jwkText);
      assert.ok(nk && wk, `${entry.file}: the host refuses a key the core accepts`);
      for (const t of group.tests) {
        const expected = differences.get(t.tcId) ?? t.result;
        const msg = Buffer.from(t.msg, 'hex');
        const sig = Buffer.from(t.sig, 'hex');
        const core = glue.coreSignatureCheck(alg, jwkText, msg, sig);
        assert.notEqual(core, 2, `${entry.file} tcId ${t.tcId}: the core refuses the key`);
        // The package asks the host only for a signature of the algorithm's length (the core
        // refuses any other before the signature step, on every path).
        const lengthOk = sig.length === SIG_LEN[alg];
        const node = lengthOk && nodeVerify(crypto, alg, nk, msg, sig);
        const web = lengthOk && await webVerify(crypto.subtle, alg, wk, msg, sig);
        const got = [outcome(core === 1), outcome(node), outcome(web)];
        if (got.every((g) => g === expected)) counts[expected]++;
        else disagreements.push(`tcId ${t.tcId} (${t.comment}): expected ${expected}, core/node/web ${got.join('/')}`);
        if (lengthOk) {
          counts.node++;
          counts.web++;
        }
      }
    }
    console.log(`${entry.file}: ${counts.valid} valid and ${counts.invalid} invalid, agreed by the core, node:crypto and WebCrypto (${counts.node} asked of each host); ${disagreements.length} disagreements`);
    assert.deepEqual(disagreements, []);
    assert.equal(counts.valid + counts.invalid, file.numberOfTests);
    assert.equal(counts.valid, entry.valid);
    assert.equal(counts.invalid, entry.invalid);
    assert.equal(counts.valid + counts.invalid, entry.tests);
  });
}

// ---- tokens through the API ----

const AUDIENCE = 'https://api.example.test';
const JWKS = { keys: Object.values(CURVE_KEYS).map(publicJwk) };
const OPTIONS = { issuer: ISSUER, audience: AUDIENCE, currentDate: AT };
const claims = (extra = {}) => ({ iss: ISSUER, sub: 'user-1', aud: AUDIENCE, iat: NOW - 10, exp: NOW + 600, ...extra });
const CASES = [['ES256', CURVE_KEYS.p256], ['ES384', CURVE_KEYS.p384], ['EdDSA', CURVE_KEYS.ed25519], ['Ed25519', CURVE_KEYS.ed25519]];

/** A token of `alg` signed with `key`, and its tampered twin. */
function tokens(alg, key, extra) {
  const token = signJwt({ alg, kid: key.kid, typ: 'JWT' }, claims(extra), key);
  return { token, tampered: tamper(token) };
}

/** Every way the package verifies an access token with local keys (all must agree). */
const PATHS = {
  sync: (t, keys, o) => m.verifyAccessToken(t, keys, o),
  async: (t, keys, o) => m.verifyAccessTokenAsync(t, keys, o),
  cjsSync: (t, keys, o) => cjs.verifyAccessToken(t, keys, o),
  cjsAsync: (t, keys, o) => cjs.verifyAccessTokenAsync(t, keys, o),
  createVerifier: (t, keys, o) => m.createVerifier({ ...o, profile: 'jwt' }).verify(t, keys),
  createVerifierAsync: (t, keys, o) => m.createVerifier({ ...o, profile: 'jwt' }).verifyAsync(t, keys),
  trustSet: (t, keys, { issuer, ...o }) => m.verifyAccessToken(t, m.createTrustSet([{ issuer, keys }]), o),
  trustSetAsync: (t, keys, { issuer, ...o }) => m.verifyAccessTokenAsync(t, m.createTrustSet([{ issuer, keys }]), o),
};

for (const [alg, key] of CASES) {
  test(`${alg} tokens verify, and their tampered twins fail, on every path (default allow-list)`, async () => {
    const { token, tampered } = tokens(alg, key);
    for (const [name, verify] of Object.entries(PATHS)) {
      // A fresh JWK Set object per call (parsed once per object): no memo of one call answers for another.
      const { payload, protectedHeader } = await verify(token, structuredClone(JWKS), OPTIONS);
      assert.equal(payload.sub, 'user-1', name);
      assert.equal(protectedHeader.alg, alg, name);
      await assert.rejects(async () => verify(tampered, structuredClone(JWKS), OPTIONS), { kind: 'bad_signature' }, `${name}: tampered`);
    }
  });
}

test('an explicit algorithms list wins; an alg never meets a key of another type or curve', async () => {
  const { token } = tokens('ES256', CURVE_KEYS.p256);
  for (const verify of [PATHS.sync, PATHS.async]) {
    await assert.rejects(async () => verify(token, JWKS, { ...OPTIONS, algorithms: ['RS256', 'EdDSA'] }), { kind: 'alg_not_allowed' });
    assert.equal((await verify(token, JWKS, { ...OPTIONS, algorithms: ['ES256'] })).protectedHeader.alg, 'ES256');
    // The P-256 key's kid under ES384: the key is not of the algorithm's curve.
    const es384 = signJwt({ alg: 'ES384', kid: 'test-p256' }, claims(), CURVE_KEYS.p384);
    await assert.rejects(async () => verify(es384, JWKS, OPTIONS), (e) => e instanceof m.OidcEdgeError && ['key_unusable', 'key_not_found'].includes(e.kind));
    // EdDSA with the P-256 key's kid.
    const eddsa = signJwt({ alg: 'EdDSA', kid: 'test-p256' }, claims(), CURVE_KEYS.ed25519);
    await assert.rejects(async () => verify(eddsa, JWKS, OPTIONS), (e) => e instanceof m.OidcEdgeError && ['key_unusable', 'key_not_found'].includes(e.kind));
  }
});

test('options: an unknown algorithm name is a TypeError that lists the supported ones', () => {
  assert.throws(() => m.verifyAccessToken('a.b.c', JWKS, { ...OPTIONS, algorithms: ['ES512'] }), (e) => e instanceof TypeError && /ES256, ES384, EdDSA, Ed25519/.test(e.message));
});

// ---- RFC examples ----

test('RFC 7515 A.3 (ES256): the signature verifies by every path (the claims then fail: no aud)', async () => {
  const v = read(RFC, 'rfc7515-A_3-es256.json');
  const keys = { keys: [publicJwk(v.jwk)] };
  const options = { issuer: 'joe', audience: AUDIENCE, currentDate: new Date(1300819000 * 1000) };
  for (const [name, verify] of Object.entries(PATHS)) {
    // The example has no aud: a failure after the signature proves the signature verified.
    await assert.rejects(async () => verify(v.token, keys, options), (e) => e.kind === 'claim_missing' && e.claim === 'aud', name);
    await assert.rejects(async () => verify(tamper(v.token), keys, options), { kind: 'bad_signature' }, name);
  }
});

test('RFC 8037 A (Ed25519): the EdDSA JWS verifies by the core and both hosts, and the thumbprint is the RFC\'s', async () => {
  const v = read(RFC, 'rfc8037-A-ed25519.json');
  const jwk = publicJwk(v.jwk);
  assert.equal(m.jwkThumbprint(jwk), v.thumbprint);
  // Its payload, "Example of Ed25519 signing", is no JWT (the token API refuses it as malformed
  // before any key is chosen): the signature is checked on its own.
  const check = async (token) => {
    const dot = token.lastIndexOf('.');
    const input = Buffer.from(token.slice(0, dot));
    const sig = Buffer.from(token.slice(dot + 1), 'base64url');
    const text = JSON.stringify(jwk);
    const key = await webKey(crypto.subtle, 'EdDSA', text);
    return [glue.coreSignatureCheck('EdDSA', text, input, sig), nodeVerify(crypto, 'EdDSA', nodeKey(crypto, text), input, sig), await webVerify(crypto.subtle, 'EdDSA', key, input, sig)];
  };
  assert.deepEqual(await check(v.token), [1, true, true]);
  assert.deepEqual(await check(tamper(v.token)), [0, false, false]);
  await assert.rejects(async () => m.verifyAccessTokenAsync(v.token, { keys: [jwk] }, OPTIONS), { kind: 'malformed', code: 'ERR_JWT_INVALID' });
});

test('RFC 7638 3.1: the thumbprint of the RFC\'s RSA key', () => {
  const v = read(RFC, 'rfc7638-3_1-thumbprint.json');
  assert.equal(m.jwkThumbprint(v.jwk), v.thumbprint);
  assert.throws(() => m.jwkThumbprint({ kty: 'oct', k: 'AAAA' }), TypeError);
});
