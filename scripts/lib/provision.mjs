// The provisioning operations behind scripts/client-*.mjs, over any store of scripts/lib/kv.mjs.
// Each plans every write first and refuses the whole operation on any problem (nothing
// half-written), then writes in one `put`, and returns what it changed:
//   { changes: [{ key, action, detail }], ... }   action: created | replaced | updated | deleted | unchanged | kept
//
// Index ownership: an upstream client id (per region) maps to at most one application at the
// edge. Adding a record whose upstream ids another application owns is refused, unless the new
// record only shares them (`shareUpstream`: it writes no index entry) or `force` moves them.
// Revoking the owner hands the entries to a record sharing them, so revoking one application
// never breaks another's tokens at the edge.
import {
  REGIONS, RECORD_PREFIX, buildRecord, indexKey, indexValue, keyIdsOf, open, parseIndex, recordKey,
  reencrypt, rotateAdd, rotateFinish, upstreamOf, verifySecret,
} from './records.mjs';

const parse = (text) => (text == null ? null : JSON.parse(text));
const change = (key, action, detail) => ({ key, action, detail });

/** Whether `record` (JSON object) holds `upstreamId` for `region`. */
const holds = (record, region, upstreamId) => upstreamOf(record, region)?.client_id === upstreamId;

/**
 * Plans the index entries for `record`: for each region, create, keep, or refuse. Returns
 * { entries, changes } or throws naming the conflict.
 */
async function planIndex(kv, record, { force, shareUpstream }) {
  const keys = REGIONS.map((r) => indexKey(r, upstreamOf(record, r).client_id));
  const current = await kv.getMany(keys);
  const owners = REGIONS.map((r, i) => parseIndex(current.get(keys[i]) ?? ''));
  const ownerRecords = await kv.getMany(owners.filter(Boolean).map(recordKey));
  const entries = [];
  const changes = [];
  REGIONS.forEach((region, i) => {
    const key = keys[i];
    const owner = owners[i];
    const ownerRecord = owner ? parse(ownerRecords.get(recordKey(owner))) : null;
    const upstreamId = upstreamOf(record, region).client_id;
    const live = owner && holds(ownerRecord, region, upstreamId);
    if (shareUpstream) {
      if (!live) throw new Error(`${key}: no application owns this upstream client, so there is nothing to share (drop --share-upstream)`);
      changes.push(change(key, 'kept', `still -> ${owner} (this record shares it)`));
      return;
    }
    if (owner === record.client_id && live) {
      changes.push(change(key, 'unchanged', `-> ${owner}`));
    } else if (live && !force) {
      throw new Error(`${key}: upstream client ${upstreamId} (${region}) belongs to application ${owner}; `
        + 'use --share-upstream to add this record without claiming it, or --force to move it to this one');
    } else {
      entries.push({ key, value: indexValue(record.client_id) });
      changes.push(change(key, owner ? 'replaced' : 'created', `-> ${record.client_id}${owner ? ` (was ${owner}${live ? '' : ', stale'})` : ''}`));
    }
  });
  return { entries, changes };
}

/** Adds a client. Returns { changes, clientId, clientSecret?, mode }. */
export async function addClient({ kv, keys, mode = 'concealed', primary, secondary, onePair = false, clientId, force = false, shareUpstream = false }) {
  const built = buildRecord({ mode, primary, secondary, onePair, keys, clientId, sharedUpstream: shareUpstream });
  const key = recordKey(built.clientId);
  const existing = (await kv.getMany([key])).get(key);
  if (existing != null && !force) throw new Error(`${key} exists; use client-rotate.mjs, or --force to replace it`);
  const index = await planIndex(kv, built.record, { force, shareUpstream });
  await kv.put([{ key, value: JSON.stringify(built.record) }, ...index.entries]);
  return {
    mode,
    clientId: built.clientId,
    clientSecret: built.clientSecret,
    changes: [change(key, existing != null ? 'replaced' : 'created', `${mode} record`), ...index.changes],
  };
}

async function getRecord(kv, clientId) {
  const key = recordKey(clientId);
  const text = (await kv.getMany([key])).get(key);
  if (text == null) throw new Error(`no record under ${key}`);
  return { key, record: JSON.parse(text) };
}

/** Rotation, step 1: a second secret. Returns { changes, clientSecret? }. */
export async function startRotation({ kv, keys, clientId, newPrimarySecret }) {
  const { key, record } = await getRecord(kv, clientId);
  const { record: next, clientSecret } = rotateAdd(record, keys, { newPrimarySecret });
  await kv.put([{ key, value: JSON.stringify(next) }]);
  const what = record.mode === 'concealed' ? 'a new application secret added' : 'the new primary secret added (and sealed)';
  return { clientSecret, changes: [change(key, 'updated', `${what}; the old secret works until --finish`)] };
}

