// Helpers for APIs that take bearer tokens (RFC 6750): finding the one token a request carries,
// and the answer to a request refused over a token: status, `WWW-Authenticate` challenge and a
// JSON body. Framework-free: they read Fetch API requests (Workers, Deno, Bun, Hono) and Node
// requests (node:http, Express) alike.

import { OidcEdgeError } from './errors.js';

/** The `Bearer` scheme (any case) of an Authorization header value. */
const BEARER_SCHEME = /^bearer(?=$|\s)/i;
/** RFC 6750 2.1: after the scheme, one or more spaces and one `b64token`. */
const BEARER_CREDENTIALS = /^ +([A-Za-z0-9\-._~+/]+=*)$/;

/** A request whose bearer token cannot be used: none (401, no error code, RFC 6750 3.1) or
 *  a malformed one (400 `invalid_request`). */
export class BearerError extends Error {
  constructor(message, { error } = {}) {
    super(message);
    this.name = 'BearerError';
    /** `"invalid_request"`, or undefined when the request carries no bearer token at all. */
    this.error = error;
    /** The HTTP status to answer with: 400 (malformed) or 401 (no token). */
    this.status = error ? 400 : 401;
  }
}

const invalidRequest = (message) => new BearerError(message, { error: 'invalid_request' });

/** Every value of header `name` (lower case) of a Fetch `Headers` or a Node headers object. */
function headerValues(headers, name) {
  if (!headers) return [];
  const v = typeof headers.get === 'function' ? headers.get(name) : headers[name];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [String(v)];
}

/** The `access_token` values of the request URI's query. */
function queryTokens(request) {
  const raw = request.originalUrl ?? request.url;
  if (typeof raw !== 'string' || !raw.includes('access_token')) return [];
  try {
    return new URL(raw, 'http://request.invalid').searchParams.getAll('access_token');
  } catch {
    return [];
  }
}

/** The `access_token` values of a form-encoded body already read (`options.body`, or the
 *  `body` Express's urlencoded parser sets); a Fetch request's unread body is not consumed. */
function formTokens(request, body) {
  const form = body ?? (typeof request.headers?.get === 'function' ? undefined : request.body);
  if (form === undefined || form === null || typeof form !== 'object') return [];
  if (typeof form.getAll === 'function') return form.getAll('access_token').map(String);
  const v = form.access_token;
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/**
 * The bearer token of a request (RFC 6750 section 2): from the `Authorization` header (scheme
 * `Bearer` in any case, exactly one token). A request carrying a token in two places (the
 * header and an `access_token` query or form parameter), two tokens, or a malformed one is
 * refused with `BearerError` `invalid_request` (400); a request without any bearer token
 * with `BearerError` (401). Tokens in the URI query or a form body are accepted only when
 * allowed (`{ query: true }`, `{ form: true }`; RFC 6750 advises against the query).
 */
export function bearerToken(request, options = {}) {
  if (request === null || typeof request !== 'object') throw new TypeError('bearerToken(request): request must be a request object');
  if (options === null || typeof options !== 'object') throw new TypeError('bearerToken: options must be an object');
  const found = [];
  for (const value of headerValues(request.headers, 'authorization')) {
    const v = value.trim();
    if (!BEARER_SCHEME.test(v)) continue; // another scheme (Basic, DPoP): no bearer token there
    const m = BEARER_CREDENTIALS.exec(v.slice(6));
    if (!m) throw invalidRequest('the Authorization header must carry exactly one bearer token');
    found.push(['header', m[1]]);
  }
  for (const t of queryTokens(request)) found.push(['query', t]);
  for (const t of formTokens(request, options.body)) found.push(['form', t]);
  if (found.length === 0) throw new BearerError('the request carries no bearer token');
  if (found.length > 1) throw invalidRequest('the request carries more than one bearer token');
  const [where, token] = found[0];
  if (where !== 'header' && options[where] !== true) {
    throw invalidRequest(`a bearer token in the ${where === 'query' ? 'URI query' : 'form body'} is not accepted: send it in the Authorization header`);
  }
  if (token === '') throw invalidRequest('the bearer token is empty');
  return token;
}

/** An auth-param value as a quoted-string of the characters RFC 6750 section 3 allows. */
function quoted(value) {
  return `"${String(value).replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')}"`;
}

/** The `error` of a 401 over a token error: a DPoP proof's own errors (as the worker answers
 *  them), else `invalid_token`. */
function tokenError(err) {
  if (err.kind !== 'dpop_invalid') return 'invalid_token';
  return err.claim === 'nonce' ? 'use_dpop_nonce' : 'invalid_dpop_proof';
}

/**
 * How to refuse a request over `err` (a `BearerError` or an `OidcEdgeError`):
 * `{ status, headers, body }`. A token error is 401 with `WWW-Authenticate: Bearer
 * error="invalid_token"`, a missing scope or role 403 `insufficient_scope` (with `scope`
 * when given), a key set that could not be had 503 with `Retry-After` (the token may be fine),
 * a malformed request 400 `invalid_request`, no token 401 with a bare challenge. DPoP (RFC 9449
 * 7.1, 8): the scheme is `DPoP` for the DPoP kinds and, with `dpop: true`, for every error of a
 * request made with `Authorization: DPoP`; a bad proof is `invalid_dpop_proof`, a missing or
 * stale server nonce `use_dpop_nonce`, and `dpopNonce` (the nonce the client must use next) is
 * sent in `DPoP-Nonce`. Options: `realm`, `scope` (the scopes the resource needs: a string or
 * a list), `retryAfter` (seconds, default 5), `dpop`, `dpopNonce`. Any other error is thrown
 * again: it is a bug to fix, not a 401.
 */
export function challenge(err, options = {}) {
  if (!(err instanceof BearerError) && !(err instanceof OidcEdgeError)) throw err;
  if (options === null || typeof options !== 'object') throw new TypeError('challenge: options must be an object');
  const { realm, scope, retryAfter = 5, dpop = false, dpopNonce } = options;
  const status = err.status ?? 401;
  const body = {};
  const headers = {};
  if (status === 503) {
    headers['retry-after'] = String(retryAfter);
    Object.assign(body, { error: 'temporarily_unavailable', kind: err.kind, code: err.code });
    return { status, headers, body };
  }
  const error = err instanceof BearerError ? err.error : status === 403 ? 'insufficient_scope' : tokenError(err);
  const dpopKind = err.kind === 'dpop_required' || err.kind === 'dpop_invalid';
  const scheme = dpop === true || dpopKind ? 'DPoP' : 'Bearer';
  if (dpopNonce !== undefined && (dpop === true || dpopKind)) headers['dpop-nonce'] = String(dpopNonce);
  const params = [];
  if (realm !== undefined) params.push(`realm=${quoted(realm)}`);
  if (error) {
    params.push(`error=${quoted(error)}`, `error_description=${quoted(err.message)}`);
    body.error = error;
  }
  body.error_description = err.message;
  if (error === 'insufficient_scope' && scope !== undefined) params.push(`scope=${quoted([scope].flat().join(' '))}`);
  if (err instanceof OidcEdgeError) {
    body.kind = err.kind;
    body.code = err.code;
    if (err.claim !== undefined) body.claim = err.claim;
  }
  headers['www-authenticate'] = params.length ? `${scheme} ${params.join(', ')}` : scheme;
  return { status, headers, body };
}
