//! Project Wycheproof `json_web_signature_test.json` (C2SP `testvectors_v1`, Apache-2.0, see
//! `tests/vectors/wycheproof/`): every test of every group whose key is an RSA or EC key, at the
//! JWS layer (checks 1-4: structure, alg allow-list with every algorithm allowed, key
//! selection with the key's `use` / `key_ops` / `alg`, signature with the built-in
//! verification). Payloads are not JWT claims here, so checks 5-6 do not apply.
//!
//! Expected agreement is 100% but for the recorded policy differences of
//! `tests/vectors/wycheproof/expectations.json` (the same data the npm package's tests read):
//! tcIds 346 and 350 are RFC 7520's PS384 token under a key declared `"alg": "PS256"`,
//! labelled valid by Wycheproof; a JWK's `alg` names the one algorithm the key is for (RFC 7517
//! section 4.4), so we refuse it (`key_unusable`), as panva/jose does; without the key's `alg`
//! both verify (asserted below). tcIds 347 and 351 are RFC 7520's ES512 (P-521) token: ES512
//! is not an algorithm we verify (`alg_not_allowed`). tcId 16 of the HS256 group (`alg` none)
//! is also run against the RSA key set.

mod mint;

use oidc_edge::signature::{BuiltinVerifier, SignatureVerifier};
use oidc_edge::{Algorithm, Error, ErrorKind, JwkSet, Verifier, VerifyOptions};
use serde_json::{json, Value};

fn verifier() -> Verifier {
    Verifier::new(VerifyOptions {
        issuer: vec!["unused".into()],
        client_ids: vec!["unused".into()],
        algorithms: Algorithm::ALL.to_vec(),
        ..VerifyOptions::default()
    })
    .unwrap()
}

/// Checks 1-4. `Ok(())` when the signature verifies.
fn jws_verify(v: &Verifier, token: &str, keys: &JwkSet) -> Result<(), Error> {
    let p = v.begin(token, keys)?;
    let ok = p.signature_length_ok()
        && BuiltinVerifier.verify(
            p.algorithm(),
            p.public_key(),
            p.signing_input(),
            p.signature(),
        );
    if ok {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::BadSignature))
    }
}

fn load(name: &str) -> Value {
    let path = mint::vectors().join("wycheproof").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// tcId -> (expected kind) of the recorded differences.
fn differences(expectations: &Value) -> Vec<(u64, ErrorKind)> {
    expectations["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["expected"], "invalid");
            let kind = ErrorKind::from_name(d["kind"].as_str().unwrap()).unwrap();
            (d["tcId"].as_u64().unwrap(), kind)
        })
        .collect()
}

