//! Example tokens printed in OIDC Core 1.0 and the JOSE RFCs (`tests/vectors/spec`, see its
//! ORIGIN.md): full ID-token verification where the example is an ID token, signature-level
//! verification (`Verifier::begin` + `BuiltinVerifier`) for the plain JWS examples, and the
//! rejections that follow from each example's nature.

mod mint;

use oidc_edge::signature::{BuiltinVerifier, SignatureVerifier};
use oidc_edge::{base64url, Algorithm, ErrorKind, JwkSet, Verifier, VerifyOptions};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = mint::vectors().join("spec").join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// An example file and its key set.
fn example(name: &str) -> (Value, JwkSet) {
    let v = load(name);
    let keys = jwks(&v);
    (v, keys)
}

fn jwks(v: &Value) -> JwkSet {
    JwkSet::from_value(&v["jwks"]).unwrap()
}

/// The options a file's `verify_options` describe (client id = its audience).
fn options(v: &Value) -> VerifyOptions {
    let o = &v["verify_options"];
    VerifyOptions {
        issuer: vec![o["issuer"].as_str().unwrap().into()],
        client_ids: vec![o["audience"].as_str().unwrap().into()],
        nonce: o["nonce"].as_str().map(String::from),
        algorithms: o["algorithms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| Algorithm::from_name(a.as_str().unwrap()).unwrap())
            .collect(),
        clock_tolerance: o["clock_tolerance_s"].as_u64().unwrap(),
        ..VerifyOptions::default()
    }
}

/// Verifies the file's token with `o` at the file's time `at` (`valid_at`, `expired_at`).
fn verify_at(
    v: &Value,
    o: VerifyOptions,
    at: &str,
) -> Result<oidc_edge::Verified, oidc_edge::Error> {
    let now = v[at].as_i64().unwrap();
    Verifier::new(o)
        .unwrap()
        .verify(v["token"].as_str().unwrap(), &jwks(v), now)
}

const ID_TOKENS: &[&str] = &[
    "oidc-core-3_1_3_3",
    "oidc-core-A_2",
    "oidc-core-A_3",
    "oidc-core-A_4",
    "oidc-core-A_6",
    "oidc-core-A_2-errata1",
    "oidc-core-A_3-errata1",
    "oidc-core-A_4-errata1",
    "oidc-core-A_6-errata1",
];

#[test]
fn oidc_core_3_1_3_3_verifies_with_kid_1e9gdk7_and_yields_exactly_its_claims() {
    let v = load("oidc-core-3_1_3_3");
    let verifier = Verifier::new(options(&v)).unwrap();
    let now = v["valid_at"].as_i64().unwrap();
    let ok = verifier
        .verify(v["token"].as_str().unwrap(), &jwks(&v), now)
        .unwrap();
    assert_eq!(
        ok.header.get("kid").and_then(Value::as_str),
        Some("1e9gdk7")
    );
    assert_eq!(Value::Object(ok.claims.all.clone()), v["expected_claims"]);
    assert_eq!(ok.claims.iss.as_deref(), Some("http://server.example.com"));
    assert_eq!(ok.claims.sub.as_deref(), Some("248289761001"));
    assert_eq!(ok.claims.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    assert_eq!(ok.claims.exp.unwrap().as_secs(), 1311281970);
    assert_eq!(ok.claims.iat.unwrap().as_secs(), 1311280970);
    assert!(ok.claims.aud.as_ref().unwrap().contains("s6BhdRkqt3"));
}

#[test]
fn every_oidc_example_id_token_verifies_at_valid_at_with_its_hashes() {
    for name in ID_TOKENS {
        let v = load(name);
        let mut o = options(&v);
        if let Some(at) = v.get("at_hash_check") {
            o.access_token = Some(at["access_token"].as_str().unwrap().into());
        }
        if let Some(c) = v.get("c_hash_check") {
            o.code = Some(c["code"].as_str().unwrap().into());
            o.require_c_hash = true;
        }
        let ok = verify_at(&v, o, "valid_at").unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(Value::Object(ok.claims.all), v["expected_claims"], "{name}");
    }
}

#[test]
fn at_hash_and_c_hash_are_checked_against_the_right_values() {
    let wrong_access_token = |v: &Value| VerifyOptions {
        access_token: Some("not-the-access-token".into()),
        ..options(v)
    };
    let wrong_code = |v: &Value| VerifyOptions {
        code: Some("not-the-code".into()),
        ..options(v)
    };
    type Patch<'a> = &'a dyn Fn(&Value) -> VerifyOptions;
    let cases: [(&[&str], Patch, ErrorKind, &str); 2] = [
        (
            &["oidc-core-A_3", "oidc-core-A_6", "oidc-core-A_3-errata1"],
            &wrong_access_token,
            ErrorKind::AtHashMismatch,
            "at_hash",
        ),
        (
            &[
                "oidc-core-A_4",
                "oidc-core-A_6",
                "oidc-core-A_4-errata1",
                "oidc-core-A_6-errata1",
            ],
            &wrong_code,
            ErrorKind::CHashMismatch,
            "c_hash",
        ),
    ];
    for (names, patch, kind, claim) in cases {
        for name in names {
            let v = load(name);
            let e = verify_at(&v, patch(&v), "valid_at").unwrap_err();
            assert_eq!((e.kind(), e.claim()), (kind, Some(claim)), "{name}");
        }
    }
}

#[test]
fn errata1_a6_has_no_at_hash_accepted_unless_required() {
    let v = load("oidc-core-A_6-errata1");
    let at = v["at_hash_check"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let lenient = VerifyOptions {
        access_token: Some(at.clone()),
        ..options(&v)
    };
    assert!(verify_at(&v, lenient, "valid_at").is_ok());
    let strict = VerifyOptions {
        access_token: Some(at),
        require_at_hash: true,
        ..options(&v)
    };
    let e = verify_at(&v, strict, "valid_at").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ClaimMissing);
    assert_eq!(e.claim(), Some("at_hash"));
}

#[test]
fn every_oidc_example_is_expired_at_expired_at_and_errata2_fails_the_errata1_issuer() {
    for name in ID_TOKENS {
        let v = load(name);
        let verifier = Verifier::new(options(&v)).unwrap();
        let e = verify_at(&v, options(&v), "expired_at").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Expired, "{name}");
        assert_eq!(e.code(), "ERR_JWT_EXPIRED");
        // exactly at exp (tolerance 0) is expired too
        let exp = v["payload"]["exp"].as_i64().unwrap();
        let e = verifier
            .verify(v["token"].as_str().unwrap(), &jwks(&v), exp)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Expired, "{name}");
        assert!(verifier
            .verify(v["token"].as_str().unwrap(), &jwks(&v), exp - 1)
            .is_ok());
    }
    // The errata-2 A.2 token (https issuer) under the errata-1 issuer (http).
    let v = load("oidc-core-A_2");
    let o = VerifyOptions {
        issuer: vec!["http://server.example.com".into()],
        ..options(&v)
    };
    let e = verify_at(&v, o, "valid_at").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IssMismatch);
}

