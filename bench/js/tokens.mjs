// The tokens of bench/run.sh: one ID token shape, signed with RS256 (the fixed 2048-bit test
// key `test-main`, tests/js/fixtures/keys.json), ES256 and EdDSA (P-256 and Ed25519 keys made
// at the start of the run), each in 4096 variants of equal length (four times the package's
// 1000-entry verified-token cache, so "first-seen" rows always do the signature work: with
// 1024, its second-chance eviction kept a growing share of a cycle, and they hit). Valid for an hour from the run's clock.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const VARIANTS = 4096;
export const issuer = 'https://op.example.test';
export const clientId = 'client-123.apps.example.test';

/** The signing key of each algorithm: { privateKey (KeyObject), jwk (public, with kid and alg) }. */
function keys() {
  const fixed = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/js/fixtures/keys.json'), 'utf8')).main;
  const { d, p, q, dp, dq, qi, ...rsaPublic } = fixed;
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = crypto.generateKeyPairSync('ed25519');
  return {
    RS256: { privateKey: crypto.createPrivateKey({ key: fixed, format: 'jwk' }), jwk: rsaPublic },
    ES256: { privateKey: ec.privateKey, jwk: { ...ec.publicKey.export({ format: 'jwk' }), kid: 'bench-es256', alg: 'ES256', use: 'sig' } },
    EdDSA: { privateKey: ed.privateKey, jwk: { ...ed.publicKey.export({ format: 'jwk' }), kid: 'bench-eddsa', alg: 'EdDSA', use: 'sig' } },
  };
}

/** node:crypto's signature over `input` for the JWS algorithm (JOSE's raw r||s for ES256). */
function sign(alg, input, privateKey) {
  if (alg === 'RS256') return crypto.sign('sha256', input, privateKey);
  if (alg === 'ES256') return crypto.sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return crypto.sign(null, input, privateKey);
}

/**
 * `{ issuer, clientId, now, sets: { RS256|ES256|EdDSA: { jwks, tokens } } }`: `now` is the
 * run's clock (whole seconds), every token an ID token for `clientId` from `issuer`.
 */
export function mintFixture(now = Math.floor(Date.now() / 1000)) {
  const b64u = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const pad = (i) => String(i).padStart(4, '0');
  const sets = {};
  for (const [alg, { privateKey, jwk }] of Object.entries(keys())) {
    const tokens = Array.from({ length: VARIANTS }, (_, i) => {
      const header = { alg, kid: jwk.kid, typ: 'JWT' };
      const payload = {
        iss: issuer, azp: clientId, aud: clientId, sub: `2482897610${pad(i)}4711`,
        email: `ada.example.${pad(i)}@example.test`, email_verified: true,
        nonce: `n-0S6_WzA2Mj-${pad(i)}`, name: 'Ada Example',
        auth_time: now - 120, iat: now - 60, exp: now + 3600,
      };
      const input = `${b64u(header)}.${b64u(payload)}`;
      return `${input}.${sign(alg, Buffer.from(input), privateKey).toString('base64url')}`;
    });
    sets[alg] = { jwks: { keys: [jwk] }, tokens };
  }
  return { issuer, clientId, now, sets };
}
