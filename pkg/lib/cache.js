// The verified-token cache: the answer of an accepted verification, kept per key set and
// compiled verifier (one normalised set of options) and found again by the exact token text, so
// a token seen before costs a lookup and one JSON.parse instead of the core's work.
//
// Why its answer is always the uncached one: the cache is keyed by the exact token, the key set
// instance (a `JwkSet`; a remote key set hands out a new one whenever its keys change, so a
// refresh leaves the old entries behind with the old set) and the verifier (the options the
// core compiled; the call's clock is not part of them). For those three every check of the core
// gives the same answer at any time except the time rules, so the core reports, with each
// accepted token, the whole seconds at which those rules hold (`WasmVerifier.acceptedFrom` /
// `acceptedUntil`, src/timing.rs), and a lookup answers only for a `now` inside them; any other
// call goes to the core. Only accepted tokens are kept; a refusal is always the core's.
// Checks that are not a function of token, keys and options (a DPoP proof, which is new on every
// request) must stay outside the verify calls that use this cache.
//
// Bounded: at most CACHE_SIZE entries per key set and verifier, the oldest unused one dropped
// first (second chance: a hit only marks its entry, so a hit never reorders the map); an entry
// is dropped once a lookup finds the clock past its window (it can never outlive `exp`).

/** Entries kept per key set and verifier (fast-jwt's default cache size). */
export const CACHE_SIZE = 1000;

/** Per key set: WeakMap(verifier -> Map(token -> entry)), so the entries go with either. */
const ENTRIES = Symbol('oidc-edge.verifiedTokens');

/**
 * The result of `token` verified by `verifier` with `keys` at `now` (whole Unix seconds), as a
 * new object, if it was accepted before and would be accepted now; else undefined.
 */
export function recall(verifier, token, keys, now) {
  const entries = keys[ENTRIES]?.get(verifier);
  const e = entries?.get(token);
  if (e === undefined) return undefined;
  if (now > e.until) {
    entries.delete(token);
    return undefined;
  }
  if (now < e.from) return undefined;
  e.used = true;
  return JSON.parse(e.text);
}

/**
 * Keeps an accepted verification (`verdict` is the glue's answer: the result JSON text, or a
 * failure record, which is not kept), with the window the verifier reported for it. Call it
 * right after the glue call that produced `verdict`, before any other call of `verifier`.
 */
export function remember(verifier, token, keys, verdict) {
  if (typeof verdict !== 'string' || verdict === '') return;
  const from = verifier.acceptedFrom;
  const until = verifier.acceptedUntil;
  if (!(from <= until)) return;
  let perSet = keys[ENTRIES];
  if (perSet === undefined) keys[ENTRIES] = perSet = new WeakMap();
  let entries = perSet.get(verifier);
  if (entries === undefined) perSet.set(verifier, (entries = new Map()));
  if (!entries.delete(token) && entries.size >= CACHE_SIZE) evictOne(entries);
  entries.set(token, { text: verdict, from, until, used: false });
}

/** Drops the oldest entry not used since it was last passed over (each used one moves to the
 *  back once, unmarked). */
function evictOne(entries) {
  for (const [token, e] of entries) {
    entries.delete(token);
    if (!e.used) return;
    e.used = false;
    entries.set(token, e);
  }
}
