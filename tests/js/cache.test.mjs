// The verified-token cache (pkg/lib/cache.js): its rules on their own (window, bound, what is
// kept), then property tests through the package: over random sequences of tokens, call times,
// options (every profile, nonce, maxAge, maxTokenAge, clock tolerance, scopes, roles, client
// ids) and key-set changes (local sets replaced, remote keys rotated and refetched), every
// answer of the cached calls equals an uncached verification at the same time with the same
// options (a fresh key set: no cache, no memo). The sequences are seeded (OIDC_EDGE_CACHE_SEED
// to replay one; OIDC_EDGE_CACHE_STEPS for longer runs) and the seed is in every failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CACHE_SIZE, recall, remember } from '../../pkg/lib/cache.js';
import { ISSUER, KEYS, NOW, jwksOf, loadEsm, signJwt } from './helpers.mjs';

const m = await loadEsm();
const SEED = Number(process.env.OIDC_EDGE_CACHE_SEED || Date.now() % 1e9);
const STEPS = Number(process.env.OIDC_EDGE_CACHE_STEPS || 1500);

/** A small seeded generator (mulberry32): the same seed replays the same sequence. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  return { next, int, pick: (xs) => xs[int(0, xs.length - 1)], chance: (p) => next() < p };
}

// ---- cache.js on its own ----

const glueAnswer = (from, until) => ({ acceptedFrom: from, acceptedUntil: until });

test('cache: answers only inside the window, only for the same verifier, set and token', () => {
  const v = glueAnswer(100, 200);
  const keys = {};
  remember(v, 't1', keys, '{"payload":{"a":1},"protectedHeader":{}}');
  assert.deepEqual(recall(v, 't1', keys, 100), { payload: { a: 1 }, protectedHeader: {} });
  assert.deepEqual(recall(v, 't1', keys, 200), { payload: { a: 1 }, protectedHeader: {} });
  assert.notEqual(recall(v, 't1', keys, 150), recall(v, 't1', keys, 150), 'a new object every time');
  assert.equal(recall(v, 't1', keys, 99), undefined, 'before the window');
  assert.equal(recall(glueAnswer(100, 200), 't1', keys, 150), undefined, 'another verifier');
  assert.equal(recall(v, 't1', {}, 150), undefined, 'another key set');
  assert.equal(recall(v, 't2', keys, 150), undefined, 'another token');
  assert.equal(recall(v, 't1', keys, 201), undefined, 'past the window');
  assert.equal(recall(v, 't1', keys, 150), undefined, 'an entry past its window is dropped');
});

test('cache: refusals, empty answers and empty windows are not kept', () => {
  const keys = {};
  const failure = { kind: 'expired' };
  remember(glueAnswer(1, 2), 'a', keys, failure);
  remember(glueAnswer(1, 2), 'b', keys, '');
  const empty = glueAnswer(1, 0);
  remember(empty, 'c', keys, '{"payload":{},"protectedHeader":{}}');
  assert.equal(recall(empty, 'c', keys, 1), undefined);
  assert.equal(recall(empty, 'c', keys, 0), undefined);
});

test('cache: bounded per verifier and set; used entries get a second chance', () => {
  const v = glueAnswer(0, 10);
  const keys = {};
  const text = '{"payload":{},"protectedHeader":{}}';
  for (let i = 0; i < CACHE_SIZE; i++) remember(v, `t${i}`, keys, text);
  assert.ok(recall(v, 't0', keys, 5), 't0 used');
  remember(v, 'new-1', keys, text); // drops t1 (oldest unused), t0 moves to the back
  assert.equal(recall(v, 't1', keys, 5), undefined);
  assert.ok(recall(v, 't0', keys, 5));
  assert.ok(recall(v, 'new-1', keys, 5));
  let kept = 0;
  for (let i = 0; i < CACHE_SIZE; i++) if (recall(v, `t${i}`, keys, 5)) kept++;
  assert.equal(kept + 1, CACHE_SIZE, 'exactly CACHE_SIZE entries: t1 gone, new-1 in');
  for (let i = 0; i < 3 * CACHE_SIZE; i++) remember(v, `more${i}`, keys, text);
  let total = 0;
  for (let i = 0; i < 3 * CACHE_SIZE; i++) if (recall(v, `more${i}`, keys, 5)) total++;
  assert.ok(total <= CACHE_SIZE, `${total} entries`);
});

// ---- property tests through the package ----

const API = 'https://api.example.test';
const CLIENTS = ['client-123', 'client-456'];
const SIGNERS = [KEYS.main, KEYS.other];

const KINDS = ['id', 'at', 'jwt', 'cognito'];

/** A random token of `kind` around NOW (an ID token, an RFC 9068 access token, a plain JWT
 *  access token, a Cognito access token), signed by one of two keys, with time claims near
 *  each other so the call times cross their bounds. */
