// Spec vectors (OIDC Core, JOSE RFCs) and Wycheproof JWS cases through the JS API, on both
// paths: sync (wasm RSA) and async (WebCrypto, then the core's finish).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEsm, vectorsDir } from './helpers.mjs';

const m = await loadEsm();
const SPEC = vectorsDir('spec');
const WYCHEPROOF = vectorsDir('wycheproof');
const spec = JSON.parse(fs.readFileSync(path.join(SPEC, 'index.json'), 'utf8')).cases
  .map((c) => ({ ...c, v: JSON.parse(fs.readFileSync(path.join(SPEC, c.file), 'utf8')) }));

/** Kinds that stop a token before or at its signature (checks 1-4 of the core's order, src/verify.rs). */
const SIGNATURE_STAGE = new Set([
  'malformed', 'token_too_large', 'alg_not_allowed', 'unsupported_crit', 'invalid_typ',
  'key_not_found', 'key_ambiguous', 'key_unusable', 'key_too_weak', 'bad_signature',
]);

/** Where verification stopped: 'accepted', 'signature' (checks 1-4) or 'claims' (5-6). */
function stage(err) {
  if (err === undefined) return 'accepted';
  assert.ok(err instanceof m.OidcEdgeError, `not an OidcEdgeError: ${err}`);
  // a payload that is not a JSON object is "malformed" with the JWT (payload) code: after the signature
  if (err.kind === 'malformed' && err.code === 'ERR_JWT_INVALID') return 'claims';
  return SIGNATURE_STAGE.has(err.kind) ? 'signature' : 'claims';
}

function syncOutcome(token, keys, options) {
  try {
    return { result: m.verifyIdToken(token, keys, options) };
  } catch (error) {
    return { error };
  }
}

async function asyncOutcome(token, keys, options) {
  try {
    return { result: await m.verifyIdTokenAsync(token, keys, options) };
  } catch (error) {
    return { error };
  }
}

function idOptions(v, at) {
  const o = v.verify_options;
  const options = {
    issuer: o.issuer,
    clientId: o.audience,
    algorithms: o.algorithms,
    clockTolerance: o.clock_tolerance_s,
    currentDate: new Date(at * 1000),
  };
  if (o.nonce) options.nonce = o.nonce;
  if (v.at_hash_check) options.accessToken = v.at_hash_check.access_token;
  if (v.c_hash_check) options.code = v.c_hash_check.code;
  return options;
}

for (const c of spec.filter((x) => x.kind === 'id_token')) {
  test(`spec ${c.v.id}: valid at valid_at, expired at expired_at (sync and async)`, async () => {
    const keys = new m.JwkSet(c.v.jwks);
    for (const run of [syncOutcome, asyncOutcome]) {
      const ok = await run(c.v.token, keys, idOptions(c.v, c.v.valid_at));
      assert.equal(ok.error, undefined, `${c.v.id}: ${ok.error?.kind} ${ok.error?.message}`);
      assert.deepEqual(ok.result.payload, c.v.expected_claims);
      assert.deepEqual(ok.result.protectedHeader, c.v.header);
      const late = await run(c.v.token, keys, idOptions(c.v, c.v.expired_at));
      assert.equal(late.error?.kind, 'expired');
      assert.equal(late.error?.code, 'ERR_JWT_EXPIRED');
      assert.equal(late.error?.claim, 'exp');
      if (c.v.verify_options.nonce) {
        const bad = await run(c.v.token, keys, { ...idOptions(c.v, c.v.valid_at), nonce: 'another-nonce' });
        assert.equal(bad.error?.kind, 'nonce_mismatch');
      }
      // (errata-1 A.6 has no at_hash: an absent hash passes unless required)
      if (c.v.at_hash_check && c.v.payload.at_hash) {
        const bad = await run(c.v.token, keys, { ...idOptions(c.v, c.v.valid_at), accessToken: 'not-the-access-token' });
        assert.equal(bad.error?.kind, 'at_hash_mismatch');
      }
      if (c.v.c_hash_check && c.v.payload.c_hash) {
        const bad = await run(c.v.token, keys, { ...idOptions(c.v, c.v.valid_at), code: 'not-the-code' });
        assert.equal(bad.error?.kind, 'c_hash_mismatch');
      }
    }
  });
}

test('spec: JWTs that are not ID tokens are rejected as ID tokens, after their signature verified', async () => {
  const cases = spec.filter((x) => x.kind === 'jwt' || x.kind === 'jwt_not_id_token');
  assert.ok(cases.length >= 2);
  for (const c of cases) {
    const keys = new m.JwkSet(c.v.jwks);
    const at = c.v.valid_at ?? c.v.payload?.iat ?? 1300000000;
    const options = { issuer: c.v.payload?.iss ?? 'x', clientId: 'some-client', currentDate: new Date(at * 1000) };
    for (const run of [syncOutcome, asyncOutcome]) {
      const r = await run(c.v.token, keys, options);
      assert.equal(stage(r.error), 'claims', `${c.v.id}: ${r.error?.kind}`);
    }
  }
});

