//! Verify-only RSA: RSASSA-PKCS1-v1_5 and RSASSA-PSS signature checks with public keys.
//!
//! Only public data is ever handled (public key, message, signature), so the arithmetic is
//! variable time by design. A key is parsed once into [`RsaPublicKey`], which keeps the
//! Montgomery constants of its modulus; a verification then costs one modular exponentiation
//! (for `e = 65537`: 16 squarings and 2 multiplications) plus the message hash.
//!
//! The arithmetic kernel depends on the target and is chosen in one place, `backend.rs`
//! (64-bit words natively, 28-bit columns with SIMD dot products in wasm32, 32-bit words on
//! other 32-bit targets). Feature `test-internals` exposes every kernel for the differential
//! tests and benchmarks (`rsa::internals`); it is not part of the API.
//!
//! Key policy ([`KeyError`]): the modulus is odd and has 2048 to 8192 bits; the exponent is
//! odd with `3 <= e < 2^32`.
//!
//! PKCS#1 v1.5 verification encodes the expected block and compares it with the decrypted one
//! (never parses it) and requires the DigestInfo with the explicit NULL parameter: the variant
//! without it (Wycheproof "acceptable", flag `MissingNull`) is rejected. PSS uses the JWS
//! parameters (RFC 7518 section 3.5): MGF1 with the same hash, salt length = hash length.

use alloc::vec::Vec;
use core::fmt;

use crate::hash::Sha256;

mod backend;
// Every kernel is compiled on every target (see `backend`); the ones this target does not use
// are reachable only through `test-internals`.
#[cfg_attr(not(feature = "test-internals"), allow(dead_code))]
mod columns;
#[cfg(feature = "test-internals")]
pub mod internals;
mod limb;
#[cfg_attr(not(feature = "test-internals"), allow(dead_code))]
mod montgomery;
mod pkcs1;
mod pss;

use backend::{Kernel, NativeKernel};

/// Smallest accepted modulus size in bits.
pub const MIN_BITS: usize = 2048;
/// Largest accepted modulus size in bits.
pub const MAX_BITS: usize = 8192;

/// The hash functions of the RSA signature schemes (also the MGF1 hash for PSS).
pub use crate::hash::Hash;

/// Why a public key was refused ([`RsaPublicKey::from_components`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyError {
    /// The modulus is empty, zero or even.
    Malformed,
    /// The modulus has fewer than 2048 bits.
    TooSmall,
    /// The modulus has more than 8192 bits.
    TooLarge,
    /// The exponent is even, smaller than 3, or not below 2^32.
    BadExponent,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyError::Malformed => "RSA modulus is empty, zero or even",
            KeyError::TooSmall => "RSA modulus is smaller than 2048 bits",
            KeyError::TooLarge => "RSA modulus is larger than 8192 bits",
            KeyError::BadExponent => "RSA exponent must be odd with 3 <= e < 2^32",
        })
    }
}

impl core::error::Error for KeyError {}

/// An RSA public key, checked against the key policy and ready for verification: the
/// Montgomery constants of the modulus (`-n^-1 mod 2^w`, `R^2 mod n`) are computed here, once.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    modulus: NativeKernel,
    /// The modulus, big-endian without leading zeros.
    n_be: Vec<u8>,
    e: u32,
    size: usize,
    fingerprint: [u8; 32],
}

