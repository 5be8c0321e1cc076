// Types of remote key sets: `createRemoteJWKSet`, `discover` and key set storage (part of the
// package's declarations; index.d.ts re-exports it, and the build inlines it into
// dist/index.d.cts for `require` consumers).

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
  /** Where fetched sets are kept for other processes or isolates (e.g. `workersCacheStorage()`). */
  storage?: KeySetStorage;
}

/** Options of `discover`. */
export interface DiscoverOptions extends RemoteJWKSetOptions {
  /** A `{tenantid}` issuer template that the document at this URL publishes verbatim (Entra's `/common`, `/organizations`). */
  issuer?: string;
}

/** A fetched key set as kept in a storage: data only; the core parses it again and decides its lifetime. */
export interface StoredKeySet {
  v: 1;
  /** The JWK Set document as fetched. */
  jwks: string;
  /** When it was fetched (Unix seconds). */
  fetchedAt: number;
  /** The response's Cache-Control, if any. */
  cacheControl?: string;
}

/** Storage of fetched key sets (a KV store, the Cache API). Failures never fail a verification. */
export interface KeySetStorage {
  /** The record stored under `key` (the key set URL), if any. */
  get(key: string): StoredKeySet | undefined | null | Promise<StoredKeySet | undefined | null>;
  /** Keeps `record` under `key` for `ttlSeconds` (its lifetime plus the stale limit). */
  set(key: string, record: StoredKeySet, ttlSeconds: number): void | Promise<void>;
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
