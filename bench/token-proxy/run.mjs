#!/usr/bin/env node
// Load-and-fault benchmark of the token proxy (NOT a test). Loopback only, bounded in time.
//
//   node bench/token-proxy/run.mjs            # builds the worker first if needed (scripts/build-worker.sh)
//   BENCH_PHASE_S=10 BENCH_CONNECTIONS=8 node bench/token-proxy/run.mjs
//   BENCH_PARTS=3 node bench/token-proxy/run.mjs   # only the parts listed (comma-separated)
//
// 1. Kill/restart: steady concurrent token requests (autocannon) through the worker (workerd via
//    miniflare, default config: 3000 ms per try, breaker 3 failures / 5 s doubling) while the
//    primary region's process is SIGKILLed and later restarted on the same port. Prints failed
//    requests and p50/p99 before / during / after, and when the primary answered again; once
//    without and once with the fleet-health Durable Object (docs/FLEET.md), whose probes bring
//    the primary back.
// 2. Time to answer with a refused primary and with a hanging primary (sequential requests on a
//    fresh worker, so the breaker starts closed).
// 3. Proxy overhead: the same token request, 1 connection, directly to the primary vs through
//    the worker, without and with the fleet-health object; and, as the floor of this setup, a
//    minimal forwarding worker (a few lines of JS: the request's body and headers to the
//    upstream) in the same workerd, so the table says how much of the overhead is the runtime's
//    and how much is ours.
import autocannon from 'autocannon';
import { Miniflare } from 'miniflare';
import net from 'node:net';
import os from 'node:os';
import { startFaultProxy } from '../../tests/support/faults.mjs';
import {
  COMPATIBILITY_DATE, basic, buildWorker, newSecrets, provision, startRegionProcess, startWorker,
} from '../../tests/support/harness.mjs';

const PHASE_S = Number(process.env.BENCH_PHASE_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const PARTS = new Set((process.env.BENCH_PARTS ?? '1,2,3').split(',').map((p) => p.trim()));
const WARM_S = 3;
buildWorker();

const regionsStarted = new Set();
process.on('exit', () => {
  for (const r of regionsStarted) r.child.kill('SIGKILL');
});

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** One region in its own process (so it can be killed), on a fixed port. */
async function startRegion(name, port) {
  const r = await startRegionProcess(name, port);
  regionsStarted.add(r);
  r.child.on('exit', () => regionsStarted.delete(r));
  return r;
}

function pct(values, p) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const header = (h, name) => {
  for (const [k, v] of Object.entries(h ?? {})) if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  return undefined;
};
const fmt = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');


// ---------------------------------------------------------------------------------------------
const secrets = newSecrets();
const pPort = await freePort();
let primary = await startRegion('primary', pPort);
const secondary = await startRegion('secondary', await freePort());
const { clients: [rec], entries } = await provision({ primary, secondary }, secrets);
const form = 'grant_type=client_credentials&scope=api%3Aread';
const headers = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(rec.client_id, rec.client_secret) };
const defaults = { UPSTREAM_TIMEOUT_MS: '3000', TOTAL_DEADLINE_MS: '8000', BREAKER_FAILURES: '3', BREAKER_OPEN_MS: '5000', BREAKER_MAX_OPEN_MS: '60000' };
/** The worker (default config) with `primaryUrl` as its primary token endpoint. */
const worker = (primaryUrl, opts = {}) => startWorker({
  vars: { OAUTH_HOST_PRIMARY: primaryUrl, OAUTH_HOST_SECONDARY: secondary.token, ...defaults }, secrets, entries, ...opts,
});
console.log(`oidc-edge token proxy benchmark: ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${CONNECTIONS} connections, ${PHASE_S} s phases`);

