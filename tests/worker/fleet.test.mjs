// Fleet health in workerd (miniflare): two instances of the built worker (separate isolates of
// one location, sharing KV and the Cache API) and the FleetHealth Durable Object with its alarms,
// against two real oidc-provider regions behind fault proxies. The Cron Trigger is fired
// explicitly (the scheduled handler). Timings are bounded generously: these tests show what
// happens, bench/fleet and bench/token-proxy measure how fast.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newSecrets, provision, sleep, startRegions, startWorker, workerBuilt, workerVars } from '../support/harness.mjs';

const T = { timeout: 90_000 };
if (!workerBuilt()) throw new Error('the worker is not built: run tests/worker/run.sh (bash scripts/build-worker.sh)');

/** The documented worst case of a revocation reaching a busy isolate (docs/FLEET.md): two refresh intervals. */
const REVOCATION_WINDOW_MS = 4_000;
/** Generous bound for anything "within seconds" on a loaded 2-core machine. */
const PATIENCE_MS = 30_000;

let regions, secrets, client;
const vars = () => workerVars(regions, { UPSTREAM_TIMEOUT_MS: '1500', TOTAL_DEADLINE_MS: '6000', BREAKER_FAILURES: '2', BREAKER_OPEN_MS: '30000', BREAKER_MAX_OPEN_MS: '60000' });
const app = () => ({ id: client.client_id, secret: client.client_secret });
const tokenPosts = (region) => region.px.requestsTo('/token').filter((r) => r.method === 'POST');
const upstream = (r) => r.headers.get('x-oidc-edge-upstream');

/** Repeats `step` (every 300 ms) until it returns something truthy; fails after PATIENCE_MS,
 *  with what `context()` says (the instances' state) in the message. */
async function until(what, step, context) {
  const start = Date.now();
  for (;;) {
    const v = await step();
    if (v) return { value: v, ms: Date.now() - start };
    if (Date.now() - start >= PATIENCE_MS) {
      assert.fail(`${what}: not within ${PATIENCE_MS} ms${context ? `\n${await context()}` : ''}`);
    }
    await sleep(300);
  }
}

/** Each instance's fleet verdict and breakers and the worker's last log lines, so that a
 *  failure in CI says what the isolates believed (a CI failure of the hanging-primary case
 *  took a local reproduction to read). */
async function snapshot(w) {
  const lines = [];
  for (const [i, inst] of w.instances.entries()) {
    const h = await inst.health(secrets.HEALTH_TOKEN).catch((e) => ({ json: { error: String(e) } }));
    lines.push(`instance ${i}: fleet ${JSON.stringify(h.json?.fleet)} breakers ${JSON.stringify(h.json?.breakers)}`);
  }
  const log = w.logs.filter((l) => !l.includes('"route":"health"')).slice(-20);
  return [...lines, 'last log lines (health polls left out):', ...log].join('\n');
}

before(async () => {
  regions = await startRegions();
  secrets = newSecrets();
  const p = await provision(regions, secrets, [{ mode: 'concealed' }]);
  [client] = p.clients;
  secrets.entries = p.entries;
});

after(async () => regions?.close());

describe('fleet health: two instances and the Durable Object', () => {
  let w, a, b;
  before(async () => {
    await regions.reset();
    const { entries, ...s } = secrets;
    w = await startWorker({ vars: vars(), secrets: s, entries, fleet: true, instances: 2 });
    [a, b] = w.instances;
  });
  after(async () => w?.close());

  test("once instance A has seen the primary fail, instance B's first request goes straight to the secondary", T, async () => {
    await regions.primary.px.setMode('reset');
    // A's failures reach the object in A's background refreshes (every 2 s at most).
    const seen = await until('the object degrades the primary', async () => {
      const r = await a.token(app());
      assert.equal(r.status, 200, r.text);
      const h = await a.health(secrets.HEALTH_TOKEN);
      return h.json.fleet?.avoid?.includes('primary');
    }, () => snapshot(w));
    console.log(`# A's verdict avoided the primary after ${seen.ms} ms of A's requests`);
    regions.primary.px.clear();
    // B's very first request: no primary attempt at all (the location's copy knows).
    const r = await b.token(app());
    assert.equal(r.status, 200, r.text);
    assert.equal(upstream(r), 'secondary');
    assert.equal(tokenPosts(regions.primary).length, 0, 'zero primary attempts');
    const log = await b.logFor(r.headers.get('x-request-id'));
    assert.deepEqual(log.attempts.map((x) => x.upstream), ['secondary']);
  });

  test('the scheduled heartbeat probes both hosts, and a probe brings the primary back', T, async () => {
    await regions.primary.px.setMode('pass');
    regions.primary.px.clear();
    regions.secondary.px.clear();
    await b.scheduled();
    const probes = (region) => region.px.requestsTo('/token').filter((r) => r.method === 'GET');
    await until('the heartbeat probed both', async () => probes(regions.primary).length > 0 && probes(regions.secondary).length > 0, () => snapshot(w));
    assert.equal(tokenPosts(regions.primary).length, 0, 'no token request was sent for the probe');
    // The object's probe found the primary: B fails back without any failed primary attempt.
    const back = await until('B fails back to the primary', async () => {
      const res = await b.token(app());
      assert.equal(res.status, 200, res.text);
      const log = await b.logFor(res.headers.get('x-request-id'));
      assert.ok(log.attempts.every((x) => x.result === 'token'), JSON.stringify(log.attempts));
      return upstream(res) === 'primary';
    }, () => snapshot(w));
    console.log(`# B back on the primary ${back.ms} ms after the heartbeat`);
    assert.deepEqual((await b.health(secrets.HEALTH_TOKEN)).json.fleet.avoid, []);
    // A, idle since, learns it from the location's copy on its next request.
    await until('A fails back to the primary', async () => upstream(await a.token(app())) === 'primary', () => snapshot(w));
  });

  test('a revocation reaches the other instance within the documented window, at its token route and its edge', T, async () => {
    const minted = await b.token(app());
    assert.equal(minted.status, 200);
    const bearer = minted.json.access_token;
    assert.equal((await b.verify(bearer)).status, 200, 'B maps the token to the application (and remembers it)');
    const started = Date.now();
    const r = await a.revoke(client.client_id, secrets.HEALTH_TOKEN);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.epoch >= 1);
    assert.equal((await a.token(app())).status, 401, 'the revoking instance knows at once');
    const refused = await until('B refuses the revoked client', async () => (await b.token(app())).status === 401, () => snapshot(w));
    const ms = Date.now() - started;
    console.log(`# B refused the revoked client ${ms} ms after the revocation (window ${REVOCATION_WINDOW_MS} ms)`);
    assert.ok(refused.ms < REVOCATION_WINDOW_MS + 2_000, `${refused.ms} ms`);
    // The KV record is still there (only the fleet's list says revoked): B's edge refuses the
    // application's token too.
    const v = await b.verify(bearer);
    assert.equal(v.status, 401, v.text);
    assert.equal(v.json.message, 'client_id belongs to a revoked client');
    const h = await b.health(secrets.HEALTH_TOKEN);
    assert.ok(h.json.fleet.epoch >= 1);
    // Only the operator may revoke.
    assert.equal((await a.revoke(client.client_id, 'not-the-token')).status, 401);
  });
});

