//! Montgomery arithmetic with 28-bit limbs and lazy carries, column by column (product
//! scanning): the back end for targets whose widest native multiply is 32 x 32 -> 64 bits
//! (`wasm32`).
//!
//! Why: with full 32-bit limbs every multiply-accumulate has to split its 64-bit sum into a
//! stored word and a carry (about nine wasm instructions). With 28-bit limbs a product is
//! below 2^56, so a whole column of the product (all `a[j] * b[i - j]` and `m[j] * n[i - j]`)
//! is summed in one 64-bit accumulator and the carry is taken once per column. Such a column
//! sum is a dot product, which wasm SIMD computes four products at a time
//! (`u64x2.extmul_{low,high}_u32x4`, one `pmuludq` each on x64); without SIMD it is two loads,
//! a multiply and an add per product.
//!
//! Bounds: a column holds at most `2 * len()` products below 2^56, which for an 8192-bit
//! modulus (293 limbs) can exceed 2^64. So each 64-bit lane (or the 128-bit scalar sum) holds
//! a part of the column that cannot overflow (at most 148 products per lane), and a column is
//! handed on as `lo + hi * 2^28` (`Col`); the running carry stays below 2^40.
//!
//! Numbers are little-endian vectors of `len()` limbs, each below 2^28, fully reduced (< n),
//! followed by `PAD` zero limbs (see `Modulus28::mont_mul` for why). Nothing here is
//! secret, so the code is variable time.

use alloc::vec;
use alloc::vec::Vec;

use super::montgomery::less_than;

/// Bits per limb.
pub(super) const W: u32 = 28;
/// Mask of one limb.
pub(super) const MASK: u64 = (1 << W) - 1;
/// Most limbs a modulus may have here: 8192 bits, the key policy's largest modulus (see the
/// module docs for the overflow bound).
pub const MAX_LIMBS: usize = 293;
/// Zero limbs after every stored number.
const PAD: usize = 4;

/// An odd modulus of at most [`MAX_LIMBS`] limbs with its Montgomery constants
/// (`R = 2^(28 * len())`).
#[derive(Clone, PartialEq, Eq)]
pub struct Modulus28 {
    /// The modulus, little-endian 28-bit limbs, then [`PAD`] zeros.
    n: Vec<u32>,
    /// The modulus' limbs in reverse order, then [`PAD`] zeros: a column's products then walk
    /// both operands forwards.
    n_rev: Vec<u32>,
    /// Limbs of the modulus (without the padding).
    nl: usize,
    /// `-n^-1 mod 2^28`.
    n0inv: u32,
    /// `R^2 mod n`.
    rr: Vec<u32>,
    /// Bit length of the modulus.
    bits: usize,
}

impl Modulus28 {
    /// Builds the modulus from big-endian octets (leading zero octets allowed). `None` when the
    /// value is even, smaller than 3, or needs more than [`MAX_LIMBS`] limbs.
    pub fn new(n_be: &[u8]) -> Option<Modulus28> {
        let mut n = from_be_octets(n_be);
        while n.last() == Some(&0) {
            n.pop();
        }
        let (&low, &top) = (n.first()?, n.last()?);
        if low & 1 == 0 || n.len() > MAX_LIMBS || (n.len() == 1 && low < 3) {
            return None;
        }
        let nl = n.len();
        let bits = nl * W as usize - (top.leading_zeros() as usize - 4);
        let mut n_rev: Vec<u32> = n.iter().rev().copied().collect();
        n.resize(nl + PAD, 0);
        n_rev.resize(nl + PAD, 0);
        let mut m = Modulus28 {
            n,
            n_rev,
            nl,
            n0inv: neg_inv28(low),
            rr: Vec::new(),
            bits,
        };
        m.rr = m.compute_rr()?;
        Some(m)
    }

    /// Number of limbs of the modulus.
    pub fn limb_count(&self) -> usize {
        self.nl
    }

