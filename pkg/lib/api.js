// The public JavaScript API of the `oidc-edge` npm package, built over one instance of the
// wasm-bindgen glue.
//
// Everything about tokens is decided by the Rust core. The modules beside this file only
// translate: options.js checks option types (a wrong type is a TypeError) and turns
// `currentDate` into the `now` the core expects; remote.js and fetch.js perform the HTTP fetches
// the core's key cache asks for; host-crypto.js answers the core's signature checks on the async
// path with the host's RSA; errors.js turns the core's failure records into `OidcEdgeError`
// objects. No exception crosses the wasm boundary: every glue call returns a value or a
// `WasmFailure` record, and the host checker never throws.
//
// The modules are written once as ES modules; the build (scripts/build-pkg.sh) bundles them with
// the glue into each entry file (minified; converted to CommonJS for the `require` entry).
// Nothing may touch the glue at evaluation time, because the ES entries initialise the wasm
// module after importing this file.

import { OidcEdgeError } from './errors.js';
import { inspect } from './inspect.js';
import { defineJwkSet } from './keys.js';
import { RemoteJWKSet, createRemoteJWKSet, discover } from './remote.js';
import { TrustSet, createTrustSet } from './trust.js';
import { createVerifier, verifyIdToken, verifyIdTokenAsync } from './verify.js';
import { CompiledVerifiers } from './verifiers.js';

/**
 * What the modules share for one glue instance, passed to them explicitly: the glue, the
 * `JwkSet` class over it, its compiled verifiers, and an empty key set made on first use.
 */
function createContext(glue) {
  let emptyKeys;
  const ctx = {
    glue,
    JwkSet: defineJwkSet(glue),
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
    JwkSet: ctx.JwkSet,
    verifyIdToken: (token, keys, options) => verifyIdToken(ctx, token, keys, options),
    verifyIdTokenAsync: (token, keys, options) => verifyIdTokenAsync(ctx, token, keys, options),
    createVerifier: (options) => createVerifier(ctx, options),
    createTrustSet: (entries, baseOptions) => createTrustSet(ctx, entries, baseOptions),
    createRemoteJWKSet: (url, options) => createRemoteJWKSet(ctx, url, options),
    discover: (issuer, options) => discover(ctx, issuer, options),
    inspect,
  };
  // The shipped entries are minified (scripts/build-pkg.sh), which renames functions and
  // classes; their `name` stays what the API calls them.
  for (const [name, value] of Object.entries({ ...api, TrustSet, RemoteJWKSet })) {
    if (value.name !== name) Object.defineProperty(value, 'name', { value: name });
  }
  return api;
}
