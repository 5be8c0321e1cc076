//! Public keys: the kinds of key the algorithms need ([`KeyKind`]), a parsed and validated
//! key ready for verification ([`PublicKey`]), and the RFC 7638 canonical form of a key's
//! public members, which is both its thumbprint input and the minimal JWK that host crypto
//! imports.
//!
//! Each algorithm family is a crate feature (`rsa`, `es256`, `es384`, `eddsa`, all on by
//! default): a key of a family left out of the build is never parsed into a [`PublicKey`],
//! and its JWK is unusable ([`KeyKind::is_supported`]).

use alloc::string::String;
use alloc::vec::Vec;

use crate::hash::Sha256;

use crate::alg::Algorithm;
use crate::base64url;
#[cfg(feature = "rsa")]
use crate::rsa::{KeyError, RsaPublicKey};

#[cfg(any(feature = "es256", feature = "es384"))]
use oidc_edge_crypto::ec;
#[cfg(feature = "eddsa")]
use oidc_edge_crypto::ed25519;

/// The kind of public key an algorithm needs: its JWK `kty` and, for curves, `crv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyKind {
    /// `kty` `RSA` (RS256 ... PS512).
    Rsa,
    /// `kty` `EC`, `crv` `P-256` (ES256).
    P256,
    /// `kty` `EC`, `crv` `P-384` (ES384).
    P384,
    /// `kty` `OKP`, `crv` `Ed25519` (EdDSA, Ed25519).
    Ed25519,
}

impl KeyKind {
    /// Every kind.
    pub const ALL: [KeyKind; 4] = [KeyKind::Rsa, KeyKind::P256, KeyKind::P384, KeyKind::Ed25519];

    /// The JWK `kty`: `RSA`, `EC` or `OKP`.
    pub fn kty(self) -> &'static str {
        match self {
            KeyKind::Rsa => "RSA",
            KeyKind::P256 | KeyKind::P384 => "EC",
            KeyKind::Ed25519 => "OKP",
        }
    }

    /// The JWK `crv` (`P-256`, `P-384`, `Ed25519`); `None` for RSA.
    pub fn curve(self) -> Option<&'static str> {
        match self {
            KeyKind::Rsa => None,
            KeyKind::P256 => Some("P-256"),
            KeyKind::P384 => Some("P-384"),
            KeyKind::Ed25519 => Some("Ed25519"),
        }
    }

    /// The kind a JWK's `kty` and `crv` name (case-sensitive, RFC 7518 / RFC 8037); `None`
    /// for any other key type or curve.
    pub fn from_jwk(kty: &str, crv: Option<&str>) -> Option<KeyKind> {
        KeyKind::ALL
            .into_iter()
            .find(|k| k.kty() == kty && (k.curve().is_none() || k.curve() == crv))
    }

    /// Whether this build verifies keys of this kind (the family's crate feature is on).
    pub fn is_supported(self) -> bool {
        match self {
            KeyKind::Rsa => cfg!(feature = "rsa"),
            KeyKind::P256 => cfg!(feature = "es256"),
            KeyKind::P384 => cfg!(feature = "es384"),
            KeyKind::Ed25519 => cfg!(feature = "eddsa"),
        }
    }

    /// The crate feature that builds this kind in.
    pub fn feature(self) -> &'static str {
        match self {
            KeyKind::Rsa => "rsa",
            KeyKind::P256 => "es256",
            KeyKind::P384 => "es384",
            KeyKind::Ed25519 => "eddsa",
        }
    }

    /// The algorithms a key of this kind verifies when the caller gives no `algorithms`:
    /// `RS256` for RSA (a key's own `alg` may add another RSA algorithm, see
    /// [`crate::Jwk::default_allows`]), `ES256` for P-256, `ES384` for P-384, `EdDSA` and
    /// `Ed25519` for Ed25519.
    pub fn default_algorithms(self) -> &'static [Algorithm] {
        match self {
            KeyKind::Rsa => &[Algorithm::RS256],
            KeyKind::P256 => &[Algorithm::ES256],
            KeyKind::P384 => &[Algorithm::ES384],
            KeyKind::Ed25519 => &[Algorithm::EdDSA, Algorithm::Ed25519],
        }
    }
}

/// A key's required public members (RFC 7638 section 3.2), decoded from base64url.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Members {
    /// Modulus and exponent, big-endian without leading zero octets.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// A point of a NIST curve (`kind` is [`KeyKind::P256`] or [`KeyKind::P384`]).
    Ec {
        kind: KeyKind,
        x: Vec<u8>,
        y: Vec<u8>,
    },
    /// An Ed25519 public key.
    Okp { x: Vec<u8> },
}

