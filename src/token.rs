//! Compact JWS parsing (RFC 7515 section 7.1): nothing here is trusted.
//!
//! [`UntrustedToken::parse`] performs check 1 (see [`crate::verify`]): the size limit, exactly
//! three segments, strict base64url for all of them (see [`crate::base64url`]) and a protected
//! header that is a UTF-8 JSON object without duplicate names. The payload is decoded from
//! base64url but parsed as JSON only after the signature check
//! ([`UntrustedToken::payload_json`]).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use crate::base64url;
use crate::error::{Error, ErrorKind};
use crate::json::{self, JsonError};

/// Default size limit for a token, in bytes (16 KiB).
pub const DEFAULT_MAX_TOKEN_SIZE: usize = 16 * 1024;

/// A compact JWS split and decoded, with its header parsed. Nothing in it is verified.
#[derive(Clone, Debug)]
pub struct UntrustedToken<'a> {
    signing_input: &'a str,
    header: Map<String, Value>,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

impl<'a> UntrustedToken<'a> {
    /// Splits and decodes `token`; refuses anything longer than `max_size` bytes first.
    pub fn parse(token: &'a str, max_size: usize) -> Result<UntrustedToken<'a>, Error> {
        if token.len() > max_size {
            return Err(Error::new(ErrorKind::TokenTooLarge));
        }
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed("a compact JWS has exactly three segments"));
        };
        if h.is_empty() {
            return Err(malformed("empty protected header"));
        }
        let header_bytes = decode(h, "protected header is not strict base64url")?;
        let payload = decode(p, "payload is not strict base64url")?;
        let signature = decode(s, "signature is not strict base64url")?;
        let header = json::parse_object(&header_bytes).map_err(|e| {
            malformed(match e {
                JsonError::DuplicateName => "protected header has duplicate member names",
                JsonError::NotObject => "protected header is not a JSON object",
                JsonError::TooDeep => "protected header is nested too deeply",
                JsonError::NotUtf8 | JsonError::Syntax => "protected header is not JSON",
            })
        })?;
        let signing_input = token.get(..h.len() + 1 + p.len()).unwrap_or(token);
        Ok(UntrustedToken {
            signing_input,
            header,
            payload,
            signature,
        })
    }

    /// The protected header.
    pub fn header(&self) -> &Map<String, Value> {
        &self.header
    }

    /// The protected header, taking it out of the token (no copy).
    pub(crate) fn into_header(self) -> Map<String, Value> {
        self.header
    }

    /// The header's `alg` if it is a string.
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// The header's `kid` if it is a string.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// The exact received `header.payload` text: what the signature covers.
    pub fn signing_input(&self) -> &'a str {
        self.signing_input
    }

    /// The decoded payload octets (not yet parsed).
    pub fn payload_bytes(&self) -> &[u8] {
        &self.payload
    }

    /// The decoded signature octets.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Parses the payload as a strict JSON object (check 5). Fails with `malformed`
    /// (code `ERR_JWT_INVALID`).
    pub fn payload_json(&self) -> Result<Map<String, Value>, Error> {
        json::parse_object(&self.payload).map_err(|e| {
            Error::malformed_payload(match e {
                JsonError::DuplicateName => "payload has duplicate claim names",
                JsonError::NotObject => "payload is not a JSON object",
                JsonError::TooDeep => "payload is nested too deeply",
                JsonError::NotUtf8 => "payload is not UTF-8",
                JsonError::Syntax => "payload is not JSON",
            })
        })
    }
}

fn malformed(message: &'static str) -> Error {
    Error::new(ErrorKind::Malformed).with_message(Cow::Borrowed(message))
}

fn decode(segment: &str, message: &'static str) -> Result<Vec<u8>, Error> {
    base64url::decode(segment.as_bytes()).map_err(|_| malformed(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HDR: &str = "eyJhbGciOiJSUzI1NiJ9"; // {"alg":"RS256"}

    #[test]
    fn splits() {
        let t = alloc::format!("{HDR}.e30.AAEC");
        let u = UntrustedToken::parse(&t, 1000).unwrap();
        assert_eq!(u.alg(), Some("RS256"));
        assert_eq!(u.signing_input(), alloc::format!("{HDR}.e30"));
        assert_eq!(u.signature(), [0, 1, 2]);
        assert!(u.payload_json().unwrap().is_empty());
    }

    #[test]
    fn structure_errors() {
        for bad in [
            "",
            "a.b",
            "a.b.c.d",
            ".e30.",
            "e30.e30.AA=",
            "e30 .e30.AA",
            "e30.e30.A",
        ] {
            let e = UntrustedToken::parse(bad, 1000).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Malformed, "{bad:?}");
            assert_eq!(e.code(), "ERR_JWS_INVALID");
        }
        // header "[]" and a header with duplicate names
        let e = UntrustedToken::parse("W10.e30.", 1000).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Malformed);
        let big = "a".repeat(20);
        let e = UntrustedToken::parse(&big, 19).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TokenTooLarge);
    }
}