/// Signature-level verification: checks 1-3, then the built-in verification over the signing
/// input.
fn verifies_at_signature_level(token: &str, keys: &JwkSet, alg: Algorithm) -> bool {
    let v = Verifier::new(VerifyOptions {
        issuer: vec!["unused".into()],
        client_ids: vec!["unused".into()],
        algorithms: vec![alg],
        ..VerifyOptions::default()
    })
    .unwrap();
    let Ok(p) = v.begin(token, keys) else {
        return false;
    };
    p.signature_length_ok()
        && BuiltinVerifier.verify(
            p.algorithm(),
            p.public_key(),
            p.signing_input(),
            p.signature(),
        )
}

fn id_token_verifier() -> Verifier {
    Verifier::new(VerifyOptions {
        issuer: vec!["joe".into()],
        client_ids: vec!["s6BhdRkqt3".into()],
        ..VerifyOptions::default()
    })
    .unwrap()
}

#[test]
fn rfc7515_a2_verifies_as_jws_and_is_rejected_as_id_token() {
    let (v, keys) = example("rfc7515-A_2");
    let token = v["token"].as_str().unwrap();
    assert!(verifies_at_signature_level(token, &keys, Algorithm::RS256));
    // A flipped signature bit does not verify.
    let mut sig = base64url::decode(token.rsplit('.').next().unwrap().as_bytes()).unwrap();
    sig[10] ^= 1;
    let (input, _) = token.rsplit_once('.').unwrap();
    let bad = format!("{input}.{}", base64url::encode(&sig));
    assert!(!verifies_at_signature_level(&bad, &keys, Algorithm::RS256));
    // As an ID token: the signature is fine, but it has no aud.
    let e = id_token_verifier()
        .verify(token, &keys, v["valid_at"].as_i64().unwrap())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ClaimMissing);
    assert_eq!(e.claim(), Some("aud"));
}

