// The package as a user gets it: packed tarball, installed into a consumer project outside the
// repository, used through `import` and `require`; the exports map; the TypeScript declarations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AT, CLIENT, ISSUER, KEYS, ROOT, consumerDir, idToken, jwksOf, loadCjs, loadEsm,
} from './helpers.mjs';

const API = [
  'BearerError', 'DpopReplayCache', 'JwkSet', 'OidcEdgeError', 'bearerToken', 'challenge',
  'cognitoUserPool', 'createRemoteJWKSet', 'createTrustSet', 'createVerifier', 'discover',
  'inspect', 'jwkThumbprint', 'originCanonical', 'verifyAccessToken', 'verifyAccessTokenAsync',
  'verifyDpopProof', 'verifyIdToken', 'verifyIdTokenAsync', 'verifyOriginRequest',
  'verifyOriginSignature', 'workersCacheStorage',
];

test('the consumer project lives outside the repository', () => {
  const dir = consumerDir();
  assert.ok(!path.resolve(dir).startsWith(ROOT + path.sep), dir);
  assert.ok(fs.existsSync(path.join(dir, 'node_modules/oidc-edge/package.json')));
});

test('the tarball holds the package files and nothing else', () => {
  const files = JSON.parse(fs.readFileSync(path.join(consumerDir(), 'files.json'), 'utf8')).sort();
  // The hand-written files at the top (the declarations with their parts in types/), the build's
  // output in dist/: one .wasm, one entry per runtime with its source map, the CommonJS copy of
  // the declarations (parts inlined), the licences. Not the
  // sources (src/, lib/: the maps carry them) nor the build's inputs (glue, dist/api.mjs).
  const entries = ['node.mjs', 'browser.mjs', 'workerd.mjs', 'edge-light.mjs', 'index.cjs'];
  const expected = [
    'package.json', 'README.md', 'index.d.ts', 'types/origin.d.ts', 'types/remote.d.ts',
    ...['oidc_edge_wasm_bg.wasm', ...entries, ...entries.map((e) => `${e}.map`), 'index.d.cts',
      'LICENSE-MIT', 'LICENSE-APACHE'].map((f) => `dist/${f}`),
  ].sort();
  assert.deepEqual(files, expected);
});

