//! Small encoders and decoders the worker needs: base64 (standard and URL-safe alphabets),
//! `application/x-www-form-urlencoded`, and hex. Written here to keep the wasm small.

use std::string::String;
use std::vec::Vec;

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn encode_with(alphabet: &[u8; 64], input: &[u8], pad: bool) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..4 {
            if i < chars {
                out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648 section 4), as used by HTTP Basic.
pub fn base64_encode(input: &[u8]) -> String {
    encode_with(STD, input, true)
}

/// Unpadded base64url (RFC 4648 section 5).
pub fn base64url_encode(input: &[u8]) -> String {
    encode_with(URL, input, false)
}

fn value_of(c: u8, url: bool) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' if !url => 62,
        b'/' if !url => 63,
        b'-' if url => 62,
        b'_' if url => 63,
        _ => return None,
    } as u32)
}

fn decode_with(input: &str, url: bool) -> Option<Vec<u8>> {
    let bytes = input.as_bytes();
    // Padding is optional, but when present it must be complete and only at the end.
    let trimmed_len = bytes.iter().rev().take_while(|&&c| c == b'=').count();
    let data = &bytes[..bytes.len() - trimmed_len];
    if trimmed_len > 0 && (trimmed_len > 2 || !bytes.len().is_multiple_of(4)) {
        return None;
    }
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    for chunk in data.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value_of(c, url)? << (18 - 6 * i);
        }
        let produced = chunk.len() - 1;
        // Reject non-canonical encodings (set bits beyond the last full byte).
        let unused_bits = match chunk.len() {
            2 => n & 0xFFFF,
            3 => n & 0xFF,
            _ => 0,
        };
        if unused_bits != 0 {
            return None;
        }
        for i in 0..produced {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// Standard-alphabet base64, padding optional; `None` on any invalid or non-canonical input.
pub fn base64_decode(input: &str) -> Option<Vec<u8>> {
    decode_with(input, false)
}

/// URL-safe base64, padding optional; `None` on any invalid or non-canonical input.
pub fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    decode_with(input, true)
}

/// Decodes a key given as base64url or standard base64 (operators paste either).
pub fn base64_any_decode(input: &str) -> Option<Vec<u8>> {
    let input = input.trim();
    base64url_decode(input).or_else(|| base64_decode(input))
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Lower-case hex.
pub fn hex_encode(input: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(input.len() * 2);
    for &b in input {
        s.push(char::from(H[usize::from(b >> 4)]));
        s.push(char::from(H[usize::from(b & 15)]));
    }
    s
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte,
/// and the result must be UTF-8. `None` on a malformed escape or invalid UTF-8.
pub fn form_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = hex_val(*bytes.get(i + 1)?)?;
                let lo = hex_val(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Encodes one component for `application/x-www-form-urlencoded` (WHATWG URL "urlencoded
/// serializer": `*-._` and alphanumerics kept, space as `+`, everything else `%XX`).
pub fn form_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for &b in input.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => {
                const H: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(H[usize::from(b >> 4)]));
                out.push(char::from(H[usize::from(b & 15)]));
            }
        }
    }
    out
}

/// Splits a form body into decoded `(name, value)` pairs, in order. Empty segments (`a=1&&b=2`)
/// are skipped; a segment without `=` is a name with an empty value.
pub fn form_parse(body: &str) -> Option<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for segment in body.split('&') {
        if segment.is_empty() {
            continue;
        }
        let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
        pairs.push((form_decode(name)?, form_decode(value)?));
    }
    Some(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, enc) in cases {
            assert_eq!(base64_encode(plain.as_bytes()), enc);
            assert_eq!(base64_decode(enc).unwrap(), plain.as_bytes());
            assert_eq!(
                base64_decode(enc.trim_end_matches('=')).unwrap(),
                plain.as_bytes()
            );
            assert_eq!(
                base64url_encode(plain.as_bytes()),
                enc.trim_end_matches('=')
            );
        }
    }

    #[test]
    fn base64_alphabets_and_rejects() {
        assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64_encode(&[0xfb, 0xff]), "+/8=");
        assert_eq!(base64url_decode("-_8").unwrap(), [0xfb, 0xff]);
        assert!(base64url_decode("+/8").is_none());
        assert!(base64_decode("-_8=").is_none());
        assert!(base64_decode("Zg=").is_none()); // incomplete padding
        assert!(base64_decode("Z===").is_none());
        assert!(base64_decode("Zh==").is_none()); // non-canonical trailing bits
        assert!(base64_decode("Zm9v!").is_none());
        assert!(base64_decode("Z").is_none());
        assert!(base64_decode("Zg==Zg==").is_none());
        assert_eq!(base64_any_decode(" -_8 ").unwrap(), [0xfb, 0xff]);
        assert_eq!(base64_any_decode("+/8=").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn form_codec() {
        assert_eq!(form_decode("a+b%20c%2B%3d").unwrap(), "a b c+=");
        assert_eq!(form_decode("%C3%A9").unwrap(), "é");
        assert!(form_decode("%").is_none());
        assert!(form_decode("%4").is_none());
        assert!(form_decode("%zz").is_none());
        assert!(form_decode("%FF").is_none()); // not UTF-8
        assert_eq!(form_encode("a b+c:d/é~"), "a+b%2Bc%3Ad%2F%C3%A9%7E");
        for s in ["x y", "p@ss:w0rd/%", "é€", ""] {
            assert_eq!(form_decode(&form_encode(s)).unwrap(), s);
        }
        let pairs = form_parse("a=1&&b=&c&d=x%3Dy").unwrap();
        assert_eq!(
            pairs,
            [("a", "1"), ("b", ""), ("c", ""), ("d", "x=y")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert!(form_parse("a=%").is_none());
    }

    #[test]
    fn hex() {
        assert_eq!(hex_encode(&[0, 0xab, 0x10]), "00ab10");
    }
}
