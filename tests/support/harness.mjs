// The one harness for "two regions behind fault proxies, plus the worker": the worker suites
// (tests/worker), edge verification (tests/edge), the demo (scripts/demo) and the benchmarks
// (bench/token-proxy, bench/edge) all start their world here.
//
//   regions   two real oidc-provider instances (tests/support/op.mjs), each behind a fault
//             proxy (faults.mjs): token endpoints and JWKS URLs go through the proxies;
//   clients   records and index entries made by the provisioning code (scripts/lib);
//   origin    an HTTP origin that records what it receives and checks X-Auth-Signature with the
//             reference check (origin-proof.mjs);
//   worker    the built worker (scripts/build-worker.sh) in workerd through miniflare.
// Everything listens on 127.0.0.1, on ports the system chooses.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { SignJWT, importJWK } from 'jose';
import { startProvider, getClientCredentialsToken, decodeJwt } from './op.mjs';
import { startFaultProxy } from './faults.mjs';
import { verifyRequest } from './origin-proof.mjs';
import { memoryKv } from '../../scripts/lib/kv.mjs';
import { addClient } from '../../scripts/lib/provision.mjs';
import { decodeKey, keyring } from '../../scripts/lib/records.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where scripts/build-worker.sh puts the worker (OIDC_EDGE_WORKER_BUILD overrides). */
export const BUILD = process.env.OIDC_EDGE_WORKER_BUILD ?? path.join(ROOT, 'worker', 'build');
export const AUDIENCE = 'https://api.example.test';
export const SCOPES = 'api:read api:write';
export const COMPATIBILITY_DATE = '2026-04-20';
export { decodeJwt };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const tmpdir = (prefix = 'oidc-edge-') => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
export const basic = (id, secret) => 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');

/** Builds the worker if anything changed since the last build (scripts/build-worker.sh). */
export function buildWorker() {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'build-worker.sh')], { stdio: 'inherit', env: { ...process.env, OIDC_EDGE_WORKER_BUILD: BUILD } });
  if (r.status !== 0) throw new Error('scripts/build-worker.sh failed');
}

/** Whether a built worker is there. */
export const workerBuilt = () => fs.existsSync(path.join(BUILD, 'index.js')) && fs.existsSync(path.join(BUILD, 'index_bg.wasm'));

/** Fresh worker secrets (base64url), as `wrangler secret put` would hold them. */
export function newSecrets() {
  const k = () => crypto.randomBytes(32).toString('base64url');
  return { CLIENT_ENC_KEY: k(), CLIENT_HASH_KEY: k(), TOKEN_CACHE_KEY: k(), ORIGIN_SIGNING_KEY: k(), HEALTH_TOKEN: k() };
}

/** The record keyrings of a set of secrets. */
export function keysOf(secrets) {
  const get = (n, o) => (secrets[n] ? decodeKey(secrets[n], n, o) : undefined);
  return {
    enc: keyring(get('CLIENT_ENC_KEY', { exact: 32 }), get('CLIENT_ENC_KEY_PREVIOUS', { exact: 32 })),
    hash: keyring(get('CLIENT_HASH_KEY'), get('CLIENT_HASH_KEY_PREVIOUS')),
  };
}

function region(name, op, px) {
  return {
    name,
    op,
    px,
    issuer: op.issuer,
    jwks: `${px.url}/${name}/jwks`,
    token: `${px.url}/${name}/token`,
    /** The region's client_credentials client (client_secret_basic). */
    client: op.clients.clientCredentials,
  };
}

/**
 * Two regions, each provider behind its own fault proxy. `options.primary` and
 * `options.secondary` are extra `startProvider` options for that region (e.g. `extraClients`).
 */
