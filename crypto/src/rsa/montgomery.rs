//! Montgomery arithmetic modulo an RSA modulus, for the public-key operation only.
//!
//! Numbers are little-endian vectors of exactly `len()` limbs, always fully reduced (< n).
//! Nothing here is secret (public key, public signature), so the code is variable time.
//!
//! With `R = 2^(BITS * len)`, `mont_mul(a, b) = a * b / R mod n`. A key precomputes `n0inv`
//! (`-n^-1 mod 2^BITS`) and `R^2 mod n` once, so one verification costs only the
//! exponentiation: for `e = 65537`, one multiplication into Montgomery form, 16 squarings and
//! one multiplication by the plain base (which also leaves Montgomery form).

use alloc::vec;
use alloc::vec::Vec;

use super::limb::Limb;

/// An odd modulus with its Montgomery constants.
#[derive(Clone, PartialEq, Eq)]
pub struct Modulus<L: Limb> {
    /// The modulus, little-endian limbs, the top limb non-zero.
    n: Vec<L>,
    /// `-n^-1 mod 2^BITS`.
    n0inv: L,
    /// `R^2 mod n`.
    rr: Vec<L>,
    /// Bit length of the modulus.
    bits: usize,
}

impl<L: Limb> Modulus<L> {
    /// Builds the modulus from big-endian octets (leading zero octets allowed). `None` when the
    /// value is even or smaller than 3.
    pub fn new(n_be: &[u8]) -> Option<Modulus<L>> {
        let n = trim(limbs_from_be::<L>(n_be));
        let (&low, &top) = (n.first()?, n.last()?);
        if !low.is_odd() || (n.len() == 1 && low < L::from_u32(3)) {
            return None;
        }
        let bits = n.len() * L::BITS as usize - top.leading_zeros() as usize;
        let mut m = Modulus {
            n,
            n0inv: neg_inv(low),
            rr: Vec::new(),
            bits,
        };
        m.rr = m.compute_rr()?;
        Some(m)
    }

    /// Number of limbs.
    #[inline]
    pub fn limb_count(&self) -> usize {
        self.n.len()
    }

    /// Bit length of the modulus.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Parses big-endian octets into a number; `None` unless the value is < n.
    pub fn parse_be(&self, octets: &[u8]) -> Option<Vec<L>> {
        let mut x = limbs_from_be::<L>(octets);
        let nl = self.limb_count();
        if x.iter().skip(nl).any(|&l| l != L::ZERO) {
            return None;
        }
        x.resize(nl, L::ZERO);
        if less_than(&x, &self.n) {
            Some(x)
        } else {
            None
        }
    }

    /// Writes `x` as exactly `out.len()` big-endian octets (the value must fit).
    pub fn to_be(x: &[L], out: &mut [u8]) {
        let mut limbs = x.iter();
        for chunk in out.rchunks_mut(L::BYTES) {
            match limbs.next() {
                Some(&l) => l.to_be_octets(chunk),
                None => chunk.fill(0),
            }
        }
        debug_assert!(limbs.all(|&l| l == L::ZERO), "value does not fit");
    }

