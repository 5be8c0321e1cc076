// Coordinator of bench/run.sh (see BENCHMARKS.md): one process per runtime row, rounds
// interleaved (the order rotates each round, one process measures at a time), verifies per
// CPU-second, ratios to jose and fast-jwt from the same run, min/median/max over the rounds; then cold start
// (import -> first verify in fresh processes), package sizes and the machine. Writes
// bench/results/latest.md and latest.json. A benchmark, not a test: nothing asserts on time.
//
//   node bench/js/suite.mjs --native <oidc-edge-bench-native binary>
//   env: BENCH_ROUNDS (default 5), BENCH_SECONDS (CPU seconds per row and round, default 2),
//        BENCH_ROWS (comma-separated row ids to run, e.g. "jose,memo"; default all)
import { execSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { RATIO_GOALS, median } from './goals.mjs';
import { mintFixture } from './tokens.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.join(ROOT, 'bench/results');
const args = process.argv.slice(2);
const arg = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const NATIVE = arg('--native');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const SECONDS = Number(process.env.BENCH_SECONDS || 2);
fs.mkdirSync(OUT, { recursive: true });

// ---- the tokens (bench/js/tokens.mjs): RS256, ES256, EdDSA ID tokens, 4096 variants each ----

const fixture = mintFixture();
const { issuer, clientId, now } = fixture;
const { jwks, tokens } = fixture.sets.RS256;
const pubJwk = jwks.keys[0];
const fixtureJson = path.join(OUT, 'fixture.json');
const fixtureTxt = path.join(OUT, 'fixture.txt');
fs.writeFileSync(fixtureJson, JSON.stringify(fixture));
fs.writeFileSync(fixtureTxt, [now, issuer, clientId, JSON.stringify(jwks), ...tokens, ''].join('\n'));

// ---- rows: [id, label]; ids of bench/js/row.mjs (`kind@ALG` for ES256 / EdDSA) ----

const ALL_ROWS = [
  ['native-token', 'oidc-edge native: `Verifier::verify` (full token)'],
  ['native-raw', 'oidc-edge native: raw RSA (`sig^e mod n` only)'],
  ['wasm-sync', 'oidc-edge wasm: `verifyIdToken` (sync, wasm RSA)'],
  ['host-async', 'oidc-edge: `verifyIdTokenAsync` (host crypto)'],
  ['memo', 'oidc-edge: `verifyIdToken`, repeated token (verified-token cache)'],
  ['memo-async', 'oidc-edge: `verifyIdTokenAsync`, repeated token (verified-token cache)'],
  ['jose', 'jose 6 `jwtVerify` (createLocalJWKSet)'],
  ['fast-jwt', 'fast-jwt 6 `createVerifier({ key })` (no cache)'],
  ['fast-jwt-cache', 'fast-jwt 6 `createVerifier({ key, cache: true })`, repeated token'],
  ['aws', 'aws-jwt-verify 5 `JwtRsaVerifier.verify` (cached JWKS)'],
  ['node-raw', 'node:crypto `crypto.verify` (raw, cached KeyObject)'],
  ['openssl', '`openssl speed rsa2048` verify'],
  ...['ES256', 'EdDSA'].flatMap((alg) => [
    [`wasm-sync@${alg}`, `${alg}: oidc-edge \`verifyIdToken\` (sync, wasm)`],
    [`host-async@${alg}`, `${alg}: oidc-edge \`verifyIdTokenAsync\``],
    [`jose@${alg}`, `${alg}: jose 6 \`jwtVerify\``],
    [`fast-jwt@${alg}`, `${alg}: fast-jwt 6 (no cache)`],
  ]),
];
// Deno and Bun (the versions tests/js/run.sh installs into OIDC_EDGE_RUNTIMES_DIR, default
// ~/.cache/oidc-edge-runtimes): the first-seen RS256 rows that use node:crypto, where installed.
const RUNTIMES_DIR = process.env.OIDC_EDGE_RUNTIMES_DIR || path.join(os.homedir(), '.cache/oidc-edge-runtimes');
const RUNTIME_CMD = {
  deno: (file) => [path.join(RUNTIMES_DIR, 'node_modules/.bin/deno'), ['run', '-A', file]],
  bun: (file) => [path.join(RUNTIMES_DIR, 'node_modules/.bin/bun'), [file]],
};
for (const rt of Object.keys(RUNTIME_CMD)) {
  if (!fs.existsSync(RUNTIME_CMD[rt]('')[0])) continue;
  ALL_ROWS.push(
    [`host-async:${rt}`, `${rt}: oidc-edge \`verifyIdTokenAsync\``],
    [`fast-jwt:${rt}`, `${rt}: fast-jwt 6 (no cache)`],
    [`memo:${rt}`, `${rt}: oidc-edge \`verifyIdToken\`, repeated token`],
    [`fast-jwt-cache:${rt}`, `${rt}: fast-jwt 6 with its cache, repeated token`],
  );
}
const ONLY = process.env.BENCH_ROWS ? new Set(process.env.BENCH_ROWS.split(',')) : undefined;
const ROWS = ALL_ROWS.filter(([id]) => !ONLY || ONLY.has(id) || (id.startsWith('native') && ONLY.has('native')));
const wanted = (id) => ROWS.some(([r]) => r === id);
/** The peers a row is compared with: jose and fast-jwt of the same algorithm (the cached
 *  fast-jwt for the repeated-token rows). */
const algOf = (id) => id.split(':')[0].split('@')[1];
const runtimeOf = (id) => id.split(':')[1];
const peer = (name, id) => `${name}${algOf(id) ? `@${algOf(id)}` : ''}${runtimeOf(id) ? `:${runtimeOf(id)}` : ''}`;
const fastPeer = (id) => (id.startsWith('memo') ? peer('fast-jwt-cache', id) : peer('fast-jwt', id));

class Child {
  constructor(cmd, argv, rows) {
    this.rows = rows;
    this.proc = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = readline.createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }
  async send(cmd, count) {
    this.proc.stdin.write(`${cmd}\n`);
    const out = [];
    for (let k = 0; k < count; k++) {
      const { value, done } = await this.lines.next();
      if (done) throw new Error(`${this.rows.join(',')}: process ended`);
      out.push(JSON.parse(value));
    }
    return out;
  }
  close() { this.proc.stdin.end(); }
}

function opensslRound(secs) {
  const r = spawnSync('openssl', ['speed', '-seconds', String(Math.max(1, Math.round(secs))), 'rsa2048'], { encoding: 'utf8' });
  const m = /^rsa\s+2048 bits\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/m.exec(r.stdout || '');
  if (!m) return undefined;
  return { row: 'openssl', perCpuSecond: Number(m[2]) }; // openssl divides by CPU (user) time
}

const loadBefore = os.loadavg();
console.log(`bench: ${ROUNDS} rounds x ${SECONDS} CPU-s per row; load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}; token ${tokens[0].length} octets`);
const children = [];
for (const [id] of ROWS) {
  if (id.startsWith('native') || id === 'openssl') continue;
  const file = path.join(ROOT, 'bench/js/row.mjs');
  const [cmd, argv] = runtimeOf(id) ? RUNTIME_CMD[runtimeOf(id)](file) : [process.execPath, [file]];
  children.push(new Child(cmd, [...argv, id, fixtureJson], [id]));
}
if (!wanted('native-token')) { /* not requested */ } else if (NATIVE && fs.existsSync(NATIVE)) children.push(new Child(NATIVE, [fixtureTxt], ['native-token', 'native-raw']));
else console.log('bench: no native binary (--native): native rows skipped');
const haveOpenssl = wanted('openssl') && spawnSync('openssl', ['version']).status === 0;

const samples = Object.fromEntries(ROWS.map(([id]) => [id, []]));
const hostCrypto = {};
for (const c of children) {
  const [w] = await c.send(`warm ${Math.max(0.5, SECONDS / 2)}`, 1);
  hostCrypto[c.rows[0]] = w.hostCrypto;
}
for (let r = 0; r < ROUNDS; r++) {
  const order = [...children.map((c) => ({ c })), ...(haveOpenssl ? [{ openssl: true }] : [])];
  const rotated = order.slice(r % order.length).concat(order.slice(0, r % order.length));
  for (const step of rotated) {
    if (step.openssl) {
      const s = opensslRound(SECONDS);
      if (s) samples.openssl.push(s.perCpuSecond);
      continue;
    }
    for (const s of await step.c.send(`round ${SECONDS}`, step.c.rows.length)) samples[s.row].push(s.ops / s.cpu);
  }
  process.stdout.write(`  round ${r + 1}/${ROUNDS} done\n`);
}
for (const c of children) c.close();
const loadAfter = os.loadavg();

const stats = {};
for (const [id] of ROWS) {
  const xs = samples[id];
  if (xs.length) stats[id] = { min: Math.min(...xs), median: median(xs), max: Math.max(...xs), samples: xs };
}

// ---- cold start: import -> first verify, fresh processes ----

const probe = `
const t0 = performance.now();
const m = await import(${JSON.stringify(path.join(ROOT, 'pkg/dist/node.mjs'))});
const t1 = performance.now();
const fx = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(fixtureJson)}, 'utf8'));
const t2 = performance.now();
const keys = new m.JwkSet(fx.sets.RS256.jwks);
m.verifyIdToken(fx.sets.RS256.tokens[0], keys, { issuer: fx.issuer, clientId: fx.clientId });
const t3 = performance.now();
console.log(JSON.stringify({ importMs: t1 - t0, firstVerifyMs: t3 - t2, totalMs: (t1 - t0) + (t3 - t2) }));
`.replace('require(', "(await import('node:module')).createRequire(import.meta.url)(");
const cold = [];
for (let i = 0; i < 9; i++) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  cold.push(JSON.parse(r.stdout));
}
const coldStat = (k) => { const xs = cold.map((c) => c[k]); return { min: Math.min(...xs), median: median(xs), max: Math.max(...xs) }; };
const coldSummary = { importMs: coldStat('importMs'), firstVerifyMs: coldStat('firstVerifyMs'), totalMs: coldStat('totalMs') };

