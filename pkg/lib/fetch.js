// The HTTP side of remote keys: which URLs may be fetched, and one GET with a time limit and a
// size cap whose outcome is a value (never an exception), for the core's key cache to judge.

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https, or http to a loopback host (development and tests). */
export function secureUrl(url) {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

/** A copy of `url` as a URL, when it is one that may be fetched; else a TypeError. */
export function checkUrl(where, url) {
  let u;
  try { u = url instanceof URL ? new URL(url.href) : new URL(url); } catch { throw new TypeError(`${where}: not a valid URL`); }
  if (!secureUrl(u)) throw new TypeError(`${where}: the URL must use https (http only for a loopback host)`);
  return u;
}

async function cancelBody(res) {
  try { await res.body?.cancel(); } catch { /* ignore */ }
}

/** The body, read until it ends or passes `maxBytes` (then `maxBytes + 1` octets: over the cap). */
async function readCapped(res, maxBytes) {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await cancelBody(res);
    return new Uint8Array(maxBytes + 1); // over the cap: the core reports it as a failed fetch
  }
  if (!res.body || typeof res.body.getReader !== 'function') return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    if (total > maxBytes) { try { await reader.cancel(); } catch { /* ignore */ } break; }
  }
  const body = new Uint8Array(Math.min(total, maxBytes + 1));
  let off = 0;
  for (const c of chunks) {
    const take = Math.min(c.byteLength, body.length - off);
    body.set(c.subarray(0, take), off);
    off += take;
    if (off >= body.length) break;
  }
  return body;
}

/**
 * GET `url` as JSON, no redirects, aborted after `timeoutMs`: `{ ok: true, body, cacheControl }`
 * for a 2xx (a body over `maxBytes` is cut to `maxBytes + 1` octets), else `{ ok: false,
 * timedOut, status?, error? }`.
 */
export async function fetchLimited(fetchImpl, url, timeoutMs, maxBytes) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs);
  try {
    const res = await fetchImpl(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: controller.signal,
    });
    if (res.status < 200 || res.status > 299) {
      await cancelBody(res);
      return { ok: false, timedOut: false, status: res.status };
    }
    const cacheControl = res.headers.get('cache-control') ?? undefined;
    const body = await readCapped(res, maxBytes);
    return { ok: true, body, cacheControl };
  } catch (e) {
    return { ok: false, timedOut, error: e };
  } finally {
    clearTimeout(timer);
  }
}
