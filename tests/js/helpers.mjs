// Shared helpers of the Node suites: the packed package installed into a consumer project
// outside the repository, token minting with node:crypto, fixture keys and vectors.
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PKG = path.join(ROOT, 'pkg');
/** What scripts/build-pkg.sh writes (the .wasm, the entries): all of it in pkg/dist/. */
export const DIST = path.join(PKG, 'dist');
export const NODE_MODULES = path.join(ROOT, 'node_modules');

/** The test-only fixture RSA keys (private JWKs): main, other (2048), big (4096), weak (1024). */
export const KEYS = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/js/fixtures/keys.json'), 'utf8'));

/** The committed EC and Ed25519 test keys (tests/vectors/keys/core) as private JWKs with
 *  their kid: p256 (alg ES256), p384 (alg ES384), ed25519 (no alg). */
export const CURVE_KEYS = Object.fromEntries([['p256', 'ES256'], ['p384', 'ES384'], ['ed25519']].map(([name, alg]) => {
  const pem = fs.readFileSync(path.join(ROOT, `tests/vectors/keys/core/test-${name}.pem`), 'utf8');
  const jwk = crypto.createPrivateKey(pem).export({ format: 'jwk' });
  return [name, { ...jwk, kid: `test-${name}`, ...(alg ? { alg } : {}) }];
}));

export function publicJwk(jwk) {
  const { d, p, q, dp, dq, qi, ...pub } = jwk;
  return pub;
}

export function jwksOf(...jwks) {
  return { keys: jwks.map(publicJwk) };
}

/** Where the spec vectors are: the repository's copy in tests/vectors. */
export function vectorsDir(kind) {
  const local = path.join(ROOT, 'tests/vectors', kind);
  const marker = path.join(local, kind === 'spec' ? 'index.json' : 'json_web_signature_test.json');
  if (!fs.existsSync(marker)) throw new Error(`test vectors missing: ${marker}`);
  return local;
}

// ---- the package as a user installs it ----

function run(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * `npm pack` of pkg/ installed into a consumer project under the system temp dir (outside the
 * repository tree). Cached by the tarball's hash; OIDC_EDGE_CONSUMER overrides.
 */
export function consumerDir() {
  if (process.env.OIDC_EDGE_CONSUMER) return process.env.OIDC_EDGE_CONSUMER;
  if (!fs.existsSync(path.join(DIST, 'oidc_edge_wasm_bg.wasm'))) {
    throw new Error('pkg/dist/ is not built: run scripts/build-pkg.sh first');
  }
  const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-edge-pack-'));
  const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', packDir], PKG));
  const tgz = path.join(packDir, out[0].filename);
  const hash = crypto.createHash('sha256').update(fs.readFileSync(tgz)).digest('hex').slice(0, 16);
  const final = path.join(os.tmpdir(), `oidc-edge-consumer-${hash}`);
  if (fs.existsSync(path.join(final, '.ready'))) return final;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-edge-consumer-tmp-'));
  fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
  run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', tgz], work);
  fs.writeFileSync(path.join(work, 'esm.mjs'), "export * from 'oidc-edge';\n");
  fs.writeFileSync(path.join(work, 'cjs.cjs'), "module.exports = require('oidc-edge');\n");
  fs.writeFileSync(path.join(work, 'files.json'), JSON.stringify(out[0].files.map((f) => f.path)));
  fs.writeFileSync(path.join(work, '.ready'), tgz);
  try {
    fs.renameSync(work, final);
  } catch {
    fs.rmSync(work, { recursive: true, force: true }); // another process won the race
  }
  return final;
}

/**
 * A folder `name` inside the consumer project (where the packed `oidc-edge` is installed), for
 * code written as a user would (workers, middleware examples). `links` are packages of this
 * repository's node_modules it imports too (a framework), linked into its own node_modules.
 */
export function consumerProject(name, { links = [] } = {}) {
  const dir = path.join(consumerDir(), name);
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  for (const pkg of links) {
    const link = path.join(dir, 'node_modules', pkg);
    if (!fs.existsSync(link)) fs.symlinkSync(path.join(NODE_MODULES, pkg), link, 'dir');
  }
  return dir;
}

/** The package through `import` (Node's "node" + "import" conditions). */
export async function loadEsm() {
  return import(pathToFileURL(path.join(consumerDir(), 'esm.mjs')).href);
}

/** The package through `require` (the CommonJS entry). */
export function loadCjs() {
  return createRequire(path.join(consumerDir(), 'cjs.cjs'))(path.join(consumerDir(), 'cjs.cjs'));
}

// ---- tokens ----

export function b64u(data) {
  return Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)).toString('base64url');
}