export async function startRegions(options = {}) {
  const started = [];
  try {
    const out = {};
    for (const name of ['primary', 'secondary']) {
      const op = await startProvider({ name, issuerPath: `/${name}`, ...options[name] });
      started.push(() => op.close());
      const px = await startFaultProxy({ upstream: op.origin, name });
      started.push(() => px.close());
      out[name] = region(name, op, px);
    }
    return {
      ...out,
      /** Both proxies back to `pass`, their records cleared. */
      async reset() {
        for (const r of [out.primary, out.secondary]) {
          await r.px.setMode('pass');
          r.px.clear();
        }
      },
      async close() {
        for (const close of started.reverse()) await close().catch(() => {});
      },
    };
  } catch (e) {
    for (const close of started.reverse()) await close().catch(() => {});
    throw e;
  }
}

/**
 * One region in its own process (tests/support/cli.mjs serve), so it can be killed and restarted
 * on the same port. No proxy. Returns { child, info, token, client, stop() }.
 */
export async function startRegionProcess(name, port = 0) {
  const dir = tmpdir('oidc-edge-region-');
  const cfg = path.join(dir, `${name}.json`);
  fs.writeFileSync(cfg, JSON.stringify({ controlPort: 0, proxies: false, regions: { [name]: { port, issuerPath: `/${name}` } } }));
  const child = spawn(process.execPath, [path.join(ROOT, 'tests/support/cli.mjs'), 'serve', '--config', cfg, '--no-proxy', '--exit-with-stdin'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const info = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) resolve(JSON.parse(buf.slice(0, i)));
    });
    child.on('exit', (code) => reject(new Error(`region ${name} exited (${code})`)));
  });
  fs.rmSync(dir, { recursive: true, force: true });
  const r = info.regions[name];
  return { child, info: r, port: r.port, token: r.tokenEndpoint, client: r.clients.clientCredentials, stop: () => child.stdin.end() };
}

/**
 * Provisions clients for the two regions' client_credentials clients with the provisioning
 * code. `specs`: [{ mode, shareUpstream }], default one concealed client. Returns
 * { clients: [{ client_id, client_secret, mode }], entries: [{ key, value }] } to seed KV.
 */
export async function provision(regions, secrets, specs = [{ mode: 'concealed' }]) {
  const kv = memoryKv();
  const keys = keysOf(secrets);
  const pair = (r) => ({ clientId: r.client.clientId, clientSecret: r.client.clientSecret });
  const clients = [];
  for (const spec of specs) {
    const r = await addClient({ kv, keys, primary: pair(regions.primary), secondary: pair(regions.secondary), ...spec });
    clients.push({
      mode: r.mode,
      client_id: r.clientId,
      client_secret: r.clientSecret ?? regions.primary.client.clientSecret,
    });
  }
  return { clients, entries: [...kv.map].map(([key, value]) => ({ key, value })) };
}

/** Worker variables for the two regions (both features on; separate mode) plus overrides. */
export function workerVars(regions, extra = {}) {
  return {
    OAUTH_HOST_PRIMARY: regions.primary.token,
    OAUTH_HOST_SECONDARY: regions.secondary.token,
    UPSTREAM_TIMEOUT_MS: '3000',
    TOTAL_DEADLINE_MS: '8000',
    REGION_MODE: 'separate',
    ISSUER_PRIMARY: regions.primary.issuer,
    ISSUER_SECONDARY: regions.secondary.issuer,
    JWKS_URL_PRIMARY: regions.primary.jwks,
    JWKS_URL_SECONDARY: regions.secondary.jwks,
    VERIFY_PROFILE: 'at_jwt',
    VERIFY_AUDIENCE: AUDIENCE,
    JWKS_TIMEOUT_MS: '2000',
    JWKS_COOLDOWN_S: '1',
    ...extra,
  };
}

/**
 * An origin on 127.0.0.1 that records every request (method, url, headers, body, and the
 * verdict of the reference X-Auth-Signature check with `keys`) and answers 200 with what it saw.
 */
