// Type declarations of the `oidc-edge` npm package (hand-written, with the parts in types/;
// the build inlines them all into dist/index.d.cts for `require` consumers).

import type { DiscoverOptions, KeySetStorage, RemoteJWKSet, RemoteJWKSetOptions } from './types/remote.js';

export * from './types/remote.js';
export * from './types/origin.js';

/** A JSON Web Key as found in a JWK Set: RSA, EC (P-256, P-384) and OKP (Ed25519) keys can verify. */
export interface JWK {
  kty?: string;
  kid?: string;
  use?: string;
  key_ops?: string[];
  alg?: string;
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
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
  scp?: string | string[];
  roles?: string[];
  cid?: string;
  appid?: string;
  tid?: string;
  cnf?: Record<string, unknown>;
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

/** The JWS algorithms the package can verify (`EdDSA` with Ed25519 keys; `Ed25519` is its fully specified name). */
export type Algorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'EdDSA' | 'Ed25519';

/**
 * Verification profiles: `id_token` (OpenID Connect ID token, the default of `verifyIdToken*`),
 * `jwt` (a JWT access token as Auth0, Okta, Entra ID, Keycloak and others issue them, the default
 * of `verifyAccessToken*`), `at_jwt` (RFC 9068), `cognito_access` (Amazon Cognito).
 */
export type Profile = 'id_token' | 'jwt' | 'at_jwt' | 'cognito_access';

/**
 * A span of time: a number of seconds, or a jose-style string such as `"30s"`, `"5 minutes"`, `"2h"`, `"1 day"`.
 */
export type TimeSpan = number | string;

/**
 * Verification options (names from jose where jose has them). Unknown names are a TypeError.
 * An option a profile requires but lacks is a TypeError: `issuer` always; `clientId` /
 * `clientIds` for `id_token`; `audience` for `jwt` and `at_jwt`; `clientIds` for
 * `cognito_access`; `allowedTenants` or `anyTenant` with a `{tenantid}` issuer template.
 */
export interface VerifyOptions {
  /** Default `'id_token'` for `verifyIdToken*` and `createVerifier`, `'jwt'` for `verifyAccessToken*`. */
  profile?: Profile;
  /**
   * The accepted issuer(s), each compared exactly, or a Microsoft Entra template containing
   * `{tenantid}` (e.g. `https://login.microsoftonline.com/{tenantid}/v2.0`), which matches when
   * the token's `tid` is a GUID and the template with it equals `iss`.
   */
  issuer?: string | string[];
  /** With a `{tenantid}` template: the tenants (GUIDs) whose tokens are accepted. */
  allowedTenants?: string[];
  /** With a `{tenantid}` template: accept every tenant (any Entra customer can then sign in). */
  anyTenant?: boolean;
  /** id_token: the client id (`aud` must contain it; `azp`, when present, must equal it). */
  clientId?: string;
  /**
   * Accepted client ids. id_token: as `clientId`; cognito_access: the allowed `client_id`
   * values (required); jwt: optional, matched against the first of `client_id`, `azp`, `cid`
   * (Okta), `appid` (Entra v1) the token carries; at_jwt: optional, matched against `client_id`.
   */
  clientIds?: string[];
  /** id_token: extra audiences the client trusts; jwt, at_jwt: the resource server(s) (required): `aud` must contain one. */
  audience?: string | string[];
  /** Scopes the token must grant, from `scope` (space-separated) or `scp` (a list or a string); a string here is space-separated. A missing one is `insufficient_scope` (HTTP 403), checked last. */
  requiredScopes?: string | string[];
  /** Roles the token must carry in `roles` (Entra app-only tokens); a missing one is `insufficient_scope`. */
  requiredRoles?: string | string[];
  /** The expected `sub`. */
  subject?: string;
  /**
   * Allowed algorithms. Default: per key, RS256 for RSA keys (a PS* or other RS* algorithm only
   * when the key's `alg` names it), ES256 for P-256, ES384 for P-384, EdDSA / Ed25519 for
   * Ed25519 keys. An algorithm only ever meets a key of its own type and curve. `none` and HMAC
   * are never allowed.
   */
  algorithms?: Algorithm[];
  /** Leeway for exp / nbf / iat, default 30 s (a provider's clock may run up to 30 s off). */
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

/** Options of a trust set and of calls with one: everything but the issuers, tenants and client ids. */
export type TrustSetOptions = Omit<VerifyOptions, 'issuer' | 'clientId' | 'clientIds' | 'allowedTenants' | 'anyTenant'>;

/** The DPoP proof policy (RFC 9449), shared by `verifyDpopProof` and the `dpop` option. */
export interface DpopProofPolicy {
  /** The request's HTTP method; the proof's `htm` must equal it. */
  method: string;
  /** The request's absolute URL; the proof's `htu` must equal it without query and fragment (after RFC 3986 normalisation). */
  url: string;
  /** Allowed proof algorithms (asymmetric only), default every algorithm of `Algorithm`. */
  algorithms?: Algorithm[];
  /** How old a proof may be (from its `iat`), default 60 s. */
  maxAge?: TimeSpan;
  /** How far ahead a proof's `iat` may be, default 5 s. */
  maxFuture?: TimeSpan;
  /** The server nonce (the last one sent in `DPoP-Nonce`) the proof must carry; a missing or other nonce is `dpop_invalid` with claim `nonce` (answer with `use_dpop_nonce`). */
  nonce?: string;
  /** Where seen `jti`s are remembered: default one bounded cache per process (10000 proofs); `false` checks no reuse. */
  replayCache?: DpopReplayCache | false;
}

/** Options of `verifyDpopProof`. */
export interface DpopProofOptions extends DpopProofPolicy {
  /** The access token presented with the proof (`Authorization: DPoP <token>`): `ath` must be its hash. */
  accessToken?: string;
  /** Leeway on both sides of the `iat` window, default 30 s. */
  clockTolerance?: TimeSpan;
  /** The time to check against instead of now. */
  currentDate?: Date;
}

/** The `dpop` option of access-token verification: the request's proof and policy (the call's `clockTolerance` and `currentDate` apply). */
export interface DpopOption extends DpopProofPolicy {
  /** The request's `DPoP` header; missing is `dpop_invalid`. */
  proof: string | null | undefined;
}

/** Access-token options: `dpop` verifies the request's DPoP proof first; a token with `cnf.jkt` then verifies only when the proof's key has that thumbprint, and a token without `cnf` is refused. Without `dpop`, a `cnf.jkt` token is `dpop_required`. */
export interface AccessTokenOptions extends VerifyOptions {
  dpop?: DpopOption;
}

/** Trust-set call options for access tokens. */
export type AccessTokenTrustSetOptions = TrustSetOptions & { dpop?: DpopOption };

/** A verified DPoP proof. */
export interface DpopProof {
  /** The RFC 7638 thumbprint (SHA-256, base64url) of the proof's key: what a token's `cnf.jkt` must be. */
  jkt: string;
  payload: JWTPayload & { htm: string; htu: string; iat: number; jti: string; ath?: string; nonce?: string };
  protectedHeader: JWTHeaderParameters & { typ: string; jwk: JWK };
}

/** A bounded per-process memory of DPoP proofs seen (`jti` per proof key), each kept for its proof's lifetime. */
export class DpopReplayCache {
  /** At most `capacity` proofs (default 10000; 0 remembers none). */
  constructor(capacity?: number);
  /** Proofs remembered. */
  readonly size: number;
  /** Forgets every proof. */
  clear(): void;
}

/** Stable error kinds: the core's error table (docs/ARCHITECTURE.md lists each with its code and HTTP status). */
export type ErrorKind =
  | 'malformed' | 'token_too_large' | 'alg_not_allowed' | 'unsupported_crit' | 'invalid_typ'
  | 'key_not_found' | 'key_ambiguous' | 'key_unusable' | 'key_too_weak' | 'jwks_invalid'
  | 'bad_signature' | 'claim_missing' | 'claim_invalid'
  | 'iss_mismatch' | 'aud_mismatch' | 'aud_untrusted' | 'azp_missing' | 'azp_mismatch'
  | 'expired' | 'not_yet_valid' | 'iat_in_future' | 'too_old'
  | 'nonce_missing' | 'nonce_mismatch' | 'auth_time_missing' | 'auth_time_too_old'
  | 'acr_not_allowed' | 'at_hash_mismatch' | 'c_hash_mismatch' | 'token_use_mismatch'
  | 'jwks_timeout' | 'jwks_unavailable' | 'insufficient_scope' | 'dpop_required'
  | 'dpop_invalid';

/** jose's error codes, and oidc-edge's own `ERR_DPOP_REQUIRED` and `ERR_DPOP_INVALID` (jose has no DPoP). */
export type ErrorCode =
  | 'ERR_JWS_INVALID' | 'ERR_JWT_INVALID' | 'ERR_JOSE_ALG_NOT_ALLOWED' | 'ERR_JOSE_NOT_SUPPORTED'
  | 'ERR_JWT_CLAIM_VALIDATION_FAILED' | 'ERR_JWKS_NO_MATCHING_KEY' | 'ERR_JWKS_MULTIPLE_MATCHING_KEYS'
  | 'ERR_JWK_INVALID' | 'ERR_JWKS_INVALID' | 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'
  | 'ERR_JWT_EXPIRED' | 'ERR_JWKS_TIMEOUT' | 'ERR_JOSE_GENERIC' | 'ERR_DPOP_REQUIRED'
  | 'ERR_DPOP_INVALID';

/** The verification steps, in the order the verifier runs them (the core's `Check::ALL`). */
export type CheckId =
  | 'structure' | 'header' | 'key' | 'signature' | 'payload' | 'iss' | 'aud' | 'azp' | 'client'
  | 'exp' | 'nbf' | 'iat' | 'nonce' | 'auth_time' | 'acr' | 'hashes' | 'required' | 'cnf' | 'scope';

/** jose's reason of a claim failure. */
export type ClaimReason = 'missing' | 'invalid' | 'check_failed';

/** Every token, key or key-fetch failure. Bad options are a `TypeError` instead. */
export class OidcEdgeError extends Error {
  constructor(message: string, fields?: {
    kind?: ErrorKind; code?: ErrorCode; status?: number; check?: CheckId; claim?: string; reason?: ClaimReason;
  });
  readonly name: 'OidcEdgeError';
  /** Fine-grained stable kind, e.g. `'expired'`. */
  readonly kind: ErrorKind;
  /** jose's code, e.g. `'ERR_JWT_EXPIRED'`. */
  readonly code: ErrorCode;
  /** The HTTP status an API answers with: 401 (bad token), 403 (insufficient scope), 503 (keys unavailable: the token may be fine). */
  readonly status: 401 | 403 | 503;
  /** The verification step that failed. */
  readonly check: CheckId;
  /** The claim or header parameter at fault (`'exp'`, `'typ'`, ...), if any. */
  readonly claim: string | undefined;
  /** For claim failures, jose's reason; undefined otherwise. */
  readonly reason: ClaimReason | undefined;
}

/** A request whose bearer token cannot be used: none at all (401) or malformed (400 `invalid_request`). */
export class BearerError extends Error {
  constructor(message: string, fields?: { error?: 'invalid_request' });
  readonly name: 'BearerError';
  /** `'invalid_request'`, or undefined when the request carries no bearer token. */
  readonly error: 'invalid_request' | undefined;
  readonly status: 400 | 401;
}

/** A plain JWK Set object or a parsed `JwkSet`. A plain object is parsed once, at its first use: later in-place edits are not seen. */
export type KeySetInput = JwkSet | JSONWebKeySet;

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

/** One issuer of a trust set: local keys, or (async calls) a remote or discovered key set. */
export interface TrustedIssuer {
  /** The issuer's `iss` value(s), exact or a `{tenantid}` template (then `allowedTenants` or `anyTenant`). */
  issuer: string | string[];
  keys: KeySetInput | RemoteJWKSet;
  clientIds?: string[];
  clientId?: string;
  audience?: string | string[];
  allowedTenants?: string[];
  anyTenant?: boolean;
}

/** A reusable verifier with fixed options. */
export interface Verifier {
  verify<P extends JWTPayload = JWTPayload>(token: string, keys: KeySetInput): VerifyResult<P>;
  verifyAsync<P extends JWTPayload = JWTPayload>(token: string, keys: KeySetInput | RemoteJWKSet): Promise<VerifyResult<P>>;
}

/** A Fetch API request (Workers, Deno, Bun, Hono's `c.req.raw`) or a Node request (node:http, Express). */
export type RequestLike =
  | { headers: { get(name: string): string | null }; url?: string }
  | { headers: Record<string, string | string[] | undefined>; url?: string; originalUrl?: string; body?: unknown };

/** Where else `bearerToken` may find the token, and a form body already read. */
export interface BearerOptions {
  /** Accept a token in the URI query's `access_token` (RFC 6750 2.3 advises against it). */
  query?: boolean;
  /** Accept a token in a form-encoded body's `access_token` (RFC 6750 2.2). */
  form?: boolean;
  /** The form body, when already read (a Fetch request's body is never consumed). */
  body?: URLSearchParams | Record<string, unknown>;
}

/** How to refuse a request: give these to the response. */
export interface Challenge {
  status: 400 | 401 | 403 | 503;
  headers: Record<string, string>;
  body: { error?: string; error_description?: string; kind?: ErrorKind; code?: ErrorCode; claim?: string };
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

/** A synchronous verification: with the built-in signature code (WebAssembly), local keys or a trust set of local keys. */
export interface VerifyCall<O = VerifyOptions, T = TrustSetOptions> {
  <P extends JWTPayload = JWTPayload>(token: string, keys: KeySetInput, options: O): VerifyResult<P>;
  <P extends JWTPayload = JWTPayload>(token: string, keys: TrustSet, options?: T): VerifyResult<P>;
}

/**
 * An asynchronous verification: local, trusted-issuer or remote keys; the signature step uses
 * node:crypto (Node, Deno, Bun) or WebCrypto (browsers, Workers) where available, else the
 * built-in wasm code (the same verdicts).
 */
export interface VerifyAsyncCall<O = VerifyOptions, T = TrustSetOptions> {
  <P extends JWTPayload = JWTPayload>(token: string, keys: KeySetInput | RemoteJWKSet, options?: O): Promise<VerifyResult<P>>;
  <P extends JWTPayload = JWTPayload>(token: string, keys: TrustSet, options?: T): Promise<VerifyResult<P>>;
}

/** Verifies an access token (default profile `jwt`), with its DPoP proof when `options.dpop` is given. */
export const verifyAccessToken: VerifyCall<AccessTokenOptions, AccessTokenTrustSetOptions>;
/** Verifies an access token (default profile `jwt`), also with remote keys, with its DPoP proof when `options.dpop` is given. */
export const verifyAccessTokenAsync: VerifyAsyncCall<AccessTokenOptions, AccessTokenTrustSetOptions>;

/**
 * Verifies a DPoP proof (RFC 9449) for one request: typ `dpop+jwt`, an asymmetric `alg`, a
 * public `jwk` without private members whose key signed it, `htm` / `htu`, the `iat` window,
 * a `jti` not seen before (see `replayCache`), `ath` with `accessToken`, `nonce` when given.
 * Throws `OidcEdgeError` `dpop_invalid` (its `claim` names the part at fault).
 */
export function verifyDpopProof(proof: string, options: DpopProofOptions): DpopProof;

/** The RFC 7638 thumbprint (SHA-256, base64url) of an RSA, P-256, P-384 or Ed25519 public JWK (a DPoP-bound token's `cnf.jkt`); a TypeError for any other. */
export function jwkThumbprint(jwk: JWK): string;
/** Verifies an ID token (default profile `id_token`). */
export const verifyIdToken: VerifyCall;
/** Verifies an ID token (default profile `id_token`), also with remote keys. */
export const verifyIdTokenAsync: VerifyAsyncCall;

/** A verifier with fixed options, checked now (TypeError when they are unusable). */
export function createVerifier(options: VerifyOptions): Verifier;

/** Several issuers; the token's `iss` picks the entry. */
export function createTrustSet(issuers: TrustedIssuer[], options?: TrustSetOptions): TrustSet;

/** A remote JWK Set (https, or http to a loopback host). */
export function createRemoteJWKSet(url: string | URL, options?: RemoteJWKSetOptions): RemoteJWKSet;

/** OpenID Connect Discovery for `issuer`; the document's issuer must equal it (else a TypeError). */
export function discover(issuer: string, options?: DiscoverOptions): Promise<RemoteJWKSet>;

/**
 * The issuers and JWKS URL of an Amazon Cognito user pool (computed by the core): `issuer`
 * lists the regional issuer and, with `primaryRegion` (a pool replicated across Regions), the
 * multi-Region one: pass it as the `issuer` option, and `jwksUri` to `createRemoteJWKSet`. A malformed Region or pool id is a TypeError.
 */
export function cognitoUserPool(pool: { userPoolId: string; region: string; primaryRegion?: string }): { issuer: string[]; jwksUri: string };

/** Key set storage in the Workers Cache API (`caches.default` unless a cache is given). */
export function workersCacheStorage(cache?: Cache | Promise<Cache>): KeySetStorage;

/** The one bearer token of a request (RFC 6750); throws `BearerError` when there is none or it is malformed. */
export function bearerToken(request: RequestLike, options?: BearerOptions): string;

/** Options of `challenge`. */
export interface ChallengeOptions {
  realm?: string;
  /** The scopes the resource needs (sent with `insufficient_scope`). */
  scope?: string | string[];
  /** Seconds for `Retry-After` on 503, default 5. */
  retryAfter?: number;
  /** The request was made with `Authorization: DPoP`: answer with the `DPoP` scheme. */
  dpop?: boolean;
  /** A server nonce to send in `DPoP-Nonce` with a DPoP challenge. */
  dpopNonce?: string;
}

/**
 * The answer to a request refused over `err` (a `BearerError` or an `OidcEdgeError`): status,
 * `WWW-Authenticate` / `Retry-After` / `DPoP-Nonce` headers and a JSON body. DPoP errors get
 * `DPoP error="invalid_dpop_proof"` (`use_dpop_nonce` for a missing or stale nonce). Any other
 * error is thrown again.
 */
export function challenge(err: unknown, options?: ChallengeOptions): Challenge;

/** Decodes without verifying anything (display only). */
export function inspect(token: string): UntrustedToken;
