// DPoP (RFC 9449): `verifyDpopProof`, the `dpop` option of access-token verification, and the
// per-process memory of proof `jti`s. The options are type-checked here; every check on a proof
// (typ, alg, jwk, signature, htm, htu, iat, jti, ath, nonce) and the binding of a token's
// `cnf.jkt` to the proof's key are the core's (wasm/src/dpop.rs, the core's `dpop` module).

import { fetchError, unwrap } from './errors.js';
import { proofChecker } from './host-crypto.js';
import { isOptionsObject, nonEmptyString, nowSeconds, seconds, stringList, validDate } from './options.js';

/** The glue's `WasmDpopReplay` behind a `DpopReplayCache`. */
const REPLAY = Symbol('oidc-edge.replay');

/** Default capacity of a replay cache (the core's `DEFAULT_REPLAY_CAPACITY`). */
const DEFAULT_CAPACITY = 10000;

/** Options of the proof itself; `proof` only in the `dpop` option, `accessToken` only in
 *  `verifyDpopProof` (with the option, the token verified is the access token). */
const PROOF_OPTIONS = new Set(['method', 'url', 'algorithms', 'maxAge', 'maxFuture', 'nonce', 'replayCache']);
const STANDALONE_OPTIONS = new Set([...PROOF_OPTIONS, 'accessToken', 'clockTolerance', 'currentDate']);
const TOKEN_OPTION = new Set([...PROOF_OPTIONS, 'proof']);

/**
 * The `DpopReplayCache` class over one glue instance: a bounded memory of the proofs seen
 * (keyed by the proof key's thumbprint and `jti`, each kept until its proof's `iat` window
 * ends; when full, the entry closest to its end goes first). One per process or isolate:
 * replays to another process are what server nonces bound.
 */
export function defineReplayCache(glue) {
  class DpopReplayCache {
    /** A memory of at most `capacity` proofs (default 10000; 0 remembers none). */
    constructor(capacity = DEFAULT_CAPACITY) {
      if (!Number.isInteger(capacity) || capacity < 0 || capacity > 0xffffffff) throw new TypeError('new DpopReplayCache(capacity): capacity must be an integer >= 0');
      this[REPLAY] = new glue.WasmDpopReplay(capacity);
    }

    /** Number of proofs remembered. */
    get size() {
      return this[REPLAY].size;
    }

    /** Forgets every proof. */
    clear() {
      this[REPLAY].clear();
    }
  }
  Object.defineProperty(DpopReplayCache.prototype, Symbol.toStringTag, { value: 'DpopReplayCache' });
  return DpopReplayCache;
}

/** The glue's replay memory for the `replayCache` option: the context's shared one by default,
 *  one that remembers nothing for `false`. */
function replayOf(ctx, value) {
  if (value === undefined) return (ctx.defaultReplay ??= new ctx.DpopReplayCache())[REPLAY];
  if (value === false) return (ctx.noReplay ??= new ctx.DpopReplayCache(0))[REPLAY];
  if (value instanceof ctx.DpopReplayCache) return value[REPLAY];
  throw new TypeError('replayCache must be a DpopReplayCache or false');
}

/** The proof options in the core's (snake_case) JSON; `names` are the ones allowed. */
function proofJson(options, names, where) {
  const out = {};
  for (const name of Object.keys(options)) {
    const value = options[name];
    if (!names.has(name)) throw new TypeError(`${where}: unknown option ${JSON.stringify(name)}`);
    if (value === undefined) continue;
    switch (name) {
      case 'method': out.method = nonEmptyString(`${where}.method`, value); break;
      case 'url': out.url = nonEmptyString(`${where}.url`, value); break;
      case 'accessToken': out.access_token = nonEmptyString(`${where}.accessToken`, value); break;
      case 'algorithms': out.algorithms = stringList(`${where}.algorithms`, value); break;
      case 'maxAge': out.max_age = seconds(`${where}.maxAge`, value); break;
      case 'maxFuture': out.max_future = seconds(`${where}.maxFuture`, value); break;
      case 'clockTolerance': out.clock_tolerance = seconds(`${where}.clockTolerance`, value); break;
      case 'nonce': out.nonce = nonEmptyString(`${where}.nonce`, value); break;
      default: break; // proof, replayCache, currentDate: read by the callers
    }
  }
  if (out.method === undefined || out.url === undefined) throw new TypeError(`${where}: method and url are required`);
  return out;
}

