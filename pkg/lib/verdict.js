// What a verification call of the glue answers, turned into the public result: the accepted
// token's `{"payload":..,"protectedHeader":..}` JSON text (one JSON.parse), or a failure record.

import { recall, remember } from './cache.js';
import { tokenOctets, verifiedResult } from './encoding.js';
import { failureError } from './errors.js';
import { INNER } from './keys.js';

/** `{ payload, protectedHeader }` of an accepted token, or the failure thrown. */
export function accepted(verdict, token) {
  if (typeof verdict !== 'string') throw failureError(verdict);
  return verdict ? JSON.parse(verdict) : verifiedResult(token);
}

/** `accepted` for a verification of `verifier` with the local key set `keys` (a `JwkSet`),
 *  kept in the verified-token cache when accepted (cache.js). */
export function acceptedAndKept(verifier, token, keys, verdict) {
  remember(verifier, token, keys, verdict);
  return accepted(verdict, token);
}

/** Full verification with the core's own RSA (through the verified-token cache, then the
 *  set's memo). */
export function verifyBuiltin(verifier, token, keys, now) {
  const hit = recall(verifier, token, keys, now);
  if (hit !== undefined) return hit;
  // UTF-8 octets: one native encode instead of the glue's per-character string copy.
  return acceptedAndKept(verifier, token, keys, verifier.verify(tokenOctets(token), keys[INNER], now));
}
