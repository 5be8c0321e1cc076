// Side-by-side throughput of the npm package and panva/jose in one Node process, plus the time
// from import to the first verification in a fresh process. Not a test: run it by hand.
//
//   scripts/build-pkg.sh && node bench/js/verify.mjs [--seconds 2] [--json bench/results/verify.json]
//
// Tokens: RS256, 2048-bit fixture key (tests/js/fixtures/keys.json), realistic ID token claims.
// "distinct" runs cycle through 4096 different tokens (four times what the 1000-entry
// verified-token cache holds), so every verification does the RSA work; "repeated" verifies one token again and again (memo).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLocalJWKSet, importJWK, jwtVerify } from 'jose';
import { AT, CLIENT, ISSUER, KEYS, ROOT, idToken, jwksOf } from '../../tests/js/helpers.mjs';

const args = process.argv.slice(2);
const SECONDS = Number(args[args.indexOf('--seconds') + 1] || 2) || 2;
const JSON_OUT = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;

const m = await import(path.join(ROOT, 'pkg/dist/node.mjs'));
const jwks = jwksOf(KEYS.main);
const options = { issuer: ISSUER, clientId: CLIENT, currentDate: AT };
const tokens = Array.from({ length: 4096 }, (_, i) => idToken({
  sub: `user-${i}`, email: `user-${i}@example.test`, name: 'Ada Example', nonce: `n-${i}`, auth_time: 1_799_999_000,
}));

async function measure(name, fn) {
  // warm-up: half a second (JIT tiers, WebCrypto key import, memo filling)
  const warmEnd = process.hrtime.bigint() + 500_000_000n;
  for (let i = 0; process.hrtime.bigint() < warmEnd; i++) await fn(i);
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(SECONDS * 1e9));
  let now = start;
  while (now < end) {
    for (let k = 0; k < 20; k++) await fn(n++);
    now = process.hrtime.bigint();
  }
  const secs = Number(now - start) / 1e9;
  return { name, ops: n, seconds: secs, perSecond: n / secs, microsPerOp: (secs / n) * 1e6 };
}

const keys = new m.JwkSet(jwks);
const verifier = m.createVerifier(options);
const joseSet = createLocalJWKSet(jwks);
const joseKey = await importJWK(jwks.keys[0], 'RS256');
const joseOpts = { issuer: ISSUER, audience: CLIENT, algorithms: ['RS256'], currentDate: AT };

// sanity: all agree on one token
m.verifyIdToken(tokens[0], keys, options);
await m.verifyIdTokenAsync(tokens[0], keys, options);
await jwtVerify(tokens[0], joseSet, joseOpts);

const results = [];
const run = async (name, fn) => {
  const r = await measure(name, fn);
  results.push(r);
  console.log(`${name.padEnd(58)} ${r.perSecond.toFixed(0).padStart(8)} /s  ${r.microsPerOp.toFixed(1).padStart(8)} µs`);
};

console.log(`node ${process.version}, ${SECONDS} s per row, RS256 2048-bit\n`);
await run('oidc-edge verifyIdToken (sync, wasm RSA), distinct tokens', (i) => m.verifyIdToken(tokens[i & 1023], keys, options));
await run('oidc-edge createVerifier().verify (sync), distinct tokens', (i) => verifier.verify(tokens[i & 1023], keys));
await run('oidc-edge verifyIdTokenAsync (WebCrypto), distinct tokens', (i) => m.verifyIdTokenAsync(tokens[i & 1023], keys, options));
await run('oidc-edge verifyIdToken, repeated token (memo)', () => m.verifyIdToken(tokens[7], keys, options));
await run('oidc-edge verifyIdTokenAsync, repeated token (memo)', () => m.verifyIdTokenAsync(tokens[7], keys, options));
await run('jose jwtVerify (createLocalJWKSet), distinct tokens', (i) => jwtVerify(tokens[i & 1023], joseSet, joseOpts));
await run('jose jwtVerify (imported KeyObject), distinct tokens', (i) => jwtVerify(tokens[i & 1023], joseKey, joseOpts));

// Time from import to the first verification, in fresh processes (cold module load + wasm compile).
const probe = `
const t0 = performance.now();
const m = await import(${JSON.stringify(path.join(ROOT, 'pkg/dist/node.mjs'))});
const t1 = performance.now();
const input = JSON.parse(process.argv[1]);
const keys = new m.JwkSet(input.jwks);
m.verifyIdToken(input.token, keys, { ...input.options, currentDate: new Date(input.at) });
const t2 = performance.now();
console.log(JSON.stringify({ importMs: t1 - t0, firstVerifyMs: t2 - t1, totalMs: t2 - t0 }));
`;
const input = JSON.stringify({ token: tokens[0], jwks, options: { issuer: ISSUER, clientId: CLIENT }, at: AT.getTime() });
const cold = [];
for (let i = 0; i < 7; i++) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe, input], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  cold.push(JSON.parse(r.stdout));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const coldSummary = {
  importMs: median(cold.map((c) => c.importMs)),
  firstVerifyMs: median(cold.map((c) => c.firstVerifyMs)),
  totalMs: median(cold.map((c) => c.totalMs)),
};
console.log(`\nimport -> first verify (fresh node, median of 7): import ${coldSummary.importMs.toFixed(1)} ms + first verify ${coldSummary.firstVerifyMs.toFixed(1)} ms = ${coldSummary.totalMs.toFixed(1)} ms`);

if (JSON_OUT) {
  fs.mkdirSync(path.dirname(JSON_OUT), { recursive: true });
  fs.writeFileSync(JSON_OUT, JSON.stringify({ node: process.version, seconds: SECONDS, results, cold: coldSummary, date: new Date().toISOString() }, null, 2));
}