const HASHES = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

/** Signs `${header}.${payload}` (objects are JSON-encoded; strings are used as the segment text). */
export function signJwt(header, payload, jwk, { alg } = {}) {
  const h = typeof header === 'string' ? header : b64u(header);
  const p = typeof payload === 'string' ? payload : b64u(payload);
  const input = `${h}.${p}`;
  const a = alg ?? (typeof header === 'object' ? header.alg : 'RS256');
  const key = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  const bits = Number(a.slice(2));
  let sig;
  if (a.startsWith('PS')) {
    sig = crypto.sign(HASHES[bits], Buffer.from(input), { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: bits / 8 });
  } else if (a.startsWith('RS')) {
    sig = crypto.sign(HASHES[bits], Buffer.from(input), key);
  } else if (a.startsWith('ES')) {
    sig = crypto.sign(HASHES[bits], Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  } else if (a === 'EdDSA' || a === 'Ed25519') {
    sig = crypto.sign(null, Buffer.from(input), key);
  } else if (a.startsWith('HS')) {
    sig = crypto.createHmac(HASHES[bits], Buffer.from(JSON.stringify(publicJwk(jwk)))).update(input).digest();
  } else {
    sig = Buffer.alloc(0);
  }
  return `${input}.${sig.toString('base64url')}`;
}

export const ISSUER = 'https://op.example.test';
export const CLIENT = 'client-123';
export const NOW = 1_800_000_000;

/** A valid ID token's claims at NOW. */
export function idClaims(extra = {}) {
  return {
    iss: ISSUER, sub: 'user-1', aud: CLIENT, iat: NOW - 10, exp: NOW + 600, ...extra,
  };
}

export function idToken(extraClaims = {}, { header = {}, key = KEYS.main } = {}) {
  return signJwt({ alg: 'RS256', kid: key.kid, ...header }, idClaims(extraClaims), key);
}

export const AT = new Date(NOW * 1000);

/** ID tokens (idClaims) signed with RS256 (the main key), ES256, ES384 and EdDSA (the committed
 *  curve keys), each with its key's JWK Set: what the runtime suites verify everywhere. */
export function algorithmCases() {
  return [['RS256', KEYS.main], ['ES256', CURVE_KEYS.p256], ['ES384', CURVE_KEYS.p384], ['EdDSA', CURVE_KEYS.ed25519]]
    .map(([alg, key]) => ({ alg, token: idToken({}, { header: { alg }, key }), jwks: jwksOf(key) }));
}

/** A DPoP proof (RFC 9449) by private JWK `key` for `alg`: typ dpop+jwt, the public key in the
 *  header, `htm` GET at NOW with a fresh jti; `claims` and `header` add or override. */
export function dpopProof(key, alg, { claims = {}, header = {} } = {}) {
  const { kid, alg: _alg, ...jwk } = publicJwk(key);
  const payload = { htm: 'GET', iat: NOW, jti: crypto.randomUUID(), ...claims };
  return signJwt({ typ: 'dpop+jwt', alg, jwk, ...header }, payload, key);
}

/** The token with its signature's last octet changed (still canonical base64url). */
export function tamper(token) {
  const dot = token.lastIndexOf('.') + 1;
  const sig = Buffer.from(token.slice(dot), 'base64url');
  sig[sig.length - 1] ^= 1;
  return `${token.slice(0, dot)}${sig.toString('base64url')}`;
}

/** A proof's `ath`: base64url(SHA-256(access token)). */
export function accessTokenHash(token) {
  return crypto.createHash('sha256').update(token).digest('base64url');
}

/** RFC 9449's token-request proof (tests/vectors/rfc), with its request and key thumbprint. */
export function rfc9449Proof() {
  const v = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/vectors/rfc/rfc9449-dpop.json'), 'utf8'));
  const r = v.token_request;
  return { proof: r.proof, method: r.method, url: r.url, at: r.iat * 1000, jkt: v.jkt };
}
