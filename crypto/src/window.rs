//! The double-scalar multiplication `u1 P1 + u2 P2` of signature verification, shared by the
//! NIST curves (ECDSA: `u1 G + u2 Q`) and Ed25519 (`[S]B + [k](-A)`): both scalars recoded in
//! signed windows, their additions interleaved in one chain of doublings (Shamir's trick).
//! Public inputs only, so the code is variable time.

use crate::field::Fe;

/// A group of curve points, as the multiplication needs it.
pub(crate) trait Group: Copy {
    /// What the group law needs besides the points (the field of the NIST curves; nothing for
    /// Ed25519, whose field is a type of its own).
    type Field;
    /// The identity.
    fn identity(f: &Self::Field) -> Self;
    /// `P + Q`.
    fn plus(&self, q: &Self, f: &Self::Field) -> Self;
    /// `2P`.
    fn twice(&self, f: &Self::Field) -> Self;
    /// `-P`.
    fn negated(&self, f: &Self::Field) -> Self;
}

/// Width of the signed windows: digits are odd and below `2^(WINDOW - 1)` in magnitude.
const WINDOW: usize = 5;
/// Odd multiples kept per point for the windows: `P, 3P, ..., (2^(WINDOW-1) - 1) P`.
const TABLE: usize = 1 << (WINDOW - 2);
/// Digits of a recoded scalar of up to 384 bits (the recoding can carry past the top bit).
const DIGITS: usize = 384 + WINDOW + 1;

/// The width-`WINDOW` non-adjacent form of the plain number `k` of at most `bits` bits:
/// signed odd digits, non-zero ones at least `WINDOW` positions apart,
/// `k = sum digit[i] * 2^i`.
fn recode(k: &Fe, bits: usize) -> [i8; DIGITS] {
    let mut digits = [0i8; DIGITS];
    let width = 1i32 << WINDOW;
    let mut carry = 0i32;
    let mut pos = 0;
    while pos < bits + WINDOW {
        let mut window = carry;
        for i in 0..WINDOW {
            window += (k.bit(pos + i) as i32) << i;
        }
        if window & 1 == 0 {
            // An even window: this digit is zero (a carry of 2 moves up a bit).
            pos += 1;
            continue;
        }
        let digit = if window < width / 2 {
            carry = 0;
            window
        } else {
            carry = 1;
            window - width
        };
        if let Some(d) = digits.get_mut(pos) {
            *d = digit as i8;
        }
        pos += WINDOW;
    }
    digits
}

/// The entry of a table of odd multiples for a digit `d`: `|d| P` and whether to negate it;
/// `None` for a zero digit.
fn table_entry<P>(table: &[P; TABLE], d: i8) -> Option<(&P, bool)> {
    if d == 0 {
        return None;
    }
    table
        .get((d.unsigned_abs() / 2) as usize)
        .map(|p| (p, d < 0))
}

/// The odd multiples `P, 3P, 5P, ...` of `p`.
fn odd_multiples<P: Group>(p: &P, f: &P::Field) -> [P; TABLE] {
    let twice = p.twice(f);
    let mut table = [*p; TABLE];
    let mut acc = *p;
    for slot in table.iter_mut().skip(1) {
        acc = acc.plus(&twice, f);
        *slot = acc;
    }
    table
}

/// `u1 * P1 + u2 * P2` for plain scalars of at most `bits` bits.
pub(crate) fn double_mul<P: Group>(
    u1: &Fe,
    p1: &P,
    u2: &Fe,
    p2: &P,
    bits: usize,
    f: &P::Field,
) -> P {
    let (d1, d2) = (recode(u1, bits), recode(u2, bits));
    let (t1, t2) = (odd_multiples(p1, f), odd_multiples(p2, f));
    let top = d1
        .iter()
        .zip(&d2)
        .rposition(|(a, b)| *a != 0 || *b != 0)
        .unwrap_or(0);
    let mut acc = P::identity(f);
    for (&a, &b) in d1.iter().zip(&d2).take(top + 1).rev() {
        acc = acc.twice(f);
        for (digit, table) in [(a, &t1), (b, &t2)] {
            if let Some((p, negate)) = table_entry(table, digit) {
                acc = acc.plus(&if negate { p.negated(f) } else { *p }, f);
            }
        }
    }
    acc
}