/** The core's check of `proof` through `replay`: `{ jkt, payload, protectedHeader }`; with
 *  `host`, the signature by node:crypto where the runtime has it (the async path). */
function checkProof(ctx, replay, proof, json, now, host = false) {
  const checker = host ? proofChecker() : undefined;
  const r = checker ? replay.verifyHost(proof, JSON.stringify(json), now, checker) : replay.verify(proof, JSON.stringify(json), now);
  if (typeof r !== 'string') unwrap(ctx.glue, r);
  return JSON.parse(r);
}

/**
 * Verifies a DPoP proof for one request: `{ jkt, payload, protectedHeader }`, or an
 * `OidcEdgeError` of kind `dpop_invalid` whose `claim` names the part at fault. Options:
 * `method` and `url` of the request (required), `accessToken` (the token presented with the
 * proof: `ath` must be its hash), `algorithms`, `maxAge` (default 60 s), `maxFuture` (5 s),
 * `clockTolerance` (30 s), `nonce` (the server nonce the proof must carry), `currentDate`,
 * `replayCache` (default: one per process; `false`: `jti` reuse not checked).
 */
export function verifyDpopProof(ctx, proof, options) {
  if (typeof proof !== 'string') throw new TypeError('verifyDpopProof(proof): proof must be a string');
  if (!isOptionsObject(options)) throw new TypeError('verifyDpopProof: options must be an object with method and url');
  const json = proofJson(options, STANDALONE_OPTIONS, 'verifyDpopProof');
  const now = nowSeconds(options.currentDate === undefined ? undefined : validDate(options.currentDate));
  return checkProof(ctx, replayOf(ctx, options.replayCache), proof, json, now);
}

/**
 * For a verification call with the `dpop` option: the proof checked for `token` (the
 * request's access token, its `ath`), with the call's clock tolerance and date (`host`: the
 * async path, whose signature checks may be the host's). Returns the
 * call's options without `dpop`, and the proof key's thumbprint the token must be bound to.
 * Without the option: the options as they are and no thumbprint (a `cnf.jkt` token is then
 * `dpop_required`, by the core).
 */
export function dpopBinding(ctx, token, options, host) {
  if (!isOptionsObject(options) || options.dpop === undefined) return { options, jkt: undefined };
  const { dpop, ...rest } = options;
  if (!isOptionsObject(dpop)) throw new TypeError('options.dpop must be an object ({ proof, method, url, ... })');
  const json = proofJson(dpop, TOKEN_OPTION, 'options.dpop');
  if (dpop.proof === undefined || dpop.proof === null || dpop.proof === '') {
    throw fetchError(ctx.glue, 'dpop_invalid', 'the request carries no DPoP proof');
  }
  if (typeof dpop.proof !== 'string') throw new TypeError('options.dpop.proof must be a string');
  json.access_token = token;
  if (rest.clockTolerance !== undefined) json.clock_tolerance = seconds('clockTolerance', rest.clockTolerance);
  const now = nowSeconds(rest.currentDate === undefined ? undefined : validDate(rest.currentDate));
  const { jkt } = checkProof(ctx, replayOf(ctx, dpop.replayCache), dpop.proof, json, now, host);
  return { options: rest, jkt };
}

/** The RFC 7638 thumbprint (SHA-256, base64url) of a public JWK: what a DPoP-bound token's
 *  `cnf.jkt` holds. A TypeError for a JWK that is not an RSA, P-256, P-384 or Ed25519 key. */
export function jwkThumbprint(ctx, jwk) {
  if (!isOptionsObject(jwk)) throw new TypeError('jwkThumbprint(jwk): jwk must be a JWK object');
  const t = ctx.glue.jwkThumbprint(JSON.stringify(jwk));
  if (!t) throw new TypeError('jwkThumbprint: not an RSA, P-256, P-384 or Ed25519 public key');
  return t;
}