    /// `x^e mod n` for a base `x < n` (as from [`Modulus::parse_be`]) and an odd `e >= 3`.
    /// Left-to-right square-and-multiply in Montgomery form; the last multiplication takes the
    /// plain base, which removes the Montgomery factor for free. For `e = 2^k + 1` (65537, 3)
    /// that is one conversion, k squarings and one multiplication.
    pub fn pow_odd(&self, x: &[L], e: u32) -> Vec<L> {
        debug_assert!(e & 1 == 1 && e >= 3);
        debug_assert_eq!(x.len(), self.limb_count());
        let nl = self.limb_count();
        let mut scratch = Scratch {
            mul: vec![L::ZERO; nl + 1],
            sqr: vec![L::ZERO; 2 * nl],
        };
        let mut acc = vec![L::ZERO; nl];
        let mut tmp = vec![L::ZERO; nl];
        // acc = x * R mod n
        self.mont_mul(&mut acc, x, &self.rr, &mut scratch.mul);
        let top = 31 - e.leading_zeros();
        if (e - 1) & (e - 2) == 0 {
            // e = 2^k + 1: k squarings, no stored power of x needed.
            for _ in 0..top {
                self.mont_sqr(&mut tmp, &acc, &mut scratch.sqr);
                core::mem::swap(&mut acc, &mut tmp);
            }
        } else {
            let xm = acc.clone();
            for bit in (1..top).rev() {
                self.mont_sqr(&mut tmp, &acc, &mut scratch.sqr);
                core::mem::swap(&mut acc, &mut tmp);
                if (e >> bit) & 1 == 1 {
                    self.mont_mul(&mut tmp, &acc, &xm, &mut scratch.mul);
                    core::mem::swap(&mut acc, &mut tmp);
                }
            }
            self.mont_sqr(&mut tmp, &acc, &mut scratch.sqr);
            core::mem::swap(&mut acc, &mut tmp);
        }
        // bit 0 is set (e odd): multiply by the plain base: (x^(e-1) R) * x / R = x^e.
        self.mont_mul(&mut tmp, &acc, x, &mut scratch.mul);
        tmp
    }

    /// `out = a * b / R mod n` (a, b < n; `t` has `len() + 1` limbs): coarsely integrated
    /// operand scanning, the product and the reduction fused in one pass (two carry chains).
    pub fn mont_mul(&self, out: &mut [L], a: &[L], b: &[L], t: &mut [L]) {
        t.fill(L::ZERO);
        let (Some((&a0, a_rest)), Some((&n0, n_rest))) = (a.split_first(), self.n.split_first())
        else {
            return;
        };
        for &bi in b {
            let Some((top, body)) = t.split_last_mut() else {
                return;
            };
            let Some((t0, t_rest)) = body.split_first_mut() else {
                return;
            };
            let (lo, mut c1) = L::mac(*t0, a0, bi, L::ZERO);
            let m = lo.wrapping_mul(self.n0inv);
            let (_, mut c2) = L::mac(lo, m, n0, L::ZERO);
            // t[j-1] = t[j] + a[j] * bi + m * n[j] (+ carries), j = 1 .. len-1
            let mut prev = t0;
            for ((&aj, &nj), tj) in a_rest.iter().zip(n_rest).zip(t_rest.iter_mut()) {
                let (u, k1) = L::mac(*tj, aj, bi, c1);
                let (v, k2) = L::mac(u, m, nj, c2);
                *prev = v;
                prev = tj;
                c1 = k1;
                c2 = k2;
            }
            let (s, k1) = L::adc(*top, c1, L::ZERO);
            let (s, k2) = L::adc(s, c2, L::ZERO);
            *prev = s;
            *top = L::adc(k1, k2, L::ZERO).0;
        }
        if let Some((top, body)) = t.split_last() {
            self.final_sub(out, body, *top != L::ZERO);
        }
    }

