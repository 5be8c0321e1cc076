//! RSA verification throughput of the core crate, side by side with `openssl speed` in the
//! same run (a benchmark, not a test: nothing here asserts on time).
//!
//! Run: `cargo bench --bench rsa_verify` (env `RSA_BENCH_SECS` = seconds per measurement,
//! default 2; `RSA_BENCH_NO_OPENSSL=1` skips the OpenSSL run).
//!
//! Rows:
//! - `raw`: RSAVP1 only (`sig^e mod n`, byte conversions included), native limbs;
//! - `raw32`: the same with 32-bit limbs (the arithmetic the wasm32 build uses);
//! - `RS256`: `verify_pkcs1v15` (hash the ~800-octet signing input, exponentiate, compare);
//! - `PS256`: `verify_pss`;
//! - `token`: the full `Verifier::verify` pipeline (base64url, JSON, key selection, RS256,
//!   claims) on an ~800-octet ID token; `token+memo`: the same token again through a
//!   `MemoVerifier` (repeated-token path);
//! - `parse`: `RsaPublicKey::from_components` (Montgomery precomputation per key).
//!
//! Signatures are made once with the `rsa` crate under the fixed test keys in
//! `tests/vectors/keys/rsa/`.

#[path = "support.rs"]
mod support;

use core::hint::black_box;
use std::path::PathBuf;
use std::process::Command;

use support::{id_token_claims, id_token_options, rate, NOW};

use oidc_edge::alg::Algorithm;
use oidc_edge::jwk::JwkSet;
use oidc_edge::rsa::{Hash, RsaPublicKey};
use oidc_edge::signature::{BuiltinVerifier, MemoVerifier};
use oidc_edge::verify::{Verifier, VerifyOptions};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, Pss, RsaPrivateKey};
use sha2::{Digest, Sha256};

fn key_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/keys/rsa")
        .join(name)
}

fn load(name: &str) -> RsaPrivateKey {
    let pem = std::fs::read_to_string(key_path(name)).expect("test key");
    RsaPrivateKey::from_pkcs8_pem(&pem).expect("PKCS#8 PEM")
}

fn b64(data: &[u8]) -> String {
    oidc_edge::base64url::encode(data)
}

