//! Machine words ("limbs") for the big-number arithmetic.
//!
//! The arithmetic in [`super::montgomery`] is written once, generic over [`Limb`], and used
//! with 64-bit limbs (128-bit products) on 64-bit targets and 32-bit limbs (64-bit products)
//! elsewhere, notably `wasm32`, whose multiply is native only up to 64 bits. Both widths are
//! compiled and tested on every target (the differential tests run both).

/// A limb: an unsigned machine word with a double-width product type.
pub trait Limb: Copy + Eq + Ord + Default + core::fmt::Debug + 'static {
    /// Width in bits.
    const BITS: u32;
    /// Width in octets.
    const BYTES: usize;
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;

    /// `a + b * c + carry` as (low word, high word); never overflows.
    fn mac(a: Self, b: Self, c: Self, carry: Self) -> (Self, Self);
    /// `a + b + carry` as (sum, carry out); with `carry <= 1` the carry out is 0 or 1.
    fn adc(a: Self, b: Self, carry: Self) -> (Self, Self);
    /// `a - b - borrow` as (difference, borrow out in {0, 1}); `borrow` must be 0 or 1.
    fn sbb(a: Self, b: Self, borrow: Self) -> (Self, Self);
    /// `a * b` modulo 2^BITS.
    fn wrapping_mul(self, b: Self) -> Self;
    /// `-a` modulo 2^BITS.
    fn wrapping_neg(self) -> Self;
    /// `a - b` modulo 2^BITS.
    fn wrapping_sub(self, b: Self) -> Self;
    /// Shift left by one bit, returning (shifted word, the bit shifted out).
    fn shl1(self, carry_in: Self) -> (Self, Self);
    /// Number of leading zero bits.
    fn leading_zeros(self) -> u32;
    /// Whether the lowest bit is set.
    fn is_odd(self) -> bool;
    /// The word from at most `BYTES` big-endian octets.
    fn from_be_octets(octets: &[u8]) -> Self;
    /// Writes the word as exactly `out.len()` (<= `BYTES`) big-endian octets (low octets).
    fn to_be_octets(self, out: &mut [u8]);
    /// The word from a `u32`.
    fn from_u32(v: u32) -> Self;
}

macro_rules! impl_limb {
    ($t:ty, $wide:ty) => {
        impl Limb for $t {
            const BITS: u32 = <$t>::BITS;
            const BYTES: usize = (<$t>::BITS / 8) as usize;
            const ZERO: Self = 0;
            const ONE: Self = 1;

            #[inline(always)]
            fn mac(a: Self, b: Self, c: Self, carry: Self) -> (Self, Self) {
                let t = (a as $wide) + (b as $wide) * (c as $wide) + (carry as $wide);
                (t as $t, (t >> <$t>::BITS) as $t)
            }

            #[inline(always)]
            fn adc(a: Self, b: Self, carry: Self) -> (Self, Self) {
                let t = (a as $wide) + (b as $wide) + (carry as $wide);
                (t as $t, (t >> <$t>::BITS) as $t)
            }

            #[inline(always)]
            fn sbb(a: Self, b: Self, borrow: Self) -> (Self, Self) {
                let t = (a as $wide)
                    .wrapping_sub(b as $wide)
                    .wrapping_sub(borrow as $wide);
                (t as $t, ((t >> <$t>::BITS) as $t) & 1)
            }

            #[inline(always)]
            fn wrapping_mul(self, b: Self) -> Self {
                <$t>::wrapping_mul(self, b)
            }

            #[inline(always)]
            fn wrapping_neg(self) -> Self {
                <$t>::wrapping_neg(self)
            }

            #[inline(always)]
            fn wrapping_sub(self, b: Self) -> Self {
                <$t>::wrapping_sub(self, b)
            }

            #[inline(always)]
            fn shl1(self, carry_in: Self) -> (Self, Self) {
                ((self << 1) | carry_in, self >> (<$t>::BITS - 1))
            }

            #[inline(always)]
            fn leading_zeros(self) -> u32 {
                <$t>::leading_zeros(self)
            }

            #[inline(always)]
            fn is_odd(self) -> bool {
                self & 1 == 1
            }

            #[inline]
            fn from_be_octets(octets: &[u8]) -> Self {
                let mut v: $t = 0;
                for &o in octets {
                    v = (v << 8) | (o as $t);
                }
                v
            }

            #[inline]
            fn to_be_octets(self, out: &mut [u8]) {
                let mut v = self;
                for o in out.iter_mut().rev() {
                    *o = v as u8;
                    v >>= 8;
                }
            }

            #[inline(always)]
            fn from_u32(v: u32) -> Self {
                v as $t
            }
        }
    };
}

impl_limb!(u32, u64);
impl_limb!(u64, u128);