    /// `out = a * a / R mod n` (a < n; `t` has `2 * len()` limbs): schoolbook squaring (each
    /// cross product once, then doubled, then the squares added), then a separate Montgomery
    /// reduction.
    pub fn mont_sqr(&self, out: &mut [L], a: &[L], t: &mut [L]) {
        let nl = a.len();
        t.fill(L::ZERO);
        // cross products a[i] * a[j], i < j, two rows (i, i + 1) at a time with two carry
        // chains: at position 2i + 2 + q, row i adds a[i] * a[i + 2 + q] and row i + 1 adds
        // a[i + 1] * a[i + 1 + q] (nothing for q = 0: that would be the square a[i + 1]^2).
        // Positions i + nl and i + nl + 1 are still zero when the pair starts.
        let mut i = 0;
        while i + 1 < nl {
            let (Some(&ai), Some(&ai1), Some(tail)) = (a.get(i), a.get(i + 1), a.get(i + 2..))
            else {
                break;
            };
            let Some(window) = t.get_mut(2 * i + 1..=i + nl + 1) else {
                break;
            };
            let Some((first, rest)) = window.split_first_mut() else {
                break;
            };
            let (lo, mut c0) = L::mac(*first, ai, ai1, L::ZERO);
            *first = lo;
            let (body, ends) = rest.split_at_mut(tail.len());
            let mut c1 = L::ZERO;
            let mut prev = L::ZERO;
            for (tp, &aj) in body.iter_mut().zip(tail) {
                let (u, k0) = L::mac(*tp, ai, aj, c0);
                let (v, k1) = L::mac(u, ai1, prev, c1);
                *tp = v;
                c0 = k0;
                c1 = k1;
                prev = aj;
            }
            if let [end0, end1] = ends {
                let (v, k1) = L::mac(c0, ai1, prev, c1);
                *end0 = v;
                *end1 = k1;
            }
            i += 2;
        }
        // double, and add the squares a[i]^2 at t[2i], t[2i+1], in one pass
        let mut shift = L::ZERO;
        let mut c = L::ZERO;
        for (pair, &ai) in t.chunks_exact_mut(2).zip(a) {
            if let [lo_slot, hi_slot] = pair {
                let (lo2, k) = lo_slot.shl1(shift);
                let (hi2, k) = hi_slot.shl1(k);
                shift = k;
                let (lo, hi) = L::mac(L::ZERO, ai, ai, L::ZERO);
                let (s0, k0) = L::adc(lo2, lo, c);
                let (s1, k1) = L::adc(hi2, hi, k0);
                *lo_slot = s0;
                *hi_slot = s1;
                c = k1;
            }
        }
        self.redc(out, t);
    }

    /// Montgomery reduction of a double-length `t < n * R`: `out = t / R mod n`. Clobbers `t`.
    /// Two rows at a time (two independent carry chains), a last single row if `len()` is odd.
    fn redc(&self, out: &mut [L], t: &mut [L]) {
        let nl = self.limb_count();
        let (Some((&n0, n_rest)), Some(&n_top)) = (self.n.split_first(), self.n.last()) else {
            return;
        };
        // carry (0 or 1) pending at position i + nl
        let mut top = L::ZERO;
        let mut i = 0;
        while i + 1 < nl {
            // window t[i ..= i + nl + 1]
            let Some(window) = t.get_mut(i..i + nl + 2) else {
                return;
            };
            let Some((t_i, rest)) = window.split_first_mut() else {
                return;
            };
            let Some((t_i1, rest)) = rest.split_first_mut() else {
                return;
            };
            let Some((t_last, rest)) = rest.split_last_mut() else {
                return;
            };
            let Some((t_nl, mid)) = rest.split_last_mut() else {
                return;
            };
            // row i: m0 clears position i; row i + 1: m1 clears position i + 1
            let m0 = t_i.wrapping_mul(self.n0inv);
            let (_, c0) = L::mac(*t_i, m0, n0, L::ZERO);
            let Some((&n1, n_from2)) = n_rest.split_first() else {
                return;
            };
            let (u1, mut c0) = L::mac(*t_i1, m0, n1, c0);
            let m1 = u1.wrapping_mul(self.n0inv);
            let (_, mut c1) = L::mac(u1, m1, n0, L::ZERO);
            // positions i + j for j = 2 .. nl - 1: row i adds m0 * n[j], row i + 1 m1 * n[j - 1]
            for ((tp, &nj), &nj1) in mid.iter_mut().zip(n_from2).zip(n_rest) {
                let (u, k0) = L::mac(*tp, m0, nj, c0);
                let (v, k1) = L::mac(u, m1, nj1, c1);
                *tp = v;
                c0 = k0;
                c1 = k1;
            }
            // position i + nl: row i's carry, the pending carry, row i + 1 adds m1 * n[nl - 1]
            let (u, k0) = L::adc(*t_nl, c0, top);
            let (v, k1) = L::mac(u, m1, n_top, c1);
            *t_nl = v;
            // position i + nl + 1: both carries
            let (w, k) = L::adc(*t_last, k1, k0);
            *t_last = w;
            top = k;
            i += 2;
        }
        if i < nl {
            // one row left (odd limb count)
            let Some(window) = t.get_mut(i..=i + nl) else {
                return;
            };
            let Some((last, body)) = window.split_last_mut() else {
                return;
            };
            let Some(&first) = body.first() else {
                return;
            };
            let m = first.wrapping_mul(self.n0inv);
            let mut c = L::ZERO;
            for (tj, &nj) in body.iter_mut().zip(&self.n) {
                let (lo, hi) = L::mac(*tj, m, nj, c);
                *tj = lo;
                c = hi;
            }
            let (s, k) = L::adc(*last, c, top);
            *last = s;
            top = k;
        }
        if let Some(high) = t.get(nl..2 * nl) {
            self.final_sub(out, high, top != L::ZERO);
        }
    }

