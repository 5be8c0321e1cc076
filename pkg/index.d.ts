// Type declarations of the `oidc-edge` npm package (hand-written; dist/index.d.cts is a copy
// made by the build for `require` consumers).

/** A JSON Web Key as found in a JWK Set (only RSA keys can verify). */
export interface JWK {
  kty?: string;
  kid?: string;
  use?: string;
  key_ops?: string[];
  alg?: string;
  n?: string;
  e?: string;
  [member: string]: unknown;
}

/** A JWK Set document (RFC 7517 section 5). */
export interface JSONWebKeySet {
  keys: JWK[];
  [member: string]: unknown;
}

/** The JWT claims of a verified token. */
export interface JWTPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  azp?: string;
  nonce?: string;
  auth_time?: number;
  acr?: string;
  amr?: string[];
  at_hash?: string;
  c_hash?: string;
  client_id?: string;
  scope?: string;
  token_use?: string;
  [claim: string]: unknown;
}

/** The protected header of a verified token. */
export interface JWTHeaderParameters {
  alg: string;
  kid?: string;
  typ?: string;
  crit?: string[];
  [parameter: string]: unknown;
}

/** What a successful verification returns (jose's shape). */
export interface VerifyResult<P extends JWTPayload = JWTPayload> {
  payload: P;
  protectedHeader: JWTHeaderParameters;
}

/** The RSA JWS algorithms the package can verify. */
export type Algorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512';

/** Verification profiles: OpenID Connect ID token (default), RFC 9068 JWT access token, Amazon Cognito access token. */
export type Profile = 'id_token' | 'at_jwt' | 'cognito_access';

/**
 * A span of time: a number of seconds, or a jose-style string such as `"30s"`, `"5 minutes"`, `"2h"`, `"1 day"`.
 */
export type TimeSpan = number | string;

/**
 * Verification options (names from jose where jose has them). Unknown names are a TypeError.
 * An option a profile requires but lacks is a TypeError: `issuer` always; `clientId` /
 * `clientIds` for `id_token`; `audience` for `at_jwt`; `clientIds` for `cognito_access`.
 */
export interface VerifyOptions {
  /** Default `'id_token'`. */
  profile?: Profile;
  /** The expected `iss`, compared exactly. */
  issuer?: string;
  /** The client id: `aud` must contain it; `azp`, when present, must equal it. */
  clientId?: string;
  /** Several accepted client ids (Cognito: the allowed `client_id` values). */
  clientIds?: string[];
  /** id_token: extra audiences the client trusts; at_jwt: the resource server(s), required. */
  audience?: string | string[];
  /** The expected `sub`. */
  subject?: string;
  /** Allowed algorithms, default `['RS256']`. `none` and HMAC are never allowed. */
  algorithms?: Algorithm[];
  /** Leeway for exp / nbf / iat, default 0. */
  clockTolerance?: TimeSpan;
  /** Reject tokens older than this (from `iat`, which then becomes required). */
  maxTokenAge?: TimeSpan;
  /** The time to check against instead of now. */
  currentDate?: Date;
  /** Claims that must be present. */
  requiredClaims?: string[];
  /** The required `typ` header value (overrides the profile's rule). */
  typ?: string;
  /** The nonce sent in the authentication request; the token's must equal it. */
  nonce?: string;
  /** The max_age sent in the authentication request; `auth_time` becomes required and must be recent enough. */
  maxAge?: TimeSpan;
  /** Accepted `acr` values. */
  acrValues?: string | string[];
  /** The access token issued with the ID token; `at_hash`, when present, must match it. */
  accessToken?: string;
  /** The authorization code; `c_hash`, when present, must match it. */
  code?: string;
  /** Require `at_hash` (hybrid flows that return an access token from the authorization endpoint). */
  requireAtHash?: boolean;
  /** Require `c_hash` (hybrid flows). */
  requireCHash?: boolean;
}

/** Options of a trust set and of calls with one: everything but the issuer and client ids. */
export type TrustSetOptions = Omit<VerifyOptions, 'issuer' | 'clientId' | 'clientIds'>;

/** Stable error kinds: the core's error table (docs/ARCHITECTURE.md lists each with its code and HTTP status). */
export type ErrorKind =
  | 'malformed' | 'token_too_large' | 'alg_not_allowed' | 'unsupported_crit' | 'invalid_typ'
  | 'key_not_found' | 'key_ambiguous' | 'key_unusable' | 'key_too_weak' | 'jwks_invalid'
  | 'bad_signature' | 'claim_missing' | 'claim_invalid'
  | 'iss_mismatch' | 'aud_mismatch' | 'aud_untrusted' | 'azp_missing' | 'azp_mismatch'
  | 'expired' | 'not_yet_valid' | 'iat_in_future' | 'too_old'
  | 'nonce_missing' | 'nonce_mismatch' | 'auth_time_missing' | 'auth_time_too_old'
  | 'acr_not_allowed' | 'at_hash_mismatch' | 'c_hash_mismatch' | 'token_use_mismatch'
  | 'jwks_timeout' | 'jwks_unavailable';

