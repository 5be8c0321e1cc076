// One row of bench/run.sh in its own Node process: `node bench/js/row.mjs <row> <fixture.json>`.
// Commands on stdin, one per line: `warm <seconds>` and `round <seconds>`; for each round one
// JSON line on stdout: { row, ops, cpu, wall }, where cpu is the CPU time (user + system, all
// threads of this process: process.cpuUsage) the operations took. A benchmark, not a test.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [rowName, fixturePath] = process.argv.slice(2);
const fx = JSON.parse(fs.readFileSync(fixturePath, 'utf8'));
const { tokens, jwks, issuer, clientId } = fx;
const MASK = tokens.length - 1; // a power of two, larger than the package's 256-entry memo

/** Each row: setup() -> { sync, op(i) }; op(i) verifies tokens[i & MASK] (or the fixed one). */
const ROWS = {
  async 'wasm-sync'() {
    const m = await import(pathToFileURL(path.join(ROOT, 'pkg/dist/node.mjs')).href);
    const keys = new m.JwkSet(jwks);
    const options = { issuer, clientId };
    return { sync: true, op: (i) => m.verifyIdToken(tokens[i & MASK], keys, options) };
  },
  async 'host-async'() {
    const m = await import(pathToFileURL(path.join(ROOT, 'pkg/dist/node.mjs')).href);
    const keys = new m.JwkSet(jwks);
    const options = { issuer, clientId };
    return { sync: false, op: (i) => m.verifyIdTokenAsync(tokens[i & MASK], keys, options) };
  },
  async memo() {
    const m = await import(pathToFileURL(path.join(ROOT, 'pkg/dist/node.mjs')).href);
    const keys = new m.JwkSet(jwks);
    const options = { issuer, clientId };
    const token = tokens[0];
    return { sync: true, op: () => m.verifyIdToken(token, keys, options) };
  },
  async jose() {
    const { createLocalJWKSet, jwtVerify } = await import('jose');
    const set = createLocalJWKSet(jwks);
    const options = { issuer, audience: clientId, algorithms: ['RS256'] };
    return { sync: false, op: (i) => jwtVerify(tokens[i & MASK], set, options) };
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

const make = ROWS[rowName];
if (!make) throw new Error(`unknown row ${rowName}`);
const { sync, op } = await make();

// Sanity: every token verifies (and fails loudly otherwise) before anything is measured.
for (let i = 0; i <= MASK; i++) await op(i);

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
  if (cmd === 'warm') { await measure(secs); process.stdout.write('{"warm":true}\n'); }
  else if (cmd === 'round') process.stdout.write(`${JSON.stringify(await measure(secs))}\n`);
  else break;
}
process.exit(0);
