//! SHA-256, SHA-384 and SHA-512 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), the hashes of the
//! JWS algorithms, RFC 7638 thumbprints, DPoP's `ath` and nonces.
//!
//! The crate's own, written for size: the rounds are a loop, not unrolled, so the package's
//! WebAssembly carries about 3 KB of hashing instead of the 27 KB the `sha2` crate's unrolled
//! rounds and its `digest` plumbing took. A verification hashes one token (a kilobyte or so),
//! which is a small part of its time. Tests compare with the `sha2` and `hmac` crates and the
//! FIPS 180-4 / RFC 4231 examples.
//!
//! ```
//! use oidc_edge_crypto::hash::Sha256;
//! let mut h = Sha256::new();
//! h.update(b"ab");
//! h.update(b"c");
//! assert_eq!(h.finalize(), Sha256::digest(b"abc"));
//! ```

/// The round constants of SHA-256 (the first 32 bits of the fractional parts of the cube roots
/// of the first 64 primes).
const K32: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// The round constants of SHA-384 and SHA-512 (64 bits of the same for the first 80 primes).
const K64: [u64; 80] = [
    0x428a2f98d728ae22,
    0x7137449123ef65cd,
    0xb5c0fbcfec4d3b2f,
    0xe9b5dba58189dbbc,
    0x3956c25bf348b538,
    0x59f111f1b605d019,
    0x923f82a4af194f9b,
    0xab1c5ed5da6d8118,
    0xd807aa98a3030242,
    0x12835b0145706fbe,
    0x243185be4ee4b28c,
    0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f,
    0x80deb1fe3b1696b1,
    0x9bdc06a725c71235,
    0xc19bf174cf692694,
    0xe49b69c19ef14ad2,
    0xefbe4786384f25e3,
    0x0fc19dc68b8cd5b5,
    0x240ca1cc77ac9c65,
    0x2de92c6f592b0275,
    0x4a7484aa6ea6e483,
    0x5cb0a9dcbd41fbd4,
    0x76f988da831153b5,
    0x983e5152ee66dfab,
    0xa831c66d2db43210,
    0xb00327c898fb213f,
    0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2,
    0xd5a79147930aa725,
    0x06ca6351e003826f,
    0x142929670a0e6e70,
    0x27b70a8546d22ffc,
    0x2e1b21385c26c926,
    0x4d2c6dfc5ac42aed,
    0x53380d139d95b3df,
    0x650a73548baf63de,
    0x766a0abb3c77b2a8,
    0x81c2c92e47edaee6,
    0x92722c851482353b,
    0xa2bfe8a14cf10364,
    0xa81a664bbc423001,
    0xc24b8b70d0f89791,
    0xc76c51a30654be30,
    0xd192e819d6ef5218,
    0xd69906245565a910,
    0xf40e35855771202a,
    0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8,
    0x1e376c085141ab53,
    0x2748774cdf8eeb99,
    0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63,
    0x4ed8aa4ae3418acb,
    0x5b9cca4f7763e373,
    0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc,
    0x78a5636f43172f60,
    0x84c87814a1f0ab72,
    0x8cc702081a6439ec,
    0x90befffa23631e28,
    0xa4506cebde82bde9,
    0xbef9a3f7b2c67915,
    0xc67178f2e372532b,
    0xca273eceea26619c,
    0xd186b8c721c0c207,
    0xeada7dd6cde0eb1e,
    0xf57d4f7fee6ed178,
    0x06f067aa72176fba,
    0x0a637dc5a2c898a6,
    0x113f9804bef90dae,
    0x1b710b35131c471b,
    0x28db77f523047d84,
    0x32caab7b40c72493,
    0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6,
    0x597f299cfc657e2a,
    0x5fcb6fab3ad6faec,
    0x6c44198c4a475817,
];

/// SHA-256's initial state (square roots of the first 8 primes).
const H256: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// SHA-384's initial state (square roots of the 9th to 16th primes).
const H384: [u64; 8] = [
    0xcbbb9d5dc1059ed8,
    0x629a292a367cd507,
    0x9159015a3070dd17,
    0x152fecd8f70e5939,
    0x67332667ffc00b31,
    0x8eb44a8768581511,
    0xdb0c2e0d64f98fa7,
    0x47b5481dbefa4fa4,
];