    /// Bit length of the modulus.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Parses big-endian octets into a (padded) number; `None` unless the value is < n.
    pub fn parse_be(&self, octets: &[u8]) -> Option<Vec<u32>> {
        let mut x = from_be_octets(octets);
        let nl = self.limb_count();
        if x.iter().skip(nl).any(|&l| l != 0) {
            return None;
        }
        x.resize(nl + PAD, 0);
        if self.below_n(&x) {
            Some(x)
        } else {
            None
        }
    }

    /// Writes `x` as exactly `out.len()` big-endian octets (the value must fit).
    pub fn to_be(x: &[u32], out: &mut [u8]) {
        let mut limbs = x.iter();
        let mut buf: u64 = 0;
        let mut have = 0u32;
        for o in out.iter_mut().rev() {
            if have < 8 {
                if let Some(&l) = limbs.next() {
                    buf |= u64::from(l) << have;
                    have += W;
                } else {
                    have = 8; // zeros from here on
                }
            }
            *o = buf as u8;
            buf >>= 8;
            have -= 8;
        }
    }

    /// `x^e mod n` for a base `x < n` (as from [`Modulus28::parse_be`]) and an odd `e >= 3`,
    /// left-to-right square-and-multiply in Montgomery form; the last multiplication takes the
    /// plain base, which leaves Montgomery form for free.
    pub fn pow_odd(&self, x: &[u32], e: u32) -> Vec<u32> {
        debug_assert!(e & 1 == 1 && e >= 3);
        debug_assert_eq!(x.len(), self.padded_len());
        let len = self.padded_len();
        let mut s = Scratch {
            m: vec![0u32; len],
            rev: vec![0u32; len],
        };
        let mut acc = vec![0u32; len];
        let mut tmp = vec![0u32; len];
        self.mont_mul(&mut acc, x, &self.rr, &mut s);
        let top = 31 - e.leading_zeros();
        let xm = acc.clone();
        for bit in (1..top).rev() {
            self.mont_sqr(&mut tmp, &acc, &mut s);
            core::mem::swap(&mut acc, &mut tmp);
            if (e >> bit) & 1 == 1 {
                self.mont_mul(&mut tmp, &acc, &xm, &mut s);
                core::mem::swap(&mut acc, &mut tmp);
            }
        }
        self.mont_sqr(&mut tmp, &acc, &mut s);
        core::mem::swap(&mut acc, &mut tmp);
        self.mont_mul(&mut tmp, &acc, x, &mut s);
        tmp
    }

    /// Limbs of a stored number: the modulus' limbs plus [`PAD`] zero limbs, so that every
    /// column's products can run in whole groups of four (the extra products are with zeros).
    fn padded_len(&self) -> usize {
        self.nl + PAD
    }

    /// Whether the number `x` (padded) is below n.
    fn below_n(&self, x: &[u32]) -> bool {
        less_than(sub(x, 0, self.nl), sub(&self.n, 0, self.nl))
    }

    /// `x -= n` over the limbs of the modulus (the padding stays zero).
    fn sub_n(&self, x: &mut [u32]) {
        if let Some(x) = x.get_mut(..self.nl) {
            sub_in_place(x, &self.n);
        }
    }