impl Members {
    /// The kind of key the members describe.
    pub(crate) fn kind(&self) -> KeyKind {
        match self {
            Members::Rsa { .. } => KeyKind::Rsa,
            Members::Ec { kind, .. } => *kind,
            Members::Okp { .. } => KeyKind::Ed25519,
        }
    }

    /// The required members as JSON, in lexicographic order and without whitespace: the
    /// input of the RFC 7638 thumbprint, and a minimal public JWK for host crypto.
    pub(crate) fn canonical_json(&self) -> String {
        // The order is fixed per key type (written out: a generic sort costs wasm size).
        // Every value is base64url or a fixed name: nothing needs JSON escaping.
        let kind = self.kind();
        let mut out = String::from("{");
        let mut member = |name: &str, value: &str| {
            if out.len() > 1 {
                out.push(',');
            }
            out.push('"');
            out.push_str(name);
            out.push_str("\":\"");
            out.push_str(value);
            out.push('"');
        };
        match self {
            Members::Rsa { n, e } => {
                member("e", &encode(e));
                member("kty", kind.kty());
                member("n", &encode(n));
            }
            Members::Ec { x, y, .. } => {
                member("crv", kind.curve().unwrap_or_default());
                member("kty", kind.kty());
                member("x", &encode(x));
                member("y", &encode(y));
            }
            Members::Okp { x } => {
                member("crv", kind.curve().unwrap_or_default());
                member("kty", kind.kty());
                member("x", &encode(x));
            }
        }
        out.push('}');
        out
    }

    /// The RFC 7638 JWK thumbprint: SHA-256 of [`Members::canonical_json`].
    pub(crate) fn thumbprint(&self) -> [u8; 32] {
        Sha256::digest(self.canonical_json().as_bytes())
    }
}

fn encode(bytes: &[u8]) -> String {
    base64url::encode(bytes)
}

