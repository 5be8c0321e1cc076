//! Montgomery arithmetic modulo the primes of the elliptic curves (the fields and group orders
//! of P-256, P-384, and Ed25519's group order), for signature verification only.
//!
//! One implementation serves every modulus: the number of limbs is a run-time value and the
//! storage is sized for 384 bits, so the package's WebAssembly holds one copy of this code for
//! six moduli instead of one per curve (its size is what the package is judged on). Nothing
//! here is secret (public keys, public signatures), so the code is variable time.
//!
//! The limb is the widest word whose double-width product the target multiplies natively:
//! 64 bits on 64-bit targets, 32 bits elsewhere (`wasm32`, `thumbv7em`). Every constant is
//! computed at compile time from the curve's hexadecimal parameters.

/// A machine word of the arithmetic.
#[cfg(target_pointer_width = "64")]
pub(crate) type Limb = u64;
#[cfg(target_pointer_width = "64")]
type Wide = u128;
/// A machine word of the arithmetic.
#[cfg(not(target_pointer_width = "64"))]
pub(crate) type Limb = u32;
#[cfg(not(target_pointer_width = "64"))]
type Wide = u64;

const BITS: usize = Limb::BITS as usize;
const OCTETS: usize = BITS / 8;
/// Limbs of the largest modulus (384 bits).
pub(crate) const MAX: usize = 384 / BITS;

/// A number below its modulus, little-endian limbs; limbs past the modulus' length are zero.
/// Field elements are kept in Montgomery form (`x * R mod m`); which form a value is in is
/// said where it is made.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Fe(pub(crate) [Limb; MAX]);

impl Fe {
    /// Zero (the same in both forms).
    pub(crate) const ZERO: Fe = Fe([0; MAX]);

    /// A small plain number.
    pub(crate) const fn small(v: u32) -> Fe {
        let mut x = Fe::ZERO;
        x.0[0] = v as Limb;
        x
    }

    /// Whether the value is zero.
    pub(crate) fn is_zero(&self) -> bool {
        self.0.iter().all(|&l| l == 0)
    }

    /// Bit `i` (little-endian), zero past the storage.
    pub(crate) fn bit(&self, i: usize) -> u32 {
        match self.0.get(i / BITS) {
            Some(&l) => u32::from((l >> (i % BITS)) & 1 == 1),
            None => 0,
        }
    }

    /// The number of the octets (big-endian when `big_endian`, else little-endian); `None`
    /// when there are more than the storage holds.
    pub(crate) fn read(octets: &[u8], big_endian: bool) -> Option<Fe> {
        if octets.len() > MAX * OCTETS {
            return None;
        }
        let mut x = Fe::ZERO;
        let mut put = |i: usize, o: u8| {
            if let Some(l) = x.0.get_mut(i / OCTETS) {
                *l |= (o as Limb) << (8 * (i % OCTETS));
            }
        };
        if big_endian {
            octets
                .iter()
                .rev()
                .enumerate()
                .for_each(|(i, &o)| put(i, o));
        } else {
            octets.iter().enumerate().for_each(|(i, &o)| put(i, o));
        }
        Some(x)
    }
}

/// An odd prime modulus with its Montgomery constants (`R = 2^(BITS * len)`).
#[derive(Debug)]
pub(crate) struct Modulus {
    /// The modulus.
    m: Fe,
    /// Limbs in use.
    len: usize,
    /// Octets of a number's encoding.
    pub(crate) octets: usize,
    /// `-m^-1 mod 2^BITS`.
    m0inv: Limb,
    /// `R^2 mod m`: multiplying by it enters Montgomery form.
    rr: Fe,
    /// `R mod m`: one in Montgomery form.
    pub(crate) one: Fe,
}

impl Modulus {
    /// The modulus of the given big-endian hexadecimal digits (a multiple of 8 of them, for
    /// 32-bit limbs). Compile time only (the statics of the curves).
    // Indexing in a `const fn` evaluated at compile time: out of range is a build error.
    #[allow(clippy::indexing_slicing)]
    pub(crate) const fn from_hex(hex: &str) -> Modulus {
        let m = parse_hex(hex);
        let octets = hex.len() / 2;
        let len = octets * 8 / BITS;
        assert!(len * BITS == octets * 8 && len <= MAX && m.0[0] & 1 == 1);
        // Newton's iteration for m^-1 mod 2^BITS: each step doubles the correct low bits.
        let mut inv: Limb = 1;
        let mut i = 0;
        while i < 7 {
            inv = inv.wrapping_mul((2 as Limb).wrapping_sub(m.0[0].wrapping_mul(inv)));
            i += 1;
        }
        let one = times_pow2(Fe::small(1), BITS * len, &m, len);
        let rr = times_pow2(one, BITS * len, &m, len);
        Modulus {
            m,
            len,
            octets,
            m0inv: inv.wrapping_neg(),
            rr,
            one,
        }
    }

