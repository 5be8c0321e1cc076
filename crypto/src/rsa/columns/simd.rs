//! The column sums of [`super`] as wasm SIMD dot products (`u64x2.extmul_{low,high}_u32x4`,
//! four 28 x 28-bit products per step): the kernel of wasm32 built with `+simd128`.

use core::arch::wasm32::{
    i64x2_shl, u32x4, u32x4_splat, u64x2_add, u64x2_extmul_high_u32x4, u64x2_extmul_low_u32x4,
    u64x2_extract_lane, u64x2_shr, u64x2_splat, v128, v128_and, v128_or,
};

use super::{sub, Col, MASK, W};

/// The all-zero value ORed into the operands (see [`opaque_zero`]); made once per Montgomery
/// product.
pub(super) type Zero = v128;

/// A fresh [`Zero`].
#[inline(always)]
pub(super) fn zero() -> Zero {
    opaque_zero()
}

/// One column of a product: `sum ab[0][t] * ab[1][t] + mn[0][t] * mn[1][t]` over slices of one
/// length, a multiple of four (the callers pass the second operands reversed). With SIMD: one
/// loop, four products per operand pair per step, each 64-bit lane summing at most 148
/// products below 2^56 (< 2^64), then split.
#[inline(always)]
pub(super) fn mul_column(ab: [&[u32]; 2], mn: [&[u32]; 2], z: Zero) -> Col {
    let (lo, hi) = dot2(ab, mn, z);
    split(lo, hi)
}

/// One column of a squaring: `2 * sum_{t < pairs} a[0][t] * a[1][t] + sum mn[0][t] * mn[1][t]`;
/// the `a` slices are `pairs` rounded up to four long (the terms after `pairs` are real limbs
/// and masked out), the `mn` slices a multiple of four. Each lane of the doubled cross sum and
/// of the reduction sum holds at most 148 products below 2^56.
#[inline(always)]
pub(super) fn sqr_column(a: [&[u32]; 2], pairs: usize, mn: [&[u32]; 2], z: Zero) -> Col {
    let full = pairs & !3;
    let mut cross = dot(sub(a[0], 0, full), sub(a[1], 0, full), z);
    if pairs & 3 != 0 {
        let mask = PREFIX_MASKS.get(pairs & 3).copied().unwrap_or(z);
        let x = v128_and(load(sub(a[0], full, full + 4), z), mask);
        let y = load(sub(a[1], full, full + 4), z);
        cross = u64x2_add(cross, mul4(x, y));
    }
    let reduce = dot(mn[0], mn[1], z);
    split(i64x2_shl(cross, 1), reduce)
}


/// Lane masks keeping the first 0, 1, 2, 3 lanes.
const PREFIX_MASKS: [v128; 4] = [
    u32x4(0, 0, 0, 0),
    u32x4(!0, 0, 0, 0),
    u32x4(!0, !0, 0, 0),
    u32x4(!0, !0, !0, 0),
];

/// An all-zero vector the compiler cannot see through. OR-ing it into the loaded operands
/// keeps LLVM from folding the zero extension into the loads (`load32x2_u` +
/// `i64x2.mul`, which engines emulate with several instructions), so it selects `extmul`
/// (one `pmuludq` on x64).
#[inline(always)]
fn opaque_zero() -> v128 {
    u32x4_splat(core::hint::black_box(0))
}

/// Four limbs as a vector (`zero` for a short slice, never the case for the callers).
#[inline(always)]
fn load(c: &[u32], zero: v128) -> v128 {
    match c {
        [a, b, c, d] => v128_or(u32x4(*a, *b, *c, *d), zero),
        _ => zero,
    }
}

/// The four products of two vectors, summed pairwise into two 64-bit lanes.
#[inline(always)]
fn mul4(a: v128, b: v128) -> v128 {
    u64x2_add(u64x2_extmul_low_u32x4(a, b), u64x2_extmul_high_u32x4(a, b))
}

/// `sum x[t] * y[t]` over whole quads, in two 64-bit lanes.
#[inline(always)]
fn dot(x: &[u32], y: &[u32], zero: v128) -> v128 {
    let mut lo = u64x2_splat(0);
    let mut hi = u64x2_splat(0);
    for (a, b) in x.chunks_exact(4).zip(y.chunks_exact(4)) {
        let (va, vb) = (load(a, zero), load(b, zero));
        lo = u64x2_add(lo, u64x2_extmul_low_u32x4(va, vb));
        hi = u64x2_add(hi, u64x2_extmul_high_u32x4(va, vb));
    }
    u64x2_add(lo, hi)
}

/// Two dot products over slices of one length in one loop, in four 64-bit lanes (two
/// vectors, not added together: each lane may be close to 2^64).
#[inline(always)]
fn dot2(p: [&[u32]; 2], q: [&[u32]; 2], zero: v128) -> (v128, v128) {
    let mut lo = u64x2_splat(0);
    let mut hi = u64x2_splat(0);
    let quads = p[0]
        .chunks_exact(4)
        .zip(p[1].chunks_exact(4))
        .zip(q[0].chunks_exact(4).zip(q[1].chunks_exact(4)));
    for ((a, b), (c, d)) in quads {
        let (va, vb) = (load(a, zero), load(b, zero));
        let (vc, vd) = (load(c, zero), load(d, zero));
        lo = u64x2_add(lo, u64x2_extmul_low_u32x4(va, vb));
        hi = u64x2_add(hi, u64x2_extmul_high_u32x4(va, vb));
        lo = u64x2_add(lo, u64x2_extmul_low_u32x4(vc, vd));
        hi = u64x2_add(hi, u64x2_extmul_high_u32x4(vc, vd));
    }
    (lo, hi)
}

/// The four lanes of `a` and `b` summed as a [`Col`]: the low 28 bits and the rest
/// of each lane added separately, so nothing overflows.
#[inline(always)]
fn split(a: v128, b: v128) -> Col {
    let mask = u64x2_splat(MASK);
    let lo = u64x2_add(v128_and(a, mask), v128_and(b, mask));
    let hi = u64x2_add(u64x2_shr(a, W), u64x2_shr(b, W));
    Col {
        lo: u64x2_extract_lane::<0>(lo) + u64x2_extract_lane::<1>(lo),
        hi: u64x2_extract_lane::<0>(hi) + u64x2_extract_lane::<1>(hi),
    }
}
