//! JSON Web Keys (RFC 7517) and the RSA key policy.
//!
//! Parsing is lenient where providers are messy and strict where it matters: only a document
//! that is not a JWK Set (not an object with a `keys` array) fails, with `jwks_invalid`. Every
//! entry of `keys` is kept, even one that breaks the policy (a 1024-bit key, `use` `enc`, an EC
//! key, a malformed entry): such a key is *unusable*, and says why only when a token selects it
//! (`key_too_weak` / `key_unusable`). So one legacy key never breaks the others.
//!
//! RSA policy (checked once, at parse time, by [`RsaPublicKey::from_components`]): odd modulus
//! of 2048..=8192 bits, odd exponent with `3 <= e < 2^32`.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::alg::Algorithm;
use crate::base64url;
use crate::error::{Error, ErrorKind};
use crate::json;
use crate::rsa::{KeyError, RsaPublicKey};

/// Largest JWK Set document [`JwkSet::from_json`] reads (1 MiB); larger ones are `jwks_invalid`.
pub const MAX_JWKS_SIZE: usize = 1024 * 1024;

/// Why a key cannot be used (kept until a token selects the key).
#[derive(Clone, Debug)]
enum Problem {
    /// The entry is not a JSON object.
    NotObject,
    /// `kty` is absent or not `RSA`.
    NotRsa,
    /// `kid`, `use`, `key_ops` or `alg` has the wrong JSON type.
    BadMetadata(&'static str),
    /// `n` or `e` is absent or not strict base64url.
    BadMaterial(&'static str),
    /// The RSA key policy refused the key.
    Policy(KeyError),
}

/// One key of a JWK Set: its metadata and, for a usable RSA key, the parsed public key.
#[derive(Clone, Debug)]
pub struct Jwk {
    kid: Option<String>,
    kty: Option<String>,
    key_use: Option<String>,
    key_ops: Option<Vec<String>>,
    alg: Option<String>,
    /// Modulus and exponent, big-endian without leading zero octets.
    n: Vec<u8>,
    e: Vec<u8>,
    key: Result<RsaPublicKey, Problem>,
}

impl Jwk {
    /// Reads one JWK. Never fails: a key that cannot be used remembers why.
    pub fn from_value(value: &Value) -> Jwk {
        let mut jwk = Jwk {
            kid: None,
            kty: None,
            key_use: None,
            key_ops: None,
            alg: None,
            n: Vec::new(),
            e: Vec::new(),
            key: Err(Problem::NotObject),
        };
        let Some(obj) = value.as_object() else {
            return jwk;
        };
        let mut bad_meta = None;
        let mut string_member = |name: &'static str| match obj.get(name) {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                bad_meta = Some(name);
                None
            }
        };
        jwk.kid = string_member("kid");
        jwk.kty = string_member("kty");
        jwk.key_use = string_member("use");
        jwk.alg = string_member("alg");
        match obj.get("key_ops") {
            None => {}
            Some(Value::Array(ops)) => {
                let strings: Option<Vec<String>> =
                    ops.iter().map(|o| o.as_str().map(String::from)).collect();
                match strings {
                    Some(s) => jwk.key_ops = Some(s),
                    None => bad_meta = Some("key_ops"),
                }
            }
            Some(_) => bad_meta = Some("key_ops"),
        }
        jwk.key = if jwk.kty.as_deref() != Some("RSA") {
            Err(Problem::NotRsa)
        } else {
            let material = match (component(obj.get("n")), component(obj.get("e"))) {
                (Some(n), Some(e)) => Ok((strip_zeros(n), strip_zeros(e))),
                (None, _) => Err(Problem::BadMaterial(
                    "RSA modulus n is missing or malformed",
                )),
                (_, None) => Err(Problem::BadMaterial(
                    "RSA exponent e is missing or malformed",
                )),
            };
            match material {
                Ok((n, e)) => {
                    let parsed = RsaPublicKey::from_components(&n, &e).map_err(Problem::Policy);
                    jwk.n = n;
                    jwk.e = e;
                    parsed
                }
                Err(p) => Err(p),
            }
        };
        if let (Some(name), Ok(_) | Err(Problem::Policy(_))) = (bad_meta, &jwk.key) {
            jwk.key = Err(Problem::BadMetadata(name));
        }
        jwk
    }