    /// `x` (plain hexadecimal, below the modulus) in Montgomery form. Compile time only.
    pub(crate) const fn const_to_mont(&self, hex: &str) -> Fe {
        times_pow2(parse_hex(hex), BITS * self.len, &self.m, self.len)
    }

    /// The big-endian `octets` (exactly [`Modulus::octets`] of them) as a plain number;
    /// `None` unless it is below the modulus.
    pub(crate) fn reduced_be(&self, octets: &[u8]) -> Option<Fe> {
        self.sized_be(octets).filter(|x| self.is_reduced(x))
    }

    /// The big-endian `octets` (exactly [`Modulus::octets`] of them) as a plain number, which
    /// may be above the modulus (a hash).
    pub(crate) fn sized_be(&self, octets: &[u8]) -> Option<Fe> {
        if octets.len() != self.octets {
            return None;
        }
        Fe::read(octets, true)
    }

    /// The modulus itself (plain).
    pub(crate) fn modulus(&self) -> &Fe {
        &self.m
    }

    /// Whether `x < m`.
    pub(crate) fn is_reduced(&self, x: &Fe) -> bool {
        self.sub_borrow(x, &self.m).1 != 0
    }

    /// `x mod m` for any `x` that fits the modulus' limbs, by repeated subtraction: for the
    /// values given here (a hash below `2m`, half of a 512-bit hash below `16m`) at most 15.
    pub(crate) fn reduce(&self, x: &Fe) -> Fe {
        let mut x = *x;
        loop {
            let (d, borrow) = self.sub_borrow(&x, &self.m);
            if borrow != 0 {
                return x;
            }
            x = d;
        }
    }

    /// `a + b` over the modulus' limbs, and the carry out (0 or 1).
    fn add_carry(&self, a: &Fe, b: &Fe) -> (Fe, Limb) {
        let mut s = Fe::ZERO;
        let mut carry: Limb = 0;
        for ((o, &x), &y) in s.0.iter_mut().zip(&a.0).zip(&b.0).take(self.len) {
            let t = x as Wide + y as Wide + carry as Wide;
            *o = t as Limb;
            carry = (t >> BITS) as Limb;
        }
        (s, carry)
    }

    /// `a - b` over the modulus' limbs, and the borrow out (0 or 1).
    fn sub_borrow(&self, a: &Fe, b: &Fe) -> (Fe, Limb) {
        let mut d = Fe::ZERO;
        let mut borrow: Limb = 0;
        for ((o, &x), &y) in d.0.iter_mut().zip(&a.0).zip(&b.0).take(self.len) {
            let t = (x as Wide)
                .wrapping_sub(y as Wide)
                .wrapping_sub(borrow as Wide);
            *o = t as Limb;
            borrow = ((t >> BITS) as Limb) & 1;
        }
        (d, borrow)
    }

    /// `a + b mod m`.
    // Not inlined: the point formulas call it a dozen times each, and a copy per call site
    // is most of their size in the package (its speed hardly changes: the loop dominates).
    #[inline(never)]
    pub(crate) fn add(&self, a: &Fe, b: &Fe) -> Fe {
        let (s, carry) = self.add_carry(a, b);
        let (d, borrow) = self.sub_borrow(&s, &self.m);
        // a + b >= m exactly when the sum carried out or the subtraction did not borrow.
        if carry != 0 || borrow == 0 {
            d
        } else {
            s
        }
    }

    /// `a - b mod m`.
    // Not inlined: the point formulas call it a dozen times each, and a copy per call site
    // is most of their size in the package (its speed hardly changes: the loop dominates).
    #[inline(never)]
    pub(crate) fn sub(&self, a: &Fe, b: &Fe) -> Fe {
        let (d, borrow) = self.sub_borrow(a, b);
        if borrow == 0 {
            d
        } else {
            self.add_carry(&d, &self.m).0
        }
    }

    /// `-a mod m`.
    pub(crate) fn neg(&self, a: &Fe) -> Fe {
        self.sub(&Fe::ZERO, a)
    }

    /// `a + b` (plain) when the sum is below this modulus, else `None`.
    pub(crate) fn sum_below(&self, a: &Fe, b: &Fe) -> Option<Fe> {
        let (s, carry) = self.add_carry(a, b);
        (carry == 0 && self.is_reduced(&s)).then_some(s)
    }

    /// `a * b / R mod m` (`a`, `b` below the modulus): the product of two Montgomery forms is
    /// the Montgomery form of the product, and a plain value times a Montgomery form is the
    /// plain product. Coarsely integrated operand scanning: one row of the product, then one
    /// step of reduction, which also shifts the accumulator down a limb.
    // Not inlined: the point formulas call it a dozen times each, and a copy per call site
    // is most of their size in the package (its speed hardly changes: the loop dominates).
    #[inline(never)]
    pub(crate) fn mul(&self, a: &Fe, b: &Fe) -> Fe {
        // One copy per limb count (256 and 384 bits), which the compiler unrolls: four times
        // faster in WebAssembly than a loop over a run-time count, where this is 80% of an
        // ES256 verification (and the two copies are smaller than that loop was).
        if self.len == 256 / BITS {
            self.mul_fixed::<{ 256 / BITS }>(a, b)
        } else {
            self.mul_fixed::<MAX>(a, b)
        }
    }

