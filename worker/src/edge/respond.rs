//! Edge verification's answers (RFC 6750 section 3), all made by the one response builder.
//!
//! | outcome | status | `WWW-Authenticate` | body |
//! | --- | --- | --- | --- |
//! | no token | 401 | `Bearer realm="oidc-edge"` | `{kind:"token_missing"}` |
//! | unusable request (two tokens, bad body, refused path) | 400 | `Bearer error="invalid_request"` | `{kind:"invalid_request"}` |
//! | body over the route's limit | 413 | - | `{kind:"invalid_request"}` |
//! | a core error kind | the kind's status in the core's table: 401 (`Bearer error="invalid_token"`), or 503 + `Retry-After` when the keys could not be had | see left | `{kind, code, claim?, message}` |
//! | client directory (KV) unreachable | 503 + `Retry-After` | - | `{kind:"directory_unavailable"}` |
//! | route policy: scope or role (the core's check) | 403 | `Bearer error="insufficient_scope", scope="<the required scopes>"` (a role: no `scope`) | `{kind:"insufficient_scope", code, claim:"scope" or "roles", message}` |
//! | route policy: client | 403 | `Bearer error="insufficient_scope"` | `{kind:"client_not_allowed", claim:"client_id"}` |
//!
//! Bodies never echo the token.

use oidc_edge::{Error, ErrorKind};
use serde_json::{json, Map, Value};

use super::bearer::BearerError;
use super::policy::Denied;
use crate::http::HttpResponse;

/// Every refusal's body, `{kind, code, claim?, message}`, made in one place (one copy of the
/// code in the wasm, whatever the route).
fn refusal(
    status: u16,
    kind: &str,
    code: &str,
    claim: Option<&str>,
    message: &str,
    request_id: &str,
) -> HttpResponse {
    let mut body = Map::new();
    body.insert("kind".into(), kind.into());
    body.insert("code".into(), code.into());
    if let Some(c) = claim {
        body.insert("claim".into(), c.into());
    }
    body.insert("message".into(), message.into());
    HttpResponse::json(status, &Value::Object(body), request_id)
}

/// What a refusal's challenge depends on besides the error: whether the token came with the
/// `DPoP` scheme, and the nonce to send in `DPoP-Nonce` when DPoP nonces are on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Challenge {
    /// The request used `Authorization: DPoP`.
    pub dpop: bool,
    /// A fresh DPoP nonce (nonces on).
    pub nonce: Option<String>,
}

impl Challenge {
    /// Adds `DPoP-Nonce` to a response to a DPoP request, when nonces are on (RFC 9449 8:
    /// a server may send a new nonce with any response).
    pub fn with_nonce(&self, r: HttpResponse) -> HttpResponse {
        match &self.nonce {
            Some(n) if self.dpop => r.with_header("DPoP-Nonce", n),
            _ => r,
        }
    }
}

