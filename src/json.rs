//! Strict JSON object parsing for token headers, payloads and key sets.
//!
//! A small recursive-descent parser that builds `serde_json` values directly (it accepts
//! exactly what `serde_json::from_slice` accepts and yields the same values: integers as
//! `u64` / `i64`, other numbers as `f64` computed the way `serde_json` computes them, lone
//! surrogate escapes and invalid UTF-8 refused; a differential test below holds it to that).
//! It replaces `serde_json`'s deserializer, whose generic machinery and error formatting were
//! the largest part of the npm package's .wasm after the RSA code. On top of JSON itself,
//! this parser refuses:
//!
//! - duplicate member names in any object, at any depth (RFC 7515 section 5.2 and RFC 7519
//!   section 7.2 let a parser either reject them or keep the last one; keeping one silently
//!   is how two parsers come to disagree about a token, so we reject);
//! - nesting deeper than a limit ([`DEFAULT_MAX_DEPTH`]), so input size, not shape, bounds the
//!   work and the stack;
//! - any top-level value other than an object.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde_json::{Map, Number, Value};

/// Default nesting limit: the top-level object counts as depth 1.
pub const DEFAULT_MAX_DEPTH: usize = 32;

/// `serde_json`'s own recursion limit: a container at this depth is a syntax error whatever
/// `max_depth` says (as it was when `serde_json` parsed these documents).
const RECURSION_LIMIT: usize = 128;

/// Why a document was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonError {
    /// The bytes are not UTF-8.
    NotUtf8,
    /// Not JSON (syntax error, trailing data, number out of range, bad escape, ...).
    Syntax,
    /// Valid JSON, but the top-level value is not an object.
    NotObject,
    /// An object has two members with the same name.
    DuplicateName,
    /// Objects or arrays are nested deeper than the limit.
    TooDeep,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonError::NotUtf8 => "not UTF-8",
            JsonError::Syntax => "not valid JSON",
            JsonError::NotObject => "not a JSON object",
            JsonError::DuplicateName => "duplicate member name",
            JsonError::TooDeep => "JSON nested too deeply",
        })
    }
}

/// Parses `bytes` as one JSON object with the default depth limit.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, JsonError> {
    parse_object_with_depth(bytes, DEFAULT_MAX_DEPTH)
}

/// Parses `bytes` as one JSON object, allowing at most `max_depth` levels of nesting.
pub fn parse_object_with_depth(
    bytes: &[u8],
    max_depth: usize,
) -> Result<Map<String, Value>, JsonError> {
    let text = core::str::from_utf8(bytes).map_err(|_| JsonError::NotUtf8)?;
    let mut parser = Parser {
        text,
        bytes,
        pos: 0,
        max_depth,
    };
    parser.skip_whitespace();
    let value = parser.value(1)?;
    parser.skip_whitespace();
    if parser.pos != bytes.len() {
        return Err(JsonError::Syntax);
    }
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError::NotObject),
    }
}