/// SHA-512's initial state (square roots of the first 8 primes).
const H512: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// One Merkle-Damgard engine per word size: the state, a partial block, the length so far.
macro_rules! engine {
    ($name:ident, $word:ty, $block:expr, $k:ident, $len_octets:expr,
     big: [$b0:expr, $b1:expr, $b2:expr, $b3:expr, $b4:expr, $b5:expr],
     small: [$s0:expr, $s1:expr, $s0shr:expr, $s2:expr, $s3:expr, $s1shr:expr]) => {
        #[derive(Clone, Debug)]
        struct $name {
            state: [$word; 8],
            buf: [u8; $block],
            used: usize,
            total: u64,
        }

        impl $name {
            const fn new(iv: [$word; 8]) -> Self {
                $name {
                    state: iv,
                    buf: [0; $block],
                    used: 0,
                    total: 0,
                }
            }

            // Not inlined (nor `finish`): the package calls them from a dozen places, and a
            // copy in each was most of the hashing's size.
            #[inline(never)]
            fn update(&mut self, mut data: &[u8]) {
                self.total = self.total.wrapping_add(data.len() as u64);
                if self.used > 0 {
                    let take = ($block - self.used).min(data.len());
                    if let (Some(dst), Some(src)) = (
                        self.buf.get_mut(self.used..self.used + take),
                        data.get(..take),
                    ) {
                        dst.copy_from_slice(src);
                    }
                    self.used += take;
                    data = data.get(take..).unwrap_or_default();
                    if self.used < $block {
                        return;
                    }
                    let block = self.buf;
                    Self::compress(&mut self.state, &block);
                    self.used = 0;
                }
                let mut blocks = data.chunks_exact($block);
                for block in &mut blocks {
                    Self::compress(&mut self.state, block);
                }
                let rest = blocks.remainder();
                if let Some(dst) = self.buf.get_mut(..rest.len()) {
                    dst.copy_from_slice(rest);
                }
                self.used = rest.len();
            }

            /// The final state: the padding `1 0...0`, then the length in bits, big-endian.
            #[inline(never)]
            fn finish(mut self) -> [$word; 8] {
                let mut tail = [0u8; 2 * $block];
                if let (Some(dst), Some(src)) =
                    (tail.get_mut(..self.used), self.buf.get(..self.used))
                {
                    dst.copy_from_slice(src);
                }
                if let Some(b) = tail.get_mut(self.used) {
                    *b = 0x80;
                }
                let end = if self.used + 1 + $len_octets <= $block {
                    $block
                } else {
                    2 * $block
                };
                let bits = (u128::from(self.total) * 8).to_be_bytes();
                if let (Some(dst), Some(src)) = (
                    tail.get_mut(end - $len_octets..end),
                    bits.get(16 - $len_octets..),
                ) {
                    dst.copy_from_slice(src);
                }
                for block in tail.chunks_exact($block).take(end / $block) {
                    Self::compress(&mut self.state, block);
                }
                self.state
            }

            fn compress(state: &mut [$word; 8], block: &[u8]) {
                const WORD: usize = core::mem::size_of::<$word>();
                let mut w = [0 as $word; $k.len()];
                for (wi, c) in w.iter_mut().zip(block.chunks_exact(WORD)) {
                    *wi = <$word>::from_be_bytes(c.try_into().unwrap_or_default());
                }
                for t in 16..$k.len() {
                    if let (Some(&a), Some(&b), Some(&c), Some(&d)) =
                        (w.get(t - 2), w.get(t - 7), w.get(t - 15), w.get(t - 16))
                    {
                        let s1 = a.rotate_right($s2) ^ a.rotate_right($s3) ^ (a >> $s1shr);
                        let s0 = c.rotate_right($s0) ^ c.rotate_right($s1) ^ (c >> $s0shr);
                        if let Some(x) = w.get_mut(t) {
                            *x = s1.wrapping_add(b).wrapping_add(s0).wrapping_add(d);
                        }
                    }
                }
                let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
                for (&k, &wt) in $k.iter().zip(w.iter()) {
                    let big1 = e.rotate_right($b3) ^ e.rotate_right($b4) ^ e.rotate_right($b5);
                    let ch = (e & f) ^ (!e & g);
                    let t1 = h
                        .wrapping_add(big1)
                        .wrapping_add(ch)
                        .wrapping_add(k)
                        .wrapping_add(wt);
                    let big0 = a.rotate_right($b0) ^ a.rotate_right($b1) ^ a.rotate_right($b2);
                    let maj = (a & b) ^ (a & c) ^ (b & c);
                    let t2 = big0.wrapping_add(maj);
                    h = g;
                    g = f;
                    f = e;
                    e = d.wrapping_add(t1);
                    d = c;
                    c = b;
                    b = a;
                    a = t1.wrapping_add(t2);
                }
                for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
                    *s = s.wrapping_add(v);
                }
            }
        }
    };
}

engine!(Engine32, u32, 64, K32, 8,
    big: [2, 13, 22, 6, 11, 25], small: [7, 18, 3, 17, 19, 10]);
engine!(Engine64, u64, 128, K64, 16,
    big: [28, 34, 39, 14, 18, 41], small: [1, 8, 7, 19, 61, 6]);

