// The provisioning code: the record format (one fixture for JS and Rust), the operations over an
// injected store (every refusal and every change they report), the commands as operators run
// them (arguments, secrets, stores, exit codes), and records written through wrangler's local KV
// read by the worker in workerd.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { memoryKv } from '../../scripts/lib/kv.mjs';
import {
  addClient, dynamoItems, finishRotation, importDynamo, keyStatus, reencryptAll, revokeClient, startRotation,
} from '../../scripts/lib/provision.mjs';
import {
  buildRecord, decodeKey, indexKey, keyIdsOf, keyring, open, parseDevVars, parseIndex, recordKey, rotateAdd, rotateFinish, seal, verifySecret,
} from '../../scripts/lib/records.mjs';
import { fixture } from './fixtures/gen-record.mjs';
import { ROOT, keysOf, newSecrets, startRegions, startWorker, tmpdir, workerBuilt, workerVars } from '../support/harness.mjs';

const run = promisify(execFile);
const T = { timeout: 120_000 };
const secrets = newSecrets();
const keys = keysOf(secrets);
const pair = { primary: { clientId: 'p-id', clientSecret: 'p-sec' }, secondary: { clientId: 's-id', clientSecret: 's-sec' } };
const actions = (r) => r.changes.map((c) => `${c.action} ${c.key}`);
const stored = (kv, key) => (kv.map.has(key) ? JSON.parse(kv.map.get(key)) : undefined);

