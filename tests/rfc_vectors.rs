//! Examples printed in RFC 7515 A.3 (ES256), RFC 8037 A (Ed25519 key, thumbprint, EdDSA JWS),
//! RFC 7638 3.1 (thumbprint) and RFC 9449 (DPoP proofs, `jkt`, `ath`), from
//! `tests/vectors/rfc` (see its ORIGIN.md): each verifies, and each changed part is refused.

mod mint;

use oidc_edge::dpop::{self, DpopOptions};
use oidc_edge::{base64url, Algorithm, ErrorKind, Jwk, JwkSet, Verifier, VerifyOptions};
use serde_json::{json, Value};

fn load(name: &str) -> Value {
    let path = mint::vectors().join("rfc").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn verifier(algorithms: Vec<Algorithm>) -> Verifier {
    Verifier::new(VerifyOptions {
        issuer: vec!["unused".into()],
        client_ids: vec!["unused".into()],
        algorithms,
        ..VerifyOptions::default()
    })
    .unwrap()
}

/// Checks 1-4 with the built-in verification: the header, the key, the signature.
fn signature_verifies(v: &Verifier, token: &str, keys: &JwkSet) -> Result<(), ErrorKind> {
    let p = v.begin(token, keys).map_err(|e| e.kind())?;
    if p.check_signature(&oidc_edge::BuiltinVerifier).is_valid() {
        Ok(())
    } else {
        Err(ErrorKind::BadSignature)
    }
}

/// `token` verifies with the key's default allow-list and with `[alg]`; a changed signature
/// does not.
#[track_caller]
/// An allow-list of `alg` alone refuses the token before any signature work.
fn refused_by_list(token: &str, keys: &JwkSet, alg: Algorithm) {
    let got = signature_verifies(&verifier(vec![alg]), token, keys);
    assert_eq!(got, Err(ErrorKind::AlgNotAllowed), "{alg}");
}

fn verifies_by_default_and_by_name(token: &str, keys: &JwkSet, alg: Algorithm) {
    assert_eq!(signature_verifies(&verifier(vec![]), token, keys), Ok(()));
    assert_eq!(
        signature_verifies(&verifier(vec![alg]), token, keys),
        Ok(())
    );
    assert_eq!(
        signature_verifies(&verifier(vec![]), &mint::corrupt_signature(token), keys),
        Err(ErrorKind::BadSignature)
    );
}

fn set_of(jwk: &Value) -> JwkSet {
    JwkSet::from_value(&json!({ "keys": [jwk] })).unwrap()
}

#[test]
fn rfc7515_a3_es256_verifies_with_the_default_allow_list() {
    let v = load("rfc7515-A_3-es256.json");
    let keys = set_of(&v["jwk"]);
    let token = v["token"].as_str().unwrap();
    // No algorithms named: ES256 is the P-256 key's default.
    verifies_by_default_and_by_name(token, &keys, Algorithm::ES256);
    // An explicit list without ES256 refuses it; an RSA-only list too.
    refused_by_list(token, &keys, Algorithm::RS256);
    // The payload is the exact received text (CRLF and spaces inside the JSON).
    let p = verifier(vec![]).begin(token, &keys).unwrap();
    let payload = base64url::decode(token.split('.').nth(1).unwrap().as_bytes()).unwrap();
    assert_eq!(payload, v["payload_text"].as_str().unwrap().as_bytes());
    assert_eq!(p.signature().len(), 64);
}

#[test]
fn rfc8037_ed25519_key_thumbprint_and_jws() {
    let v = load("rfc8037-A-ed25519.json");
    let jwk = Jwk::from_value(&v["jwk"]);
    assert_eq!(
        jwk.public_jwk().as_deref(),
        Some(v["thumbprint_input"].as_str().unwrap())
    );
    assert_eq!(
        base64url::encode(&jwk.thumbprint().unwrap()),
        v["thumbprint"].as_str().unwrap()
    );
    let keys = set_of(&v["jwk"]);
    let token = v["token"].as_str().unwrap();
    verifies_by_default_and_by_name(token, &keys, Algorithm::EdDSA);
    // The header says EdDSA: a list naming only the fully specified Ed25519 refuses it.
    refused_by_list(token, &keys, Algorithm::Ed25519);
    // The payload is no JSON: as a token it is malformed after the signature check.
    let e = verifier(vec![]).verify(token, &keys, 0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Malformed);
    assert_eq!(e.code(), "ERR_JWT_INVALID");
}

#[test]
fn rfc7638_thumbprint_of_the_rsa_example() {
    let v = load("rfc7638-3_1-thumbprint.json");
    let jwk = Jwk::from_value(&v["jwk"]);
    assert_eq!(
        base64url::encode(&jwk.thumbprint().unwrap()),
        v["thumbprint"].as_str().unwrap()
    );
    // kid and alg are not part of it.
    let mut bare = v["jwk"].clone();
    bare.as_object_mut().unwrap().remove("kid");
    bare.as_object_mut().unwrap().remove("alg");
    assert_eq!(Jwk::from_value(&bare).thumbprint(), jwk.thumbprint());
}

fn request_options(r: &Value) -> DpopOptions {
    DpopOptions {
        method: r["method"].as_str().unwrap().into(),
        url: r["url"].as_str().unwrap().into(),
        access_token: r["access_token"].as_str().map(String::from),
        ..DpopOptions::default()
    }
}

/// RFC 9449's example file, and the proof and `iat` of one of its requests.
fn rfc9449(request: &str) -> (Value, String, i64) {
    let v = load("rfc9449-dpop.json");
    let proof = v[request]["proof"].as_str().unwrap().to_owned();
    let iat = v[request]["iat"].as_i64().unwrap();
    (v, proof, iat)
}

#[test]
fn rfc9449_token_request_proof() {
    let (v, proof, iat) = rfc9449("token_request");
    let r = &v["token_request"];
    let ok = dpop::verify_proof(&proof, &request_options(r), iat).unwrap();
    assert_eq!(ok.jkt, v["jkt"].as_str().unwrap());
    assert_eq!(ok.jti, r["jti"].as_str().unwrap());
    assert_eq!(ok.iat, iat);
    assert_eq!(ok.header["jwk"], v["jwk"]);
    assert_eq!(ok.claims["htm"], "POST");
    // The default window: 60 s old plus the 30 s tolerance, 5 s ahead plus 30 s.
    assert!(dpop::verify_proof(&proof, &request_options(r), iat + 90).is_ok());
    assert!(dpop::verify_proof(&proof, &request_options(r), iat - 35).is_ok());
    let at = |now: i64, o: &DpopOptions| dpop::verify_proof(&proof, o, now).unwrap_err();
    for (now, o, claim) in [
        (iat + 91, request_options(r), "iat"),
        (iat - 36, request_options(r), "iat"),
        (
            iat,
            DpopOptions {
                method: "GET".into(),
                ..request_options(r)
            },
            "htm",
        ),
        (
            iat,
            DpopOptions {
                url: "https://server.example.com/token/".into(),
                ..request_options(r)
            },
            "htu",
        ),
        (
            iat,
            DpopOptions {
                access_token: Some("an access token".into()),
                ..request_options(r)
            },
            "ath",
        ),
        (
            iat,
            DpopOptions {
                algorithms: vec![Algorithm::EdDSA],
                ..request_options(r)
            },
            "alg",
        ),
    ] {
        let e = at(now, &o);
        assert_eq!((e.kind(), e.claim()), (ErrorKind::DpopInvalid, Some(claim)));
        assert_eq!(e.code(), "ERR_DPOP_INVALID");
    }
    // The URL as the request arrives (query, other spelling) still matches htu.
    let o = DpopOptions {
        url: "HTTPS://Server.Example.com:443/token?grant=1".into(),
        ..request_options(r)
    };
    assert!(dpop::verify_proof(&proof, &o, iat).is_ok());
    let e =
        dpop::verify_proof(&mint::corrupt_signature(&proof), &request_options(r), iat).unwrap_err();
    assert_eq!(e.claim(), Some("signature"));
}

#[test]
fn rfc9449_resource_request_proof_with_ath() {
    let (v, proof, iat) = rfc9449("resource_request");
    let r = &v["resource_request"];
    let token = r["access_token"].as_str().unwrap();
    assert_eq!(dpop::access_token_hash(token), r["ath"].as_str().unwrap());
    let ok = dpop::verify_proof(&proof, &request_options(r), iat).unwrap();
    assert_eq!(ok.jkt, v["jkt"].as_str().unwrap());
    assert_eq!(ok.claims["ath"], r["ath"]);
    // Another access token: ath no longer matches.
    let o = DpopOptions {
        access_token: Some(format!("{token}x")),
        ..request_options(r)
    };
    let e = dpop::verify_proof(&proof, &o, iat).unwrap_err();
    assert_eq!((e.kind(), e.claim()), (ErrorKind::DpopInvalid, Some("ath")));
    // Both RFC proofs are by the key of the section 6.1 cnf.jkt example.
    assert_eq!(
        base64url::encode(&Jwk::from_value(&v["jwk"]).thumbprint().unwrap()),
        v["jkt"].as_str().unwrap()
    );
}