test('the build writes only into pkg/dist/: nothing generated beside the hand-written files', () => {
  // What git ignores under pkg/ is what the build (or npm pack) made; the sources are tracked.
  const ignored = execFileSync('git', ['ls-files', '--others', '--ignored', '--exclude-standard', '--', 'pkg'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n').filter(Boolean);
  assert.ok(ignored.some((f) => f.startsWith('pkg/dist/')), 'the build output is in pkg/dist/');
  assert.deepEqual(ignored.filter((f) => !f.startsWith('pkg/dist/') && !f.endsWith('.tgz')), []);
});

test('import: the ESM entry exports the whole API and verifies a token', async () => {
  const m = await loadEsm();
  assert.deepEqual(Object.keys(m).filter((k) => k !== 'default').sort(), API);
  for (const k of API) assert.equal(m[k].name, k, 'the minified build keeps the public names');
  const keys = new m.JwkSet(jwksOf(KEYS.main));
  const { payload, protectedHeader } = m.verifyIdToken(idToken(), keys, { issuer: ISSUER, clientId: CLIENT, currentDate: AT });
  assert.equal(payload.sub, 'user-1');
  assert.equal(protectedHeader.kid, KEYS.main.kid);
});

test('require: the CommonJS entry exports the whole API and verifies a token', () => {
  const m = loadCjs();
  assert.deepEqual(Object.keys(m).sort(), API);
  for (const k of API) assert.equal(m[k].name, k, 'the minified build keeps the public names');
  const keys = new m.JwkSet(jwksOf(KEYS.main));
  const { payload } = m.verifyIdToken(idToken(), keys, { issuer: ISSUER, clientId: CLIENT, currentDate: AT });
  assert.equal(payload.aud, CLIENT);
  assert.throws(() => m.verifyIdToken(idToken({ exp: 1 }), keys, { issuer: ISSUER, clientId: CLIENT, currentDate: AT }),
    (e) => e instanceof m.OidcEdgeError && e instanceof Error && e.kind === 'expired');
});

test('createRequire and dynamic import from CommonJS resolve too', () => {
  const dir = consumerDir();
  const script = `
    const { createRequire } = require('node:module');
    const r = createRequire(__filename)('oidc-edge');
    import('oidc-edge').then((m) => {
      console.log(JSON.stringify([typeof r.verifyIdToken, typeof m.verifyIdToken, r.JwkSet === m.JwkSet]));
    });`;
  fs.writeFileSync(path.join(dir, 'dyn.cjs'), script);
  const out = execFileSync(process.execPath, [path.join(dir, 'dyn.cjs')], { cwd: dir, encoding: 'utf8' });
  // ESM and CJS consumers get separate instances (two glue copies), as documented.
  assert.deepEqual(JSON.parse(out), ['function', 'function', false]);
});

function resolveWith(conditions) {
  const dir = consumerDir();
  const args = [...conditions.map((c) => `--conditions=${c}`), '--input-type=module', '-e',
    "console.log(import.meta.resolve('oidc-edge'))"];
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return path.basename(new URL(r.stdout.trim()).pathname);
}

test('the exports map picks the entry per runtime condition (workerd before browser)', () => {
  assert.equal(resolveWith([]), 'node.mjs');
  assert.equal(resolveWith(['workerd', 'browser']), 'workerd.mjs');
  assert.equal(resolveWith(['edge-light']), 'edge-light.mjs');
  assert.equal(resolveWith(['deno']), 'node.mjs');
  assert.equal(resolveWith(['bun']), 'node.mjs');
  const pkg = JSON.parse(fs.readFileSync(path.join(consumerDir(), 'node_modules/oidc-edge/package.json'), 'utf8'));
  const order = Object.keys(pkg.exports['.']);
  assert.ok(order.indexOf('workerd') < order.indexOf('browser'), order.join(','));
  assert.equal(order.at(-1), 'default');
  assert.equal(pkg.exports['.'].browser.default, './dist/browser.mjs');
  assert.equal(pkg.exports['.'].node.require.default, './dist/index.cjs');
  // The .wasm keeps its public subpath (bundler set-ups that copy it by name).
  assert.equal(pkg.exports['./oidc_edge_wasm_bg.wasm'], './dist/oidc_edge_wasm_bg.wasm');
});

test('tsc --noEmit: a TypeScript consumer type-checks, misuse does not', () => {
  const dir = path.join(consumerDir(), 'ts');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true,
      noEmit: true, skipLibCheck: false, lib: ['es2022', 'dom'], types: [],
    },
    files: ['ok.ts', 'cjs.cts'],
  }));
  fs.writeFileSync(path.join(dir, 'ok.ts'), `
import {
  BearerError, JwkSet, OidcEdgeError, bearerToken, challenge, cognitoUserPool, createRemoteJWKSet,
  createTrustSet, createVerifier, discover, inspect, verifyAccessToken, verifyAccessTokenAsync,
  verifyIdToken, verifyIdTokenAsync, workersCacheStorage, verifyDpopProof, DpopReplayCache, jwkThumbprint,
  type CheckId, type DpopProof, type ErrorKind, type JWTPayload, type KeySetStorage, type VerifyOptions,
} from 'oidc-edge';

const keys = new JwkSet({ keys: [] });
const keys2: JwkSet = JwkSet.fromJson('{"keys":[]}');
const n: number = keys.size + keys2.keyIds.length;
const opts: VerifyOptions = { issuer: 'https://op', clientId: 'c', clockTolerance: '30s', maxAge: 300, algorithms: ['RS256', 'PS256'] };
interface Mine extends JWTPayload { email?: string }
const r = verifyIdToken<Mine>('t', keys, opts);
const email: string | undefined = r.payload.email;
const kid: string | undefined = r.protectedHeader.kid;
const trust = createTrustSet([{ issuer: 'https://a', keys, clientIds: ['x'] }], { clockTolerance: 5 });
verifyIdToken('t', trust);
const v = createVerifier({ issuer: 'https://op', profile: 'at_jwt', audience: 'https://api' });
v.verify('t', keys);
async function f(): Promise<void> {
  const remote = createRemoteJWKSet(new URL('https://op/jwks'), { timeoutDuration: 1000, cacheMaxAge: 60000, cooldownDuration: 30000 });
  const op = await discover('https://op');
  await verifyIdTokenAsync('t', remote, opts);
  await verifyIdTokenAsync('t', op, { clientId: 'c' });
  await v.verifyAsync('t', remote);
  const fresh: boolean = remote.fresh;
  await remote.reload();
  void fresh;
}
try { void f(); } catch (e) {
  if (e instanceof OidcEdgeError) {
    const k: ErrorKind = e.kind;
    const c: string = e.code;
    const claim: string | undefined = e.claim;
    const check: CheckId = e.check;
    const reason: 'missing' | 'invalid' | 'check_failed' | undefined = e.reason;
    const status: number = e.status;
    void k; void c; void claim; void check; void reason; void status;
    const { status: s, headers, body } = challenge(e, { realm: 'api', scope: ['read'] });
    void s; void headers; void body.kind;
  } else if (e instanceof BearerError) {
    const err: 'invalid_request' | undefined = e.error;
    void err;
  }
}
// access tokens: plain JWK Set objects, issuer lists and templates, scopes, Cognito, storage
const at = verifyAccessToken('t', { keys: [] }, {
  issuer: ['https://a', 'https://login.example/{tenantid}/v2.0'], allowedTenants: ['x'], audience: 'api',
  requiredScopes: 'read write', requiredRoles: ['Admin'], clientIds: ['c'],
});
const scp: string | string[] | undefined = at.payload.scp;
const pool = cognitoUserPool({ userPoolId: 'us-east-1_abc', region: 'us-east-1', primaryRegion: 'us-east-1' });
const issuers: string[] = pool.issuer;
const storage: KeySetStorage = workersCacheStorage();
const stored = createRemoteJWKSet(pool.jwksUri, { storage });
const mixed = createTrustSet([{ issuer: issuers, keys: stored, clientIds: ['c'] }, { issuer: 'https://b', keys: { keys: [] } }], { profile: 'cognito_access' });
async function g(): Promise<void> {
  await verifyAccessTokenAsync('t', stored, { issuer: pool.issuer, profile: 'cognito_access', clientIds: ['c'] });
  await verifyAccessTokenAsync('t', mixed);
  const token: string = bearerToken(new Request('https://api'));
  void token;
}
void g; void scp;
// EC / Ed25519 algorithms and DPoP
const ec = verifyAccessToken('t', { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] }, { issuer: 'i', audience: 'a', algorithms: ['ES256', 'ES384', 'EdDSA', 'Ed25519'] });
const replay = new DpopReplayCache(100);
const proof: DpopProof = verifyDpopProof('p', { method: 'GET', url: 'https://api/x', accessToken: 't', maxAge: '2 minutes', nonce: 'n', replayCache: replay });
const jkt: string = proof.jkt + jwkThumbprint(proof.protectedHeader.jwk) + replay.size;
verifyAccessToken('t', keys, { issuer: 'i', audience: 'a', dpop: { proof: 'p', method: 'GET', url: 'https://api/x', replayCache: false } });
verifyAccessToken('t', trust, { dpop: { proof: null, method: 'GET', url: 'https://api/x' } });
const dc = challenge(new OidcEdgeError('m'), { dpop: true, dpopNonce: 'n' });
void ec; void jkt; void dc;
const u = inspect('t');
const untrusted: false = u.trusted;
void n; void email; void kid; void untrusted;

// Misuse must not compile:
// @ts-expect-error unknown profile
createVerifier({ issuer: 'x', profile: 'saml' });
// @ts-expect-error algorithms are names, not strings at large
createVerifier({ issuer: 'x', clientId: 'c', algorithms: ['HS256'] });
// @ts-expect-error currentDate is a Date
createVerifier({ issuer: 'x', clientId: 'c', currentDate: 5 });
// @ts-expect-error a trust set takes no issuer in its options
verifyIdToken('t', trust, { issuer: 'x' });
// @ts-expect-error keys are a JWK Set, not a list of keys
verifyIdToken('t', [], opts);
// @ts-expect-error a remote key set needs the async call
verifyAccessToken('t', stored, { issuer: 'x', audience: 'a' });
// @ts-expect-error dpop is an access-token option
verifyIdToken('t', keys, { ...opts, dpop: { proof: 'p', method: 'GET', url: 'u' } });
// @ts-expect-error a DPoP proof is checked for a request: method and url are required
verifyDpopProof('p', { accessToken: 't' });
`);
  fs.writeFileSync(path.join(dir, 'cjs.cts'), `
import oidc = require('oidc-edge');
const k = new oidc.JwkSet({ keys: [] });
const r = oidc.verifyIdToken('t', k, { issuer: 'x', clientId: 'c' });
const s: string | undefined = r.payload.sub;
void s;
`);
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);

  // And the checker really checks: a wrong type is reported.
  fs.writeFileSync(path.join(dir, 'bad.ts'), `
import { verifyIdToken, JwkSet } from 'oidc-edge';
const r = verifyIdToken('t', new JwkSet({ keys: [] }), { issuer: 'x', clientId: 'c' });
const n: number = r.payload.sub;
`);
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8'));
  cfg.files = ['bad.ts'];
  fs.writeFileSync(path.join(dir, 'tsconfig.bad.json'), JSON.stringify(cfg));
  const bad = spawnSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.bad.json')], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0, 'tsc accepted a type error');
  assert.match(bad.stdout, /TS2322/);
});

test('the .wasm imports no clock and no randomness (time is always passed in)', () => {
  const bytes = fs.readFileSync(path.join(consumerDir(), 'node_modules/oidc-edge/dist/oidc_edge_wasm_bg.wasm'));
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => i.name);
  assert.ok(imports.length > 0);
  for (const name of imports) {
    assert.match(name, /^__wb(g|indgen)_/, `unexpected import ${name}`);
    assert.doesNotMatch(name, /now|date|time|random|crypto|getrandom|performance/i, `clock or randomness import ${name}`);
  }
});
