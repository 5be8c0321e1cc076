// The shared provider fixtures (tests/fixtures/providers/, see its README): ID tokens and JWT
// access tokens shaped as Google, Microsoft Entra ID, Auth0, Okta, Keycloak and Amazon Cognito
// document them, signed here with the committed test keys. Each base case must be accepted by
// the natural call (verifyAccessToken or verifyIdToken with the case's options), sync and
// async alike, and each variant refused with its kind and claim. The same tokens go to jose's
// natural call (issuer + audience), and the table of verdicts, oidc-edge beside jose, is
// written to artifacts/providers-table.md (printed as the test's diagnostics too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { ROOT, b64u, loadEsm } from './helpers.mjs';

const m = await loadEsm();
const FIXTURES = path.join(ROOT, 'tests/fixtures/providers');
const KEYS_DIR = path.join(ROOT, 'tests/vectors/keys/core');
const JWKS = JSON.parse(fs.readFileSync(path.join(KEYS_DIR, 'public-jwks.json'), 'utf8'));
const OPTION_NAMES = new Set(['profile', 'issuer', 'allowedTenants', 'anyTenant', 'clientId', 'clientIds', 'audience', 'requiredScopes', 'requiredRoles', 'nonce']);

const privateKeys = new Map();
function sign(header, claims) {
  if (!privateKeys.has(header.kid)) {
    privateKeys.set(header.kid, crypto.createPrivateKey(fs.readFileSync(path.join(KEYS_DIR, `${header.kid}.pem`))));
  }
  const input = `${b64u(header)}.${b64u(claims)}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), privateKeys.get(header.kid)).toString('base64url')}`;
}

/** RFC 7396 JSON merge patch. */
function mergePatch(target, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Every case and variant of every file: { provider, file, name, variant, token, options, kind, expect, now }. */
function loadRows() {
  const rows = [];
  for (const file of fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort()) {
    const doc = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
    for (const c of doc.cases) {
      for (const v of [{ name: 'base', expect: { valid: true } }, ...c.variants]) {
        const options = mergePatch(c.options, v.options ?? {});
        for (const k of Object.keys(options)) assert.ok(OPTION_NAMES.has(k), `${c.name}: unknown option ${k}`);
        rows.push({
          provider: doc.provider,
          file,
          name: c.name,
          variant: v.name,
          tokenKind: c.token,
          token: sign(mergePatch(c.header, v.header ?? {}), mergePatch(c.claims, v.claims ?? {})),
          options,
          expect: v.expect,
          now: doc.now,
        });
      }
    }
  }
  return rows;
}

const verdict = (fn) => {
  try { fn(); return { ok: true }; } catch (e) { return { ok: false, e }; }
};
const asyncVerdict = async (fn) => {
  try { await fn(); return { ok: true }; } catch (e) { return { ok: false, e }; }
};

/** jose's natural call: issuer (it has no templates: then none) and audience. */
async function joseVerdict(row, keys) {
  const o = row.options;
  const issuers = [o.issuer].flat();
  const audience = o.profile === 'cognito_access' ? undefined : (row.tokenKind === 'id_token' ? o.clientId ?? o.clientIds : o.audience);
  try {
    await jwtVerify(row.token, keys, {
      issuer: issuers.some((i) => i.includes('{tenantid}')) ? undefined : issuers,
      audience,
      currentDate: new Date(row.now * 1000),
    });
    return 'accepts';
  } catch (e) {
    return `rejects (${e.code})`;
  }
}

test('provider shapes: each accepted by the natural call, each variant refused with its kind; the table beside jose', async (t) => {
  const rows = loadRows();
  assert.ok(rows.length >= 70, `${rows.length} tokens`);
  const joseKeys = createLocalJWKSet(JWKS);
  const table = ['| provider | case | variant | expected | oidc-edge | jose (issuer + audience) |', '| --- | --- | --- | --- | --- | --- |'];
  const counts = { agree: 0, edgeOnly: 0, joseOnly: 0 };
  for (const row of rows) {
    const options = { ...row.options, currentDate: new Date(row.now * 1000) };
    const access = row.tokenKind === 'access_token';
    const sync = verdict(() => (access ? m.verifyAccessToken : m.verifyIdToken)(row.token, JWKS, options));
    const async_ = await asyncVerdict(() => (access ? m.verifyAccessTokenAsync : m.verifyIdTokenAsync)(row.token, JWKS, options));
    const where = `${row.name} / ${row.variant}: ${sync.ok ? 'accepted' : `${sync.e?.kind} (${sync.e?.message})`}`;
    if (!sync.ok) assert.ok(sync.e instanceof m.OidcEdgeError, `${where}: ${sync.e}`);
    if (row.expect.valid) {
      assert.ok(sync.ok, where);
    } else {
      assert.equal(sync.ok, false, where);
      assert.equal(sync.e.kind, row.expect.kind, where);
      assert.equal(sync.e.claim, row.expect.claim, where);
      if (['claim_missing', 'claim_invalid'].includes(sync.e.kind)) assert.equal(sync.e.reason, sync.e.kind === 'claim_missing' ? 'missing' : 'invalid', where);
    }
    assert.equal(async_.ok, sync.ok, `${where}: the async path agrees`);
    assert.equal(async_.e?.kind, sync.e?.kind, `${where}: the async path agrees`);
    const jose = await joseVerdict(row, joseKeys);
    if (row.variant === 'base') assert.equal(jose, 'accepts', `${row.name}: jose's natural call accepts the base shape too`);
    if (sync.ok === (jose === 'accepts')) counts.agree++;
    else if (sync.ok) counts.joseOnly++;
    else counts.edgeOnly++;
    const expected = row.expect.valid ? 'valid' : `${row.expect.kind}${row.expect.claim ? ` (${row.expect.claim})` : ''}`;
    const edge = sync.ok ? 'accepts' : `rejects: ${sync.e.kind}`;
    table.push(`| ${row.provider} | ${row.name} (${row.options.profile}) | ${row.variant} | ${expected} | ${edge} | ${jose} |`);
  }
  // jose never refuses what oidc-edge accepts: every difference is oidc-edge refusing more
  assert.equal(counts.joseOnly, 0);
  table.push('', `${rows.length} tokens: same verdict ${counts.agree}, refused by oidc-edge only ${counts.edgeOnly}, by jose only ${counts.joseOnly}.`);
  fs.mkdirSync(path.join(ROOT, 'artifacts'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'artifacts/providers-table.md'), `${table.join('\n')}\n`);
  for (const line of table) t.diagnostic(line);
});
