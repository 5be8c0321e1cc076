//! Project Wycheproof ECDSA and EdDSA vectors (C2SP `testvectors_v1`, Apache-2.0, see
//! `tests/vectors/wycheproof/` and its LICENSE): `ecdsa_secp256r1_sha256_p1363_test.json`
//! (ES256), `ecdsa_secp384r1_sha384_p1363_test.json` (ES384) and `ed25519_test.json` (EdDSA),
//! through the crate's public verification seam: each group's `publicKeyJwk` (or, where a
//! group has none, the JWK of `publicKey.wx` / `wy`) is read by
//! `Jwk::from_value` and checked by `Jwk::check_usable` (the key policy), and each test's
//! `msg` / `sig` go to `BuiltinVerifier` after the signature length check the verifier
//! makes (`PublicKey::signature_len`).
//!
//! The expectations are data, `tests/vectors/wycheproof/expectations.json`: Wycheproof's own
//! `result` for every test but the listed `differences` (there are none for these files), and
//! the counts per file, so a skipped group fails the run. The npm package's tests read the same
//! file for the wasm and host-crypto paths.

mod mint;

use mint::unhex;
use oidc_edge::signature::{BuiltinVerifier, SignatureVerifier};
use oidc_edge::{Algorithm, Jwk};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = mint::vectors().join("wycheproof").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `valid` when `sig` verifies `msg` under `jwk` for `alg`, else `invalid`.
fn outcome(alg: Algorithm, jwk: &Jwk, msg: &[u8], sig: &[u8]) -> &'static str {
    let key = jwk
        .check_usable(alg)
        .expect("every Wycheproof key meets the key policy");
    if sig.len() == key.signature_len() && BuiltinVerifier.verify(alg, key, msg, sig) {
        "valid"
    } else {
        "invalid"
    }
}

/// The group's `publicKeyJwk`; a few ECDSA groups (special `r` / `x` values) have none, then
/// the JWK is made from `publicKey.wx` / `wy` (big-endian hex, to the field length).
fn group_jwk(group: &Value, alg: Algorithm) -> Value {
    if let Some(jwk) = group.get("publicKeyJwk") {
        return jwk.clone();
    }
    let (crv, len) = match alg {
        Algorithm::ES256 => ("P-256", 32),
        Algorithm::ES384 => ("P-384", 48),
        _ => panic!("a {alg} group without publicKeyJwk"),
    };
    let coordinate = |name: &str| {
        let mut v = unhex(group["publicKey"][name].as_str().unwrap());
        while v.len() > len && v[0] == 0 {
            v.remove(0);
        }
        while v.len() < len {
            v.insert(0, 0);
        }
        mint::b64(&v)
    };
    serde_json::json!({"kty": "EC", "crv": crv, "x": coordinate("wx"), "y": coordinate("wy")})
}

fn run_file(entry: &Value) {
    let name = entry["file"].as_str().unwrap();
    let alg = Algorithm::from_name(entry["alg"].as_str().unwrap()).unwrap();
    let differences: Vec<(u64, &str)> = entry["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["tcId"].as_u64().unwrap(), d["expected"].as_str().unwrap()))
        .collect();
    let file = load(name);
    let (mut valid, mut invalid, mut disagreements) = (0, 0, Vec::new());
    for group in file["testGroups"].as_array().unwrap() {
        let jwk = Jwk::from_value(&group_jwk(group, alg));
        assert_eq!(jwk.key_kind(), Some(alg.key_kind()), "{name}");
        for t in group["tests"].as_array().unwrap() {
            let id = t["tcId"].as_u64().unwrap();
            let expected = differences
                .iter()
                .find(|(d, _)| *d == id)
                .map_or_else(|| t["result"].as_str().unwrap(), |(_, e)| *e);
            let got = outcome(
                alg,
                &jwk,
                &unhex(t["msg"].as_str().unwrap()),
                &unhex(t["sig"].as_str().unwrap()),
            );
            match (expected, got) {
                ("valid", "valid") => valid += 1,
                ("invalid", "invalid") => invalid += 1,
                _ => disagreements.push(format!(
                    "tcId {id} ({}): expected {expected}, got {got}",
                    t["comment"]
                )),
            }
        }
    }
    println!(
        "{name}: {valid} valid verified, {invalid} invalid rejected, {} disagreements",
        disagreements.len()
    );
    assert!(disagreements.is_empty(), "{name}: {disagreements:#?}");
    assert_eq!(
        valid + invalid,
        file["numberOfTests"].as_u64().unwrap() as usize,
        "{name}"
    );
    assert_eq!(valid as u64, entry["valid"].as_u64().unwrap(), "{name}");
    assert_eq!(invalid as u64, entry["invalid"].as_u64().unwrap(), "{name}");
    assert_eq!(
        (valid + invalid) as u64,
        entry["tests"].as_u64().unwrap(),
        "{name}"
    );
}

fn entry(file: &str) -> Value {
    load("expectations.json")["signature_files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == file)
        .unwrap()
        .clone()
}

#[test]
fn ecdsa_p256_sha256_p1363_agrees_100_percent() {
    run_file(&entry("ecdsa_secp256r1_sha256_p1363_test.json"));
}

#[test]
fn ecdsa_p384_sha384_p1363_agrees_100_percent() {
    run_file(&entry("ecdsa_secp384r1_sha384_p1363_test.json"));
}

#[test]
fn ed25519_agrees_100_percent() {
    run_file(&entry("ed25519_test.json"));
}

/// The fully specified `Ed25519` algorithm name is the same verification as `EdDSA`.
#[test]
fn ed25519_by_its_fully_specified_name_agrees_too() {
    let mut e = entry("ed25519_test.json");
    e["alg"] = "Ed25519".into();
    run_file(&e);
}

#[test]
fn every_listed_file_is_run() {
    let files = load("expectations.json")["signature_files"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(files, 3);
}
