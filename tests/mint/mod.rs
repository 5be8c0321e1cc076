//! Shared helpers for the core's integration tests: mint tokens with the fixed, committed
//! test keys (`tests/vectors/keys/core/`, test-only) and build verifiers. No key generation.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use oidc_edge::base64url;
use oidc_edge::{Algorithm, JwkSet, Verifier, VerifyOptions};
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

/// The private test keys: "test-a", "test-b" (2048), "test-c" (3072), "test-weak1024".
pub fn key(name: &str) -> &'static RsaPrivateKey {
    static KEYS: OnceLock<Vec<(String, RsaPrivateKey)>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        ["test-a", "test-b", "test-c", "test-weak1024"]
            .iter()
            .map(|n| {
                let pem = std::fs::read_to_string(vectors().join(format!("keys/core/{n}.pem")))
                    .expect("test key");
                (
                    n.to_string(),
                    RsaPrivateKey::from_pkcs8_pem(&pem).expect("pkcs8"),
                )
            })
            .collect()
    });
    &keys.iter().find(|(n, _)| n == name).expect("known key").1
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

/// Signs `signing_input` with `alg` and the named test key.
pub fn sign_raw(alg: Algorithm, key_name: &str, signing_input: &[u8]) -> Vec<u8> {
    let k = key(key_name);
    let digest: Vec<u8> = match alg {
        Algorithm::RS256 | Algorithm::PS256 => Sha256::digest(signing_input).to_vec(),
        Algorithm::RS384 | Algorithm::PS384 => Sha384::digest(signing_input).to_vec(),
        Algorithm::RS512 | Algorithm::PS512 => Sha512::digest(signing_input).to_vec(),
    };
    let mut rng = rsa::rand_core::OsRng;
    match alg {
        Algorithm::RS256 => k.sign(Pkcs1v15Sign::new::<Sha256>(), &digest),
        Algorithm::RS384 => k.sign(Pkcs1v15Sign::new::<Sha384>(), &digest),
        Algorithm::RS512 => k.sign(Pkcs1v15Sign::new::<Sha512>(), &digest),
        Algorithm::PS256 => k.sign_with_rng(&mut rng, Pss::new_with_salt::<Sha256>(32), &digest),
        Algorithm::PS384 => k.sign_with_rng(&mut rng, Pss::new_with_salt::<Sha384>(48), &digest),
        Algorithm::PS512 => k.sign_with_rng(&mut rng, Pss::new_with_salt::<Sha512>(64), &digest),
    }
    .expect("sign")
}

/// A compact JWS over the exact header and payload texts given.
pub fn mint_raw(alg: Algorithm, key_name: &str, header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let sig = sign_raw(alg, key_name, input.as_bytes());
    format!("{input}.{}", b64(&sig))
}

/// A compact JWS of JSON header and payload values.
pub fn mint(alg: Algorithm, key_name: &str, header: &Value, payload: &Value) -> String {
    mint_raw(alg, key_name, &header.to_string(), &payload.to_string())
}

/// The standard header for a test key.
pub fn header(kid: &str) -> Value {
    json!({ "alg": "RS256", "kid": kid })
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
