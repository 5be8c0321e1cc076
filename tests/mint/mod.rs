//! Shared helpers for the core's integration tests: mint tokens with the fixed, committed
//! test keys (`tests/vectors/keys/core/`, test-only) and build verifiers. No key generation.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use oidc_edge::base64url;
use oidc_edge::{Algorithm, JwkSet, KeyKind, Verifier, VerifyOptions};
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, Pss, RsaPrivateKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha384, Sha512};

pub const ISS: &str = "https://op.example.test";
pub const CLIENT: &str = "client-1";
/// A fixed "now" for every minted token (2026-01-01T00:00:00Z).
pub const NOW: i64 = 1_767_225_600;

pub fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// A private test key of any kind.
pub enum TestKey {
    Rsa(RsaPrivateKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

/// The names (and `kid`s) of every test key: RSA 2048 ("test-a", "test-b"), RSA 3072
/// ("test-c"), RSA 1024 ("test-weak1024"), P-256, P-384 and Ed25519.
pub const KEY_NAMES: [&str; 7] = [
    "test-a",
    "test-b",
    "test-c",
    "test-weak1024",
    "test-p256",
    "test-p384",
    "test-ed25519",
];

/// Every private test key, by name ([`KEY_NAMES`]).
pub fn test_key(name: &str) -> &'static TestKey {
    static KEYS: OnceLock<Vec<(String, TestKey)>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        KEY_NAMES
            .iter()
            .map(|n| {
                let pem = std::fs::read_to_string(vectors().join(format!("keys/core/{n}.pem")))
                    .expect("test key");
                let key = match *n {
                    "test-p256" => {
                        TestKey::P256(p256::ecdsa::SigningKey::from_pkcs8_pem(&pem).expect("p256"))
                    }
                    "test-p384" => {
                        TestKey::P384(p384::ecdsa::SigningKey::from_pkcs8_pem(&pem).expect("p384"))
                    }
                    "test-ed25519" => TestKey::Ed25519(
                        ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).expect("ed25519"),
                    ),
                    _ => TestKey::Rsa(RsaPrivateKey::from_pkcs8_pem(&pem).expect("pkcs8")),
                };
                (n.to_string(), key)
            })
            .collect()
    });
    &keys.iter().find(|(n, _)| n == name).expect("known key").1
}

/// The private RSA test keys: "test-a", "test-b", "test-c", "test-weak1024".
pub fn key(name: &str) -> &'static RsaPrivateKey {
    match test_key(name) {
        TestKey::Rsa(k) => k,
        _ => panic!("{name} is not an RSA key"),
    }
}

/// The private JWK of an EC or Ed25519 test key (its public JWK plus `d`), for a provider
/// that signs with it.
pub fn private_jwk(kid: &str) -> Value {
    let d = match test_key(kid) {
        TestKey::P256(k) => k.to_bytes().to_vec(),
        TestKey::P384(k) => k.to_bytes().to_vec(),
        TestKey::Ed25519(k) => k.to_bytes().to_vec(),
        TestKey::Rsa(_) => panic!("{kid}: RSA test keys are PEM only"),
    };
    with(jwk_json(kid), json!({ "d": b64(&d) }))
}

