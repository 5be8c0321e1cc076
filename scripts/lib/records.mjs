// Client records and edge index entries, as the worker reads them (worker/src/records.rs; the
// committed fixture tests/worker/fixtures/record-v2.json is checked by both sides).
//
// Record, KV key client:<presented client id>:
//   {"v":2,"mode":"concealed"|"passthrough","client_id":...,
//    "secret_hashes":["<hash key id>.<b64url HMAC>",...],
//    "primary":{"client_id":...,"secret":"<enc key id>.<b64url nonce>.<b64url ct+tag>"},"secondary":{...},
//    "shared_upstream":true?, "created_at":...}
// Index entry, KV key upstream:<region>:<upstream client id>: {"v":1,"client":"<application id>"}
import crypto from 'node:crypto';

export const RECORD_PREFIX = 'client:';
export const INDEX_PREFIX = 'upstream:';
export const REGIONS = ['primary', 'secondary'];
export const recordKey = (clientId) => RECORD_PREFIX + clientId;
export const indexKey = (region, upstreamId) => `${INDEX_PREFIX}${region}:${upstreamId}`;
export const indexValue = (application) => JSON.stringify({ v: 1, client: application });

/**
 * A record's upstream client for `region` ({ client_id, secret }). A one-pair record (Amazon
 * Cognito multi-Region replication: the same machine client in both Regions) holds its one
 * pair under `primary`, sealed for the primary, and uses it against both Regions.
 */
export const upstreamOf = (record, region) => (record?.one_pair ? record?.primary : record?.[region]);
/** The regions whose sealed secret a record stores itself. */
export const sealedRegions = (record) => (record?.one_pair ? ['primary'] : REGIONS);

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** The application an index entry points to, or null. */
export function parseIndex(text) {
  try {
    const v = JSON.parse(text);
    return v?.v === 1 && typeof v.client === 'string' && v.client ? v.client : null;
  } catch {
    return null;
  }
}

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

/** Key id: base64url of the first 6 octets of SHA-256("oidc-edge/key-id/v1" 0x00 key). */
export function keyId(key) {
  return b64url(crypto.createHash('sha256').update('oidc-edge/key-id/v1\0').update(key).digest().subarray(0, 6));
}

/** A keyring: the current key and, during a rotation, the previous one. */
export function keyring(current, previous) {
  const ring = { current: { id: keyId(current), key: current } };
  if (previous && !previous.equals(current)) ring.previous = { id: keyId(previous), key: previous };
  ring.get = (id) => [ring.current, ring.previous].find((k) => k && k.id === id);
  return ring;
}

