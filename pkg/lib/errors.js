// The package's errors. Token, key and key-fetch failures are `OidcEdgeError` (the core's kind,
// jose's code, the claim at fault); misuse (bad options, wrong argument types) is a TypeError.
// The glue never throws: a fallible glue call returns a `WasmFailure` record, read here.

/** Every token, key or key-fetch failure. */
export class OidcEdgeError extends Error {
  constructor(message, { kind, code, claim } = {}) {
    super(message);
    this.name = 'OidcEdgeError';
    /** Stable snake_case kind, the same in Rust, JS and the worker's HTTP errors: "expired", ... */
    this.kind = kind;
    /** panva/jose error code, e.g. "ERR_JWT_EXPIRED". */
    this.code = code;
    /** Wire name of the claim or header parameter at fault, if any. */
    this.claim = claim;
  }
}

/** Reads a glue failure record, frees it and returns the error to throw (a record of kind
 *  "config" is caller misuse: a TypeError). */
export function failureError(record) {
  const { kind, code, claim, message } = record;
  record.free();
  if (kind === 'config') return new TypeError(message);
  return new OidcEdgeError(message, { kind, code, claim });
}

/** Whether a glue result is a failure record of this glue. */
export function isFailure(glue, value) {
  return value instanceof glue.WasmFailure;
}

/** A glue result's value, or the failure record's error thrown. */
export function unwrap(glue, value) {
  if (isFailure(glue, value)) throw failureError(value);
  return value;
}

/** A key-fetch failure found by the JS side itself (discovery). */
export function fetchError(kind, message) {
  const code = kind === 'jwks_timeout' ? 'ERR_JWKS_TIMEOUT' : 'ERR_JOSE_GENERIC';
  return new OidcEdgeError(message, { kind, code });
}