    /// `out = t - n` if `t >= n` (or a carry limb was set), else `out = t`; for `t < 2n`.
    #[inline]
    fn final_sub(&self, out: &mut [L], t: &[L], carry: bool) {
        if carry || !less_than(t, &self.n) {
            let mut borrow = L::ZERO;
            for ((o, &x), &y) in out.iter_mut().zip(t).zip(&self.n) {
                let (d, b) = L::sbb(x, y, borrow);
                *o = d;
                borrow = b;
            }
        } else {
            for (o, &x) in out.iter_mut().zip(t) {
                *o = x;
            }
        }
    }

    /// `x = 2x mod n` for `x < n`.
    fn double_mod(&self, x: &mut [L]) {
        let mut c = L::ZERO;
        for l in x.iter_mut() {
            let (v, k) = l.shl1(c);
            *l = v;
            c = k;
        }
        if c != L::ZERO || !less_than(x, &self.n) {
            let mut borrow = L::ZERO;
            for (l, &y) in x.iter_mut().zip(&self.n) {
                let (d, b) = L::sbb(*l, y, borrow);
                *l = d;
                borrow = b;
            }
        }
    }

    /// `R^2 mod n`: `R mod n` by doubling from `2^(bits-1)`, then `2^(log2 R)` in Montgomery
    /// form by square-and-double (about 12 squarings for 2048 bits).
    fn compute_rr(&self) -> Option<Vec<L>> {
        let nl = self.limb_count();
        let word_bits = L::BITS as usize;
        let mut x = vec![L::ZERO; nl];
        let top_bit = self.bits.checked_sub(1)?;
        let mut bit = L::ONE;
        for _ in 0..top_bit % word_bits {
            bit = bit.shl1(L::ZERO).0;
        }
        *x.get_mut(top_bit / word_bits)? = bit;
        for _ in 0..(nl * word_bits - top_bit) {
            self.double_mod(&mut x);
        }
        // x = R mod n, the Montgomery form of 1; make it the Montgomery form of 2.
        self.double_mod(&mut x);
        let exp = nl * word_bits; // want the Montgomery form of 2^exp, i.e. R * R mod n
        let ebits = usize::BITS - exp.leading_zeros();
        let mut t = vec![L::ZERO; 2 * nl];
        let mut tmp = vec![L::ZERO; nl];
        for bit in (0..ebits - 1).rev() {
            self.mont_sqr(&mut tmp, &x, &mut t);
            core::mem::swap(&mut x, &mut tmp);
            if (exp >> bit) & 1 == 1 {
                self.double_mod(&mut x);
            }
        }
        Some(x)
    }
}

/// Scratch space of one exponentiation.
struct Scratch<L> {
    /// `len() + 1` limbs for [`Modulus::mont_mul`].
    mul: Vec<L>,
    /// `2 * len()` limbs for [`Modulus::mont_sqr`].
    sqr: Vec<L>,
}

/// `-n0^-1 mod 2^BITS` for odd `n0`, by Newton iteration (each step doubles the correct bits).
fn neg_inv<L: Limb>(n0: L) -> L {
    let two = L::from_u32(2);
    let mut x = n0; // correct to 3 bits: n0 * n0 = 1 mod 8
    let mut good = 3;
    while good < L::BITS {
        x = x.wrapping_mul(two.wrapping_sub(n0.wrapping_mul(x)));
        good *= 2;
    }
    x.wrapping_neg()
}

