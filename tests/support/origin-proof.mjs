// The worker's origin proof (X-Auth-Signature, specified in docs/EDGE.md) for the tests: the
// origin-side check is the npm package's own (pkg/lib/origin.js, exported as
// verifyOriginSignature / verifyOriginRequest), used from source so the harness needs no build;
// `sign` is the worker's side, for making vectors (tests/fixtures/origin-signature.json, which
// the worker's signer in Rust is checked against too).
import crypto from 'node:crypto';
import { originCanonical } from '../../pkg/lib/origin.js';

export {
  originCanonical as canonical,
  verifyOriginSignature as verify,
  verifyOriginRequest as verifyRequest,
} from '../../pkg/lib/origin.js';

/** The header value for these keys (worker side; tests only). */
export function sign(keys, fields) {
  const c = originCanonical(fields);
  return [`t=${fields.t}`, ...keys.map((k) => `v1=${crypto.createHmac('sha256', k).update(c).digest('base64url')}`)].join(',');
}
