// Shared set-up of the worker's end-to-end suites: two real oidc-provider regions, a fault
// proxy in front of each, the built worker in workerd (miniflare), local KV seeded with records
// made by the provisioning code (scripts/lib/clients.mjs).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { startProvider } from '../support/op.mjs';
import { startFaultProxy } from '../support/faults.mjs';
import { buildRecord, kvKey } from '../../scripts/lib/clients.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCRIPT = process.env.OIDC_EDGE_WORKER_SCRIPT ?? path.join(ROOT, 'worker', 'build', 'index.js');

export function newKeys() {
  return { enc: crypto.randomBytes(32), hash: crypto.randomBytes(32), cache: crypto.randomBytes(32) };
}

/** Two regions with their fault proxies. */
export async function startRegions() {
  const primary = await startProvider({ name: 'primary', issuerPath: '/primary' });
  const secondary = await startProvider({ name: 'secondary', issuerPath: '/secondary' });
  const pproxy = await startFaultProxy({ upstream: primary.origin, name: 'primary' });
  const sproxy = await startFaultProxy({ upstream: secondary.origin, name: 'secondary' });
  return {
    primary,
    secondary,
    pproxy,
    sproxy,
    primaryUrl: `${pproxy.url}/primary/token`,
    secondaryUrl: `${sproxy.url}/secondary/token`,
    async reset() {
      await pproxy.setMode('pass');
      await sproxy.setMode('pass');
      pproxy.clear();
      sproxy.clear();
    },
    async close() {
      await Promise.allSettled([pproxy.close(), sproxy.close()]);
      await Promise.allSettled([primary.close(), secondary.close()]);
    },
  };
}

/** Records for the regions' client_credentials clients. */
export function makeClients(regions, keys) {
  const p = regions.primary.clients.clientCredentials;
  const s = regions.secondary.clients.clientCredentials;
  const pair = {
    primary: { clientId: p.clientId, clientSecret: p.clientSecret },
    secondary: { clientId: s.clientId, clientSecret: s.clientSecret },
  };
  const concealed = buildRecord({ mode: 'concealed', ...pair, keys });
  const passthrough = buildRecord({ mode: 'passthrough', ...pair, keys });
  return { pair, concealed, passthrough };
}

/**
 * Starts the built worker. `vars` override the defaults; `logs` collects every line the worker
 * (workerd) writes to stdout/stderr.
 */
export async function startWorker({ regions, keys, vars = {}, records = [], rateLimit, logs = [], persistTo, port }) {
  const mf = new Miniflare({
    modules: true,
    scriptPath: SCRIPT,
    modulesRoot: path.dirname(SCRIPT), // else module names are relative to the cwd (".." is refused)
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
    compatibilityDate: '2026-04-20',
    cf: false,
    host: '127.0.0.1',
    // With `persistTo`: the state directory written by `wrangler kv ... --local --persist-to DIR`
    // (namespace id from wrangler.toml), so records made by scripts/client-*.mjs are read as-is.
    kvNamespaces: { CLIENTS: persistTo ? 'oidc-edge-clients-local' : 'clients-' + crypto.randomUUID() },
    kvPersist: persistTo ? path.join(persistTo, 'v3', 'kv') : false,
    ratelimits: rateLimit ? { CLIENT_RATE_LIMITER: { simple: rateLimit } } : undefined,
    bindings: {
      OAUTH_HOST_PRIMARY: regions.primaryUrl,
      OAUTH_HOST_SECONDARY: regions.secondaryUrl,
      UPSTREAM_TIMEOUT_MS: '1500',
      TOTAL_DEADLINE_MS: '6000',
      BREAKER_FAILURES: '1000',
      CLIENT_ENC_KEY: keys.enc.toString('base64url'),
      CLIENT_HASH_KEY: keys.hash.toString('base64url'),
      TOKEN_CACHE_KEY: keys.cache.toString('base64url'),
      ...vars,
    },
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
    await new Promise((r) => setTimeout(r, 300));
    await mf.dispose().catch(() => {});
    throw new Error(`workerd did not start: ${e.message}\n${logs.join('\n')}`);
  }
  const kv = await mf.getKVNamespace('CLIENTS');
  for (const { record } of records) await kv.put(kvKey(record.client_id), JSON.stringify(record));
  return { mf, kv, logs, url };
}

export const basic = (id, secret) =>
  'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');

/** POST /oauth2/token through the worker. */
export async function tokenRequest(mf, { id, secret, auth = 'basic', scope, body, headers = {} } = {}) {
  const form = new URLSearchParams(body ?? { grant_type: 'client_credentials' });
  if (scope) form.set('scope', scope);
  const h = { 'content-type': 'application/x-www-form-urlencoded', ...headers };
  if (auth === 'basic' && id !== undefined) h.authorization = basic(id, secret);
  if (auth === 'post' && id !== undefined) {
    form.set('client_id', id);
    form.set('client_secret', secret);
  }
  const res = await mf.dispatchFetch('http://localhost/oauth2/token', { method: 'POST', headers: h, body: form.toString() });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Asserts the headers every response must carry. */
export function assertCommonHeaders(assert, res) {
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('pragma'), 'no-cache');
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/);
  assert.match(res.headers.get('x-oidc-edge-upstream') ?? '', /^(primary|secondary|cache|none)$/);
  assert.equal(res.headers.get('set-cookie'), null);
  assert.equal(res.headers.get('server'), null);
}

/** Decodes a JWT's payload without verifying (the issuer tells which region signed it). */
export function jwtClaims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

export function workerBuilt() {
  return fs.existsSync(SCRIPT) && fs.existsSync(path.join(ROOT, 'worker', 'build', 'index_bg.wasm'));
}
