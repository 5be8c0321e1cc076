// Compiled verifiers: the core's `WasmVerifier` for the options of a call, made once per options
// object and shared by equal options, so a caller passing the same options object every time
// pays for the option checks once.

import { unwrap } from './errors.js';
import { isOptionsObject, normaliseOptions } from './options.js';

/** Distinct normalised options kept compiled (least recently used dropped first). */
const VERIFIER_CACHE_SIZE = 32;

/** The compiled verifiers of one glue instance. */
export class CompiledVerifiers {
  constructor(glue) {
    this.glue = glue;
    /** default profile -> (options object -> { values: [[name, value, extra]], currentDate,
     *  verifier }); an entry is used only while every own property still has the same value
     *  (arrays element by element, dates by time), so a caller mutating its options object is
     *  always re-checked. */
    this.seen = new Map();
    /** normalised options (JSON) -> verifier, in order of last use. */
    this.byJson = new Map();
  }

  /** `{ verifier, currentDate }` for the options and the call's default profile: compiled once
   *  per options object. */
  forOptions(options, profile) {
    if (!isOptionsObject(options)) {
      const { json, currentDate } = normaliseOptions(options, { profile }); // TypeError, or {} for undefined
      return { verifier: this.compile(json), currentDate };
    }
    let seen = this.seen.get(profile);
    if (!seen) this.seen.set(profile, (seen = new WeakMap()));
    const hit = seen.get(options);
    if (hit && sameOptions(options, hit.values)) return hit;
    // Each property is read once; the normalised form is made from exactly these values.
    const values = Object.keys(options).map((name) => {
      const value = options[name];
      const extra = Array.isArray(value) ? [...value] : value instanceof Date ? value.getTime() : undefined;
      return [name, value, extra];
    });
    const { json, currentDate } = normaliseOptions(Object.fromEntries(values.map(([name, value]) => [name, value])), { profile });
    const entry = { verifier: this.compile(json), currentDate, values };
    seen.set(options, entry);
    return entry;
  }

  /** The verifier for normalised options, compiled on first use. */
  compile(json) {
    let v = this.byJson.get(json);
    if (v) {
      this.byJson.delete(json);
      this.byJson.set(json, v);
      return v;
    }
    v = unwrap(this.glue, this.glue.WasmVerifier.create(json));
    this.byJson.set(json, v);
    if (this.byJson.size > VERIFIER_CACHE_SIZE) {
      // Not freed here: an async verification may still hold it; the glue's
      // FinalizationRegistry frees it once unreachable.
      this.byJson.delete(this.byJson.keys().next().value);
    }
    return v;
  }
}

/** Whether `options` still has exactly the own properties recorded in `values`. */
function sameOptions(options, values) {
  const names = Object.keys(options);
  if (names.length !== values.length) return false;
  for (let i = 0; i < values.length; i++) {
    const [name, value, extra] = values[i];
    if (names[i] !== name) return false;
    const now = options[name];
    if (now !== value) return false;
    if (extra !== undefined) {
      if (Array.isArray(value)) {
        if (value.length !== extra.length) return false;
        for (let j = 0; j < extra.length; j++) if (value[j] !== extra[j]) return false;
      } else if (value.getTime() !== extra) {
        return false;
      }
    }
  }
  return true;
}
