#!/usr/bin/env node
// Start-up of the worker beside a minimal workers-rs worker (NOT a test). Loopback only.
//
//   node bench/worker-start/run.mjs [--rounds 7] [--warm 50] [--also NAME=DIR ...]
//
// --also adds another build of the worker (a scripts/build-worker.sh output directory, e.g. of
// an older commit) to the comparison, served with the same configuration.
//
// Both are built by scripts/build-worker.sh (the minimal one, bench/worker-start/minimal, with
// OIDC_EDGE_WORKER_CRATE: the same profile and wasm-opt flags). Each round, for each worker in
// turn, a fresh workerd (miniflare) starts with it and serves one request, then `--warm` more:
//   ready      new Miniflare() until it listens: workerd starts, compiles the wasm, loads the module
//   first      the first request after that: a fresh isolate's first answer (the worker builds
//              its state: our configuration is read and checked then)
//   total      ready + first: time to first response
//   warm       median of the requests after the first
// The worker answers GET /healthz under a configuration like the tests' (nothing is fetched);
// the minimal one answers any path. Medians over the rounds; the spread is min..max.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { BUILD, COMPATIBILITY_DATE, ROOT, newSecrets, tmpdir } from '../../tests/support/harness.mjs';

const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const ROUNDS = arg('rounds', 7);
const also = process.argv.flatMap((a, i) => (a === '--also' ? [process.argv[i + 1]] : []))
  .map((spec) => {
    const [name, dir] = spec.split('=');
    return { name, build: path.resolve(dir), path: '/healthz', bindings: null, kv: true };
  });
const WARM = arg('warm', 50);

/** scripts/build-worker.sh with `env`, its output on stderr (stdout is the result). */
function build(env) {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'build-worker.sh')], {
    stdio: ['ignore', process.stderr, process.stderr],
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`scripts/build-worker.sh failed (${JSON.stringify(env)})`);
}
build({ OIDC_EDGE_WORKER_BUILD: BUILD });
const minimalBuild = path.join(tmpdir('oidc-edge-minimal-'), 'build');
const crate = path.join(ROOT, 'bench', 'worker-start', 'minimal');
build({ OIDC_EDGE_WORKER_CRATE: crate, OIDC_EDGE_WORKER_BUILD: minimalBuild, OIDC_EDGE_FORCE_BUILD: '1' });

const loop = 'http://127.0.0.1:9';
const vars = {
  OAUTH_HOST_PRIMARY: `${loop}/primary/token`,
  OAUTH_HOST_SECONDARY: `${loop}/secondary/token`,
  REGION_MODE: 'separate',
  ISSUER_PRIMARY: `${loop}/primary`,
  ISSUER_SECONDARY: `${loop}/secondary`,
  JWKS_URL_PRIMARY: `${loop}/primary/jwks`,
  JWKS_URL_SECONDARY: `${loop}/secondary/jwks`,
  VERIFY_PROFILE: 'at_jwt', // valid for older builds too (the profile had no default)
  VERIFY_AUDIENCE: 'https://api.example.test',
  ...newSecrets(),
};
const workers = [
  { name: 'oidc-edge worker', build: BUILD, path: '/healthz', bindings: vars, kv: true },
  ...also.map((w) => ({ ...w, bindings: vars })),
  { name: 'minimal workers-rs worker', build: minimalBuild, path: '/', bindings: {}, kv: false },
];

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function once(w) {
  const t0 = now();
  const mf = new Miniflare({
    modules: true,
    scriptPath: path.join(w.build, 'index.js'),
    modulesRoot: w.build,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: COMPATIBILITY_DATE,
    cf: false,
    bindings: w.bindings,
    handleRuntimeStdio(stdout, stderr) {
      // The worker's log lines are not the benchmark's output.
      stdout.resume();
      stderr.resume();
    },
    ...(w.kv ? { kvNamespaces: { CLIENTS: `clients-${process.pid}` }, kvPersist: false } : {}),
  });
  try {
    await mf.ready;
    const t1 = now();
    const res = await mf.dispatchFetch(`http://edge.test${w.path}`);
    await res.text();
    const t2 = now();
    if (res.status !== 200) throw new Error(`${w.name}: ${res.status}`);
    const warm = [];
    for (let i = 0; i < WARM; i++) {
      const s = now();
      await (await mf.dispatchFetch(`http://edge.test${w.path}`)).text();
      warm.push(now() - s);
    }
    return { ready: t1 - t0, first: t2 - t1, total: t2 - t0, warm: median(warm) };
  } finally {
    await mf.dispose();
  }
}

const runs = new Map(workers.map((w) => [w.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const w of workers) runs.get(w.name).push(await once(w));
}

const out = {
  date: new Date().toISOString(),
  rounds: ROUNDS,
  cpus: os.cpus().length,
  loadavg: os.loadavg().map((x) => Math.round(x * 10) / 10),
  workers: {},
};
for (const w of workers) {
  const rs = runs.get(w.name);
  const wasm = fs.readFileSync(path.join(w.build, 'index_bg.wasm'));
  const stat = (k) => {
    const xs = rs.map((x) => x[k]);
    const f = (v) => Math.round(v * 100) / 100;
    return { median_ms: f(median(xs)), min_ms: f(Math.min(...xs)), max_ms: f(Math.max(...xs)) };
  };
  out.workers[w.name] = {
    wasm_bytes: wasm.length,
    ready: stat('ready'),
    first: stat('first'),
    total: stat('total'),
    warm: stat('warm'),
  };
}
fs.rmSync(path.dirname(minimalBuild), { recursive: true, force: true });
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