    /// The key id (`kid`), if it is a string.
    pub fn key_id(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key type (`kty`), if it is a string.
    pub fn key_type(&self) -> Option<&str> {
        self.kty.as_deref()
    }

    /// The intended use (`use`), if it is a string.
    pub fn key_use(&self) -> Option<&str> {
        self.key_use.as_deref()
    }

    /// The permitted operations (`key_ops`), if it is an array of strings.
    pub fn key_ops(&self) -> Option<&[String]> {
        self.key_ops.as_deref()
    }

    /// The algorithm the key is declared for (`alg`), if it is a string.
    pub fn algorithm(&self) -> Option<&str> {
        self.alg.as_deref()
    }

    /// The parsed RSA public key, when the entry is an RSA key that meets the key policy
    /// (metadata such as `use` is not considered here; see [`Jwk::check_usable`]).
    pub fn rsa_key(&self) -> Option<&RsaPublicKey> {
        self.key.as_ref().ok()
    }

    /// The RSA modulus and exponent as big-endian octets without leading zeros, when the
    /// entry is a usable RSA key (for host crypto such as WebCrypto).
    pub fn rsa_components(&self) -> Option<(&[u8], &[u8])> {
        self.key.as_ref().ok().map(|_| (&self.n[..], &self.e[..]))
    }

    /// The RFC 7638 JWK thumbprint (SHA-256) of an RSA key whose `n` and `e` decode, whether
    /// or not it meets the key policy. `None` for other keys.
    pub fn thumbprint(&self) -> Option<[u8; 32]> {
        if self.kty.as_deref() != Some("RSA") || self.n.is_empty() || self.e.is_empty() {
            return None;
        }
        // Members in lexicographic order, no whitespace (RFC 7638 section 3.2).
        let mut h = Sha256::new();
        h.update(b"{\"e\":\"");
        h.update(base64url::encode(&self.e).as_bytes());
        h.update(b"\",\"kty\":\"RSA\",\"n\":\"");
        h.update(base64url::encode(&self.n).as_bytes());
        h.update(b"\"}");
        Some(h.finalize().into())
    }

    /// Whether this key may verify a token signed with `alg`: an RSA key meeting the key
    /// policy whose `use` (if present) is `sig`, whose `key_ops` (if present) contain
    /// `verify` and whose `alg` (if present) is `alg`. Otherwise the error a token selecting
    /// this key gets: `key_too_weak` for a policy failure, `key_unusable` for the rest.
    pub fn check_usable(&self, alg: Algorithm) -> Result<&RsaPublicKey, Error> {
        let unusable = |m: &'static str| Err(Error::new(ErrorKind::KeyUnusable).with_message(m));
        match &self.key {
            Err(Problem::NotObject) => return unusable("the key entry is not a JSON object"),
            Err(Problem::NotRsa) => return unusable("the key is not an RSA key"),
            Err(Problem::BadMetadata(name)) => {
                return Err(Error::new(ErrorKind::KeyUnusable)
                    .with_message(Cow::Owned(alloc::format!("the key's {name} is malformed"))))
            }
            _ => {}
        }
        if let Some(u) = &self.key_use {
            if u != "sig" {
                return unusable("the key's use is not sig");
            }
        }
        if let Some(ops) = &self.key_ops {
            if !ops.iter().any(|o| o == "verify") {
                return unusable("the key's key_ops do not include verify");
            }
        }
        if let Some(a) = &self.alg {
            if a != alg.name() {
                return unusable("the key is declared for another alg");
            }
        }
        match &self.key {
            Ok(k) => Ok(k),
            Err(Problem::BadMaterial(m)) => unusable(m),
            Err(Problem::Policy(e)) => {
                Err(Error::new(ErrorKind::KeyTooWeak).with_message(match e {
                    KeyError::TooSmall => "RSA modulus is smaller than 2048 bits",
                    KeyError::TooLarge => "RSA modulus is larger than 8192 bits",
                    KeyError::BadExponent => "RSA exponent must be odd with 3 <= e < 2^32",
                    KeyError::Malformed => "RSA modulus is zero or even",
                }))
            }
            Err(_) => unusable("the key cannot be used"),
        }
    }
}

fn component(v: Option<&Value>) -> Option<Vec<u8>> {
    let bytes = base64url::decode(v?.as_str()?.as_bytes()).ok()?;
    Some(bytes)
}

fn strip_zeros(mut v: Vec<u8>) -> Vec<u8> {
    let zeros = v.iter().take_while(|&&b| b == 0).count();
    v.drain(..zeros);
    v
}

/// A JWK Set (RFC 7517 section 5): the keys a verifier may select from.
#[derive(Clone, Debug, Default)]
pub struct JwkSet {
    keys: Vec<Jwk>,
}

impl JwkSet {
    /// Parses a JWK Set document. Fails (`jwks_invalid`) only when the text is larger than
    /// [`MAX_JWKS_SIZE`], is not a strict JSON object (see [`crate::json`]) or has no `keys`
    /// array.
    pub fn from_json(text: &str) -> Result<JwkSet, Error> {
        if text.len() > MAX_JWKS_SIZE {
            return Err(invalid("the key set document is too large"));
        }
        let map = json::parse_object(text.as_bytes())
            .map_err(|_| invalid("the key set is not a strict JSON object"))?;
        Self::from_keys_member(map.get("keys"))
    }

