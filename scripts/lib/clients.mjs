// Client records for the oidc-edge token proxy: the same format as worker/src/proxy/clients.rs
// (tests/worker/records.test.mjs and the Rust tests check that both sides agree).
//
// KV key:   client:<presented client id>
// KV value: {"v":1,"mode":"concealed"|"passthrough","client_id":...,"secret_hashes":[b64url,...],
//            "primary":{"client_id":...,"secret":"v1.<nonce>.<ct+tag>"},"secondary":{...},"created_at":...}
import crypto from 'node:crypto';

export const KV_PREFIX = 'client:';
export const kvKey = (clientId) => KV_PREFIX + clientId;

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** Decodes a key given as base64url or standard base64; throws unless at least `min` bytes. */
export function decodeKey(value, name, { exact, min = 32 } = {}) {
  if (typeof value !== 'string' || !value.trim()) throw new Error(`${name} is not set`);
  const s = value.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) throw new Error(`${name} must be base64`);
  const key = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (exact && key.length !== exact) throw new Error(`${name} must be exactly ${exact} bytes`);
  if (key.length < min) throw new Error(`${name} must be at least ${min} bytes`);
  return key;
}

function lengthPrefixed(s) {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** HMAC-SHA-256(hashKey, "oidc-edge/client-secret/v1" 0 u32be(len id) id secret). */
export function secretDigest(hashKey, clientId, secret) {
  const msg = Buffer.concat([
    Buffer.from('oidc-edge/client-secret/v1\0'),
    lengthPrefixed(clientId),
    Buffer.from(secret, 'utf8'),
  ]);
  return crypto.createHmac('sha256', hashKey).update(msg).digest();
}

/** AAD binding a sealed upstream secret to its record, region and upstream client id. */
export function sealAad(recordId, region, upstreamId) {
  return Buffer.concat([
    Buffer.from('oidc-edge/upstream-secret/v1\0'),
    lengthPrefixed(recordId),
    Buffer.from(`\0${region}\0`),
    lengthPrefixed(upstreamId),
  ]);
}

/** AES-256-GCM; returns "v1.<nonce b64url>.<ciphertext||tag b64url>". */
export function seal(encKey, recordId, region, upstreamId, secret, nonce = crypto.randomBytes(12)) {
  const c = crypto.createCipheriv('aes-256-gcm', encKey, nonce);
  c.setAAD(sealAad(recordId, region, upstreamId));
  const ct = Buffer.concat([c.update(secret, 'utf8'), c.final(), c.getAuthTag()]);
  return `v1.${b64url(nonce)}.${b64url(ct)}`;
}

/** Inverse of seal(); throws on a wrong key, binding or tampering. */
export function open(encKey, recordId, region, upstreamId, sealed) {
  const [v, n, ct, extra] = sealed.split('.');
  if (v !== 'v1' || extra !== undefined) throw new Error('unknown sealed format');
  const nonce = Buffer.from(n, 'base64url');
  const data = Buffer.from(ct, 'base64url');
  const d = crypto.createDecipheriv('aes-256-gcm', encKey, nonce);
  d.setAAD(sealAad(recordId, region, upstreamId));
  d.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]).toString('utf8');
}

/** A new application id: "oe_" + 16 random bytes, base64url (only unreserved characters). */
export const newClientId = () => 'oe_' + b64url(crypto.randomBytes(16));
/** A new application secret: 32 random bytes, base64url (unchanged by form-urlencoding). */
export const newClientSecret = () => b64url(crypto.randomBytes(32));

/**
 * Builds a record. Concealed: `clientId`/`clientSecret` are the application's (generated when
 * absent). Pass-through: the caller presents the primary pair, so the id is the primary id and
 * the digest is of the primary secret.
 */
export function buildRecord({ mode = 'concealed', primary, secondary, keys, clientId, clientSecret, nonces = {}, createdAt = new Date().toISOString() }) {
  for (const [name, pair] of [['primary', primary], ['secondary', secondary]]) {
    if (!pair?.clientId || !pair?.clientSecret) throw new Error(`${name} client id and secret are required`);
  }
  let id, secret;
  if (mode === 'concealed') {
    id = clientId ?? newClientId();
    secret = clientSecret ?? newClientSecret();
  } else if (mode === 'passthrough') {
    if (clientId && clientId !== primary.clientId) throw new Error('pass-through: the client id is the primary client id');
    id = primary.clientId;
    secret = primary.clientSecret;
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const record = {
    v: 1,
    mode,
    client_id: id,
    secret_hashes: [b64url(secretDigest(keys.hash, id, secret))],
    primary: { client_id: primary.clientId, secret: seal(keys.enc, id, 'primary', primary.clientId, primary.clientSecret, nonces.primary) },
    secondary: { client_id: secondary.clientId, secret: seal(keys.enc, id, 'secondary', secondary.clientId, secondary.clientSecret, nonces.secondary) },
    created_at: createdAt,
  };
  return { record, clientId: id, clientSecret: mode === 'concealed' ? secret : undefined };
}

/**
 * Rotation, step 1: adds a digest of a new secret (generated for concealed records; for
 * pass-through, the new primary secret, which is also re-sealed). At most two digests.
 */
export function rotateAdd(record, keys, { newSecret, newPrimarySecret } = {}) {
  if (record.secret_hashes.length >= 2) throw new Error('a rotation is already in progress (two secrets); finish it first');
  const next = structuredClone(record);
  let secret;
  if (record.mode === 'concealed') {
    secret = newSecret ?? newClientSecret();
  } else {
    if (!newPrimarySecret) throw new Error('pass-through rotation needs the new primary secret');
    secret = newPrimarySecret;
    next.primary.secret = seal(keys.enc, record.client_id, 'primary', record.primary.client_id, newPrimarySecret);
  }
  next.secret_hashes.push(b64url(secretDigest(keys.hash, record.client_id, secret)));
  next.rotated_at = new Date().toISOString();
  return { record: next, clientSecret: record.mode === 'concealed' ? secret : undefined };
}

/** Rotation, step 2: keeps only the newest secret. */
export function rotateFinish(record) {
  const next = structuredClone(record);
  next.secret_hashes = next.secret_hashes.slice(-1);
  return next;
}

/** Checks a presented secret against a record (tests, `client-show --check`). */
export function verifySecret(record, keys, secret) {
  const d = secretDigest(keys.hash, record.client_id, secret);
  return record.secret_hashes.some((h) => {
    const b = Buffer.from(h, 'base64url');
    return b.length === d.length && crypto.timingSafeEqual(b, d);
  });
}

/** Reads a dotenv-style file (KEY="value" lines) into an object. */
export function parseDevVars(text) {
  const out = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trim().startsWith('#')) continue;
    let v = m[2];
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}
