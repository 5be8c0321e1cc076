//! Test and benchmark access to the RSA kernels (feature `test-internals`, not part of the
//! API and exempt from semver): the differential tests run every kernel on the same inputs,
//! and the benchmarks time each one.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::backend::Kernel;
use super::columns::Modulus28;
use super::montgomery::Modulus;
use super::RsaPublicKey;

pub use super::columns::worst_case_columns_agree;

impl RsaPublicKey {
    /// RSAVP1 with this target's kernel: `sig^e mod n` as exactly [`RsaPublicKey::size`]
    /// big-endian octets, or `None` when `sig` is not that long or not below the modulus.
    pub fn raw_public_op(&self, sig: &[u8]) -> Option<Vec<u8>> {
        self.rsavp1(sig)
    }

    /// The same key with 32-bit word limbs (the kernel of 32-bit targets without wasm SIMD).
    pub fn limb32(&self) -> Option<AltKey> {
        AltKey::new::<Modulus<u32>>(self)
    }

    /// The same key with 64-bit word limbs (the kernel of 64-bit targets).
    pub fn limb64(&self) -> Option<AltKey> {
        AltKey::new::<Modulus<u64>>(self)
    }

    /// The same key with 28-bit limbs and column sums (the kernel of wasm32 with SIMD; scalar
    /// column sums elsewhere).
    pub fn limb28(&self) -> Option<AltKey> {
        AltKey::new::<Modulus28>(self)
    }
}

/// RSAVP1 bound to one key and kernel.
type RawOp = Box<dyn Fn(&[u8]) -> Option<Vec<u8>>>;

/// An RSA public key with an explicitly chosen kernel.
pub struct AltKey {
    raw: RawOp,
}

impl AltKey {
    fn new<K: Kernel + 'static>(key: &RsaPublicKey) -> Option<AltKey> {
        let kernel = K::new(&key.n_be)?;
        let (e, size) = (key.e, key.size);
        Some(AltKey {
            raw: Box::new(move |sig| kernel.public_op(e, size, sig)),
        })
    }

    /// RSAVP1 with this kernel; see [`RsaPublicKey::raw_public_op`].
    pub fn raw_public_op(&self, sig: &[u8]) -> Option<Vec<u8>> {
        (self.raw)(sig)
    }
}
