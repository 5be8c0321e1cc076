// The host's signature primitives for every algorithm the core verifies: node:crypto (RSA
// PKCS#1 v1.5 and PSS, ECDSA with r||s signatures, Ed25519) and WebCrypto (the same, where the
// runtime implements them). Pure functions of a host crypto module, so the tests can hold each
// one against the core on raw vectors (tests/js/curves.test.mjs).

/** The JWS algorithms in the order of the glue's algorithm codes (wasm/src/host.rs `alg_code`:
 *  the index in the core's `Algorithm::ALL`). */
export const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA', 'Ed25519'];

const pkcs1 = (hash) => [{ name: 'RSASSA-PKCS1-v1_5', hash }, { name: 'RSASSA-PKCS1-v1_5' }];
const pss = (hash, saltLength) => [{ name: 'RSA-PSS', hash }, { name: 'RSA-PSS', saltLength }];
const ecdsa = (namedCurve, hash) => [{ name: 'ECDSA', namedCurve }, { name: 'ECDSA', hash }];
const ed25519 = [{ name: 'Ed25519' }, { name: 'Ed25519' }];

/** WebCrypto [import, verify] parameters by JWS algorithm. */
const WEB = {
  RS256: pkcs1('SHA-256'),
  RS384: pkcs1('SHA-384'),
  RS512: pkcs1('SHA-512'),
  PS256: pss('SHA-256', 32),
  PS384: pss('SHA-384', 48),
  PS512: pss('SHA-512', 64),
  ES256: ecdsa('P-256', 'SHA-256'),
  ES384: ecdsa('P-384', 'SHA-384'),
  EdDSA: ed25519,
  Ed25519: ed25519,
};

/** node:crypto [digest, PSS salt length, ECDSA] by JWS algorithm; Ed25519 takes no digest. */
const NODE = {
  RS256: ['sha256'],
  RS384: ['sha384'],
  RS512: ['sha512'],
  PS256: ['sha256', 32],
  PS384: ['sha384', 48],
  PS512: ['sha512', 64],
  ES256: ['sha256', 0, true],
  ES384: ['sha384', 0, true],
  EdDSA: [null],
  Ed25519: [null],
};

/** node:crypto's KeyObject for a public JWK (JSON text), or null when the host refuses it. */
export function nodeKey(nc, jwkText) {
  try {
    return nc.createPublicKey({ key: JSON.parse(jwkText), format: 'jwk' });
  } catch {
    return null;
  }
}

/** node:crypto's verdict (a boolean) on `signature` over `data` for `alg` with `key` (a
 *  KeyObject of the kind `alg` needs); throws where the host cannot decide. */
export function nodeVerify(nc, alg, key, data, signature) {
  const [digest, saltLength, ecdsaSig] = NODE[alg];
  let k = key;
  if (saltLength) k = { key, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength };
  // JWS signatures are r||s of fixed length (RFC 7518 3.4), never DER.
  else if (ecdsaSig) k = { key, dsaEncoding: 'ieee-p1363' };
  return nc.verify(digest, data, k, signature) === true;
}

/** WebCrypto's key for a public JWK (JSON text) and `alg`: a promise of the CryptoKey, or of
 *  null when the host refuses the key or does not implement the algorithm. */
export function webKey(subtle, alg, jwkText) {
  const params = WEB[alg];
  if (!params) return Promise.resolve(null);
  try {
    const jwk = { ...JSON.parse(jwkText), ext: true };
    return subtle.importKey('jwk', jwk, params[0], false, ['verify']).catch(() => null);
  } catch {
    return Promise.resolve(null);
  }
}

/** WebCrypto's verdict (a promise of a boolean) on `signature` over `data` for `alg`. */
export function webVerify(subtle, alg, key, data, signature) {
  return subtle.verify(WEB[alg][1], key, signature, data);
}