// 1. Kill / restart under load --------------------------------------------------------------
for (const fleet of PARTS.has('1') ? [false, true] : []) {
  const w = await worker(primary.token, { port: 0, fleet });
  const target = new URL('/oauth2/token', w.url).href;
  const samples = [];
  const upstreams = [];
  const errors = [];
  const t0 = Date.now();
  const marks = { kill: t0 + (WARM_S + PHASE_S) * 1000, restart: t0 + (WARM_S + 2 * PHASE_S) * 1000 };
  const inst = autocannon({
    url: target,
    method: 'POST',
    connections: CONNECTIONS,
    duration: WARM_S + 3 * PHASE_S + 5,
    timeout: 15,
    headers,
    body: form,
    requests: [{ method: 'POST', headers, body: form, onResponse: (status, body, ctx, h) => upstreams.push({ t: Date.now(), up: header(h, 'x-oidc-edge-upstream') }) }],
  });
  inst.on('response', (client, status, bytes, ms) => samples.push({ t: Date.now(), status, ms }));
  inst.on('reqError', (e) => errors.push({ t: Date.now(), e: String(e?.code ?? e) }));
  let killedAt, restartedAt;
  const killer = setTimeout(() => {
    primary.child.kill('SIGKILL');
    killedAt = Date.now();
  }, marks.kill - Date.now());
  const restarter = setTimeout(async () => {
    primary = await startRegion('primary', pPort);
    restartedAt = Date.now();
  }, marks.restart - Date.now());
  const result = await inst;
  clearTimeout(killer);
  clearTimeout(restarter);
  const phases = [
    ['before', t0 + WARM_S * 1000, killedAt],
    ['during (primary killed)', killedAt, restartedAt],
    ['after (restarted)', restartedAt, Infinity],
  ];
  console.log(`\n1. kill/restart under load (primary SIGKILLed, then restarted on the same port), fleet health ${fleet ? 'on' : 'off'}`);
  console.log(`   total requests ${result.requests.total}, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}, ${result.requests.average} req/s average`);
  for (const [name, from, to] of phases) {
    const s = samples.filter((x) => x.t >= from && x.t < to);
    const failed = s.filter((x) => x.status !== 200).length + errors.filter((x) => x.t >= from && x.t < to).length;
    const up = upstreams.filter((x) => x.t >= from && x.t < to);
    const by = (u) => up.filter((x) => x.up === u).length;
    console.log(`   ${name.padEnd(24)} n=${String(s.length).padStart(5)} failed=${failed}  p50 ${fmt(pct(s.map((x) => x.ms), 50))}  p99 ${fmt(pct(s.map((x) => x.ms), 99))}  max ${fmt(Math.max(...s.map((x) => x.ms)))}  primary/secondary ${by('primary')}/${by('secondary')}`);
  }
  const firstPrimaryAfter = upstreams.find((x) => x.t > restartedAt && x.up === 'primary');
  const firstSecondary = upstreams.find((x) => x.t > killedAt && x.up === 'secondary');
  console.log(`   first secondary answer ${firstSecondary ? firstSecondary.t - killedAt : 'n/a'} ms after the kill; first primary answer ${firstPrimaryAfter ? firstPrimaryAfter.t - restartedAt : 'none'} ms after the restart (${fleet ? 'the object\'s probe or the breaker\'s' : 'breaker probe'})`);
  await w.close();
}

// 2. Time to answer with a refused / hanging primary ------------------------------------------
if (PARTS.has('2')) {
  console.log('\n2. time to answer, sequential requests on a fresh worker (breaker closed, 3 failures open it)');
  // Refused: a port nothing listens on.
  const dead = `http://127.0.0.1:${await freePort()}/primary/token`;
  let w = await worker(dead);
  const mfReq = async (mf) => {
    const t = performance.now();
    const res = await mf.dispatchFetch('http://localhost/oauth2/token', { method: 'POST', headers, body: form });
    await res.arrayBuffer();
    return { ms: performance.now() - t, status: res.status, upstream: res.headers.get('x-oidc-edge-upstream') };
  };
  const refused = [];
  for (let i = 0; i < 8; i++) refused.push(await mfReq(w.mf));
  console.log(`   refused primary: ${refused.map((r) => `${r.ms.toFixed(0)}ms/${r.status}/${r.upstream}`).join('  ')}`);
  await w.close();

  const px = await startFaultProxy({ upstream: new URL(primary.token).origin, name: 'primary', mode: 'hang' });
  w = await worker(`${px.url}/primary/token`);
  const hung = [];
  for (let i = 0; i < 6; i++) hung.push(await mfReq(w.mf));
  console.log(`   hanging primary: ${hung.map((r) => `${r.ms.toFixed(0)}ms/${r.status}/${r.upstream}`).join('  ')}`);
  await w.close();
  await px.close();
}