/// Why members do not make a [`PublicKey`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Which variants a build makes depends on the families built in.
#[cfg_attr(
    not(all(
        feature = "rsa",
        feature = "es256",
        feature = "es384",
        feature = "eddsa"
    )),
    allow(dead_code)
)]
pub(crate) enum KeyProblem {
    /// The key's family is not built in (its crate feature is off).
    NotBuiltIn(KeyKind),
    /// The members do not encode a key of their kind (`key_unusable`).
    Invalid(&'static str),
    /// The key breaks the key policy (`key_too_weak`).
    Weak(&'static str),
}

/// A P-256 verifying key (opaque; see [`PublicKey`]).
#[cfg(feature = "es256")]
#[derive(Clone, Debug)]
pub struct P256Key {
    key: ec::VerifyingKey,
    thumbprint: [u8; 32],
}

/// A P-384 verifying key (opaque; see [`PublicKey`]).
#[cfg(feature = "es384")]
#[derive(Clone, Debug)]
pub struct P384Key {
    key: ec::VerifyingKey,
    thumbprint: [u8; 32],
}

/// An Ed25519 verifying key (opaque; see [`PublicKey`]).
#[cfg(feature = "eddsa")]
#[derive(Clone, Debug)]
pub struct Ed25519Key {
    key: ed25519::VerifyingKey,
    thumbprint: [u8; 32],
}

/// A public key that passed the key policy, ready for verification. Variants exist for the
/// families built in (crate features `rsa`, `es256`, `es384`, `eddsa`).
#[non_exhaustive]
#[derive(Clone, Debug)]
pub enum PublicKey {
    /// An RSA key of 2048 to 8192 bits.
    #[cfg(feature = "rsa")]
    Rsa(RsaPublicKey),
    /// A point on P-256 (not the identity).
    #[cfg(feature = "es256")]
    P256(P256Key),
    /// A point on P-384 (not the identity).
    #[cfg(feature = "es384")]
    P384(P384Key),
    /// An Ed25519 point, not of small order.
    #[cfg(feature = "eddsa")]
    Ed25519(Ed25519Key),
}

impl PublicKey {
    /// Parses and checks decoded members.
    pub(crate) fn from_members(members: &Members) -> Result<PublicKey, KeyProblem> {
        let kind = members.kind();
        if !kind.is_supported() {
            return Err(KeyProblem::NotBuiltIn(kind));
        }
        match members {
            #[cfg(feature = "rsa")]
            Members::Rsa { n, e } => RsaPublicKey::from_components(n, e)
                .map(PublicKey::Rsa)
                .map_err(|e| KeyProblem::Weak(rsa_policy_message(e))),
            #[cfg(feature = "es256")]
            Members::Ec {
                kind: KeyKind::P256,
                x,
                y,
            } => Ok(PublicKey::P256(P256Key {
                key: ec::parse(&ec::P256, x, y).map_err(KeyProblem::Invalid)?,
                thumbprint: members.thumbprint(),
            })),
            #[cfg(feature = "es384")]
            Members::Ec {
                kind: KeyKind::P384,
                x,
                y,
            } => Ok(PublicKey::P384(P384Key {
                key: ec::parse(&ec::P384, x, y).map_err(KeyProblem::Invalid)?,
                thumbprint: members.thumbprint(),
            })),
            #[cfg(feature = "eddsa")]
            Members::Okp { x } => match ed25519::parse(x) {
                Ok(key) => Ok(PublicKey::Ed25519(Ed25519Key {
                    key,
                    thumbprint: members.thumbprint(),
                })),
                Err(ed25519::Invalid::Encoding(m)) => Err(KeyProblem::Invalid(m)),
                Err(ed25519::Invalid::Weak) => {
                    Err(KeyProblem::Weak("the Ed25519 key is of small order"))
                }
            },
            // A kind whose feature is off (answered above).
            #[allow(unreachable_patterns)]
            _ => Err(KeyProblem::NotBuiltIn(kind)),
        }
    }

    /// The kind of key.
    pub fn kind(&self) -> KeyKind {
        match *self {
            #[cfg(feature = "rsa")]
            PublicKey::Rsa(_) => KeyKind::Rsa,
            #[cfg(feature = "es256")]
            PublicKey::P256(_) => KeyKind::P256,
            #[cfg(feature = "es384")]
            PublicKey::P384(_) => KeyKind::P384,
            #[cfg(feature = "eddsa")]
            PublicKey::Ed25519(_) => KeyKind::Ed25519,
        }
    }

    /// The exact length in octets of a signature by this key: the modulus length for RSA,
    /// 64 for P-256 (`r || s`), 96 for P-384, 64 for Ed25519.
    pub fn signature_len(&self) -> usize {
        match *self {
            #[cfg(feature = "rsa")]
            PublicKey::Rsa(ref k) => k.size(),
            #[cfg(feature = "es256")]
            PublicKey::P256(_) => 64,
            #[cfg(feature = "es384")]
            PublicKey::P384(_) => 96,
            #[cfg(feature = "eddsa")]
            PublicKey::Ed25519(_) => 64,
        }
    }

    /// SHA-256 identifying the key, computed at parse time: [`RsaPublicKey::fingerprint`]
    /// for RSA, the RFC 7638 thumbprint for the others. Equal fingerprints mean the same key.
    pub fn fingerprint(&self) -> &[u8; 32] {
        match *self {
            #[cfg(feature = "rsa")]
            PublicKey::Rsa(ref k) => k.fingerprint(),
            #[cfg(feature = "es256")]
            PublicKey::P256(ref k) => &k.thumbprint,
            #[cfg(feature = "es384")]
            PublicKey::P384(ref k) => &k.thumbprint,
            #[cfg(feature = "eddsa")]
            PublicKey::Ed25519(ref k) => &k.thumbprint,
        }
    }

    /// The RSA key, when this is one.
    #[cfg(feature = "rsa")]
    pub fn as_rsa(&self) -> Option<&RsaPublicKey> {
        match *self {
            PublicKey::Rsa(ref k) => Some(k),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Whether `signature` is a valid `alg` signature of `signing_input` under this key, with
    /// this crate's own verification. `false` when `alg` needs another kind of key.
    #[cfg_attr(
        not(any(
            feature = "rsa",
            feature = "es256",
            feature = "es384",
            feature = "eddsa"
        )),
        allow(unused_variables)
    )]
    pub fn verify(&self, alg: Algorithm, signing_input: &[u8], signature: &[u8]) -> bool {
        if alg.key_kind() != self.kind() {
            return false;
        }
        match *self {
            #[cfg(feature = "rsa")]
            PublicKey::Rsa(ref k) => {
                if alg.is_pss() {
                    k.verify_pss(alg.hash(), signing_input, signature)
                } else {
                    k.verify_pkcs1v15(alg.hash(), signing_input, signature)
                }
            }
            #[cfg(feature = "es256")]
            PublicKey::P256(ref k) => ec::verify(&ec::P256, &k.key, signing_input, signature),
            #[cfg(feature = "es384")]
            PublicKey::P384(ref k) => ec::verify(&ec::P384, &k.key, signing_input, signature),
            #[cfg(feature = "eddsa")]
            PublicKey::Ed25519(ref k) => ed25519::verify(&k.key, signing_input, signature),
        }
    }
}

/// The `key_too_weak` message of an RSA key policy failure.
#[cfg(feature = "rsa")]
fn rsa_policy_message(e: KeyError) -> &'static str {
    match e {
        KeyError::TooSmall => "RSA modulus is smaller than 2048 bits",
        KeyError::TooLarge => "RSA modulus is larger than 8192 bits",
        KeyError::BadExponent => "RSA exponent must be odd with 3 <= e < 2^32",
        KeyError::Malformed => "RSA modulus is zero or even",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_jwk_members() {
        assert_eq!(KeyKind::from_jwk("RSA", None), Some(KeyKind::Rsa));
        assert_eq!(KeyKind::from_jwk("RSA", Some("P-256")), Some(KeyKind::Rsa));
        assert_eq!(KeyKind::from_jwk("EC", Some("P-256")), Some(KeyKind::P256));
        assert_eq!(KeyKind::from_jwk("EC", Some("P-384")), Some(KeyKind::P384));
        assert_eq!(
            KeyKind::from_jwk("OKP", Some("Ed25519")),
            Some(KeyKind::Ed25519)
        );
        for (kty, crv) in [
            ("EC", None),
            ("EC", Some("P-521")),
            ("EC", Some("p-256")),
            ("EC", Some("Ed25519")),
            ("OKP", Some("X25519")),
            ("OKP", Some("P-256")),
            ("oct", None),
            ("rsa", None),
        ] {
            assert_eq!(KeyKind::from_jwk(kty, crv), None, "{kty} {crv:?}");
        }
        for k in KeyKind::ALL {
            assert!(k.default_algorithms().iter().all(|a| a.key_kind() == k));
        }
    }

    /// One valid public JWK per kind (RFC 7638 3.1, RFC 7515 A.3, a test key, RFC 8037 A.2).
    fn sample(kind: KeyKind) -> serde_json::Value {
        match kind {
            KeyKind::Rsa => {
                serde_json::json!({"kty": "RSA", "e": "AQAB", "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"})
            }
            KeyKind::P256 => {
                serde_json::json!({"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})
            }
            KeyKind::P384 => {
                serde_json::json!({"kty": "EC", "crv": "P-384", "x": "2cAHCbzNQSqbu5DBvnMXigcf8aB8p1pbOsJ9a-aTlbKe7cTKafyQyeI6NeSb4NR5", "y": "XkRkBK9QS3GfVu7MG0AmDHH_Yyo_SnWbGPCP7X4_-TDvirINuKdOgAf7tHPL_xX8"})
            }
            KeyKind::Ed25519 => {
                serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})
            }
        }
    }

    /// Run in builds with a family left out too (`--no-default-features --features ...`): a
    /// key of a family built in parses, one left out is unusable and says which feature.
    #[test]
    fn families_built_in_or_left_out() {
        for kind in KeyKind::ALL {
            let jwk = crate::Jwk::from_value(&sample(kind));
            assert_eq!(jwk.key_kind(), Some(kind));
            assert!(jwk.thumbprint().is_some(), "{kind:?}");
            let alg = kind.default_algorithms()[0];
            match jwk.check_usable(alg) {
                Ok(key) => {
                    assert!(kind.is_supported(), "{kind:?}");
                    assert_eq!(key.kind(), kind);
                }
                Err(e) => {
                    assert!(!kind.is_supported(), "{kind:?}: {e}");
                    assert_eq!(e.kind(), crate::ErrorKind::KeyUnusable);
                    assert!(e.message().contains(kind.feature()), "{e}");
                    assert!(!alg.is_supported());
                }
            }
        }
    }

    #[test]
    fn canonical_json_orders_members() {
        let m = Members::Ec {
            kind: KeyKind::P256,
            x: alloc::vec![1],
            y: alloc::vec![2],
        };
        assert_eq!(
            m.canonical_json(),
            r#"{"crv":"P-256","kty":"EC","x":"AQ","y":"Ag"}"#
        );
        let m = Members::Rsa {
            n: alloc::vec![1],
            e: alloc::vec![1, 0, 1],
        };
        assert_eq!(m.canonical_json(), r#"{"e":"AQAB","kty":"RSA","n":"AQ"}"#);
        let m = Members::Okp { x: alloc::vec![0] };
        assert_eq!(
            m.canonical_json(),
            r#"{"crv":"Ed25519","kty":"OKP","x":"AA"}"#
        );
    }
}
