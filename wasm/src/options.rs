//! Options parsing: the verification options as `pkg/lib/options.js` sends them (type-checked
//! there, snake_case JSON) into the core's [`VerifyOptions`]. Whether they make a usable policy
//! is the core's question ([`oidc_edge::verify::Verifier::new`]).

use oidc_edge::alg::Algorithm;
use oidc_edge::verify::{Profile, VerifyOptions};
use serde_json::Value;

use crate::failure::{config, WasmFailure};

/// The options as the JS wrapper sends them (already type-checked there): a JSON object with
/// snake_case members. Read with the core's JSON parser (linked anyway) rather than a derived
/// `Deserialize`, which adds its own parser and error formatting code (about 20 KB brotli of
/// the module). Unknown members, wrong types and non-integer numbers are refused.
pub(crate) fn options_from_json(json: &str) -> Result<VerifyOptions, WasmFailure> {
    let members = oidc_edge::json::parse_object(json.as_bytes()).map_err(|_| unreadable())?;
    let mut o = VerifyOptions::default();
    let mut profile = None;
    let mut algorithm_names = Vec::new();
    for (name, v) in members {
        match name.as_str() {
            "profile" => profile = string(v)?,
            "issuer" => o.issuer = strings(v)?,
            "allowed_tenants" => o.allowed_tenants = strings(v)?,
            "any_tenant" => o.any_tenant = boolean(v)?,
            "client_ids" => o.client_ids = strings(v)?,
            "audience" => o.audience = strings(v)?,
            "algorithms" => algorithm_names = strings(v)?,
            "clock_tolerance" => {
                o.clock_tolerance = number(v)?.unwrap_or(o.clock_tolerance);
            }
            "max_token_age" => o.max_token_age = number(v)?,
            "nonce" => o.nonce = string(v)?,
            "max_age" => o.max_age = number(v)?,
            "acr_values" => o.acr_values = strings(v)?,
            "required_claims" => o.required_claims = strings(v)?,
            "subject" => o.subject = string(v)?,
            "typ" => o.typ = string(v)?,
            "access_token" => o.access_token = string(v)?,
            "require_at_hash" => o.require_at_hash = boolean(v)?,
            "code" => o.code = string(v)?,
            "require_c_hash" => o.require_c_hash = boolean(v)?,
            "required_scopes" => o.required_scopes = strings(v)?,
            "required_roles" => o.required_roles = strings(v)?,
            "dpop_jkt" => o.dpop_jkt = string(v)?,
            _ => return Err(unreadable()),
        }
    }
    o.profile = match profile.as_deref() {
        None | Some("id_token") => Profile::IdToken,
        Some("at_jwt") => Profile::AtJwt,
        Some("cognito_access") => Profile::CognitoAccess,
        Some("jwt") => Profile::Jwt,
        Some(_) => {
            return Err(config(
                "profile must be id_token, jwt, at_jwt or cognito_access",
            ))
        }
    };
    o.algorithms = algorithms(&algorithm_names)?;
    Ok(o)
}

/// The refusal of options JSON that is not what `pkg/lib` sends.
pub(crate) fn unreadable() -> WasmFailure {
    config("options could not be read")
}
/// An optional string member.
pub(crate) fn string(v: Value) -> Result<Option<String>, WasmFailure> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        _ => Err(unreadable()),
    }
}
/// An optional list of strings.
pub(crate) fn strings(v: Value) -> Result<Vec<String>, WasmFailure> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Value::String(s) => Ok(s),
                _ => Err(unreadable()),
            })
            .collect(),
        _ => Err(unreadable()),
    }
}
/// An optional whole number.
pub(crate) fn number(v: Value) -> Result<Option<u64>, WasmFailure> {
    match v {
        Value::Null => Ok(None),
        v => v.as_u64().map(Some).ok_or_else(unreadable),
    }
}
/// An optional boolean (absent: false).
pub(crate) fn boolean(v: Value) -> Result<bool, WasmFailure> {
    match v {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(b),
        _ => Err(unreadable()),
    }
}

/// The algorithms of a list of names; a name this package does not verify is a `"config"`
/// failure naming it.
pub(crate) fn algorithms(names: &[String]) -> Result<Vec<Algorithm>, WasmFailure> {
    names
        .iter()
        .map(|name| {
            Algorithm::from_name(name).ok_or_else(|| {
                let mut m = String::from("algorithms: \"");
                m.push_str(name);
                m.push_str("\" is not supported (");
                for (i, a) in Algorithm::ALL.iter().enumerate() {
                    if i > 0 {
                        m.push_str(", ");
                    }
                    m.push_str(a.name());
                }
                m.push(')');
                config(m)
            })
        })
        .collect()
}
