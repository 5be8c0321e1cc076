// Local key sets: `JwkSet` (a JWK Set parsed once by the core, with its memo of verified
// signatures) and the plain JWK Set objects accepted wherever a key set is (parsed once per
// object).

import { unwrap } from './errors.js';

/** The glue's `WasmKeys` behind a `JwkSet`. */
export const INNER = Symbol('oidc-edge.inner');

/**
 * The `JwkSet` class over one glue instance (its public constructor parses with that glue, so
 * the class is made per glue, once, by `createApi`).
 */
export function defineJwkSet(glue) {
  const parse = (text) => unwrap(glue, glue.WasmKeys.parse(text));

  class JwkSet {
    /** Parses a JWK Set object ({ keys: [...] }) once; reuse the instance for every token. */
    constructor(jwks) {
      if (jwks === null || typeof jwks !== 'object') throw new TypeError('new JwkSet(jwks): jwks must be a JWK Set object ({ keys: [...] })');
      this[INNER] = parse(JSON.stringify(jwks));
    }

    /** Parses a JWK Set from its JSON text. */
    static fromJson(text) {
      if (typeof text !== 'string') throw new TypeError('JwkSet.fromJson(text): text must be a string');
      return wrapInner(JwkSet, parse(text));
    }

    /** Number of keys in the set (usable or not). */
    get size() {
      return this[INNER].size;
    }

    /** The `kid` of every key that has one. */
    get keyIds() {
      return this[INNER].keyIds();
    }
  }
  Object.defineProperty(JwkSet.prototype, Symbol.toStringTag, { value: 'JwkSet' });
  return JwkSet;
}

function wrapInner(JwkSet, inner) {
  const set = Object.create(JwkSet.prototype);
  set[INNER] = inner;
  return set;
}

/** A `JwkSet` around a glue `WasmKeys` the core has already parsed (e.g. a cache snapshot). */
export function wrapKeys(ctx, inner) {
  return wrapInner(ctx.JwkSet, inner);
}

/** Whether `value` looks like a JWK Set document (`{ keys: [...] }`). */
export function isJwksObject(value) {
  return value !== null && typeof value === 'object' && Array.isArray(value.keys);
}

/**
 * A `JwkSet` as it is, or the snapshot of a plain JWK Set object: parsed by the core at its
 * first use and kept for that object (a WeakMap, so it goes with the object). Later in-place
 * edits of the object are not seen: a new object (or a remote key set) brings new keys.
 * `undefined` for anything else.
 */
export function keySetOf(ctx, value) {
  if (value instanceof ctx.JwkSet) return value;
  if (!isJwksObject(value)) return undefined;
  let set = ctx.snapshots.get(value);
  if (!set) {
    set = new ctx.JwkSet(value);
    ctx.snapshots.set(value, set);
  }
  return set;
}
