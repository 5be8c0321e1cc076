// Differential test against panva/jose (dev-dependency only): a few hundred generated ID tokens
// and as many JWT access tokens (profile jwt), valid and each kind of invalid, verified by both
// with each one's natural call (jose: issuer and audience). Verdicts must agree, except for the
// documented cases where oidc-edge is deliberately stricter (OpenID Connect Core 3.1.3.7, RFC
// 8725, RFC 9449; README.md, "Stricter than the usual defaults", and pkg/README.md list them);
// there the test asserts that jose accepts and oidc-edge rejects with the stated kind.
// oidc-edge must never accept what jose rejects. jose is given oidc-edge's default clock
// tolerance (30 s; jose's own default is 0), so the clocks are compared on equal terms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { AT, CLIENT, ISSUER, KEYS, NOW, b64u, jwksOf, loadEsm, signJwt } from './helpers.mjs';

const m = await loadEsm();

/** Deterministic PRNG (mulberry32) so a failure can be reproduced. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(20261126);
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = (xs) => xs[int(0, xs.length - 1)];
const word = () => Math.floor(rnd() * 2 ** 32).toString(36);

// The main key without its "alg" so the set can verify every RSA algorithm with it.
const { alg: _alg, ...MAIN_ANY_ALG } = KEYS.main;
const JWKS = jwksOf(MAIN_ANY_ALG, KEYS.big, KEYS.weak, { ...KEYS.other, kid: 'enc-key', use: 'enc' });

function claims(extra = {}) {
  const c = {
    iss: ISSUER,
    sub: `user-${word()}`,
    aud: rnd() < 0.5 ? CLIENT : [CLIENT],
    iat: NOW - int(0, 3000),
    exp: NOW + int(1, 86400),
  };
  if (rnd() < 0.3) c.nbf = NOW - int(0, 100);
  if (rnd() < 0.3) c.azp = CLIENT;
  if (rnd() < 0.4) c.email = `${word()}@example.test`;
  if (rnd() < 0.2) c.groups = [word(), word()];
  if (rnd() < 0.2) c.address = { country: pick(['FR', 'JP', 'BR']), locality: word() };
  if (rnd() < 0.2) c.name = pick(['Zoë', 'Ada Lovelace', '李', 'O\'Brien "Q"']);
  return { ...c, ...extra };
}

function header(extra = {}) {
  const h = { alg: 'RS256', kid: KEYS.main.kid };
  if (rnd() < 0.3) h.typ = pick(['JWT', 'application/jwt']);
  return { ...h, ...extra };
}

const sign = (h, c, key = KEYS.main) => signJwt(h, c, key);

function flipSignature(t) {
  const [h, p, s] = t.split('.');
  const bytes = Buffer.from(s, 'base64url');
  bytes[int(0, bytes.length - 1)] ^= 1 << int(0, 7);
  return `${h}.${p}.${bytes.toString('base64url')}`;
}

/**
 * Categories: [name, count, make() -> { token, options? }, expectation]. Expectation 'agree'
 * means same verdict (and `both` tells which); { stricter: kind } is a documented difference.
 */
