//! Errors and results to HTTP (DESIGN.md sections 4 and 6b; RFC 6750 section 3).
//!
//! | outcome | status | `WWW-Authenticate` | body |
//! | --- | --- | --- | --- |
//! | no token | 401 | `Bearer realm="oidc-edge"` | `{kind:"token_missing"}` |
//! | unusable request (two tokens, bad body) | 400 | `Bearer error="invalid_request"` | `{kind:"invalid_request"}` |
//! | token error | 401 | `Bearer error="invalid_token"` | `{kind, code, claim?, message}` |
//! | `jwks_timeout` / `jwks_unavailable` | 503 + `Retry-After` | - | `{kind, code, message}` |
//! | client directory (KV) unreachable | 503 + `Retry-After` | - | `{kind:"directory_unavailable"}` |
//! | route policy: scope | 403 | `Bearer error="insufficient_scope", scope="..."` | `{kind:"insufficient_scope", claim:"scope", missing}` |
//! | route policy: client | 403 | `Bearer error="insufficient_scope"` | `{kind:"client_not_allowed", claim:"client_id"}` |
//! | not configured | 500 | - | `{error:"server_error", problems}` |
//!
//! Every response: JSON, `Cache-Control: no-store`, `X-Request-Id`. Bodies never echo the token.

use oidc_edge::{Error, ErrorKind};
use serde_json::{json, Map, Value};

use super::bearer::BearerError;
use super::policy::Denied;
use crate::http::HttpResponse;

/// A JSON response with the fixed headers.
pub fn json_response(status: u16, body: &Value, request_id: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![
            (
                "Content-Type".into(),
                "application/json;charset=UTF-8".into(),
            ),
            ("Cache-Control".into(), "no-store".into()),
            ("X-Content-Type-Options".into(), "nosniff".into()),
            ("X-Request-Id".into(), request_id.into()),
        ],
        body: serde_json::to_vec(body).unwrap_or_default(),
    }
}

/// Whether an error means "we could not check" rather than "the token is bad".
pub fn is_unavailable(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::JwksTimeout | ErrorKind::JwksUnavailable)
}