export async function startOrigin({ keys = [], maxSkew } = {}) {
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const proof = await verifyRequest(req, { keys, maxSkew });
      seen.push({ method: req.method, url: req.url, headers: req.headers, body, proof });
      const identity = Object.fromEntries(Object.entries(req.headers).filter(([k]) => /^x[-_]auth[-_]/i.test(k)));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ origin: true, path: req.url, received: identity, proof }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/**
 * The built worker in workerd (miniflare). `vars` and `secrets` become bindings; `entries` seed
 * the CLIENTS namespace. `cachePersist` shared by two workers = two isolates sharing the Cache
 * API; `wranglerState` = a `wrangler ... --local --persist-to DIR` directory whose KV the worker
 * reads; `rateLimits` = { BINDING: { limit, period } }; `logs` collects workerd's output lines.
 * `fleet: true` binds the fleet-health Durable Object (FLEET_HEALTH, class FleetHealth, alarms
 * on; `fleet: 'down'` binds it to an object that never answers, an outage); `instances: n`
 * starts n copies of the worker in one workerd (separate isolates sharing the object, KV and the
 * Cache API, as two isolates of one location), returned as `instances`.
 */
export async function startWorker({ vars, secrets, entries = [], cachePersist, wranglerState, rateLimits, logs = [], port, fleet = false, instances = 1 }) {
  const index = path.join(BUILD, 'index.js');
  if (!fs.existsSync(index)) throw new Error(`${index} is missing: run bash scripts/build-worker.sh`);
  const names = Array.from({ length: instances }, (_, i) => `worker-${i}`);
  const kvId = wranglerState ? 'oidc-edge-clients-local' : 'clients-' + crypto.randomUUID();
  const worker = (name, i) => ({
    name,
    modules: true,
    scriptPath: index,
    modulesRoot: BUILD, // else module names are relative to the cwd (".." is refused)
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: { ...vars, ...secrets },
    // With wranglerState: the namespace id of wrangler.toml's local KV binding.
    kvNamespaces: { CLIENTS: kvId },
    ratelimits: rateLimits ? Object.fromEntries(Object.entries(rateLimits).map(([k, simple]) => [k, { simple }])) : undefined,
    // The first instance defines the object; the others bind to it.
    durableObjects: fleet ? { FLEET_HEALTH: fleet === 'down' ? { className: 'FleetHealth', scriptName: 'fleet-down' } : i === 0 ? 'FleetHealth' : { className: 'FleetHealth', scriptName: names[0] } } : undefined,
  });
  // An outage of the object: it takes every request and never answers.
  const down = {
    name: 'fleet-down',
    modules: true,
    script: 'export class FleetHealth { fetch() { return new Promise(() => {}); } }\nexport default { fetch() { return new Response(null, { status: 404 }); } };',
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: { FLEET_HEALTH: 'FleetHealth' },
  };
  const mf = new Miniflare({
    workers: [...names.map(worker), ...(fleet === 'down' ? [down] : [])],
    cf: false,
    host: '127.0.0.1',
    ...(port === undefined ? {} : { port }),
    kvPersist: wranglerState ? path.join(wranglerState, 'v3', 'kv') : false,
    cache: true,
    cachePersist: cachePersist ?? false,
    durableObjectsPersist: false,
    handleRuntimeStdio(stdout, stderr) {
      for (const stream of [stdout, stderr]) {
        let buf = '';
        stream.on('data', (chunk) => {
          buf += chunk;
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            logs.push(buf.slice(0, i));
            buf = buf.slice(i + 1);
          }
        });
      }
    },
  });
  let url;
  try {
    url = await mf.ready;
  } catch (e) {
    await mf.dispose().catch(() => {});
    throw new Error(`workerd did not start: ${e.message}\n${logs.join('\n')}`);
  }
  const kv = await mf.getKVNamespace('CLIENTS', names[0]);
  for (const e of entries) await kv.put(e.key, e.value);
  const base = 'http://edge.test';
  const handles = [];
  for (const name of names) {
    const fetcher = await mf.getWorker(name);
    // The first instance also answers on the port (`url`), as before.
    const fetchAt = name === names[0] ? (p, init) => mf.dispatchFetch(base + p, init) : (p, init) => fetcher.fetch(base + p, init);
    handles.push({ ...handleFor(fetchAt, logs), scheduled: () => fetcher.scheduled({ cron: '* * * * *' }) });
  }
  return {
    mf,
    kv,
    logs,
    url: port === undefined ? undefined : String(url).replace(/\/$/, ''),
    ...handles[0],
    instances: handles,
    close: () => mf.dispose(),
  };
}

