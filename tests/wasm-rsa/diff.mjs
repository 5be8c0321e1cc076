// Differential test of the core's RSA public-key operation as compiled for wasm32 with SIMD
// (the arithmetic the npm package and the worker run: the 28-bit column kernel), against JavaScript BigInt. The native Rust tests cannot reach the SIMD
// code, so this runs it in Node. Random odd moduli (not RSA moduli: the arithmetic only needs
// n odd), random bases below n plus edge bases, exponents 65537, 3, 2^k + 1 and random odd.
//   node tests/wasm-rsa/diff.mjs <bench .wasm> [moduli]     (default 600; OIDC_EDGE_WASM_DIFF_ITERS)
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { test } from 'node:test';

const wasmPath = process.argv[2];
const iters = Number(process.argv[3] || process.env.OIDC_EDGE_WASM_DIFF_ITERS || 600);
const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {});
const x = instance.exports;

const toBig = (b) => (b.length ? BigInt('0x' + Buffer.from(b).toString('hex')) : 0n);
const toBytes = (v, len) => Buffer.from(v.toString(16).padStart(len * 2, '0'), 'hex');
function put(i, data) {
  const ptr = x.buf(i, data.length);
  new Uint8Array(x.memory.buffer, ptr, data.length).set(data);
}
function modpow(b, e, n) {
  let r = 1n;
  b %= n;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % n;
    b = (b * b) % n;
    e >>= 1n;
  }
  return r;
}
function pickBits(i) {
  const r = i % 10;
  if (r <= 3) return 2048;
  if (r === 4) return 3072;
  if (r === 5) return 4096;
  if (r === 6) return 2048 + (randomBytes(1)[0] % 65); // odd lengths near 2048
  if (r === 7) return 8192 - (randomBytes(1)[0] % 64); // the largest, where a column exceeds 2^64
  if (r === 8) return 8192;
  return 2048 + (randomBytes(2).readUInt16BE(0) % 6145);
}
function pickExponent(i) {
  const r = i % 8;
  if (r <= 3) return 65537n;
  if (r === 4) return 3n;
  if (r === 5) return 17n;
  return BigInt((randomBytes(4).readUInt32BE(0) | 3) >>> 0);
}

test('column sums of the largest limbs do not overflow (2048- to 8192-bit moduli)', () => {
  for (const k of [74, 110, 147, 220, 292, 293]) assert.equal(x.worst_case_columns(k), 1, `k = ${k}`);
});

test('wasm32 RSA (SIMD build) agrees with BigInt modpow', () => {
  let checked = 0;
  const bySize = { le4096: 0, gt4096: 0 };
  for (let i = 0; i < iters; i++) {
    const bits = pickBits(i);
    const k = Math.ceil(bits / 8);
    const nb = randomBytes(k);
    const top = bits - 8 * (k - 1);
    nb[0] &= 0xff >> (8 - top);
    nb[0] |= 1 << (top - 1);
    nb[k - 1] |= 1;
    const n = toBig(nb);
    let e = pickExponent(i);
    if (e >= 1n << 32n) e = 65537n;
    const bases = [toBig(randomBytes(k)) % n, toBig(randomBytes(k)) % n,
      [0n, 1n, n - 1n, n - 2n, 2n, (1n << BigInt(bits - 1)) - 1n][i % 6]];
    put(0, nb);
    put(1, toBytes(e, 4));
    for (const b of bases) {
      put(3, toBytes(b, k));
      const rc = x.modpow();
      assert.equal(rc, 1, `modpow refused: ${bits} bits, e=${e}`);
      const out = Buffer.from(new Uint8Array(x.memory.buffer, x.buf_ptr(4), k));
      const want = modpow(b, e, n);
      assert.equal(toBig(out), want, `mismatch: ${bits}-bit n=${n.toString(16)} e=${e} base=${b.toString(16)}`);
      checked++;
    }
    // n itself is not a valid base
    put(3, nb);
    assert.equal(x.modpow(), 0, 'base = n must be refused');
    bySize[bits <= 4096 ? 'le4096' : 'gt4096']++;
  }
  console.log(`wasm-rsa diff: ${checked} exponentiations over ${iters} moduli agree with BigInt ` +
    `(${bySize.le4096} moduli of at most 4096 bits, ${bySize.gt4096} larger)`);
});