    /// `out = a * b / R mod n` for `a, b < n` (padded numbers).
    ///
    /// Column `i` sums `a[j] b[i-j]` and `m[j] n[i-j]`; with `b` and `n` stored reversed
    /// (`b[i-j] = b_rev[len-1-i+j]`) both operands of each sum walk forwards. In the low
    /// columns the sums run over `j = 0 .. round4(i+1)`: the terms past `i` meet the zero
    /// padding of `b_rev`/`n_rev` or a not-yet-chosen (zero) `m[j]`. In the high columns they
    /// run from `lo = i + 1 - len` over `round4(len - lo)` terms: the terms past `len - 1` meet
    /// the zero padding of `a` and `m`.
    fn mont_mul(&self, out: &mut [u32], a: &[u32], b: &[u32], s: &mut Scratch) {
        let nl = self.limb_count();
        s.start(nl, b);
        let (m, b_rev) = (&mut s.m, &s.rev);
        let n_rev = &self.n_rev;
        let z = zero();
        let mut acc: u64 = 0;
        for i in 0..nl {
            let r = nl - 1 - i;
            let len = round4(i + 1);
            let c = mul_column(
                [sub(a, 0, len), sub(b_rev, r, r + len)],
                [sub(m, 0, len), sub(n_rev, r, r + len)],
                z,
            );
            acc += c.lo;
            self.clear_low(&mut acc, m, i);
            acc += c.hi;
        }
        for i in nl..2 * nl - 1 {
            let lo = i + 1 - nl;
            let len = round4(nl - lo);
            let c = mul_column(
                [sub(a, lo, lo + len), sub(b_rev, 0, len)],
                [sub(m, lo, lo + len), sub(n_rev, 0, len)],
                z,
            );
            acc += c.lo;
            if let Some(o) = out.get_mut(i - nl) {
                *o = (acc & MASK) as u32;
            }
            acc = (acc >> W) + c.hi;
        }
        self.finish(out, acc);
    }

    /// `out = a * a / R mod n` for `a < n` (padded). Each cross product `a[j] a[i-j]`
    /// (`j < i - j`) is summed once and doubled, so a squaring costs about 3/4 of a
    /// multiplication. The cross sums run over exactly `pairs` terms ([`sqr_column`]: the terms
    /// after them are real limbs, not padding); the `m * n` sums as in [`Modulus28::mont_mul`].
    fn mont_sqr(&self, out: &mut [u32], a: &[u32], s: &mut Scratch) {
        let nl = self.limb_count();
        s.start(nl, a);
        let (m, a_rev) = (&mut s.m, &s.rev);
        let n_rev = &self.n_rev;
        let z = zero();
        let mut acc: u64 = 0;
        for i in 0..nl {
            let r = nl - 1 - i;
            // pairs j < i - j: j in 0 .. ceil(i/2), a[i-j] = a_rev[r+j]
            let pairs = i.div_ceil(2);
            let (len, mlen) = (round4(pairs), round4(i + 1));
            let c = sqr_column(
                [sub(a, 0, len), sub(a_rev, r, r + len)],
                pairs,
                [sub(m, 0, mlen), sub(n_rev, r, r + mlen)],
                z,
            );
            acc += c.lo + square_term(a, i);
            self.clear_low(&mut acc, m, i);
            acc += c.hi;
        }
        for i in nl..2 * nl - 1 {
            let lo = i + 1 - nl;
            // pairs j < i - j with j >= lo: j in lo .. ceil(i/2), a[i-j] = a_rev[j-lo]
            let pairs = i.div_ceil(2) - lo;
            let (len, mlen) = (round4(pairs), round4(nl - lo));
            let c = sqr_column(
                [sub(a, lo, lo + len), sub(a_rev, 0, len)],
                pairs,
                [sub(m, lo, lo + mlen), sub(n_rev, 0, mlen)],
                z,
            );
            acc += c.lo + square_term(a, i);
            if let Some(o) = out.get_mut(i - nl) {
                *o = (acc & MASK) as u32;
            }
            acc = (acc >> W) + c.hi;
        }
        self.finish(out, acc);
    }

    /// Chooses `m[i]` so that `acc + m[i] * n[0]` is a multiple of 2^28, adds it, shifts.
    #[inline(always)]
    fn clear_low(&self, acc: &mut u64, m: &mut [u32], i: usize) {
        let mi = ((*acc as u32).wrapping_mul(self.n0inv)) & MASK as u32;
        if let Some(slot) = m.get_mut(i) {
            *slot = mi;
        }
        let n0 = self.n.first().copied().unwrap_or(0);
        *acc += u64::from(mi) * u64::from(n0);
        *acc >>= W;
    }

