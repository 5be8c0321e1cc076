//! Ed25519 public keys (JWS `EdDSA` with `crv` `Ed25519`, RFC 8037, and the fully specified
//! `Ed25519`), verification only: the crate's own arithmetic on the twisted Edwards curve
//! `-x^2 + y^2 = 1 + d x^2 y^2` over `2^255 - 19` in extended coordinates, with its own field
//! arithmetic (`fe`) and the scalar arithmetic modulo the group order that the NIST curves
//! use (`field`). `curve25519-dalek` cost the package's WebAssembly about 20 KB.
//!
//! A key is the JWK's `x`: exactly 32 octets that decode to a curve point by RFC 8032's rules
//! (a `y` at or above the field prime and a zero `x` with its sign bit set are refused). A key
//! of small order (8-torsion, whose signatures anyone can forge for some messages) breaks the
//! key policy. Verification is RFC 8032's cofactorless equation `[S]B = R + [k]A` with the
//! strict checks of `ed25519-dalek`'s `verify_strict`, which the tests compare against: `S`
//! below the group order, `R` a canonical encoding of a point not of small order.

mod fe;

use crate::field::{Fe as Scalar, Modulus};
use crate::window::Group;
use fe::Fe;

/// Why `x` does not make a usable key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// Not 32 octets, or not the encoding of a curve point (`key_unusable`).
    Encoding(&'static str),
    /// A point of small order (`key_too_weak`).
    Weak,
}

/// The order of the base point, `2^252 + 27742317777372353535851937790883648493`.
static L: Modulus =
    Modulus::from_hex("1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed");
/// `d = -121665 / 121666`.
const D: Fe = Fe::from_hex("52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3");
/// `2d`.
const D2: Fe = Fe::from_hex("2406d9dc56dffce7198e80f2eef3d13000e0149a8283b156ebd69b9426b2f159");
/// A square root of -1, `2^((p - 1) / 4)`.
const SQRT_M1: Fe =
    Fe::from_hex("2b8324804fc1df0b2b4d00993dfbd7a72f431806ad2fe478c4ee1b274a0ea0b0");
/// The base point `B` (affine): `y = 4/5`, `x` even.
const B: (Fe, Fe) = (
    Fe::from_hex("216936d3cd6e53fec0a4e231fdd6dc5c692cc7609525a7b2c9562d608f25d51a"),
    Fe::from_hex("6666666666666666666666666666666666666666666666666666666666666658"),
);

/// A point `(X / Z, Y / Z)` with `T = XY / Z`, coordinates in the field of `fe`.
#[derive(Clone, Copy, Debug)]
struct Point {
    x: Fe,
    y: Fe,
    z: Fe,
    t: Fe,
}

impl Point {
    /// The identity `(0, 1)`.
    fn identity() -> Point {
        Point {
            x: Fe::ZERO,
            y: Fe::ONE,
            z: Fe::ONE,
            t: Fe::ZERO,
        }
    }

    /// The affine point `(x, y)`.
    fn affine(x: Fe, y: Fe) -> Point {
        Point {
            x,
            y,
            z: Fe::ONE,
            t: x.mul(&y),
        }
    }

    /// `-P = (-x, y)`.
    fn neg(&self) -> Point {
        Point {
            x: self.x.neg(),
            t: self.t.neg(),
            ..*self
        }
    }

    /// `P + Q` ("add-2008-hwcd-3" of the Explicit-Formulas Database): complete on this curve
    /// (`a = -1`, `d` not a square), so doubling and the identity need no special case.
    fn add(&self, q: &Point) -> Point {
        let a = self.y.sub(&self.x).mul(&q.y.sub(&q.x));
        let b = self.y.add(&self.x).mul(&q.y.add(&q.x));
        let c = self.t.mul(&D2).mul(&q.t);
        let zz = self.z.mul(&q.z);
        let d = zz.add(&zz);
        let (e, f, g, h) = (b.sub(&a), d.sub(&c), d.add(&c), b.add(&a));
        Point {
            x: e.mul(&f),
            y: g.mul(&h),
            z: f.mul(&g),
            t: e.mul(&h),
        }
    }

