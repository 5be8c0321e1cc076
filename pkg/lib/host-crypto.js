// Host crypto for the async path: the RSA step by node:crypto (Node, Deno, Bun: called
// synchronously from wasm) or WebCrypto (browsers, Workers: checked here, the verdict handed to
// the core), else the core's own RSA. Every other check stays the core's, and a key or algorithm
// the host refuses falls back to the core's RSA, so the verdicts are the same on every path.

import { textEncoder, tokenOctets } from './encoding.js';
import { unwrap } from './errors.js';
import { INNER } from './keys.js';
import { isolatedRequests } from './runtime.js';
import { recall } from './cache.js';
import { acceptedAndKept, verifyBuiltin } from './verdict.js';

const WEB_KEYS = Symbol('oidc-edge.hostKeys'); // per-set cache of imported WebCrypto keys
const NODE_CHECKER = Symbol('oidc-edge.nodeKeys'); // per-set node:crypto checker

/** WebCrypto parameters by JWS algorithm. */
const HOST_ALGS = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  RS384: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
  RS512: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 },
  PS384: { name: 'RSA-PSS', hash: 'SHA-384', saltLength: 48 },
  PS512: { name: 'RSA-PSS', hash: 'SHA-512', saltLength: 64 },
};

/** node:crypto digest name and PSS salt length (0: PKCS#1 v1.5) by the glue's algorithm
 *  code: RS256, RS384, RS512, PS256, PS384, PS512 = 0..5 (wasm/src/host.rs `alg_code`). */
const NODE_ALGS = [['sha256', 0], ['sha384', 0], ['sha512', 0], ['sha256', 32], ['sha384', 48], ['sha512', 64]];

/** undefined: not looked up yet; null: not available; else the node:crypto module. */
let nodeCryptoModule;

/** node:crypto where the runtime is Node-compatible and offers `process.getBuiltinModule`
 *  (Node >= 20.16, Deno, Bun); never on Workers-like runtimes and never in browsers. Nothing is
 *  imported (a dynamic import would trip bundlers and Miniflare's module analysis). Its verify
 *  is synchronous and, with a KeyObject made once per key, several times faster than
 *  WebCrypto's. Elsewhere WebCrypto is used. */
function loadNodeCrypto() {
  let c = null;
  try {
    const proc = globalThis.process;
    if (proc && proc.versions && typeof proc.versions.node === 'string' && !isolatedRequests()
      && typeof proc.getBuiltinModule === 'function') {
      c = proc.getBuiltinModule('node:crypto');
      if (!c || typeof c.verify !== 'function' || typeof c.createPublicKey !== 'function' || !c.constants) c = null;
    }
  } catch {
    c = null;
  }
  nodeCryptoModule = c;
  return c;
}

function subtleCrypto() {
  const c = globalThis.crypto;
  return c && c.subtle && typeof c.subtle.verify === 'function' ? c.subtle : undefined;
}

/** The set's checker for the glue's `verifyHost` (called synchronously from wasm): a
 *  KeyObject made once per key; answers 1 (valid), 0 (invalid) or 2 (cannot decide: the
 *  built-in RSA decides). It never throws (an exception must not unwind through wasm). */
function nodeChecker(nc, keys) {
  let checker = keys[NODE_CHECKER];
  if (checker) return checker;
  const inner = keys[INNER];
  const objects = [];
  for (let i = 0; i < inner.size; i++) {
    let obj = null;
    const text = inner.publicJwk(i);
    if (text) {
      try {
        const { n, e } = JSON.parse(text);
        obj = nc.createPublicKey({ key: { kty: 'RSA', n, e }, format: 'jwk' });
      } catch {
        obj = null; // a key the host refuses: the built-in RSA decides
      }
    }
    objects.push(obj);
  }
  checker = {
    check(alg, index, data, signature) {
      try {
        const key = objects[index];
        const params = NODE_ALGS[alg];
        if (!key || !params) return 2;
        const k = params[1] ? { key, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: params[1] } : key;
        return nc.verify(params[0], data, k, signature) === true ? 1 : 0;
      } catch {
        return 2;
      }
    },
  };
  keys[NODE_CHECKER] = checker;
  return checker;
}

/** The WebCrypto key for key `index` of the set and `alg`, imported once (null: the host
 *  refuses it). */
async function webKey(subtle, keys, index, alg) {
  if (!keys[WEB_KEYS]) keys[WEB_KEYS] = new Map();
  const id = `${index}:${alg}`;
  let p = keys[WEB_KEYS].get(id);
  if (!p) {
    const text = keys[INNER].publicJwk(index);
    if (!text) return null; // not a usable RSA key for the host: the built-in RSA decides
    const { kty, n, e } = JSON.parse(text);
    const params = HOST_ALGS[alg];
    p = subtle.importKey('jwk', { kty, n, e, ext: true }, { name: params.name, hash: params.hash }, false, ['verify'])
      .catch(() => null); // e.g. an exponent the host refuses: fall back to the built-in RSA
    keys[WEB_KEYS].set(id, p);
  }
  return p;
}

/** WebCrypto's verdict on the signature the core selected a key for (`check`, freed here):
 *  true or false, or undefined when WebCrypto cannot decide (the built-in RSA decides then). */
async function webCryptoVerdict(subtle, keys, check, token) {
  if (check.memoHit) {
    check.free();
    return true;
  }
  const alg = check.alg;
  const index = check.keyIndex;
  const signature = check.signature;
  const inputLen = check.signingInputLength;
  check.free();
  // The signing input is base64url text (checked by the core): ASCII.
  const data = textEncoder.encode(token.slice(0, inputLen));
  const params = HOST_ALGS[alg];
  const key = params && await webKey(subtle, keys, index, alg);
  if (!key) return undefined;
  return subtle.verify(params.saltLength ? { name: params.name, saltLength: params.saltLength } : { name: params.name }, key, signature, data);
}

/** Full verification with the host's RSA where the runtime has one, else the core's. */
export async function verifyWithHost(ctx, verifier, token, keys, now) {
  const hit = recall(verifier, token, keys, now); // the verified-token cache (cache.js)
  if (hit !== undefined) return hit;
  const nc = nodeCryptoModule === undefined ? loadNodeCrypto() : nodeCryptoModule;
  // node:crypto: one synchronous wasm call that asks the host for the RSA step.
  if (nc) return acceptedAndKept(verifier, token, keys, verifier.verifyHost(tokenOctets(token), keys[INNER], nodeChecker(nc, keys), now));
  const subtle = subtleCrypto();
  if (!subtle) return verifyBuiltin(verifier, token, keys, now);
  const check = unwrap(ctx.glue, verifier.begin(token, keys[INNER]));
  const valid = await webCryptoVerdict(subtle, keys, check, token);
  if (valid === undefined) return verifyBuiltin(verifier, token, keys, now);
  return acceptedAndKept(verifier, token, keys, verifier.finish(token, keys[INNER], valid, now));
}
