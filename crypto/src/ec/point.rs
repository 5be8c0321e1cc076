//! Points of a short Weierstrass curve `y^2 = x^3 - 3x + b` (P-256, P-384) in Jacobian
//! coordinates, and the double-scalar multiplication `u1 * G + u2 * Q` of ECDSA verification.
//!
//! Verification only: every input is public, so the code is variable time and branches on
//! the special cases of addition (equal points, opposite points, the identity) instead of
//! using complete formulas.

use crate::field::{Fe, Modulus};
use crate::window::Group;

/// A point `(X / Z^2, Y / Z^3)`, coordinates in Montgomery form; `Z = 0` is the identity.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Point {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl Point {
    /// The identity.
    pub(crate) const IDENTITY: Point = Point {
        x: Fe::ZERO,
        y: Fe::ZERO,
        z: Fe::ZERO,
    };

    /// The affine point `(x, y)` (Montgomery form); `one` is one in Montgomery form.
    pub(crate) fn affine(x: Fe, y: Fe, one: Fe) -> Point {
        Point { x, y, z: one }
    }

    /// Whether this is the identity.
    pub(crate) fn is_identity(&self) -> bool {
        self.z.is_zero()
    }

    /// `-P`.
    fn neg(&self, f: &Modulus) -> Point {
        Point {
            x: self.x,
            y: f.neg(&self.y),
            z: self.z,
        }
    }

    /// `2P` ("dbl-2001-b" of the Explicit-Formulas Database, for `a = -3`). The curves have
    /// no point of order two, so only the identity doubles to the identity.
    pub(crate) fn double(&self, f: &Modulus) -> Point {
        if self.is_identity() {
            return *self;
        }
        let delta = f.sqr(&self.z);
        let gamma = f.sqr(&self.y);
        let beta = f.mul(&self.x, &gamma);
        let t = f.mul(&f.sub(&self.x, &delta), &f.add(&self.x, &delta));
        let alpha = f.add(&f.add(&t, &t), &t);
        let beta4 = quadruple(f, &beta);
        let x3 = f.sub(&f.sqr(&alpha), &f.add(&beta4, &beta4));
        let yz = f.add(&self.y, &self.z);
        let z3 = f.sub(&f.sub(&f.sqr(&yz), &gamma), &delta);
        let gamma2 = f.sqr(&gamma);
        let y3 = f.sub(
            &f.mul(&alpha, &f.sub(&beta4, &x3)),
            &f.add(&quadruple(f, &gamma2), &quadruple(f, &gamma2)),
        );
        Point {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `P + Q` ("add-1998-cmo-2"), with the cases the formula does not cover: either input the
    /// identity, `P = Q` (doubling) and `P = -Q` (the identity).
    pub(crate) fn add(&self, q: &Point, f: &Modulus) -> Point {
        if self.is_identity() {
            return *q;
        }
        if q.is_identity() {
            return *self;
        }
        let z1z1 = f.sqr(&self.z);
        let z2z2 = f.sqr(&q.z);
        let u1 = f.mul(&self.x, &z2z2);
        let u2 = f.mul(&q.x, &z1z1);
        let s1 = f.mul(&self.y, &f.mul(&q.z, &z2z2));
        let s2 = f.mul(&q.y, &f.mul(&self.z, &z1z1));
        let h = f.sub(&u2, &u1);
        let r = f.sub(&s2, &s1);
        if h.is_zero() {
            return if r.is_zero() {
                self.double(f)
            } else {
                Point::IDENTITY
            };
        }
        let hh = f.sqr(&h);
        let hhh = f.mul(&h, &hh);
        let v = f.mul(&u1, &hh);
        let x3 = f.sub(&f.sub(&f.sqr(&r), &hhh), &f.add(&v, &v));
        let y3 = f.sub(&f.mul(&r, &f.sub(&v, &x3)), &f.mul(&s1, &hhh));
        let z3 = f.mul(&f.mul(&self.z, &q.z), &h);
        Point {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// Whether the affine x-coordinate of this point (not the identity) equals `r` (a plain
    /// number below the field modulus), without an inversion: `X == r * Z^2`.
    pub(crate) fn x_equals(&self, r: &Fe, f: &Modulus) -> bool {
        let zz = f.sqr(&self.z);
        f.mul(&f.to_mont(r), &zz) == self.x
    }
}

/// `4a mod m`.
fn quadruple(f: &Modulus, a: &Fe) -> Fe {
    let a2 = f.add(a, a);
    f.add(&a2, &a2)
}

impl Group for Point {
    type Field = Modulus;

    fn identity(_: &Modulus) -> Point {
        Point::IDENTITY
    }

    fn plus(&self, q: &Point, f: &Modulus) -> Point {
        self.add(q, f)
    }

    fn twice(&self, f: &Modulus) -> Point {
        self.double(f)
    }

    fn negated(&self, f: &Modulus) -> Point {
        self.neg(f)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Curve;
    use super::*;
    use crate::window::double_mul;

    /// Whether two points are the same affine point: `X1 Z2^2 = X2 Z1^2`, `Y1 Z2^3 = Y2 Z1^3`.
    fn same(a: &Point, b: &Point, f: &Modulus) -> bool {
        if a.is_identity() || b.is_identity() {
            return a.is_identity() && b.is_identity();
        }
        let (za2, zb2) = (f.sqr(&a.z), f.sqr(&b.z));
        let (za3, zb3) = (f.mul(&za2, &a.z), f.mul(&zb2, &b.z));
        f.mul(&a.x, &zb2) == f.mul(&b.x, &za2) && f.mul(&a.y, &zb3) == f.mul(&b.y, &za3)
    }

    /// The cases the addition formula does not cover, which Wycheproof's vectors do not reach
    /// with this multiplication order: `P + P`, `P + (-P)`, and sums through the identity.
    fn special_cases(curve: &Curve) {
        let f = &curve.p;
        let g = Point::affine(curve.g.0, curve.g.1, f.one);
        let g2 = g.double(f);
        assert!(same(&g.add(&g, f), &g2, f));
        assert!(g.add(&g.neg(f), f).is_identity());
        assert!(same(&g2.add(&g.neg(f), f), &g, f));
        assert!(same(&Point::IDENTITY.add(&g, f), &g, f));
        assert!(Point::IDENTITY.double(f).is_identity());
        let bits = curve.n.octets * 8;
        let three_g = g2.add(&g, f);
        assert!(same(
            &double_mul(&Fe::small(3), &g, &Fe::ZERO, &g2, bits, f),
            &three_g,
            f
        ));
        assert!(same(
            &double_mul(&Fe::small(1), &g, &Fe::small(1), &g2, bits, f),
            &three_g,
            f
        ));
        // 1 * G + (n - 1) * G is the identity; 2 * G + (n - 1) * G is G.
        let mut n_minus_1 = *curve.n.modulus();
        n_minus_1.0[0] -= 1;
        assert!(double_mul(&Fe::small(1), &g, &n_minus_1, &g, bits, f).is_identity());
        assert!(same(
            &double_mul(&Fe::small(2), &g, &n_minus_1, &g, bits, f),
            &g,
            f
        ));
        // The order's own recoding: n * G is the identity.
        assert!(double_mul(curve.n.modulus(), &g, &Fe::ZERO, &g, bits, f).is_identity());
    }

    #[cfg(feature = "es256")]
    #[test]
    fn p256_special_cases() {
        special_cases(&super::super::P256);
    }

    #[cfg(feature = "es384")]
    #[test]
    fn p384_special_cases() {
        special_cases(&super::super::P384);
    }
}
