//! Where the token is: `Authorization: Bearer` (RFC 6750 section 2.1), `Authorization: DPoP`
//! with its proof in the `DPoP` header (RFC 9449 section 7.1), or, for `/verify` only, the
//! request body (`{"token": "..."}`, `token=...` form, or the bare token as text: a bearer
//! token).

use crate::http::HttpRequest;

/// How the token was presented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `Authorization: Bearer`, or a `/verify` body.
    Bearer,
    /// `Authorization: DPoP`: a proof must come with it (RFC 9449).
    Dpop,
}

/// The token of a request, how it came, and the `DPoP` header when it came with the `DPoP`
/// scheme (`None` there: no proof, or several `DPoP` headers; the proof check refuses both).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presented {
    /// The access token.
    pub token: String,
    /// Its scheme.
    pub scheme: Scheme,
    /// The one `DPoP` header's value (scheme `DPoP` only).
    pub proof: Option<String>,
}

impl Presented {
    fn new(req: &HttpRequest, scheme: Scheme, token: String) -> Presented {
        // RFC 9449 4.3 check 1: at most one DPoP header.
        let proof = match scheme {
            Scheme::Dpop if req.header_count("dpop") == 1 => req.header("dpop").map(str::to_string),
            _ => None,
        };
        Presented {
            token,
            scheme,
            proof,
        }
    }
}

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

/// The token of the `Authorization` header and its scheme (`Bearer` or `DPoP`, any case), if
/// the header is there. Another scheme (`Basic`, ...) counts as no token.
pub fn from_authorization(req: &HttpRequest) -> Result<Option<(Scheme, &str)>, BearerError> {
    match req.header_count("authorization") {
        0 => return Ok(None),
        1 => {}
        _ => return Err(BearerError::Invalid("several Authorization headers")),
    }
    let value = req.header("authorization").unwrap_or("").trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let scheme = if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Scheme::Dpop
    } else {
        return Ok(None);
    };
    let token = rest.trim_start_matches(' ');
    if !is_token68(token) {
        return Err(BearerError::Invalid("malformed credentials"));
    }
    Ok(Some((scheme, token)))
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
pub fn for_verify(req: &HttpRequest) -> Result<Presented, BearerError> {
    let header = from_authorization(req)?;
    let body = match req.body.as_deref() {
        None => return Err(BearerError::Invalid("body too large")),
        Some(b) => from_body(req.header("content-type"), b)?,
    };
    match (header, body) {
        (Some(_), Some(_)) => Err(BearerError::Invalid(
            "token in both the header and the body",
        )),
        (Some((scheme, h)), None) => Ok(Presented::new(req, scheme, h.to_string())),
        (None, Some(b)) => Ok(Presented::new(req, Scheme::Bearer, b)),
        (None, None) => Err(BearerError::Missing),
    }
}