describe('fleet health: a hanging primary', () => {
  let w, a, b;
  before(async () => {
    await regions.reset();
    const { entries, ...s } = secrets;
    // Long try timeouts, so that what the object learns can only come from the slow-attempt
    // watchdog (1 s), not from a finished attempt.
    const slow = workerVars(regions, { UPSTREAM_TIMEOUT_MS: '8000', TOTAL_DEADLINE_MS: '12000', BREAKER_FAILURES: '2', BREAKER_OPEN_MS: '30000', BREAKER_MAX_OPEN_MS: '60000' });
    w = await startWorker({ vars: slow, secrets: s, entries, fleet: true, instances: 2 });
    [a, b] = w.instances;
  });
  after(async () => w?.close());

  test("A's unanswered attempts reach the object before they time out, and B's first request skips the primary", T, async () => {
    // A deployed object is warm: one ordinary request (and its refresh) first, so that a cold
    // object's start on a loaded machine is not what this test measures.
    assert.equal((await a.token(app())).status, 200);
    await until('A has a verdict', async () => (await a.health(secrets.HEALTH_TOKEN)).json.fleet, () => snapshot(w));
    await regions.primary.px.setMode('hang');
    regions.primary.px.clear();
    const started = Date.now();
    let finished = 0;
    const hanging = [a.token(app()), a.token(app())].map((p) => p.then((r) => { finished++; return r; }));
    const seen = await until('the object degrades the hanging primary', async () => {
      const h = await a.health(secrets.HEALTH_TOKEN);
      return h.json.fleet?.avoid?.includes('primary');
    }, () => snapshot(w));
    console.log(`# the primary was called degraded ${Date.now() - started} ms after A's two requests started (try timeout 8000 ms)`);
    assert.equal(finished, 0, "A's requests are still waiting on the primary: the news came from the watchdog");
    assert.ok(seen.ms < 8_000, `${seen.ms} ms`);
    const r = await b.token(app());
    assert.equal(r.status, 200, r.text);
    assert.equal(upstream(r), 'secondary');
    assert.equal(tokenPosts(regions.primary).length, 2, "only A's two attempts ever reached the primary");
    for (const res of await Promise.all(hanging)) {
      assert.equal(res.status, 200, res.text);
      assert.equal(upstream(res), 'secondary');
      const log = await a.logFor(res.headers.get('x-request-id'));
      assert.deepEqual(log.attempts.map((x) => x.upstream), ['primary', 'secondary']);
    }
  });
});

describe('fleet health: the Durable Object is down', () => {
  let w;
  before(async () => {
    await regions.reset();
    const { entries, ...s } = secrets;
    w = await startWorker({ vars: vars(), secrets: s, entries, fleet: 'down' });
  });
  after(async () => w?.close());

  test("the isolate's own breaker decides, and requests never wait for the object", T, async () => {
    await regions.primary.px.setMode('reset');
    const attempts = [];
    for (let i = 0; i < 4; i++) {
      const res = await w.token(app());
      assert.equal(res.status, 200, res.text);
      assert.equal(upstream(res), 'secondary');
      attempts.push((await w.logFor(res.headers.get('x-request-id'))).attempts.map((x) => x.upstream).join(','));
      await sleep(1_200); // past the object's 1 s refresh limit: every refresh gave up
    }
    // BREAKER_FAILURES=2: two requests try the primary, then the open breaker skips it.
    assert.deepEqual(attempts, ['primary,secondary', 'primary,secondary', 'secondary', 'secondary']);
    const h = await w.health(secrets.HEALTH_TOKEN);
    assert.equal(h.json.fleet, null, 'no verdict ever arrived');
    assert.equal(h.json.breakers.primary.state, 'open');
    assert.equal((await w.revoke(client.client_id, secrets.HEALTH_TOKEN)).status, 503);
  });
});