function randomToken(r, kind) {
  const claims = { iss: ISSUER, sub: r.pick(['user-1', 'user-2']), iat: NOW + r.int(-40, 5), exp: NOW + r.int(-5, 60) };
  const header = { alg: 'RS256' };
  const client = r.chance(0.8) ? CLIENTS[0] : CLIENTS[1];
  if (kind === 'id') {
    claims.aud = r.chance(0.85) ? client : [client, API];
    if (r.chance(0.5)) claims.azp = client;
    if (r.chance(0.6)) claims.nonce = r.pick(['n-1', 'n-1', 'n-2']);
    if (r.chance(0.6)) claims.auth_time = NOW + r.int(-60, 0);
  } else if (kind === 'cognito') {
    claims.token_use = r.chance(0.85) ? 'access' : 'id';
    claims.client_id = client;
    claims.scope = r.pick(['read', 'read write', 'admin']);
  } else {
    claims.aud = API;
    claims.client_id = client;
    claims.jti = `j-${r.int(0, 9)}`;
    if (r.chance(0.7)) claims.scope = r.pick(['read', 'read write', 'write']);
    if (r.chance(0.4)) claims.roles = r.pick([['admin'], ['reader', 'admin'], ['reader']]);
    if (kind === 'at') header.typ = r.chance(0.85) ? 'at+jwt' : 'JWT';
  }
  if (r.chance(0.4)) claims.nbf = NOW + r.int(-10, 20);
  if (r.chance(0.05)) delete claims.iat;
  const key = r.chance(0.8) ? SIGNERS[0] : SIGNERS[1];
  return { kind, token: signJwt({ ...header, kid: key.kid }, claims, key) };
}

/** Random options (without the time) meant for tokens of `kind` (the profile of that kind,
 *  mostly the client the tokens name). */
function randomOptions(r, kind) {
  const o = { issuer: ISSUER };
  if (r.chance(0.4)) o.clockTolerance = r.pick([0, 5, '10s', 30]);
  if (r.chance(0.2)) o.maxTokenAge = r.pick([10, 30, '1m']);
  const client = r.chance(0.8) ? CLIENTS[0] : CLIENTS[1];
  if (kind === 'id') {
    if (r.chance(0.8)) o.clientId = client;
    else o.clientIds = [...CLIENTS];
    if (r.chance(0.2)) o.audience = API;
    if (r.chance(0.3)) o.nonce = r.pick(['n-1', 'n-2']);
    if (r.chance(0.3)) o.maxAge = r.pick([0, 20, 45]);
    return o;
  }
  if (kind === 'cognito') {
    o.profile = 'cognito_access';
    o.clientIds = r.chance(0.5) ? [...CLIENTS] : [client];
  } else {
    o.profile = kind === 'at' ? r.pick(['at_jwt', 'jwt']) : 'jwt';
    o.audience = API;
    if (r.chance(0.4)) o.clientIds = [client];
  }
  if (r.chance(0.3)) o.requiredScopes = r.pick(['read', ['read', 'write'], 'write']);
  if (r.chance(0.2)) o.requiredRoles = r.pick(['admin', ['reader']]);
  return o;
}

/** Pools for one property run: tokens of every kind, options for every kind, and a pick of a
 *  token with options mostly meant for its kind (sometimes another kind's). */
function pools(r, nTokens, nOptions) {
  const tokens = Array.from({ length: nTokens }, (_, i) => randomToken(r, KINDS[i % KINDS.length]));
  const options = Array.from({ length: nOptions }, (_, i) => ({ kind: KINDS[i % KINDS.length], index: i }));
  for (const o of options) o.value = randomOptions(r, o.kind);
  return () => {
    const t = r.pick(tokens);
    const kind = r.chance(0.85) ? t.kind : r.pick(KINDS);
    const o = r.pick(options.filter((x) => x.kind === kind));
    const id = o.kind === 'id';
    const call = id ? r.pick(['verifyIdToken', 'verifyIdTokenAsync']) : r.pick(['verifyAccessToken', 'verifyAccessTokenAsync']);
    return { token: t.token, options: o.value, index: o.index, call };
  };
}

/** The outcome of a call, comparable: the result, or the error's class and fields. */
async function outcome(call) {
  try {
    return { ok: await call() };
  } catch (e) {
    return { error: [e.constructor.name, e.kind, e.code, e.check, e.claim, e.status, e.message] };
  }
}

/** Random call times: near NOW, and often exactly at a token's time bounds (+-1, +-tolerance). */
function randomTime(r, token) {
  if (r.chance(0.4)) {
    const c = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
    const t = r.pick([c.exp, c.nbf, c.iat, c.auth_time].filter((x) => x !== undefined));
    return t + r.pick([-31, -30, -10, -5, -1, 0, 1, 5, 10, 20, 29, 30, 31, 45]);
  }
  return NOW + r.int(-30, 60);
}

