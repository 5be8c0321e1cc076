// Trust sets: several issuers, each with its own keys, client ids, audience and tenants. The
// token's `iss` picks the entry (the core routes it, nothing verified yet); the token is then
// verified with that entry's keys alone: a local set, or a remote one fetched for that entry
// only.

import { unwrap } from './errors.js';
import { INNER, keySetOf } from './keys.js';
import { isOptionsObject, normaliseOptions, nowSeconds, stringList } from './options.js';
import { RemoteJWKSet, remoteKeysFor } from './remote.js';
import { accepted } from './verdict.js';

/** Compiled core trust sets kept per set (one per distinct call options). */
const COMPILED_PER_SET = 8;
/** An entry's own options (its policy), besides its keys. */
const ENTRY_OPTIONS = ['issuer', 'clientIds', 'clientId', 'audience', 'allowedTenants', 'anyTenant'];

/** The issuers of a trust set with its base options; compiled by `compileTrustSet`. */
export class TrustSet {
  constructor(entries, baseOptions) {
    /** [{ issuer: string[], keys: JwkSet | RemoteJWKSet, json }] */
    this.entries = entries;
    this.baseOptions = baseOptions;
    this.remote = entries.some((e) => e.keys instanceof RemoteJWKSet);
    /** normalised options (JSON) -> the glue's `WasmTrustSet`. */
    this.compiled = new Map();
  }

  /** The issuer names of the set, entry by entry. */
  get issuers() {
    return this.entries.flatMap((e) => e.issuer);
  }
}
Object.defineProperty(TrustSet.prototype, Symbol.toStringTag, { value: 'TrustSet' });

/** `{ ts, currentDate, once }`: the core's trust set for the set's base options overlaid with
 *  a call's options (the entries' own options are refused there); `profile` is the call's
 *  default profile. With `dpopJkt` (one request's DPoP proof key) the set is made for this
 *  call only (`once`: the caller frees it), so per-request sets never evict the kept ones. */
function compileTrustSet(ctx, set, options, profile, dpopJkt) {
  const merged = { ...set.baseOptions, ...(options || {}) };
  const { json, currentDate } = normaliseOptions(merged, { trustSet: true, profile, dpopJkt });
  let ts = dpopJkt === undefined ? set.compiled.get(json) : undefined;
  if (!ts) {
    const b = new ctx.glue.WasmTrustBuilder();
    try {
      for (const e of set.entries) {
        const f = b.add(e.json);
        if (f !== undefined) unwrap(ctx.glue, f);
      }
      ts = unwrap(ctx.glue, b.build(json));
    } finally {
      b.free();
    }
    if (dpopJkt !== undefined) return { ts, currentDate, once: true };
    set.compiled.set(json, ts);
    if (set.compiled.size > COMPILED_PER_SET) set.compiled.delete(set.compiled.keys().next().value);
  }
  return { ts, currentDate, once: false };
}

/** One entry checked: its keys (local, remote or discovered) and its policy as core JSON. */
function entryOf(ctx, e, i) {
  const where = `createTrustSet: entries[${i}]`;
  if (!isOptionsObject(e)) throw new TypeError(`${where} must be an object`);
  const { keys: k, ...own } = e;
  for (const name of Object.keys(own)) {
    if (!ENTRY_OPTIONS.includes(name)) throw new TypeError(`${where}: unknown field ${JSON.stringify(name)}`);
  }
  const keys = k instanceof RemoteJWKSet ? k : keySetOf(ctx, k);
  if (!keys) throw new TypeError(`${where}: keys must be a JwkSet, a JWK Set object or a remote key set`);
  // A discovered key set vouches for its issuer: the entry names it (or takes it from there).
  if (keys instanceof RemoteJWKSet && keys.issuer !== undefined) {
    if (own.issuer === undefined) own.issuer = keys.issuer;
    else if (![own.issuer].flat().includes(keys.issuer)) throw new TypeError(`${where}: issuer does not name the discovered issuer`);
  }
  const issuer = stringList(`${where}.issuer`, own.issuer, { single: true });
  return { issuer, keys, json: normaliseOptions(own).json };
}

/**
 * Several issuers, each with its own keys and options (`issuer`, `clientIds` / `clientId`,
 * `audience`, `allowedTenants`, `anyTenant`). `baseOptions` holds the rest (profile,
 * algorithms, clockTolerance, a common audience, ...).
 */
export function createTrustSet(ctx, entries, baseOptions) {
  if (!Array.isArray(entries) || entries.length === 0) throw new TypeError('createTrustSet(entries): entries must be a non-empty array');
  const set = new TrustSet(entries.map((e, i) => entryOf(ctx, e, i)), baseOptions === undefined ? {} : baseOptions);
  // The option types are checked now; the profile's requirements too when the base options
  // name the profile (else the call's default profile decides, at the first call).
  if (set.baseOptions.profile === undefined) normaliseOptions(set.baseOptions, { trustSet: true });
  else compileTrustSet(ctx, set, undefined);
  return set;
}

/** Verification with a trust set of local keys, synchronously with the core's signature code;
 *  `dpopJkt`: the key of the request's DPoP proof. */
export function verifyTrust(ctx, set, token, options, profile, dpopJkt) {
  if (set.remote) throw new TypeError('this trust set has remote keys: use verifyAccessTokenAsync / verifyIdTokenAsync');
  const { ts, currentDate, once } = compileTrustSet(ctx, set, options, profile, dpopJkt);
  try {
    const index = unwrap(ctx.glue, ts.route(token));
    return accepted(ts.verify(token, index, set.entries[index].keys[INNER], nowSeconds(currentDate)), token);
  } finally {
    if (once) ts.free();
  }
}

/** Verification with a trust set on the async path: only the keys of the entry the token
 *  names are fetched (when remote). */
export async function verifyTrustAsync(ctx, set, token, options, profile, dpopJkt) {
  const { ts, currentDate, once } = compileTrustSet(ctx, set, options, profile, dpopJkt);
  try {
    const index = unwrap(ctx.glue, ts.route(token));
    const entryKeys = set.entries[index].keys;
    const keys = entryKeys instanceof RemoteJWKSet ? await remoteKeysFor(ctx, entryKeys, token) : entryKeys;
    return accepted(ts.verify(token, index, keys[INNER], nowSeconds(currentDate)), token);
  } finally {
    if (once) ts.free();
  }
}