test('spec: JWS with non-JSON payloads verify their signature, then fail as malformed payloads', async () => {
  const cases = spec.filter((x) => x.kind === 'jws_non_json_payload');
  assert.equal(cases.length, 3);
  for (const c of cases) {
    const keys = new m.JwkSet(c.v.jwks);
    const alg = c.v.header.alg;
    for (const run of [syncOutcome, asyncOutcome]) {
      const r = await run(c.v.token, keys, { issuer: 'x', clientId: 'y', algorithms: [alg] });
      assert.equal(r.error?.kind, 'malformed', c.v.id);
      assert.equal(r.error?.code, 'ERR_JWT_INVALID', c.v.id);
      if (alg !== 'RS256') {
        const d = await run(c.v.token, keys, { issuer: 'x', clientId: 'y' });
        assert.equal(d.error?.kind, 'alg_not_allowed', `${c.v.id}: default allow-list is RS256`);
      }
      // one flipped signature bit: now it fails at the signature
      const t = c.v.token;
      const flipped = `${t.slice(0, -2)}${t.at(-2) === 'A' ? 'B' : 'A'}${t.at(-1)}`;
      const f = await run(flipped, keys, { issuer: 'x', clientId: 'y', algorithms: [alg] });
      assert.ok(['bad_signature', 'malformed'].includes(f.error?.kind), `${c.v.id}: ${f.error?.kind}`);
    }
  }
});

test('spec: RFC 7517 key sets parse (EC keys kept as unusable), x5c is never used', () => {
  const c = spec.find((x) => x.kind === 'keys_only');
  for (const doc of Object.values(c.v).filter((x) => x && typeof x === 'object' && Array.isArray(x.keys))) {
    const keys = new m.JwkSet(doc);
    assert.equal(keys.size, doc.keys.length);
  }
});

// ---- Wycheproof JWS (json_web_signature_test.json) ----

const wy = JSON.parse(fs.readFileSync(path.join(WYCHEPROOF, 'json_web_signature_test.json'), 'utf8'));

const STRICTER = new Set([346, 350]);

test('Wycheproof JWS: RSA groups give the expected verdict on both paths; other algorithms are refused', async () => {
  let counted = 0;
  let valid = 0;
  const RSA_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
  for (const g of wy.testGroups) {
    const jwk = g.public ?? g.private;
    const rsa = jwk?.kty === 'RSA' && RSA_ALGS.includes(jwk.alg);
    // An RSA key with no alg (the encryption-key groups) is offered for every RSA algorithm.
    const algs = rsa ? [jwk.alg] : (jwk?.kty === 'RSA' ? RSA_ALGS : RSA_ALGS);
    const keys = new m.JwkSet({ keys: jwk ? [jwk] : [] });
    for (const t of g.tests) {
      const token = typeof t.jws === 'string' ? t.jws : JSON.stringify(t.jws);
      const options = { issuer: 'https://wycheproof.example', clientId: 'wycheproof', algorithms: algs };
      const s = syncOutcome(token, keys, options);
      const a = await asyncOutcome(token, keys, options);
      const where = `tcId ${t.tcId} (${g.comment}, ${t.comment})`;
      assert.equal(stage(s.error), stage(a.error), `${where}: sync ${s.error?.kind} vs async ${a.error?.kind}`);
      assert.equal(s.error?.kind, a.error?.kind, where);
      if (STRICTER.has(t.tcId)) {
        // Documented: Wycheproof calls these valid, but the key declares alg PS256 and the
        // token is PS384; our key policy lets a key's "alg" forbid other algorithms.
        const r = syncOutcome(token, keys, { ...options, algorithms: ['PS256', 'PS384'] });
        assert.equal(r.error?.kind, 'key_unusable', where);
      } else if (rsa && t.result === 'valid') {
        assert.equal(stage(s.error), 'claims', `${where}: the signature must verify (got ${s.error?.kind})`);
        valid++;
      } else {
        // invalid RSA cases, and everything not RSA (HS256, ES*, none: even Wycheproof's
        // lenient "valid" HMAC cases) must stop at or before the signature.
        assert.equal(stage(s.error), 'signature', `${where}: must be refused by check 1-4 (got ${s.error?.kind ?? 'accepted'})`);
      }
      counted++;
    }
  }
  assert.equal(counted, 401);
  assert.ok(valid >= 25, `valid RSA cases checked: ${valid}`);
});

test('Wycheproof JWS: key metadata cases are refused as unusable keys (tcIds 332, 353, 355)', () => {
  const byId = new Map();
  for (const g of wy.testGroups) for (const t of g.tests) byId.set(t.tcId, { g, t });
  for (const id of [332, 353, 355]) {
    const { g, t } = byId.get(id);
    const keys = new m.JwkSet({ keys: [g.public ?? g.private] });
    const r = syncOutcome(t.jws, keys, { issuer: 'x', clientId: 'y', algorithms: ['RS256', 'PS512'] });
    assert.equal(r.error?.kind, 'key_unusable', `tcId ${id}: ${r.error?.kind}`);
  }
});