    /// `2P` ("dbl-2008-hwcd", `a = -1`).
    fn double(&self) -> Point {
        let a = self.x.sqr();
        let b = self.y.sqr();
        let zz = self.z.sqr();
        let c = zz.add(&zz);
        let e = self.x.add(&self.y).sqr().sub(&a).sub(&b);
        let g = b.sub(&a);
        let f = g.sub(&c);
        let h = a.add(&b).neg();
        Point {
            x: e.mul(&f),
            y: g.mul(&h),
            z: f.mul(&g),
            t: e.mul(&h),
        }
    }

    /// Whether two points are equal: `X1 Z2 = X2 Z1` and `Y1 Z2 = Y2 Z1`.
    fn equals(&self, q: &Point) -> bool {
        self.x.mul(&q.z).equals(&q.x.mul(&self.z)) && self.y.mul(&q.z).equals(&q.y.mul(&self.z))
    }

    /// Whether `[8]P` is the identity (the point is in the 8-torsion).
    fn is_small_order(&self) -> bool {
        let p8 = self.double().double().double();
        p8.x.is_zero() && p8.y.equals(&p8.z)
    }

    /// The point encoded by `octets` (RFC 8032, 5.1.3), refusing non-canonical encodings.
    fn decode(octets: &[u8; 32]) -> Option<Point> {
        let sign = octets[31] >> 7;
        let y = Fe::from_bytes(octets);
        // Canonical: the 255 bits read back the same, so y is below p.
        let mut y_bits = *octets;
        y_bits[31] &= 0x7f;
        if y.to_bytes() != y_bits {
            return None;
        }
        // x^2 = u / v with u = y^2 - 1, v = d y^2 + 1; x = u v^3 (u v^7)^((p - 5) / 8).
        let yy = y.sqr();
        let u = yy.sub(&Fe::ONE);
        let v = D.mul(&yy).add(&Fe::ONE);
        let v3 = v.sqr().mul(&v);
        let uv7 = u.mul(&v3).mul(&v3.mul(&v));
        let mut x = u.mul(&v3).mul(&uv7.pow_p58());
        let vxx = v.mul(&x.sqr());
        if vxx.equals(&u) {
        } else if vxx.equals(&u.neg()) {
            x = x.mul(&SQRT_M1);
        } else {
            return None;
        }
        if x.is_zero() && sign == 1 {
            return None;
        }
        if u8::from(x.is_negative()) != sign {
            x = x.neg();
        }
        Some(Point::affine(x, y))
    }
}

/// A public key: the point (affine) and its encoding (which the signature's hash covers).
#[derive(Clone, Debug)]
pub struct VerifyingKey {
    x: Fe,
    y: Fe,
    encoded: [u8; 32],
}

/// The verifying key encoded by `x`.
// Never inlined: a runtime compiles its wasm function by function on first call, so a
// token of another family does not pay for this curve's code (cold start).
#[inline(never)]
pub fn parse(x: &[u8]) -> Result<VerifyingKey, Invalid> {
    let encoded: [u8; 32] = x
        .try_into()
        .map_err(|_| Invalid::Encoding("the Ed25519 key's x must be exactly 32 octets"))?;
    let point = Point::decode(&encoded).ok_or(Invalid::Encoding(
        "the Ed25519 key's x is not a curve point",
    ))?;
    if point.is_small_order() {
        return Err(Invalid::Weak);
    }
    Ok(VerifyingKey {
        x: point.x,
        y: point.y,
        encoded,
    })
}

/// Whether `signature` (64 octets, `R || S`) is a valid Ed25519 signature of `message`.
// Never inlined: a runtime compiles its wasm function by function on first call, so a
// token of another family does not pay for this curve's code (cold start).
#[inline(never)]
pub fn verify(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(signature) = <&[u8; 64]>::try_from(signature) else {
        return false;
    };
    let (r_octets, s_octets) = signature.split_at(32);
    let (Ok(r_octets), Some(s)) = (
        <[u8; 32]>::try_from(r_octets),
        Scalar::read(s_octets, false).filter(|s| L.is_reduced(s)),
    ) else {
        return false;
    };
    let Some(r) = Point::decode(&r_octets) else {
        return false;
    };
    if r.is_small_order() {
        return false;
    }
    // k = SHA-512(R || A || message) mod L, the 64 octets little-endian: low + high * 2^256,
    // and high * 2^256 mod L is the Montgomery form of high (R = 2^256: L fills 256 bits of limbs).
    let mut h = crate::hash::Sha512::new();
    h.update(&r_octets).update(&key.encoded).update(message);
    let digest = h.finalize();
    let (low, high) = digest.split_at(32);
    let (Some(low), Some(high)) = (Scalar::read(low, false), Scalar::read(high, false)) else {
        return false;
    };
    let k = L.add(&L.reduce(&low), &L.to_mont(&L.reduce(&high)));
    // [S]B + [k](-A) = R
    let sum = double_mul(
        &s,
        &Point::affine(B.0, B.1),
        &k,
        &Point::affine(key.x, key.y).neg(),
    );
    sum.equals(&r)
}

