//! Arithmetic modulo `2^255 - 19` for Ed25519 verification: ten signed limbs alternating 26
//! and 25 bits (radix `2^25.5`), whose products fit 64 bits with room to add ten of them, so a
//! multiplication is 100 word products with the reduction folded in (`2^255 = 19`) and no carry
//! until the end. Four times faster in WebAssembly than the Montgomery arithmetic the NIST
//! curves use (`field`), for about 1 KB of code; values are public, so nothing here needs
//! constant time.

/// Bits of each limb.
const WIDTH: [u32; 10] = [26, 25, 26, 25, 26, 25, 26, 25, 26, 25];

/// An element, not necessarily reduced: after every operation each limb is below its width
/// plus one bit, and the value below `2^256`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fe([i64; 10]);

/// `2p` in limbs, added before a subtraction so no limb goes negative.
const TWO_P: [i64; 10] = [
    2 * ((1 << 26) - 19),
    2 * ((1 << 25) - 1),
    2 * ((1 << 26) - 1),
    2 * ((1 << 25) - 1),
    2 * ((1 << 26) - 1),
    2 * ((1 << 25) - 1),
    2 * ((1 << 26) - 1),
    2 * ((1 << 25) - 1),
    2 * ((1 << 26) - 1),
    2 * ((1 << 25) - 1),
];

