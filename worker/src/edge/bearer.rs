//! Where the token is: `Authorization: Bearer` (RFC 6750 section 2.1) or, for `/verify` only,
//! the request body (`{"token": "..."}`, `token=...` form, or the bare token as text).

use crate::http::HttpRequest;

/// Why no token could be taken from a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BearerError {
    /// No token at all (RFC 6750 section 3.1: answer without an error code).
    Missing,
    /// Several `Authorization` headers, a token in both the header and the body, a malformed
    /// header or body (RFC 6750 `invalid_request`).
    Invalid(&'static str),
}

/// The token68 alphabet of RFC 7235 (a JWS uses a subset of it).
fn is_token68(s: &str) -> bool {
    !s.is_empty()
        && s.trim_end_matches('=').bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

/// The bearer token of the `Authorization` header, if the header is there.
/// Another scheme (`Basic`, `DPoP`, ...) counts as no bearer token: a DPoP-bound token needs
/// a proof this worker does not check.
pub fn from_authorization(req: &HttpRequest) -> Result<Option<&str>, BearerError> {
    match req.header_count("authorization") {
        0 => return Ok(None),
        1 => {}
        _ => return Err(BearerError::Invalid("several Authorization headers")),
    }
    let value = req.header("authorization").unwrap_or("").trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = rest.trim_start_matches(' ');
    if !is_token68(token) {
        return Err(BearerError::Invalid("malformed Bearer credentials"));
    }
    Ok(Some(token))
}

/// The token in a `/verify` body, if the body holds one.
pub fn from_body(content_type: Option<&str>, body: &[u8]) -> Result<Option<String>, BearerError> {
    let text = core::str::from_utf8(body).map_err(|_| BearerError::Invalid("body is not UTF-8"))?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let ct = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let token = match ct.as_str() {
        "application/json" => {
            let v: serde_json::Value = serde_json::from_slice(text.as_bytes())
                .map_err(|_| BearerError::Invalid("body is not JSON"))?;
            match v.get("token") {
                None => return Ok(None),
                Some(serde_json::Value::String(t)) => t.clone(),
                Some(_) => return Err(BearerError::Invalid("token must be a string")),
            }
        }
        "application/x-www-form-urlencoded" => {
            let mut found = None;
            for pair in text.split('&') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                if k == "token" {
                    if found.is_some() {
                        return Err(BearerError::Invalid("several token parameters"));
                    }
                    // A JWS needs no percent-decoding; anything encoded is not one of ours.
                    found = Some(v.to_string());
                }
            }
            match found {
                Some(t) => t,
                None => return Ok(None),
            }
        }
        "" | "text/plain" | "application/jwt" | "application/at+jwt" => text.to_string(),
        _ => return Err(BearerError::Invalid("unsupported content type")),
    };
    if token.is_empty() {
        return Ok(None);
    }
    Ok(Some(token))
}

/// The token of a `/verify` request: the header or the body, never both.
pub fn for_verify(req: &HttpRequest) -> Result<String, BearerError> {
    let header = from_authorization(req)?;
    let body = match req.body.as_deref() {
        None => return Err(BearerError::Invalid("body too large")),
        Some(b) => from_body(req.header("content-type"), b)?,
    };
    match (header, body) {
        (Some(_), Some(_)) => Err(BearerError::Invalid(
            "token in both the header and the body",
        )),
        (Some(h), None) => Ok(h.to_string()),
        (None, Some(b)) => Ok(b),
        (None, None) => Err(BearerError::Missing),
    }
}

