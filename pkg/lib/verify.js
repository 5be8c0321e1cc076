// The verify paths: sync (the core's signature code), async (also remote keys; the host's
// signature code where there is one) and `createVerifier` (options checked once), for ID tokens
// (`verifyIdToken*`, default profile `id_token`) and access tokens (`verifyAccessToken*`,
// default profile `jwt`, with the `dpop` option). They pick the keys and the path; every check
// on the token is the core's.

import { dpopBinding } from './dpop.js';
import { failureError, isFailure, unwrap } from './errors.js';
import { verifyWithHost } from './host-crypto.js';
import { INNER, keySetOf } from './keys.js';
import { checkToken, isOptionsObject, normaliseOptions, nowSeconds } from './options.js';
import { RemoteJWKSet, remoteKeysFor } from './remote.js';
import { TrustSet, verifyTrust, verifyTrustAsync } from './trust.js';
import { verifyBuiltin } from './verdict.js';

/** Keys errors that only mean "this empty set has no key": the token got past steps 1-2. */
const KEY_STEP_KINDS = new Set(['key_not_found', 'key_ambiguous', 'key_unusable', 'key_too_weak']);

function notKeys(where, remote) {
  return new TypeError(`${where}: keys must be a JwkSet, a JWK Set object ({ keys: [...] }), a trust set${remote ? ' or a remote key set (createRemoteJWKSet / discover)' : ''}`);
}

/** The `dpop` option of an access-token call (default profile `jwt`) checked: the options
 *  without it and the proof key's thumbprint (`dpop.js`); `host` on the async path. */
function binding(ctx, profile, token, options, host = false) {
  return profile === 'jwt' ? dpopBinding(ctx, token, options, host) : { options, jkt: undefined };
}

/** `run(verifier)`, with the verifier bound to the DPoP proof's key `jkt` when there is one
 *  (a verifier made for this call, freed when `run` has finished, also when it is async). */
function withJkt(ctx, verifier, jkt, run) {
  if (jkt === undefined) return run(verifier);
  const bound = unwrap(ctx.glue, verifier.withDpopJkt(jkt));
  let r;
  try {
    r = run(bound);
  } catch (e) {
    bound.free();
    throw e;
  }
  if (r instanceof Promise) return r.finally(() => bound.free());
  bound.free();
  return r;
}

/** Synchronous verification with the core's signature code; `profile` is the default profile. */
export function verifySync(ctx, profile, where, token, keys, options) {
  checkToken(token);
  const { options: opts, jkt } = binding(ctx, profile, token, options);
  const set = keySetOf(ctx, keys);
  if (set) {
    const { verifier, currentDate } = ctx.verifiers.forOptions(opts, profile);
    return withJkt(ctx, verifier, jkt, (v) => verifyBuiltin(v, token, set, nowSeconds(currentDate)));
  }
  if (keys instanceof TrustSet) return verifyTrust(ctx, keys, token, opts, profile, jkt);
  throw notKeys(where, false);
}

/** Steps 1-2 (structure, alg, crit, typ) before any fetch, so a malformed token never
 *  triggers network traffic. */
export function precheck(ctx, verifier, token) {
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

/** A TypeError unless the configured issuer (one or a list) names the discovered one. */
function checkDiscoveredIssuer(issuer, remote) {
  if (![issuer].flat().includes(remote.issuer)) throw new TypeError('options.issuer does not name the discovered issuer');
}

/** The call's options with the issuer a discovered key set vouches for. */
function withDiscoveredIssuer(options, remote) {
  if (options === undefined) options = {};
  if (!isOptionsObject(options)) throw new TypeError('options must be an object');
  if (options.issuer === undefined) return { ...options, issuer: remote.issuer };
  checkDiscoveredIssuer(options.issuer, remote);
  return options;
}

/**
 * Verification with local keys, a trust set, or a remote key set (`createRemoteJWKSet` /
 * `discover`), using the host's signature code (node:crypto, WebCrypto) where the runtime
 * has it.
 */
export async function verifyAsync(ctx, profile, where, token, keys, options) {
  checkToken(token);
  const { options: opts, jkt } = binding(ctx, profile, token, options, true);
  const set = keySetOf(ctx, keys);
  if (set) {
    const { verifier, currentDate } = ctx.verifiers.forOptions(opts, profile);
    return withJkt(ctx, verifier, jkt, (v) => verifyWithHost(ctx, v, token, set, nowSeconds(currentDate)));
  }
  if (keys instanceof TrustSet) return verifyTrustAsync(ctx, keys, token, opts, profile, jkt);
  if (!(keys instanceof RemoteJWKSet)) throw notKeys(where, true);
  const remoteOpts = keys.issuer === undefined ? opts : withDiscoveredIssuer(opts, keys);
  const { verifier, currentDate } = ctx.verifiers.forOptions(remoteOpts, profile);
  return withJkt(ctx, verifier, jkt, (v) => verifyRemote(ctx, v, currentDate, token, keys));
}

/**
 * A reusable verifier with fixed options (checked once, now; default profile `id_token`):
 * `.verify(token, keys)` and `.verifyAsync(token, keysOrRemote)`.
 */
export function createVerifier(ctx, options) {
  const { json, currentDate } = normaliseOptions(options, { profile: 'id_token' });
  const verifier = unwrap(ctx.glue, ctx.glue.WasmVerifier.create(json));
  const configuredIssuer = options?.issuer;
  return Object.freeze({
    verify(token, keys) {
      checkToken(token);
      const set = keySetOf(ctx, keys);
      if (set) return verifyBuiltin(verifier, token, set, nowSeconds(currentDate));
      if (keys instanceof TrustSet) throw new TypeError('createVerifier(...).verify: pass a trust set to verifyIdToken / verifyAccessToken instead');
      throw notKeys('verify', false);
    },
    async verifyAsync(token, keys) {
      checkToken(token);
      const set = keySetOf(ctx, keys);
      if (set) return verifyWithHost(ctx, verifier, token, set, nowSeconds(currentDate));
      if (keys instanceof RemoteJWKSet) {
        if (keys.issuer !== undefined) checkDiscoveredIssuer(configuredIssuer, keys);
        return verifyRemote(ctx, verifier, currentDate, token, keys);
      }
      throw new TypeError('verifyAsync: keys must be a JwkSet, a JWK Set object or a remote key set');
    },
  });
}
