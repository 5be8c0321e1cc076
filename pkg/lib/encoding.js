// Text and base64url: the token's octets for the glue, and the decoding of segments (of tokens
// the core has verified, or, for `inspect`, of tokens nobody has).

/** Strict UTF-8: a malformed sequence is an error, never U+FFFD. */
export const utf8 = new TextDecoder('utf-8', { fatal: true });
export const textEncoder = new TextEncoder();

/** Reused buffer for `tokenOctets` (grows to the longest token seen). */
let octets = new Uint8Array(2048);

/** A token's UTF-8 octets for the glue, as a view of a reused buffer (valid until the next
 *  call: the glue copies it into wasm memory at once). One native encode, no allocation. */
export function tokenOctets(token) {
  if (token.length * 3 > octets.length) {
    if (token.length > 32768) return textEncoder.encode(token); // far over any token limit: not kept
    octets = new Uint8Array(token.length * 3);
  }
  const { written } = textEncoder.encodeInto(token, octets);
  return octets.subarray(0, written);
}

/** The octets of a base64url segment (padding optional); throws on anything else. */
export function b64uBytes(segment) {
  const b64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '==='.slice((b64.length + 3) % 4));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** The UTF-8 text of a base64url segment; throws on bad base64url or bad UTF-8. */
export function b64uText(segment) {
  return utf8.decode(b64uBytes(segment));
}

/** `{ payload, protectedHeader }` of a token the core has accepted (its segments are canonical
 *  base64url of duplicate-free JSON objects, so JSON.parse reads exactly what was verified).
 *  Only used when the glue could not hand over the decoded segments itself. */
export function verifiedResult(token) {
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  return {
    payload: JSON.parse(b64uText(token.slice(dot1 + 1, dot2))),
    protectedHeader: JSON.parse(b64uText(token.slice(0, dot1))),
  };
}
