// `inspect`: decoding without verification, for display and debugging only.

import { b64uBytes, b64uText } from './encoding.js';
import { OidcEdgeError } from './errors.js';
import { checkToken } from './options.js';

/**
 * Decodes a token WITHOUT verifying anything, for display and debugging. The result is
 * labelled `trusted: false`; never make a decision from it.
 */
export function inspect(token) {
  checkToken(token);
  const parts = token.split('.');
  if (parts.length !== 3) throw new OidcEdgeError('token is not a compact JWS (three segments)', { kind: 'malformed', code: 'ERR_JWS_INVALID' });
  let header;
  try { header = JSON.parse(b64uText(parts[0])); } catch { header = undefined; }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new OidcEdgeError('token header is not base64url JSON object', { kind: 'malformed', code: 'ERR_JWS_INVALID' });
  }
  let payloadText;
  try { payloadText = b64uText(parts[1]); } catch {
    throw new OidcEdgeError('token payload is not base64url UTF-8', { kind: 'malformed', code: 'ERR_JWT_INVALID' });
  }
  let payload;
  try { payload = JSON.parse(payloadText); } catch { payload = undefined; }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) payload = undefined;
  let signatureLength;
  try { signatureLength = b64uBytes(parts[2]).length; } catch { signatureLength = 0; }
  return Object.freeze({ trusted: false, header, payload, payloadText, signatureLength });
}
