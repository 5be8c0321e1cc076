//! Typed claims: the registered JWT claims (RFC 7519 section 4.1) and the OpenID Connect ID
//! token claims (OIDC Core 1.0 section 2), plus every claim as JSON.
//!
//! [`Claims::from_map`] is the type check of step 5 (docs/ARCHITECTURE.md): a claim of the
//! wrong JSON type is `claim_invalid` with its name, so `exp` as a string can never be
//! mistaken for an absent `exp`. NumericDate claims must be JSON numbers; a non-integer value
//! is allowed (RFC 7519 section 2), and huge values are kept as `f64`, so no arithmetic on them
//! can overflow.

use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind};

/// A NumericDate (RFC 7519 section 2): seconds since the Unix epoch, possibly non-integer.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct NumericDate(f64);

impl NumericDate {
    /// The value as received (finite; JSON has no infinities).
    pub fn as_f64(self) -> f64 {
        self.0
    }

    /// The value rounded down to whole seconds, saturating at the `i64` range.
    pub fn as_secs(self) -> i64 {
        // `as` saturates for out-of-range floats; it never panics.
        libm_floor(self.0) as i64
    }

    /// Reads a JSON number as a NumericDate.
    pub fn from_value(value: &Value) -> Option<NumericDate> {
        value.as_f64().filter(|f| f.is_finite()).map(NumericDate)
    }
}

/// `floor` without `std`: exact for every finite `f64`.
fn libm_floor(x: f64) -> f64 {
    // Beyond 2^52 every f64 is an integer already.
    if x.abs() >= 4_503_599_627_370_496.0 {
        return x;
    }
    let t = (x as i64) as f64; // truncation toward zero, exact in this range
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// The `aud` claim: one string or an array of strings (RFC 7519 section 4.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// `"aud": "x"`.
    One(String),
    /// `"aud": ["x", "y"]` (possibly with one element, possibly empty).
    Many(Vec<String>),
}

impl Audience {
    /// Every audience value, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many) = match self {
            Audience::One(s) => (Some(s.as_str()), &[][..]),
            Audience::Many(v) => (None, v.as_slice()),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }

    /// Whether `value` is one of the audience values.
    pub fn contains(&self, value: &str) -> bool {
        self.iter().any(|a| a == value)
    }

    /// Number of audience values.
    pub fn len(&self) -> usize {
        match self {
            Audience::One(_) => 1,
            Audience::Many(v) => v.len(),
        }
    }

    /// Whether there is no audience value (`"aud": []`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The claims of a token: typed standard claims and all claims as a JSON map.
#[derive(Clone, Debug, PartialEq)]
pub struct Claims {
    /// `iss`: issuer identifier.
    pub iss: Option<String>,
    /// `sub`: subject identifier.
    pub sub: Option<String>,
    /// `aud`: audience(s).
    pub aud: Option<Audience>,
    /// `exp`: expiration time.
    pub exp: Option<NumericDate>,
    /// `nbf`: not before.
    pub nbf: Option<NumericDate>,
    /// `iat`: issued at.
    pub iat: Option<NumericDate>,
    /// `jti`: JWT id.
    pub jti: Option<String>,
    /// `auth_time`: when the end-user authenticated.
    pub auth_time: Option<NumericDate>,
    /// `nonce`: the value the client sent in the authentication request.
    pub nonce: Option<String>,
    /// `acr`: authentication context class reference.
    pub acr: Option<String>,
    /// `amr`: authentication methods references.
    pub amr: Option<Vec<String>>,
    /// `azp`: authorized party.
    pub azp: Option<String>,
    /// Every claim of the payload, typed ones included, as received.
    pub all: Map<String, Value>,
}

impl Claims {
    /// Reads the typed claims from a payload object; a claim with the wrong JSON type is
    /// `claim_invalid` naming it.
    pub fn from_map(all: Map<String, Value>) -> Result<Claims, Error> {
        Ok(Claims {
            iss: string(&all, "iss")?,
            sub: string(&all, "sub")?,
            aud: audience(&all)?,
            exp: date(&all, "exp")?,
            nbf: date(&all, "nbf")?,
            iat: date(&all, "iat")?,
            jti: string(&all, "jti")?,
            auth_time: date(&all, "auth_time")?,
            nonce: string(&all, "nonce")?,
            acr: string(&all, "acr")?,
            amr: string_array(&all, "amr")?,
            azp: string(&all, "azp")?,
            all,
        })
    }

    /// Any claim by name, as JSON.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.all.get(name)
    }

    /// A claim that must be a string when present (`claim_invalid` otherwise).
    pub fn get_str(&self, name: &str) -> Result<Option<&str>, Error> {
        match self.all.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(wrong_type(name)),
        }
    }
}

fn wrong_type(name: &str) -> Error {
    Error::new(ErrorKind::ClaimInvalid)
        .with_claim(String::from(name))
        .with_message("claim has the wrong JSON type")
}

fn string(all: &Map<String, Value>, name: &'static str) -> Result<Option<String>, Error> {
    match all.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong_type(name)),
    }
}

fn string_array(
    all: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<Vec<String>>, Error> {
    match all.get(name) {
        None => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(String::from).ok_or_else(|| wrong_type(name)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(wrong_type(name)),
    }
}

fn audience(all: &Map<String, Value>) -> Result<Option<Audience>, Error> {
    match all.get("aud") {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(Audience::One(s.clone()))),
        Some(Value::Array(_)) => Ok(string_array(all, "aud")?.map(Audience::Many)),
        Some(_) => Err(wrong_type("aud")),
    }
}

fn date(all: &Map<String, Value>, name: &'static str) -> Result<Option<NumericDate>, Error> {
    match all.get(name) {
        None => Ok(None),
        Some(v) => NumericDate::from_value(v)
            .map(Some)
            .ok_or_else(|| wrong_type(name).with_message("NumericDate claim is not a JSON number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Result<Claims, Error> {
        match v {
            Value::Object(m) => Claims::from_map(m),
            _ => unreachable!(),
        }
    }

    #[test]
    fn typed() {
        let c = claims(json!({"iss":"i","aud":["a","b"],"exp":1.5,"amr":["pwd"],"x":1})).unwrap();
        assert_eq!(c.iss.as_deref(), Some("i"));
        assert_eq!(c.aud.as_ref().unwrap().len(), 2);
        assert!(c.aud.as_ref().unwrap().contains("b"));
        assert_eq!(c.exp.unwrap().as_f64(), 1.5);
        assert_eq!(c.exp.unwrap().as_secs(), 1);
        assert_eq!(c.get("x"), Some(&json!(1)));
        assert_eq!(
            claims(json!({"aud":"a"})).unwrap().aud,
            Some(Audience::One("a".into()))
        );
    }

    #[test]
    fn wrong_types() {
        for (v, name) in [
            (json!({"exp":"1"}), "exp"),
            (json!({"nbf":null}), "nbf"),
            (json!({"aud":1}), "aud"),
            (json!({"aud":["a",1]}), "aud"),
            (json!({"iss":true}), "iss"),
            (json!({"amr":"pwd"}), "amr"),
            (json!({"auth_time":[1]}), "auth_time"),
        ] {
            let e = claims(v).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ClaimInvalid);
            assert_eq!(e.claim(), Some(name));
        }
    }

    #[test]
    fn floor() {
        assert_eq!(NumericDate(-1.5).as_secs(), -2);
        assert_eq!(NumericDate(2.0).as_secs(), 2);
        assert_eq!(NumericDate(1e300).as_secs(), i64::MAX);
        assert_eq!(NumericDate(-1e300).as_secs(), i64::MIN);
    }
}