describe('record format', () => {
  test('scripts/lib/records.mjs reproduces the fixture the Rust tests read, byte for byte', () => {
    const committed = fs.readFileSync(path.join(ROOT, 'tests/worker/fixtures/record-v2.json'), 'utf8');
    assert.equal(JSON.stringify(fixture(), null, 2) + '\n', committed);
  });

  test('seal/open round trip; bound to record, region and upstream id; named by key id', () => {
    const s = seal(keys.enc, 'oe_a', 'primary', 'p-id', 'sëcret');
    assert.match(s, /^[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.equal(s.split('.')[0], keys.enc.current.id);
    assert.equal(open(keys.enc, 'oe_a', 'primary', 'p-id', s), 'sëcret');
    for (const [id, region, up] of [['oe_b', 'primary', 'p-id'], ['oe_a', 'secondary', 'p-id'], ['oe_a', 'primary', 'p-id2']]) {
      assert.throws(() => open(keys.enc, id, region, up, s));
    }
    assert.throws(() => open(keysOf(newSecrets()).enc, 'oe_a', 'primary', 'p-id', s), /not configured/);
  });

  test('concealed and pass-through records; secret rotation; keys', () => {
    const c = buildRecord({ ...pair, keys });
    assert.match(c.clientId, /^oe_[A-Za-z0-9_-]{22}$/);
    assert.match(c.clientSecret, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(verifySecret(c.record, keys.hash, c.clientSecret));
    assert.ok(!JSON.stringify(c.record).includes(c.clientSecret));
    assert.ok(!JSON.stringify(c.record).includes('"p-sec"'));
    const { record: r2, clientSecret: next } = rotateAdd(c.record, keys);
    assert.ok(verifySecret(r2, keys.hash, c.clientSecret) && verifySecret(r2, keys.hash, next));
    assert.throws(() => rotateAdd(r2, keys), /already in progress/);
    const r3 = rotateFinish(r2);
    assert.ok(!verifySecret(r3, keys.hash, c.clientSecret) && verifySecret(r3, keys.hash, next));
    assert.throws(() => rotateFinish(r3), /no rotation in progress/);
    const p = buildRecord({ ...pair, keys, mode: 'passthrough' });
    assert.equal(p.clientId, 'p-id');
    assert.equal(p.clientSecret, undefined);
    assert.ok(verifySecret(p.record, keys.hash, 'p-sec'));
    assert.throws(() => rotateAdd(p.record, keys), /new primary secret/);
    const p2 = rotateAdd(p.record, keys, { newPrimarySecret: 'ps2' }).record;
    assert.equal(open(keys.enc, 'p-id', 'primary', 'p-id', p2.primary.secret), 'ps2');
    assert.throws(() => decodeKey('c2hvcnQ', 'K'), /at least 32/);
    assert.throws(() => decodeKey(Buffer.alloc(40).toString('base64'), 'K', { exact: 32 }), /exactly 32/);
    assert.deepEqual(parseDevVars('# c\nA="x y"\nB=z\n'), { A: 'x y', B: 'z' });
  });
});

describe('operations over an injected store', () => {
  test('add: record and index entries; an existing record or an owned upstream client is never taken silently', async () => {
    const kv = memoryKv();
    const a = await addClient({ kv, keys, ...pair });
    assert.deepEqual(actions(a), [`created ${recordKey(a.clientId)}`, 'created upstream:primary:p-id', 'created upstream:secondary:s-id']);
    assert.equal(parseIndex(kv.map.get(indexKey('primary', 'p-id'))), a.clientId);
    // Same id again: refused without --force.
    await assert.rejects(addClient({ kv, keys, ...pair, clientId: a.clientId }), /exists; use client-rotate/);
    // Another application for the same upstream clients: refused, named.
    await assert.rejects(addClient({ kv, keys, ...pair }), new RegExp(`belongs to application ${a.clientId}.*--share-upstream`));
    await assert.rejects(addClient({ kv, keys, ...pair, mode: 'passthrough' }), /belongs to application/);
    const before = new Map(kv.map);
    // Sharing: the record is written, the index stays with its owner.
    const b = await addClient({ kv, keys, ...pair, mode: 'passthrough', shareUpstream: true });
    assert.deepEqual(actions(b), ['created client:p-id', 'kept upstream:primary:p-id', 'kept upstream:secondary:s-id']);
    assert.equal(stored(kv, 'client:p-id').shared_upstream, true);
    assert.equal(parseIndex(kv.map.get(indexKey('primary', 'p-id'))), a.clientId);
    for (const [k, v] of before) assert.equal(kv.map.get(k), v, `${k} untouched`);
    // Sharing what nobody owns is a mistake, not a silent claim.
    await assert.rejects(addClient({ kv: memoryKv(), keys, ...pair, shareUpstream: true }), /nothing to share/);
    // --force moves the upstream clients to the new application.
    const c = await addClient({ kv, keys, ...pair, force: true });
    assert.ok(actions(c).includes('replaced upstream:primary:p-id'));
    assert.equal(parseIndex(kv.map.get(indexKey('primary', 'p-id'))), c.clientId);
    // A stale entry (its record gone, or no longer holding the id) is replaced without --force.
    kv.map.delete(recordKey(c.clientId));
    const d = await addClient({ kv, keys, ...pair });
    assert.match(d.changes.find((x) => x.key === 'upstream:primary:p-id').detail, /stale/);
  });

  test('rotate: says what changed; a missing record is an error', async () => {
    const kv = memoryKv();
    const a = await addClient({ kv, keys, ...pair });
    const r = await startRotation({ kv, keys, clientId: a.clientId });
    assert.match(r.clientSecret, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(actions(r), [`updated ${recordKey(a.clientId)}`]);
    assert.ok(verifySecret(stored(kv, recordKey(a.clientId)), keys.hash, a.clientSecret));
    const f = await finishRotation({ kv, clientId: a.clientId });
    assert.match(f.changes[0].detail, /only the newest/);
    assert.ok(!verifySecret(stored(kv, recordKey(a.clientId)), keys.hash, a.clientSecret));
    await assert.rejects(startRotation({ kv, keys, clientId: 'oe_nobody' }), /no record under client:oe_nobody/);
    await assert.rejects(finishRotation({ kv, clientId: 'oe_nobody' }), /no record/);
  });

  test('revoke: a missing record is an error; revoking one application never breaks another', async () => {
    const kv = memoryKv();
    await assert.rejects(revokeClient({ kv, clientId: 'oe_nobody' }), /no record under client:oe_nobody/);
    const owner = await addClient({ kv, keys, ...pair });
    const sharer = await addClient({ kv, keys, ...pair, mode: 'passthrough', shareUpstream: true });
    // Revoking the sharer leaves the owner's index entries alone.
    const r1 = await revokeClient({ kv, clientId: sharer.clientId });
    assert.deepEqual(actions(r1), ['deleted client:p-id', 'kept upstream:primary:p-id', 'kept upstream:secondary:s-id']);
    assert.equal(parseIndex(kv.map.get(indexKey('secondary', 's-id'))), owner.clientId);
    // Revoking the owner hands its entries to a record still sharing them.
    const again = await addClient({ kv, keys, ...pair, mode: 'passthrough', shareUpstream: true });
    const r2 = await revokeClient({ kv, clientId: owner.clientId });
    assert.deepEqual(actions(r2), [
      `deleted ${recordKey(owner.clientId)}`, 'replaced upstream:primary:p-id', `updated ${recordKey(again.clientId)}`, 'replaced upstream:secondary:s-id',
    ]);
    assert.equal(parseIndex(kv.map.get(indexKey('primary', 'p-id'))), again.clientId);
    assert.equal(stored(kv, recordKey(again.clientId)).shared_upstream, undefined, 'now the owner');
    // The last one: its entries go with it.
    const r3 = await revokeClient({ kv, clientId: again.clientId });
    assert.deepEqual(actions(r3), ['deleted client:p-id', 'deleted upstream:primary:p-id', 'deleted upstream:secondary:s-id']);
    assert.equal(kv.map.size, 0);
  });

  test('one credential pair (Cognito multi-Region replication): both Regions index it; rotate, re-key, revoke', async () => {
    const kv = memoryKv();
    const one = { primary: { clientId: 'pool-client', clientSecret: 'pool-secret' }, onePair: true };
    assert.throws(() => buildRecord({ keys, ...one, secondary: pair.secondary }), /no secondary pair/);
    const a = await addClient({ kv, keys, ...one });
    assert.deepEqual(actions(a), [`created ${recordKey(a.clientId)}`, 'created upstream:primary:pool-client', 'created upstream:secondary:pool-client']);
    const rec = stored(kv, recordKey(a.clientId));
    assert.equal(rec.one_pair, true);
    assert.equal(rec.secondary, undefined, 'the pair is stored once');
    assert.equal(open(keys.enc, a.clientId, 'primary', 'pool-client', rec.primary.secret), 'pool-secret');
    for (const region of ['primary', 'secondary']) assert.equal(parseIndex(kv.map.get(indexKey(region, 'pool-client'))), a.clientId);
    // The same replicated client for another application is refused as any owned client is.
    await assert.rejects(addClient({ kv, keys, ...one }), /belongs to application/);
    // Re-keying seals the one pair again (one value, not two).
    const fresh = keysOf(newSecrets());
    const rotating = { enc: keyring(fresh.enc.current.key, keys.enc.current.key), hash: keys.hash };
    assert.equal((await keyStatus({ kv, keys: rotating })).enc.notCurrent, 1);
    assert.deepEqual((await reencryptAll({ kv, keys: rotating })).changes.map((c) => c.action), ['updated']);
    assert.equal(open(fresh.enc, a.clientId, 'primary', 'pool-client', stored(kv, recordKey(a.clientId)).primary.secret), 'pool-secret');
    const r = await revokeClient({ kv, clientId: a.clientId });
    assert.deepEqual(actions(r), [`deleted ${recordKey(a.clientId)}`, 'deleted upstream:primary:pool-client', 'deleted upstream:secondary:pool-client']);
    assert.equal(kv.map.size, 0);
  });

  test('a KV error is an error, and nothing is half-written', async () => {
    const kv = memoryKv();
    kv.failing = true;
    await assert.rejects(addClient({ kv, keys, ...pair }), /KV error/);
    await assert.rejects(revokeClient({ kv, clientId: 'x' }), /KV error/);
    kv.failing = false;
    assert.equal(kv.map.size, 0);
  });

  test('key rotation: reencrypt under the new CLIENT_ENC_KEY; status counts what is left', async () => {
    const kv = memoryKv();
    const a = await addClient({ kv, keys, ...pair });
    await addClient({ kv, keys, primary: { clientId: 'p2', clientSecret: 'x' }, secondary: { clientId: 's2', clientSecret: 'y' } });
    const fresh = keysOf(newSecrets());
    const rotating = { enc: keyring(fresh.enc.current.key, keys.enc.current.key), hash: keyring(fresh.hash.current.key, keys.hash.current.key) };
    let s = await keyStatus({ kv, keys: rotating });
    assert.equal(s.records, 2);
    assert.deepEqual([s.enc.notCurrent, s.hash.notCurrent], [4, 2]);
    assert.deepEqual(s.enc.byKeyId, { [keys.enc.current.id]: 4 });
    // Without the previous key the old values cannot be read: refused, nothing written.
    await assert.rejects(reencryptAll({ kv, keys: { enc: keyring(fresh.enc.current.key), hash: rotating.hash } }), /CLIENT_ENC_KEY_PREVIOUS/);
    const r = await reencryptAll({ kv, keys: rotating });
    assert.deepEqual(r.changes.map((c) => c.action), ['updated', 'updated']);
    const rec = stored(kv, recordKey(a.clientId));
    assert.deepEqual(keyIdsOf(rec).enc, [fresh.enc.current.id, fresh.enc.current.id]);
    assert.equal(open(fresh.enc, a.clientId, 'secondary', 's-id', rec.secondary.secret), 's-sec');
    s = await keyStatus({ kv, keys: rotating });
    assert.equal(s.enc.notCurrent, 0, 'the previous CLIENT_ENC_KEY may be removed');
    assert.equal(s.hash.notCurrent, 2, 'digests wait for their clients (the worker rehashes them)');
    assert.deepEqual((await reencryptAll({ kv, keys: rotating })).changes.map((c) => c.action), ['unchanged', 'unchanged']);
  });
});

describe('DynamoDB import', () => {
  const S = (v) => ({ S: v });
  const item = (n) => ({
    primaryClientID: S(`p-${n}`), primaryClientSecret: S(`p-sec-${n}`), secondaryClientID: S(`s-${n}`), secondaryClientSecret: S(`s-sec-${n}`),
  });

  test('scan output, JSON lines and arrays are read', () => {
    const items = [item(1), item(2)];
    assert.deepEqual(dynamoItems(JSON.stringify({ Items: items, Count: 2, ScannedCount: 2 })), items);
    assert.deepEqual(dynamoItems(items.map((i) => JSON.stringify({ Item: i })).join('\n') + '\n'), items);
    assert.deepEqual(dynamoItems(JSON.stringify(items)), items);
    assert.throws(() => dynamoItems('{"Item":{}}\nnot json'), /line 2/);
  });

  test('pass-through import: per-item report; idempotent; the callers keep their credentials', async () => {
    const kv = memoryKv();
    const r = await importDynamo({ kv, keys, items: [item(1), item(2)] });
    assert.deepEqual(r.items.map((i) => [i.item, i.action, i.client_id]), [
      ['item 1 (primaryClientID p-1)', 'created', 'p-1'], ['item 2 (primaryClientID p-2)', 'created', 'p-2'],
    ]);
    assert.deepEqual(r.issued, []);
    const rec = stored(kv, 'client:p-1');
    assert.equal(rec.mode, 'passthrough');
    assert.ok(verifySecret(rec, keys.hash, 'p-sec-1'));
    assert.equal(open(keys.enc, 'p-1', 'secondary', 's-1', rec.secondary.secret), 's-sec-1');
    assert.equal(parseIndex(kv.map.get('upstream:secondary:s-2')), 'p-2');
    const snapshot = new Map(kv.map);
    const again = await importDynamo({ kv, keys, items: [item(1), item(2)] });
    assert.deepEqual(again.items.map((i) => i.action), ['unchanged', 'unchanged']);
    assert.deepEqual(kv.map, snapshot, 'a second run writes nothing');
    // Changed credentials in the table: refused without --force, replaced with it.
    const changed = { ...item(1), secondaryClientSecret: S('rotated') };
    await assert.rejects(importDynamo({ kv, keys, items: [changed] }), /item 1 \(primaryClientID p-1\): client:p-1 exists with other credentials/);
    const forced = await importDynamo({ kv, keys, items: [changed], force: true });
    assert.equal(forced.items[0].action, 'replaced');
  });

  test('concealed import: new application credentials once; a re-run issues none', async () => {
    const kv = memoryKv();
    const r = await importDynamo({ kv, keys, items: [item(1)], mode: 'concealed' });
    assert.equal(r.issued.length, 1);
    const { client_id: id, client_secret: secret } = r.issued[0];
    assert.match(id, /^oe_/);
    assert.ok(verifySecret(stored(kv, recordKey(id)), keys.hash, secret));
    assert.equal(parseIndex(kv.map.get('upstream:primary:p-1')), id);
    const again = await importDynamo({ kv, keys, items: [item(1)], mode: 'concealed' });
    assert.deepEqual([again.items[0].action, again.items[0].client_id, again.issued.length], ['unchanged', id, 0]);
  });

  test('a malformed or conflicting item is an error naming it, and nothing is written', async () => {
    const kv = memoryKv();
    const bad = [
      [[item(1), { ...item(2), secondaryClientSecret: { N: '5' } }], /item 2 \(primaryClientID p-2\): secondaryClientSecret missing/],
      [[item(1), { primaryClientSecret: S('x') }], /item 2: primaryClientID, secondaryClientID, secondaryClientSecret missing/],
      [[item(1), item(1)], /item 2 \(primaryClientID p-1\): the same primaryClientID as item 1/],
      [[item(1), { ...item(2), secondaryClientID: S('s-1') }], /item 2 .*upstream:secondary:s-1 is also claimed by item 1/],
    ];
    for (const [items, want] of bad) {
      await assert.rejects(importDynamo({ kv, keys, items }), want);
      assert.equal(kv.map.size, 0);
    }
    await addClient({ kv, keys, primary: { clientId: 'p-9', clientSecret: 'a' }, secondary: { clientId: 's-9', clientSecret: 'b' } });
    const size = kv.map.size;
    await assert.rejects(importDynamo({ kv, keys, items: [item(1), item(9)] }), /item 2 \(primaryClientID p-9\): upstream:primary:p-9: .*belongs to application/);
    assert.equal(kv.map.size, size, 'item 1 was not written either');
  });
});

describe('the commands as operators run them (--kv-json)', () => {
  const dir = tmpdir('oidc-edge-cli-');
  const file = path.join(dir, 'bulk.json');
  const env = { ...process.env, ...secrets, PRIMARY_CLIENT_SECRET: 'p-sec', SECONDARY_CLIENT_SECRET: 's-sec' };
  const cli = (script, args, opts = {}) => run(process.execPath, [path.join(ROOT, 'scripts', script), ...args], { cwd: ROOT, env, ...opts });
  const fails = async (p, re) => {
    const e = await p.then(() => null, (err) => err);
    assert.ok(e, 'the command should fail');
    assert.equal(e.code, 1);
    assert.match(e.stderr, re);
  };
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('add, rotate, revoke: what changed; refusals exit non-zero', T, async () => {
    const added = JSON.parse((await cli('client-add.mjs', ['--primary-id', 'p-id', '--secondary-id', 's-id', '--kv-json', file, '--json'])).stdout);
    assert.deepEqual(added.changes.map((c) => c.action), ['created', 'created', 'created']);
    const human = (await cli('client-rotate.mjs', ['--client-id', added.client_id, '--kv-json', file])).stdout;
    assert.match(human, new RegExp(`updated\\s+client:${added.client_id}`));
    assert.match(human, /new client_secret: [A-Za-z0-9_-]{43}/);
    await cli('client-rotate.mjs', ['--client-id', added.client_id, '--finish', '--kv-json', file]);
    const revoked = (await cli('client-revoke.mjs', ['--client-id', added.client_id, '--kv-json', file])).stdout;
    assert.match(revoked, new RegExp(`deleted\\s+client:${added.client_id}`));
    assert.match(revoked, /deleted\s+upstream:primary:p-id/);
    await fails(cli('client-revoke.mjs', ['--client-id', added.client_id, '--kv-json', file]), /no record under client:/);
    await fails(cli('client-rotate.mjs', ['--client-id', 'oe_nobody', '--kv-json', file]), /no record under client:oe_nobody/);
    await cli('client-add.mjs', ['--mode', 'passthrough', '--primary-id', 'p-id', '--secondary-id', 's-id', '--kv-json', file]);
    await fails(cli('client-add.mjs', ['--mode', 'passthrough', '--primary-id', 'p-id', '--secondary-id', 's-id', '--kv-json', file]), /exists; use client-rotate.mjs, or --force/);
    await cli('client-add.mjs', ['--mode', 'passthrough', '--primary-id', 'p-id', '--secondary-id', 's-id', '--kv-json', file, '--force']);
  });

  test('secrets never as arguments; the store is always explicit; unknown options refused', T, async () => {
    await fails(cli('client-add.mjs', ['--primary-id', 'p', '--primary-secret', 'x', '--secondary-id', 's', '--kv-json', file]), /secrets are never taken as arguments/);
    await fails(cli('client-add.mjs', ['--primary-id', 'p', '--secondary-id', 's']), /choose where the records are: --local, --remote or --kv-json/);
    await fails(cli('client-revoke.mjs', ['--client-id', 'x', '--env', 'production']), /choose where the records are/);
    await fails(cli('client-revoke.mjs', ['--client-id', 'x', '--local', '--remote']), /choose one of --local, --remote/);
    await fails(cli('client-revoke.mjs', ['--client-id', 'x', '--remote', '--persist-to', dir]), /--persist-to goes with --local/);
    await fails(cli('client-revoke.mjs', ['--client-id', 'x', '--kv-json', file, '--colour']), /Unknown option '--colour'/);
    const noSecret = { ...env, SECONDARY_CLIENT_SECRET: '' };
    await fails(cli('client-add.mjs', ['--primary-id', 'p', '--secondary-id', 's', '--kv-json', file], { env: noSecret }), /SECONDARY_CLIENT_SECRET is not set/);
  });

  test('secrets from --secrets-file and from stdin', T, async () => {
    const secretsFile = path.join(dir, 'secrets.env');
    fs.writeFileSync(secretsFile, `CLIENT_ENC_KEY=${secrets.CLIENT_ENC_KEY}\nCLIENT_HASH_KEY=${secrets.CLIENT_HASH_KEY}\nPRIMARY_CLIENT_SECRET=from-file\nSECONDARY_CLIENT_SECRET=s\n`);
    const bare = { PATH: process.env.PATH, HOME: process.env.HOME };
    const f = path.join(dir, 'f.json');
    const a = JSON.parse((await cli('client-add.mjs', ['--mode', 'passthrough', '--primary-id', 'pf', '--secondary-id', 'sf', '--kv-json', f, '--secrets-file', secretsFile, '--json'], { env: bare })).stdout);
    const rec = JSON.parse(JSON.parse(fs.readFileSync(f, 'utf8')).find((e) => e.key === `client:${a.client_id}`).value);
    assert.ok(verifySecret(rec, keys.hash, 'from-file'));
    const child = execFile(process.execPath, [path.join(ROOT, 'scripts/client-add.mjs'), '--mode', 'passthrough', '--primary-id', 'pi', '--secondary-id', 'si', '--kv-json', f, '--secrets-file', '-', '--json'], { cwd: ROOT, env: bare });
    const out = new Promise((resolve, reject) => {
      let s = '';
      child.stdout.on('data', (d) => (s += d));
      child.on('exit', (code) => (code === 0 ? resolve(s) : reject(new Error(`exit ${code}`))));
    });
    child.stdin.end(fs.readFileSync(secretsFile, 'utf8').replace('from-file', 'from-stdin'));
    const b = JSON.parse(await out);
    const recB = JSON.parse(JSON.parse(fs.readFileSync(f, 'utf8')).find((e) => e.key === `client:${b.client_id}`).value);
    assert.ok(verifySecret(recB, keys.hash, 'from-stdin'));
  });

  test('import: a gzipped S3 export; issued credentials only in --credentials-out (0600)', T, async () => {
    const f = path.join(dir, 'import.json');
    const exp = path.join(dir, 'export.json.gz');
    const lines = [1, 2].map((n) => JSON.stringify({ Item: { primaryClientID: { S: `ip${n}` }, primaryClientSecret: { S: `ips${n}` }, secondaryClientID: { S: `is${n}` }, secondaryClientSecret: { S: `iss${n}` } } }));
    fs.writeFileSync(exp, zlib.gzipSync(lines.join('\n')));
    const creds = path.join(dir, 'issued.json');
    const out = (await cli('client-import-dynamodb.mjs', [exp, '--mode', 'concealed', '--credentials-out', creds, '--kv-json', f])).stdout;
    assert.match(out, /item 1 \(primaryClientID ip1\): created oe_/);
    assert.match(out, /2 new application credentials written to /);
    const issued = JSON.parse(fs.readFileSync(creds, 'utf8'));
    assert.equal(fs.statSync(creds).mode & 0o777, 0o600);
    for (const c of issued) assert.ok(!out.includes(c.client_secret), 'secrets are not printed');
    await fails(cli('client-import-dynamodb.mjs', [exp, '--mode', 'concealed', '--kv-json', f]), /needs --credentials-out/);
    const again = (await cli('client-import-dynamodb.mjs', [exp, '--mode', 'concealed', '--credentials-out', creds, '--kv-json', f])).stdout;
    assert.match(again, /item 2 \(primaryClientID ip2\): unchanged/);
  });

  test('client-keys status and reencrypt', T, async () => {
    const f = path.join(dir, 'keys.json');
    await cli('client-add.mjs', ['--primary-id', 'kp', '--secondary-id', 'ks', '--kv-json', f]);
    const fresh = newSecrets();
    const rotating = { ...env, CLIENT_ENC_KEY: fresh.CLIENT_ENC_KEY, CLIENT_ENC_KEY_PREVIOUS: secrets.CLIENT_ENC_KEY };
    assert.match((await cli('client-keys.mjs', ['status', '--kv-json', f], { env: rotating })).stdout, /CLIENT_ENC_KEY: .*2 not under the current key yet/);
    assert.match((await cli('client-keys.mjs', ['reencrypt', '--kv-json', f], { env: rotating })).stdout, /updated\s+client:oe_/);
    assert.match((await cli('client-keys.mjs', ['status', '--kv-json', f], { env: rotating })).stdout, /CLIENT_ENC_KEY: .*the previous key may be removed/);
    await fails(cli('client-keys.mjs', ['rotate', '--kv-json', f]), /status or reencrypt/);
  });
});

/**
 * For a describe block: two regions (`regionOptions` as startRegions takes them) and a scratch
 * folder for wrangler's local state, closed after the block with the worker the tests put in
 * `ctx.w`. `ctx.cli(env, script, ...args)` runs `scripts/<script>` against that local KV, as an
 * operator would, and returns its JSON answer.
 */
function localKv(regionOptions) {
  const ctx = {};
  before(async () => {
    ctx.regions = await startRegions(regionOptions);
    ctx.dir = tmpdir('oidc-edge-kv-');
    ctx.state = path.join(ctx.dir, 'state');
  });
  after(async () => {
    await ctx.w?.close();
    await ctx.regions?.close();
    fs.rmSync(ctx.dir, { recursive: true, force: true });
  });
  ctx.cli = async (env, script, ...args) => {
    const argv = [`scripts/${script}`, ...args, '--local', '--persist-to', ctx.state, '--json'];
    return JSON.parse((await run(process.execPath, argv, { cwd: ROOT, env: { ...process.env, ...secrets, ...env } })).stdout);
  };
  return ctx;
}

describe('through wrangler into local KV, read by the worker', { skip: !workerBuilt() && 'worker not built' }, () => {
  const kv = localKv();

  test('client-add -> token and /verify; rotate; revoke -> 401 at once', T, async () => {
    const { regions } = kv;
    const env = { PRIMARY_CLIENT_SECRET: regions.primary.client.clientSecret, SECONDARY_CLIENT_SECRET: regions.secondary.client.clientSecret };
    const cli = (script, ...args) => kv.cli(env, script, ...args);
    const added = await cli('client-add.mjs', '--primary-id', regions.primary.client.clientId, '--secondary-id', regions.secondary.client.clientId);
    const w = (kv.w = await startWorker({ vars: workerVars(regions), secrets, wranglerState: kv.state }));
    const ok = await w.token({ id: added.client_id, secret: added.client_secret, scope: 'api:read' });
    assert.equal(ok.status, 200, ok.text);
    const v = await w.verify(ok.json.access_token);
    assert.equal(v.status, 200, v.text);
    assert.equal(v.json.client, added.client_id);
    const rotated = await cli('client-rotate.mjs', '--client-id', added.client_id);
    for (const secret of [added.client_secret, rotated.client_secret]) {
      assert.equal((await w.token({ id: added.client_id, secret })).status, 200);
    }
    await cli('client-rotate.mjs', '--client-id', added.client_id, '--finish');
    assert.equal((await w.token({ id: added.client_id, secret: added.client_secret })).status, 401);
    const revoked = await cli('client-revoke.mjs', '--client-id', added.client_id);
    assert.deepEqual(revoked.changes.map((c) => c.action), ['deleted', 'deleted', 'deleted']);
    assert.equal((await w.token({ id: added.client_id, secret: rotated.client_secret })).status, 401);
    await assert.rejects(cli('client-revoke.mjs', '--client-id', added.client_id), /no record under/);
  });
});

describe('one credential pair through wrangler into local KV, used in both Regions', { skip: !workerBuilt() && 'worker not built' }, () => {
  // Cognito multi-Region replication copies the machine client, id and secret, to the replica:
  // the secondary region here registers the primary's client.
  const replicated = { clientId: 'app-replicated-id', clientSecret: 'app-replicated-secret' };
  const kv = localKv({
    primary: { clients: { clientCredentials: replicated } },
    secondary: { clients: { clientCredentials: replicated } },
  });

  test('client-add --one-pair -> tokens from either Region with the one pair, and /verify maps both', T, async () => {
    const { regions } = kv;
    const cli = (...args) => kv.cli({ PRIMARY_CLIENT_SECRET: replicated.clientSecret }, 'client-add.mjs', ...args);
    await assert.rejects(cli('--one-pair', '--primary-id', replicated.clientId, '--secondary-id', 'x'), /leave out --secondary-id/);
    const added = await cli('--one-pair', '--primary-id', replicated.clientId);
    assert.deepEqual(added.changes.map((c) => c.key).slice(1), [`upstream:primary:${replicated.clientId}`, `upstream:secondary:${replicated.clientId}`]);
    const w = (kv.w = await startWorker({ vars: workerVars(regions, { BREAKER_FAILURES: '1' }), secrets, wranglerState: kv.state }));
    const app = { id: added.client_id, secret: added.client_secret, scope: 'api:read' };
    const basicId = (r) => Buffer.from(r.headers.authorization.slice(6), 'base64').toString().split(':')[0];
    for (const [region, down] of [['primary', null], ['secondary', regions.primary]]) {
      await down?.px.setMode('reset');
      const res = await w.token(app);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('x-oidc-edge-upstream'), region);
      const sent = regions[region].px.requestsTo('/token').filter((r) => r.method === 'POST').at(-1);
      assert.equal(basicId(sent), replicated.clientId, `the one pair went to the ${region}`);
      const v = await w.verify(res.json.access_token);
      assert.equal(v.status, 200, v.text);
      assert.equal(v.json.client, added.client_id, `a ${region} token maps to the application`);
    }
  });
});
