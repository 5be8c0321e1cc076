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
//!   key. A DPoP-bound one (`cnf.jkt`, RFC 9449) passes only with a verified proof of that
//!   key; any other binding is refused, as its proof of possession would go unchecked.

use alloc::vec::Vec;

use serde_json::Value;

use crate::claims::Claims;
use crate::error::{Error, ErrorKind};
use crate::verify::ct_eq;

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

/// The sender-constraint check of access tokens (RFC 9449 section 7, RFC 8705 section 3).
/// `dpop_jkt` is the RFC 7638 thumbprint (base64url) of the key of a DPoP proof verified for
/// this request ([`crate::dpop::verify_proof`]), `None` when the token came without a proof.
///
/// - No `cnf`: a bearer token. Fine without a proof; with one, `dpop_invalid` (claim `cnf`):
///   a proof presented with a token that is not bound to a key.
/// - `cnf` `{"jkt": ...}` (DPoP): without a proof `dpop_required`; the thumbprint must equal
///   `dpop_jkt` (constant-time comparison), else `dpop_invalid` (claim `cnf`).
/// - Any other `cnf` (`x5t#S256` of RFC 8705 mTLS, a confirmation method beside `jkt`, a `jkt`
///   that is not a string, a `cnf` that is not an object): `claim_invalid` (`cnf`), as this
///   crate cannot check that binding.
pub fn check_sender(claims: &Claims, dpop_jkt: Option<&str>) -> Result<(), Error> {
    let jkt = match claims.get("cnf") {
        None => {
            return match dpop_jkt {
                None => Ok(()),
                Some(_) => Err(dpop_invalid_cnf(
                    "a DPoP proof came with a token that is not DPoP-bound",
                )),
            }
        }
        Some(Value::Object(cnf)) if cnf.len() == 1 => match cnf.get("jkt") {
            Some(Value::String(jkt)) => jkt,
            _ => return Err(unknown_binding()),
        },
        Some(_) => return Err(unknown_binding()),
    };
    match dpop_jkt {
        None => Err(Error::new(ErrorKind::DpopRequired)),
        Some(proof_jkt) if ct_eq(jkt.as_bytes(), proof_jkt.as_bytes()) => Ok(()),
        Some(_) => Err(dpop_invalid_cnf(
            "the DPoP proof's key is not the key the token is bound to",
        )),
    }
}

fn dpop_invalid_cnf(message: &'static str) -> Error {
    Error::new(ErrorKind::DpopInvalid)
        .with_claim("cnf")
        .with_message(message)
}

fn unknown_binding() -> Error {
    Error::new(ErrorKind::ClaimInvalid)
        .with_claim("cnf")
        .with_message("the token is bound to a key by a method this verifier cannot check")
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
        const JKT: &str = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
        assert!(check_sender(&claims(json!({})), None).is_ok());
        let e = check_sender(&claims(json!({})), Some(JKT)).unwrap_err();
        assert_eq!((e.kind(), e.claim()), (ErrorKind::DpopInvalid, Some("cnf")));
        let bound = claims(json!({"cnf": {"jkt": JKT}}));
        let e = check_sender(&bound, None).unwrap_err();
        assert_eq!(
            (e.kind(), e.claim()),
            (ErrorKind::DpopRequired, Some("cnf"))
        );
        assert!(check_sender(&bound, Some(JKT)).is_ok());
        let other = &JKT[1..];
        let e = check_sender(&bound, Some(other)).unwrap_err();
        assert_eq!((e.kind(), e.claim()), (ErrorKind::DpopInvalid, Some("cnf")));
        for cnf in [
            json!({"x5t#S256": "x"}),
            json!({}),
            json!("jkt"),
            json!({"jkt": 1}),
            json!({"jkt": JKT, "x5t#S256": "x"}),
        ] {
            for proof in [None, Some(JKT)] {
                let e = check_sender(&claims(json!({ "cnf": cnf })), proof).unwrap_err();
                assert_eq!(
                    (e.kind(), e.claim()),
                    (ErrorKind::ClaimInvalid, Some("cnf"))
                );
            }
        }
    }
}
