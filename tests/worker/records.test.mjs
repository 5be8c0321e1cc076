// The provisioning code: record format (agreement with the Rust side through a fixture), the
// rotation helpers, and the real commands writing to local KV through wrangler, read back by the
// worker in workerd.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { buildRecord, decodeKey, open, parseDevVars, rotateAdd, rotateFinish, seal, verifySecret } from '../../scripts/lib/clients.mjs';
import { fixture } from './fixtures/gen-record.mjs';
import { ROOT, makeClients, newKeys, startRegions, startWorker, tokenRequest, workerBuilt } from './helpers.mjs';

const run = promisify(execFile);
const T = { timeout: 120_000 };
const keys = newKeys();

describe('record format', () => {
  test('scripts/lib/clients.mjs reproduces the fixture the Rust tests check, byte for byte', () => {
    const committed = fs.readFileSync(path.join(ROOT, 'tests/worker/fixtures/record-v1.json'), 'utf8');
    assert.equal(JSON.stringify(fixture(), null, 2) + '\n', committed);
  });

  test('seal/open round trip; the ciphertext is bound to record, region and upstream id', () => {
    const s = seal(keys.enc, 'oe_a', 'primary', 'p-id', 'sëcret');
    assert.match(s, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.equal(open(keys.enc, 'oe_a', 'primary', 'p-id', s), 'sëcret');
    for (const [id, region, up] of [['oe_b', 'primary', 'p-id'], ['oe_a', 'secondary', 'p-id'], ['oe_a', 'primary', 'p-id2']]) {
      assert.throws(() => open(keys.enc, id, region, up, s));
    }
    assert.throws(() => open(newKeys().enc, 'oe_a', 'primary', 'p-id', s));
  });

  test('concealed and pass-through records; rotation; keys', () => {
    const pair = { primary: { clientId: 'p', clientSecret: 'ps' }, secondary: { clientId: 's', clientSecret: 'ss' } };
    const c = buildRecord({ ...pair, keys });
    assert.match(c.clientId, /^oe_[A-Za-z0-9_-]{22}$/);
    assert.match(c.clientSecret, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(verifySecret(c.record, keys, c.clientSecret));
    assert.ok(!JSON.stringify(c.record).includes(c.clientSecret));
    assert.ok(!JSON.stringify(c.record).includes('ps') || !JSON.stringify(c.record).includes('"ps"'));
    const { record: r2, clientSecret: next } = rotateAdd(c.record, keys);
    assert.ok(verifySecret(r2, keys, c.clientSecret) && verifySecret(r2, keys, next));
    assert.throws(() => rotateAdd(r2, keys), /already in progress/);
    const r3 = rotateFinish(r2);
    assert.ok(!verifySecret(r3, keys, c.clientSecret) && verifySecret(r3, keys, next));
    const p = buildRecord({ ...pair, keys, mode: 'passthrough' });
    assert.equal(p.clientId, 'p');
    assert.equal(p.clientSecret, undefined);
    assert.ok(verifySecret(p.record, keys, 'ps'));
    assert.throws(() => rotateAdd(p.record, keys), /new primary secret/);
    const p2 = rotateAdd(p.record, keys, { newPrimarySecret: 'ps2' }).record;
    assert.equal(open(keys.enc, 'p', 'primary', 'p', p2.primary.secret), 'ps2');
    assert.throws(() => decodeKey('c2hvcnQ', 'K'), /at least 32/);
    assert.throws(() => decodeKey(Buffer.alloc(40).toString('base64'), 'K', { exact: 32 }), /exactly 32/);
    assert.deepEqual(parseDevVars('# c\nA="x y"\nB=z\n'), { A: 'x y', B: 'z' });
  });

  test('client-add / client-rotate / client-revoke with --kv-json (wrangler kv bulk put file)', T, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-edge-kvjson-'));
    const file = path.join(dir, 'bulk.json');
    const env = { ...process.env, CLIENT_ENC_KEY: keys.enc.toString('base64url'), CLIENT_HASH_KEY: keys.hash.toString('base64') };
    const add = await run('node', ['scripts/client-add.mjs', '--primary-id', 'p', '--primary-secret', 'ps', '--secondary-id', 's', '--secondary-secret', 'ss', '--kv-json', file, '--json'], { cwd: ROOT, env });
    const out = JSON.parse(add.stdout);
    const stored = () => {
      const e = JSON.parse(fs.readFileSync(file, 'utf8')).find((x) => x.key === `client:${out.client_id}`);
      return e && JSON.parse(e.value);
    };
    assert.ok(verifySecret(stored(), keys, out.client_secret));
    const rot = JSON.parse((await run('node', ['scripts/client-rotate.mjs', '--client-id', out.client_id, '--kv-json', file, '--json'], { cwd: ROOT, env })).stdout);
    assert.equal(stored().secret_hashes.length, 2);
    assert.ok(verifySecret(stored(), keys, rot.client_secret) && verifySecret(stored(), keys, out.client_secret));
    await run('node', ['scripts/client-rotate.mjs', '--client-id', out.client_id, '--kv-json', file, '--finish'], { cwd: ROOT, env });
    assert.ok(!verifySecret(stored(), keys, out.client_secret) && verifySecret(stored(), keys, rot.client_secret));
    await run('node', ['scripts/client-revoke.mjs', '--client-id', out.client_id, '--kv-json', file], { cwd: ROOT, env });
    assert.equal(stored(), undefined);
    await assert.rejects(run('node', ['scripts/client-add.mjs', '--primary-id', 'p', '--kv-json', file], { cwd: ROOT, env }), /secondary|primary/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('provisioning through wrangler into local KV, read by the worker', { skip: !workerBuilt() && 'worker not built' }, () => {
  let regions, dir, devVars, w;
  before(async () => {
    regions = await startRegions();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-edge-kv-'));
    devVars = path.join(dir, 'dev.vars');
    fs.writeFileSync(devVars, `CLIENT_ENC_KEY="${keys.enc.toString('base64url')}"\nCLIENT_HASH_KEY="${keys.hash.toString('base64url')}"\n`);
  });
  after(async () => {
    await w?.mf.dispose();
    await regions?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (script, ...args) =>
    (await run('node', [`scripts/${script}`, ...args, '--local', '--persist-to', path.join(dir, 'state'), '--dev-vars', devVars, '--json'], {
      cwd: ROOT,
      env: { ...process.env, CLIENT_ENC_KEY: '', CLIENT_HASH_KEY: '' },
    })).stdout;

  test('client-add -> token; client-rotate -> both secrets; --finish; client-revoke -> 401', T, async () => {
    const { pair } = makeClients(regions, keys);
    const added = JSON.parse(await cli('client-add.mjs', '--primary-id', pair.primary.clientId, '--primary-secret', pair.primary.clientSecret, '--secondary-id', pair.secondary.clientId, '--secondary-secret', pair.secondary.clientSecret));
    const pt = JSON.parse(await cli('client-add.mjs', '--mode', 'passthrough', '--primary-id', pair.primary.clientId, '--primary-secret', pair.primary.clientSecret, '--secondary-id', pair.secondary.clientId, '--secondary-secret', pair.secondary.clientSecret));
    assert.equal(pt.client_id, pair.primary.clientId);
    w = await startWorker({ regions, keys, persistTo: path.join(dir, 'state') });
    const ok = await tokenRequest(w.mf, { id: added.client_id, secret: added.client_secret });
    assert.equal(ok.status, 200, ok.text);
    await regions.pproxy.setMode('refuse');
    const viaSecondary = await tokenRequest(w.mf, { id: pair.primary.clientId, secret: pair.primary.clientSecret });
    assert.equal(viaSecondary.status, 200);
    assert.equal(viaSecondary.headers.get('x-oidc-edge-upstream'), 'secondary');
    await regions.pproxy.setMode('pass');

    const rotated = JSON.parse(await cli('client-rotate.mjs', '--client-id', added.client_id));
    for (const secret of [added.client_secret, rotated.client_secret]) {
      assert.equal((await tokenRequest(w.mf, { id: added.client_id, secret })).status, 200);
    }
    await cli('client-rotate.mjs', '--client-id', added.client_id, '--finish');
    assert.equal((await tokenRequest(w.mf, { id: added.client_id, secret: added.client_secret })).status, 401);
    assert.equal((await tokenRequest(w.mf, { id: added.client_id, secret: rotated.client_secret })).status, 200);
    await run('node', ['scripts/client-revoke.mjs', '--client-id', added.client_id, '--local', '--persist-to', path.join(dir, 'state')], { cwd: ROOT });
    assert.equal((await tokenRequest(w.mf, { id: added.client_id, secret: rotated.client_secret })).status, 401);
  });
});
