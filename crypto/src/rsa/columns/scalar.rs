//! The column sums of [`super`] in plain 64 x 64 -> 128-bit arithmetic: the column kernel on
//! targets without wasm SIMD (native tests exercise it; see [`crate::rsa::backend`]).

use super::{sub, Col, MASK, W};

/// Nothing: the scalar kernel needs no opaque zero (the SIMD one does).
#[derive(Clone, Copy)]
pub(super) struct Zero;

/// A fresh [`Zero`].
#[inline(always)]
pub(super) fn zero() -> Zero {
    Zero
}

/// `sum x[t] * y[t]` (the product of two 28-bit limbs fits 56 bits; a column of an 8192-bit
/// product may exceed 2^64, hence 128 bits).
#[inline(always)]
fn dot(x: &[u32], y: &[u32]) -> u128 {
    x.iter().zip(y).fold(0u128, |s, (&p, &q)| {
        s + u128::from(u64::from(p) * u64::from(q))
    })
}

/// A 128-bit column sum as a [`Col`].
#[inline(always)]
fn split(v: u128) -> Col {
    Col {
        lo: (v as u64) & MASK,
        hi: (v >> W) as u64,
    }
}

/// One column of a product (see the SIMD version).
#[inline(always)]
pub(super) fn mul_column(ab: [&[u32]; 2], mn: [&[u32]; 2], _: Zero) -> Col {
    split(dot(ab[0], ab[1]) + dot(mn[0], mn[1]))
}

/// One column of a squaring (see the SIMD version).
#[inline(always)]
pub(super) fn sqr_column(a: [&[u32]; 2], pairs: usize, mn: [&[u32]; 2], _: Zero) -> Col {
    let cross = dot(sub(a[0], 0, pairs), sub(a[1], 0, pairs));
    split(2 * cross + dot(mn[0], mn[1]))
}