// ---- sizes ----

const brotli = (buf) => zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length;
const gzip = (buf) => zlib.gzipSync(buf, { level: 9 }).length;
const pkgJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'pkg/package.json'), 'utf8'));
const codeFiles = pkgJson.files.filter((f) => /\.(wasm|js|cjs|mjs)$/.test(f));
const sizes = codeFiles.map((f) => {
  const buf = fs.readFileSync(path.join(ROOT, 'pkg', f));
  return { file: f, raw: buf.length, gzip: gzip(buf), brotli: brotli(buf) };
});
const sum = (rows, k) => rows.reduce((a, r) => a + r[k], 0);
// What one runtime loads: the shared .wasm and that runtime's entry (one bundled module: glue + API).
const nodeLoad = sizes.filter((s) => ['dist/oidc_edge_wasm_bg.wasm', 'dist/node.mjs'].includes(s.file));
const browserLoad = sizes.filter((s) => ['dist/oidc_edge_wasm_bg.wasm', 'dist/browser.mjs'].includes(s.file));

// ---- machine ----

const sh = (cmd) => { try { return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return 'n/a'; } };
const machine = {
  nproc: sh('nproc'), lscpu: sh('lscpu | head -n 15'), node: process.version, rustc: sh('rustc --version'),
  openssl: sh('openssl version'), git: sh(`git -C ${JSON.stringify(ROOT)} rev-parse --short HEAD`) + (sh(`git -C ${JSON.stringify(ROOT)} status --porcelain -- src wasm pkg Cargo.toml`) ? ' (+ local changes)' : ''),
  loadBefore, loadAfter, date: new Date().toISOString(),
};

