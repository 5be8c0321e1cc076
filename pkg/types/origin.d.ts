// Types of the origin-side check of the worker's origin proof (part of the package's
// declarations; index.d.ts re-exports it, and the build inlines it into dist/index.d.cts).

import type { RequestLike } from '../index.js';

/** The request fields the worker's origin proof covers (docs/EDGE.md, "Origin proof"). */
export interface OriginProofFields {
  method: string;
  /** The authority the worker signed: its `PROTECT_ORIGIN` host (lower case, with any port). */
  host: string;
  /** Path and query exactly as the origin received them. */
  pathAndQuery: string;
  subject?: string;
  client?: string;
  region?: string;
  requestId?: string;
}

/** An origin key: base64 or base64url text, or its octets. */
export type OriginKey = string | ArrayBuffer | ArrayBufferView;

/** The verdict on an origin proof; `reason` is `malformed: ...`, `stale` or `mismatch`. */
export type OriginProofResult = { ok: true } | { ok: false; reason: string };

/** The string the worker signs: nine fields, one per line. */
export function originCanonical(fields: OriginProofFields & { t: number }): string;

/**
 * Checks the worker's `X-Auth-Signature` header value against the keys the origin accepts (two
 * during a rotation), with at most `maxSkew` seconds (60) between `t` and `now` (default: the
 * clock). HMAC-SHA256 by WebCrypto. Unusable keys reject with a TypeError.
 */
export function verifyOriginSignature(
  input: OriginProofFields & { header: string | null | undefined; keys: OriginKey[]; now?: number; maxSkew?: number },
): Promise<OriginProofResult>;

/**
 * The same for a request as the origin received it (a Fetch `Request` or a Node
 * `http.IncomingMessage`). `host` defaults to the request's Host header; an origin behind a
 * proxy that rewrites Host passes the worker's `PROTECT_ORIGIN` authority.
 */
export function verifyOriginRequest(
  request: RequestLike & { method: string; url: string },
  options: { keys: OriginKey[]; now?: number; maxSkew?: number; host?: string },
): Promise<OriginProofResult>;