#[test]
fn wycheproof_jws_rsa_and_ec_groups_agree_100_percent() {
    let expectations = load("expectations.json")["jws"].clone();
    let file = load(expectations["file"].as_str().unwrap());
    let differences = differences(&expectations);
    let v = verifier();
    let (mut valid_ok, mut invalid_rejected, mut policy, mut disagreements) = (0, 0, 0, Vec::new());
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    let mut rsa_key_set = None;
    for group in file["testGroups"].as_array().unwrap() {
        let Some(public) = group.get("public") else {
            continue;
        };
        assert!(public["kty"] == "RSA" || public["kty"] == "EC", "{public}");
        let keys = JwkSet::from_value(&json!({ "keys": [public] })).unwrap();
        if public["kid"] == "kid-rsa-sign" && public["use"] == "sig" {
            rsa_key_set = Some(keys.clone());
        }
        for t in group["tests"].as_array().unwrap() {
            let id = t["tcId"].as_u64().unwrap();
            // A JSON serialization is not a compact JWS: fed as its text, it must be rejected.
            let token = match &t["jws"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let outcome = jws_verify(&v, &token, &keys);
            if let Some((_, kind)) = differences.iter().find(|(d, _)| *d == id) {
                assert_eq!(t["result"], "valid");
                assert_eq!(outcome.as_ref().unwrap_err().kind(), *kind, "tcId {id}");
                if *kind == ErrorKind::KeyUnusable {
                    let mut public = public.clone();
                    public.as_object_mut().unwrap().remove("alg");
                    let no_alg = JwkSet::from_value(&json!({ "keys": [public] })).unwrap();
                    assert_eq!(
                        jws_verify(&v, &token, &no_alg),
                        Ok(()),
                        "tcId {id} without key alg"
                    );
                }
                policy += 1;
                continue;
            }
            match (t["result"].as_str().unwrap(), &outcome) {
                ("valid", Ok(())) => valid_ok += 1,
                ("invalid", Err(e)) => {
                    invalid_rejected += 1;
                    *kinds.entry(e.kind().as_str()).or_default() += 1;
                }
                (expected, got) => {
                    disagreements.push(format!("tcId {id}: expected {expected}, got {got:?}"))
                }
            }
            // Pinned reasons for the key-metadata, alg-none and signature-encoding vectors.
            let expect_kind = match id {
                332 | 353 | 354 | 355 | 356 => Some(ErrorKind::KeyUnusable),
                31 | 341..=344 => Some(ErrorKind::AlgNotAllowed),
                // the header's embedded jwk is never used: the set's key refuses the signature
                32 => Some(ErrorKind::BadSignature),
                // r || s of the wrong length, r or s out of [1, n-1]
                379..=401 => Some(ErrorKind::BadSignature),
                _ => None,
            };
            if let Some(kind) = expect_kind {
                assert_eq!(outcome.as_ref().unwrap_err().kind(), kind, "tcId {id}");
            }
        }
    }
    // tcId 16 (alg none, HS256 group) against the RSA key set.
    let hs = file["testGroups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["tests"].as_array().unwrap())
        .find(|t| t["tcId"] == 16)
        .unwrap();
    let e = jws_verify(
        &v,
        hs["jws"].as_str().unwrap(),
        rsa_key_set.as_ref().unwrap(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlgNotAllowed);
    invalid_rejected += 1;

    println!(
        "Wycheproof JWS, RSA and EC groups: {valid_ok} valid verified, {invalid_rejected} \
         invalid rejected, {} disagreements, {policy} recorded policy differences; rejection \
         kinds: {kinds:?}",
        disagreements.len()
    );
    assert_eq!(policy, differences.len());
    assert!(disagreements.is_empty(), "{disagreements:#?}");
    // Every RSA- and EC-group test ran: the counts of expectations.json.
    assert_eq!(valid_ok, expectations["valid"].as_u64().unwrap());
    assert_eq!(invalid_rejected, expectations["invalid"].as_u64().unwrap());
}

#[test]
fn wycheproof_rs256_group_tc33_valid_and_34_to_258_invalid() {
    let file = load("json_web_signature_test.json");
    let group = file["testGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["public"]["kid"] == "kid-rsa-sign" && g["public"]["use"] == "sig")
        .unwrap();
    let keys = JwkSet::from_value(&json!({ "keys": [group["public"]] })).unwrap();
    let v = verifier();
    let mut seen = 0;
    for t in group["tests"].as_array().unwrap() {
        let id = t["tcId"].as_u64().unwrap();
        let token = t["jws"].as_str().unwrap();
        let outcome = jws_verify(&v, token, &keys);
        if id == 33 {
            assert!(outcome.is_ok());
        } else {
            assert!((34..=258).contains(&id));
            assert!(outcome.is_err(), "tcId {id}");
            if (46..=258).contains(&id) {
                // Corrupted PKCS#1 padding / DigestInfo: well formed, bad signature.
                assert_eq!(
                    outcome.unwrap_err().kind(),
                    ErrorKind::BadSignature,
                    "tcId {id}"
                );
            }
        }
        seen += 1;
    }
    assert_eq!(seen, 226);
}
