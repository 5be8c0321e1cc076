//! JSON Web Keys (RFC 7517) and the key policy.
//!
//! Parsing is lenient where providers are messy and strict where it matters: only a document
//! that is not a JWK Set (not an object with a `keys` array) fails, with `jwks_invalid`. Every
//! entry of `keys` is kept, even one that breaks the policy (a 1024-bit key, `use` `enc`, a
//! curve we do not verify, a malformed entry): such a key is *unusable*, and says why only
//! when a token selects it (`key_too_weak` / `key_unusable`). So one legacy key never breaks
//! the others.
//!
//! Key policy (checked once, at parse time, see [`crate::key`]):
//! - `kty` `RSA`: odd modulus of 2048..=8192 bits, odd exponent with `3 <= e < 2^32`;
//! - `kty` `EC`, `crv` `P-256` / `P-384`: `x` and `y` of exactly the field length (32 / 48
//!   octets), a point on the curve (never the identity);
//! - `kty` `OKP`, `crv` `Ed25519`: `x` of 32 octets encoding a curve point not of small order;
//! - no private members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k`): a published private key
//!   is compromised, and a verifier needs only the public half.
//!
//! An algorithm only ever meets a key of its own kind ([`crate::Algorithm::key_kind`]): an
//! RSA key never verifies an ES256 token, a P-256 key never an ES384 one.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use crate::alg::Algorithm;
use crate::base64url;
use crate::error::{Error, ErrorKind};
use crate::json;
use crate::key::{KeyKind, KeyProblem, Members, PublicKey};
#[cfg(feature = "rsa")]
use crate::rsa::RsaPublicKey;

/// Largest JWK Set document [`JwkSet::from_json`] reads (1 MiB); larger ones are `jwks_invalid`.
pub const MAX_JWKS_SIZE: usize = 1024 * 1024;