/// The token of a protected-route request: the header only (RFC 6750 section 2.1; the body
/// and query forms are not accepted, the body is the origin's).
pub fn for_protected(req: &HttpRequest) -> Result<String, BearerError> {
    match from_authorization(req)? {
        Some(t) => Ok(t.to_string()),
        None => Err(BearerError::Missing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(headers: &[(&str, &str)], body: Option<&str>) -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            path: "/verify".into(),
            query: String::new(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
                .collect(),
            body: body.map(|b| b.as_bytes().to_vec()),
        }
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn header_forms() {
        let cases: &[(&[(&str, &str)], Result<Option<&str>, BearerError>)] = &[
            (&[], Ok(None)),
            (&[("Authorization", "Bearer a.b.c")], Ok(Some("a.b.c"))),
            (&[("Authorization", "bearer   a.b.c")], Ok(Some("a.b.c"))),
            (&[("Authorization", "Basic eDp5")], Ok(None)),
            (&[("Authorization", "DPoP a.b.c")], Ok(None)),
            (
                &[("Authorization", "Bearer")],
                Err(BearerError::Invalid("malformed Bearer credentials")),
            ),
            (
                &[("Authorization", "Bearer a b")],
                Err(BearerError::Invalid("malformed Bearer credentials")),
            ),
            (
                &[("Authorization", "Bearer a\"b")],
                Err(BearerError::Invalid("malformed Bearer credentials")),
            ),
            (
                &[
                    ("Authorization", "Bearer a.b.c"),
                    ("authorization", "Bearer d.e.f"),
                ],
                Err(BearerError::Invalid("several Authorization headers")),
            ),
        ];
        for (headers, want) in cases {
            let r = req(headers, Some(""));
            assert_eq!(from_authorization(&r), *want, "{headers:?}");
        }
    }

    #[test]
    fn verify_sources() {
        let json = [("Content-Type", "application/json")];
        assert_eq!(
            for_verify(&req(&json, Some(r#"{"token":"a.b.c"}"#))),
            Ok("a.b.c".into())
        );
        let form = [("Content-Type", "application/x-www-form-urlencoded")];
        assert_eq!(
            for_verify(&req(&form, Some("x=1&token=a.b.c"))),
            Ok("a.b.c".into())
        );
        assert_eq!(
            for_verify(&req(&form, Some("token=a&token=b"))),
            Err(BearerError::Invalid("several token parameters"))
        );
        assert_eq!(for_verify(&req(&[], Some(" a.b.c\n"))), Ok("a.b.c".into()));
        assert_eq!(
            for_verify(&req(
                &[("Content-Type", "text/plain; charset=utf-8")],
                Some("a.b.c")
            )),
            Ok("a.b.c".into())
        );
        assert_eq!(for_verify(&req(&[], Some(""))), Err(BearerError::Missing));
        assert_eq!(
            for_verify(&req(&json, Some("{}"))),
            Err(BearerError::Missing)
        );
        assert_eq!(
            for_verify(&req(&json, Some(r#"{"token":1}"#))),
            Err(BearerError::Invalid("token must be a string"))
        );
        assert_eq!(
            for_verify(&req(&json, Some("{"))),
            Err(BearerError::Invalid("body is not JSON"))
        );
        assert_eq!(
            for_verify(&req(&[("Content-Type", "image/png")], Some("x"))),
            Err(BearerError::Invalid("unsupported content type"))
        );
        assert_eq!(
            for_verify(&req(&[("Authorization", "Bearer h.h.h")], Some("b.b.b"))),
            Err(BearerError::Invalid(
                "token in both the header and the body"
            ))
        );
        assert_eq!(
            for_verify(&req(&[("Authorization", "Bearer h.h.h")], Some(""))),
            Ok("h.h.h".into())
        );
        assert_eq!(
            for_verify(&req(&[], None)),
            Err(BearerError::Invalid("body too large"))
        );
    }

    #[test]
    fn protected_takes_the_header_only() {
        assert_eq!(
            for_protected(&req(&[], Some("a.b.c"))),
            Err(BearerError::Missing)
        );
        assert_eq!(
            for_protected(&req(&[("Authorization", "Bearer a.b.c")], None)),
            Ok("a.b.c".into())
        );
    }
}