// ---- report ----

const k = (x) => (x >= 10000 ? `${(x / 1000).toFixed(1)}k` : x >= 1000 ? `${(x / 1000).toFixed(2)}k` : x.toFixed(0));
const lines = [];
lines.push(`Run ${machine.date} at ${machine.git}; ${ROUNDS} rounds x ${SECONDS} CPU-s per row; load average ${loadBefore.map((l) => l.toFixed(2)).join(' / ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' / ')} after; ${machine.nproc} CPUs; node ${machine.node}; ${machine.rustc}; ${machine.openssl}.`);
lines.push(`Tokens: ID tokens signed with RS256 (2048-bit key \`${pubJwk.kid}\`, tests/js/fixtures/keys.json; ${tokens[0].length} octets), ES256 and EdDSA (keys made at the start of the run; ${fixture.sets.ES256.tokens[0].length} and ${fixture.sets.EdDSA.tokens[0].length} octets); 4096 variants of equal length cycled per algorithm (four times what the package's cache and fast-jwt's hold: with 1024, the package's second-chance eviction kept a growing share of them, so its first-seen rows hit the cache), one fixed token for the repeated-token rows. Ratios: to jose and to fast-jwt without cache of the same algorithm (repeated-token rows: to fast-jwt with its cache).`);
const hostNotes = Object.entries(hostCrypto).filter(([id]) => id.startsWith('host-async') || id === 'memo-async');
if (hostNotes.length) lines.push(`Crypto of the async rows (node:crypto.verify calls while verifying each of the 4096 tokens once before measuring): ${hostNotes.map(([id, n]) => `\`${id}\` ${n} (${n ? 'node:crypto' : 'the core\'s wasm crypto'})`).join(', ')}.`);
lines.push('');
lines.push('| row | verifies / CPU-s (median) | min | max | µs / verify | vs jose | vs fast-jwt |');
lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
const ratioText = (id, other) => (stats[id] && stats[other] ? `${(stats[id].median / stats[other].median).toFixed(2)}x` : 'n/a');
for (const [id, label] of ROWS) {
  const s = stats[id];
  if (!s) { lines.push(`| ${label} | n/a | | | | | |`); continue; }
  lines.push(`| ${label} | ${k(s.median)} | ${k(s.min)} | ${k(s.max)} | ${(1e6 / s.median).toFixed(1)} | ${ratioText(id, peer('jose', id))} | ${ratioText(id, fastPeer(id))} |`);
}
lines.push('');
lines.push(`Cold start (fresh \`node\`, ${cold.length} runs, min / median / max): import of pkg/dist/node.mjs ${coldSummary.importMs.min.toFixed(1)} / ${coldSummary.importMs.median.toFixed(1)} / ${coldSummary.importMs.max.toFixed(1)} ms; first \`new JwkSet\` + \`verifyIdToken\` ${coldSummary.firstVerifyMs.min.toFixed(1)} / ${coldSummary.firstVerifyMs.median.toFixed(1)} / ${coldSummary.firstVerifyMs.max.toFixed(1)} ms; **import -> first verify ${coldSummary.totalMs.median.toFixed(1)} ms** (median; min ${coldSummary.totalMs.min.toFixed(1)}, max ${coldSummary.totalMs.max.toFixed(1)}).`);
lines.push('');
lines.push('| package file | raw | gzip -9 | brotli 11 |');
lines.push('| --- | ---: | ---: | ---: |');
for (const s of sizes) lines.push(`| pkg/${s.file} | ${s.raw} | ${s.gzip} | ${s.brotli} |`);
lines.push(`| **Node ESM load** (.wasm + node.mjs) | ${sum(nodeLoad, 'raw')} | ${sum(nodeLoad, 'gzip')} | **${sum(nodeLoad, 'brotli')}** |`);
lines.push(`| **browser load** (.wasm + browser.mjs) | ${sum(browserLoad, 'raw')} | ${sum(browserLoad, 'gzip')} | **${sum(browserLoad, 'brotli')}** |`);
lines.push(`| **all wasm + JS files of the package** (each compressed alone) | ${sum(sizes, 'raw')} | ${sum(sizes, 'gzip')} | **${sum(sizes, 'brotli')}** |`);
lines.push('');
// Goals of issue 5, judged on this run's figures.
const ratio = (a, b) => (stats[a] && stats[b] ? stats[a].median / stats[b].median : undefined);
const goal = (name, value, target, fmt, met) => lines.push(`| ${name} | ${value === undefined ? 'n/a' : fmt(value)} | ${target} | ${value === undefined ? 'n/a' : met(value) ? 'met' : '**not met**'} |`);
const x = (v) => `${v.toFixed(2)}x`;
lines.push('| goal (issue 15) | this run | target | |');
lines.push('| --- | ---: | ---: | --- |');
for (const [name, row, peerRow, target] of RATIO_GOALS) {
  if (stats[row] && stats[peerRow]) goal(name, ratio(row, peerRow), `>= ${target}x`, x, (v) => v >= target);
}
goal('5. import -> first verify (median, wall clock)', coldSummary.totalMs.median, '<= 10 ms', (v) => `${v.toFixed(1)} ms`, (v) => v <= 10);
goal('7. one runtime\'s load (Node ESM: .wasm + node.mjs), brotli', sum(nodeLoad, 'brotli'), '<= 60 KB (RSA only), <= 75 KB with ES256 + EdDSA', (v) => `${(v / 1000).toFixed(1)} KB`, (v) => v <= 60000);
lines.push('');
lines.push('Machine (`lscpu | head`):');
lines.push('');
lines.push('```');
lines.push(machine.lscpu);
lines.push('```');
lines.push('');
const md = `${lines.join('\n')}\n`;
fs.writeFileSync(path.join(OUT, 'latest.md'), md);
fs.writeFileSync(path.join(OUT, 'latest.json'), JSON.stringify({ machine, rounds: ROUNDS, seconds: SECONDS, tokenOctets: tokens[0].length, stats, hostCrypto, cold, coldSummary, sizes }, null, 2));
console.log(`\n${md}`);
console.log(`bench: wrote ${path.relative(ROOT, path.join(OUT, 'latest.md'))} and latest.json`);