function lengthPrefixed(s) {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** HMAC-SHA-256(hashKey, "oidc-edge/client-secret/v1" 0 u32be(len id) id secret). */
export function secretDigest(hashKey, clientId, secret) {
  const msg = Buffer.concat([Buffer.from('oidc-edge/client-secret/v1\0'), lengthPrefixed(clientId), Buffer.from(secret, 'utf8')]);
  return crypto.createHmac('sha256', hashKey).update(msg).digest();
}

/** A stored digest: "<key id>.<b64url digest>" under `ring.current`. */
export const digestString = (ring, clientId, secret) => `${ring.current.id}.${b64url(secretDigest(ring.current.key, clientId, secret))}`;

/** AAD binding a sealed upstream secret to its record, region and upstream client id. */
export function sealAad(recordId, region, upstreamId) {
  return Buffer.concat([
    Buffer.from('oidc-edge/upstream-secret/v1\0'),
    lengthPrefixed(recordId),
    Buffer.from(`\0${region}\0`),
    lengthPrefixed(upstreamId),
  ]);
}

/** AES-256-GCM under `ring.current`: "<key id>.<nonce b64url>.<ciphertext||tag b64url>". */
export function seal(ring, recordId, region, upstreamId, secret, nonce = crypto.randomBytes(12)) {
  const c = crypto.createCipheriv('aes-256-gcm', ring.current.key, nonce);
  c.setAAD(sealAad(recordId, region, upstreamId));
  const ct = Buffer.concat([c.update(secret, 'utf8'), c.final(), c.getAuthTag()]);
  return `${ring.current.id}.${b64url(nonce)}.${b64url(ct)}`;
}

/** Inverse of seal() with the key the value names; throws on an unknown key, binding or tampering. */
export function open(ring, recordId, region, upstreamId, sealed) {
  const parts = String(sealed).split('.');
  if (parts.length !== 3) throw new Error('unknown sealed format');
  const key = ring.get(parts[0]);
  if (!key) throw new Error(`sealed under key ${parts[0]}, which is not configured`);
  const nonce = Buffer.from(parts[1], 'base64url');
  const data = Buffer.from(parts[2], 'base64url');
  const d = crypto.createDecipheriv('aes-256-gcm', key.key, nonce);
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
 * the digest is of the primary secret. `keys` = { enc, hash } keyrings.
 */
export function buildRecord({ mode = 'concealed', primary, secondary, onePair = false, keys, clientId, clientSecret, sharedUpstream = false, nonces = {}, createdAt = new Date().toISOString() }) {
  if (onePair && secondary) throw new Error('a one-pair record has no secondary pair: the primary pair is used in both Regions');
  for (const [name, pair] of onePair ? [['primary', primary]] : [['primary', primary], ['secondary', secondary]]) {
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
    throw new Error(`unknown mode ${mode} (concealed or passthrough)`);
  }
  const record = {
    v: 2,
    mode,
    client_id: id,
    secret_hashes: [digestString(keys.hash, id, secret)],
    primary: { client_id: primary.clientId, secret: seal(keys.enc, id, 'primary', primary.clientId, primary.clientSecret, nonces.primary) },
  };
  if (onePair) record.one_pair = true;
  else record.secondary = { client_id: secondary.clientId, secret: seal(keys.enc, id, 'secondary', secondary.clientId, secondary.clientSecret, nonces.secondary) };
  if (sharedUpstream) record.shared_upstream = true;
  record.created_at = createdAt;
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
    if (!newPrimarySecret) throw new Error('pass-through rotation needs the new primary secret (NEW_PRIMARY_CLIENT_SECRET)');
    secret = newPrimarySecret;
    next.primary.secret = seal(keys.enc, record.client_id, 'primary', record.primary.client_id, newPrimarySecret);
  }
  next.secret_hashes.push(digestString(keys.hash, record.client_id, secret));
  next.rotated_at = new Date().toISOString();
  return { record: next, clientSecret: record.mode === 'concealed' ? secret : undefined };
}

/** Rotation, step 2: keeps only the newest secret. */
export function rotateFinish(record) {
  if (record.secret_hashes.length < 2) throw new Error('no rotation in progress (one secret)');
  const next = structuredClone(record);
  next.secret_hashes = next.secret_hashes.slice(-1);
  return next;
}

/** Whether a presented secret matches one of the record's digests (under the key each names). */
export function verifySecret(record, hashRing, secret) {
  return record.secret_hashes.some((entry) => {
    const [id, b64] = String(entry).split('.');
    const key = hashRing.get(id);
    if (!key || !b64) return false;
    const stored = Buffer.from(b64, 'base64url');
    const d = secretDigest(key.key, record.client_id, secret);
    return stored.length === d.length && crypto.timingSafeEqual(stored, d);
  });
}

/** The key ids a record's values name: { enc: [...], hash: [...] }. */
export function keyIdsOf(record) {
  return {
    enc: sealedRegions(record).map((r) => String(record[r]?.secret ?? '').split('.')[0]),
    hash: record.secret_hashes.map((h) => String(h).split('.')[0]),
  };
}

/**
 * Re-seals both upstream secrets under the current encryption key (decrypting with whichever
 * key each names). Returns null when both already use the current key.
 */
export function reencrypt(record, encRing) {
  const ids = keyIdsOf(record).enc;
  if (ids.every((id) => id === encRing.current.id)) return null;
  const next = structuredClone(record);
  for (const region of sealedRegions(record)) {
    const plain = open(encRing, record.client_id, region, record[region].client_id, record[region].secret);
    next[region].secret = seal(encRing, record.client_id, region, record[region].client_id, plain);
  }
  return next;
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