/// The token of a protected-route request: the header only (RFC 6750 section 2.1; the body
/// and query forms are not accepted, the body is the origin's).
pub fn for_protected(req: &HttpRequest) -> Result<Presented, BearerError> {
    match from_authorization(req)? {
        Some((scheme, t)) => Ok(Presented::new(req, scheme, t.to_string())),
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
            origin: "https://edge.example".into(),
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
        let malformed = Err(BearerError::Invalid("malformed credentials"));
        let cases: &[(&[(&str, &str)], Result<Option<(Scheme, &str)>, BearerError>)] = &[
            (&[], Ok(None)),
            (
                &[("Authorization", "Bearer a.b.c")],
                Ok(Some((Scheme::Bearer, "a.b.c"))),
            ),
            (
                &[("Authorization", "bearer   a.b.c")],
                Ok(Some((Scheme::Bearer, "a.b.c"))),
            ),
            (&[("Authorization", "Basic eDp5")], Ok(None)),
            (
                &[("Authorization", "DPoP a.b.c")],
                Ok(Some((Scheme::Dpop, "a.b.c"))),
            ),
            (
                &[("Authorization", "dpop a.b.c")],
                Ok(Some((Scheme::Dpop, "a.b.c"))),
            ),
            (&[("Authorization", "Bearer")], malformed),
            (&[("Authorization", "DPoP")], malformed),
            (&[("Authorization", "Bearer a b")], malformed),
            (&[("Authorization", "Bearer a\"b")], malformed),
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

    fn verify(r: &HttpRequest) -> Result<String, BearerError> {
        for_verify(r).map(|p| p.token)
    }

    fn protected(r: &HttpRequest) -> Result<String, BearerError> {
        for_protected(r).map(|p| p.token)
    }

    #[test]
    fn verify_sources() {
        let json = [("Content-Type", "application/json")];
        assert_eq!(
            verify(&req(&json, Some(r#"{"token":"a.b.c"}"#))),
            Ok("a.b.c".into())
        );
        let form = [("Content-Type", "application/x-www-form-urlencoded")];
        assert_eq!(
            verify(&req(&form, Some("x=1&token=a.b.c"))),
            Ok("a.b.c".into())
        );
        assert_eq!(
            verify(&req(&form, Some("token=a&token=b"))),
            Err(BearerError::Invalid("several token parameters"))
        );
        assert_eq!(verify(&req(&[], Some(" a.b.c\n"))), Ok("a.b.c".into()));
        assert_eq!(
            verify(&req(
                &[("Content-Type", "text/plain; charset=utf-8")],
                Some("a.b.c")
            )),
            Ok("a.b.c".into())
        );
        assert_eq!(verify(&req(&[], Some(""))), Err(BearerError::Missing));
        assert_eq!(verify(&req(&json, Some("{}"))), Err(BearerError::Missing));
        assert_eq!(
            verify(&req(&json, Some(r#"{"token":1}"#))),
            Err(BearerError::Invalid("token must be a string"))
        );
        assert_eq!(
            verify(&req(&json, Some("{"))),
            Err(BearerError::Invalid("body is not JSON"))
        );
        assert_eq!(
            verify(&req(&[("Content-Type", "image/png")], Some("x"))),
            Err(BearerError::Invalid("unsupported content type"))
        );
        assert_eq!(
            verify(&req(&[("Authorization", "Bearer h.h.h")], Some("b.b.b"))),
            Err(BearerError::Invalid(
                "token in both the header and the body"
            ))
        );
        assert_eq!(
            verify(&req(&[("Authorization", "Bearer h.h.h")], Some(""))),
            Ok("h.h.h".into())
        );
        assert_eq!(
            verify(&req(&[], None)),
            Err(BearerError::Invalid("body too large"))
        );
    }

    #[test]
    fn protected_takes_the_header_only() {
        assert_eq!(
            protected(&req(&[], Some("a.b.c"))),
            Err(BearerError::Missing)
        );
        assert_eq!(
            protected(&req(&[("Authorization", "Bearer a.b.c")], None)),
            Ok("a.b.c".into())
        );
    }

    #[test]
    fn dpop_takes_exactly_one_proof_header() {
        let dpop = [("Authorization", "DPoP a.b.c"), ("DPoP", "p.p.p")];
        let p = for_protected(&req(&dpop, None)).unwrap();
        assert_eq!(
            (p.scheme, p.token.as_str(), p.proof.as_deref()),
            (Scheme::Dpop, "a.b.c", Some("p.p.p"))
        );
        let p = for_verify(&req(&dpop, Some(""))).unwrap();
        assert_eq!(p.proof.as_deref(), Some("p.p.p"));
        // No proof, or two: none is taken (the proof check refuses the request).
        let none = for_protected(&req(&[("Authorization", "DPoP a.b.c")], None)).unwrap();
        assert_eq!((none.scheme, none.proof), (Scheme::Dpop, None));
        let two = [
            ("Authorization", "DPoP a.b.c"),
            ("DPoP", "p.p.p"),
            ("dpop", "q.q.q"),
        ];
        assert_eq!(for_protected(&req(&two, None)).unwrap().proof, None);
        // A DPoP header beside a Bearer token is not a proof of anything.
        let bearer = [("Authorization", "Bearer a.b.c"), ("DPoP", "p.p.p")];
        let p = for_protected(&req(&bearer, None)).unwrap();
        assert_eq!((p.scheme, p.proof), (Scheme::Bearer, None));
        // A body token is a bearer token.
        let p = for_verify(&req(&[("DPoP", "p.p.p")], Some("a.b.c"))).unwrap();
        assert_eq!((p.scheme, p.proof), (Scheme::Bearer, None));
    }
}