/** Rotation, step 2: only the newest secret. */
export async function finishRotation({ kv, clientId }) {
  const { key, record } = await getRecord(kv, clientId);
  await kv.put([{ key, value: JSON.stringify(rotateFinish(record)) }]);
  return { changes: [change(key, 'updated', 'the old secret removed; only the newest works')] };
}

/** Every record, as [key, record] pairs. */
async function allRecords(kv) {
  const keys = await kv.list(RECORD_PREFIX);
  const values = await kv.getMany(keys);
  return keys.map((k) => [k, parse(values.get(k))]).filter(([, r]) => r);
}

/**
 * Revokes a client: deletes its record, and the index entries it owns; where another record
 * shares that upstream client, the entry moves to it. A missing record is an error.
 */
export async function revokeClient({ kv, clientId }) {
  const { key, record } = await getRecord(kv, clientId);
  const indexKeys = REGIONS.map((r) => indexKey(r, upstreamOf(record, r).client_id));
  const current = await kv.getMany(indexKeys);
  const changes = [change(key, 'deleted', `${record.mode} record`)];
  const puts = [];
  const deletes = [key];
  let others;
  for (const [i, region] of REGIONS.entries()) {
    const k = indexKeys[i];
    const owner = parseIndex(current.get(k) ?? '');
    if (owner !== clientId) {
      if (owner) changes.push(change(k, 'kept', `belongs to ${owner}`));
      continue;
    }
    others ??= (await allRecords(kv)).filter(([rk]) => rk !== key);
    const heir = others.find(([, r]) => holds(r, region, upstreamOf(record, region).client_id));
    if (heir) {
      const [heirKey, heirRecord] = heir;
      puts.push({ key: k, value: indexValue(heirRecord.client_id) });
      changes.push(change(k, 'replaced', `-> ${heirRecord.client_id} (shares this upstream client)`));
      if (heirRecord.shared_upstream) {
        const owned = REGIONS.every((r) => holds(heirRecord, r, upstreamOf(record, r).client_id));
        if (owned && !puts.some((p) => p.key === heirKey)) {
          const { shared_upstream: _, ...rest } = heirRecord;
          puts.push({ key: heirKey, value: JSON.stringify(rest) });
          changes.push(change(heirKey, 'updated', 'now owns its upstream clients'));
        }
      }
    } else {
      deletes.push(k);
      changes.push(change(k, 'deleted', `pointed to ${clientId}`));
    }
  }
  await kv.put(puts);
  await kv.delete(deletes);
  return { changes };
}

/** Per key id, how many values of the records use it; and whether the previous keys may go. */
export async function keyStatus({ kv, keys }) {
  const records = await allRecords(kv);
  const count = (kind) => {
    const byId = {};
    for (const [, r] of records) for (const id of keyIdsOf(r)[kind]) byId[id] = (byId[id] ?? 0) + 1;
    return byId;
  };
  const enc = count('enc');
  const hash = count('hash');
  const left = (ring, byId) => Object.entries(byId).filter(([id]) => id !== ring.current.id).reduce((n, [, c]) => n + c, 0);
  return {
    records: records.length,
    enc: { current: keys.enc.current.id, byKeyId: enc, notCurrent: left(keys.enc, enc) },
    hash: { current: keys.hash.current.id, byKeyId: hash, notCurrent: left(keys.hash, hash) },
    changes: [],
  };
}

/** Re-seals every record's upstream secrets under the current encryption key. */
export async function reencryptAll({ kv, keys }) {
  const records = await allRecords(kv);
  const puts = [];
  const changes = [];
  for (const [key, record] of records) {
    let next;
    try {
      next = reencrypt(record, keys.enc);
    } catch (e) {
      throw new Error(`${key}: ${e.message} (set CLIENT_ENC_KEY_PREVIOUS to the key it was sealed with)`);
    }
    if (next) {
      puts.push({ key, value: JSON.stringify(next) });
      changes.push(change(key, 'updated', `upstream secrets sealed under ${keys.enc.current.id}`));
    } else changes.push(change(key, 'unchanged', `already under ${keys.enc.current.id}`));
  }
  await kv.put(puts);
  return { changes };
}

/** The string value of a DynamoDB JSON attribute ({"S": "..."}). */
function attr(item, name) {
  const v = item?.[name];
  return v && typeof v === 'object' && typeof v.S === 'string' && v.S !== '' ? v.S : undefined;
}

/** Items of a DynamoDB scan export: `aws dynamodb scan` JSON ({"Items":[...]}), a JSON array,
 * or the JSON lines of an export to S3 ({"Item":{...}} per line). */
