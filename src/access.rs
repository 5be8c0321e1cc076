//! What access tokens carry beyond the registered claims: the client, the scopes and roles, and
//! the sender constraint, read the ways the mainstream providers write them.
//!
//! - **Client** ([`client`]): the first of `client_id` (RFC 9068, Keycloak, Auth0 with some
//!   settings, Cognito), `azp` (Auth0, Keycloak, Entra ID v2), `cid` (Okta) and `appid`
//!   (Entra ID v1) that the token carries, in that order.
//! - **Scopes** ([`scopes`]): `scope`, a space-separated string (RFC 8693 4.2, RFC 9068 2.2.3;
//!   Auth0, Keycloak, Cognito), and `scp`, an array of strings (Okta) or a space-separated string
//!   (Entra ID); a token carrying both grants the union.
//! - **Roles** ([`roles`]): `roles`, an array of strings (Entra ID app-only tokens carry their
//!   application permissions there, not in `scp`).
//! - **Sender constraint** ([`check_sender`]): a token carrying `cnf` (RFC 7800) is bound to a
//!   key; presented as a plain bearer token, its proof of possession would go unchecked.

use alloc::vec::Vec;

use serde_json::Value;

use crate::claims::Claims;
use crate::error::{Error, ErrorKind};

/// The claims an access token may name its client with, in the order they are read.
pub const CLIENT_CLAIMS: [&str; 4] = ["client_id", "azp", "cid", "appid"];

/// The token's client: `(claim it was read from, value)`, from the first of [`CLIENT_CLAIMS`]
/// present. A client claim that is not a string is `claim_invalid`.
pub fn client(claims: &Claims) -> Result<Option<(&'static str, &str)>, Error> {
    for name in CLIENT_CLAIMS {
        if let Some(value) = claims.get_str(name)? {
            return Ok(Some((name, value)));
        }
    }
    Ok(None)
}

/// Every scope the token grants (`scope` and `scp`, see the module docs), in order, possibly
/// with repeats. A `scope` that is not a string, or an `scp` that is neither a string nor an
/// array of strings, is `claim_invalid`.
pub fn scopes(claims: &Claims) -> Result<Vec<&str>, Error> {
    let mut out: Vec<&str> = Vec::new();
    if let Some(scope) = claims.get_str("scope")? {
        out.extend(scope.split(' ').filter(|s| !s.is_empty()));
    }
    match claims.get("scp") {
        None => {}
        Some(Value::String(s)) => out.extend(s.split(' ').filter(|s| !s.is_empty())),
        Some(Value::Array(items)) => {
            for item in items {
                out.push(item.as_str().ok_or_else(|| wrong_type("scp"))?);
            }
        }
        Some(_) => return Err(wrong_type("scp")),
    }
    Ok(out)
}

/// The token's roles (`roles`, an array of strings; absent: none). Another JSON type is
/// `claim_invalid`.
pub fn roles(claims: &Claims) -> Result<Vec<&str>, Error> {
    match claims.get("roles") {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().ok_or_else(|| wrong_type("roles")))
            .collect(),
        Some(_) => Err(wrong_type("roles")),
    }
}

/// The scope check, the last one: every required scope among [`scopes`] and every required
/// role among [`roles`], else `insufficient_scope` (claim `scope` or `roles`) naming what is
/// missing. Nothing required reads nothing.
pub fn check_scopes(
    claims: &Claims,
    required_scopes: &[alloc::string::String],
    required_roles: &[alloc::string::String],
) -> Result<(), Error> {
    // Read only what is required: a malformed scope claim fails only a route that needs it.
    if !required_scopes.is_empty() {
        require_all(required_scopes, &scopes(claims)?, "scope")?;
    }
    if !required_roles.is_empty() {
        require_all(required_roles, &roles(claims)?, "roles")?;
    }
    Ok(())
}

/// Every `required` value among `granted`, else `insufficient_scope` naming the first missing.
fn require_all(
    required: &[alloc::string::String],
    granted: &[&str],
    claim: &'static str,
) -> Result<(), Error> {
    match required.iter().find(|r| !granted.contains(&r.as_str())) {
        Some(missing) => Err(insufficient(claim, missing)),
        None => Ok(()),
    }
}