/// The members of a private (or symmetric) JWK (RFC 7518 sections 6.2.2, 6.3.2, 6.4.1): a key
/// holding any of them is refused.
pub const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Why a key cannot be used (kept until a token selects the key).
#[derive(Clone, Debug)]
enum Problem {
    /// The entry is not a JSON object.
    NotObject,
    /// `kty` (with `crv`) names no kind of key this crate verifies.
    UnknownKind,
    /// `kid`, `use`, `key_ops`, `alg` or `crv` has the wrong JSON type.
    BadMetadata(&'static str),
    /// The entry holds private key members.
    Private,
    /// A required public member is absent or not strict base64url.
    BadMaterial(&'static str),
    /// The members do not make a key that meets the key policy.
    Key(KeyProblem),
}

/// One key of a JWK Set: its metadata and, for a usable key, the parsed public key.
#[derive(Clone, Debug)]
pub struct Jwk {
    kid: Option<String>,
    kty: Option<String>,
    crv: Option<String>,
    key_use: Option<String>,
    key_ops: Option<Vec<String>>,
    alg: Option<String>,
    /// The required public members, when they decode (also for a key that breaks the policy).
    members: Option<Members>,
    key: Result<PublicKey, Problem>,
}

impl Jwk {
    /// Reads one JWK. Never fails: a key that cannot be used remembers why.
    pub fn from_value(value: &Value) -> Jwk {
        let mut jwk = Jwk {
            kid: None,
            kty: None,
            crv: None,
            key_use: None,
            key_ops: None,
            alg: None,
            members: None,
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
        jwk.crv = string_member("crv");
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
        jwk.key = match jwk.key_kind() {
            None => Err(Problem::UnknownKind),
            Some(kind) => match members(kind, obj) {
                Ok(m) => {
                    let key = PublicKey::from_members(&m).map_err(Problem::Key);
                    jwk.members = Some(m);
                    key
                }
                Err(p) => Err(p),
            },
        };
        if PRIVATE_MEMBERS.iter().any(|m| obj.contains_key(*m)) {
            jwk.key = Err(Problem::Private);
        } else if let (Some(name), Ok(_) | Err(Problem::Key(_))) = (bad_meta, &jwk.key) {
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

    /// The curve (`crv`), if it is a string.
    pub fn curve(&self) -> Option<&str> {
        self.crv.as_deref()
    }

    /// The kind of key `kty` and `crv` name, if it is one this crate knows (whether or not
    /// the key is usable, or its family built in).
    pub fn key_kind(&self) -> Option<KeyKind> {
        KeyKind::from_jwk(self.kty.as_deref()?, self.crv.as_deref())
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

    /// The parsed public key, when the entry meets the key policy (metadata such as `use` is
    /// not considered here; see [`Jwk::check_usable`]).
    pub fn public_key(&self) -> Option<&PublicKey> {
        self.key.as_ref().ok()
    }

    /// The parsed RSA public key, when the entry is an RSA key that meets the key policy.
    #[cfg(feature = "rsa")]
    pub fn rsa_key(&self) -> Option<&RsaPublicKey> {
        self.public_key().and_then(PublicKey::as_rsa)
    }

    /// The RSA modulus and exponent as big-endian octets without leading zeros, when the
    /// entry is a usable RSA key (for host crypto such as WebCrypto).
    pub fn rsa_components(&self) -> Option<(&[u8], &[u8])> {
        match (&self.members, &self.key) {
            (Some(Members::Rsa { n, e }), Ok(_)) => Some((n, e)),
            _ => None,
        }
    }

    /// The minimal public JWK of a usable key, for host crypto (WebCrypto, node:crypto):
    /// exactly the required members (`e`, `kty`, `n`; `crv`, `kty`, `x`, `y`; `crv`, `kty`,
    /// `x`) in lexicographic order, as RFC 7638 hashes them.
    pub fn public_jwk(&self) -> Option<String> {
        match (&self.members, &self.key) {
            (Some(m), Ok(_)) => Some(m.canonical_json()),
            _ => None,
        }
    }

    /// The RFC 7638 JWK thumbprint (SHA-256) of an RSA, P-256, P-384 or Ed25519 key whose
    /// required members decode, whether or not it meets the key policy. `None` for other keys.
    pub fn thumbprint(&self) -> Option<[u8; 32]> {
        self.members.as_ref().map(Members::thumbprint)
    }

    /// Whether this key may verify a token signed with `alg`: a key of the kind `alg` needs
    /// ([`Algorithm::key_kind`]) meeting the key policy, whose `use` (if present) is `sig`,
    /// whose `key_ops` (if present) contain `verify` and whose `alg` (if present) is `alg`.
    /// Otherwise the error a token selecting this key gets: `key_too_weak` for a policy
    /// failure, `key_unusable` for the rest.
    pub fn check_usable(&self, alg: Algorithm) -> Result<&PublicKey, Error> {
        let unusable = |m: &'static str| Err(Error::new(ErrorKind::KeyUnusable).with_message(m));
        match &self.key {
            Err(Problem::NotObject) => return unusable("the key entry is not a JSON object"),
            Err(Problem::BadMetadata(name)) => {
                return Err(Error::new(ErrorKind::KeyUnusable)
                    .with_message(Cow::Owned(alloc::format!("the key's {name} is malformed"))))
            }
            Err(Problem::Private) => return unusable("the key holds private key members"),
            _ => {}
        }
        let needed = alg.key_kind();
        if self.key_kind() != Some(needed) {
            return Err(Error::new(ErrorKind::KeyUnusable).with_message(Cow::Owned(
                alloc::format!("{alg} needs {}", describe(needed)),
            )));
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
            Err(Problem::Key(KeyProblem::Invalid(m))) => unusable(m),
            Err(Problem::Key(KeyProblem::Weak(m))) => {
                Err(Error::new(ErrorKind::KeyTooWeak).with_message(*m))
            }
            Err(Problem::Key(KeyProblem::NotBuiltIn(kind))) => Err(Error::new(
                ErrorKind::KeyUnusable,
            )
            .with_message(Cow::Owned(alloc::format!(
                "{} is not built in (crate feature {})",
                describe(*kind),
                kind.feature()
            )))),
            Err(_) => unusable("the key cannot be used"),
        }
    }

    /// Whether `alg` is on this key's default allow-list, the one that applies when the
    /// caller names no algorithms: its kind's [`KeyKind::default_algorithms`], or the key's
    /// own declared `alg` when that is an algorithm for its kind (an RSA key declared `PS256`
    /// verifies PS256 tokens).
    pub fn default_allows(&self, alg: Algorithm) -> bool {
        let Some(kind) = self.key_kind() else {
            return false;
        };
        alg.key_kind() == kind
            && (kind.default_algorithms().contains(&alg) || self.alg.as_deref() == Some(alg.name()))
    }

    /// The check of a key when the caller named no algorithms: a key of another kind than
    /// `alg` needs is `key_unusable` (as in [`Jwk::check_usable`]); for a key of that kind,
    /// `alg` must be on its default allow-list ([`Jwk::default_allows`]), else
    /// `alg_not_allowed`; then [`Jwk::check_usable`].
    pub fn check_default(&self, alg: Algorithm) -> Result<&PublicKey, Error> {
        if self.key_kind() == Some(alg.key_kind()) && !self.default_allows(alg) {
            return Err(Error::new(ErrorKind::AlgNotAllowed)
                .with_claim("alg")
                .with_message(
                    "alg is not on the key's default allow-list (name it in algorithms)",
                ));
        }
        self.check_usable(alg)
    }
}

/// "an RSA key", "an EC P-256 key", ...: for messages.
fn describe(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::Rsa => "an RSA key",
        KeyKind::P256 => "an EC P-256 key",
        KeyKind::P384 => "an EC P-384 key",
        KeyKind::Ed25519 => "an OKP Ed25519 key",
    }
}

/// The required public members of a key of `kind`, decoded.
fn members(kind: KeyKind, obj: &Map<String, Value>) -> Result<Members, Problem> {
    let get = |name: &str| component(obj.get(name));
    match kind {
        KeyKind::Rsa => match (get("n"), get("e")) {
            (Some(n), Some(e)) => Ok(Members::Rsa {
                n: strip_zeros(n),
                e: strip_zeros(e),
            }),
            (None, _) => Err(Problem::BadMaterial(
                "RSA modulus n is missing or malformed",
            )),
            (_, None) => Err(Problem::BadMaterial(
                "RSA exponent e is missing or malformed",
            )),
        },
        KeyKind::P256 | KeyKind::P384 => match (get("x"), get("y")) {
            (Some(x), Some(y)) => Ok(Members::Ec { kind, x, y }),
            _ => Err(Problem::BadMaterial(
                "the EC key's x or y is missing or malformed",
            )),
        },
        KeyKind::Ed25519 => get("x")
            .map(|x| Members::Okp { x })
            .ok_or(Problem::BadMaterial(
                "the OKP key's x is missing or malformed",
            )),
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
        self.select_key(kid, alg, false).map(|(jwk, _)| jwk)
    }

    /// [`JwkSet::select`] when the caller named no algorithms: a key is usable only when `alg`
    /// is also on its default allow-list ([`Jwk::check_default`]; otherwise `alg_not_allowed`).
    pub fn select_default(&self, kid: Option<&str>, alg: Algorithm) -> Result<&Jwk, Error> {
        self.select_key(kid, alg, true).map(|(jwk, _)| jwk)
    }

    /// The selection of [`JwkSet::select`] (`defaults` false) or [`JwkSet::select_default`],
    /// with the selected key's parsed public key.
    pub(crate) fn select_key(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
        defaults: bool,
    ) -> Result<(&Jwk, &PublicKey), Error> {
        fn check(k: &Jwk, alg: Algorithm, defaults: bool) -> Result<&PublicKey, Error> {
            if defaults {
                k.check_default(alg)
            } else {
                k.check_usable(alg)
            }
        }
        let check = |k| check(k, alg, defaults);
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
                Ok((key, check(key)?))
            }
            None => {
                let mut usable = self
                    .keys
                    .iter()
                    .filter_map(|k| check(k).ok().map(|public| (k, public)));
                match (usable.next(), usable.next()) {
                    (Some(found), None) => Ok(found),
                    (Some(_), Some(_)) => Err(Error::new(ErrorKind::KeyAmbiguous)
                        .with_message("the token has no kid and several keys could verify it")),
                    (None, _) => match self.keys.as_slice() {
                        [only] => check(only).map(|public| (only, public)),
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
