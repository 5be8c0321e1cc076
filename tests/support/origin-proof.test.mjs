// The reference origin-side check against the committed vectors of the origin proof
// (tests/fixtures/origin-signature.json; the worker's signer is checked against the same file
// in worker/src/edge/origin.rs).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { canonical, sign, verify } from './origin-proof.mjs';

const fx = JSON.parse(fs.readFileSync(new URL('../fixtures/origin-signature.json', import.meta.url), 'utf8'));
const key = (name) => Buffer.from(fx.keys[name], 'base64url');

test('the vectors: canonical string and header', () => {
  assert.ok(fx.vectors.length >= 3);
  for (const v of fx.vectors) {
    assert.equal(canonical(v.request), v.canonical, v.name);
    assert.equal(canonical(v.request).split('\n').length, 9, v.name);
    assert.equal(sign(v.signed_with.map(key), v.request), v.header, v.name);
  }
});

test('the checks: every verdict and reason', () => {
  const reasons = new Set();
  for (const c of fx.checks) {
    const r = verify({ header: c.header, keys: c.accept_keys.map(key), now: c.now, maxSkew: c.max_skew_s, ...c.request });
    assert.equal(r.ok, c.valid, c.name);
    assert.equal(r.reason, c.reason, c.name);
    if (!c.valid) reasons.add(c.reason.split(':')[0]);
  }
  // Every way to fail is covered: the vectors are not all the same refusal.
  assert.deepEqual([...reasons].sort(), ['malformed', 'mismatch', 'stale']);
});
