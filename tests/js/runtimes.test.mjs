// Deno and Bun (their npm packages ship the binaries): the installed package through their own
// resolution ("deno" / "bun" export conditions), sync and async verification of an RS256, an
// ES256, an ES384 and an EdDSA token, and RFC 9449's DPoP proof.
// tests/js/run.sh installs them into a cache directory; a runtime that is not there is skipped
// with the reason (the run prints which ran).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AT, CLIENT, ISSUER, algorithmCases, consumerDir, rfc9449Proof } from './helpers.mjs';

const RUNTIMES_DIR = process.env.OIDC_EDGE_RUNTIMES_DIR ?? path.join(os.tmpdir(), 'oidc-edge-runtimes');

const SCRIPT = `
import { JwkSet, verifyIdToken, verifyIdTokenAsync, verifyDpopProof, OidcEdgeError } from 'oidc-edge';
const input = JSON.parse(await (async () => {
  if (typeof Deno !== 'undefined') return Deno.readTextFile(Deno.args[0]);
  const fs = await import('node:fs');
  return fs.readFileSync(process.argv[2], 'utf8');
})());
const options = { ...input.options, currentDate: new Date(input.at) };
const out = { subjects: {} };
for (const c of input.cases) {
  const keys = new JwkSet(c.jwks);
  out.subjects[c.alg] = [verifyIdToken(c.token, keys, options).payload.sub, (await verifyIdTokenAsync(c.token, keys, options)).payload.sub];
}
const [first] = input.cases;
try { verifyIdToken(first.token, new JwkSet(first.jwks), { ...options, clientId: 'other' }); } catch (e) {
  out.error = { isClass: e instanceof OidcEdgeError, kind: e.kind, code: e.code };
}
const d = input.dpop;
out.jkt = verifyDpopProof(d.proof, { method: d.method, url: d.url, currentDate: new Date(d.at) }).jkt;
out.hasSubtle = typeof globalThis.crypto?.subtle?.verify === 'function';
console.log(JSON.stringify(out));
`;

function runtime(name) {
  const bin = path.join(RUNTIMES_DIR, 'node_modules/.bin', name);
  return fs.existsSync(bin) ? bin : undefined;
}

function prepare() {
  const dir = consumerDir();
  fs.writeFileSync(path.join(dir, 'runtime-check.mjs'), SCRIPT);
  const input = path.join(dir, 'runtime-input.json');
  fs.writeFileSync(input, JSON.stringify({
    cases: algorithmCases(), at: AT.getTime(), options: { issuer: ISSUER, clientId: CLIENT }, dpop: rfc9449Proof(),
  }));
  return { dir, input };
}

function check(r, name) {
  assert.equal(r.status, 0, `${name}: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
  const both = ['user-1', 'user-1'];
  assert.deepEqual(out, {
    subjects: { RS256: both, ES256: both, ES384: both, EdDSA: both }, hasSubtle: true,
    error: { isClass: true, kind: 'aud_mismatch', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' },
    jkt: rfc9449Proof().jkt,
  });
}

test('Deno runs the package (export condition "deno")', (t) => {
  const deno = runtime('deno');
  if (!deno) { t.skip(`deno not installed in ${RUNTIMES_DIR}`); return; }
  const { dir, input } = prepare();
  const r = spawnSync(deno, ['run', '--quiet', '--allow-read', '--allow-env', 'runtime-check.mjs', input], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  check(r, 'deno');
  const v = spawnSync(deno, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  t.diagnostic(v);
});

test('Bun runs the package (export condition "bun")', (t) => {
  const bun = runtime('bun');
  if (!bun) { t.skip(`bun not installed in ${RUNTIMES_DIR}`); return; }
  const { dir, input } = prepare();
  const r = spawnSync(bun, ['runtime-check.mjs', input], { cwd: dir, encoding: 'utf8' });
  check(r, 'bun');
  t.diagnostic(`bun ${spawnSync(bun, ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
});