    /// Reads a JWK Set from an already parsed JSON value (an object with a `keys` array).
    pub fn from_value(value: &Value) -> Result<JwkSet, Error> {
        let obj = value
            .as_object()
            .ok_or_else(|| invalid("the key set is not a JSON object"))?;
        Self::from_keys_member(obj.get("keys"))
    }

    fn from_keys_member(keys: Option<&Value>) -> Result<JwkSet, Error> {
        let keys = keys
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("the key set has no keys array"))?;
        Ok(JwkSet {
            keys: keys.iter().map(Jwk::from_value).collect(),
        })
    }

    /// A set holding exactly these keys.
    pub fn from_keys(keys: Vec<Jwk>) -> JwkSet {
        JwkSet { keys }
    }

    /// All keys, usable or not, in document order.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// Number of keys (usable or not).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set has no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Check 3 (see [`crate::verify`]): the key for a token with header `kid` and algorithm
    /// `alg`, from this set only.
    ///
    /// - With a `kid`: the one key with exactly that `kid` (case-sensitive); none is
    ///   `key_not_found`, several are `key_ambiguous`; the key must then pass
    ///   [`Jwk::check_usable`].
    /// - Without a `kid`: the one key that passes [`Jwk::check_usable`]; several are
    ///   `key_ambiguous`; none is that key's own error when the set has a single key, else
    ///   `key_not_found`.
    pub fn select(&self, kid: Option<&str>, alg: Algorithm) -> Result<&Jwk, Error> {
        match kid {
            Some(kid) => {
                let mut matching = self.keys.iter().filter(|k| k.key_id() == Some(kid));
                let key = matching
                    .next()
                    .ok_or_else(|| Error::new(ErrorKind::KeyNotFound))?;
                if matching.next().is_some() {
                    return Err(Error::new(ErrorKind::KeyAmbiguous)
                        .with_message("several keys share the token's kid"));
                }
                key.check_usable(alg)?;
                Ok(key)
            }
            None => {
                let mut usable = self.keys.iter().filter(|k| k.check_usable(alg).is_ok());
                match (usable.next(), usable.next()) {
                    (Some(key), None) => Ok(key),
                    (Some(_), Some(_)) => Err(Error::new(ErrorKind::KeyAmbiguous)
                        .with_message("the token has no kid and several keys could verify it")),
                    (None, _) => match self.keys.as_slice() {
                        [only] => only.check_usable(alg).map(|_| only),
                        _ => Err(Error::new(ErrorKind::KeyNotFound)
                            .with_message("no usable key for a token without kid")),
                    },
                }
            }
        }
    }
}

fn invalid(message: &'static str) -> Error {
    Error::new(ErrorKind::JwksInvalid).with_message(message)
}
