// One row of bench/run.sh in its own process: `node bench/js/row.mjs <row>[@ALG][:RUNTIME] <fixture.json>`
// (ALG: RS256 by default, ES256, EdDSA; RUNTIME: node by default, or deno / bun, which run this
// same file). Commands on stdin, one per line: `warm <seconds>` (answers
// `{ warm, hostCrypto }`: how many node:crypto.verify calls the sanity pass made, so the report
// can say which crypto an async row used) and `round <seconds>`; for each round one JSON line on
// stdout: { row, ops, cpu, wall }, where cpu is the CPU time (user + system, all threads of this
// process: process.cpuUsage) the operations took. A benchmark, not a test.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [rowName, fixturePath] = process.argv.slice(2);
// `kind@ALG:runtime`: the runtime (deno, bun) is the suite's business (it starts this file there).
const [kind, alg = 'RS256'] = rowName.split(':')[0].split('@');
const fx = JSON.parse(fs.readFileSync(fixturePath, 'utf8'));
const { issuer, clientId } = fx;
const { tokens, jwks } = fx.sets[alg];
const MASK = tokens.length - 1; // a power of two, larger than the package's memo and cache
const pem = () => crypto.createPublicKey({ key: jwks.keys[0], format: 'jwk' }).export({ type: 'spki', format: 'pem' });
const pkg = () => import(pathToFileURL(path.join(ROOT, 'pkg/dist/node.mjs')).href);

/** The package's calls: a JwkSet parsed once, the same options object every call. */
async function oidcEdge(call, repeated) {
  const m = await pkg();
  const keys = new m.JwkSet(jwks);
  const options = { issuer, clientId };
  const verify = m[call];
  if (repeated) { const token = tokens[0]; return (_) => verify(token, keys, options); }
  return (i) => verify(tokens[i & MASK], keys, options);
}

/** fast-jwt's verifier on the key's PEM: `cache: true` is its default cache (1000 entries,
 *  keyed by its default cacheKeyBuilder, a hash of the token). */
async function fastJwt(cache) {
  const { createVerifier } = createRequire(import.meta.url)('fast-jwt');
  return createVerifier({ key: pem(), algorithms: [alg], allowedIss: issuer, allowedAud: clientId, ...(cache ? { cache: true } : {}) });
}

/** Each row: setup() -> { sync, op(i) }; op(i) verifies tokens[i & MASK] (or the fixed one). */
const ROWS = {
  'wasm-sync': async () => ({ sync: true, op: await oidcEdge('verifyIdToken', false) }),
  'host-async': async () => ({ sync: false, op: await oidcEdge('verifyIdTokenAsync', false) }),
  memo: async () => ({ sync: true, op: await oidcEdge('verifyIdToken', true) }),
  'memo-async': async () => ({ sync: false, op: await oidcEdge('verifyIdTokenAsync', true) }),
  async jose() {
    const { createLocalJWKSet, jwtVerify } = await import('jose');
    const set = createLocalJWKSet(jwks);
    const options = { issuer, audience: clientId, algorithms: [alg] };
    return { sync: false, op: (i) => jwtVerify(tokens[i & MASK], set, options) };
  },
  async 'fast-jwt'() {
    const verify = await fastJwt(false);
    return { sync: true, op: (i) => verify(tokens[i & MASK]) };
  },
  async 'fast-jwt-cache'() {
    const verify = await fastJwt(true);
    const token = tokens[0];
    return { sync: true, op: () => verify(token) };
  },
  async aws() {
    const { JwtRsaVerifier } = await import('aws-jwt-verify');
    const verifier = JwtRsaVerifier.create({ issuer, audience: clientId, jwksUri: `${issuer}/jwks` });
    verifier.cacheJwks(jwks); // hydrated locally: no network
    return { sync: false, op: (i) => verifier.verify(tokens[i & MASK]) };
  },
  async 'node-raw'() {
    const key = crypto.createPublicKey({ key: jwks.keys[0], format: 'jwk' });
    const data = tokens.map((t) => Buffer.from(t.slice(0, t.lastIndexOf('.'))));
    const sigs = tokens.map((t) => Buffer.from(t.slice(t.lastIndexOf('.') + 1), 'base64url'));
    return {
      sync: true,
      op: (i) => { if (!crypto.verify('sha256', data[i & MASK], key, sigs[i & MASK])) throw new Error('bad signature'); },
    };
  },
};

const make = ROWS[kind];
if (!make) throw new Error(`unknown row ${rowName}`);
const { sync, op } = await make();

// Sanity: every token verifies (and fails loudly otherwise) before anything is measured; the
// node:crypto.verify calls it makes are counted (the object the package gets from
// process.getBuiltinModule), then the counter is removed again.
const hostCrypto = createRequire(import.meta.url)('node:crypto');
const realVerify = hostCrypto.verify;
let hostCalls = 0;
try { hostCrypto.verify = (...a) => { hostCalls++; return realVerify(...a); }; } catch { hostCalls = -1; /* read-only: not counted */ }
for (let i = 0; i <= MASK; i++) await op(i);
if (hostCalls >= 0) hostCrypto.verify = realVerify;

const cpuNow = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

async function measure(secs) {
  const c0 = cpuNow();
  const w0 = performance.now();
  let n = 0;
  let used = 0;
  if (sync) {
    do { for (let k = 0; k < 32; k++) op(n++); used = cpuNow() - c0; } while (used < secs);
  } else {
    do { for (let k = 0; k < 32; k++) await op(n++); used = cpuNow() - c0; } while (used < secs);
  }
  return { row: rowName, ops: n, cpu: used, wall: (performance.now() - w0) / 1000 };
}

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const [cmd, s] = line.trim().split(/\s+/);
  const secs = Number(s) || 1;
  if (cmd === 'warm') { await measure(secs); process.stdout.write(`${JSON.stringify({ warm: true, hostCrypto: hostCalls })}\n`); }
  else if (cmd === 'round') process.stdout.write(`${JSON.stringify(await measure(secs))}\n`);
  else break;
}
process.exit(0);
