// The public JavaScript API of the `oidc-edge` npm package, built over one instance of the
// wasm-bindgen glue.
//
// Everything about tokens is decided by the Rust core. The modules beside this file only
// translate: options.js checks option types (a wrong type is a TypeError) and turns
// `currentDate` into the `now` the core expects; remote.js, discovery.js and fetch.js perform the
// HTTP fetches the core's key cache asks for, and storage.js keeps fetched sets for other
// processes; trust.js fetches the keys of the entry the core routes a token to; host-crypto.js
// answers the core's signature checks on the async path with the host's crypto (host-algs.js);
// dpop.js checks DPoP proofs through the core and binds tokens to them; errors.js turns
// the core's failure records into `OidcEdgeError` objects; http.js reads bearer tokens from
// requests and answers refused ones (RFC 6750). No exception crosses the wasm boundary: every glue call returns a value or a
// `WasmFailure` record, and the host checker never throws.
//
// The modules are written once as ES modules; the build (scripts/build-pkg.sh) bundles them with
// the glue into each entry file (minified; converted to CommonJS for the `require` entry).
// Nothing may touch the glue at evaluation time, because the ES entries initialise the wasm
// module after importing this file.

import { cognitoUserPool } from './cognito.js';
import { discover } from './discovery.js';
import { defineReplayCache, jwkThumbprint, verifyDpopProof } from './dpop.js';
import { OidcEdgeError } from './errors.js';
import { BearerError, bearerToken, challenge } from './http.js';
import { inspect } from './inspect.js';
import { originCanonical, verifyOriginRequest, verifyOriginSignature } from './origin.js';
import { defineJwkSet } from './keys.js';
import { RemoteJWKSet, createRemoteJWKSet } from './remote.js';
import { workersCacheStorage } from './storage.js';
import { TrustSet, createTrustSet } from './trust.js';
import { createVerifier, verifyAsync, verifySync } from './verify.js';
import { CompiledVerifiers } from './verifiers.js';

/**
 * What the modules share for one glue instance, passed to them explicitly: the glue, the
 * `JwkSet` and `DpopReplayCache` classes over it (and the default replay cache, made on first
 * use by dpop.js), the snapshots of plain JWK Set objects, its compiled verifiers, and
 * an empty key set made on first use.
 */
function createContext(glue) {
  let emptyKeys;
  const ctx = {
    glue,
    JwkSet: defineJwkSet(glue),
    DpopReplayCache: defineReplayCache(glue),
    snapshots: new WeakMap(),
    verifiers: new CompiledVerifiers(glue),
    emptyKeys: () => (emptyKeys ??= ctx.JwkSet.fromJson('{"keys":[]}')),
  };
  return ctx;
}

/**
 * Builds the API over one instance of the wasm-bindgen glue (`--target web` glue for the ES
 * entries, `--target nodejs` glue for the CommonJS entry).
 */
export function createApi(glue) {
  const ctx = createContext(glue);
  const api = {
    OidcEdgeError,
    BearerError,
    JwkSet: ctx.JwkSet,
    verifyAccessToken: (token, keys, options) => verifySync(ctx, 'jwt', 'verifyAccessToken', token, keys, options),
    verifyAccessTokenAsync: (token, keys, options) => verifyAsync(ctx, 'jwt', 'verifyAccessTokenAsync', token, keys, options),
    verifyIdToken: (token, keys, options) => verifySync(ctx, 'id_token', 'verifyIdToken', token, keys, options),
    verifyIdTokenAsync: (token, keys, options) => verifyAsync(ctx, 'id_token', 'verifyIdTokenAsync', token, keys, options),
    verifyDpopProof: (proof, options) => verifyDpopProof(ctx, proof, options),
    DpopReplayCache: ctx.DpopReplayCache,
    jwkThumbprint: (jwk) => jwkThumbprint(ctx, jwk),
    createVerifier: (options) => createVerifier(ctx, options),
    createTrustSet: (entries, baseOptions) => createTrustSet(ctx, entries, baseOptions),
    createRemoteJWKSet: (url, options) => createRemoteJWKSet(ctx, url, options),
    discover: (issuer, options) => discover(ctx, issuer, options),
    cognitoUserPool: (pool) => cognitoUserPool(ctx, pool),
    workersCacheStorage,
    bearerToken,
    challenge,
    inspect,
    originCanonical,
    verifyOriginSignature,
    verifyOriginRequest,
  };
  // The shipped entries are minified (scripts/build-pkg.sh), which renames functions and
  // classes; their `name` stays what the API calls them.
  for (const [name, value] of Object.entries({ ...api, TrustSet, RemoteJWKSet })) {
    if (value.name !== name) Object.defineProperty(value, 'name', { value: name });
  }
  return api;
}