/// The first `N` octets of a state's words, big-endian (`to8` widens a word to 8 octets).
fn output<const N: usize, W: Copy>(state: &[W; 8], to8: impl Fn(W) -> [u8; 8]) -> [u8; N] {
    let width = core::mem::size_of::<W>();
    let mut out = [0u8; N];
    for (chunk, &word) in out.chunks_mut(width).zip(state) {
        if let Some(src) = to8(word).get(8 - width..8 - width + chunk.len()) {
            chunk.copy_from_slice(src);
        }
    }
    out
}

/// A SHA-256 computation (streaming).
#[derive(Clone, Debug)]
pub struct Sha256(Engine32);

/// A SHA-384 computation (streaming).
#[derive(Clone, Debug)]
pub struct Sha384(Engine64);

/// A SHA-512 computation (streaming).
#[derive(Clone, Debug)]
pub struct Sha512(Engine64);

macro_rules! hasher {
    ($name:ident, $engine:ident, $iv:ident, $out:expr, $to8:expr) => {
        impl $name {
            /// A new computation.
            pub const fn new() -> Self {
                $name($engine::new($iv))
            }

            /// Adds `data` to the message.
            pub fn update(&mut self, data: &[u8]) -> &mut Self {
                self.0.update(data);
                self
            }

            /// The hash of the message.
            pub fn finalize(self) -> [u8; $out] {
                output(&self.0.finish(), $to8)
            }

            /// The hash of `data`.
            pub fn digest(data: &[u8]) -> [u8; $out] {
                let mut h = Self::new();
                h.update(data);
                h.finalize()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }
    };
}

hasher!(Sha256, Engine32, H256, 32, |w: u32| u64::from(w)
    .to_be_bytes());
hasher!(Sha384, Engine64, H384, 48, u64::to_be_bytes);
hasher!(Sha512, Engine64, H512, 64, u64::to_be_bytes);

/// A SHA-2 function chosen at run time: the hash of an RSA scheme (also PSS's MGF1 hash), of an
/// ECDSA curve, of `at_hash` / `c_hash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hash {
    /// SHA-256 (32-octet output).
    Sha256,
    /// SHA-384 (48-octet output).
    Sha384,
    /// SHA-512 (64-octet output).
    Sha512,
}

/// A hash value of any of the three lengths, on the stack.
#[derive(Clone, Copy, Debug)]
pub struct Digest {
    buf: [u8; 64],
    len: usize,
}

impl Digest {
    /// The hash value's octets.
    pub fn as_slice(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

impl Hash {
    /// Output length in octets.
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    /// The hash of the concatenation of `parts`.
    pub fn digest_parts(self, parts: &[&[u8]]) -> Digest {
        let mut buf = [0u8; 64];
        let mut put = |value: &[u8]| {
            buf.iter_mut().zip(value).for_each(|(o, &v)| *o = v);
        };
        macro_rules! digest_with {
            ($hasher:ident) => {{
                let mut h = $hasher::new();
                for p in parts {
                    h.update(p);
                }
                put(&h.finalize());
            }};
        }
        match self {
            Hash::Sha256 => digest_with!(Sha256),
            Hash::Sha384 => digest_with!(Sha384),
            Hash::Sha512 => digest_with!(Sha512),
        }
        Digest {
            buf,
            len: self.output_len(),
        }
    }
}

/// HMAC-SHA-256 (RFC 2104) of the concatenation of `parts` under `key`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // A key longer than the block is hashed first; a shorter one is padded with zeros.
    let mut block = [0u8; 64];
    if key.len() > 64 {
        if let Some(dst) = block.get_mut(..32) {
            dst.copy_from_slice(&Sha256::digest(key));
        }
    } else if let Some(dst) = block.get_mut(..key.len()) {
        dst.copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let mut inner = Sha256::new();
    inner.update(&pad(0x36));
    for p in parts {
        inner.update(p);
    }
    let mut outer = Sha256::new();
    outer.update(&pad(0x5c)).update(&inner.finalize());
    outer.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> alloc::string::String {
        bytes.iter().map(|b| alloc::format!("{b:02x}")).collect()
    }

    /// FIPS 180-4's examples (via NIST's example values): "abc" and the two-block messages.
    #[test]
    fn fips_examples() {
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&Sha256::digest(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(
            hex(&Sha256::digest(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&Sha384::digest(b"abc")),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
             8086072ba1e7cc2358baeca134c825a7"
        );
        assert_eq!(
            hex(&Sha512::digest(b"abc")),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    /// RFC 4231 test case 2 (a short key) and 6 (a key longer than the block).
    #[test]
    fn hmac_rfc4231() {
        assert_eq!(
            hex(&hmac_sha256(
                b"Jefe",
                &[b"what do ya want ", b"for nothing?"]
            )),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                &[b"Test Using Larger Than Block-Size Key - Hash Key First"]
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
