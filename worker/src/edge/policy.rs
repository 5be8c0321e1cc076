//! What a verified token may do: key binding (`cnf`), scopes, allowed logical clients.

use oidc_edge::{Claims, Error, ErrorKind};

use crate::config::Protect;

/// Refuses tokens bound to a key (RFC 9449 DPoP `cnf.jkt`, RFC 8705 mTLS `cnf.x5t#S256`, or
/// any other confirmation method): presented as a plain Bearer token, the proof of possession
/// would go unchecked.
pub fn check_not_bound(claims: &Claims) -> Result<(), Error> {
    if claims.get("cnf").is_some() {
        return Err(Error::new(ErrorKind::ClaimInvalid)
            .with_claim("cnf")
            .with_message("key-bound token (cnf) presented as a Bearer token"));
    }
    Ok(())
}

/// The token's scopes: the `scope` claim (space separated, RFC 8693 / RFC 9068; Cognito uses
/// it too), or an `scp` array as some providers send.
pub fn scopes(claims: &Claims) -> Vec<&str> {
    match (claims.get("scope"), claims.get("scp")) {
        (Some(serde_json::Value::String(s)), _) => s.split(' ').filter(|s| !s.is_empty()).collect(),
        (None, Some(serde_json::Value::Array(a))) => a.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// Why a valid token may not use the protected route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denied {
    /// Scopes the route requires and the token lacks.
    InsufficientScope(Vec<String>),
    /// The logical client is not in `ALLOWED_CLIENTS`.
    ClientNotAllowed,
}

/// The route policy: every required scope present, and the logical client allowed.
pub fn check_route(protect: &Protect, client: &str, token_scopes: &[&str]) -> Result<(), Denied> {
    if !protect.allowed_clients.is_empty() && !protect.allowed_clients.iter().any(|c| c == client) {
        return Err(Denied::ClientNotAllowed);
    }
    let missing: Vec<String> = protect
        .required_scopes
        .iter()
        .filter(|s| !token_scopes.contains(&s.as_str()))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(Denied::InsufficientScope(missing));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: serde_json::Value) -> Claims {
        Claims::from_map(v.as_object().unwrap().clone()).unwrap()
    }

    fn protect(scopes: &[&str], clients: &[&str]) -> Protect {
        Protect {
            origin: "http://127.0.0.1:1".into(),
            origin_host: "127.0.0.1:1".into(),
            prefix: "/api/".into(),
            forward_token: false,
            required_scopes: scopes.iter().map(|s| s.to_string()).collect(),
            allowed_clients: clients.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn bound_tokens_are_refused() {
        assert!(check_not_bound(&claims(json!({"sub": "x"}))).is_ok());
        for cnf in [json!({"jkt": "abc"}), json!({"x5t#S256": "abc"}), json!({})] {
            let e = check_not_bound(&claims(json!({"sub": "x", "cnf": cnf}))).unwrap_err();
            assert_eq!(
                (e.kind(), e.claim()),
                (ErrorKind::ClaimInvalid, Some("cnf"))
            );
        }
    }

    #[test]
    fn scope_forms() {
        assert_eq!(
            scopes(&claims(json!({"scope": "a  b c"}))),
            vec!["a", "b", "c"]
        );
        assert_eq!(
            scopes(&claims(json!({"scp": ["a", 1, "b"]}))),
            vec!["a", "b"]
        );
        assert_eq!(
            scopes(&claims(json!({"scope": 5, "scp": ["a"]}))),
            Vec::<&str>::new()
        );
        assert_eq!(scopes(&claims(json!({}))), Vec::<&str>::new());
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn route_policy() {
        let table: &[(&[&str], &[&str], &str, &[&str], Result<(), Denied>)] = &[
            (&[], &[], "oe_a", &[], Ok(())),
            (
                &["api:read"],
                &[],
                "oe_a",
                &["api:read", "api:write"],
                Ok(()),
            ),
            (
                &["api:read", "api:write"],
                &[],
                "oe_a",
                &["api:read"],
                Err(Denied::InsufficientScope(vec!["api:write".into()])),
            ),
            (
                &["api:read"],
                &[],
                "oe_a",
                &[],
                Err(Denied::InsufficientScope(vec!["api:read".into()])),
            ),
            (&[], &["oe_a", "oe_b"], "oe_b", &[], Ok(())),
            (&[], &["oe_a"], "oe_b", &[], Err(Denied::ClientNotAllowed)),
            // The client check comes first: a stranger learns nothing about scopes.
            (
                &["x"],
                &["oe_a"],
                "oe_b",
                &[],
                Err(Denied::ClientNotAllowed),
            ),
        ];
        for (req, allowed, client, have, want) in table {
            assert_eq!(
                check_route(&protect(req, allowed), client, have),
                *want,
                "{req:?} {allowed:?} {client} {have:?}"
            );
        }
    }
}
