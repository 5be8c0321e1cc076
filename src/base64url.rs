//! Strict unpadded base64url (RFC 4648 section 5, as JWS uses it in RFC 7515 section 2).
//!
//! Decoding accepts exactly the canonical encoding: only the 64 URL-safe characters, no `=`
//! padding, no whitespace or line breaks, a length that is not `1 (mod 4)`, and zero bits in
//! the unused low bits of the final character. So every byte string has exactly one accepted
//! encoding, and a token cannot be altered without changing its signed bytes.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

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

fn value(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Decodes strict unpadded base64url.
pub fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    if input.len() % 4 == 1 {
        return Err(DecodeError::InvalidLength);
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 2);
    let mut chunks = input.chunks_exact(4);
    for chunk in chunks.by_ref() {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | value(c).ok_or(DecodeError::InvalidCharacter)?;
        }
        out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
    }
    let rest = chunks.remainder();
    let mut acc = 0u32;
    for &c in rest {
        acc = (acc << 6) | value(c).ok_or(DecodeError::InvalidCharacter)?;
    }
    match rest.len() {
        0 => {}
        2 => {
            // 12 bits: 8 data bits, 4 unused.
            if acc & 0xf != 0 {
                return Err(DecodeError::NonCanonical);
            }
            out.push((acc >> 4) as u8);
        }
        3 => {
            // 18 bits: 16 data bits, 2 unused.
            if acc & 0x3 != 0 {
                return Err(DecodeError::NonCanonical);
            }
            out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]);
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
    fn round_trip_all_lengths() {
        let data: Vec<u8> = (0u8..=255).collect();
        for len in 0..data.len() {
            let slice = &data[..len];
            assert_eq!(decode(encode(slice).as_bytes()).unwrap(), slice);
        }
    }
}