impl Fe {
    /// Zero.
    pub(crate) const ZERO: Fe = Fe([0; 10]);
    /// One.
    pub(crate) const ONE: Fe = Fe([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

    /// A small element (tests).
    #[cfg(test)]
    pub(crate) const fn small(v: i64) -> Fe {
        Fe([v, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    /// The element of 64 big-endian hexadecimal digits (below `p`). Compile time only.
    // Indexing in a `const fn` evaluated at compile time: out of range is a build error.
    #[allow(clippy::indexing_slicing)]
    pub(crate) const fn from_hex(hex: &str) -> Fe {
        let digits = hex.as_bytes();
        assert!(digits.len() == 64);
        // Little-endian bits, one digit (4 bits) at a time, into the limbs.
        let mut v = [0i64; 10];
        let mut bit = 0;
        while bit < 255 {
            let d = digits[63 - bit / 4];
            assert!(d.is_ascii_hexdigit());
            let nibble = if d <= b'9' {
                d - b'0'
            } else {
                (d | 0x20) - b'a' + 10
            };
            if (nibble >> (bit % 4)) & 1 == 1 {
                // Limb of this bit: limb i starts at ceil(25.5 i).
                let mut i: usize = 9;
                while (51 * i).div_ceil(2) > bit {
                    i -= 1;
                }
                v[i] |= 1 << (bit - (51 * i).div_ceil(2));
            }
            bit += 1;
        }
        Fe(v)
    }

    /// The low 255 bits of 32 little-endian octets (the top bit is ignored).
    pub(crate) fn from_bytes(octets: &[u8; 32]) -> Fe {
        let mut v = [0i64; 10];
        let mut pos = 0u32;
        for (limb, &w) in v.iter_mut().zip(&WIDTH) {
            let mut x: u64 = 0;
            // The limb's bits start at `pos`: read the 5 octets that cover them.
            for k in 0..5 {
                let at = (pos / 8) as usize + k;
                x |= u64::from(*octets.get(at).unwrap_or(&0)) << (8 * k);
            }
            *limb = ((x >> (pos % 8)) & ((1 << w) - 1)) as i64;
            pos += w;
        }
        Fe(v)
    }

    /// The canonical 32 little-endian octets (fully reduced, below `p`).
    pub(crate) fn to_bytes(self) -> [u8; 32] {
        let mut h = self.carried().0;
        // Now 0 <= h < 2^255 + 2^26 or so: subtract p while the value is at least p. Adding 19
        // and looking at bit 255 says whether it is (ref10's trick), at most twice here.
        for _ in 0..2 {
            let mut q = 19i64;
            for (&x, &w) in h.iter().zip(&WIDTH) {
                q = (x + q) >> w;
            }
            // q is 1 when h >= p: h - p = h + 19 - 2^255.
            let [h0, ..] = &mut h;
            *h0 += 19 * q;
            let mut carry = 0i64;
            for (x, &w) in h.iter_mut().zip(&WIDTH) {
                *x += carry;
                carry = *x >> w;
                *x -= carry << w;
            }
        }
        let mut out = [0u8; 32];
        let mut acc: u128 = 0;
        let mut bits = 0u32;
        let mut pos = 0usize;
        for (&x, &w) in h.iter().zip(&WIDTH) {
            acc |= (x as u128) << bits;
            bits += w;
            while bits >= 8 {
                if let Some(o) = out.get_mut(pos) {
                    *o = acc as u8;
                }
                pos += 1;
                acc >>= 8;
                bits -= 8;
            }
        }
        if let Some(o) = out.get_mut(pos) {
            *o = acc as u8;
        }
        out
    }

    /// Limbs back to their widths, the carry out of the top folded into the bottom as 19 times
    /// itself (`2^255 = 19`).
    fn carried(self) -> Fe {
        let mut h = self.0;
        let mut carry = 0i64;
        for (x, &w) in h.iter_mut().zip(&WIDTH) {
            *x += carry;
            carry = *x >> w;
            *x -= carry << w;
        }
        let [h0, h1, ..] = &mut h;
        *h0 += 19 * carry;
        let c = *h0 >> 26;
        *h0 -= c << 26;
        *h1 += c;
        Fe(h)
    }

    /// `a + b`.
    pub(crate) fn add(&self, b: &Fe) -> Fe {
        let mut h = self.0;
        for (x, &y) in h.iter_mut().zip(&b.0) {
            *x += y;
        }
        Fe(h).carried()
    }

    /// `a - b`.
    pub(crate) fn sub(&self, b: &Fe) -> Fe {
        let mut h = self.0;
        for ((x, &y), &t) in h.iter_mut().zip(&b.0).zip(&TWO_P) {
            *x += t - y;
        }
        Fe(h).carried()
    }

    /// `-a`.
    pub(crate) fn neg(&self) -> Fe {
        Fe::ZERO.sub(self)
    }

    /// `a * b`: every limb product once, a product of two odd (25-bit) limbs doubled (their
    /// positions sum to one bit more than the radix says), the products past the top folded in
    /// times 19 (`2^255 = 19`).
    // Written out term by term (generated by the rule above, as ref10 does): the looped form
    // was four times slower in WebAssembly, where this function is 86% of a verification.
    #[rustfmt::skip]
    pub(crate) fn mul(&self, b: &Fe) -> Fe {
        let [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9] = self.0;
        let [g0, g1, g2, g3, g4, g5, g6, g7, g8, g9] = b.0;
        let (f1_2, f3_2, f5_2, f7_2, f9_2) = (2 * f1, 2 * f3, 2 * f5, 2 * f7, 2 * f9);
        let (g1_19, g2_19, g3_19, g4_19, g5_19) = (19 * g1, 19 * g2, 19 * g3, 19 * g4, 19 * g5);
        let (g6_19, g7_19, g8_19, g9_19) = (19 * g6, 19 * g7, 19 * g8, 19 * g9);
        let h0 = f0 * g0 + f1_2 * g9_19 + f2 * g8_19 + f3_2 * g7_19 + f4 * g6_19 + f5_2 * g5_19 + f6 * g4_19 + f7_2 * g3_19 + f8 * g2_19 + f9_2 * g1_19;
        let h1 = f0 * g1 + f1 * g0 + f2 * g9_19 + f3 * g8_19 + f4 * g7_19 + f5 * g6_19 + f6 * g5_19 + f7 * g4_19 + f8 * g3_19 + f9 * g2_19;
        let h2 = f0 * g2 + f1_2 * g1 + f2 * g0 + f3_2 * g9_19 + f4 * g8_19 + f5_2 * g7_19 + f6 * g6_19 + f7_2 * g5_19 + f8 * g4_19 + f9_2 * g3_19;
        let h3 = f0 * g3 + f1 * g2 + f2 * g1 + f3 * g0 + f4 * g9_19 + f5 * g8_19 + f6 * g7_19 + f7 * g6_19 + f8 * g5_19 + f9 * g4_19;
        let h4 = f0 * g4 + f1_2 * g3 + f2 * g2 + f3_2 * g1 + f4 * g0 + f5_2 * g9_19 + f6 * g8_19 + f7_2 * g7_19 + f8 * g6_19 + f9_2 * g5_19;
        let h5 = f0 * g5 + f1 * g4 + f2 * g3 + f3 * g2 + f4 * g1 + f5 * g0 + f6 * g9_19 + f7 * g8_19 + f8 * g7_19 + f9 * g6_19;
        let h6 = f0 * g6 + f1_2 * g5 + f2 * g4 + f3_2 * g3 + f4 * g2 + f5_2 * g1 + f6 * g0 + f7_2 * g9_19 + f8 * g8_19 + f9_2 * g7_19;
        let h7 = f0 * g7 + f1 * g6 + f2 * g5 + f3 * g4 + f4 * g3 + f5 * g2 + f6 * g1 + f7 * g0 + f8 * g9_19 + f9 * g8_19;
        let h8 = f0 * g8 + f1_2 * g7 + f2 * g6 + f3_2 * g5 + f4 * g4 + f5_2 * g3 + f6 * g2 + f7_2 * g1 + f8 * g0 + f9_2 * g9_19;
        let h9 = f0 * g9 + f1 * g8 + f2 * g7 + f3 * g6 + f4 * g5 + f5 * g4 + f6 * g3 + f7 * g2 + f8 * g1 + f9 * g0;
        Fe([h0, h1, h2, h3, h4, h5, h6, h7, h8, h9]).carried()
    }

    /// `a^2`.
    pub(crate) fn sqr(&self) -> Fe {
        self.mul(self)
    }

    /// `a^(2^k)`.
    fn sqr_times(&self, k: u32) -> Fe {
        let mut x = *self;
        for _ in 0..k {
            x = x.sqr();
        }
        x
    }

    /// `a^((p - 5) / 8) = a^(2^252 - 3)`, the power in a square root, with the usual addition
    /// chain (254 squarings, 11 multiplications).
    pub(crate) fn pow_p58(&self) -> Fe {
        let z2 = self.sqr();
        let z9 = self.mul(&z2.sqr_times(2));
        let z11 = z2.mul(&z9);
        let z_5_0 = z9.mul(&z11.sqr());
        let z_10_0 = z_5_0.sqr_times(5).mul(&z_5_0);
        let z_20_0 = z_10_0.sqr_times(10).mul(&z_10_0);
        let z_40_0 = z_20_0.sqr_times(20).mul(&z_20_0);
        let z_50_0 = z_40_0.sqr_times(10).mul(&z_10_0);
        let z_100_0 = z_50_0.sqr_times(50).mul(&z_50_0);
        let z_200_0 = z_100_0.sqr_times(100).mul(&z_100_0);
        let z_250_0 = z_200_0.sqr_times(50).mul(&z_50_0);
        z_250_0.sqr_times(2).mul(self)
    }

    /// Whether two elements are equal modulo `p`.
    pub(crate) fn equals(&self, b: &Fe) -> bool {
        self.to_bytes() == b.to_bytes()
    }

    /// Whether the element is zero modulo `p`.
    pub(crate) fn is_zero(&self) -> bool {
        self.to_bytes() == [0; 32]
    }

    /// The low bit of the reduced value (the "sign" of an x-coordinate).
    pub(crate) fn is_negative(&self) -> bool {
        self.to_bytes()[0] & 1 == 1
    }
}
