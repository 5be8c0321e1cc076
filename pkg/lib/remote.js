// Remote key sets: `createRemoteJWKSet`. The core's key cache (`WasmKeyCache`) decides when to
// fetch, what a response is worth and when keys are too stale; this side only performs the
// fetches it asks for, and keeps fetched sets in the optional storage (storage.js).

import { failureError } from './errors.js';
import { checkUrl, fetchLimited } from './fetch.js';
import { wrapKeys } from './keys.js';
import { nowSeconds } from './options.js';
import { isolatedRequests } from './runtime.js';
import { checkStorage, restoreKeySet, storeKeySet } from './storage.js';

const REMOTE_OPTIONS = ['timeoutDuration', 'cacheMaxAge', 'cooldownDuration', 'fetch', 'storage'];

function durationMs(name, value, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0)) throw new TypeError(`${name} must be a number of milliseconds >= 0`);
  return value;
}

/** A remote key set's options (jose's names, milliseconds) in the units the core counts;
 *  `extra` names options a caller (discovery) handles itself. */
export function remoteSettings(options, extra = []) {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object') throw new TypeError('remote key set options must be an object');
  for (const k of Object.keys(options)) {
    if (!REMOTE_OPTIONS.includes(k) && !extra.includes(k)) throw new TypeError(`unknown remote key set option ${JSON.stringify(k)}`);
  }
  const fetchImpl = options.fetch === undefined ? globalThis.fetch : options.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('no fetch function available: pass options.fetch');
  return {
    timeoutMs: durationMs('timeoutDuration', options.timeoutDuration, 5000),
    // jose's cacheMaxAge is in ms and may be Infinity; the core counts whole seconds.
    maxAgeS: Math.min(Math.floor(durationMs('cacheMaxAge', options.cacheMaxAge, 600000) / 1000), 2 ** 32),
    cooldownS: Math.floor(durationMs('cooldownDuration', options.cooldownDuration, 30000) / 1000),
    fetchImpl,
    storage: checkStorage(options.storage),
  };
}

/** One remote JWK Set and the core's cache of it. */
export class RemoteJWKSet {
  /** `cache` is the glue's `WasmKeyCache` made for `settings`. */
  constructor(url, settings, meta, cache) {
    this.url = url.href;
    this.issuer = meta?.issuer;
    this.metadata = meta?.metadata;
    this.settings = settings;
    this.storage = settings.storage;
    this.cache = cache;
    this.generation = -1;
    this.keys = undefined;
    this.inflight = undefined;
  }

  /** Fetches once and reports the outcome to the core's cache (and a new set to the storage). */
  async fetchOnce() {
    const { fetchImpl, timeoutMs } = this.settings;
    const r = await fetchLimited(fetchImpl, this.url, timeoutMs, this.cache.maxResponseBytes);
    const now = nowSeconds();
    if (r.ok) {
      const f = this.cache.onFetchOk(now, r.body, r.cacheControl);
      if (f !== undefined) f.free(); // counted as a failed fetch by the cache; usable() reports
      else if (this.storage) await storeKeySet(this, r.body, r.cacheControl, now);
    } else {
      this.cache.onFetchError(now, r.timedOut);
    }
  }

  /** A fetch, shared by concurrent callers except where requests must stay isolated. */
  refresh() {
    if (isolatedRequests()) return this.fetchOnce();
    if (!this.inflight) {
      this.inflight = this.fetchOnce().finally(() => { this.inflight = undefined; });
    }
    return this.inflight;
  }

  /** Forces a fetch now (regardless of freshness and cooldown). */
  async reload() {
    await this.refresh();
    checkUsable(this);
  }

  /** Whether a fresh (not expired) set is cached. */
  get fresh() {
    return this.cache.isFresh(nowSeconds());
  }
}
Object.defineProperty(RemoteJWKSet.prototype, Symbol.toStringTag, { value: 'RemoteJWKSet' });

/** Throws the core's `jwks_timeout` / `jwks_unavailable` unless a set may be used now. */
function checkUsable(remote) {
  const f = remote.cache.usable(nowSeconds());
  if (f !== undefined) throw failureError(f);
}

/** The `JwkSet` to verify `token` with, fetching first when the core's cache policy says so
 *  (after asking the storage, if any, for a set another process fetched). */
export async function remoteKeysFor(ctx, remote, token) {
  const kid = ctx.glue.tokenKeyId(token);
  if (remote.cache.decide(nowSeconds(), kid)) {
    const restored = remote.storage !== undefined && await restoreKeySet(remote, nowSeconds());
    if (!restored || remote.cache.decide(nowSeconds(), kid)) await remote.refresh();
  }
  checkUsable(remote);
  const gen = remote.cache.generation;
  if (gen !== remote.generation || !remote.keys) {
    remote.keys = wrapKeys(ctx, remote.cache.snapshot());
    remote.generation = gen;
  }
  return remote.keys;
}

/** A remote key set for `url` (checked) with `settings` from `remoteSettings`. */
export function remoteKeySet(ctx, url, settings, meta) {
  const cache = new ctx.glue.WasmKeyCache(settings.maxAgeS, settings.cooldownS, settings.timeoutMs);
  return new RemoteJWKSet(url, settings, meta, cache);
}

/**
 * A remote JWK Set (jose's option names, durations in milliseconds): `timeoutDuration`
 * (default 5000), `cacheMaxAge` (default 600000; a server's Cache-Control max-age wins,
 * clamped to 30 s..24 h), `cooldownDuration` (default 30000), `fetch` (a fetch to use),
 * `storage` (where fetched sets are kept for other processes, see storage.js).
 */
export function createRemoteJWKSet(ctx, url, options) {
  const u = checkUrl('createRemoteJWKSet', url);
  return remoteKeySet(ctx, u, remoteSettings(options));
}
