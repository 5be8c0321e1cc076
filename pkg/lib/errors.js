// The package's errors. Token, key and key-fetch failures are `OidcEdgeError` (the core's kind,
// jose's code, the check that failed, the claim at fault and, for claim failures, jose's
// reason); misuse (bad options, wrong argument types) is a TypeError. The glue never throws: a
// fallible glue call returns a `WasmFailure` record, read here.

/** Every token, key or key-fetch failure. */
export class OidcEdgeError extends Error {
  constructor(message, { kind, code, status, check, claim, reason } = {}) {
    super(message);
    this.name = 'OidcEdgeError';
    /** Stable snake_case kind, the same in Rust, JS and the worker's HTTP errors: "expired", ... */
    this.kind = kind;
    /** panva/jose error code, e.g. "ERR_JWT_EXPIRED". */
    this.code = code;
    /** HTTP status an API answers with: 401 (bad token), 403 (insufficient scope), 503 (the
     *  keys could not be had: the token may be fine). */
    this.status = status;
    /** Id of the verification step that failed ("exp", "aud", ...), in the core's order. */
    this.check = check;
    /** Wire name of the claim or header parameter at fault, if any. */
    this.claim = claim;
    /** For claim failures, jose's reason: "missing", "invalid" or "check_failed". */
    this.reason = reason;
  }
}

/** Reads a glue failure record, frees it and returns the error to throw (a record of kind
 *  "config" is caller misuse: a TypeError). */
export function failureError(record) {
  const { kind, code, status, check, claim, reason, message } = record;
  record.free();
  if (kind === 'config') return new TypeError(message);
  return new OidcEdgeError(message, { kind, code, status, check, claim, reason });
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

/** A failure found by the JS side itself (a discovery fetch, a request without its DPoP
 *  proof): its code and check come from the core's table. */
export function fetchError(glue, kind, message) {
  return failureError(glue.adapterFailure(kind, message));
}