/// Big-endian octets to little-endian limbs (as many limbs as the octets need, at least one).
fn limbs_from_be<L: Limb>(octets: &[u8]) -> Vec<L> {
    let mut out: Vec<L> = octets.rchunks(L::BYTES).map(L::from_be_octets).collect();
    if out.is_empty() {
        out.push(L::ZERO);
    }
    out
}

/// Drops high zero limbs.
fn trim<L: Limb>(mut x: Vec<L>) -> Vec<L> {
    while x.last() == Some(&L::ZERO) {
        x.pop();
    }
    x
}

/// `a < b` for equal-length little-endian numbers.
#[inline]
pub(super) fn less_than<L: Limb>(a: &[L], b: &[L]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x < y;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modulus<L: Limb>(n: &[u8]) -> Modulus<L> {
        Modulus::new(n).unwrap()
    }

    #[test]
    fn neg_inv_is_inverse() {
        for n0 in [1u64, 3, 0xffff_ffff_ffff_fffd, 0x1234_5678_9abc_def1] {
            assert_eq!(n0.wrapping_mul(neg_inv(n0)), u64::MAX);
            let n32 = n0 as u32;
            assert_eq!(n32.wrapping_mul(neg_inv(n32)), u32::MAX);
        }
    }

    #[test]
    fn rejects_even_and_tiny() {
        assert!(Modulus::<u32>::new(&[0x10]).is_none());
        assert!(Modulus::<u64>::new(&[0, 0, 1]).is_none());
        assert!(Modulus::<u64>::new(&[]).is_none());
        assert!(Modulus::<u64>::new(&[3]).is_some());
    }

    #[test]
    fn small_pow_matches_u128() {
        // 0xfffffffb00000005 * 3 .. small moduli across limb boundaries
        let moduli: [u128; 4] = [
            0xffff_fffb,
            0x1_0000_0001,
            0xffff_ffff_ffff_ffc5,
            0x7_0000_0000_0000_0003,
        ];
        for &n in &moduli {
            let nb = n.to_be_bytes();
            let m32 = modulus::<u32>(&nb);
            let m64 = modulus::<u64>(&nb);
            for &x in &[0u128, 1, 2, 12345, n - 1, n / 3] {
                for &e in &[3u32, 5, 17, 65537, 7, 0xffff_ffff, 1_000_001] {
                    let want = pow_ref(x, e, n);
                    let xb = x.to_be_bytes();
                    let r32 = m32.pow_odd(&m32.parse_be(&xb).unwrap(), e);
                    let mut out = [0u8; 16];
                    Modulus::to_be(&r32, &mut out);
                    assert_eq!(u128::from_be_bytes(out), want, "u32 n={n:x} x={x} e={e}");
                    let r64 = m64.pow_odd(&m64.parse_be(&xb).unwrap(), e);
                    Modulus::to_be(&r64, &mut out);
                    assert_eq!(u128::from_be_bytes(out), want, "u64 n={n:x} x={x} e={e}");
                }
            }
            assert!(m64.parse_be(&nb).is_none());
        }
    }

    fn mulmod(a: u128, b: u128, n: u128) -> u128 {
        // double-and-add to avoid overflow (n < 2^67 here)
        let mut r = 0u128;
        let mut a = a % n;
        let mut b = b;
        while b > 0 {
            if b & 1 == 1 {
                r = (r + a) % n;
            }
            a = (a * 2) % n;
            b >>= 1;
        }
        r
    }

    fn pow_ref(x: u128, e: u32, n: u128) -> u128 {
        let mut r = 1u128 % n;
        let mut b = x % n;
        let mut e = e;
        while e > 0 {
            if e & 1 == 1 {
                r = mulmod(r, b, n);
            }
            b = mulmod(b, b, n);
            e >>= 1;
        }
        r
    }
}
