//! The protected route's policy for a verified token: the logical client first, then the
//! required scopes and roles, read and checked by the core ([`oidc_edge::access`]), as every
//! adapter of the project reads them (`scope`, `scp`, `roles`).
//!
//! The client comes first: a caller the route does not admit learns nothing about scopes. Key
//! binding (`cnf`) is the core's too: the access-token profiles refuse it inside verification.

use oidc_edge::{access, Claims, Error};

use crate::config::Protect;

/// Why a valid token may not use the protected route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denied {
    /// The logical client is not in `ALLOWED_CLIENTS`.
    ClientNotAllowed,
    /// The core's scope check refused: `insufficient_scope` (claim `scope` or `roles`), or a
    /// scope claim of the wrong JSON type (`claim_invalid`).
    Scope(Error),
}

/// The route policy: the logical client allowed, then every required scope and role granted.
pub fn check_route(protect: &Protect, client: &str, claims: &Claims) -> Result<(), Denied> {
    if !protect.allowed_clients.is_empty() && !protect.allowed_clients.iter().any(|c| c == client) {
        return Err(Denied::ClientNotAllowed);
    }
    access::check_scopes(claims, &protect.required_scopes, &protect.required_roles)
        .map_err(Denied::Scope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oidc_edge::ErrorKind;
    use serde_json::json;

    fn claims(v: serde_json::Value) -> Claims {
        Claims::from_map(v.as_object().unwrap().clone()).unwrap()
    }

    fn protect(scopes: &[&str], roles: &[&str], clients: &[&str]) -> Protect {
        let strings = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        Protect {
            origin: "http://127.0.0.1:1".into(),
            origin_host: "127.0.0.1:1".into(),
            prefix: "/api/".into(),
            forward_token: false,
            required_scopes: strings(scopes),
            required_roles: strings(roles),
            allowed_clients: strings(clients),
        }
    }

    /// The verdict's kind and claim, `None` for the client refusal.
    fn verdict(r: Result<(), Denied>) -> Result<(), Option<(ErrorKind, Option<String>)>> {
        r.map_err(|d| match d {
            Denied::ClientNotAllowed => None,
            Denied::Scope(e) => Some((e.kind(), e.claim().map(str::to_string))),
        })
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn route_policy() {
        let insufficient = |claim: &str| {
            Err(Some((
                ErrorKind::InsufficientScope,
                Some(claim.to_string()),
            )))
        };
        let table: &[(
            &[&str],
            &[&str],
            &[&str],
            serde_json::Value,
            Result<(), Option<(ErrorKind, Option<String>)>>,
        )] = &[
            (&[], &[], &[], json!({}), Ok(())),
            (
                &["api:read"],
                &[],
                &[],
                json!({"scope": "api:read api:write"}),
                Ok(()),
            ),
            // Okta's `scp` array and Entra's `scp` string count as scopes.
            (&["a", "b"], &[], &[], json!({"scp": ["a", "b"]}), Ok(())),
            (&["a"], &[], &[], json!({"scp": "b a"}), Ok(())),
            (
                &["api:read", "api:write"],
                &[],
                &[],
                json!({"scope": "api:read"}),
                insufficient("scope"),
            ),
            (&["api:read"], &[], &[], json!({}), insufficient("scope")),
            // Entra app-only tokens carry `roles`.
            (
                &[],
                &["Orders.Read"],
                &[],
                json!({"roles": ["Orders.Read"]}),
                Ok(()),
            ),
            (
                &[],
                &["Orders.Read"],
                &[],
                json!({"scope": "Orders.Read"}),
                insufficient("roles"),
            ),
            (
                &["a"],
                &[],
                &[],
                json!({"scp": 5}),
                Err(Some((ErrorKind::ClaimInvalid, Some("scp".to_string())))),
            ),
            (&[], &[], &["oe_a", "oe_b"], json!({}), Ok(())),
            (&[], &[], &["oe_x"], json!({}), Err(None)),
            // The client check comes first: a stranger learns nothing about scopes.
            (&["x"], &[], &["oe_x"], json!({}), Err(None)),
        ];
        for (scopes, roles, allowed, have, want) in table {
            let got = verdict(check_route(
                &protect(scopes, roles, allowed),
                "oe_a",
                &claims(have.clone()),
            ));
            assert_eq!(got, *want, "{scopes:?} {roles:?} {allowed:?} {have}");
        }
    }
}