impl RsaPublicKey {
    /// Builds a key from the big-endian modulus and exponent (leading zero octets are allowed
    /// in both, as in a DER INTEGER or a JWK with a stray zero).
    pub fn from_components(n_be: &[u8], e_be: &[u8]) -> Result<RsaPublicKey, KeyError> {
        let n = strip_zeros(n_be);
        let e = strip_zeros(e_be);
        let Some(&top) = n.first() else {
            return Err(KeyError::Malformed);
        };
        let bits = 8 * n.len() - top.leading_zeros() as usize;
        if bits < MIN_BITS {
            return Err(KeyError::TooSmall);
        }
        if bits > MAX_BITS {
            return Err(KeyError::TooLarge);
        }
        if n.last().is_none_or(|&low| low & 1 == 0) {
            return Err(KeyError::Malformed);
        }
        if e.len() > 4 {
            return Err(KeyError::BadExponent);
        }
        let e = e.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        if e < 3 || e & 1 == 0 {
            return Err(KeyError::BadExponent);
        }
        let modulus = <NativeKernel as Kernel>::new(n).ok_or(KeyError::Malformed)?;
        debug_assert_eq!(modulus.bits(), bits);
        let fingerprint = fingerprint(n, e);
        Ok(RsaPublicKey {
            modulus,
            n_be: n.to_vec(),
            e,
            size: n.len(),
            fingerprint,
        })
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        Kernel::bits(&self.modulus)
    }

    /// Modulus size in octets (`k` of RFC 8017): the exact length of a signature.
    pub fn size(&self) -> usize {
        self.size
    }

    /// SHA-256 over the canonical key: the 4-octet big-endian length of the modulus, the
    /// modulus without leading zero octets, then the exponent as 4 big-endian octets.
    /// Computed at parse time; two keys with equal fingerprints are the same key.
    pub fn fingerprint(&self) -> &[u8; 32] {
        &self.fingerprint
    }

    /// The modulus as big-endian octets without leading zeros ([`RsaPublicKey::size`] long).
    pub fn modulus_be(&self) -> Vec<u8> {
        self.n_be.clone()
    }

    /// The public exponent.
    pub fn exponent(&self) -> u32 {
        self.e
    }

    /// RSASSA-PKCS1-v1_5 verification (RFC 8017 section 8.2.2) of `sig` over `msg`, which this
    /// function hashes with `hash`. `sig` must be exactly [`RsaPublicKey::size`] octets and,
    /// as a number, smaller than the modulus.
    pub fn verify_pkcs1v15(&self, hash: Hash, msg: &[u8], sig: &[u8]) -> bool {
        let Some(em) = self.rsavp1(sig) else {
            return false;
        };
        let digest = hash.digest_parts(&[msg]);
        match pkcs1::encode(hash, digest.as_slice(), self.size) {
            Some(expected) => expected == em,
            None => false,
        }
    }

    /// RSASSA-PSS verification (RFC 8017 section 8.1.2) of `sig` over `msg` with the JWS
    /// parameters: MGF1 with `hash`, salt length equal to the hash length (RFC 7518 section
    /// 3.5). `sig` must be exactly [`RsaPublicKey::size`] octets and smaller than the modulus.
    pub fn verify_pss(&self, hash: Hash, msg: &[u8], sig: &[u8]) -> bool {
        let Some(block) = self.rsavp1(sig) else {
            return false;
        };
        let em_bits = self.bits() - 1;
        let em_len = em_bits.div_ceil(8);
        // I2OSP(m, emLen): when emLen < k the leading octet must be zero.
        let Some((high, em)) = block.split_at_checked(self.size - em_len) else {
            return false;
        };
        if high.iter().any(|&b| b != 0) {
            return false;
        }
        let m_hash = hash.digest_parts(&[msg]);
        pss::verify(hash, m_hash.as_slice(), em, em_bits)
    }

    /// RSAVP1: `sig^e mod n` as exactly `size()` big-endian octets, or `None` when `sig` is not
    /// `size()` octets long or not smaller than the modulus.
    fn rsavp1(&self, sig: &[u8]) -> Option<Vec<u8>> {
        self.modulus.public_op(self.e, self.size, sig)
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Hex<'a>(&'a [u8]);
        impl fmt::Debug for Hex<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                for b in self.0 {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
        }
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.bits())
            .field("e", &self.e)
            .field("fingerprint", &Hex(&self.fingerprint))
            .finish()
    }
}

fn strip_zeros(x: &[u8]) -> &[u8] {
    let start = x.iter().position(|&b| b != 0).unwrap_or(x.len());
    x.get(start..).unwrap_or(&[])
}

