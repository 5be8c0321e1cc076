// Cloudflare Workers: a small JS worker importing the installed package, bundled by wrangler as a
// user's deploy would be (`wrangler deploy --dry-run`, which picks the `workerd` export
// condition and keeps the .wasm a separate module), then run in workerd through miniflare's
// programmatic API (modulesRules with CompiledWasm). It verifies a real token from
// oidc-provider with local keys (wasm RSA), with WebCrypto, and with a remote key set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Miniflare } from 'miniflare';
import { getIdToken, startProvider } from '../support/op.mjs';
import { startFaultProxy } from '../support/faults.mjs';
import { NODE_MODULES, consumerDir } from './helpers.mjs';

const WORKER = `
import { JwkSet, createRemoteJWKSet, verifyIdToken, verifyIdTokenAsync, OidcEdgeError } from 'oidc-edge';

let keys;      // parsed once per isolate, reused by every request
let remote;    // plain cached data only; fetches are never shared across requests

function reply(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const token = url.searchParams.get('token') ?? '';
    const options = { issuer: env.ISSUER, clientId: env.CLIENT_ID };
    try {
      let result;
      if (url.pathname === '/sync') {
        keys ??= JwkSet.fromJson(env.JWKS);
        result = verifyIdToken(token, keys, options);
      } else if (url.pathname === '/async') {
        keys ??= JwkSet.fromJson(env.JWKS);
        result = await verifyIdTokenAsync(token, keys, options);
      } else if (url.pathname === '/remote') {
        remote ??= createRemoteJWKSet(env.JWKS_URL);
        result = await verifyIdTokenAsync(token, remote, options);
      } else if (url.pathname === '/remote-cold') {
        result = await verifyIdTokenAsync(token, createRemoteJWKSet(env.JWKS_URL, { timeoutDuration: 1000 }), options);
      } else if (url.pathname === '/env') {
        return reply(200, { userAgent: navigator.userAgent, subtle: typeof crypto.subtle?.verify });
      } else {
        return reply(404, {});
      }
      return reply(200, { sub: result.payload.sub, kid: result.protectedHeader.kid });
    } catch (e) {
      if (e instanceof OidcEdgeError) {
        const status = e.kind === 'jwks_timeout' || e.kind === 'jwks_unavailable' ? 503 : 401;
        return reply(status, { kind: e.kind, code: e.code, claim: e.claim ?? null });
      }
      return reply(500, { error: String(e) });
    }
  },
};
`;

let op;
let px; // fault proxy in front of the provider: slows the JWKS down on demand
let mf;

before(async () => {
  op = await startProvider({ name: 'edge', issuerPath: '/edge' });
  px = await startFaultProxy({ upstream: op.origin, name: 'edge' });
  const dir = path.join(consumerDir(), 'worker');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'worker.mjs'), WORKER);
  fs.writeFileSync(path.join(dir, 'wrangler.toml'), 'name = "oidc-edge-consumer"\nmain = "worker.mjs"\ncompatibility_date = "2026-04-20"\n');
  const dist = path.join(dir, 'dist');
  fs.rmSync(dist, { recursive: true, force: true });
  execFileSync(path.join(NODE_MODULES, '.bin/wrangler'), ['deploy', '--dry-run', '--outdir', dist], {
    cwd: dir,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_UPDATE_NOTIFIER: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const bundle = fs.readFileSync(path.join(dist, 'worker.js'), 'utf8');
  assert.match(bundle, /oidc-edge\/dist\/workerd\.mjs/, 'wrangler picked the workerd entry');
  const wasm = fs.readdirSync(dist).filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 1, 'the .wasm stays a separate module');
  mf = new Miniflare({
    modules: true,
    scriptPath: path.join(dist, 'worker.js'),
    modulesRoot: dist, // module names relative to the bundle (it lives outside the cwd)
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
    compatibilityDate: '2026-04-20',
    cf: false,
    host: '127.0.0.1',
    bindings: {
      ISSUER: op.issuer,
      CLIENT_ID: op.clients.authorizationCode.clientId,
      JWKS: JSON.stringify(op.jwks()),
      JWKS_URL: `${px.url}/edge/jwks`,
    },
  });
  await mf.ready;
});

after(async () => {
  await mf?.dispose();
  await px?.close();
  await op?.close();
});

async function call(pathname, token) {
  const res = await mf.dispatchFetch(`http://localhost${pathname}?token=${encodeURIComponent(token ?? '')}`);
  return { status: res.status, body: await res.json() };
}

test('runs in workerd with WebCrypto', async () => {
  const r = await call('/env');
  assert.equal(r.body.userAgent, 'Cloudflare-Workers');
  assert.equal(r.body.subtle, 'function');
});

test('verifies a real token with local keys: wasm RSA (sync) and WebCrypto (async)', async () => {
  const { idToken } = await getIdToken(op);
  for (const p of ['/sync', '/async']) {
    const ok = await call(p, idToken);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, { sub: 'user-1234', kid: op.kid });
    const [h, pl, s] = idToken.split('.');
    const bad = await call(p, `${h}.${pl}.${s.slice(0, 20)}${s[20] === 'A' ? 'B' : 'A'}${s.slice(21)}`);
    assert.equal(bad.status, 401);
    assert.deepEqual(bad.body, { kind: 'bad_signature', code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', claim: null });
    const garbage = await call(p, 'not-a-token');
    assert.equal(garbage.body.kind, 'malformed');
  }
});

test('remote key set in workerd: concurrent cold requests each fetch for themselves (no shared promise), then the cache serves', async () => {
  const { idToken } = await getIdToken(op);
  op.resetCounts();
  // a slow key set (500 ms) so the four requests are all waiting for keys at the same time
  await px.setMode('delay:500', { times: 4, then: 'pass' });
  const results = await Promise.all(Array.from({ length: 4 }, () => call('/remote', idToken)));
  for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
  const fetched = op.requestCounts.jwks ?? 0;
  // On Workers no request awaits a fetch another request started: four cold requests, four
  // fetches (in Node the same situation shares one fetch, see provider.test.mjs).
  assert.equal(fetched, 4, `jwks fetches: ${fetched}`);
  await call('/remote', idToken);
  assert.equal(op.requestCounts.jwks ?? 0, fetched, 'later requests use the cached set');
});

test('remote key set in workerd: an unreachable OP is jwks_unavailable (503); a warm cache keeps verifying', async () => {
  const { idToken } = await getIdToken(op);
  await call('/remote', idToken); // warm
  await op.setDown('503');
  try {
    const cold = await call('/remote-cold', idToken);
    assert.equal(cold.status, 503, JSON.stringify(cold.body));
    assert.deepEqual(cold.body, { kind: 'jwks_unavailable', code: 'ERR_JOSE_GENERIC', claim: null });
    const warm = await call('/remote', idToken);
    assert.equal(warm.status, 200, JSON.stringify(warm.body));
  } finally {
    await op.setDown(false);
  }
});
