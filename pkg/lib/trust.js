// Trust sets: several issuers, each with its own keys and client ids; the token's `iss` picks the
// entry and the core checks the signature with that entry's keys only.

import { unwrap } from './errors.js';
import { INNER, toKeySet } from './keys.js';
import { nonEmptyString, normaliseOptions, stringList } from './options.js';

/** Compiled core trust sets kept per set (one per distinct call options). */
const COMPILED_PER_SET = 8;
const ENTRY_FIELDS = ['issuer', 'keys', 'clientIds', 'clientId'];

/** The issuers of a trust set with its base options; compiled by `compileTrustSet`. */
export class TrustSet {
  constructor(entries, baseOptions) {
    this.entries = entries;
    this.baseOptions = baseOptions;
    /** normalised options (JSON) -> the glue's `WasmTrustSet`. */
    this.compiled = new Map();
  }

  /** The issuers of the set, in order. */
  get issuers() {
    return this.entries.map((e) => e.issuer);
  }
}
Object.defineProperty(TrustSet.prototype, Symbol.toStringTag, { value: 'TrustSet' });

/** `{ ts, currentDate }`: the core's trust set for the set's base options overlaid with a
 *  call's options (issuer and client ids are refused there: they come from the entries). */
export function compileTrustSet(ctx, set, options) {
  const merged = { ...set.baseOptions, ...(options || {}) };
  const { json, currentDate } = normaliseOptions(merged, { trustSet: true });
  let ts = set.compiled.get(json);
  if (!ts) {
    const b = new ctx.glue.WasmTrustBuilder();
    for (const e of set.entries) b.add(e.issuer, e.clientIds, e.keys[INNER]);
    const r = b.build(json);
    b.free();
    ts = unwrap(ctx.glue, r);
    set.compiled.set(json, ts);
    if (set.compiled.size > COMPILED_PER_SET) set.compiled.delete(set.compiled.keys().next().value);
  }
  return { ts, currentDate };
}

/**
 * Several issuers, each with its own keys and client ids. `baseOptions` holds everything but
 * issuer and client ids (profile, algorithms, clockTolerance, ...).
 */
export function createTrustSet(ctx, entries, baseOptions) {
  if (!Array.isArray(entries) || entries.length === 0) throw new TypeError('createTrustSet(entries): entries must be a non-empty array');
  const list = entries.map((e, i) => {
    if (e === null || typeof e !== 'object') throw new TypeError(`createTrustSet: entries[${i}] must be an object`);
    for (const k of Object.keys(e)) {
      if (!ENTRY_FIELDS.includes(k)) throw new TypeError(`createTrustSet: entries[${i}]: unknown field ${JSON.stringify(k)}`);
    }
    const clientIds = [];
    if (e.clientId !== undefined) clientIds.push(nonEmptyString(`entries[${i}].clientId`, e.clientId));
    if (e.clientIds !== undefined) clientIds.push(...stringList(`entries[${i}].clientIds`, e.clientIds));
    return {
      issuer: nonEmptyString(`entries[${i}].issuer`, e.issuer),
      keys: toKeySet(ctx, e.keys, `createTrustSet: entries[${i}]`),
      clientIds,
    };
  });
  // Validate the base options now (and the per-profile requirements via the core).
  const set = new TrustSet(list, baseOptions === undefined ? {} : baseOptions);
  compileTrustSet(ctx, set, undefined);
  return set;
}