    /// Stores the last limb (`acc` holds column 2 len - 1 and the carry beyond it, so the
    /// result is `out + carry * R < 2n`) and subtracts n once if needed.
    #[inline]
    fn finish(&self, out: &mut [u32], acc: u64) {
        if let Some(o) = out.get_mut(self.nl - 1) {
            *o = (acc & MASK) as u32;
        }
        if (acc >> W) != 0 || !self.below_n(out) {
            self.sub_n(out);
        }
    }

    /// `x = 2x mod n` for `x < n`.
    fn double_mod(&self, x: &mut [u32]) {
        let mut c = 0u32;
        for l in x.iter_mut().take(self.nl) {
            let v = (*l << 1) | c;
            c = v >> W;
            *l = v & MASK as u32;
        }
        if c != 0 || !self.below_n(x) {
            self.sub_n(x);
        }
    }

    /// `R^2 mod n`: `R mod n` by doubling from `2^(bits-1)`, then the Montgomery form of
    /// `2^(28 len)` by square-and-double.
    fn compute_rr(&self) -> Option<Vec<u32>> {
        let len = self.padded_len();
        let r_bits = self.nl * W as usize;
        let top_bit = self.bits.checked_sub(1)?;
        let mut x = vec![0u32; len];
        *x.get_mut(top_bit / W as usize)? = 1 << (top_bit % W as usize);
        for _ in 0..(r_bits - top_bit) {
            self.double_mod(&mut x);
        }
        // x = R mod n, the Montgomery form of 1; make it the Montgomery form of 2.
        self.double_mod(&mut x);
        let ebits = usize::BITS - r_bits.leading_zeros();
        let mut s = Scratch {
            m: vec![0u32; len],
            rev: vec![0u32; len],
        };
        let mut tmp = vec![0u32; len];
        for bit in (0..ebits - 1).rev() {
            self.mont_sqr(&mut tmp, &x, &mut s);
            core::mem::swap(&mut x, &mut tmp);
            if (r_bits >> bit) & 1 == 1 {
                self.double_mod(&mut x);
            }
        }
        Some(x)
    }
}

/// Test hook for the overflow bound (module docs): the largest column sums a `k`-limb modulus
/// can produce, every limb `2^28 - 1`, through [`mul_column`] and [`sqr_column`] as this
/// target compiles them, compared with a 128-bit reference. Exported for the wasm SIMD build,
/// which the native tests cannot reach (`tests/wasm-rsa`).
pub fn worst_case_columns_agree(k: usize) -> bool {
    let len = round4(k);
    let pairs = k.div_ceil(2); // the most cross products a squaring column has
    let ones = vec![MASK as u32; len];
    let max = u128::from(MASK * MASK);
    let value = |c: Col| u128::from(c.lo) + (u128::from(c.hi) << W);
    let z = zero();
    let mul = mul_column([&ones, &ones], [&ones, &ones], z);
    let sqr = sqr_column(
        [sub(&ones, 0, round4(pairs)), sub(&ones, 0, round4(pairs))],
        pairs,
        [&ones, &ones],
        z,
    );
    value(mul) == 2 * len as u128 * max && value(sqr) == (2 * pairs + len) as u128 * max
}

/// Scratch space of the Montgomery products.
struct Scratch {
    /// The reduction multipliers `m[i]`, one per low column.
    m: Vec<u32>,
    /// The second operand in reverse limb order.
    rev: Vec<u32>,
}

impl Scratch {
    /// Prepares a product whose second operand is `x` (`nl` limbs): no multiplier chosen yet
    /// (all zero, which the padded column sums rely on), `x` reversed.
    fn start(&mut self, nl: usize, x: &[u32]) {
        self.m.fill(0);
        for (r, &v) in self
            .rev
            .iter_mut()
            .zip(x.get(..nl).unwrap_or(&[]).iter().rev())
        {
            *r = v;
        }
    }
}

/// `x[from..to]`, empty when out of range (never the case for the callers' ranges).
#[inline(always)]
pub(super) fn sub(x: &[u32], from: usize, to: usize) -> &[u32] {
    x.get(from..to).unwrap_or(&[])
}

