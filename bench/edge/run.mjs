#!/usr/bin/env node
// /verify latency of the edge worker (workerd through miniflare, loopback only, bounded):
//   1. warm keys: autocannon for DURATION s at CONNECTIONS connections, one valid primary token;
//   2. right after a key rotation at the primary: the first request (it pays for the one
//      refetch), then a burst at CONNECTIONS connections started at once with the new kid, then
//      a steady run; JWKS requests counted at the primary's proxy;
//   3. floor: GET /healthz (no verification) under the same load;
//   4. sequential: 1000 requests one after another, timed with hrtime (sub-ms), warm and from
//      the first request after a rotation.
// Builds the worker first when needed (scripts/build-worker.sh; OIDC_EDGE_WORKER_BUILD=DIR to use another).
//   node bench/edge/run.mjs [--duration 10] [--connections 10] [--json bench/results/edge.json]
import * as fs from 'node:fs';
import * as path from 'node:path';
import autocannon from 'autocannon';
import {
  ROOT, buildWorker, newSecrets, provision, regionToken, sleep, startRegions, startWorker, workerVars,
} from '../../tests/support/harness.mjs';

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const DURATION = Number(opt('duration', '10'));
const CONNECTIONS = Number(opt('connections', '10'));
const OUT = opt('json', path.join(ROOT, 'bench', 'results', 'edge-verify.json'));

function load(url, { duration = DURATION, connections = CONNECTIONS, token, method = 'POST', path: p = '/verify', amount } = {}) {
  return new Promise((resolve, reject) => {
    const o = { url: url + p, method, connections, headers: token ? { authorization: `Bearer ${token}` } : {} };
    if (amount) o.amount = amount;
    else o.duration = duration;
    autocannon(o, (err, r) => (err ? reject(err) : resolve(r)));
  });
}

const summary = (r) => ({
  requests: r.requests.total,
  rps: Math.round(r.requests.average),
  p50_ms: r.latency.p50,
  p90_ms: r.latency.p90,
  p99_ms: r.latency.p99,
  max_ms: r.latency.max,
  non2xx: r.non2xx,
  errors: r.errors,
  timeouts: r.timeouts,
});

/** N sequential requests over one kept-alive connection, timed with hrtime (sub-ms). */
async function sequential(url, token, n = 1000) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    const r = await fetch(`${url}/verify`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    await r.arrayBuffer();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 200) throw new Error(`sequential: HTTP ${r.status}`);
  }
  ms.sort((a, b) => a - b);
  const q = (p) => Math.round(ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] * 1000) / 1000;
  return { requests: n, p50_ms: q(0.5), p90_ms: q(0.9), p99_ms: q(0.99), max_ms: q(1) };
}

async function timed(fn) {
  const t = process.hrtime.bigint();
  const v = await fn();
  return { v, ms: Number(process.hrtime.bigint() - t) / 1e6 };
}

buildWorker();
const regions = await startRegions();
const secrets = newSecrets();
const { entries } = await provision(regions, secrets);
const cooldown = 2;
const worker = await startWorker({
  vars: workerVars(regions, { JWKS_COOLDOWN_S: String(cooldown) }),
  secrets,
  entries,
  port: 0,
});
const jwksHits = () => regions.primary.px.requestsTo('/jwks').length;
const results = { date: new Date().toISOString(), duration_s: DURATION, connections: CONNECTIONS, cpus: (await import('node:os')).cpus().length };
try {
  const token = await regionToken(regions.primary);
  // Warm: the first request fetches the keys; then keys and client mapping are in isolate memory.
  const first = await timed(() => worker.verify(token));
  if (first.v.status !== 200) throw new Error(`first verify: ${first.v.text}`);
  results.cold_first_request_ms = Math.round(first.ms * 10) / 10;
  await load(worker.url, { token, duration: 2 }); // warm-up, not reported
  results.floor_healthz = summary(await load(worker.url, { method: 'GET', path: '/healthz' }));
  results.warm_verify = summary(await load(worker.url, { token }));
  results.warm_verify_sequential = await sequential(worker.url, token);

  // Rotation: new key signs; the worker has never seen its kid.
  regions.primary.px.clear();
  await regions.primary.op.rotateKey();
  await sleep(cooldown * 1000 + 200);
  const rotated = await regionToken(regions.primary);
  const one = await timed(() => worker.verify(rotated));
  if (one.v.status !== 200) throw new Error(`after rotation: ${one.v.text}`);
  results.after_rotation_first_request_ms = Math.round(one.ms * 10) / 10;
  results.after_rotation_first_request_jwks_fetches = jwksHits();

  // A second rotation, then a burst of CONNECTIONS at once with the new kid.
  regions.primary.px.clear();
  await regions.primary.op.rotateKey();
  await sleep(cooldown * 1000 + 200);
  const rotated2 = await regionToken(regions.primary);
  results.after_rotation_burst = summary(await load(worker.url, { token: rotated2, amount: CONNECTIONS * 20 }));
  results.after_rotation_burst_jwks_fetches = jwksHits();
  results.after_rotation_steady = summary(await load(worker.url, { token: rotated2 }));
  // And a third rotation measured request by request from the first one on.
  regions.primary.px.clear();
  await regions.primary.op.rotateKey();
  await sleep(cooldown * 1000 + 200);
  const rotated3 = await regionToken(regions.primary);
  results.after_rotation_sequential = await sequential(worker.url, rotated3);
  results.after_rotation_sequential_jwks_fetches = jwksHits();
} finally {
  await worker.close();
  await regions.close();
}
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, JSON.stringify(results, null, 2) + '\n');
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