// 3. Proxy overhead ----------------------------------------------------------------------------
if (PARTS.has('3')) {
  const direct = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(primary.client.clientId, primary.client.clientSecret) };
  // Latencies from autocannon's per-response timings (float ms; its histogram rounds to whole ms).
  const run = async (url, h) => {
    const lat = [];
    const inst = autocannon({ url, method: 'POST', connections: 1, duration: Math.max(5, PHASE_S - 2), headers: h, body: form });
    inst.on('response', (client, status, bytes, ms) => lat.push(ms));
    const r = await inst;
    return { n: r.requests.total, non2xx: r.non2xx, p50: pct(lat, 50), p99: pct(lat, 99) };
  };
  await run(primary.token, direct); // warm
  const d = await run(primary.token, direct);
  console.log('\n3. proxy overhead, 1 connection, same request (RS256 JWT access token from oidc-provider)');
  console.log(`   direct to the primary: p50 ${fmt(d.p50)}  p99 ${fmt(d.p99)}  (${d.n} requests, non-2xx ${d.non2xx})`);
  const through = {};
  for (const fleet of [false, true]) {
    const w = await worker(primary.token, { port: 0, fleet });
    const url = new URL('/oauth2/token', w.url).href;
    await run(url, headers); // warm the isolate (and, with the object, its first verdict)
    const p = await run(url, headers);
    through[fleet] = p;
    const label = fleet ? 'through the worker, fleet health on: ' : 'through the worker, fleet health off:';
    console.log(`   ${label} p50 ${fmt(p.p50)}  p99 ${fmt(p.p99)}  (${p.n} requests, non-2xx ${p.non2xx})  overhead p50 +${(p.p50 - d.p50).toFixed(1)} ms  p99 +${(p.p99 - d.p99).toFixed(1)} ms`);
    await w.close();
  }
  console.log(`   fleet health adds:     p50 ${(through[true].p50 - through[false].p50).toFixed(2)} ms  p99 ${(through[true].p99 - through[false].p99).toFixed(2)} ms`);
  // The floor: a worker that only forwards (the caller sends the upstream's own credentials).
  const mf = new Miniflare({
    modules: true,
    script: `export default { async fetch(req, env) {
      const h = new Headers({ 'content-type': req.headers.get('content-type'), authorization: req.headers.get('authorization') });
      return fetch(env.UPSTREAM, { method: 'POST', headers: h, body: await req.text() });
    } };`,
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: { UPSTREAM: primary.token },
    cf: false,
    host: '127.0.0.1',
    port: 0,
  });
  const minimal = new URL('/oauth2/token', await mf.ready).href;
  await run(minimal, direct); // warm
  const m = await run(minimal, direct);
  console.log(`   minimal forwarding worker (the floor): p50 ${fmt(m.p50)}  p99 ${fmt(m.p99)}  (${m.n} requests, non-2xx ${m.non2xx})  overhead p50 +${(m.p50 - d.p50).toFixed(1)} ms`);
  console.log(`   the worker's own share (fleet health off, over the floor): p50 +${(through[false].p50 - m.p50).toFixed(2)} ms`);
  await mf.dispose();
}

for (const r of regionsStarted) r.stop();
await new Promise((r) => setTimeout(r, 300));
process.exit(0);
