//! Parsing and validating the caller's token request (RFC 6749 sections 2.3.1, 3.2, 3.3, 4.4).
//! Nothing here touches KV or an upstream: a request rejected here costs nothing.

use std::string::{String, ToString};
use std::vec::Vec;

use crate::codec::{base64_decode, form_decode, form_parse};
use crate::http::HttpRequest;
use crate::records::MAX_CLIENT_ID_LEN;
use crate::routes::TOKEN_BODY_LIMIT as MAX_BODY_BYTES;

/// How the caller authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    /// `Authorization: Basic` (client_secret_basic).
    Basic,
    /// `client_id` + `client_secret` in the body (client_secret_post).
    Post,
}

impl AuthMethod {
    /// Name used in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Basic => "client_secret_basic",
            AuthMethod::Post => "client_secret_post",
        }
    }
}

/// A syntactically valid `client_credentials` request. The credentials are not checked yet.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// Presented client id.
    pub client_id: String,
    /// Presented client secret.
    pub client_secret: String,
    /// How they were presented.
    pub auth: AuthMethod,
    /// The `scope` parameter as sent (validated), if any.
    pub scope: Option<String>,
}

impl core::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("client_id", &self.client_id)
            .field("auth", &self.auth)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// Why the request was refused before any lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// 400, 401 or 413.
    pub status: u16,
    /// RFC 6749 5.2 error code.
    pub error: &'static str,
    /// Human-readable, fixed text (never echoes input).
    pub description: &'static str,
}

const fn reject(status: u16, error: &'static str, description: &'static str) -> Rejection {
    Rejection {
        status,
        error,
        description,
    }
}

const TOO_LARGE: Rejection = reject(413, "invalid_request", "request body too large");

/// Scope syntax, RFC 6749 3.3: `scope-token *( SP scope-token )`,
/// `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
pub fn scope_is_valid(scope: &str) -> bool {
    !scope.is_empty()
        && scope.split(' ').all(|t| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
        })
}

/// The scope in a canonical form for cache keys: tokens sorted, duplicates removed.
pub fn normalize_scope(scope: Option<&str>) -> String {
    let mut tokens: Vec<&str> = scope
        .unwrap_or("")
        .split(' ')
        .filter(|t| !t.is_empty())
        .collect();
    tokens.sort_unstable();
    tokens.dedup();
    tokens.join(" ")
}

/// Parses `Authorization: Basic` into a form-urlencoded-decoded id and secret (RFC 6749 2.3.1).
/// `None` when the header is not Basic or is malformed.
fn parse_basic(value: &str) -> Option<(String, String)> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64_decode(rest.trim())?;
    let raw = String::from_utf8(raw).ok()?;
    let (id, secret) = raw.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// Validates a token request.
