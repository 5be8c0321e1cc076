// The origin's side of the worker's origin proof, `X-Auth-Signature` (docs/EDGE.md specifies
// the format; tests/fixtures/origin-signature.json holds vectors and verdicts). WebCrypto HMAC,
// so the same check runs in Node, Deno, Bun, Workers and browsers, and the MAC comparison is
// the platform's own (constant time), never a JavaScript loop.

import { textEncoder } from './encoding.js';

/** The proof's header, lower case as Node and the Fetch API hand headers over. */
const HEADER = 'x-auth-signature';
/** A `v1` MAC: base64url without padding of 32 octets. */
const MAC = /^[A-Za-z0-9_-]{43}$/;

/** The signed string: nine fields, one per line (no trailing line feed). */
export function originCanonical({ method, host, pathAndQuery, subject, client, region, requestId, t }) {
  return ['v1', method, host, pathAndQuery, subject, client, region, requestId, String(t)].join('\n');
}

/** Octets of base64 or base64url text (padding optional), or of a binary key as given. */
function keyOctets(key) {
  if (typeof key === 'string') {
    if (!/^[A-Za-z0-9+/_-]+=*$/.test(key)) throw new TypeError('origin key: not base64 or base64url text');
    const bin = atob(key.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(key.length / 4) * 4, '='));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  }
  if (key instanceof ArrayBuffer) return new Uint8Array(key);
  if (ArrayBuffer.isView(key)) return new Uint8Array(key.buffer, key.byteOffset, key.byteLength);
  throw new TypeError('origin key: a string (base64/base64url), ArrayBuffer or typed array');
}

/** `{ t, macs }` of a header value; throws an Error naming what is wrong. */
function parseHeader(value) {
  if (typeof value !== 'string' || !value) throw new Error('missing');
  let t;
  const macs = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const [name, v] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    if (name === 't') {
      if (t !== undefined) throw new Error('t given twice');
      if (!/^[0-9]{1,12}$/.test(v)) throw new Error('t is not unix seconds');
      t = Number(v);
    } else if (name === 'v1') {
      if (!MAC.test(v)) throw new Error('v1 is not a base64url HMAC-SHA256');
      macs.push(keyOctets(v));
    }
    // Other parts are ignored: a later version can add its own MACs beside v1.
  }
  if (t === undefined) throw new Error('no t');
  if (!macs.length) throw new Error('no v1');
  return { t, macs };
}

/**
 * Checks an origin proof. `keys`: the keys the origin accepts (two during a rotation), as
 * base64/base64url text or octets; `now`: Unix seconds (default: the clock); `maxSkew`: seconds
 * (default 60); the other fields are the request as the origin received it. Resolves to
 * `{ ok: true }` or `{ ok: false, reason }`, reason `malformed: ...`, `stale` or `mismatch`.
 * Unusable keys are a TypeError (a configuration error, not a verdict).
 */
export async function verifyOriginSignature({ header, keys, now = Math.floor(Date.now() / 1000), maxSkew = 60, ...fields }) {
  if (!Array.isArray(keys) || keys.length === 0) throw new TypeError('origin keys: a non-empty array');
  const octets = keys.map(keyOctets);
  let parsed;
  try {
    parsed = parseHeader(header);
  } catch (e) {
    return { ok: false, reason: `malformed: ${e.message}` };
  }
  if (Math.abs(now - parsed.t) > maxSkew) return { ok: false, reason: 'stale' };
  const data = textEncoder.encode(originCanonical({ ...fields, t: parsed.t }));
  const subtle = globalThis.crypto.subtle;
  for (const raw of octets) {
    const key = await subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    for (const mac of parsed.macs) {
      if (await subtle.verify('HMAC', key, mac, data)) return { ok: true };
    }
  }
  return { ok: false, reason: 'mismatch' };
}

/**
 * Checks the proof of a request as an origin received it: a Fetch API `Request` (Workers, Deno,
 * Bun, Node's fetch servers) or a Node `http.IncomingMessage`. `host` is the authority the
 * worker signed (its `PROTECT_ORIGIN`); it defaults to the request's Host header, which an
 * origin behind a proxy that rewrites Host must not rely on.
 */
export function verifyOriginRequest(request, { keys, now, maxSkew, host } = {}) {
  const fetchStyle = typeof request.headers?.get === 'function';
  const get = fetchStyle ? (name) => request.headers.get(name) ?? undefined : (name) => request.headers[name];
  const url = fetchStyle ? new URL(request.url) : undefined;
  return verifyOriginSignature({
    header: get(HEADER),
    keys,
    now,
    maxSkew,
    method: request.method,
    host: host ?? get('host') ?? url?.host,
    pathAndQuery: url ? url.pathname + url.search : request.url,
    subject: get('x-auth-subject'),
    client: get('x-auth-client'),
    region: get('x-auth-region'),
    requestId: get('x-request-id'),
  });
}
