//! Project Wycheproof RSA signature vectors (C2SP `testvectors_v1`, see
//! `tests/vectors/wycheproof/` and its LICENSE) through `RsaPublicKey::verify_pkcs1v15` and
//! `RsaPublicKey::verify_pss`.
//!
//! Expectations: every `valid` test verifies (including the five e = 3 keys: the key policy
//! allows 3 <= e < 2^32), every `invalid` test is rejected, and every `acceptable` test (all
//! of them flag `MissingNull`: a DigestInfo without the NULL parameter) is rejected, by choice
//! (strict DER DigestInfo, as OpenSSL does). The 8192-bit file is inside the key policy.
//! Each file's counts are printed and compared with the counts below, so a silently skipped
//! group or test fails the run. Every test also runs the raw public-key operation with both
//! limb widths (32-bit limbs as on wasm32, 64-bit limbs) and requires the same result.

mod mint;

use std::path::PathBuf;

use mint::unhex;

use oidc_edge::rsa::{Hash, RsaPublicKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// (file, scheme, hash, valid, acceptable, invalid, tests with e = 3)
const FILES: &[(&str, Scheme, Hash, usize, usize, usize, usize)] = &[
    (
        "rsa_signature_2048_sha256_test.json",
        Scheme::Pkcs1,
        Hash::Sha256,
        9,
        1,
        249,
        2,
    ),
    (
        "rsa_signature_3072_sha256_test.json",
        Scheme::Pkcs1,
        Hash::Sha256,
        8,
        1,
        250,
        1,
    ),
    (
        "rsa_signature_4096_sha256_test.json",
        Scheme::Pkcs1,
        Hash::Sha256,
        7,
        1,
        250,
        0,
    ),
    (
        "rsa_signature_8192_sha256_test.json",
        Scheme::Pkcs1,
        Hash::Sha256,
        7,
        1,
        250,
        0,
    ),
    (
        "rsa_signature_2048_sha384_test.json",
        Scheme::Pkcs1,
        Hash::Sha384,
        7,
        1,
        250,
        0,
    ),
    (
        "rsa_signature_3072_sha384_test.json",
        Scheme::Pkcs1,
        Hash::Sha384,
        7,
        1,
        251,
        0,
    ),
    (
        "rsa_signature_4096_sha384_test.json",
        Scheme::Pkcs1,
        Hash::Sha384,
        7,
        1,
        251,
        0,
    ),
    (
        "rsa_signature_2048_sha512_test.json",
        Scheme::Pkcs1,
        Hash::Sha512,
        8,
        1,
        250,
        1,
    ),
    (
        "rsa_signature_3072_sha512_test.json",
        Scheme::Pkcs1,
        Hash::Sha512,
        8,
        1,
        251,
        1,
    ),
    (
        "rsa_signature_4096_sha512_test.json",
        Scheme::Pkcs1,
        Hash::Sha512,
        7,
        1,
        251,
        0,
    ),
    (
        "rsa_pss_2048_sha256_mgf1_32_test.json",
        Scheme::Pss,
        Hash::Sha256,
        63,
        0,
        45,
        0,
    ),
    (
        "rsa_pss_3072_sha256_mgf1_32_test.json",
        Scheme::Pss,
        Hash::Sha256,
        63,
        0,
        45,
        0,
    ),
    (
        "rsa_pss_4096_sha256_mgf1_32_test.json",
        Scheme::Pss,
        Hash::Sha256,
        63,
        0,
        45,
        0,
    ),
    (
        "rsa_pss_2048_sha384_mgf1_48_test.json",
        Scheme::Pss,
        Hash::Sha384,
        95,
        0,
        46,
        0,
    ),
    (
        "rsa_pss_4096_sha384_mgf1_48_test.json",
        Scheme::Pss,
        Hash::Sha384,
        95,
        0,
        46,
        0,
    ),
    (
        "rsa_pss_4096_sha512_mgf1_64_test.json",
        Scheme::Pss,
        Hash::Sha512,
        132,
        0,
        47,
        0,
    ),
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Scheme {
    Pkcs1,
    Pss,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/wycheproof")
}

fn hash_name(h: Hash) -> &'static str {
    match h {
        Hash::Sha256 => "SHA-256",
        Hash::Sha384 => "SHA-384",
        Hash::Sha512 => "SHA-512",
    }
}

/// The files are the unmodified upstream ones: check them against SHA256SUMS.
fn check_sum(name: &str, bytes: &[u8]) {
    let sums = std::fs::read_to_string(dir().join("SHA256SUMS")).expect("SHA256SUMS");
    let want = sums
        .lines()
        .find_map(|l| l.strip_suffix(name).map(|h| h.trim().to_string()))
        .unwrap_or_else(|| panic!("{name} not in SHA256SUMS"));
    let got: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(got, want, "{name}: checksum");
}

#[derive(Default, Debug, PartialEq)]
struct Counts {
    valid: usize,
    acceptable: usize,
    invalid: usize,
    e3: usize,
    agree: usize,
}

fn run_file(name: &str, scheme: Scheme, hash: Hash) -> Counts {
    let bytes = std::fs::read(dir().join(name)).expect("vector file");
    check_sum(name, &bytes);
    let doc: Value = serde_json::from_slice(&bytes).expect("json");
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    for group in doc["testGroups"].as_array().expect("testGroups") {
        assert_eq!(group["sha"], hash_name(hash), "{name}: group hash");
        if scheme == Scheme::Pss {
            assert_eq!(group["mgf"], "MGF1");
            assert_eq!(group["mgfSha"], hash_name(hash));
            assert_eq!(group["sLen"].as_u64(), Some(hash.output_len() as u64));
        }
        let n = unhex(group["publicKey"]["modulus"].as_str().expect("modulus"));
        let e = unhex(group["publicKey"]["publicExponent"].as_str().expect("e"));
        let key = RsaPublicKey::from_components(&n, &e)
            .unwrap_or_else(|err| panic!("{name}: key refused: {err:?}"));
        assert_eq!(
            key.bits() as u64,
            group["keySize"].as_u64().expect("keySize")
        );
        let alts = [
            key.limb32().expect("32-bit limbs"),
            key.limb64().expect("64-bit limbs"),
            key.limb28().expect("28-bit columns"),
        ];
        for test in group["tests"].as_array().expect("tests") {
            let id = test["tcId"].as_u64().expect("tcId");
            let msg = unhex(test["msg"].as_str().expect("msg"));
            let sig = unhex(test["sig"].as_str().expect("sig"));
            let result = test["result"].as_str().expect("result");
            let flags: Vec<&str> = test["flags"]
                .as_array()
                .expect("flags")
                .iter()
                .map(|f| f.as_str().expect("flag"))
                .collect();
            let expect = match result {
                "valid" => {
                    counts.valid += 1;
                    true
                }
                "invalid" => {
                    counts.invalid += 1;
                    false
                }
                "acceptable" => {
                    counts.acceptable += 1;
                    assert_eq!(
                        flags,
                        ["MissingNull"],
                        "{name} tcId {id}: unexpected acceptable"
                    );
                    false // our choice: strict DigestInfo
                }
                other => panic!("{name} tcId {id}: result {other}"),
            };
            if key.exponent() == 3 {
                counts.e3 += 1;
            }
            let got = match scheme {
                Scheme::Pkcs1 => key.verify_pkcs1v15(hash, &msg, &sig),
                Scheme::Pss => key.verify_pss(hash, &msg, &sig),
            };
            // both limb widths (the wasm32 one included) compute the same RSAVP1
            // block or refuses the same signatures
            let raw = key.raw_public_op(&sig);
            for alt in &alts {
                assert_eq!(
                    raw,
                    alt.raw_public_op(&sig),
                    "{name} tcId {id}: back ends disagree"
                );
            }
            if got == expect {
                counts.agree += 1;
            } else {
                failures.push(format!("tcId {id} ({result}, {flags:?}): got {got}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{name}: disagreements:\n{}",
        failures.join("\n")
    );
    let total = counts.valid + counts.acceptable + counts.invalid;
    assert_eq!(
        Some(total as u64),
        doc["numberOfTests"].as_u64(),
        "{name}: test count"
    );
    println!(
        "{name}: {}/{total} agree (valid {} accepted, invalid {} rejected, acceptable {} \
         rejected by choice; e = 3: {})",
        counts.agree, counts.valid, counts.invalid, counts.acceptable, counts.e3
    );
    counts
}

macro_rules! wycheproof_file_tests {
    ($($fn_name:ident => $idx:expr;)*) => {$(
        #[test]
        fn $fn_name() {
            let (name, scheme, hash, valid, acceptable, invalid, e3) = FILES[$idx];
            let counts = run_file(name, scheme, hash);
            assert_eq!(
                counts,
                Counts { valid, acceptable, invalid, e3, agree: valid + acceptable + invalid },
                "{name}"
            );
        }
    )*};
}

wycheproof_file_tests! {
    pkcs1_2048_sha256 => 0;
    pkcs1_3072_sha256 => 1;
    pkcs1_4096_sha256 => 2;
    pkcs1_8192_sha256 => 3;
    pkcs1_2048_sha384 => 4;
    pkcs1_3072_sha384 => 5;
    pkcs1_4096_sha384 => 6;
    pkcs1_2048_sha512 => 7;
    pkcs1_3072_sha512 => 8;
    pkcs1_4096_sha512 => 9;
    pss_2048_sha256 => 10;
    pss_3072_sha256 => 11;
    pss_4096_sha256 => 12;
    pss_2048_sha384 => 13;
    pss_4096_sha384 => 14;
    pss_4096_sha512 => 15;
}

/// Every rsa_* file in the folder is listed above (a new upstream file is not silently ignored).
#[test]
fn every_rsa_file_is_run() {
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .filter(|n| n.starts_with("rsa_") && n.ends_with("_test.json"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = FILES.iter().map(|f| f.0.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}

/// The acceptable (MissingNull) signatures are real signatures over a DigestInfo without the
/// NULL: the rejection is our DigestInfo rule, not a broken computation. Check that the raw
/// block is exactly that encoding for the 2048-bit SHA-256 file.
#[test]
fn missing_null_is_a_policy_rejection() {
    let name = "rsa_signature_2048_sha256_test.json";
    let doc: Value = serde_json::from_slice(&std::fs::read(dir().join(name)).unwrap()).unwrap();
    let mut seen = 0;
    for group in doc["testGroups"].as_array().unwrap() {
        let n = unhex(group["publicKey"]["modulus"].as_str().unwrap());
        let e = unhex(group["publicKey"]["publicExponent"].as_str().unwrap());
        let key = RsaPublicKey::from_components(&n, &e).unwrap();
        for test in group["tests"].as_array().unwrap() {
            if test["result"] != "acceptable" {
                continue;
            }
            seen += 1;
            let msg = unhex(test["msg"].as_str().unwrap());
            let sig = unhex(test["sig"].as_str().unwrap());
            let block = key.raw_public_op(&sig).expect("in range");
            let digest = Sha256::digest(&msg);
            // DigestInfo without NULL: 30 2f 30 0b 06 09 <oid sha256> 04 20 <hash>
            let mut tail = unhex("302f300b0609608648016503040201");
            tail.extend_from_slice(&[0x04, 0x20]);
            tail.extend_from_slice(&digest);
            assert!(block.ends_with(&tail), "tcId {}", test["tcId"]);
            assert_eq!(&block[..2], &[0, 1]);
            assert!(!key.verify_pkcs1v15(Hash::Sha256, &msg, &sig));
        }
    }
    assert_eq!(seen, 1);
}