impl Group for Point {
    type Field = ();

    fn identity(_: &()) -> Point {
        Point::identity()
    }

    fn plus(&self, q: &Point, _: &()) -> Point {
        self.add(q)
    }

    fn twice(&self, _: &()) -> Point {
        self.double()
    }

    fn negated(&self, _: &()) -> Point {
        self.neg()
    }
}

/// `u1 * P1 + u2 * P2` for plain scalars below `L` (253 bits).
fn double_mul(u1: &Scalar, p1: &Point, u2: &Scalar, p2: &Point) -> Point {
    crate::window::double_mul(u1, p1, u2, p2, 253, &())
}

#[cfg(test)]
mod tests {
    use super::*;

    use fe::Fe;

    fn small(v: i64) -> Fe {
        Fe::small(v)
    }

    #[test]
    fn constants_are_the_curve_s() {
        // d * 121666 = -121665
        assert!(D.mul(&small(121666)).equals(&small(121665).neg()));
        assert!(D2.equals(&D.add(&D)));
        assert!(SQRT_M1.sqr().equals(&Fe::ONE.neg()));
        // B on the curve: -x^2 + y^2 = 1 + d x^2 y^2, and y = 4/5
        let (xx, yy) = (B.0.sqr(), B.1.sqr());
        assert!(yy.sub(&xx).equals(&Fe::ONE.add(&D.mul(&xx.mul(&yy)))));
        assert!(B.1.mul(&small(5)).equals(&small(4)));
        // [L]B is the identity, [L - 1]B is -B.
        let b = Point::affine(B.0, B.1);
        let mut l_minus_1 = *L.modulus();
        l_minus_1.0[0] -= 1;
        assert!(double_mul(L.modulus(), &b, &Scalar::ZERO, &b).equals(&Point::identity()));
        assert!(double_mul(&l_minus_1, &b, &Scalar::ZERO, &b).equals(&b.neg()));
        assert!(double_mul(&Scalar::small(1), &b, &l_minus_1, &b).equals(&Point::identity()));
    }

    #[test]
    fn field_round_trips_and_reduces() {
        // p - 1 + 2 = 1; bytes of p read back as zero after reduction.
        let mut p_minus_1 = [0xffu8; 32];
        p_minus_1[0] = 0xec;
        p_minus_1[31] = 0x7f;
        let x = Fe::from_bytes(&p_minus_1);
        assert_eq!(x.to_bytes(), p_minus_1);
        assert_eq!(x.add(&small(2)).to_bytes(), small(1).to_bytes());
        assert!(x.add(&Fe::ONE).is_zero());
        assert!(x.mul(&x).equals(&Fe::ONE)); // (-1)^2
        assert!(Fe::ZERO.sub(&Fe::ONE).equals(&x));
    }

    #[test]
    fn decoding_round_trips_and_refuses_non_canonical_forms() {
        let b = Point::affine(B.0, B.1);
        let mut enc = [0x66u8; 32];
        enc[0] = 0x58;
        let decoded = Point::decode(&enc).expect("the base point");
        assert!(decoded.equals(&b));
        // The sign bit selects -B.
        enc[31] |= 0x80;
        assert!(Point::decode(&enc).expect("-B").equals(&b.neg()));
        // y = p (non-canonical zero) and y = p + 1 (non-canonical one).
        let mut p_enc = [0xffu8; 32];
        p_enc[0] = 0xed;
        p_enc[31] = 0x7f;
        assert!(Point::decode(&p_enc).is_none());
        p_enc[0] = 0xee;
        assert!(Point::decode(&p_enc).is_none());
        // y = 1 is the identity (x = 0); with the sign bit set it is refused.
        let mut one = [0u8; 32];
        one[0] = 1;
        assert!(Point::decode(&one).expect("identity").is_small_order());
        one[31] = 0x80;
        assert!(Point::decode(&one).is_none());
        assert!(!b.is_small_order());
    }
}