fn fingerprint(n: &[u8], e: u32) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(&(n.len() as u32).to_be_bytes())
        .update(n)
        .update(&e.to_be_bytes());
    h.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn modulus_2048() -> Vec<u8> {
        // an odd 2048-bit number (not a real RSA modulus: enough for the key policy)
        let mut n = vec![0xc5u8; 256];
        n[255] = 0x3b;
        n
    }

    #[test]
    fn key_policy() {
        let n = modulus_2048();
        assert!(RsaPublicKey::from_components(&n, &[1, 0, 1]).is_ok());
        let mut padded = vec![0u8, 0];
        padded.extend_from_slice(&n);
        let k = RsaPublicKey::from_components(&padded, &[0, 0, 1, 0, 1]).unwrap();
        assert_eq!(k.bits(), 2048);
        assert_eq!(k.size(), 256);
        assert_eq!(k.exponent(), 65537);
        assert_eq!(k.modulus_be(), n);
        let k2 = RsaPublicKey::from_components(&n, &[1, 0, 1]).unwrap();
        assert_eq!(k.fingerprint(), k2.fingerprint());
        let k3 = RsaPublicKey::from_components(&n, &[3]).unwrap();
        assert_ne!(k.fingerprint(), k3.fingerprint());

        assert_eq!(
            RsaPublicKey::from_components(&[], &[3]).unwrap_err(),
            KeyError::Malformed
        );
        assert_eq!(
            RsaPublicKey::from_components(&[0, 0], &[3]).unwrap_err(),
            KeyError::Malformed
        );
        assert_eq!(
            RsaPublicKey::from_components(&n[1..], &[3]).unwrap_err(),
            KeyError::TooSmall
        );
        let mut even = n.clone();
        even[255] = 0x3a;
        assert_eq!(
            RsaPublicKey::from_components(&even, &[3]).unwrap_err(),
            KeyError::Malformed
        );
        let big = vec![0xffu8; 1025];
        assert_eq!(
            RsaPublicKey::from_components(&big, &[3]).unwrap_err(),
            KeyError::TooLarge
        );
        let max = vec![0xffu8; 1024];
        assert!(RsaPublicKey::from_components(&max, &[3]).is_ok());
        for e in [
            &[][..],
            &[1],
            &[2],
            &[1, 0, 0],
            &[1, 0, 0, 0, 1],
            &[0xff, 0xff, 0xff, 0xfe],
        ] {
            assert_eq!(
                RsaPublicKey::from_components(&n, e).unwrap_err(),
                KeyError::BadExponent,
                "{e:?}"
            );
        }
        assert!(RsaPublicKey::from_components(&n, &[0xff, 0xff, 0xff, 0xff]).is_ok());
    }

    #[test]
    fn signature_length_and_range() {
        let n = modulus_2048();
        let k = RsaPublicKey::from_components(&n, &[1, 0, 1]).unwrap();
        assert!(k.raw_public_op(&[0u8; 255]).is_none());
        assert!(k.raw_public_op(&[0u8; 257]).is_none());
        assert!(k.raw_public_op(&n).is_none());
        assert_eq!(k.raw_public_op(&[0u8; 256]).unwrap(), vec![0u8; 256]);
        let mut one = vec![0u8; 256];
        one[255] = 1;
        assert_eq!(k.raw_public_op(&one).unwrap(), one);
        let mut below = n.clone();
        below[255] -= 1; // n - 1 = -1, (-1)^odd = -1
        assert_eq!(k.raw_public_op(&below).unwrap(), below);
        assert_eq!(k.limb32().unwrap().raw_public_op(&below).unwrap(), below);
        assert_eq!(k.limb64().unwrap().raw_public_op(&below).unwrap(), below);
        assert_eq!(k.limb28().unwrap().raw_public_op(&below).unwrap(), below);
        assert!(!k.verify_pkcs1v15(Hash::Sha256, b"m", &below));
        assert!(!k.verify_pss(Hash::Sha256, b"m", &below));
    }
}
