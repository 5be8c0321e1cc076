// Storage of fetched key sets outside the process, so a new process or Workers isolate verifies
// without fetching: the `storage` option of a remote key set, and a ready adapter for the
// Workers Cache API. A stored set is data, never trusted as such: the core parses it again
// (size cap, JWK Set shape, key policy at use) and gives it the lifetime the current cache
// policy grants from its fetch time; the storage only saves the fetch. Storage failures never
// fail a verification: the set is then fetched as without storage.

import { textEncoder, utf8 } from './encoding.js';

/** Version of the stored record's shape. */
const RECORD_VERSION = 1;

/** Checks a `storage` option: an object with `get(key)` and `set(key, record, ttlSeconds)`. */
export function checkStorage(storage) {
  if (storage === undefined) return undefined;
  if (storage === null || typeof storage !== 'object' || typeof storage.get !== 'function' || typeof storage.set !== 'function') {
    throw new TypeError('storage must be an object with get(key) and set(key, record, ttlSeconds) methods');
  }
  return storage;
}

/** `promise`, or `undefined` when it rejects or takes longer than `ms`. */
async function bounded(promise, ms) {
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(resolve, ms); });
  try {
    return await Promise.race([Promise.resolve(promise).catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The record read back, when it has the shape `storeKeySet` writes; else undefined. */
function readRecord(value) {
  if (value === null || typeof value !== 'object') return undefined;
  const { v, jwks, fetchedAt, cacheControl } = value;
  if (v !== RECORD_VERSION || typeof jwks !== 'string' || !Number.isFinite(fetchedAt)) return undefined;
  if (cacheControl !== undefined && typeof cacheControl !== 'string') return undefined;
  return { jwks, fetchedAt, cacheControl };
}

/** Restores `remote`'s key set from its storage; true when the core took a stored set. */
export async function restoreKeySet(remote, now) {
  let value;
  try {
    value = await bounded(remote.storage.get(remote.url), remote.settings.timeoutMs);
  } catch {
    return false; // a get that throws synchronously: as if nothing were stored
  }
  const record = readRecord(value);
  if (!record) return false;
  return remote.cache.restore(now, textEncoder.encode(record.jwks), record.fetchedAt, record.cacheControl);
}

/** Stores the set `remote` has just fetched (`body`, the response's `cacheControl`), for as
 *  long as the core's policy keeps it usable. */
export async function storeKeySet(remote, body, cacheControl, now) {
  const ttl = remote.cache.keepSeconds(now);
  if (!(ttl > 0)) return;
  let jwks;
  try { jwks = utf8.decode(body); } catch { return; } // the core has accepted it: UTF-8
  const record = { v: RECORD_VERSION, jwks, fetchedAt: now };
  if (cacheControl !== undefined) record.cacheControl = cacheControl;
  try {
    await bounded(remote.storage.set(remote.url, record, ttl), remote.settings.timeoutMs);
  } catch {
    // not stored: the next process fetches
  }
}

/** The Cache API request a key set is stored under: one per key set URL, under a reserved
 *  host name (`.invalid` never resolves, so nothing else can answer for it). */
function cacheRequest(key) {
  return new Request(`https://oidc-edge.invalid/jwks/v${RECORD_VERSION}?url=${encodeURIComponent(key)}`);
}

/**
 * Key set storage in the Workers Cache API (key sets are public data): `cache` is a Cache
 * (default `caches.default`) or a promise of one (e.g. `caches.open('keys')`). The Cache API is
 * per data centre: an isolate started there restores what another one fetched.
 */
export function workersCacheStorage(cache) {
  let opened;
  const open = () => {
    if (!opened) {
      opened = Promise.resolve(cache ?? globalThis.caches?.default);
      opened.then((c) => { if (!c) opened = undefined; }, () => { opened = undefined; });
    }
    return opened;
  };
  return Object.freeze({
    async get(key) {
      const c = await open();
      const res = c && await c.match(cacheRequest(key));
      return res ? res.json() : undefined;
    },
    async set(key, record, ttlSeconds) {
      const c = await open();
      if (!c) return;
      await c.put(cacheRequest(key), new Response(JSON.stringify(record), {
        headers: { 'content-type': 'application/json', 'cache-control': `public, max-age=${Math.max(1, Math.floor(ttlSeconds))}` },
      }));
    },
  });
}
