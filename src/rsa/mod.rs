//! Verify-only RSA: RSASSA-PKCS1-v1_5 and RSASSA-PSS signature checks with public keys.
//!
//! Only public data is ever handled (public key, message, signature), so the arithmetic is
//! variable time by design. A key is parsed once into [`RsaPublicKey`], which keeps the
//! Montgomery constants of its modulus; a verification then costs one modular exponentiation
//! (for `e = 65537`: 16 squarings and 2 multiplications) plus the message hash.
//!
//! Limbs are 64-bit on 64-bit targets and 32-bit elsewhere; see [`limb`]'s docs. On `wasm32`
//! built with SIMD (`+simd128`, which the npm package and the worker use), keys use 28-bit
//! limbs summed column by column with SIMD dot products instead ([`columns`]).
//!
//! Key policy ([`KeyError`]): the modulus is odd and has 2048 to 8192 bits; the exponent is
//! odd with `3 <= e < 2^32`.
//!
//! PKCS#1 v1.5 verification encodes the expected block and compares it with the decrypted one
//! (never parses it) and requires the DigestInfo with the explicit NULL parameter: the variant
//! without it (Wycheproof "acceptable", flag `MissingNull`) is rejected. PSS uses the JWS
//! parameters (RFC 7518 section 3.5): MGF1 with the same hash, salt length = hash length.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use sha2::Digest as _;

#[doc(hidden)]
pub mod columns;
#[doc(hidden)]
pub mod limb;
#[doc(hidden)]
pub mod montgomery;
mod pkcs1;
mod pss;

use limb::Limb;
use montgomery::Modulus;

/// The limb a key uses on this target: 64-bit limbs (128-bit products) where the target has
/// 64-bit registers, 32-bit limbs (64-bit products, native in wasm32) elsewhere.
#[cfg(target_pointer_width = "64")]
type NativeLimb = u64;
#[cfg(all(
    not(target_pointer_width = "64"),
    not(all(target_arch = "wasm32", target_feature = "simd128"))
))]
type NativeLimb = u32;

/// The arithmetic back end of a key.
#[derive(Clone, PartialEq, Eq)]
enum Arith {
    /// Full machine words, operand scanning ([`montgomery`]).
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    Words(Modulus<NativeLimb>),
    /// 28-bit limbs, column sums as wasm SIMD dot products ([`columns`]).
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    Columns(columns::Modulus28),
}

impl Arith {
    /// This target's back end for the modulus `n` (big-endian, no leading zeros, already
    /// checked odd and within the key policy).
    fn new(n: &[u8]) -> Option<Arith> {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return columns::Modulus28::new(n).map(Arith::Columns);
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        return Modulus::new(n).map(Arith::Words);
    }

    fn bits(&self) -> usize {
        match self {
            #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
            Arith::Words(m) => m.bits(),
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Arith::Columns(m) => m.bits(),
        }
    }

    fn public_op(&self, e: u32, size: usize, sig: &[u8]) -> Option<Vec<u8>> {
        match self {
            #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
            Arith::Words(m) => public_op(m, e, size, sig),
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Arith::Columns(m) => public_op28(m, e, size, sig),
        }
    }
}

/// Smallest accepted modulus size in bits.
pub const MIN_BITS: usize = 2048;
/// Largest accepted modulus size in bits.
pub const MAX_BITS: usize = 8192;

/// A hash function of the RSA signature schemes (also the MGF1 hash for PSS).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hash {
    /// SHA-256 (32-octet output).
    Sha256,
    /// SHA-384 (48-octet output).
    Sha384,
    /// SHA-512 (64-octet output).
    Sha512,
}

impl Hash {
    /// Output length in octets.
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    /// Hash of the concatenation of `parts`.
    fn digest_parts(self, parts: &[&[u8]]) -> HashOutput {
        let mut out = HashOutput {
            buf: [0u8; 64],
            len: self.output_len(),
        };
        match self {
            Hash::Sha256 => {
                let mut h = sha2::Sha256::new();
                for p in parts {
                    h.update(p);
                }
                copy_prefix(&mut out.buf, &h.finalize());
            }
            Hash::Sha384 => {
                let mut h = sha2::Sha384::new();
                for p in parts {
                    h.update(p);
                }
                copy_prefix(&mut out.buf, &h.finalize());
            }
            Hash::Sha512 => {
                let mut h = sha2::Sha512::new();
                for p in parts {
                    h.update(p);
                }
                copy_prefix(&mut out.buf, &h.finalize());
            }
        }
        out
    }
}

