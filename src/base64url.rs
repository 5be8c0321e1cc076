//! Strict unpadded base64url (RFC 4648 section 5, as JWS uses it in RFC 7515 section 2).
//!
//! Decoding accepts exactly the canonical encoding: only the 64 URL-safe characters, no `=`
//! padding, no whitespace or line breaks, a length that is not `1 (mod 4)`, and zero bits in
//! the unused low bits of the final character. So every byte string has exactly one accepted
//! encoding, and a token cannot be altered without changing its signed bytes.

use alloc::string::String;
use alloc::vec::Vec;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Why a base64url string was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// A character outside the URL-safe alphabet (including `=`, `+`, `/` and whitespace).
    InvalidCharacter,
    /// The length is `1 (mod 4)`: no byte string encodes to that.
    InvalidLength,
    /// The unused low bits of the final character are not zero (a non-canonical encoding).
    NonCanonical,
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            DecodeError::InvalidCharacter => "invalid base64url character",
            DecodeError::InvalidLength => "invalid base64url length",
            DecodeError::NonCanonical => "non-canonical base64url encoding",
        })
    }
}

/// Marks a byte outside the alphabet in [`DECODE`] (the high bit is never set in a value).
const INVALID: u8 = 0xff;

/// Each byte's 6-bit value, or [`INVALID`]: one table load per character instead of a chain
/// of range tests (decoding is on the path of every verification).
// Built at compile time: an index out of range would fail the build, it cannot panic.
#[allow(clippy::indexing_slicing)]
static DECODE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

#[inline(always)]
fn lookup(c: u8) -> u8 {
    DECODE.get(usize::from(c)).copied().unwrap_or(INVALID)
}

fn value(c: u8) -> Option<u32> {
    let v = lookup(c);
    (v != INVALID).then_some(u32::from(v))
}

/// Decodes strict unpadded base64url.
pub fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let tail_out = match input.len() % 4 {
        0 => 0,
        2 => 1,
        3 => 2,
        _ => return Err(DecodeError::InvalidLength),
    };
    let full = input.len() / 4;
    let mut out = alloc::vec![0u8; full * 3 + tail_out];
    // Whole quads: decode unconditionally, collect the high bits of the looked-up values and
    // refuse once at the end (an invalid character sets the high bit).
    let mut bad = 0u8;
    let mut chunks = input.chunks_exact(4);
    for (quad, o) in chunks.by_ref().zip(out.chunks_exact_mut(3)) {
        if let ([a, b, c, d], [o0, o1, o2]) = (quad, o) {
            let (a, b, c, d) = (lookup(*a), lookup(*b), lookup(*c), lookup(*d));
            bad |= a | b | c | d;
            let acc = (u32::from(a) << 18) | (u32::from(b) << 12) | (u32::from(c) << 6);
            let acc = acc | u32::from(d);
            *o0 = (acc >> 16) as u8;
            *o1 = (acc >> 8) as u8;
            *o2 = acc as u8;
        }
    }
    if bad & 0x80 != 0 {
        return Err(DecodeError::InvalidCharacter);
    }
    let rest = chunks.remainder();
    let mut acc = 0u32;
    for &c in rest {
        acc = (acc << 6) | value(c).ok_or(DecodeError::InvalidCharacter)?;
    }
    let last = out.get_mut(full * 3..).unwrap_or(&mut []);
    match (rest.len(), last) {
        (0, _) => {}
        (2, [o0]) => {
            // 12 bits: 8 data bits, 4 unused.
            if acc & 0xf != 0 {
                return Err(DecodeError::NonCanonical);
            }
            *o0 = (acc >> 4) as u8;
        }
        (3, [o0, o1]) => {
            // 18 bits: 16 data bits, 2 unused.
            if acc & 0x3 != 0 {
                return Err(DecodeError::NonCanonical);
            }
            *o0 = (acc >> 10) as u8;
            *o1 = (acc >> 2) as u8;
        }
        _ => return Err(DecodeError::InvalidLength),
    }
    Ok(out)
}

/// Encodes as unpadded base64url.
pub fn encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    let sym = |v: u32| char::from(ALPHABET.get((v & 63) as usize).copied().unwrap_or(b'A'));
    let mut chunks = input.chunks_exact(3);
    for c in chunks.by_ref() {
        let acc = c.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        for shift in [18, 12, 6, 0] {
            out.push(sym(acc >> shift));
        }
    }
    match *chunks.remainder() {
        [a] => {
            let acc = u32::from(a) << 16;
            out.push(sym(acc >> 18));
            out.push(sym(acc >> 12));
        }
        [a, b] => {
            let acc = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.push(sym(acc >> 18));
            out.push(sym(acc >> 12));
            out.push(sym(acc >> 6));
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        let cases: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
        ];
        for (raw, enc) in cases {
            assert_eq!(encode(raw), enc);
            assert_eq!(decode(enc.as_bytes()).unwrap(), raw);
        }
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode(b"-_8").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn strictness() {
        assert_eq!(decode(b"Zg=="), Err(DecodeError::InvalidCharacter));
        assert_eq!(decode(b"Zm9v\n"), Err(DecodeError::InvalidLength));
        assert_eq!(decode(b"Zm 9"), Err(DecodeError::InvalidCharacter));
        assert_eq!(decode(b"Zm9v\r\nZm9v"), Err(DecodeError::InvalidCharacter));
        assert_eq!(decode(b"Zm9+"), Err(DecodeError::InvalidCharacter));
        assert_eq!(decode(b"Zm9/"), Err(DecodeError::InvalidCharacter));
        assert_eq!(decode(b"Z"), Err(DecodeError::InvalidLength));
        // "Zh" has non-zero unused bits (canonical form of 0x66 is "Zg").
        assert_eq!(decode(b"Zh"), Err(DecodeError::NonCanonical));
        assert_eq!(decode(b"Zm9"), Err(DecodeError::NonCanonical));
        assert_eq!(decode(b"Zm8"), Ok(b"fo".to_vec()));
    }

    #[test]
    fn every_byte_outside_the_alphabet_is_refused_everywhere() {
        let valid = b"Zm9vYmFyYmF6"; // 12 chars: three whole quads
        for bad in 0u8..=255 {
            if ALPHABET.contains(&bad) {
                continue;
            }
            for len in [12, 11, 10] {
                for pos in 0..len {
                    let mut t = valid[..len].to_vec();
                    t[pos] = bad;
                    assert_eq!(
                        decode(&t),
                        Err(DecodeError::InvalidCharacter),
                        "{bad} at {pos}"
                    );
                }
            }
        }
        for (i, &c) in ALPHABET.iter().enumerate() {
            assert_eq!(value(c), Some(i as u32));
        }
    }

    #[test]
    fn round_trip_all_lengths() {
        let data: Vec<u8> = (0u8..=255).collect();
        for len in 0..data.len() {
            let slice = &data[..len];
            assert_eq!(decode(encode(slice).as_bytes()).unwrap(), slice);
        }
    }
}