#[test]
fn rfc7520_examples_verify_as_jws_and_are_rejected_as_id_tokens() {
    for name in ["rfc7520-4_1", "rfc7520-4_8-rs256-no-kid"] {
        let (v, keys) = example(name);
        let token = v["token"].as_str().unwrap();
        assert!(
            verifies_at_signature_level(token, &keys, Algorithm::RS256),
            "{name}"
        );
        // The payload is text, not a JSON object: malformed payload, after the signature.
        let e = id_token_verifier().verify(token, &keys, 0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Malformed, "{name}");
        assert_eq!(e.code(), "ERR_JWT_INVALID", "{name}");
    }
}

#[test]
fn rfc7520_ps384_rejected_by_default_allow_list_accepted_when_allowed() {
    let (v, keys) = example("rfc7520-4_2-ps384");
    let token = v["token"].as_str().unwrap();
    let e = id_token_verifier().verify(token, &keys, 0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlgNotAllowed);
    assert_eq!(e.code(), "ERR_JOSE_ALG_NOT_ALLOWED");
    assert!(!verifies_at_signature_level(token, &keys, Algorithm::RS256));
    assert!(verifies_at_signature_level(token, &keys, Algorithm::PS384));
    // Allowing it does not make the text payload an ID token.
    let v2 = Verifier::new(VerifyOptions {
        algorithms: vec![Algorithm::PS384],
        ..id_token_verifier().options().clone()
    })
    .unwrap();
    assert_eq!(
        v2.verify(token, &keys, 0).unwrap_err().code(),
        "ERR_JWT_INVALID"
    );
}

#[test]
fn request_object_is_rejected_as_id_token() {
    let (v, keys) = example("oidc-core-6_1-request-object");
    let token = v["token"].as_str().unwrap();
    assert!(verifies_at_signature_level(token, &keys, Algorithm::RS256));
    let iss = v["payload"]["iss"].as_str().unwrap().to_string();
    let verifier = Verifier::new(VerifyOptions {
        issuer: vec![iss],
        client_ids: vec!["s6BhdRkqt3".into()],
        ..VerifyOptions::default()
    })
    .unwrap();
    let e = verifier.verify(token, &keys, 1_311_281_000).unwrap_err();
    // Its aud is the OP, not the client.
    assert_eq!(e.kind(), ErrorKind::AudMismatch, "{e}");
}

#[test]
fn rfc7517_keys_thumbprint_and_selection() {
    let v = load("rfc7517-keys");
    let set = JwkSet::from_value(&v["appendix_A_1_jwks"]).unwrap();
    assert_eq!(set.len(), 2);
    let rsa = set
        .keys()
        .iter()
        .find(|k| k.key_id() == Some("2011-04-29"))
        .unwrap();
    assert_eq!(
        base64url::encode(&rsa.thumbprint().unwrap()),
        v["appendix_A_1_checks"]["rfc7638_thumbprint_2011-04-29"]
            .as_str()
            .unwrap()
    );
    // The EC key (P-256, `use` enc) is a valid point, so it has a thumbprint, and may not
    // verify signatures.
    let ec = &set.keys()[0];
    assert!(ec.thumbprint().is_some());
    assert_eq!(
        ec.public_key().map(|k| k.kind()),
        Some(oidc_edge::KeyKind::P256)
    );
    assert_eq!(
        set.select(Some("1"), Algorithm::ES256).unwrap_err().kind(),
        ErrorKind::KeyUnusable
    );
    // An RS256 token without kid selects the one usable (RSA) key and skips the EC key.
    assert_eq!(
        set.select(None, Algorithm::RS256).unwrap().key_id(),
        Some("2011-04-29")
    );
    // Selecting the EC key by kid: unusable.
    assert_eq!(
        set.select(Some("1"), Algorithm::RS256).unwrap_err().kind(),
        ErrorKind::KeyUnusable
    );
    // Appendix B: x5c is ignored, n/e are used.
    let b = JwkSet::from_value(&serde_json::json!({ "keys": [v["appendix_B_jwk"]] })).unwrap();
    assert_eq!(b.keys()[0].rsa_key().unwrap().bits(), 2048);
}
