// Shared plumbing of the edge verification suites: two real OpenID provider regions, each
// behind a fault proxy; an origin that records what it receives; the worker in workerd
// (miniflare's programmatic API) with its KV seeded by scripts/client-add.mjs; forged tokens
// signed with a provider's real key.
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { SignJWT, importJWK } from 'jose';
import { startProvider, getClientCredentialsToken, decodeJwt } from '../support/op.mjs';
import { startFaultProxy } from '../support/faults.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Built by tests/edge/run.sh (worker-build --out-dir); override with OIDC_EDGE_WORKER_BUILD. */
export const BUILD = process.env.OIDC_EDGE_WORKER_BUILD ?? path.join(ROOT, 'worker', 'build');
export const AUDIENCE = 'https://api.example.test';
export const SCOPES = 'api:read api:write';

export function tmpdir(prefix = 'oidc-edge-e2e-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Two regions, each provider behind its own fault proxy. */
export async function startRegions() {
  const primary = await startProvider({ name: 'primary', issuerPath: '/primary' });
  const secondary = await startProvider({ name: 'secondary', issuerPath: '/secondary' });
  const pxPrimary = await startFaultProxy({ upstream: primary.origin, name: 'primary' });
  const pxSecondary = await startFaultProxy({ upstream: secondary.origin, name: 'secondary' });
  const regions = {
    primary: { op: primary, px: pxPrimary, jwks: `${pxPrimary.url}/primary/jwks`, token: `${pxPrimary.url}/primary/token` },
    secondary: { op: secondary, px: pxSecondary, jwks: `${pxSecondary.url}/secondary/jwks`, token: `${pxSecondary.url}/secondary/token` },
    async close() {
      for (const r of [regions.primary, regions.secondary]) {
        await r.px.close().catch(() => {});
        await r.op.close().catch(() => {});
      }
    },
  };
  return regions;
}

/** An origin on 127.0.0.1 that records every request and answers 200 with what it saw. */
export async function startOrigin() {
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const entry = { method: req.method, url: req.url, headers: req.headers, body };
      seen.push(entry);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ origin: true, saw: { url: req.url, auth: pick(req.headers) } }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, seen, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) };
}

function pick(headers) {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('x-auth-')));
}

/** Fresh worker secrets (base64 of 32 random bytes). */
export function secrets() {
  return {
    CLIENT_ENC_KEY: crypto.randomBytes(32).toString('base64'),
    CLIENT_HASH_KEY: crypto.randomBytes(32).toString('base64'),
  };
}

/**
 * Provisions one client mapped to both regions' client_credentials clients through
 * scripts/client-add.mjs (--kv-json), returns { client_id, client_secret, entries }.
 */
export function provision(regions, keys, dir) {
  const file = path.join(dir, `kv-${crypto.randomBytes(4).toString('hex')}.json`);
  const p = regions.primary.op.clients.clientCredentials;
  const s = regions.secondary.op.clients.clientCredentials;
  const out = execFileSync(process.execPath, [
    path.join(ROOT, 'scripts', 'client-add.mjs'),
    '--primary-id', p.clientId, '--primary-secret', p.clientSecret,
    '--secondary-id', s.clientId, '--secondary-secret', s.clientSecret,
    '--kv-json', file, '--json',
  ], { env: { ...process.env, ...keys }, encoding: 'utf8' });
  const created = JSON.parse(out.trim().split('\n').pop());
  return { ...created, entries: JSON.parse(fs.readFileSync(file, 'utf8')) };
}

/** Worker vars for the two regions (separate mode) plus overrides. */
export function edgeVars(regions, extra = {}) {
  return {
    OAUTH_HOST_PRIMARY: regions.primary.token,
    OAUTH_HOST_SECONDARY: regions.secondary.token,
    UPSTREAM_TIMEOUT_MS: '3000',
    TOTAL_DEADLINE_MS: '8000',
    REGION_MODE: 'separate',
    ISSUER_PRIMARY: regions.primary.op.issuer,
    ISSUER_SECONDARY: regions.secondary.op.issuer,
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
 * The built worker in workerd. `cachePersist` shared between two instances = two isolates
 * sharing the Cache API (a new isolate restores keys instead of refetching).
 */
export async function startWorker({ vars, keys, entries = [], cachePersist, kvPersist, port, quiet = false }) {
  const index = path.join(BUILD, 'index.js');
  if (!fs.existsSync(index)) throw new Error(`${index} is missing: run tests/edge/run.sh (it builds the worker)`);
  const mf = new Miniflare({
    modules: true,
    scriptPath: index,
    modulesRoot: BUILD,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-20',
    bindings: { ...vars, ...keys },
    kvNamespaces: ['CLIENTS'],
    kvPersist: kvPersist ?? false,
    cache: true,
    cachePersist: cachePersist ?? false,
    host: '127.0.0.1',
    ...(port === undefined ? {} : { port }),
    ...(quiet ? { handleRuntimeStdio(stdout, stderr) { stdout.resume(); stderr.resume(); } } : {}),
  });
  const url = await mf.ready;
  const kv = await mf.getKVNamespace('CLIENTS');
  for (const e of entries) await kv.put(e.key, e.value);
  const base = 'http://edge.test';
  return {
    mf,
    kv,
    url: port === undefined ? undefined : String(url).replace(/\/$/, ''),
    fetch: (p, init) => mf.dispatchFetch(base + p, init),
    async verify(token, { body = false } = {}) {
      const init = body
        ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) }
        : { method: 'POST', headers: { authorization: `Bearer ${token}` } };
      const r = await mf.dispatchFetch(`${base}/verify`, init);
      return { status: r.status, headers: r.headers, body: await r.json().catch(() => null) };
    },
    async token(client, scope = SCOPES) {
      const r = await mf.dispatchFetch(`${base}/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: 'Basic ' + Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64'),
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
      });
      return { status: r.status, upstream: r.headers.get('x-oidc-edge-upstream'), body: await r.json() };
    },
    close: () => mf.dispose(),
  };
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
    iss: region.op.issuer,
    sub: region.op.clients.clientCredentials.clientId,
    client_id: region.op.clients.clientCredentials.clientId,
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

export { decodeJwt };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