/// A core error: 401 `invalid_token`, or 503 with `Retry-After` for key fetch failures.
pub fn token_error(e: &Error, retry_after_s: u64, request_id: &str) -> HttpResponse {
    let mut body = Map::new();
    body.insert("kind".into(), e.kind().as_str().into());
    body.insert("code".into(), e.code().into());
    if let Some(c) = e.claim() {
        body.insert("claim".into(), c.into());
    }
    body.insert("message".into(), e.message().into());
    let body = Value::Object(body);
    if is_unavailable(e.kind()) {
        json_response(503, &body, request_id)
            .with_header("Retry-After", &retry_after_s.max(1).to_string())
    } else {
        json_response(401, &body, request_id)
            .with_header("WWW-Authenticate", r#"Bearer error="invalid_token""#)
    }
}

/// No token, or an unusable request.
pub fn bearer_error(e: BearerError, request_id: &str) -> HttpResponse {
    match e {
        BearerError::Missing => json_response(
            401,
            &json!({"kind": "token_missing", "code": "ERR_JWS_INVALID", "message": "no bearer token"}),
            request_id,
        )
        .with_header("WWW-Authenticate", r#"Bearer realm="oidc-edge""#),
        BearerError::Invalid(why) => json_response(
            400,
            &json!({"kind": "invalid_request", "code": "ERR_JWS_INVALID", "message": why}),
            request_id,
        )
        .with_header("WWW-Authenticate", r#"Bearer error="invalid_request""#),
    }
}

/// The client directory (KV) did not answer: like a key fetch failure, we could not check.
pub fn directory_unavailable(retry_after_s: u64, request_id: &str) -> HttpResponse {
    json_response(
        503,
        &json!({"kind": "directory_unavailable", "code": "ERR_CLIENT_DIRECTORY_UNAVAILABLE", "message": "client records unreachable"}),
        request_id,
    )
    .with_header("Retry-After", &retry_after_s.max(1).to_string())
}

/// A valid token the route policy refuses.
pub fn denied(d: &Denied, request_id: &str) -> HttpResponse {
    match d {
        Denied::InsufficientScope(missing) => {
            let scope = missing.join(" ");
            json_response(
                403,
                &json!({"kind": "insufficient_scope", "code": "ERR_JWT_CLAIM_VALIDATION_FAILED", "claim": "scope",
                        "message": "the token lacks a required scope", "missing": missing}),
                request_id,
            )
            .with_header("WWW-Authenticate", &format!(r#"Bearer error="insufficient_scope", scope="{scope}""#))
        }
        Denied::ClientNotAllowed => json_response(
            403,
            &json!({"kind": "client_not_allowed", "code": "ERR_JWT_CLAIM_VALIDATION_FAILED", "claim": "client_id",
                    "message": "this client may not use this route"}),
            request_id,
        )
        .with_header("WWW-Authenticate", r#"Bearer error="insufficient_scope""#),
    }
}

/// Edge verification is not (correctly) configured.
pub fn not_configured(problems: &[String], request_id: &str) -> HttpResponse {
    json_response(
        500,
        &json!({"error": "server_error", "error_description": "edge verification is not configured", "problems": problems}),
        request_id,
    )
}

/// `POST /verify` success: the verified claims, the logical client and the region.
pub fn verified(
    header: &Map<String, Value>,
    claims: &Map<String, Value>,
    client: &str,
    region: &str,
    request_id: &str,
) -> HttpResponse {
    let mut h = Map::new();
    for name in ["alg", "kid", "typ"] {
        if let Some(v) = header.get(name) {
            h.insert(name.into(), v.clone());
        }
    }
    json_response(
        200,
        &json!({"active": true, "region": region, "client": client, "header": h, "claims": claims}),
        request_id,
    )
}

/// A key mirror: the issuer's own set as fetched, cacheable by others for its remaining freshness.
pub fn mirror(raw: &str, fresh_for_s: u64, request_id: &str) -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: vec![
            ("Content-Type".into(), "application/jwk-set+json".into()),
            (
                "Cache-Control".into(),
                format!("public, max-age={fresh_for_s}"),
            ),
            ("X-Content-Type-Options".into(), "nosniff".into()),
            ("Access-Control-Allow-Origin".into(), "*".into()),
            ("X-Request-Id".into(), request_id.into()),
        ],
        body: raw.as_bytes().to_vec(),
    }
}

/// 405 for a known edge path.
pub fn method_not_allowed(allow: &'static str, request_id: &str) -> HttpResponse {
    json_response(
        405,
        &json!({"error": "invalid_request", "error_description": "method not allowed"}),
        request_id,
    )
    .with_header("Allow", allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_errors_are_401_with_the_challenge() {
        let e = Error::new(ErrorKind::Expired);
        let r = token_error(&e, 5, "rid");
        assert_eq!(r.status, 401);
        assert_eq!(
            r.header("WWW-Authenticate"),
            Some(r#"Bearer error="invalid_token""#)
        );
        assert_eq!(r.header("Cache-Control"), Some("no-store"));
        let b = r.json_body().unwrap();
        assert_eq!(b["kind"], "expired");
        assert_eq!(b["code"], "ERR_JWT_EXPIRED");
        assert_eq!(b["claim"], "exp");
        let r = token_error(&Error::new(ErrorKind::BadSignature), 5, "rid");
        assert!(r.json_body().unwrap().get("claim").is_none());
    }

    #[test]
    fn key_fetch_failures_are_503_with_retry_after() {
        for (kind, code) in [
            (ErrorKind::JwksTimeout, "ERR_JWKS_TIMEOUT"),
            (ErrorKind::JwksUnavailable, "ERR_JOSE_GENERIC"),
        ] {
            let r = token_error(&Error::new(kind), 30, "rid");
            assert_eq!(r.status, 503);
            assert_eq!(r.header("Retry-After"), Some("30"));
            assert_eq!(r.header("WWW-Authenticate"), None);
            assert_eq!(r.json_body().unwrap()["code"], code);
        }
        assert_eq!(
            token_error(&Error::new(ErrorKind::JwksTimeout), 0, "r").header("Retry-After"),
            Some("1")
        );
        assert_eq!(directory_unavailable(7, "r").status, 503);
    }

    #[test]
    fn bearer_and_policy_answers() {
        let r = bearer_error(BearerError::Missing, "r");
        assert_eq!(
            (r.status, r.header("WWW-Authenticate")),
            (401, Some(r#"Bearer realm="oidc-edge""#))
        );
        let r = bearer_error(BearerError::Invalid("x"), "r");
        assert_eq!(
            (r.status, r.header("WWW-Authenticate")),
            (400, Some(r#"Bearer error="invalid_request""#))
        );
        let r = denied(
            &Denied::InsufficientScope(vec!["a".into(), "b".into()]),
            "r",
        );
        assert_eq!(r.status, 403);
        assert_eq!(
            r.header("WWW-Authenticate"),
            Some(r#"Bearer error="insufficient_scope", scope="a b""#)
        );
        assert_eq!(r.json_body().unwrap()["missing"], json!(["a", "b"]));
        let r = denied(&Denied::ClientNotAllowed, "r");
        assert_eq!(
            (r.status, r.json_body().unwrap()["kind"].clone()),
            (403, json!("client_not_allowed"))
        );
    }

    #[test]
    fn mirror_headers() {
        let r = mirror(r#"{"keys":[]}"#, 42, "r");
        assert_eq!(r.header("Cache-Control"), Some("public, max-age=42"));
        assert_eq!(r.header("Content-Type"), Some("application/jwk-set+json"));
        assert_eq!(r.body, br#"{"keys":[]}"#);
    }
}
