// Host crypto for the async path: the signature step (RSA, ECDSA, Ed25519) by node:crypto (Node,
// Deno, Bun: called synchronously from wasm) or WebCrypto (browsers, Workers: checked here, the
// verdict handed to the core), else the core's own code. Every other check stays the core's, and
// a key or algorithm the host refuses falls back to the core, so the verdicts are the same on
// every path. The per-algorithm parameters are in host-algs.js.

import { textEncoder, tokenOctets } from './encoding.js';
import { unwrap } from './errors.js';
import { ALGS, nodeKey, nodeVerify, webKey, webVerify } from './host-algs.js';
import { INNER } from './keys.js';
import { isolatedRequests } from './runtime.js';
import { recall } from './cache.js';
import { acceptedAndKept, verifyBuiltin } from './verdict.js';

const WEB_KEYS = Symbol('oidc-edge.hostKeys'); // per-set cache of imported WebCrypto keys
const NODE_CHECKER = Symbol('oidc-edge.nodeKeys'); // per-set node:crypto checker

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
 *  KeyObject made once per key; answers 1 (valid), 0 (invalid) or 2 (cannot decide: the core
 *  decides). It never throws (an exception must not unwind through wasm). */
function nodeChecker(nc, keys) {
  let checker = keys[NODE_CHECKER];
  if (checker) return checker;
  const inner = keys[INNER];
  const objects = [];
  for (let i = 0; i < inner.size; i++) {
    const text = inner.publicJwk(i);
    objects.push(text ? nodeKey(nc, text) : null); // null: a key the host refuses, the core decides
  }
  checker = {
    check(code, index, data, signature) {
      try {
        const key = objects[index];
        const alg = ALGS[code];
        if (!key || !alg) return 2;
        return nodeVerify(nc, alg, key, data, signature) ? 1 : 0;
      } catch {
        return 2;
      }
    },
  };
  keys[NODE_CHECKER] = checker;
  return checker;
}

/** node:crypto KeyObjects of recent DPoP proof keys (canonical JWK text -> KeyObject or null),
 *  oldest first: a client signs every proof with the same key. */
const proofKeys = new Map();
const PROOF_KEYS = 256;

/** The checker of DPoP proof signatures for the glue's `WasmDpopReplay.verifyHost` (called
 *  synchronously from wasm) where node:crypto is available, else undefined (the core checks
 *  them). Answers 1, 0 or 2 (cannot decide: the core decides); never throws. */
export function proofChecker() {
  const nc = nodeCryptoModule === undefined ? loadNodeCrypto() : nodeCryptoModule;
  if (!nc) return undefined;
  return {
    check(code, jwk, data, signature) {
      try {
        let key = proofKeys.get(jwk);
        if (key === undefined) {
          key = nodeKey(nc, jwk);
          proofKeys.set(jwk, key);
          if (proofKeys.size > PROOF_KEYS) proofKeys.delete(proofKeys.keys().next().value);
        }
        const alg = ALGS[code];
        if (!key || !alg) return 2;
        return nodeVerify(nc, alg, key, data, signature) ? 1 : 0;
      } catch {
        return 2;
      }
    },
  };
}

/** The WebCrypto key for key `index` of the set and `alg`, imported once (null: the host
 *  refuses it). */
function cachedWebKey(subtle, keys, index, alg) {
  if (!keys[WEB_KEYS]) keys[WEB_KEYS] = new Map();
  const id = `${index}:${alg}`;
  let p = keys[WEB_KEYS].get(id);
  if (!p) {
    const text = keys[INNER].publicJwk(index);
    // Not a usable key for the host, or a key or algorithm it refuses: the core decides.
    p = text ? webKey(subtle, alg, text) : Promise.resolve(null);
    keys[WEB_KEYS].set(id, p);
  }
  return p;
}

/** WebCrypto's verdict on the signature the core selected a key for (`check`, freed here):
 *  true or false, or undefined when WebCrypto cannot decide (the core decides then). */
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
  const key = await cachedWebKey(subtle, keys, index, alg);
  if (!key) return undefined;
  try {
    return await webVerify(subtle, alg, key, data, signature);
  } catch {
    return undefined;
  }
}

/** Full verification with the host's signature code where the runtime has it, else the core's. */
export async function verifyWithHost(ctx, verifier, token, keys, now) {
  const hit = recall(verifier, token, keys, now); // the verified-token cache (cache.js)
  if (hit !== undefined) return hit;
  const nc = nodeCryptoModule === undefined ? loadNodeCrypto() : nodeCryptoModule;
  // node:crypto: one synchronous wasm call that asks the host for the signature step.
  if (nc) return acceptedAndKept(verifier, token, keys, verifier.verifyHost(tokenOctets(token), keys[INNER], nodeChecker(nc, keys), now));
  const subtle = subtleCrypto();
  if (!subtle) return verifyBuiltin(verifier, token, keys, now);
  const check = unwrap(ctx.glue, verifier.begin(token, keys[INNER]));
  const valid = await webCryptoVerdict(subtle, keys, check, token);
  if (valid === undefined) return verifyBuiltin(verifier, token, keys, now);
  return acceptedAndKept(verifier, token, keys, verifier.finish(token, keys[INNER], valid, now));
}