export function dynamoItems(text) {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed);
  try {
    const doc = JSON.parse(trimmed);
    if (Array.isArray(doc.Items)) return doc.Items;
    if (doc.Item) return [doc.Item];
  } catch {
    // JSON lines: below.
  }
  return trimmed.split(/\r?\n/).filter((l) => l.trim()).map((line, i) => {
    let v;
    try {
      v = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1} of the export is not JSON`);
    }
    return v.Item ?? v;
  });
}

const FIELDS = ['primaryClientID', 'primaryClientSecret', 'secondaryClientID', 'secondaryClientSecret'];

/**
 * Imports a credentials table (items with primaryClientID, primaryClientSecret,
 * secondaryClientID, secondaryClientSecret). Pass-through (default): callers keep presenting
 * the primary pair. Concealed: a new application id and secret per item (returned as
 * `issued`, never written anywhere else). Idempotent: an item whose records already hold the
 * same credentials is left alone (and gets no new application credentials). Any malformed or
 * conflicting item stops the whole import before anything is written.
 */
export async function importDynamo({ kv, keys, items, mode = 'passthrough', force = false, shareUpstream = false }) {
  if (!['passthrough', 'concealed'].includes(mode)) throw new Error(`unknown mode ${mode} (passthrough or concealed)`);
  const rows = items.map((item, i) => {
    const name = `item ${i + 1}${attr(item, 'primaryClientID') ? ` (primaryClientID ${attr(item, 'primaryClientID')})` : ''}`;
    const missing = FIELDS.filter((f) => attr(item, f) === undefined);
    if (missing.length) throw new Error(`${name}: ${missing.join(', ')} missing or not a non-empty string ({"S": "..."})`);
    return {
      name,
      primary: { clientId: attr(item, 'primaryClientID'), clientSecret: attr(item, 'primaryClientSecret') },
      secondary: { clientId: attr(item, 'secondaryClientID'), clientSecret: attr(item, 'secondaryClientSecret') },
    };
  });
  const seen = new Map();
  for (const row of rows) {
    const prev = seen.get(row.primary.clientId);
    if (prev) throw new Error(`${row.name}: the same primaryClientID as ${prev}`);
    seen.set(row.primary.clientId, row.name);
  }
  const sameCredentials = (record, row) => record && REGIONS.every((r) => {
    const pair = row[r];
    if (!holds(record, r, pair.clientId)) return false;
    try {
      return open(keys.enc, record.client_id, r, pair.clientId, record[r].secret) === pair.clientSecret;
    } catch {
      return false;
    }
  });
  const report = [];
  const issued = [];
  const puts = [];
  const claimed = new Map(); // index key -> the item of this import that claims it
  for (const row of rows) {
    // The record this item maps to today: pass-through by its key, concealed through the index.
    let existingKey = mode === 'passthrough' ? recordKey(row.primary.clientId) : null;
    if (mode === 'concealed') {
      const owner = parseIndex((await kv.getMany([indexKey('primary', row.primary.clientId)])).values().next().value ?? '');
      if (owner) existingKey = recordKey(owner);
    }
    const existing = existingKey ? parse((await kv.getMany([existingKey])).get(existingKey)) : null;
    const unchanged = existing?.mode === mode && sameCredentials(existing, row)
      && (mode === 'concealed' || verifySecret(existing, keys.hash, row.primary.clientSecret));
    if (unchanged) {
      report.push({ item: row.name, action: 'unchanged', client_id: existing.client_id, changes: [change(existingKey, 'unchanged', `${mode} record`)] });
      continue;
    }
    if (existing && mode === 'passthrough' && !force) {
      throw new Error(`${row.name}: ${existingKey} exists with other credentials; --force to replace it`);
    }
    const built = buildRecord({ mode, primary: row.primary, secondary: row.secondary, keys, sharedUpstream: shareUpstream });
    const key = recordKey(built.clientId);
    let index;
    try {
      index = await planIndex(kv, built.record, { force, shareUpstream });
    } catch (e) {
      throw new Error(`${row.name}: ${e.message}`);
    }
    for (const e of index.entries) {
      if (claimed.has(e.key)) throw new Error(`${row.name}: ${e.key} is also claimed by ${claimed.get(e.key)}`);
      claimed.set(e.key, row.name);
    }
    puts.push({ key, value: JSON.stringify(built.record) }, ...index.entries);
    if (built.clientSecret) issued.push({ item: row.name, primaryClientID: row.primary.clientId, client_id: built.clientId, client_secret: built.clientSecret });
    report.push({
      item: row.name,
      action: existing ? 'replaced' : 'created',
      client_id: built.clientId,
      changes: [change(key, existing && existingKey === key ? 'replaced' : 'created', `${mode} record`), ...index.changes],
    });
  }
  await kv.put(puts);
  return { items: report, issued, changes: report.flatMap((r) => r.changes) };
}