fn main() {
    let secs = support::seconds("RSA_BENCH_SECS");
    let target = if cfg!(target_pointer_width = "64") {
        "u64 limbs"
    } else {
        "u32 limbs"
    };
    let clock = support::clock();
    println!("oidc-edge RSA verify benchmark ({target} native, {secs} {clock} s per row)");
    println!("{:<28} {:>12} {:>10}", "row", "per second", "us each");

    let claims = id_token_claims();

    for (name, bits) in [
        ("rsa2048.pem", 2048),
        ("rsa3072.pem", 3072),
        ("rsa4096.pem", 4096),
    ] {
        let sk = load(name);
        let n = sk.n().to_bytes_be();
        let e = sk.e().to_bytes_be();
        let key = RsaPublicKey::from_components(&n, &e).expect("key");
        let key32 = key.limb32().expect("key32");
        let header = b64(br#"{"alg":"RS256","typ":"JWT","kid":"bench-key"}"#);
        let signing_input = format!("{header}.{}", b64(claims.as_bytes()));
        let digest = Sha256::digest(signing_input.as_bytes());
        let sig = sk
            .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
            .expect("sign");
        let mut rng = rand::thread_rng();
        let pss_sig = sk
            .sign_with_rng(&mut rng, Pss::new_with_salt::<Sha256>(32), &digest)
            .expect("sign pss");
        assert!(key.verify_pkcs1v15(Hash::Sha256, signing_input.as_bytes(), &sig));
        assert!(key.verify_pss(Hash::Sha256, signing_input.as_bytes(), &pss_sig));

        let row = |what: &str, r: f64| {
            println!(
                "{:<28} {:>12.0} {:>10.2}",
                format!("{what} {bits}"),
                r,
                1e6 / r
            );
        };
        row(
            "raw",
            rate(secs, || {
                black_box(key.raw_public_op(black_box(&sig)));
            }),
        );
        row(
            "raw32",
            rate(secs, || {
                black_box(key32.raw_public_op(black_box(&sig)));
            }),
        );
        row(
            "RS256",
            rate(secs, || {
                black_box(key.verify_pkcs1v15(
                    Hash::Sha256,
                    black_box(signing_input.as_bytes()),
                    black_box(&sig),
                ));
            }),
        );
        row(
            "PS256",
            rate(secs, || {
                black_box(key.verify_pss(
                    Hash::Sha256,
                    black_box(signing_input.as_bytes()),
                    black_box(&pss_sig),
                ));
            }),
        );
        row(
            "parse",
            rate(secs / 2.0, || {
                black_box(RsaPublicKey::from_components(black_box(&n), black_box(&e)).is_ok());
            }),
        );

        // full token pipeline
        let token = format!("{signing_input}.{}", b64(&sig));
        let jwks = format!(
            r#"{{"keys":[{{"kty":"RSA","kid":"bench-key","use":"sig","alg":"RS256","n":"{}","e":"{}"}}]}}"#,
            b64(&n),
            b64(&e)
        );
        let set = JwkSet::from_json(&jwks).expect("jwks");
        let options = VerifyOptions {
            algorithms: vec![Algorithm::RS256],
            ..id_token_options()
        };
        let verifier = Verifier::new(options).expect("options");
        verifier.verify(&token, &set, NOW).expect("token verifies");
        row(
            "token",
            rate(secs, || {
                black_box(verifier.verify(black_box(&token), &set, NOW).is_ok());
            }),
        );
        let memo = MemoVerifier::new(BuiltinVerifier);
        row(
            "token+memo",
            rate(secs, || {
                black_box(
                    verifier
                        .verify_with(black_box(&token), &set, NOW, &memo)
                        .is_ok(),
                );
            }),
        );
        if bits == 2048 {
            println!("  (token: {} octets)", token.len());
        }
    }

    if std::env::var_os("RSA_BENCH_NO_OPENSSL").is_some() {
        return;
    }
    // Side by side: ours before and after `openssl speed`, on a short message (like the
    // 36-octet input of `openssl speed`) and on the ~1.1 KB token signing input.
    let sk = load("rsa2048.pem");
    let key =
        RsaPublicKey::from_components(&sk.n().to_bytes_be(), &sk.e().to_bytes_be()).expect("key");
    let short = b"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UifQ".to_vec();
    let header = b64(br#"{"alg":"RS256","typ":"JWT","kid":"bench-key"}"#);
    let long = format!("{header}.{}", b64(claims.as_bytes())).into_bytes();
    let sign = |m: &[u8]| {
        sk.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(m))
            .expect("sign")
    };
    let (sig_short, sig_long) = (sign(&short), sign(&long));
    let measure = |short_rates: &mut Vec<f64>, long_rates: &mut Vec<f64>| {
        short_rates.push(rate(secs, || {
            black_box(key.verify_pkcs1v15(Hash::Sha256, black_box(&short), black_box(&sig_short)));
        }));
        long_rates.push(rate(secs, || {
            black_box(key.verify_pkcs1v15(Hash::Sha256, black_box(&long), black_box(&sig_long)));
        }));
    };
    let (mut s_rates, mut l_rates) = (Vec::new(), Vec::new());
    measure(&mut s_rates, &mut l_rates);
    let Some(openssl) = openssl_verify_2048() else {
        println!("openssl speed: not available");
        return;
    };
    measure(&mut s_rates, &mut l_rates);
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        (v[0] + v[v.len() - 1]) / 2.0
    };
    let (s_mid, l_mid) = (median(&s_rates), median(&l_rates));
    println!("openssl speed -seconds 3 rsa2048: verify {openssl:.0}/s");
    println!(
        "oidc-edge RS256 2048, {}-octet message: {:.0}/s (runs {:?}), ratio {:.2}x openssl",
        short.len(),
        s_mid,
        s_rates.iter().map(|r| r.round()).collect::<Vec<_>>(),
        s_mid / openssl
    );
    println!(
        "oidc-edge RS256 2048, {}-octet message: {:.0}/s (runs {:?}), ratio {:.2}x openssl",
        long.len(),
        l_mid,
        l_rates.iter().map(|r| r.round()).collect::<Vec<_>>(),
        l_mid / openssl
    );
}

/// `openssl speed -seconds 3 rsa2048` verify/s, if an `openssl` binary is on the PATH.
fn openssl_verify_2048() -> Option<f64> {
    let out = Command::new("openssl")
        .args(["speed", "-seconds", "3", "rsa2048"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "rsa 2048 bits 0.000679s 0.000020s   1472.7  49146.3"
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("rsa 2048 bits"))?;
    line.split_whitespace().last()?.parse().ok()
}
