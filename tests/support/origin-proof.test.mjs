// The test signer against the committed vectors of the origin proof
// (tests/fixtures/origin-signature.json; the worker's signer is checked against the same file in
// worker/src/edge/origin.rs, the package's origin-side check in tests/js/origin.test.mjs).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { canonical, sign } from './origin-proof.mjs';

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
