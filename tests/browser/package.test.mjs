// The installed package in Chromium: a plain <script type="module"> page (import map) and a
// Vite production build. Each verifies a token (wasm RSA and WebCrypto) and reports an error kind,
// then RS256, ES256, ES384 and EdDSA tokens (wasm and WebCrypto) and RFC 9449's DPoP proof.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AT, CLIENT, ISSUER, KEYS, algorithmCases, consumerDir, idToken, jwksOf, rfc9449Proof, tamper, NODE_MODULES } from '../js/helpers.mjs';
import { openBrowser, realErrors, serveStatic } from './lib.mjs';

const INPUT = {
  token: idToken({ nonce: 'n-browser' }),
  expired: idToken({ exp: 1 }),
  jwks: jwksOf(KEYS.main),
  options: { issuer: ISSUER, clientId: CLIENT, nonce: 'n-browser' },
  at: AT.getTime(),
  cases: algorithmCases().map((c) => ({ ...c, tampered: tamper(c.token) })),
  dpop: rfc9449Proof(),
};

// The same app code for both pages: only how "oidc-edge" is resolved differs.
const APP = `
import { JwkSet, verifyDpopProof, verifyIdToken, verifyIdTokenAsync, OidcEdgeError } from 'oidc-edge';
const input = ${JSON.stringify(INPUT)};
const keys = new JwkSet(input.jwks);
const options = { ...input.options, currentDate: new Date(input.at) };
const out = {};
try {
  out.sync = verifyIdToken(input.token, keys, options).payload.sub;
  out.async = (await verifyIdTokenAsync(input.token, keys, options)).payload.sub;
  try { verifyIdToken(input.expired, keys, options); } catch (e) {
    out.error = { isClass: e instanceof OidcEdgeError, isError: e instanceof Error, kind: e.kind, code: e.code, claim: e.claim };
  }
  try { await verifyIdTokenAsync(input.token, keys, { ...options, nonce: 'other' }); } catch (e) { out.asyncKind = e.kind; }
  out.subtle = typeof crypto.subtle?.verify === 'function';
  out.algs = {};
  const plain = { ...options, nonce: undefined }; // the cases' tokens carry no nonce
  for (const c of input.cases) {
    const k = new JwkSet(c.jwks);
    const kind = async (f) => { try { await f(); return 'accepted'; } catch (e) { return e.kind; } };
    out.algs[c.alg] = [
      verifyIdToken(c.token, k, plain).payload.sub, (await verifyIdTokenAsync(c.token, k, plain)).payload.sub,
      await kind(() => verifyIdToken(c.tampered, k, plain)), await kind(() => verifyIdTokenAsync(c.tampered, k, plain)),
    ];
  }
  // Whether WebCrypto imports each curve key (else the async path falls back to wasm).
  out.imports = await Promise.all(input.cases.slice(1).map((c) => {
    const { kid, alg, ...jwk } = c.jwks.keys[0];
    const params = jwk.kty === 'OKP' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: jwk.crv };
    return crypto.subtle.importKey('jwk', jwk, params, false, ['verify']).then(() => true, () => false);
  }));
  const d = input.dpop;
  out.jkt = verifyDpopProof(d.proof, { method: d.method, url: d.url, currentDate: new Date(d.at) }).jkt;
} catch (e) {
  out.failure = String(e && e.stack || e);
}
window.__result = out;
document.body.dataset.done = 'true';
document.body.textContent = JSON.stringify(out);
`;

const EXPECTED = {
  sync: 'user-1',
  async: 'user-1',
  error: { isClass: true, isError: true, kind: 'expired', code: 'ERR_JWT_EXPIRED', claim: 'exp' },
  asyncKind: 'nonce_mismatch',
  subtle: true,
  algs: Object.fromEntries(INPUT.cases.map((c) => [c.alg, ['user-1', 'user-1', 'bad_signature', 'bad_signature']])),
  jkt: INPUT.dpop.jkt,
  imports: [true, true, true],
};

let browser;
before(async () => { browser = await openBrowser(); });
after(async () => { await browser?.close(); });

async function runPage(url) {
  const { page, messages } = browser;
  messages.length = 0;
  await page.goto(url);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30000 });
  const result = await page.evaluate(() => window.__result);
  assert.deepEqual(result, EXPECTED, messages.join('\n'));
  assert.deepEqual(realErrors(messages), []);
}

test('plain module page with an import map (browser.mjs, wasm fetched as application/wasm)', async () => {
  const dir = path.join(consumerDir(), 'plain');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'app.js'), APP);
  fs.writeFileSync(path.join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><title>plain</title>
<script type="importmap">{"imports":{"oidc-edge":"/node_modules/oidc-edge/dist/browser.mjs"}}</script>
<script type="module" src="./app.js"></script><body>loading</body>`);
  const server = await serveStatic(consumerDir());
  try {
    await runPage(`${server.url}/plain/`);
    assert.ok(server.hits.includes('/node_modules/oidc-edge/dist/oidc_edge_wasm_bg.wasm'), server.hits.join(' '));
  } finally {
    await server.close();
  }
});

/** A fresh Vite project folder `name` in the consumer folder: the app and its page. */
function viteApp(name, title) {
  const dir = path.join(consumerDir(), name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'main.js'), APP);
  fs.writeFileSync(path.join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><title>${title}</title><script type="module" src="./main.js"></script><body>loading</body>`);
  return dir;
}

test('Vite production build of an app importing "oidc-edge"', async () => {
  const dir = viteApp('vite-app', 'vite');
  execFileSync(process.execPath, [path.join(NODE_MODULES, 'vite/bin/vite.js'), 'build', '--logLevel', 'warn', '--outDir', 'dist', '--emptyOutDir'], {
    cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' },
  });
  const assets = fs.readdirSync(path.join(dir, 'dist/assets'));
  assert.equal(assets.filter((f) => f.endsWith('.wasm')).length, 1, `the .wasm is emitted as an asset: ${assets}`);
  const server = await serveStatic(path.join(dir, 'dist'));
  try {
    await runPage(`${server.url}/`);
    assert.ok(server.hits.some((h) => h.endsWith('.wasm')));
  } finally {
    await server.close();
  }
});

test('Vite dev server (with its dependency pre-bundling) serves the package and it works', async () => {
  const dir = viteApp('vite-dev', 'vite dev');
  const { createServer } = await import(path.join(NODE_MODULES, 'vite/dist/node/index.js'));
  const server = await createServer({
    root: dir,
    logLevel: 'warn',
    clearScreen: false,
    cacheDir: path.join(dir, '.vite'),
    server: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  await server.listen();
  try {
    const { port } = server.httpServer.address();
    await runPage(`http://127.0.0.1:${port}/`);
  } finally {
    await server.close();
  }
});