/// The sender-constraint check for access tokens presented as bearer tokens: a token with
/// `cnf.jkt` (RFC 9449 DPoP) is `dpop_required`; any other `cnf` (`x5t#S256` of RFC 8705 mTLS,
/// an unknown method, a `cnf` that is not an object) is `claim_invalid` (`cnf`).
///
/// DPoP proofs are not checked yet: once they are, a verified proof's key thumbprint is what a
/// `cnf.jkt` token will be compared with here, and only a token without `cnf` passes as bearer.
pub fn check_sender(claims: &Claims) -> Result<(), Error> {
    match claims.get("cnf") {
        None => Ok(()),
        Some(Value::Object(cnf)) if cnf.contains_key("jkt") => {
            Err(Error::new(ErrorKind::DpopRequired))
        }
        Some(_) => Err(Error::new(ErrorKind::ClaimInvalid)
            .with_claim("cnf")
            .with_message("a key-bound token (cnf) presented as a bearer token")),
    }
}

fn wrong_type(name: &'static str) -> Error {
    Error::new(ErrorKind::ClaimInvalid)
        .with_claim(name)
        .with_message("claim has the wrong JSON type")
}

fn insufficient(claim: &'static str, missing: &str) -> Error {
    let what = if claim == "roles" { "role" } else { "scope" };
    // Scope and role names are configuration, not secrets; a long one is left out to keep the
    // message short.
    let message = if missing.len() <= 48 {
        alloc::format!("missing {what} {missing}")
    } else {
        alloc::format!("missing a required {what}")
    };
    Error::new(ErrorKind::InsufficientScope)
        .with_claim(claim)
        .with_message(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Claims {
        match v {
            Value::Object(m) => Claims::from_map(m).unwrap(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn client_order() {
        let c = claims(json!({"appid": "a", "cid": "c", "azp": "z"}));
        assert_eq!(client(&c).unwrap(), Some(("azp", "z")));
        let c = claims(json!({"appid": "a", "cid": "c"}));
        assert_eq!(client(&c).unwrap(), Some(("cid", "c")));
        let c = claims(json!({"appid": "a", "client_id": "i"}));
        assert_eq!(client(&c).unwrap(), Some(("client_id", "i")));
        assert_eq!(client(&claims(json!({}))).unwrap(), None);
        let e = client(&claims(json!({"cid": 1}))).unwrap_err();
        assert_eq!(
            (e.kind(), e.claim()),
            (ErrorKind::ClaimInvalid, Some("cid"))
        );
    }

    #[test]
    fn scope_forms() {
        let c = claims(json!({"scope": " a  b ", "scp": ["c"]}));
        assert_eq!(scopes(&c).unwrap(), ["a", "b", "c"]);
        let c = claims(json!({"scp": "x y"}));
        assert_eq!(scopes(&c).unwrap(), ["x", "y"]);
        for bad in [
            json!({"scope": ["a"]}),
            json!({"scp": 1}),
            json!({"scp": [1]}),
        ] {
            assert_eq!(
                scopes(&claims(bad)).unwrap_err().kind(),
                ErrorKind::ClaimInvalid
            );
        }
        assert_eq!(roles(&claims(json!({"roles": ["r"]}))).unwrap(), ["r"]);
        assert!(roles(&claims(json!({"roles": "r"}))).is_err());
    }

    #[test]
    fn sender() {
        assert!(check_sender(&claims(json!({}))).is_ok());
        let e = check_sender(&claims(json!({"cnf": {"jkt": "x"}}))).unwrap_err();
        assert_eq!(
            (e.kind(), e.claim()),
            (ErrorKind::DpopRequired, Some("cnf"))
        );
        for cnf in [json!({"x5t#S256": "x"}), json!({}), json!("jkt")] {
            let e = check_sender(&claims(json!({ "cnf": cnf }))).unwrap_err();
            assert_eq!(
                (e.kind(), e.claim()),
                (ErrorKind::ClaimInvalid, Some("cnf"))
            );
        }
    }
}
