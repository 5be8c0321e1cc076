//! The arithmetic kernel of an RSA key, chosen once per target. This module is the only place
//! that names target predicates; the rest of [`crate::rsa`] uses [`NativeKernel`] and the two
//! macros below.
//!
//! | target | kernel | ships in |
//! | --- | --- | --- |
//! | wasm32 with SIMD (`+simd128`, which `.cargo/config.toml` sets for every wasm32 build) | 28-bit limbs, whole columns summed as SIMD dot products (`columns`, `columns/simd.rs`) | the npm package, the worker |
//! | other 64-bit targets | 64-bit words, operand scanning (`montgomery` with `u64`) | the CLI, Rust services, native tests and benchmarks |
//! | other 32-bit targets (thumbv7em, wasm32 without SIMD) | 32-bit words, operand scanning (`montgomery` with `u32`) | embedded builds (the `no_std` proof) |
//!
//! Every kernel is compiled on every target (the column kernel with scalar column sums where
//! there is no wasm SIMD), so the native tests check all of them against each other and
//! against references (feature `test-internals`).

use alloc::vec;
use alloc::vec::Vec;

use super::columns::Modulus28;
use super::limb::Limb;
use super::montgomery::Modulus;

/// Keeps items only where the SIMD column kernel is this target's kernel.
macro_rules! simd_kernel {
    ($($item:item)*) => {
        $( #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))] $item )*
    };
}

/// Keeps items only where a word kernel is this target's kernel (no wasm SIMD).
macro_rules! word_kernel {
    ($($item:item)*) => {
        $( #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))] $item )*
    };
}

pub(crate) use {simd_kernel, word_kernel};

simd_kernel! {
    /// This target's kernel: 28-bit columns with SIMD dot products.
    pub(crate) type NativeKernel = Modulus28;
}

word_kernel! {
    /// This target's kernel: full machine words (64-bit limbs with 128-bit products where the
    /// target has 64-bit registers, 32-bit limbs with 64-bit products elsewhere).
    pub(crate) type NativeKernel = Modulus<NativeWord>;

    #[cfg(target_pointer_width = "64")]
    type NativeWord = u64;

    #[cfg(not(target_pointer_width = "64"))]
    type NativeWord = u32;
}

/// Montgomery arithmetic modulo one odd modulus: what RSAVP1 needs of a kernel.
pub(crate) trait Kernel: Sized {
    /// A number below the modulus in the kernel's representation.
    type Number;

    /// The kernel for the modulus `n_be` (big-endian, leading zeros allowed); `None` when the
    /// value is even, below 3, or too large for the kernel.
    fn new(n_be: &[u8]) -> Option<Self>;

    /// Bit length of the modulus.
    fn bits(&self) -> usize;

    /// `octets` as a number; `None` unless it is below the modulus.
    fn parse_be(&self, octets: &[u8]) -> Option<Self::Number>;

    /// `x^e mod n` for an odd `e >= 3`.
    fn pow_odd(&self, x: &Self::Number, e: u32) -> Self::Number;

    /// `x` as exactly `out.len()` big-endian octets.
    fn to_be(x: &Self::Number, out: &mut [u8]);

    /// RSAVP1: `sig^e mod n` as exactly `size` big-endian octets, or `None` when `sig` is not
    /// `size` octets long or not below the modulus.
    fn public_op(&self, e: u32, size: usize, sig: &[u8]) -> Option<Vec<u8>> {
        if sig.len() != size {
            return None;
        }
        let s = self.parse_be(sig)?;
        let r = self.pow_odd(&s, e);
        let mut out = vec![0u8; size];
        Self::to_be(&r, &mut out);
        Some(out)
    }
}

impl<L: Limb> Kernel for Modulus<L> {
    type Number = Vec<L>;

    fn new(n_be: &[u8]) -> Option<Self> {
        Modulus::new(n_be)
    }

    fn bits(&self) -> usize {
        Modulus::bits(self)
    }

    fn parse_be(&self, octets: &[u8]) -> Option<Vec<L>> {
        Modulus::parse_be(self, octets)
    }

    fn pow_odd(&self, x: &Vec<L>, e: u32) -> Vec<L> {
        Modulus::pow_odd(self, x, e)
    }

    fn to_be(x: &Vec<L>, out: &mut [u8]) {
        Modulus::to_be(x, out)
    }
}

impl Kernel for Modulus28 {
    type Number = Vec<u32>;

    fn new(n_be: &[u8]) -> Option<Self> {
        Modulus28::new(n_be)
    }

    fn bits(&self) -> usize {
        Modulus28::bits(self)
    }

    fn parse_be(&self, octets: &[u8]) -> Option<Vec<u32>> {
        Modulus28::parse_be(self, octets)
    }

    fn pow_odd(&self, x: &Vec<u32>, e: u32) -> Vec<u32> {
        Modulus28::pow_odd(self, x, e)
    }

    fn to_be(x: &Vec<u32>, out: &mut [u8]) {
        Modulus28::to_be(x, out)
    }
}