/// A column sum `lo + hi * 2^28`, split so that no part can overflow 64 bits (a column of
/// an 8192-bit product can exceed 2^64).
#[derive(Clone, Copy)]
pub(super) struct Col {
    /// Below 2^32.
    pub(super) lo: u64,
    /// Below 2^39.
    pub(super) hi: u64,
}

crate::rsa::backend::simd_kernel! {
    mod simd;
    use simd::{mul_column, sqr_column, zero};
}
crate::rsa::backend::word_kernel! {
    mod scalar;
    use scalar::{mul_column, sqr_column, zero};
}

/// A multiple of four at least `x`.
#[inline(always)]
fn round4(x: usize) -> usize {
    (x + 3) & !3
}

/// `a[i/2]^2` for even `i`, else 0.
#[inline(always)]
fn square_term(a: &[u32], i: usize) -> u64 {
    if i & 1 == 0 {
        a.get(i / 2).map_or(0, |&h| u64::from(h) * u64::from(h))
    } else {
        0
    }
}

/// `x -= y` for `x >= y` (or `x + R >= y` with the carry dropped), 28-bit limbs.
fn sub_in_place(x: &mut [u32], y: &[u32]) {
    let mut borrow = 0u32;
    for (l, &v) in x.iter_mut().zip(y) {
        let d = l.wrapping_sub(v).wrapping_sub(borrow);
        borrow = d >> 31;
        *l = d & MASK as u32;
    }
}

/// `-n0^-1 mod 2^28` for odd `n0`, by Newton iteration.
fn neg_inv28(n0: u32) -> u32 {
    let mut x = n0; // correct to 3 bits
    for _ in 0..4 {
        x = x.wrapping_mul(2u32.wrapping_sub(n0.wrapping_mul(x)));
    }
    x.wrapping_neg() & MASK as u32
}

/// Big-endian octets to little-endian 28-bit limbs (at least one limb).
fn from_be_octets(octets: &[u8]) -> Vec<u32> {
    let mut out = Vec::with_capacity((octets.len() * 8).div_ceil(W as usize) + 1);
    let mut buf: u64 = 0;
    let mut have = 0u32;
    for &o in octets.iter().rev() {
        buf |= u64::from(o) << have;
        have += 8;
        if have >= W {
            out.push((buf & MASK) as u32);
            buf >>= W;
            have -= W;
        }
    }
    if have > 0 || out.is_empty() {
        out.push(buf as u32);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neg_inv_is_inverse() {
        for n0 in [1u32, 3, 0x0fff_fffd, 0x0234_5671, 0x0fff_ffff] {
            assert_eq!(n0.wrapping_mul(neg_inv28(n0)) & MASK as u32, MASK as u32);
        }
    }

    #[test]
    fn worst_case_columns_do_not_overflow() {
        for k in [1, 2, 3, 73, 74, 110, 147, 292, MAX_LIMBS] {
            assert!(worst_case_columns_agree(k), "k = {k}");
        }
    }

    #[test]
    fn octets_round_trip() {
        for len in [1usize, 3, 4, 7, 28, 255, 256, 257] {
            let v: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let limbs = from_be_octets(&v);
            assert!(limbs.iter().all(|&l| u64::from(l) <= MASK));
            let mut back = vec![0u8; len];
            Modulus28::to_be(&limbs, &mut back);
            assert_eq!(back, v);
        }
    }

    #[test]
    fn rejects_even_tiny_and_large() {
        assert!(Modulus28::new(&[0x10]).is_none());
        assert!(Modulus28::new(&[]).is_none());
        assert!(Modulus28::new(&[1]).is_none());
        assert!(Modulus28::new(&[3]).is_some());
        assert!(Modulus28::new(&[0xff; 1024]).is_some()); // 8192 bits = 293 limbs
        assert!(Modulus28::new(&[0xff; 1026]).is_none()); // 8208 bits = 294 limbs
    }
}