/// The public JWK Set of the test keys as JSON.
pub fn jwks_json() -> Value {
    let text = std::fs::read_to_string(vectors().join("keys/core/public-jwks.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A JWK Set with only the named test keys (public halves).
pub fn jwks(kids: &[&str]) -> JwkSet {
    let all = jwks_json();
    let keys: Vec<Value> = all["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| kids.contains(&k["kid"].as_str().unwrap()))
        .cloned()
        .collect();
    JwkSet::from_value(&json!({ "keys": keys })).unwrap()
}

/// One public JWK of a test key, as JSON (to modify in tests).
pub fn jwk_json(kid: &str) -> Value {
    jwks_json()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap()
        .clone()
}

pub fn b64(bytes: &[u8]) -> String {
    base64url::encode(bytes)
}

/// Octets of a hex string (Wycheproof's encoding).
pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Signs `signing_input` with `alg` and the named test key (ECDSA as `r || s`).
pub fn sign_raw(alg: Algorithm, key_name: &str, signing_input: &[u8]) -> Vec<u8> {
    use p256::ecdsa::signature::Signer;
    let rsa = match (test_key(key_name), alg) {
        (TestKey::P256(k), Algorithm::ES256) => {
            let sig: p256::ecdsa::Signature = k.sign(signing_input);
            return sig.to_bytes().to_vec();
        }
        (TestKey::P384(k), Algorithm::ES384) => {
            let sig: p384::ecdsa::Signature = k.sign(signing_input);
            return sig.to_bytes().to_vec();
        }
        (TestKey::Ed25519(k), Algorithm::EdDSA | Algorithm::Ed25519) => {
            return k.sign(signing_input).to_bytes().to_vec();
        }
        (TestKey::Rsa(k), _) => k,
        _ => panic!("{key_name} cannot sign {alg}"),
    };
    let digest: Vec<u8> = match alg.hash_len() {
        32 => Sha256::digest(signing_input).to_vec(),
        48 => Sha384::digest(signing_input).to_vec(),
        _ => Sha512::digest(signing_input).to_vec(),
    };
    let mut rng = rsa::rand_core::OsRng;
    match alg {
        Algorithm::RS256 => rsa.sign(Pkcs1v15Sign::new::<Sha256>(), &digest),
        Algorithm::RS384 => rsa.sign(Pkcs1v15Sign::new::<Sha384>(), &digest),
        Algorithm::RS512 => rsa.sign(Pkcs1v15Sign::new::<Sha512>(), &digest),
        Algorithm::PS256 => rsa.sign_with_rng(&mut rng, Pss::new_with_salt::<Sha256>(32), &digest),
        Algorithm::PS384 => rsa.sign_with_rng(&mut rng, Pss::new_with_salt::<Sha384>(48), &digest),
        Algorithm::PS512 => rsa.sign_with_rng(&mut rng, Pss::new_with_salt::<Sha512>(64), &digest),
        _ => panic!("{key_name} is an RSA key, {alg} is not an RSA algorithm"),
    }
    .expect("sign")
}

/// A compact JWS over the exact header and payload texts given.
pub fn mint_raw(alg: Algorithm, key_name: &str, header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let sig = sign_raw(alg, key_name, input.as_bytes());
    format!("{input}.{}", b64(&sig))
}

/// `token` with one character in the middle of its signature changed (still canonical
/// base64url: only the last character carries padding bits).
pub fn corrupt_signature(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let i = chars.len() - 10;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

/// A compact JWS of JSON header and payload values.
pub fn mint(alg: Algorithm, key_name: &str, header: &Value, payload: &Value) -> String {
    mint_raw(alg, key_name, &header.to_string(), &payload.to_string())
}

/// The test key that signs `alg` tokens: "test-c" (RSA, no declared `alg`), "test-p256",
/// "test-p384", "test-ed25519".
pub fn signer(alg: Algorithm) -> &'static str {
    match alg.key_kind() {
        KeyKind::Rsa => "test-c",
        KeyKind::P256 => "test-p256",
        KeyKind::P384 => "test-p384",
        KeyKind::Ed25519 => "test-ed25519",
    }
}

/// The standard header for a test key.
pub fn header(kid: &str) -> Value {
    json!({ "alg": "RS256", "kid": kid })
}

/// The header for a test key with another algorithm.
pub fn header_alg(alg: Algorithm, kid: &str) -> Value {
    json!({ "alg": alg.name(), "kid": kid })
}

/// A valid ID token payload for ISS / CLIENT at NOW.
pub fn claims() -> Value {
    json!({
        "iss": ISS,
        "sub": "user-1",
        "aud": CLIENT,
        "exp": NOW + 600,
        "iat": NOW - 10,
        "nonce": "nonce-1",
    })
}

/// An RS256 ID token signed by "test-a" with these claims.
pub fn id_token(payload: &Value) -> String {
    mint(Algorithm::RS256, "test-a", &header("test-a"), payload)
}

/// Options for an ID token of ISS for CLIENT.
pub fn options() -> VerifyOptions {
    VerifyOptions {
        issuer: vec![ISS.into()],
        client_ids: vec![CLIENT.into()],
        ..VerifyOptions::default()
    }
}

pub fn verifier(options: VerifyOptions) -> Verifier {
    Verifier::new(options).expect("valid options")
}

/// Replaces or adds members of a JSON object.
pub fn with(mut base: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

/// The public JWK of a test key as a DPoP proof carries it: no `kid`, `use` or `alg`.
pub fn bare_jwk(kid: &str) -> Value {
    with(
        jwk_json(kid),
        json!({"kid": null, "use": null, "alg": null}),
    )
}

/// The URL of the protected resource the DPoP tests call.
pub const RESOURCE: &str = "https://api.example.test/orders";

/// DPoP proof claims for `GET RESOURCE` at NOW.
pub fn proof_claims() -> Value {
    json!({"jti": "jti-1", "htm": "GET", "htu": RESOURCE, "iat": NOW})
}

/// A DPoP proof: header `typ` dpop+jwt, `alg`, the key's bare public JWK, with
/// `header_changes` applied (see [`with`]), signed by the named test key.
pub fn dpop_proof(alg: Algorithm, key_name: &str, header_changes: Value, claims: &Value) -> String {
    let header = with(
        json!({"typ": "dpop+jwt", "alg": alg.name(), "jwk": bare_jwk(key_name)}),
        header_changes,
    );
    mint(alg, key_name, &header, claims)
}