const SETS = [jwksOf(KEYS.main), jwksOf(KEYS.other), jwksOf(KEYS.main, KEYS.other)];

test(`property: cached answers equal uncached ones (local key sets; seed ${SEED})`, async () => {
  const r = rng(SEED);
  const next = pools(r, 24, 12);
  let served = r.pick(SETS);
  let keys = new m.JwkSet(served);
  let accepted = 0;
  let repeats = 0;
  const seen = new Set();
  for (let step = 0; step < STEPS; step++) {
    if (r.chance(0.02)) {
      served = r.pick(SETS); // a key-set change: a new JwkSet, or a plain JWK Set object
      keys = r.chance(0.5) ? new m.JwkSet(served) : structuredClone(served);
    }
    const { token, options, index, call } = next();
    const currentDate = new Date(randomTime(r, token) * 1000);
    const cached = await outcome(() => m[call](token, keys, { ...options, currentDate }));
    const fresh = await outcome(() => m[call](token, new m.JwkSet(served), { ...options, currentDate }));
    assert.deepStrictEqual(cached, fresh, `seed ${SEED} step ${step}: ${call} at ${currentDate.getTime() / 1000} with ${JSON.stringify(options)}\n${token}`);
    if (cached.ok) {
      accepted++;
      const id = `${token}|${index}|${call}`;
      if (seen.has(id)) repeats++;
      seen.add(id);
    }
  }
  // The sequence exercised the cache: many accepted tokens were verified again.
  if (process.env.OIDC_EDGE_CACHE_STATS) console.log(`accepted ${accepted}, repeated ${repeats}`);
  assert.ok(accepted > STEPS / 20 && repeats > STEPS / 40, `accepted ${accepted}, repeated ${repeats}`);
});

test(`property: cached answers equal uncached ones across remote key rotations (seed ${SEED})`, async () => {
  const r = rng(SEED ^ 0x5bd1e995);
  const next = pools(r, 16, 8);
  let serving = SETS[0];
  let held = { keys: [] }; // what the remote set last fetched: the uncached verification's keys
  const fetch = async () => {
    held = serving;
    return new Response(JSON.stringify(serving), { headers: { 'content-type': 'application/json' } });
  };
  // No cooldown: a token with an unknown kid makes the remote set fetch again at once.
  const remote = m.createRemoteJWKSet('https://op.example.test/jwks', { fetch, cooldownDuration: 0 });
  let agreed = 0;
  for (let step = 0; step < STEPS / 3; step++) {
    if (r.chance(0.05)) serving = r.pick(SETS); // rotation at the issuer: seen at the next fetch
    const { token, options, call } = next();
    const async = call.endsWith('Async') ? call : `${call}Async`;
    const currentDate = new Date(randomTime(r, token) * 1000);
    const cached = await outcome(() => m[async](token, remote, { ...options, currentDate }));
    const fresh = await outcome(() => m[async](token, new m.JwkSet(held), { ...options, currentDate }));
    assert.deepStrictEqual(cached, fresh, `seed ${SEED} remote step ${step}: ${async} with ${JSON.stringify(options)}`);
    if (cached.ok) agreed++;
  }
  assert.ok(agreed > STEPS / 60, `accepted ${agreed}`);
});

test('a repeated token is refused once its time is up, and by the new keys after a change', () => {
  const token = signJwt({ alg: 'RS256', kid: KEYS.main.kid }, { iss: ISSUER, sub: 's', aud: CLIENTS[0], iat: NOW, exp: NOW + 60 }, KEYS.main);
  const options = { issuer: ISSUER, clientId: CLIENTS[0], clockTolerance: 0 };
  const keys = new m.JwkSet(jwksOf(KEYS.main));
  const at = (t) => ({ ...options, currentDate: new Date(t * 1000) });
  assert.equal(m.verifyIdToken(token, keys, at(NOW + 59)).payload.sub, 's');
  assert.equal(m.verifyIdToken(token, keys, at(NOW + 59)).payload.sub, 's');
  assert.throws(() => m.verifyIdToken(token, keys, at(NOW + 60)), (e) => e.kind === 'expired');
  assert.throws(() => m.verifyIdToken(token, keys, at(NOW - 1)), (e) => e.kind === 'iat_in_future');
  assert.equal(m.verifyIdToken(token, keys, at(NOW)).payload.sub, 's');
  // Same options, another set without the key; and tolerance is re-read per options.
  assert.throws(() => m.verifyIdToken(token, new m.JwkSet(jwksOf(KEYS.other)), at(NOW)), (e) => e.kind === 'key_not_found');
  assert.equal(m.verifyIdToken(token, keys, { ...at(NOW + 70), clockTolerance: 30 }).payload.sub, 's');
  assert.throws(() => m.verifyIdToken(token, keys, { ...at(NOW + 30), nonce: 'n' }), (e) => e.kind === 'nonce_missing');
});
