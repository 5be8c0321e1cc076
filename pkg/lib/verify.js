// The verify paths: `verifyIdToken` (sync, the core's RSA), `verifyIdTokenAsync` (also remote
// keys; the host's RSA where there is one) and `createVerifier` (options checked once). They
// pick the keys and the path; every check on the token is the core's.

import { failureError, isFailure, unwrap } from './errors.js';
import { verifyWithHost } from './host-crypto.js';
import { INNER } from './keys.js';
import { checkToken, isOptionsObject, normaliseOptions, nowSeconds } from './options.js';
import { RemoteJWKSet, remoteKeysFor } from './remote.js';
import { TrustSet, compileTrustSet } from './trust.js';
import { accepted, verifyBuiltin } from './verdict.js';

/** Keys errors that only mean "this empty set has no key": the token got past steps 1-2. */
const KEY_STEP_KINDS = new Set(['key_not_found', 'key_ambiguous', 'key_unusable', 'key_too_weak']);

function notKeys(where) {
  return new TypeError(`${where}: keys must be a JwkSet (new JwkSet(jwks)) or a trust set (createTrustSet([...]))`);
}

function verifyTrust(ctx, trust, token, options) {
  const { ts, currentDate } = compileTrustSet(ctx, trust, options);
  return accepted(ts.verify(token, nowSeconds(currentDate)), token);
}

/**
 * Verifies an ID token (or, with `profile`, a JWT access token) synchronously with the
 * built-in RSA. Returns `{ payload, protectedHeader }` or throws `OidcEdgeError`.
 */
export function verifyIdToken(ctx, token, keys, options) {
  checkToken(token);
  if (keys instanceof ctx.JwkSet) {
    const { verifier, currentDate } = ctx.verifiers.forOptions(options);
    return verifyBuiltin(verifier, token, keys, nowSeconds(currentDate));
  }
  if (keys instanceof TrustSet) return verifyTrust(ctx, keys, token, options);
  throw notKeys('verifyIdToken');
}

/** Steps 1-2 (structure, alg, crit, typ) before any fetch, so a malformed token never
 *  triggers network traffic. */
function precheck(ctx, verifier, token) {
  const r = verifier.begin(token, ctx.emptyKeys()[INNER]);
  if (isFailure(ctx.glue, r)) {
    const err = failureError(r);
    if (err instanceof TypeError || !KEY_STEP_KINDS.has(err.kind)) throw err;
  } else {
    r.free();
  }
}

/** Verification with a remote key set: checks the token's form, then fetches as needed. */
async function verifyRemote(ctx, verifier, currentDate, token, remote) {
  precheck(ctx, verifier, token);
  const set = await remoteKeysFor(ctx, remote, token);
  return verifyWithHost(ctx, verifier, token, set, nowSeconds(currentDate));
}

/** The call's options with the issuer a discovered key set vouches for. */
function withDiscoveredIssuer(options, remote) {
  if (options === undefined) options = {};
  if (!isOptionsObject(options)) throw new TypeError('options must be an object');
  if (options.issuer === undefined) return { ...options, issuer: remote.issuer };
  if (options.issuer !== remote.issuer) throw new TypeError('options.issuer differs from the discovered issuer');
  return options;
}

/**
 * Verifies with local keys, a trust set, or a remote key set (`createRemoteJWKSet` /
 * `discover`), using the host's RSA (node:crypto, WebCrypto) where the runtime has it.
 */
export async function verifyIdTokenAsync(ctx, token, keys, options) {
  checkToken(token);
  if (keys instanceof TrustSet) return verifyTrust(ctx, keys, token, options);
  if (keys instanceof ctx.JwkSet) {
    const { verifier, currentDate } = ctx.verifiers.forOptions(options);
    return verifyWithHost(ctx, verifier, token, keys, nowSeconds(currentDate));
  }
  if (!(keys instanceof RemoteJWKSet)) {
    throw new TypeError('verifyIdTokenAsync: keys must be a JwkSet, a trust set, or a remote key set (createRemoteJWKSet / discover)');
  }
  const opts = keys.issuer === undefined ? options : withDiscoveredIssuer(options, keys);
  const { verifier, currentDate } = ctx.verifiers.forOptions(opts);
  return verifyRemote(ctx, verifier, currentDate, token, keys);
}

/**
 * A reusable verifier with fixed options (checked once, now): `.verify(token, keys)` and
 * `.verifyAsync(token, keysOrRemote)`.
 */
export function createVerifier(ctx, options) {
  const { json, currentDate } = normaliseOptions(options);
  const verifier = unwrap(ctx.glue, ctx.glue.WasmVerifier.create(json));
  const configuredIssuer = options?.issuer;
  return Object.freeze({
    verify(token, keys) {
      checkToken(token);
      if (keys instanceof ctx.JwkSet) return verifyBuiltin(verifier, token, keys, nowSeconds(currentDate));
      if (keys instanceof TrustSet) throw new TypeError('createVerifier(...).verify: use verifyIdToken(token, trustSet, options) for a trust set');
      throw notKeys('verify');
    },
    async verifyAsync(token, keys) {
      checkToken(token);
      if (keys instanceof ctx.JwkSet) return verifyWithHost(ctx, verifier, token, keys, nowSeconds(currentDate));
      if (keys instanceof RemoteJWKSet) {
        if (keys.issuer !== undefined && configuredIssuer !== keys.issuer) throw new TypeError('options.issuer differs from the discovered issuer');
        return verifyRemote(ctx, verifier, currentDate, token, keys);
      }
      throw new TypeError('verifyAsync: keys must be a JwkSet or a remote key set');
    },
  });
}
