// The storage hook of remote key sets: a set one process fetched is restored by another
// without fetching; what comes back from the storage is data, judged again by the core (size
// cap, JWK Set shape, key policy at use, a lifetime from the current policy and its fetch
// time); a storage that fails never fails a verification. (The Workers Cache API adapter runs
// in workerd in worker.test.mjs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getIdToken, startProvider } from '../support/op.mjs';
import { KEYS, jwksOf, loadEsm, signJwt } from './helpers.mjs';

const m = await loadEsm();
let op;

before(async () => { op = await startProvider({ name: 'store', issuerPath: '/store' }); });
after(async () => { await op?.close(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const jwksCount = () => op.requestCounts.jwks ?? 0;
const nowS = () => Math.floor(Date.now() / 1000);

/** A storage over a Map, recording its calls (the shape a KV or Cache API adapter has). */
function mapStorage() {
  const map = new Map();
  const calls = [];
  return {
    map,
    calls,
    get(key) { calls.push(['get', key]); return map.get(key); },
    async set(key, record, ttl) { calls.push(['set', key, ttl]); map.set(key, structuredClone(record)); },
  };
}

async function verify(remote, token) {
  const idToken = token ?? (await getIdToken(op)).idToken;
  return m.verifyIdTokenAsync(idToken, remote, { issuer: op.issuer, clientId: op.clients.authorizationCode.clientId });
}

test('a second remote key set over the same storage verifies without fetching', async () => {
  const storage = mapStorage();
  op.resetCounts();
  await verify(m.createRemoteJWKSet(op.jwksUri, { storage }));
  assert.equal(jwksCount(), 1);
  const record = storage.map.get(op.jwksUri);
  assert.equal(record.v, 1);
  assert.deepEqual(JSON.parse(record.jwks), op.jwks());
  assert.ok(Math.abs(record.fetchedAt - nowS()) <= 2);
  const [, key, ttl] = storage.calls.find((c) => c[0] === 'set');
  assert.equal(key, op.jwksUri);
  assert.ok(ttl > 600 + 3600 - 5 && ttl <= 600 + 3600, `kept for its lifetime plus the stale limit: ${ttl}`);

  const fresh = m.createRemoteJWKSet(op.jwksUri, { storage });
  await verify(fresh);
  await verify(fresh);
  assert.equal(jwksCount(), 1, 'restored, not fetched');
  assert.equal(fresh.fresh, true);
});

test('a stored set is judged again: not a JWK Set, oversized, or past its stale limit -> fetched instead', async () => {
  const bodies = [
    { v: 1, jwks: '{"keys": 5}', fetchedAt: nowS() },
    { v: 1, jwks: JSON.stringify({ ...op.jwks(), pad: 'x'.repeat(70 * 1024) }), fetchedAt: nowS() },
    { v: 1, jwks: JSON.stringify(op.jwks()), fetchedAt: nowS() - 600 - 3600 - 10 },
    { v: 2, jwks: JSON.stringify(op.jwks()), fetchedAt: nowS() },
    { v: 1, jwks: { keys: [] }, fetchedAt: nowS() },
    'not a record',
  ];
  for (const value of bodies) {
    op.resetCounts();
    await verify(m.createRemoteJWKSet(op.jwksUri, { storage: { get: () => value, set() {} } }));
    assert.equal(jwksCount(), 1, JSON.stringify(value).slice(0, 80));
  }
});

test('the lifetime comes from the policy and the fetch time, never from the storage', async () => {
  const jwks = JSON.stringify(op.jwks());
  // a fetch time in the future counts as now: 1 s of lifetime with cacheMaxAge 1000 ms
  const future = m.createRemoteJWKSet(op.jwksUri, { cacheMaxAge: 1000, storage: { get: () => ({ v: 1, jwks, fetchedAt: nowS() + 86400 }), set() {} } });
  op.resetCounts();
  await verify(future);
  assert.equal(jwksCount(), 0);
  assert.equal(future.fresh, true);
  await sleep(2100);
  assert.equal(future.fresh, false, 'expired after the policy\'s 1 s');
  // a server's Cache-Control, stored with the set, counts as it did when fetched (clamped)
  const cc = m.createRemoteJWKSet(op.jwksUri, { cacheMaxAge: 1000, storage: { get: () => ({ v: 1, jwks, fetchedAt: nowS() - 5, cacheControl: 'max-age=3600' }), set() {} } });
  await verify(cc);
  await sleep(1100);
  assert.equal(cc.fresh, true, 'max-age=3600 from the stored response');
  assert.equal(jwksCount(), 0);
  // an expired stored set (600 s lifetime, fetched 700 s ago) is refreshed first, and is the
  // stale fallback while the provider is down; past the stale limit it is not
  const { idToken } = await getIdToken(op);
  const storedAt = (age) => ({ get: () => ({ v: 1, jwks, fetchedAt: nowS() - age }), set() {} });
  let fetches = 0;
  const counted = (...args) => { fetches++; return fetch(...args); };
  await op.setDown('503');
  try {
    assert.equal((await verify(m.createRemoteJWKSet(op.jwksUri, { storage: storedAt(700), fetch: counted }), idToken)).payload.sub, 'user-1234');
    assert.equal(fetches, 1, 'it tried to refresh the expired set');
    await assert.rejects(verify(m.createRemoteJWKSet(op.jwksUri, { storage: storedAt(600 + 3600 + 5), fetch: counted }), idToken), (e) => e.kind === 'jwks_unavailable');
    assert.equal(fetches, 2);
  } finally {
    await op.setDown(false);
  }
});

test('a stored key is held to the key policy when a token selects it', async () => {
  const stored = { v: 1, jwks: JSON.stringify(jwksOf(KEYS.weak)), fetchedAt: nowS() };
  const remote = m.createRemoteJWKSet(op.jwksUri, { storage: { get: () => stored, set() {} } });
  const claims = { iss: op.issuer, sub: 's', aud: 'c', iat: nowS(), exp: nowS() + 60 };
  const weak = signJwt({ alg: 'RS256', kid: KEYS.weak.kid }, claims, KEYS.weak);
  op.resetCounts();
  await assert.rejects(m.verifyIdTokenAsync(weak, remote, { issuer: op.issuer, clientId: 'c' }), (e) => e.kind === 'key_too_weak');
  assert.equal(jwksCount(), 0);
});

test('a storage that throws, rejects or hangs never fails a verification', async () => {
  const storages = [
    { get() { throw new Error('boom'); }, set() { throw new Error('boom'); } },
    { get: async () => { throw new Error('boom'); }, set: async () => { throw new Error('boom'); } },
    { get: () => new Promise(() => {}), set: () => new Promise(() => {}) },
  ];
  for (const storage of storages) {
    op.resetCounts();
    const t0 = Date.now();
    assert.ok(await verify(m.createRemoteJWKSet(op.jwksUri, { storage, timeoutDuration: 300 })));
    assert.equal(jwksCount(), 1);
    assert.ok(Date.now() - t0 < 3000, 'a hanging storage is given up after the fetch time limit');
  }
  assert.throws(() => m.createRemoteJWKSet(op.jwksUri, { storage: {} }), TypeError);
  assert.throws(() => m.createRemoteJWKSet(op.jwksUri, { storage: { get() {} } }), TypeError);
});