const ID_CATEGORIES = [
  ['valid', 60, () => ({ token: sign(header(), claims()) }), { both: 'accept' }],
  ['valid, 4096-bit key', 5, () => ({ token: sign(header({ kid: KEYS.big.kid }), claims(), KEYS.big) }), { both: 'accept' }],
  ['valid, RS384/RS512/PS256/PS384/PS512 when allowed', 20, () => {
    const alg = pick(['RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
    return { token: sign(header({ alg }), claims()), options: { algorithms: [alg] } };
  }, { both: 'accept' }],
  ['valid within clockTolerance', 10, () => ({ token: sign(header(), claims({ exp: NOW - int(0, 29) })), options: { clockTolerance: 30 } }), { both: 'accept' }],
  ['expired', 15, () => ({ token: sign(header(), claims({ exp: NOW - int(30, 100000) })) }), { both: 'reject', kind: 'expired' }],
  ['expired less than the tolerance ago', 5, () => ({ token: sign(header(), claims({ exp: NOW - int(0, 29) })) }), { both: 'accept' }],
  ['not yet valid (nbf)', 10, () => ({ token: sign(header(), claims({ nbf: NOW + int(31, 1000) })) }), { both: 'reject', kind: 'not_yet_valid' }],
  ['wrong issuer', 10, () => ({ token: sign(header(), claims({ iss: pick([`${ISSUER}/`, 'https://evil.example', ISSUER.toUpperCase()]) })) }), { both: 'reject', kind: 'iss_mismatch' }],
  ['wrong audience', 10, () => ({ token: sign(header(), claims({ aud: pick(['other', ['other'], []]) })) }), { both: 'reject', kind: 'aud_mismatch' }],
  ['bad signature', 15, () => ({ token: flipSignature(sign(header(), claims())) }), { both: 'reject', kind: 'bad_signature' }],
  ['signed by another key under our kid', 10, () => ({ token: sign(header(), claims(), KEYS.other) }), { both: 'reject', kind: 'bad_signature' }],
  ['alg none', 5, () => ({ token: `${b64u({ alg: 'none' })}.${b64u(claims())}.` }), { both: 'reject', kind: 'alg_not_allowed' }],
  ['HS256 with the public key as secret', 5, () => ({ token: sign(header({ alg: 'HS256' }), claims()) }), { both: 'reject', kind: 'alg_not_allowed' }],
  ['RSA alg outside the allow-list', 10, () => ({ token: sign(header({ alg: pick(['RS384', 'PS256', 'RS512']) }), claims()) }), { both: 'reject', kind: 'alg_not_allowed' }],
  ['unknown kid', 10, () => ({ token: sign(header({ kid: `kid-${word()}` }), claims()) }), { both: 'reject', kind: 'key_not_found' }],
  ['key for encryption (use enc)', 5, () => ({ token: sign(header({ kid: 'enc-key' }), claims(), KEYS.other) }), { both: 'reject', kind: 'key_unusable' }],
  ['1024-bit key', 5, () => ({ token: sign(header({ kid: KEYS.weak.kid }), claims(), KEYS.weak) }), { both: 'reject', kind: 'key_too_weak' }],
  ['unknown crit extension', 5, () => ({ token: sign(header({ crit: ['x-ext'], 'x-ext': 1 }), claims()) }), { both: 'reject', kind: 'unsupported_crit' }],
  ['exp is a string', 5, () => ({ token: sign(header(), claims({ exp: String(NOW + 100) })) }), { both: 'reject', kind: 'claim_invalid' }],
  ['payload is not a JSON object', 5, () => ({ token: sign(header(), b64u(pick(['[1]', '"s"', 'not json', '42']))) }), { both: 'reject', kind: 'malformed' }],
  ['header is not JSON', 5, () => ({ token: `${b64u('{alg:RS256}')}.${b64u(claims())}.${'A'.repeat(342)}` }), { both: 'reject', kind: 'malformed' }],
  ['two or four segments', 5, () => {
    const t = sign(header(), claims());
    return { token: rnd() < 0.5 ? t.split('.').slice(0, 2).join('.') : `${t}.x` };
  }, { both: 'reject', kind: 'malformed' }],
  // ---- documented: oidc-edge is stricter ----
  ['no exp (OIDC Core 2: exp is REQUIRED)', 10, () => ({ token: sign(header(), claims({ exp: undefined })) }), { stricter: 'claim_missing' }],
  ['no iat (OIDC Core 2: iat is REQUIRED)', 10, () => ({ token: sign(header(), claims({ iat: undefined })) }), { stricter: 'claim_missing' }],
  ['no sub (OIDC Core 2: sub is REQUIRED)', 10, () => ({ token: sign(header(), claims({ sub: undefined })) }), { stricter: 'claim_missing' }],
  ['several audiences, no azp (3.1.3.7 step 4; oidc-edge: azp required then)', 10, () => ({ token: sign(header(), claims({ aud: [CLIENT, 'api'], azp: undefined })), options: { audience: 'api' } }), { stricter: 'azp_missing' }],
  ['azp is another client (3.1.3.7 step 5)', 10, () => ({ token: sign(header(), claims({ azp: `other-${word()}` })) }), { stricter: 'azp_mismatch' }],
  ['an audience the client does not trust (3.1.3.7 step 3)', 10, () => ({ token: sign(header(), claims({ aud: [CLIENT, `stranger-${word()}`], azp: CLIENT })) }), { stricter: 'aud_untrusted' }],
  ['iat in the future (3.1.3.7 step 10)', 10, () => ({ token: sign(header(), claims({ iat: NOW + int(31, 5000) })) }), { stricter: 'iat_in_future' }],
  ['typ at+jwt on an ID token (RFC 9068 section 4 / RFC 8725 3.11)', 10, () => ({ token: sign(header({ typ: 'at+jwt' }), claims()) }), { stricter: 'invalid_typ' }],
  ['duplicate member names in the payload (RFC 7515 5.2, RFC 8725)', 10, () => {
    const c = claims();
    const json = JSON.stringify(c).replace(/^\{/, `{"sub":"${word()}",`);
    return { token: sign(header(), b64u(json)) };
  }, { stricter: 'malformed' }],
  ['non-canonical base64url (unused bits set) in the signature', 10, () => {
    const t = sign(header(), claims());
    const [h, p, s] = t.split('.');
    // 256 octets -> 342 chars, the last char carries 4 unused bits
    const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = A.indexOf(s.at(-1));
    return { token: `${h}.${p}.${s.slice(0, -1)}${A[last | int(1, 15)]}` };
  }, { stricter: 'malformed' }],
];

// ---- access tokens (profile jwt): the natural calls are { issuer, audience } for both ----

const API = 'https://api.example.test';

function atClaims(extra = {}) {
  const c = { iss: ISSUER, sub: `svc-${word()}`, aud: rnd() < 0.5 ? API : [API, 'account'], exp: NOW + int(1, 86400) };
  if (rnd() < 0.8) c.iat = NOW - int(0, 3000);
  const client = pick(['client_id', 'azp', 'cid', 'appid']);
  c[client] = `app-${word()}`;
  if (rnd() < 0.5) c.scope = 'read write'; else c.scp = rnd() < 0.5 ? ['read', 'write'] : 'read write';
  if (rnd() < 0.3) c.jti = word();
  if (rnd() < 0.3) c.tid = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  return { ...c, ...extra };
}

function atHeader(extra = {}) {
  const h = { alg: 'RS256', kid: KEYS.main.kid };
  const typ = pick([undefined, 'JWT', 'at+jwt', 'application/at+jwt']);
  if (typ) h.typ = typ;
  return { ...h, ...extra };
}

const JWT_CATEGORIES = [
  ['valid: typ absent, JWT, at+jwt or application/at+jwt; client in client_id, azp, cid or appid; scope or scp', 60, () => ({ token: sign(atHeader(), atClaims()) }), { both: 'accept' }],
  ['valid with the scopes required', 10, () => ({ token: sign(atHeader(), atClaims()), options: { requiredScopes: ['read'] } }), { both: 'accept' }],
  ['valid, RS384/RS512/PS256/PS384/PS512 when allowed', 10, () => {
    const alg = pick(['RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
    return { token: sign(atHeader({ alg }), atClaims()), options: { algorithms: [alg] } };
  }, { both: 'accept' }],
  ['expired', 10, () => ({ token: sign(atHeader(), atClaims({ exp: NOW - int(30, 100000) })) }), { both: 'reject', kind: 'expired' }],
  ['not yet valid (nbf)', 5, () => ({ token: sign(atHeader(), atClaims({ nbf: NOW + int(31, 1000) })) }), { both: 'reject', kind: 'not_yet_valid' }],
  ['wrong issuer', 10, () => ({ token: sign(atHeader(), atClaims({ iss: pick([`${ISSUER}/`, 'https://evil.example']) })) }), { both: 'reject', kind: 'iss_mismatch' }],
  ['another audience', 10, () => ({ token: sign(atHeader(), atClaims({ aud: pick(['account', ['account'], 'https://api.example.test/']) })) }), { both: 'reject', kind: 'aud_mismatch' }],
  ['no audience', 5, () => ({ token: sign(atHeader(), atClaims({ aud: undefined })) }), { both: 'reject', kind: 'claim_missing' }],
  ['bad signature', 10, () => ({ token: flipSignature(sign(atHeader(), atClaims())) }), { both: 'reject', kind: 'bad_signature' }],
  ['alg none', 5, () => ({ token: `${b64u({ alg: 'none' })}.${b64u(atClaims())}.` }), { both: 'reject', kind: 'alg_not_allowed' }],
  ['HS256 with the public key as secret', 5, () => ({ token: sign(atHeader({ alg: 'HS256' }), atClaims()) }), { both: 'reject', kind: 'alg_not_allowed' }],
  ['unknown kid', 5, () => ({ token: sign(atHeader({ kid: `kid-${word()}` }), atClaims()) }), { both: 'reject', kind: 'key_not_found' }],
  ['exp is a string', 5, () => ({ token: sign(atHeader(), atClaims({ exp: String(NOW + 100) })) }), { both: 'reject', kind: 'claim_invalid' }],
  // ---- documented: oidc-edge is stricter ----
  ['typ names another kind of JWT (RFC 8725 3.11)', 10, () => ({ token: sign(atHeader({ typ: pick(['dpop+jwt', 'logout+jwt', 'secevent+jwt', 'id_token+jwt', 'application/dpop+jwt']) }), atClaims()) }), { stricter: 'invalid_typ' }],
  ['DPoP-bound (cnf.jkt) presented as a bearer token (RFC 9449 7.1)', 10, () => ({ token: sign(atHeader(), atClaims({ cnf: { jkt: word() } })) }), { stricter: 'dpop_required' }],
  ['certificate-bound (cnf x5t#S256) presented as a bearer token (RFC 8705 3)', 5, () => ({ token: sign(atHeader(), atClaims({ cnf: { 'x5t#S256': word() } })) }), { stricter: 'claim_invalid' }],
  ['no exp (a bearer token without an end)', 10, () => ({ token: sign(atHeader(), atClaims({ exp: undefined })) }), { stricter: 'claim_missing' }],
  ['iat in the future', 5, () => ({ token: sign(atHeader(), atClaims({ iat: NOW + int(31, 5000) })) }), { stricter: 'iat_in_future' }],
  ['a required scope missing (jose has no scope check)', 10, () => ({ token: sign(atHeader(), atClaims()), options: { requiredScopes: ['admin'] } }), { stricter: 'insufficient_scope' }],
  ['duplicate member names in the payload', 5, () => ({ token: sign(atHeader(), b64u(JSON.stringify(atClaims()).replace(/^\{/, `{"sub":"${word()}",`))) }), { stricter: 'malformed' }],
];

/** The two calls of a differential run: oidc-edge's (sync and async) and jose's. */
const PROFILES = {
  id_token: {
    categories: ID_CATEGORIES,
    options: { issuer: ISSUER, clientId: CLIENT, currentDate: AT },
    edge: [m.verifyIdToken, m.verifyIdTokenAsync],
    joseAudience: (o) => [o.clientId, ...[o.audience ?? []].flat()],
  },
  jwt: {
    categories: JWT_CATEGORIES,
    options: { issuer: ISSUER, audience: API, currentDate: AT },
    edge: [m.verifyAccessToken, m.verifyAccessTokenAsync],
    joseAudience: (o) => o.audience,
  },
};

async function edgeVerdict(profile, keys, token, options) {
  const [verify, verifyAsync] = PROFILES[profile].edge;
  let sync;
  try { verify(token, keys, options); sync = { ok: true }; } catch (e) { sync = { ok: false, kind: e.kind, e }; }
  let async_;
  try { await verifyAsync(token, keys, options); async_ = { ok: true }; } catch (e) { async_ = { ok: false, kind: e.kind, e }; }
  return { sync, async: async_ };
}

async function joseVerdict(profile, jwks, token, options) {
  try {
    await jwtVerify(token, jwks, {
      issuer: options.issuer,
      audience: PROFILES[profile].joseAudience(options),
      algorithms: options.algorithms ?? ['RS256'],
      currentDate: options.currentDate,
      clockTolerance: options.clockTolerance ?? 30,
    });
    return { ok: true };
  } catch (e) {
    return { ok: false, code: e.code ?? e.name };
  }
}

for (const profile of Object.keys(PROFILES)) {
  test(`${profile}: oidc-edge and jose agree on a few hundred tokens, except where oidc-edge is documented stricter`, async () => {
    const { categories, options: baseOptions } = PROFILES[profile];
    const keys = new m.JwkSet(JWKS);
    const joseKeys = createLocalJWKSet(JWKS);
    let total = 0;
    const stricterSeen = new Map();
    for (const [name, count, make, expect] of categories) {
      for (let i = 0; i < count; i++) {
        const { token, options: extra } = make();
        const options = { ...baseOptions, ...extra };
        const edge = await edgeVerdict(profile, keys, token, options);
        const jose = await joseVerdict(profile, joseKeys, token, options);
        const where = `${name} #${i}: edge ${edge.sync.ok ? 'accept' : edge.sync.kind}, jose ${jose.ok ? 'accept' : jose.code}`;
        // the two oidc-edge paths (wasm RSA, WebCrypto) always agree, kind for kind
        assert.equal(edge.sync.ok, edge.async.ok, where);
        assert.equal(edge.sync.kind, edge.async.kind, where);
        if (edge.sync.e) assert.ok(edge.sync.e instanceof m.OidcEdgeError, `${where}: ${edge.sync.e}`);
        // never accept what jose rejects
        if (!jose.ok) assert.equal(edge.sync.ok, false, where);
        if (expect.stricter) {
          assert.equal(jose.ok, true, `${where}: documented as accepted by jose`);
          assert.equal(edge.sync.ok, false, where);
          assert.equal(edge.sync.kind, expect.stricter, where);
          stricterSeen.set(name, (stricterSeen.get(name) ?? 0) + 1);
        } else {
          assert.equal(edge.sync.ok, jose.ok, `${where}: verdicts differ`);
          assert.equal(edge.sync.ok, expect.both === 'accept', where);
          if (expect.kind) assert.equal(edge.sync.kind, expect.kind, where);
        }
        total++;
      }
    }
    assert.ok(total >= 200, `${total} tokens`);
    assert.deepEqual([...stricterSeen.keys()], categories.filter((c) => c[3].stricter).map((c) => c[0]));
  });
}

test('the stricter cases are stricter only by the documented rule: fixing that one thing makes both accept', async () => {
  const keys = new m.JwkSet(JWKS);
  const joseKeys = createLocalJWKSet(JWKS);
  const options = { issuer: ISSUER, clientId: CLIENT, currentDate: AT };
  const fixed = [
    sign(header(), claims({ aud: [CLIENT, 'api'], azp: CLIENT })), // several audiences with azp, api trusted
    sign(header(), claims({ azp: CLIENT })),
    sign(header({ typ: 'JWT' }), claims()),
  ];
  for (const token of fixed) {
    const o = { ...options, audience: 'api' };
    assert.equal((await edgeVerdict('id_token', keys, token, o)).sync.ok, true);
    assert.equal((await joseVerdict('id_token', joseKeys, token, o)).ok, true);
  }
});