/// A hash value on the stack.
struct HashOutput {
    buf: [u8; 64],
    len: usize,
}

impl HashOutput {
    fn as_slice(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

fn copy_prefix(out: &mut [u8; 64], src: &[u8]) {
    for (o, s) in out.iter_mut().zip(src) {
        *o = *s;
    }
}

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
    modulus: Arith,
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
        let modulus = Arith::new(n).ok_or(KeyError::Malformed)?;
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
        self.modulus.bits()
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
        let Some(em) = self.raw_public_op(sig) else {
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
        let Some(block) = self.raw_public_op(sig) else {
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
    /// `size()` octets long or not smaller than the modulus. For tests and benchmarks.
    #[doc(hidden)]
    pub fn raw_public_op(&self, sig: &[u8]) -> Option<Vec<u8>> {
        self.modulus.public_op(self.e, self.size, sig)
    }

    /// The same key with 32-bit limb arithmetic (the one 32-bit targets such as wasm32 use),
    /// so that both limb widths can be tested and measured on any target.
    #[doc(hidden)]
    pub fn limb32(&self) -> Option<AltKey> {
        Some(AltKey {
            arith: AltArith::Limb32(Modulus::new(&self.n_be)?),
            e: self.e,
            size: self.size,
        })
    }

    /// The same key with 64-bit limb arithmetic (64-bit targets).
    #[doc(hidden)]
    pub fn limb64(&self) -> Option<AltKey> {
        Some(AltKey {
            arith: AltArith::Limb64(Modulus::new(&self.n_be)?),
            e: self.e,
            size: self.size,
        })
    }

    /// The same key with 28-bit limbs and column-wise lazy carries ([`columns`], the back end
    /// of wasm32 with SIMD).
    #[doc(hidden)]
    pub fn limb28(&self) -> Option<AltKey> {
        Some(AltKey {
            arith: AltArith::Columns28(columns::Modulus28::new(&self.n_be)?),
            e: self.e,
            size: self.size,
        })
    }
}

/// A key with an explicitly chosen arithmetic back end, for tests and benchmarks.
#[doc(hidden)]
#[derive(Clone)]
pub struct AltKey {
    arith: AltArith,
    e: u32,
    size: usize,
}

#[derive(Clone)]
enum AltArith {
    Limb32(Modulus<u32>),
    Limb64(Modulus<u64>),
    Columns28(columns::Modulus28),
}

impl AltKey {
    /// RSAVP1 with this back end; see [`RsaPublicKey::raw_public_op`].
    #[doc(hidden)]
    pub fn raw_public_op(&self, sig: &[u8]) -> Option<Vec<u8>> {
        match &self.arith {
            AltArith::Limb32(m) => public_op(m, self.e, self.size, sig),
            AltArith::Limb64(m) => public_op(m, self.e, self.size, sig),
            AltArith::Columns28(m) => public_op28(m, self.e, self.size, sig),
        }
    }
}

fn public_op<L: Limb>(m: &Modulus<L>, e: u32, size: usize, sig: &[u8]) -> Option<Vec<u8>> {
    if sig.len() != size {
        return None;
    }
    let s = m.from_be(sig)?;
    let r = m.pow_odd(&s, e);
    let mut out = vec![0u8; size];
    Modulus::to_be(&r, &mut out);
    Some(out)
}

fn public_op28(m: &columns::Modulus28, e: u32, size: usize, sig: &[u8]) -> Option<Vec<u8>> {
    if sig.len() != size {
        return None;
    }
    let s = m.from_be(sig)?;
    let r = m.pow_odd(&s, e);
    let mut out = vec![0u8; size];
    columns::Modulus28::to_be(&r, &mut out);
    Some(out)
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
    let mut h = sha2::Sha256::new();
    h.update((n.len() as u32).to_be_bytes());
    h.update(n);
    h.update(e.to_be_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

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