/// A core error: the status its kind has in the core's table ([`ErrorKind::http_status`]: 401
/// when the token is bad, 403 when it lacks a scope, 503 when the keys to check it could not
/// be had), with `Retry-After` (503) or the challenge: scheme `DPoP` for a request made with
/// it and for the DPoP kinds (a DPoP-bound token presented as a bearer token, a bad proof),
/// else `Bearer`; error `insufficient_scope` for 403, `use_dpop_nonce` for a missing or stale
/// nonce (with a fresh `DPoP-Nonce`), `invalid_dpop_proof` for another bad proof, else
/// `invalid_token` (RFC 6750 3.1, RFC 9449 7.1 and 8).
pub fn token_error(
    e: &Error,
    retry_after_s: u64,
    ch: &Challenge,
    request_id: &str,
) -> HttpResponse {
    let status = e.kind().http_status();
    let r = refusal(
        status,
        e.kind().as_str(),
        e.code(),
        e.claim(),
        e.message(),
        request_id,
    );
    if status == 503 {
        return r.with_header("Retry-After", &retry_after_s.max(1).to_string());
    }
    let dpop_kind = matches!(e.kind(), ErrorKind::DpopRequired | ErrorKind::DpopInvalid);
    let scheme = if ch.dpop || dpop_kind {
        "DPoP"
    } else {
        "Bearer"
    };
    let error = match e.kind() {
        _ if status == 403 => "insufficient_scope",
        ErrorKind::DpopInvalid if e.claim() == Some("nonce") => "use_dpop_nonce",
        ErrorKind::DpopInvalid => "invalid_dpop_proof",
        _ => "invalid_token",
    };
    let r = r.with_header("WWW-Authenticate", &format!(r#"{scheme} error="{error}""#));
    // A nonce goes back to every DPoP request, and to the proof refusals whatever the scheme.
    let ch = Challenge {
        dpop: ch.dpop || dpop_kind,
        nonce: ch.nonce.clone(),
    };
    ch.with_nonce(r)
}

/// No token, or an unusable request.
pub fn bearer_error(e: BearerError, request_id: &str) -> HttpResponse {
    let (status, kind, message, challenge) = match e {
        BearerError::Missing => (
            401,
            "token_missing",
            "no bearer token",
            r#"Bearer realm="oidc-edge""#,
        ),
        BearerError::Invalid(why) => (
            400,
            "invalid_request",
            why,
            r#"Bearer error="invalid_request""#,
        ),
    };
    refusal(status, kind, "ERR_JWS_INVALID", None, message, request_id)
        .with_header("WWW-Authenticate", challenge)
}

/// A body over the route's limit.
pub fn too_large(request_id: &str) -> HttpResponse {
    let message = "request body too large";
    refusal(
        413,
        "invalid_request",
        "ERR_JWS_INVALID",
        None,
        message,
        request_id,
    )
}

/// The client directory (KV) did not answer: like a key fetch failure, we could not check.
pub fn directory_unavailable(retry_after_s: u64, request_id: &str) -> HttpResponse {
    refusal(
        503,
        "directory_unavailable",
        "ERR_CLIENT_DIRECTORY_UNAVAILABLE",
        None,
        "client records unreachable",
        request_id,
    )
    .with_header("Retry-After", &retry_after_s.max(1).to_string())
}

/// A valid token the route policy refuses: a client outside `ALLOWED_CLIENTS`, or the core's
/// scope check. `insufficient_scope` for a scope names every scope the route requires in the
/// challenge (RFC 6750 3: `scope` lists what the resource needs); a missing role has no
/// OAuth parameter, so its challenge has none.
pub fn denied(
    d: &Denied,
    required_scopes: &[String],
    ch: &Challenge,
    request_id: &str,
) -> HttpResponse {
    match d {
        Denied::Scope(e) => {
            let r = token_error(e, 1, ch, request_id);
            if e.kind() != ErrorKind::InsufficientScope || e.claim() != Some("scope") {
                return r;
            }
            let scheme = if ch.dpop { "DPoP" } else { "Bearer" };
            let scope = required_scopes.join(" ");
            r.set_header(
                "WWW-Authenticate",
                &format!(r#"{scheme} error="insufficient_scope", scope="{scope}""#),
            )
        }
        Denied::ClientNotAllowed => ch.with_nonce(
            refusal(
                403,
                "client_not_allowed",
                "ERR_JWT_CLAIM_VALIDATION_FAILED",
                Some("client_id"),
                "this client may not use this route",
                request_id,
            )
            .with_header(
                "WWW-Authenticate",
                if ch.dpop {
                    r#"DPoP error="insufficient_scope""#
                } else {
                    r#"Bearer error="insufficient_scope""#
                },
            ),
        ),
    }
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
    HttpResponse::json(
        200,
        &json!({"active": true, "region": region, "client": client, "header": h, "claims": claims}),
        request_id,
    )
}

/// A key mirror: the issuer's set in its public form, cacheable by anyone for its remaining
/// freshness.
pub fn mirror(doc: &str, fresh_for_s: u64, request_id: &str) -> HttpResponse {
    HttpResponse::new(200, request_id)
        .with_body(doc.as_bytes().to_vec())
        .set_header("Content-Type", "application/jwk-set+json")
        .set_header("Cache-Control", &format!("public, max-age={fresh_for_s}"))
        .without_header("Pragma")
        .with_header("Access-Control-Allow-Origin", "*")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_errors_are_401_with_the_challenge() {
        let r = token_error(
            &Error::new(ErrorKind::Expired),
            5,
            &Challenge::default(),
            "rid",
        );
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
        let r = token_error(
            &Error::new(ErrorKind::BadSignature),
            5,
            &Challenge::default(),
            "rid",
        );
        assert!(r.json_body().unwrap().get("claim").is_none());
    }

    /// Every kind of the core's table, answered with the table's status: nothing here to drift.
    #[test]
    fn every_kind_gets_the_status_of_the_cores_table() {
        for kind in ErrorKind::ALL {
            let r = token_error(&Error::new(kind), 9, &Challenge::default(), "rid");
            assert_eq!(r.status, kind.http_status(), "{kind:?}");
            assert!(
                matches!(r.status, 401 | 403 | 503),
                "{kind:?}: {}",
                r.status
            );
            assert_eq!(
                r.header("Retry-After").is_some(),
                r.status == 503,
                "{kind:?}"
            );
            let challenge = r.header("WWW-Authenticate");
            assert_eq!(challenge.is_some(), r.status != 503, "{kind:?}");
            if r.status == 403 {
                assert_eq!(challenge, Some(r#"Bearer error="insufficient_scope""#));
            }
            assert_eq!(r.json_body().unwrap()["kind"], kind.as_str());
        }
    }

    #[test]
    fn a_dpop_bound_token_is_challenged_with_the_dpop_scheme() {
        let r = token_error(
            &Error::new(ErrorKind::DpopRequired),
            9,
            &Challenge::default(),
            "r",
        );
        assert_eq!(
            (r.status, r.header("WWW-Authenticate")),
            (401, Some(r#"DPoP error="invalid_token""#))
        );
    }

    #[test]
    fn dpop_requests_get_dpop_challenges_and_nonces() {
        let on = Challenge {
            dpop: true,
            nonce: Some("n-1".into()),
        };
        let bearer_on = Challenge {
            dpop: false,
            nonce: Some("n-1".into()),
        };
        let off = Challenge {
            dpop: true,
            nonce: None,
        };
        let proof = |claim| Error::new(ErrorKind::DpopInvalid).with_claim(claim);
        for (e, ch, challenge, nonce) in [
            (
                proof("nonce"),
                &on,
                r#"DPoP error="use_dpop_nonce""#,
                Some("n-1"),
            ),
            (
                proof("jti"),
                &on,
                r#"DPoP error="invalid_dpop_proof""#,
                Some("n-1"),
            ),
            (
                proof("htu"),
                &off,
                r#"DPoP error="invalid_dpop_proof""#,
                None,
            ),
            (
                Error::new(ErrorKind::Expired),
                &on,
                r#"DPoP error="invalid_token""#,
                Some("n-1"),
            ),
            // A bearer request: a nonce only with a DPoP challenge.
            (
                Error::new(ErrorKind::Expired),
                &bearer_on,
                r#"Bearer error="invalid_token""#,
                None,
            ),
            (
                Error::new(ErrorKind::DpopRequired),
                &bearer_on,
                r#"DPoP error="invalid_token""#,
                Some("n-1"),
            ),
        ] {
            let r = token_error(&e, 9, ch, "r");
            assert_eq!(
                (
                    r.status,
                    r.header("WWW-Authenticate"),
                    r.header("DPoP-Nonce")
                ),
                (401, Some(challenge), nonce),
                "{:?} {ch:?}",
                e.kind()
            );
        }
        let scope = Error::new(ErrorKind::InsufficientScope).with_claim("scope");
        let r = denied(&Denied::Scope(scope), &["a".to_string()], &on, "r");
        assert_eq!(
            (
                r.status,
                r.header("WWW-Authenticate"),
                r.header("DPoP-Nonce")
            ),
            (
                403,
                Some(r#"DPoP error="insufficient_scope", scope="a""#),
                Some("n-1")
            )
        );
    }

    #[test]
    fn key_fetch_failures_are_503_with_retry_after() {
        for (kind, code) in [
            (ErrorKind::JwksTimeout, "ERR_JWKS_TIMEOUT"),
            (ErrorKind::JwksUnavailable, "ERR_JOSE_GENERIC"),
        ] {
            let r = token_error(&Error::new(kind), 30, &Challenge::default(), "rid");
            assert_eq!(r.status, 503);
            assert_eq!(r.header("Retry-After"), Some("30"));
            assert_eq!(r.header("WWW-Authenticate"), None);
            assert_eq!(r.json_body().unwrap()["code"], code);
        }
        assert_eq!(
            token_error(
                &Error::new(ErrorKind::JwksTimeout),
                0,
                &Challenge::default(),
                "r"
            )
            .header("Retry-After"),
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
        let required = ["a".to_string(), "b".to_string()];
        let scope = Error::new(ErrorKind::InsufficientScope).with_claim("scope");
        let r = denied(&Denied::Scope(scope), &required, &Challenge::default(), "r");
        assert_eq!(r.status, 403);
        assert_eq!(
            r.header("WWW-Authenticate"),
            Some(r#"Bearer error="insufficient_scope", scope="a b""#)
        );
        let b = r.json_body().unwrap();
        assert_eq!(
            (b["kind"].clone(), b["claim"].clone()),
            (json!("insufficient_scope"), json!("scope"))
        );
        let role = Error::new(ErrorKind::InsufficientScope).with_claim("roles");
        let r = denied(&Denied::Scope(role), &required, &Challenge::default(), "r");
        assert_eq!(
            (r.status, r.header("WWW-Authenticate")),
            (403, Some(r#"Bearer error="insufficient_scope""#))
        );
        let bad = Error::new(ErrorKind::ClaimInvalid).with_claim("scp");
        let r = denied(&Denied::Scope(bad), &required, &Challenge::default(), "r");
        assert_eq!(
            (r.status, r.header("WWW-Authenticate")),
            (401, Some(r#"Bearer error="invalid_token""#))
        );
        let r = denied(
            &Denied::ClientNotAllowed,
            &required,
            &Challenge::default(),
            "r",
        );
        assert_eq!(
            (r.status, r.json_body().unwrap()["kind"].clone()),
            (403, json!("client_not_allowed"))
        );
        assert_eq!(too_large("r").status, 413);
    }

    #[test]
    fn mirror_headers() {
        let r = mirror(r#"{"keys":[]}"#, 42, "r");
        assert_eq!(r.header("Cache-Control"), Some("public, max-age=42"));
        assert_eq!(r.header("Content-Type"), Some("application/jwk-set+json"));
        assert_eq!(r.header("Pragma"), None);
        assert_eq!(r.header("X-Request-Id"), Some("r"));
        assert_eq!(r.body, br#"{"keys":[]}"#);
    }
}
