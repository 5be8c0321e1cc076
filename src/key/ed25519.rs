//! Ed25519 public keys (JWS `EdDSA` with `crv` `Ed25519`, RFC 8037, and the fully specified
//! `Ed25519`), verification only, with `ed25519-dalek`.
//!
//! A key is the JWK's `x`: exactly 32 octets that decode to a point of the curve. A key of
//! small order (8-torsion, whose signatures anyone can forge for some messages) breaks the key
//! policy. Verification is RFC 8032's with the strict checks of `verify_strict`: `S` must be
//! below the group order, and `R` must not be of small order.

use ed25519_dalek::{Signature, VerifyingKey};

/// Why `x` does not make a usable key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// Not 32 octets, or not the encoding of a curve point (`key_unusable`).
    Encoding(&'static str),
    /// A point of small order (`key_too_weak`).
    Weak,
}

/// The verifying key encoded by `x`.
// Never inlined: a runtime compiles its wasm function by function on first call, so a
// token of another family does not pay for this curve's code (cold start).
#[inline(never)]
pub(crate) fn parse(x: &[u8]) -> Result<VerifyingKey, Invalid> {
    let bytes: &[u8; 32] = x
        .try_into()
        .map_err(|_| Invalid::Encoding("the Ed25519 key's x must be exactly 32 octets"))?;
    let key = VerifyingKey::from_bytes(bytes)
        .map_err(|_| Invalid::Encoding("the Ed25519 key's x is not a curve point"))?;
    if key.is_weak() {
        return Err(Invalid::Weak);
    }
    Ok(key)
}

/// Whether `signature` (64 octets, `R || S`) is a valid Ed25519 signature of `message`.
// Never inlined: a runtime compiles its wasm function by function on first call, so a
// token of another family does not pay for this curve's code (cold start).
#[inline(never)]
pub(crate) fn verify(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    match Signature::from_slice(signature) {
        Ok(sig) => key.verify_strict(message, &sig).is_ok(),
        Err(_) => false,
    }
}