/// The parser's state: the document (as text and as bytes) and the read position. Errors
/// come out in document order: the first problem met while reading wins, as before.
struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    max_depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Result<u8, JsonError> {
        let b = self.peek().ok_or(JsonError::Syntax)?;
        self.pos += 1;
        Ok(b)
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), JsonError> {
        if self.next()? == b {
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    fn literal(&mut self, word: &[u8], value: Value) -> Result<Value, JsonError> {
        for &b in word {
            self.expect(b)?;
        }
        Ok(value)
    }

    /// One value at nesting `depth` (the top level is 1), whitespace before it skipped.
    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        match self.peek().ok_or(JsonError::Syntax)? {
            open @ (b'{' | b'[') => {
                if depth >= RECURSION_LIMIT {
                    return Err(JsonError::Syntax);
                }
                if depth > self.max_depth {
                    return Err(JsonError::TooDeep);
                }
                self.pos += 1;
                self.skip_whitespace();
                if open == b'{' {
                    self.object(depth)
                } else {
                    self.array(depth)
                }
            }
            b'"' => {
                self.pos += 1;
                self.string().map(Value::String)
            }
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            b'-' => {
                self.pos += 1;
                self.number(false)
            }
            b'0'..=b'9' => self.number(true),
            _ => Err(JsonError::Syntax),
        }
    }

    /// After `{` and whitespace.
    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        let mut map = Map::new();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(map));
        }
        loop {
            self.expect(b'"')?;
            let name = self.string()?;
            if map.contains_key(&name) {
                return Err(JsonError::DuplicateName);
            }
            self.skip_whitespace();
            self.expect(b':')?;
            self.skip_whitespace();
            let value = self.value(depth + 1)?;
            map.insert(name, value);
            self.skip_whitespace();
            match self.next()? {
                b',' => self.skip_whitespace(),
                b'}' => return Ok(Value::Object(map)),
                _ => return Err(JsonError::Syntax),
            }
        }
    }

    /// After `[` and whitespace.
    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            match self.next()? {
                b',' => self.skip_whitespace(),
                b']' => return Ok(Value::Array(items)),
                _ => return Err(JsonError::Syntax),
            }
        }
    }

    /// After the opening `"`: the string's contents up to and including the closing `"`.
    fn string(&mut self) -> Result<String, JsonError> {
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // Both ends are at ASCII bytes (or the end), so this is a whole-character slice.
            out.push_str(self.text.get(start..self.pos).ok_or(JsonError::Syntax)?);
            match self.next()? {
                b'"' => return Ok(out),
                b'\\' => {}
                _ => return Err(JsonError::Syntax), // a control character
            }
            let c = match self.next()? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => self.unicode_escape()?,
                _ => return Err(JsonError::Syntax),
            };
            out.push(c);
        }
    }

    /// After `\\u`: one character, from a surrogate pair where needed; a lone surrogate is an
    /// error.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let n = self.hex4()?;
        let code = match n {
            0xD800..=0xDBFF => {
                self.expect(b'\\')?;
                self.expect(b'u')?;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(JsonError::Syntax);
                }
                0x1_0000 + ((n - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(JsonError::Syntax),
            _ => n,
        };
        char::from_u32(code).ok_or(JsonError::Syntax)
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut n = 0;
        for _ in 0..4 {
            let digit = char::from(self.next()?)
                .to_digit(16)
                .ok_or(JsonError::Syntax)?;
            n = n * 16 + digit;
        }
        Ok(n)
    }

    fn digit(&self) -> Option<u8> {
        self.peek().filter(u8::is_ascii_digit).map(|b| b - b'0')
    }

    /// A number (after its `-`, if any): an integer that fits as `u64` (or `i64` when
    /// negative), else an `f64` from a `u64` significand and a decimal exponent, the way
    /// `serde_json` (without its `float_roundtrip` feature) computes it, so every number
    /// keeps the value it had.
    fn number(&mut self, positive: bool) -> Result<Value, JsonError> {
        let first = self.digit().ok_or(JsonError::Syntax)?;
        self.pos += 1;
        let mut significand = u64::from(first);
        let mut exponent: i32 = 0;
        let mut overflowed = false;
        if first == 0 {
            if self.digit().is_some() {
                return Err(JsonError::Syntax); // a leading zero
            }
        } else {
            while let Some(d) = self.digit() {
                self.pos += 1;
                if overflowed {
                    exponent = exponent.saturating_add(1);
                } else if let Some(s) = significand
                    .checked_mul(10)
                    .and_then(|s| s.checked_add(u64::from(d)))
                {
                    significand = s;
                } else {
                    // Further integer digits only scale the significand.
                    overflowed = true;
                    exponent = 1;
                }
            }
        }
        let mut is_float = overflowed;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            is_float = true;
            let mut any = false;
            // Fraction digits add to the significand until the next one would overflow it
            // (even after an overflowing integer part: serde_json's order); the rest are
            // ignored.
            let mut full = false;
            while let Some(d) = self.digit() {
                self.pos += 1;
                any = true;
                if full {
                    continue;
                }
                match significand
                    .checked_mul(10)
                    .and_then(|s| s.checked_add(u64::from(d)))
                {
                    Some(s) => {
                        significand = s;
                        exponent -= 1;
                    }
                    None => full = true,
                }
            }
            if !any {
                return Err(JsonError::Syntax);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            is_float = true;
            let positive_exp = match self.peek() {
                Some(b'+') => {
                    self.pos += 1;
                    true
                }
                Some(b'-') => {
                    self.pos += 1;
                    false
                }
                _ => true,
            };
            let mut exp = i32::from(self.digit().ok_or(JsonError::Syntax)?);
            self.pos += 1;
            while let Some(d) = self.digit() {
                self.pos += 1;
                match exp
                    .checked_mul(10)
                    .and_then(|e| e.checked_add(i32::from(d)))
                {
                    Some(e) => exp = e,
                    None => {
                        // An exponent beyond i32: infinity is an error, zero stays zero.
                        if significand != 0 && positive_exp {
                            return Err(JsonError::Syntax);
                        }
                        while self.digit().is_some() {
                            self.pos += 1;
                        }
                        return float(if positive { 0.0 } else { -0.0 });
                    }
                }
            }
            exponent = if positive_exp {
                exponent.saturating_add(exp)
            } else {
                exponent.saturating_sub(exp)
            };
        }
        if !is_float {
            if positive {
                return Ok(Value::Number(significand.into()));
            }
            // `-0` and integers below i64::MIN become floats.
            #[allow(clippy::cast_possible_wrap)]
            let negative = (significand as i64).wrapping_neg();
            if negative < 0 {
                return Ok(Value::Number(negative.into()));
            }
            #[allow(clippy::cast_precision_loss)]
            return float(-(significand as f64));
        }
        let f = from_parts(significand, exponent)?;
        float(if positive { f } else { -f })
    }
}

