//! ES256, ES384 and EdDSA verification throughput of the core crate, side by side with
//! `openssl speed` in the same run (a benchmark, not a test: nothing here asserts on time).
//!
//! Run: `cargo bench --bench curve_verify` (env `CURVE_BENCH_SECS` = seconds per measurement,
//! default 2; `CURVE_BENCH_NO_OPENSSL=1` skips the OpenSSL run).
//!
//! Rows per algorithm:
//! - `verify`: `PublicKey::verify` over the ~800-octet signing input of the ID token (hash
//!   included), what `BuiltinVerifier` does;
//! - `token`: the full `Verifier::verify` pipeline (base64url, JSON, key selection by the key's
//!   default allow-list, signature, claims);
//! - `parse`: `Jwk::from_value` (point decoding and validation per key).
//!
//! Keys: the committed test keys `tests/vectors/keys/core/test-{p256,p384,ed25519}.pem`; the
//! signatures are made once here.

#[path = "support.rs"]
mod support;

use core::hint::black_box;
use std::path::PathBuf;
use std::process::Command;

use oidc_edge::{base64url, Algorithm, Jwk, JwkSet, Verifier};
use p256::pkcs8::DecodePrivateKey;
use serde_json::Value;
use support::{id_token_claims, id_token_options, rate, NOW};

fn key_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/keys/core")
        .join(name);
    std::fs::read_to_string(path).expect("test key")
}

/// The public JWK of a committed test key (its entry in `public-jwks.json`).
fn public_jwk(kid: &str) -> Value {
    let set: Value = serde_json::from_str(&key_file("public-jwks.json")).expect("JSON");
    set["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == kid)
        .expect("test key")
        .clone()
}

/// `r || s` or `R || S` of `message` with the named test key.
fn sign(alg: Algorithm, message: &[u8]) -> Vec<u8> {
    use p256::ecdsa::signature::Signer;
    match alg {
        Algorithm::ES256 => {
            let k = p256::ecdsa::SigningKey::from_pkcs8_pem(&key_file("test-p256.pem")).unwrap();
            let sig: p256::ecdsa::Signature = k.sign(message);
            sig.to_bytes().to_vec()
        }
        Algorithm::ES384 => {
            let k = p384::ecdsa::SigningKey::from_pkcs8_pem(&key_file("test-p384.pem")).unwrap();
            let sig: p384::ecdsa::Signature = k.sign(message);
            sig.to_bytes().to_vec()
        }
        _ => {
            let pem = key_file("test-ed25519.pem");
            let k = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).unwrap();
            k.sign(message).to_bytes().to_vec()
        }
    }
}

fn main() {
    let secs = support::seconds("CURVE_BENCH_SECS");
    let clock = support::clock();
    println!("oidc-edge ES256 / ES384 / EdDSA verify benchmark (native, {secs} {clock} s per row)");
    println!("{:<28} {:>12} {:>10}", "row", "per second", "us each");
    let row = |what: String, r: f64| println!("{what:<28} {r:>12.0} {:>10.2}", 1e6 / r);
    let claims = id_token_claims();
    let verifier = Verifier::new(id_token_options()).expect("options");
    let mut ours = Vec::new();
    for (alg, kid) in [
        (Algorithm::ES256, "test-p256"),
        (Algorithm::ES384, "test-p384"),
        (Algorithm::EdDSA, "test-ed25519"),
    ] {
        let jwk_value = public_jwk(kid);
        let jwk = Jwk::from_value(&jwk_value);
        let key = jwk.check_usable(alg).expect("usable").clone();
        let header = base64url::encode(format!(r#"{{"alg":"{alg}","kid":"{kid}"}}"#).as_bytes());
        let signing_input = format!("{header}.{}", base64url::encode(claims.as_bytes()));
        let sig = sign(alg, signing_input.as_bytes());
        assert!(key.verify(alg, signing_input.as_bytes(), &sig));
        let r = rate(secs, || {
            black_box(key.verify(alg, black_box(signing_input.as_bytes()), black_box(&sig)));
        });
        ours.push((alg, r));
        row(format!("{alg} verify"), r);
        let token = format!("{signing_input}.{}", base64url::encode(&sig));
        let set = JwkSet::from_value(&serde_json::json!({ "keys": [jwk_value] })).expect("set");
        verifier.verify(&token, &set, NOW).expect("token verifies");
        row(
            format!("{alg} token"),
            rate(secs, || {
                black_box(verifier.verify(black_box(&token), &set, NOW).is_ok());
            }),
        );
        row(
            format!("{alg} parse"),
            rate(secs / 2.0, || {
                black_box(
                    Jwk::from_value(black_box(&jwk_value))
                        .public_key()
                        .is_some(),
                );
            }),
        );
        if alg == Algorithm::ES256 {
            println!("  (token: {} octets)", token.len());
        }
    }
    if std::env::var_os("CURVE_BENCH_NO_OPENSSL").is_some() {
        return;
    }
    // Side by side: `openssl speed` (its own 36-octet messages; ours hash ~800 octets more).
    for ((alg, r), (name, label)) in ours.iter().zip([
        ("ecdsap256", "256 bits ecdsa (nistp256)"),
        ("ecdsap384", "384 bits ecdsa (nistp384)"),
        ("ed25519", "253 bits EdDSA (Ed25519)"),
    ]) {
        match openssl_verify(name, label) {
            Some(o) => println!(
                "openssl speed -seconds 3 {name}: verify {o:.0}/s; oidc-edge {alg} {r:.0}/s, \
                 ratio {:.2}x openssl",
                r / o
            ),
            None => println!("openssl speed {name}: not available"),
        }
    }
}

/// `openssl speed -seconds 3 NAME` verify/s (the last column of the line starting with
/// `label`), if an `openssl` binary is on the PATH.
fn openssl_verify(name: &str, label: &str) -> Option<f64> {
    let out = Command::new("openssl")
        .args(["speed", "-seconds", "3", name])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.trim_start().starts_with(label))?;
    line.split_whitespace().last()?.parse().ok()
}
