//! ECDSA public keys on P-256 and P-384 (ES256, ES384), verification only, with RustCrypto's
//! `p256` / `p384` curves and `ecdsa`'s verifying key.
//!
//! A key is the JWK's `x` and `y`, each exactly the curve's field length (32 or 48 octets),
//! read as the uncompressed SEC1 point `04 || x || y`: a coordinate not below the field prime,
//! a point not on the curve and the identity (which has no affine coordinates) are refused.
//! A signature is the JWS form `r || s` of exactly twice the field length (never DER), with
//! `r` and `s` in `[1, n - 1]`; the message is hashed with the curve's SHA-2 function.

use alloc::vec::Vec;

use ecdsa::elliptic_curve::generic_array::typenum::Unsigned;
use ecdsa::elliptic_curve::generic_array::ArrayLength;
use ecdsa::elliptic_curve::sec1::{FromEncodedPoint, ModulusSize, ToEncodedPoint};
use ecdsa::elliptic_curve::{AffinePoint, CurveArithmetic, FieldBytesSize};
use ecdsa::signature::Verifier;
use ecdsa::{PrimeCurve, Signature, SignatureSize, VerifyingKey};

/// Why `x` / `y` do not make a key (the message of a `key_unusable` error).
pub(crate) type Invalid = &'static str;

/// The verifying key of the point `(x, y)` on curve `C`.
// Never inlined: a runtime compiles its wasm function by function on first call, so a
// token of another family does not pay for this curve's code (cold start).
#[inline(never)]
pub(crate) fn parse<C>(x: &[u8], y: &[u8]) -> Result<VerifyingKey<C>, Invalid>
where
    C: PrimeCurve + CurveArithmetic,
    AffinePoint<C>: FromEncodedPoint<C> + ToEncodedPoint<C>,
    FieldBytesSize<C>: ModulusSize,
{
    let len = FieldBytesSize::<C>::USIZE;
    if x.len() != len || y.len() != len {
        return Err("the EC key's x and y must have exactly the curve's field length");
    }
    let mut sec1 = Vec::with_capacity(1 + 2 * len);
    sec1.push(0x04);
    sec1.extend_from_slice(x);
    sec1.extend_from_slice(y);
    VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| "the EC key's point is not on its curve")
}

/// Whether `signature` (`r || s`) is a valid ECDSA signature of `message` under `key`.
// Never inlined: a runtime compiles its wasm function by function on first call, so a
// token of another family does not pay for this curve's code (cold start).
#[inline(never)]
pub(crate) fn verify<C>(key: &VerifyingKey<C>, message: &[u8], signature: &[u8]) -> bool
where
    C: PrimeCurve + CurveArithmetic,
    SignatureSize<C>: ArrayLength<u8>,
    VerifyingKey<C>: Verifier<Signature<C>>,
{
    // `from_slice` takes exactly 2 * field length octets and refuses r or s outside [1, n-1].
    match Signature::<C>::from_slice(signature) {
        Ok(sig) => key.verify(message, &sig).is_ok(),
        Err(_) => false,
    }
}