pub fn parse(req: &HttpRequest) -> Result<TokenRequest, Rejection> {
    // Size first: nothing else is looked at in an oversized request.
    if let Some(len) = req.header("content-length") {
        // An unparsable value is left to the runtime; the real length is checked below.
        if len
            .trim()
            .parse::<u64>()
            .is_ok_and(|n| n > MAX_BODY_BYTES as u64)
        {
            return Err(TOO_LARGE);
        }
    }
    let body = req.body.as_deref().ok_or(TOO_LARGE)?;
    if body.len() > MAX_BODY_BYTES {
        return Err(TOO_LARGE);
    }

    let media_type = req
        .header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim();
    if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(reject(
            400,
            "invalid_request",
            "content type must be application/x-www-form-urlencoded",
        ));
    }
    if !req.query.is_empty() {
        return Err(reject(
            400,
            "invalid_request",
            "parameters must be sent in the request body",
        ));
    }
    let body = core::str::from_utf8(body)
        .map_err(|_| reject(400, "invalid_request", "malformed request body"))?;
    let pairs = form_parse(body).ok_or(reject(400, "invalid_request", "malformed request body"))?;
    // RFC 6749 3.2: no parameter more than once.
    for (i, (name, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(n, _)| n == name) {
            return Err(reject(400, "invalid_request", "repeated parameter"));
        }
    }
    // RFC 6749 3.1: a parameter without a value is treated as omitted.
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };

    // Client authentication: exactly one method (RFC 6749 2.3).
    let basic = match req.header_count("authorization") {
        0 => None,
        1 => Some(req.header("authorization").unwrap_or("")),
        _ => {
            return Err(reject(
                400,
                "invalid_request",
                "more than one Authorization header",
            ))
        }
    };
    let body_id = param("client_id");
    let body_secret = param("client_secret");
    if basic.is_some() && body_secret.is_some() {
        return Err(reject(
            400,
            "invalid_request",
            "more than one client authentication method",
        ));
    }

    match param("grant_type") {
        None => return Err(reject(400, "invalid_request", "missing grant_type")),
        Some("client_credentials") => {}
        Some(_) => {
            return Err(reject(
                400,
                "unsupported_grant_type",
                "only client_credentials is supported",
            ))
        }
    }
    let scope = param("scope");
    if let Some(s) = scope {
        if !scope_is_valid(s) {
            return Err(reject(400, "invalid_scope", "malformed scope"));
        }
    }

    let unauthenticated = reject(401, "invalid_client", "client authentication failed");
    let (client_id, client_secret, auth) = match basic {
        Some(value) => {
            let (id, secret) = parse_basic(value).ok_or(unauthenticated)?;
            if body_id.is_some_and(|b| b != id) {
                return Err(reject(
                    400,
                    "invalid_request",
                    "client_id does not match the Authorization header",
                ));
            }
            (id, secret, AuthMethod::Basic)
        }
        None => match (body_id, body_secret) {
            (Some(id), Some(secret)) => (id.to_string(), secret.to_string(), AuthMethod::Post),
            _ => return Err(unauthenticated),
        },
    };
    // An over-long id cannot be a client's: refused like an unknown one, before it could
    // become a KV key over the store's limit (a store error, a false outage in the logs).
    if client_id.is_empty() || client_secret.is_empty() || client_id.len() > MAX_CLIENT_ID_LEN {
        return Err(unauthenticated);
    }
    Ok(TokenRequest {
        client_id,
        client_secret,
        auth,
        scope: scope.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::base64_encode;

    fn req(headers: &[(&str, &str)], body: &str) -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            path: "/oauth2/token".into(),
            origin: String::new(),
            query: String::new(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
                .collect(),
            body: Some(body.as_bytes().to_vec()),
        }
    }
    const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

    fn basic(id: &str, secret: &str) -> String {
        std::format!(
            "Basic {}",
            base64_encode(std::format!("{id}:{secret}").as_bytes())
        )
    }

    #[test]
    fn accepts_basic_and_post() {
        let b = basic("app%3A1", "s+e%2Bcret");
        let r = parse(&req(
            &[FORM, ("authorization", &b)],
            "grant_type=client_credentials&scope=a+b",
        ))
        .unwrap();
        assert_eq!(
            (r.client_id.as_str(), r.client_secret.as_str()),
            ("app:1", "s e+cret")
        );
        assert_eq!(
            (r.auth, r.scope.as_deref()),
            (AuthMethod::Basic, Some("a b"))
        );

        let r = parse(&req(
            &[(
                "content-type",
                "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
            )],
            "grant_type=client_credentials&client_id=app&client_secret=pw&resource=ignored",
        ))
        .unwrap();
        assert_eq!(
            (r.client_id.as_str(), r.client_secret.as_str(), r.auth),
            ("app", "pw", AuthMethod::Post)
        );
        assert_eq!(r.scope, None);
        // Basic with a matching client_id in the body is fine; an empty scope is "omitted".
        let r = parse(&req(
            &[FORM, ("authorization", &basic("app", "pw"))],
            "grant_type=client_credentials&client_id=app&scope=",
        ))
        .unwrap();
        assert_eq!(r.scope, None);
        assert!(!std::format!("{r:?}").contains("pw"));
    }

    #[test]
    fn rejections_table() {
        let b = basic("app", "pw");
        let (be_id, be_secret, be_escape) =
            (basic("", "pw"), basic("app", ""), basic("a%zz", "pw"));
        let be_long = basic(&"a".repeat(MAX_CLIENT_ID_LEN + 1), "pw");
        assert!(parse(&req(
            &[
                FORM,
                (
                    "authorization",
                    &basic(&"a".repeat(MAX_CLIENT_ID_LEN), "pw")
                )
            ],
            "grant_type=client_credentials"
        ))
        .is_ok());
        let big = std::format!(
            "grant_type=client_credentials&x={}",
            "a".repeat(MAX_BODY_BYTES)
        );
        type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, (u16, &'a str));
        let cases: Vec<Case> = std::vec![
            (
                "too large",
                std::vec![FORM, ("authorization", &b)],
                &big,
                (413, "invalid_request")
            ),
            (
                "declared too large",
                std::vec![FORM, ("content-length", "9000")],
                "",
                (413, "invalid_request")
            ),
            (
                "bad content-length",
                std::vec![FORM, ("content-length", "x")],
                "",
                (400, "invalid_request")
            ),
            (
                "json body",
                std::vec![("content-type", "application/json"), ("authorization", &b)],
                "{}",
                (400, "invalid_request")
            ),
            (
                "no content type",
                std::vec![("authorization", &b)],
                "grant_type=client_credentials",
                (400, "invalid_request")
            ),
            (
                "bad escape",
                std::vec![FORM, ("authorization", &b)],
                "grant_type=client%ZZ",
                (400, "invalid_request")
            ),
            (
                "repeated",
                std::vec![FORM, ("authorization", &b)],
                "grant_type=client_credentials&grant_type=client_credentials",
                (400, "invalid_request")
            ),
            (
                "missing grant",
                std::vec![FORM, ("authorization", &b)],
                "scope=a",
                (400, "invalid_request")
            ),
            (
                "empty grant",
                std::vec![FORM, ("authorization", &b)],
                "grant_type=",
                (400, "invalid_request")
            ),
            (
                "password grant",
                std::vec![FORM, ("authorization", &b)],
                "grant_type=password",
                (400, "unsupported_grant_type")
            ),
            (
                "code grant",
                std::vec![FORM, ("authorization", &b)],
                "grant_type=authorization_code",
                (400, "unsupported_grant_type")
            ),
            (
                "scope double space",
                std::vec![FORM, ("authorization", &b)],
                "grant_type=client_credentials&scope=a++b",
                (400, "invalid_scope")
            ),
            (
                "scope leading space",
                std::vec![FORM, ("authorization", &b)],
                "grant_type=client_credentials&scope=+a",
                (400, "invalid_scope")
            ),
            (
                "scope quote",
                std::vec![FORM, ("authorization", &b)],
                "grant_type=client_credentials&scope=a%22",
                (400, "invalid_scope")
            ),
            (
                "scope backslash",
                std::vec![FORM, ("authorization", &b)],
                "grant_type=client_credentials&scope=a%5Cb",
                (400, "invalid_scope")
            ),
            (
                "scope non-ascii",
                std::vec![FORM, ("authorization", &b)],
                "grant_type=client_credentials&scope=%C3%A9",
                (400, "invalid_scope")
            ),
            (
                "both methods",
                std::vec![FORM, ("authorization", &b)],
                "grant_type=client_credentials&client_id=app&client_secret=pw",
                (400, "invalid_request")
            ),
            (
                "basic + other client_id",
                std::vec![FORM, ("authorization", &b)],
                "grant_type=client_credentials&client_id=other",
                (400, "invalid_request")
            ),
            (
                "two auth headers",
                std::vec![FORM, ("authorization", &b), ("authorization", &b)],
                "grant_type=client_credentials",
                (400, "invalid_request")
            ),
            (
                "no credentials",
                std::vec![FORM],
                "grant_type=client_credentials",
                (401, "invalid_client")
            ),
            (
                "id without secret",
                std::vec![FORM],
                "grant_type=client_credentials&client_id=app",
                (401, "invalid_client")
            ),
            (
                "secret without id",
                std::vec![FORM],
                "grant_type=client_credentials&client_secret=pw",
                (401, "invalid_client")
            ),
            (
                "bearer",
                std::vec![FORM, ("authorization", "Bearer abc")],
                "grant_type=client_credentials",
                (401, "invalid_client")
            ),
            (
                "basic no colon",
                std::vec![FORM, ("authorization", "Basic YXBw")],
                "grant_type=client_credentials",
                (401, "invalid_client")
            ),
            (
                "basic bad b64",
                std::vec![FORM, ("authorization", "Basic !!!")],
                "grant_type=client_credentials",
                (401, "invalid_client")
            ),
            (
                "basic empty id",
                std::vec![FORM, ("authorization", &be_id)],
                "grant_type=client_credentials",
                (401, "invalid_client")
            ),
            (
                "basic empty secret",
                std::vec![FORM, ("authorization", &be_secret)],
                "grant_type=client_credentials",
                (401, "invalid_client")
            ),
            (
                "client id over the limit",
                std::vec![FORM, ("authorization", &be_long)],
                "grant_type=client_credentials",
                (401, "invalid_client")
            ),
            (
                "basic bad escape",
                std::vec![FORM, ("authorization", &be_escape)],
                "grant_type=client_credentials",
                (401, "invalid_client")
            ),
        ];
        for (name, headers, body, (status, error)) in cases {
            let e = parse(&req(&headers, body)).unwrap_err();
            assert_eq!((e.status, e.error), (status, error), "{name}");
        }
        // Query parameters are refused (secrets do not belong in URLs).
        let mut r = req(
            &[FORM, ("authorization", &b)],
            "grant_type=client_credentials",
        );
        r.query = "client_secret=x".into();
        assert_eq!(parse(&r).unwrap_err().status, 400);
        // The glue refused to read an oversized body.
        let mut r = req(&[FORM], "");
        r.body = None;
        assert_eq!(parse(&r).unwrap_err().status, 413);
        // Exactly at the limit is fine.
        let body = std::format!(
            "grant_type=client_credentials&x={}",
            "a".repeat(MAX_BODY_BYTES - 32)
        );
        assert_eq!(body.len(), MAX_BODY_BYTES);
        assert!(parse(&req(&[FORM, ("authorization", &b)], &body)).is_ok());
    }

    #[test]
    fn scope_syntax_and_normalization() {
        for ok in ["a", "a b", "read:x write/y", "!#[]~"] {
            assert!(scope_is_valid(ok), "{ok}");
        }
        for bad in ["", " ", "a  b", "a ", "\"", "a\\b", "a\tb", "é"] {
            assert!(!scope_is_valid(bad), "{bad:?}");
        }
        assert_eq!(normalize_scope(Some("b a b c")), "a b c");
        assert_eq!(normalize_scope(None), "");
    }
}