/** The request helpers of one worker instance reached through `fetchAt(path, init)`. */
function handleFor(fetchAt, logs) {
  const asJson = async (r) => {
    const text = await r.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: r.status, headers: r.headers, json, text };
  };
  return {
    fetch: fetchAt,
    /** POST /verify with the token in the header (or, `body: true`, in a JSON body). */
    async verify(token, { body = false } = {}) {
      const init = body
        ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) }
        : { method: 'POST', headers: { authorization: `Bearer ${token}` } };
      return asJson(await fetchAt('/verify', init));
    },
    /** POST /oauth2/token; `auth` basic (default) or post; `form` replaces the default form. */
    async token({ id, secret, auth = 'basic', scope, form, headers = {} } = {}) {
      const f = new URLSearchParams(form ?? { grant_type: 'client_credentials' });
      if (scope) f.set('scope', scope);
      const h = { 'content-type': 'application/x-www-form-urlencoded', ...headers };
      if (auth === 'basic' && id !== undefined) h.authorization = basic(id, secret);
      if (auth === 'post' && id !== undefined) {
        f.set('client_id', id);
        f.set('client_secret', secret);
      }
      return asJson(await fetchAt('/oauth2/token', { method: 'POST', headers: h, body: f.toString() }));
    },
    /** GET /healthz, with the operator's token when given. */
    async health(operatorToken) {
      return asJson(await fetchAt('/healthz', operatorToken ? { headers: { authorization: `Bearer ${operatorToken}` } } : {}));
    },
    /** POST /fleet/revoke as the operator. */
    async revoke(clientId, operatorToken) {
      const init = { method: 'POST', headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ client_id: clientId }) };
      return asJson(await fetchAt('/fleet/revoke', init));
    },
    /** The worker's log line of one request (workerd flushes stdout asynchronously). */
    async logFor(requestId) {
      for (let i = 0; i < 40; i++) {
        const line = logs.find((l) => l.includes(`"request_id":"${requestId}"`));
        if (line) return JSON.parse(line);
        await sleep(50);
      }
      throw new Error(`no log line for ${requestId}`);
    },
  };
}

/** The headers every response the worker makes carries. */
export function assertCommonHeaders(assert, res) {
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('pragma'), 'no-cache');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.match(res.headers.get('content-type') ?? '', /json/);
  assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/);
  assert.match(res.headers.get('x-oidc-edge-upstream') ?? '', /^(primary|secondary|cache|none)$/);
  assert.equal(res.headers.get('set-cookie'), null);
  assert.equal(res.headers.get('server'), null);
}

/** A real client_credentials token from a region's provider (directly). */
export async function regionToken(region, { scope = SCOPES, clientId, clientSecret } = {}) {
  const t = await getClientCredentialsToken(region.op, { scope, clientId, clientSecret });
  if (!t.access_token) throw new Error(`no token: ${JSON.stringify(t)}`);
  return t.access_token;
}

/** A token signed with the region's real current key, with these claims (header typ at+jwt). */
export async function forge(region, claims, { header = {} } = {}) {
  const jwk = region.op.privateKeys()[0];
  const key = await importJWK(jwk, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: region.issuer,
    sub: region.client.clientId,
    client_id: region.client.clientId,
    aud: AUDIENCE,
    iat: now,
    exp: now + 600,
    jti: crypto.randomUUID(),
    scope: SCOPES,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid, ...header })
    .sign(key);
}
