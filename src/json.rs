//! Strict JSON object parsing for token headers, payloads and key sets.
//!
//! On top of JSON itself (RFC 8259, as implemented by `serde_json`, which also rejects lone
//! surrogate escapes and invalid UTF-8), this parser refuses:
//!
//! - duplicate member names in any object, at any depth (RFC 7515 section 5.2 and RFC 7519
//!   section 7.2 let a parser either reject them or keep the last one; keeping one silently
//!   is how two parsers come to disagree about a token, so we reject);
//! - nesting deeper than a limit ([`DEFAULT_MAX_DEPTH`]), so input size, not shape, bounds the
//!   work and the stack;
//! - any top-level value other than an object.
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
use core::cell::Cell;
use core::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Default nesting limit: the top-level object counts as depth 1.
pub const DEFAULT_MAX_DEPTH: usize = 32;

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
    if core::str::from_utf8(bytes).is_err() {
        return Err(JsonError::NotUtf8);
    }
    let reason = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = StrictSeed {
        depth: max_depth,
        reason: &reason,
    }
    .deserialize(&mut de)
    .map_err(|_| reason.get().unwrap_or(JsonError::Syntax))?;
    de.end().map_err(|_| JsonError::Syntax)?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError::NotObject),
    }
}

/// Builds a [`Value`] while enforcing the depth limit and unique member names. The first
/// policy failure is recorded in `reason` (serde errors carry only text).
struct StrictSeed<'r> {
    depth: usize,
    reason: &'r Cell<Option<JsonError>>,
}

impl StrictSeed<'_> {
    fn fail<E: de::Error>(&self, why: JsonError) -> E {
        self.reason.set(Some(why));
        E::custom(why)
    }

    fn nested(&self) -> StrictSeed<'_> {
        StrictSeed {
            depth: self.depth.saturating_sub(1),
            reason: self.reason,
        }
    }
}

impl<'de> DeserializeSeed<'de> for StrictSeed<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| self.fail(JsonError::Syntax))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(String::from(v)))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if self.depth == 0 {
            return Err(self.fail(JsonError::TooDeep));
        }
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.nested())? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        if self.depth == 0 {
            return Err(self.fail(JsonError::TooDeep));
        }
        let mut map = Map::new();
        while let Some(name) = access.next_key::<String>()? {
            if map.contains_key(&name) {
                return Err(self.fail(JsonError::DuplicateName));
            }
            let value = access.next_value_seed(self.nested())?;
            map.insert(name, value);
        }
        Ok(Value::Object(map))
    }
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