fn float(f: f64) -> Result<Value, JsonError> {
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or(JsonError::Syntax)
}

/// `significand * 10^exponent` as `serde_json` computes it: one multiplication or division by
/// a power of ten (several divisions by 1e308 for tiny numbers); a result out of the `f64`
/// range is an error.
fn from_parts(significand: u64, mut exponent: i32) -> Result<f64, JsonError> {
    #[allow(clippy::cast_precision_loss)]
    let mut f = significand as f64;
    loop {
        match pow10(exponent.unsigned_abs()) {
            Some(pow) => {
                if exponent >= 0 {
                    f *= pow;
                    if f.is_infinite() {
                        return Err(JsonError::Syntax);
                    }
                } else {
                    f /= pow;
                }
                return Ok(f);
            }
            None => {
                if f == 0.0 {
                    return Ok(f);
                }
                if exponent >= 0 {
                    return Err(JsonError::Syntax);
                }
                f /= 1e308;
                exponent += 308;
            }
        }
    }
}

/// `10^k` rounded to the nearest `f64` (ties to even), for `k <= 308`: the value of the
/// literal `1e{k}`. Computed instead of tabulated: a table of the 309 powers was 2.4 KB of
/// incompressible data in the npm package's .wasm.
fn pow10(k: u32) -> Option<f64> {
    if k > 308 {
        return None;
    }
    if k <= 22 {
        // Every power up to 1e22 is exact, and so is each product on the way.
        let mut f = 1.0;
        for _ in 0..k {
            f *= 10.0;
        }
        return Some(f);
    }
    // 10^k exactly, as little-endian 32-bit limbs (10^308 < 2^1024: 32 limbs).
    let mut limbs = [0u32; 32];
    let mut len = 1;
    if let Some(first) = limbs.first_mut() {
        *first = 1;
    }
    for _ in 0..k {
        let mut carry = 0u64;
        for limb in limbs.iter_mut().take(len) {
            let v = u64::from(*limb) * 10 + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            *limbs.get_mut(len)? = carry as u32;
            len += 1;
        }
    }
    let bit = |i: usize| limbs.get(i / 32).is_some_and(|l| (l >> (i % 32)) & 1 == 1);
    let top = *limbs.get(len - 1)?;
    let bits = (len - 1) * 32 + (32 - top.leading_zeros() as usize); // > 64 for k > 22
                                                                     // The leading 53 bits, the next bit (half) and whether any bit below it is set.
    let shift = bits - 53;
    let mut mantissa = (0..53).fold(0u64, |m, i| m | (u64::from(bit(shift + i)) << i));
    let half = bit(shift - 1);
    let rest = (0..shift - 1).any(bit);
    let mut exp = shift;
    if half && (rest || mantissa & 1 == 1) {
        mantissa += 1;
        if mantissa == 1 << 53 {
            mantissa >>= 1;
            exp += 1;
        }
    }
    // value = mantissa * 2^exp with mantissa in [2^52, 2^53): biased exponent exp + 52 + 1023.
    let biased = (exp + 52 + 1023) as u64;
    Some(f64::from_bits(
        (biased << 52) | (mantissa & ((1 << 52) - 1)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn accepts_objects() {
        let m = parse_object(br#" {"a":1,"b":[true,null,{"c":"d"}],"e":1.5} "#).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m["e"], serde_json::json!(1.5));
    }

    #[test]
    fn rejects() {
        assert_eq!(parse_object(b"[1]"), Err(JsonError::NotObject));
        assert_eq!(parse_object(b"\"x\""), Err(JsonError::NotObject));
        assert_eq!(parse_object(b"{"), Err(JsonError::Syntax));
        assert_eq!(parse_object(b"{} x"), Err(JsonError::Syntax));
        assert_eq!(parse_object(b"{}{}"), Err(JsonError::Syntax));
        assert_eq!(parse_object(b"{\"a\":1e999}"), Err(JsonError::Syntax));
        assert_eq!(parse_object(b"{\"a\":\"\\ud800\"}"), Err(JsonError::Syntax));
        assert_eq!(parse_object(b"{\"a\":\xff}"), Err(JsonError::NotUtf8));
        assert_eq!(
            parse_object(br#"{"a":1,"a":2}"#),
            Err(JsonError::DuplicateName)
        );
        assert_eq!(
            parse_object(br#"{"x":{"a":1,"b":{},"a":2}}"#),
            Err(JsonError::DuplicateName)
        );
        // Escaped and literal spellings of one name are the same name.
        assert_eq!(
            parse_object(br#"{"a":1,"\u0061":2}"#),
            Err(JsonError::DuplicateName)
        );
    }

    /// What `serde_json` itself makes of `text`, with this module's rules on top (checked by
    /// the callers' choice of inputs: no duplicate names, shallow nesting).
    fn reference(text: &[u8]) -> Result<Map<String, Value>, JsonError> {
        match serde_json::from_slice::<Value>(text) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(JsonError::NotObject),
            Err(_) if core::str::from_utf8(text).is_err() => Err(JsonError::NotUtf8),
            Err(_) => Err(JsonError::Syntax),
        }
    }

    fn same_as_serde_json(text: &[u8]) {
        let ours = parse_object(text);
        let theirs = reference(text);
        // Debug shows the number variant and the float's sign and digits.
        assert_eq!(
            format!("{ours:?}"),
            format!("{theirs:?}"),
            "{}",
            String::from_utf8_lossy(text)
        );
    }

    #[test]
    fn numbers_and_strings_as_serde_json() {
        let numbers = [
            "0",
            "-0",
            "1",
            "-1",
            "0.0",
            "-0.0",
            "1.5",
            "-1.5",
            "0.1",
            "2.5e-3",
            "1e5",
            "1E+5",
            "1e-5",
            "1e0",
            "0e0",
            "00",
            "01",
            "-01",
            "1.",
            ".5",
            "-",
            "--1",
            "+1",
            "1e",
            "1e+",
            "1e-",
            "1.e5",
            "1.5e",
            "0x10",
            "1_0",
            "Infinity",
            "NaN",
            "18446744073709551615",
            "18446744073709551616",
            "18446744073709551619",
            "18446744073709551616.3",
            "184467440737095516150.7",
            "1844674407370955161.5",
            "18446744073709551615.99999",
            "-9223372036854775807",
            "-9223372036854775808",
            "-9223372036854775809",
            "-18446744073709551615",
            "-18446744073709551616",
            "123456789012345678901234567890",
            "1234567890123456789012345678901234567890e-30",
            "0.000000000000000000000000000001",
            "12345678901234567890.12345678901234567890e-10",
            "1.00000000000000011102230246251565404236316680908203125",
            "9007199254740993",
            "9007199254740993.0",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.8e308",
            "-1.8e308",
            "1e308",
            "1e309",
            "10e307",
            "4.9e-324",
            "2.4e-324",
            "1e-400",
            "1e-700",
            "-1e-700",
            "0e999999999999",
            "1e99999999999",
            "1e-99999999999",
            "-1e-99999999999",
            "0e-99999999999",
            "1e2147483647",
            "1e2147483648",
            "1e-2147483648",
            "1e-2147483649",
            "0.1e2147483647",
            "100e-2147483647",
            "1699999999.999",
            "1700000000.5e0",
        ];
        for n in numbers {
            same_as_serde_json(format!("{{\"a\":{n}}}").as_bytes());
            same_as_serde_json(format!("{{\"a\":[{n}, {n} ]}}").as_bytes());
        }
        let strings: [&[u8]; 24] = [
            br#""""#,
            br#""abc""#,
            br#""\u00e9""#,
            br#""\u00E9x""#,
            br#""\ud83d\ude00""#,
            br#""\ud83d""#,
            br#""\udc00""#,
            br#""\ud83d\u0041""#,
            br#""\ud83dx""#,
            br#""\ud83d\n""#,
            br#""\ud83d\ud83d""#,
            br#""a\/b""#,
            br#""\x""#,
            br#""\u12""#,
            br#""\u12g4""#,
            br#""\"\\\b\f\n\r\t""#,
            "\"\u{1}\"".as_bytes(),
            b"\"\t\"",
            "\"\u{7f}\u{e9}\u{1F600}\"".as_bytes(),
            br#""\u0000""#,
            br#""abc"#,
            br#""\"#,
            br#""\uD800\uDC00""#,
            b"\"\xe9\"",
        ];
        for s in strings {
            let mut doc = b"{\"a\":".to_vec();
            doc.extend_from_slice(s);
            doc.push(b'}');
            same_as_serde_json(&doc);
            let mut doc = b"{".to_vec();
            doc.extend_from_slice(s);
            doc.extend_from_slice(b":1}");
            same_as_serde_json(&doc);
        }
    }

    #[test]
    fn random_documents_as_serde_json() {
        // Documents glued from JSON fragments (mostly well-formed, often not), with a fixed
        // seed: each must parse to the same value as serde_json gives, or fail alike.
        const PARTS: [&str; 34] = [
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            " ",
            "\n",
            "\"a\"",
            "\"b\"",
            "\"c\"",
            "\"\\u0061\"",
            "\"x\\ty\"",
            "0",
            "-0",
            "12",
            "-7",
            "1.5",
            "2e3",
            "-4.25E-2",
            "1e400",
            "18446744073709551616",
            "true",
            "false",
            "null",
            "tru",
            "\"",
            "\\",
            "\"\\ud800\"",
            "{\"a\":1}",
            "[1,2]",
            "{}",
            "[]",
            "\t",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut seen_ok = 0;
        for _ in 0..20_000 {
            let n = 1 + (next() % 12) as usize;
            let mut doc = String::from("{\"k\":");
            let mut names = 0;
            for _ in 0..n {
                let part = PARTS[(next() % PARTS.len() as u64) as usize];
                // Unique names keep duplicate detection (which serde_json lacks) out of it.
                if part == "\"a\"" || part == "\"b\"" || part == "\"c\"" {
                    names += 1;
                    doc.push_str(&format!("\"n{names}\""));
                } else {
                    doc.push_str(part);
                }
            }
            if next() % 2 == 0 {
                doc.push('}');
            }
            let ours = parse_object(doc.as_bytes());
            if ours == Err(JsonError::DuplicateName) {
                continue; // "{\"a\":1}" twice in one object
            }
            seen_ok += usize::from(ours.is_ok());
            same_as_serde_json(doc.as_bytes());
        }
        assert!(seen_ok > 500, "too few well-formed documents: {seen_ok}");
    }

    #[test]
    fn powers_of_ten_are_the_literals() {
        for k in 0..=308u32 {
            let literal: f64 = format!("1e{k}").parse().unwrap();
            assert_eq!(pow10(k).map(f64::to_bits), Some(literal.to_bits()), "1e{k}");
        }
        assert_eq!(pow10(309), None);
    }

    #[test]
    fn recursion_limit_as_before() {
        // serde_json's own limit (128 levels) still makes a syntax error when the caller's
        // depth limit is higher; below it the depth limit decides.
        let doc = |levels: usize| {
            format!(
                "{}{}",
                "{\"a\":".repeat(levels - 1) + "{",
                "}".repeat(levels)
            )
        };
        assert!(parse_object_with_depth(doc(127).as_bytes(), 500).is_ok());
        assert_eq!(
            parse_object_with_depth(doc(128).as_bytes(), 500),
            Err(JsonError::Syntax)
        );
        assert_eq!(
            parse_object_with_depth(doc(128).as_bytes(), 127),
            Err(JsonError::Syntax)
        );
        assert_eq!(
            parse_object_with_depth(doc(127).as_bytes(), 126),
            Err(JsonError::TooDeep)
        );
        assert_eq!(parse_object_with_depth(b"{}", 0), Err(JsonError::TooDeep));
    }

    #[test]
    fn depth_limit() {
        let ok = format!("{}{}", "{\"a\":".repeat(31) + "{", "}".repeat(32));
        assert!(parse_object(ok.as_bytes()).is_ok());
        let deep = format!("{}{}", "{\"a\":".repeat(32) + "{", "}".repeat(33));
        assert_eq!(parse_object(deep.as_bytes()), Err(JsonError::TooDeep));
        let arrays = format!("{{\"a\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(parse_object(arrays.as_bytes()), Err(JsonError::TooDeep));
    }
}
