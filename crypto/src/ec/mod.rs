//! ECDSA verification on NIST P-256 and P-384 (ES256, ES384): the crate's own arithmetic.
//!
//! Why not RustCrypto's `p256` / `p384`: they are correct and maintained, but built for
//! signing as well (constant-time, fully unrolled field code per curve); in the npm package's
//! WebAssembly they cost about 30 KB and 120 KB of code, over half of what a browser downloads.
//! Verification needs none of that: every input is public. This module is one Montgomery
//! arithmetic for all four moduli (`field`, shared with Ed25519's group order), Jacobian point
//! formulas and an interleaved signed-window double multiplication (`point`), checked against
//! Project Wycheproof's ECDSA vectors natively and in WebAssembly and against RustCrypto's
//! signers in the property tests.
//!
//! A key is the JWK's `x` and `y`, each exactly the curve's field length (32 or 48 octets): a
//! coordinate not below the field prime and a point not on the curve are refused (the identity
//! has no affine coordinates). A signature is the JWS form `r || s`, exactly twice the field
//! length (never DER), with `r` and `s` in `[1, n - 1]`; the message is hashed with the
//! curve's SHA-2 function and the hash, as long as the order, is read as a number modulo `n`
//! (SEC 1's `bits2int` needs no shift when the lengths are equal, as here).

mod point;

use crate::field::{Fe, Modulus};
use crate::hash::Hash;
use point::Point;

/// Why `x` / `y` do not make a key (the message of a `key_unusable` error).
pub type Invalid = &'static str;

/// A curve `y^2 = x^3 - 3x + b` of prime order `n`, with its generator.
#[derive(Debug)]
pub struct Curve {
    /// The field.
    p: Modulus,
    /// The group order.
    n: Modulus,
    /// `b` (Montgomery form).
    b: Fe,
    /// The generator (affine, Montgomery form).
    g: (Fe, Fe),
    /// The hash of the curve's ES algorithm.
    hash: Hash,
}

/// NIST P-256 (SEC 2 `secp256r1`), with SHA-256.
#[cfg(feature = "es256")]
pub static P256: Curve = {
    let p = Modulus::from_hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
    let b = p.const_to_mont("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b");
    let g = (
        p.const_to_mont("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"),
        p.const_to_mont("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"),
    );
    Curve {
        p,
        n: Modulus::from_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
        b,
        g,
        hash: Hash::Sha256,
    }
};

/// NIST P-384 (SEC 2 `secp384r1`), with SHA-384.
#[cfg(feature = "es384")]
pub static P384: Curve = {
    let p = Modulus::from_hex(concat!(
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "fffffffeffffffff0000000000000000ffffffff"
    ));
    let b = p.const_to_mont(concat!(
        "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875a",
        "c656398d8a2ed19d2a85c8edd3ec2aef"
    ));
    let g = (
        p.const_to_mont(concat!(
            "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a38",
            "5502f25dbf55296c3a545e3872760ab7"
        )),
        p.const_to_mont(concat!(
            "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c0",
            "0a60b1ce1d7e819d7a431d7c90ea0e5f"
        )),
    );
    Curve {
        p,
        n: Modulus::from_hex(concat!(
            "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf",
            "581a0db248b0a77aecec196accc52973"
        )),
        b,
        g,
        hash: Hash::Sha384,
    }
};

/// A public key: a point of the curve other than the identity (affine, Montgomery form).
#[derive(Clone, Debug)]
pub struct VerifyingKey {
    x: Fe,
    y: Fe,
}

/// The verifying key of the point `(x, y)` on `curve`.
// Never inlined: a runtime compiles its wasm function by function on first call, so a
// token of another family does not pay for this curve's code (cold start).
#[inline(never)]
pub fn parse(curve: &Curve, x: &[u8], y: &[u8]) -> Result<VerifyingKey, Invalid> {
    let f = &curve.p;
    if x.len() != f.octets || y.len() != f.octets {
        return Err("the EC key's x and y must have exactly the curve's field length");
    }
    let not_on_curve = "the EC key's point is not on its curve";
    let (Some(x), Some(y)) = (f.reduced_be(x), f.reduced_be(y)) else {
        return Err(not_on_curve);
    };
    let (x, y) = (f.to_mont(&x), f.to_mont(&y));
    // y^2 = x^3 - 3x + b
    let x3 = f.mul(&f.sqr(&x), &x);
    let three_x = f.add(&f.add(&x, &x), &x);
    let rhs = f.add(&f.sub(&x3, &three_x), &curve.b);
    if f.sqr(&y) != rhs {
        return Err(not_on_curve);
    }
    Ok(VerifyingKey { x, y })
}

/// Whether `signature` (`r || s`) is a valid ECDSA signature of `message` under `key`.
// Never inlined: a runtime compiles its wasm function by function on first call, so a
// token of another family does not pay for this curve's code (cold start).
#[inline(never)]
pub fn verify(curve: &Curve, key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    let (f, n) = (&curve.p, &curve.n);
    if signature.len() != 2 * n.octets {
        return false;
    }
    let (r_octets, s_octets) = signature.split_at(n.octets);
    let (Some(r), Some(s)) = (n.reduced_be(r_octets), n.reduced_be(s_octets)) else {
        return false;
    };
    if r.is_zero() || s.is_zero() {
        return false;
    }
    let digest = curve.hash.digest_parts(&[message]);
    // The hash is as long as n: read whole, then below 2n, so one subtraction reduces it.
    let Some(e) = n.sized_be(digest.as_slice()) else {
        return false;
    };
    let e = n.reduce(&e);
    // w = s^-1 (Montgomery form); a plain number times a Montgomery form is a plain product.
    let w = n.invert(&n.to_mont(&s));
    let (u1, u2) = (n.mul(&e, &w), n.mul(&r, &w));
    let g = Point::affine(curve.g.0, curve.g.1, f.one);
    let q = Point::affine(key.x, key.y, f.one);
    let sum = crate::window::double_mul(&u1, &g, &u2, &q, n.octets * 8, f);
    if sum.is_identity() {
        return false;
    }
    // v = x mod n equals r: the affine x is r, or r + n when that is still below p.
    if sum.x_equals(&r, f) {
        return true;
    }
    matches!(f.sum_below(&r, n.modulus()), Some(rn) if sum.x_equals(&rn, f))
}