    /// [`Modulus::mul`] for exactly `N` limbs (`N` is the modulus' limb count).
    fn mul_fixed<const N: usize>(&self, a: &Fe, b: &Fe) -> Fe {
        let mut t = [0 as Limb; N];
        let mut top: Limb = 0;
        let m = &self.m.0;
        let [m0, ..] = *m;
        for &bi in b.0.iter().take(N) {
            let mut carry: Wide = 0;
            for (tj, &aj) in t.iter_mut().zip(&a.0) {
                let v = *tj as Wide + aj as Wide * bi as Wide + carry;
                *tj = v as Limb;
                carry = v >> BITS;
            }
            let v = top as Wide + carry;
            let over = (v >> BITS) as Limb;
            top = v as Limb;
            let t0 = t.first().copied().unwrap_or(0);
            let q = t0.wrapping_mul(self.m0inv) as Wide;
            let mut carry = (t0 as Wide + q * m0 as Wide) >> BITS;
            let mut shifted = [0 as Limb; N];
            for ((o, &tj), &mj) in shifted
                .iter_mut()
                .zip(t.iter().skip(1))
                .zip(m.iter().skip(1))
            {
                let v = tj as Wide + q * mj as Wide + carry;
                *o = v as Limb;
                carry = v >> BITS;
            }
            let v = top as Wide + carry;
            if let Some(o) = shifted.last_mut() {
                *o = v as Limb;
            }
            top = over + (v >> BITS) as Limb;
            t = shifted;
        }
        let mut r = Fe::ZERO;
        r.0.iter_mut().zip(&t).for_each(|(o, &x)| *o = x);
        let (d, borrow) = self.sub_borrow(&r, &self.m);
        if top != 0 || borrow == 0 {
            d
        } else {
            r
        }
    }

    /// `a * a / R mod m`.
    pub(crate) fn sqr(&self, a: &Fe) -> Fe {
        self.mul(a, a)
    }

    /// A plain value (below the modulus) in Montgomery form.
    pub(crate) fn to_mont(&self, x: &Fe) -> Fe {
        self.mul(x, &self.rr)
    }

    /// `a^-1` (Montgomery form in and out) by Fermat's little theorem, `a^(m-2)` left to
    /// right; zero for zero. The exponent is public, so the loop may branch on it.
    pub(crate) fn invert(&self, a: &Fe) -> Fe {
        let e = self.sub_borrow(&self.m, &Fe::small(2)).0;
        let mut acc = self.one;
        for i in (0..self.len * BITS).rev() {
            acc = self.sqr(&acc);
            if e.bit(i) == 1 {
                acc = self.mul(&acc, a);
            }
        }
        acc
    }
}

/// Big-endian hexadecimal digits as a number. Compile time only.
// Indexing in a `const fn` evaluated at compile time: out of range is a build error.
#[allow(clippy::indexing_slicing)]
const fn parse_hex(hex: &str) -> Fe {
    let digits = hex.as_bytes();
    assert!(digits.len() <= MAX * BITS / 4);
    let mut x = Fe::ZERO;
    let mut i = 0;
    while i < digits.len() {
        let d = digits[digits.len() - 1 - i];
        assert!(d.is_ascii_hexdigit());
        let v = match d {
            b'0'..=b'9' => d - b'0',
            _ => (d | 0x20) - b'a' + 10,
        };
        x.0[i / (BITS / 4)] |= (v as Limb) << (4 * (i % (BITS / 4)));
        i += 1;
    }
    x
}

/// `x * 2^k mod m` for `x < m`, by `k` modular doublings. Compile time only.
// Indexing in a `const fn` evaluated at compile time: out of range is a build error.
#[allow(clippy::indexing_slicing)]
const fn times_pow2(mut x: Fe, k: usize, m: &Fe, len: usize) -> Fe {
    let mut step = 0;
    while step < k {
        // y = 2x, with the bit shifted out of the top limb.
        let mut y = [0 as Limb; MAX];
        let mut carry: Limb = 0;
        let mut i = 0;
        while i < len {
            y[i] = (x.0[i] << 1) | carry;
            carry = x.0[i] >> (BITS - 1);
            i += 1;
        }
        // d = y - m
        let mut d = [0 as Limb; MAX];
        let mut borrow: Limb = 0;
        let mut i = 0;
        while i < len {
            let t = (y[i] as Wide)
                .wrapping_sub(m.0[i] as Wide)
                .wrapping_sub(borrow as Wide);
            d[i] = t as Limb;
            borrow = ((t >> BITS) as Limb) & 1;
            i += 1;
        }
        x = if carry != 0 || borrow == 0 {
            Fe(d)
        } else {
            Fe(y)
        };
        step += 1;
    }
    x
}