/** jose-compatible error codes. */
export type ErrorCode =
  | 'ERR_JWS_INVALID' | 'ERR_JWT_INVALID' | 'ERR_JOSE_ALG_NOT_ALLOWED' | 'ERR_JOSE_NOT_SUPPORTED'
  | 'ERR_JWT_CLAIM_VALIDATION_FAILED' | 'ERR_JWKS_NO_MATCHING_KEY' | 'ERR_JWKS_MULTIPLE_MATCHING_KEYS'
  | 'ERR_JWK_INVALID' | 'ERR_JWKS_INVALID' | 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'
  | 'ERR_JWT_EXPIRED' | 'ERR_JWKS_TIMEOUT' | 'ERR_JOSE_GENERIC';

/** Every token, key or key-fetch failure. Bad options are a `TypeError` instead. */
export class OidcEdgeError extends Error {
  constructor(message: string, fields?: { kind?: ErrorKind; code?: ErrorCode; claim?: string });
  readonly name: 'OidcEdgeError';
  /** Fine-grained stable kind, e.g. `'expired'`. */
  readonly kind: ErrorKind;
  /** jose's code, e.g. `'ERR_JWT_EXPIRED'`. */
  readonly code: ErrorCode;
  /** The claim or header parameter at fault (`'exp'`, `'typ'`, ...), if any. */
  readonly claim: string | undefined;
}

/** A JWK Set parsed once; reuse it for every token (it also remembers verified signatures). */
export class JwkSet {
  constructor(jwks: JSONWebKeySet);
  /** Parses a JWK Set from JSON text. */
  static fromJson(text: string): JwkSet;
  /** Number of keys, usable or not. */
  readonly size: number;
  /** The `kid` of every key that has one. */
  readonly keyIds: string[];
}

/** Several issuers, each with its own keys and client ids (see `createTrustSet`). */
export interface TrustSet {
  readonly issuers: string[];
  readonly [Symbol.toStringTag]: 'TrustSet';
}

/** One issuer of a trust set. */
export interface TrustedIssuer {
  issuer: string;
  keys: JwkSet | JSONWebKeySet;
  clientIds?: string[];
  clientId?: string;
}

/** Options of a remote key set (jose's names; durations in milliseconds). */
export interface RemoteJWKSetOptions {
  /** Time limit of one fetch, default 5000. */
  timeoutDuration?: number;
  /** Lifetime of a fetched set when the server sends no Cache-Control max-age, default 600000. */
  cacheMaxAge?: number;
  /** Minimum time between fetches caused by unknown kids or failures, default 30000. */
  cooldownDuration?: number;
  /** The fetch implementation to use, default `globalThis.fetch`. */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
}

/** A remote JWK Set driven by the core's cache policy. */
export interface RemoteJWKSet {
  readonly url: string;
  /** Set by `discover`: the verified issuer. */
  readonly issuer: string | undefined;
  /** Set by `discover`: the discovery document. */
  readonly metadata: Record<string, unknown> | undefined;
  /** Whether a set within its lifetime is cached. */
  readonly fresh: boolean;
  /** Fetches now, whatever the cache says; rejects with jwks_timeout / jwks_unavailable when nothing usable is left. */
  reload(): Promise<void>;
  readonly [Symbol.toStringTag]: 'RemoteJWKSet';
}

/** A reusable verifier with fixed options. */
export interface Verifier {
  verify<P extends JWTPayload = JWTPayload>(token: string, keys: JwkSet): VerifyResult<P>;
  verifyAsync<P extends JWTPayload = JWTPayload>(token: string, keys: JwkSet | RemoteJWKSet): Promise<VerifyResult<P>>;
}

/** A decoded but NOT verified token, for display only. */
export interface UntrustedToken {
  readonly trusted: false;
  readonly header: Record<string, unknown>;
  /** The payload when it is a JSON object. */
  readonly payload: JWTPayload | undefined;
  readonly payloadText: string;
  readonly signatureLength: number;
}

/** Verifies synchronously with the built-in RSA (WebAssembly). */
export function verifyIdToken<P extends JWTPayload = JWTPayload>(
  token: string,
  keys: JwkSet,
  options: VerifyOptions,
): VerifyResult<P>;
export function verifyIdToken<P extends JWTPayload = JWTPayload>(
  token: string,
  keys: TrustSet,
  options?: TrustSetOptions,
): VerifyResult<P>;

/** Verifies with local, trusted-issuer or remote keys; the RSA step uses node:crypto (Node, Deno, Bun) or WebCrypto (browsers, Workers) where available, else the built-in wasm RSA. */
export function verifyIdTokenAsync<P extends JWTPayload = JWTPayload>(
  token: string,
  keys: JwkSet | RemoteJWKSet,
  options?: VerifyOptions,
): Promise<VerifyResult<P>>;
export function verifyIdTokenAsync<P extends JWTPayload = JWTPayload>(
  token: string,
  keys: TrustSet,
  options?: TrustSetOptions,
): Promise<VerifyResult<P>>;

/** A verifier with fixed options, checked now (TypeError when they are unusable). */
export function createVerifier(options: VerifyOptions): Verifier;

/** Several issuers; the token's `iss` picks the entry. */
export function createTrustSet(issuers: TrustedIssuer[], options?: TrustSetOptions): TrustSet;

/** A remote JWK Set (https, or http to a loopback host). */
export function createRemoteJWKSet(url: string | URL, options?: RemoteJWKSetOptions): RemoteJWKSet;

/** OpenID Connect Discovery for `issuer`; the document's issuer must equal it. */
export function discover(issuer: string, options?: RemoteJWKSetOptions): Promise<RemoteJWKSet>;

/** Decodes without verifying anything (display only). */
export function inspect(token: string): UntrustedToken;
