// Reference origin-side check of the worker's X-Auth-Signature (the format docs/EDGE.md
// specifies). The test origin of the harness runs it on every forwarded request; the fixture
// tests/fixtures/origin-signature.json is checked against it here and against the worker's own
// signer in Rust, so the two sides and the document cannot drift apart.
//
//   X-Auth-Signature: t=<unix seconds>,v1=<base64url HMAC-SHA256(key, canonical)>[,v1=...]
//   canonical = v1 LF METHOD LF host LF path-and-query LF subject LF client LF region LF request-id LF t
import crypto from 'node:crypto';

/** The signed string. */
export function canonical({ method, host, pathAndQuery, subject, client, region, requestId, t }) {
  return ['v1', method, host, pathAndQuery, subject, client, region, requestId, String(t)].join('\n');
}

/** The header value for these keys (worker side; tests only). */
export function sign(keys, fields) {
  const c = canonical(fields);
  return [`t=${fields.t}`, ...keys.map((k) => `v1=${crypto.createHmac('sha256', k).update(c).digest('base64url')}`)].join(',');
}

/** Parses the header: { t, macs } or throws with the reason. */
export function parseHeader(value) {
  if (typeof value !== 'string' || !value) throw new Error('missing');
  let t;
  const macs = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const [k, v] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    if (k === 't') {
      if (t !== undefined) throw new Error('t given twice');
      if (!/^[0-9]{1,12}$/.test(v)) throw new Error('t is not unix seconds');
      t = Number(v);
    } else if (k === 'v1') {
      if (!/^[A-Za-z0-9_-]{43}$/.test(v)) throw new Error('v1 is not a base64url HMAC-SHA256');
      macs.push(Buffer.from(v, 'base64url'));
    }
    // Unknown parts are ignored: a later version can add its own MACs beside v1.
  }
  if (t === undefined) throw new Error('no t');
  if (!macs.length) throw new Error('no v1');
  return { t, macs };
}

/**
 * Checks a signature. `keys`: the keys the origin accepts (two during a rotation); `now`: unix
 * seconds; `maxSkew`: seconds (default 60). Returns { ok: true } or { ok: false, reason }.
 */
export function verify({ header, keys, now, maxSkew = 60, ...fields }) {
  let parsed;
  try {
    parsed = parseHeader(header);
  } catch (e) {
    return { ok: false, reason: `malformed: ${e.message}` };
  }
  if (Math.abs(now - parsed.t) > maxSkew) return { ok: false, reason: 'stale' };
  const c = canonical({ ...fields, t: parsed.t });
  for (const key of keys) {
    const want = crypto.createHmac('sha256', key).update(c).digest();
    if (parsed.macs.some((m) => m.length === want.length && crypto.timingSafeEqual(m, want))) return { ok: true };
  }
  return { ok: false, reason: 'mismatch' };
}

/** Checks a Node request (`http.IncomingMessage`) as an origin would; `host` defaults to its Host header. */
export function verifyRequest(req, { keys, now = Math.floor(Date.now() / 1000), maxSkew, host }) {
  const h = req.headers;
  return verify({
    header: h['x-auth-signature'],
    keys,
    now,
    maxSkew,
    method: req.method,
    host: host ?? h.host,
    pathAndQuery: req.url,
    subject: h['x-auth-subject'],
    client: h['x-auth-client'],
    region: h['x-auth-region'],
    requestId: h['x-request-id'],
  });
}
