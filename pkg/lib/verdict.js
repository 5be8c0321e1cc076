// What a verification call of the glue answers, turned into the public result: the accepted
// token's `{"payload":..,"protectedHeader":..}` JSON text (one JSON.parse), or a failure record.

import { tokenOctets, verifiedResult } from './encoding.js';
import { failureError } from './errors.js';
import { INNER } from './keys.js';

/** `{ payload, protectedHeader }` of an accepted token, or the failure thrown. */
export function accepted(verdict, token) {
  if (typeof verdict !== 'string') throw failureError(verdict);
  return verdict ? JSON.parse(verdict) : verifiedResult(token);
}

/** Full verification with the core's own RSA (through the set's memo). */
export function verifyBuiltin(verifier, token, keys, now) {
  // UTF-8 octets: one native encode instead of the glue's per-character string copy.
  return accepted(verifier.verify(tokenOctets(token), keys[INNER], now), token);
}
