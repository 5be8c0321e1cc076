//! Trust sets: each issuer with its own keys and client ids.

use super::*;

const ISS2: &str = "https://op2.example.test";

fn trust() -> TrustSet {
    TrustSet::new(
        VerifyOptions::default(),
        vec![
            TrustedIssuer {
                issuer: ISS.into(),
                keys: jwks(&["test-a"]),
                client_ids: vec!["primary-client".into()],
            },
            TrustedIssuer {
                issuer: ISS2.into(),
                keys: jwks(&["test-b"]),
                client_ids: vec!["secondary-client".into()],
            },
        ],
    )
    .unwrap()
}

#[test]
fn trust_set_binds_issuer_keys_and_client_ids() {
    let ts = trust();
    let primary = with(claims(), json!({"aud": "primary-client"}));
    let secondary = with(claims(), json!({"iss": ISS2, "aud": "secondary-client"}));
    let ok1 = ts
        .verify(
            &mint(Algorithm::RS256, "test-a", &header("test-a"), &primary),
            NOW,
        )
        .unwrap();
    assert_eq!(ok1.issuer_index, 0);
    let ok2 = ts
        .verify(
            &mint(Algorithm::RS256, "test-b", &header("test-b"), &secondary),
            NOW,
        )
        .unwrap();
    assert_eq!(ok2.issuer_index, 1);
    assert_eq!(ok2.verified.claims.iss.as_deref(), Some(ISS2));
    // primary iss with the secondary's client id
    let mixed = with(primary.clone(), json!({"aud": "secondary-client"}));
    let e = ts
        .verify(
            &mint(Algorithm::RS256, "test-a", &header("test-a"), &mixed),
            NOW,
        )
        .unwrap_err();
    check(&e, ErrorKind::AudMismatch, CLAIM_FAILED, Some("aud"));
    // secondary iss signed with the primary's key: the secondary's keys only
    let e = ts
        .verify(
            &mint(Algorithm::RS256, "test-a", &header("test-a"), &secondary),
            NOW,
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeyNotFound);
    let e = ts
        .verify(
            &mint(Algorithm::RS256, "test-a", &header("test-b"), &secondary),
            NOW,
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadSignature);
    // unknown or missing iss
    let e = ts
        .verify(
            &id_token(&with(primary.clone(), json!({"iss": "https://evil"}))),
            NOW,
        )
        .unwrap_err();
    check(&e, ErrorKind::IssMismatch, CLAIM_FAILED, Some("iss"));
    let e = ts
        .verify(&id_token(&with(primary.clone(), json!({"iss": null}))), NOW)
        .unwrap_err();
    check(&e, ErrorKind::ClaimMissing, CLAIM_FAILED, Some("iss"));
    // header checks still come before the iss lookup
    let t = mint(Algorithm::RS256, "test-a", &json!({"alg":"none"}), &primary);
    assert_eq!(
        ts.verify(&t, NOW).unwrap_err().kind(),
        ErrorKind::AlgNotAllowed
    );
    // split form
    let t = mint(Algorithm::RS256, "test-b", &header("test-b"), &secondary);
    let p = ts.begin(&t).unwrap();
    assert_eq!(p.issuer_index, 1);
    let no = oidc_edge::SignatureVerdict::from_host_crypto(&p.pending, false);
    assert_eq!(
        ts.finish(p, no, NOW).unwrap_err().kind(),
        ErrorKind::BadSignature
    );
    let p = ts.begin(&t).unwrap();
    let checked = p.pending.check_signature(&oidc_edge::BuiltinVerifier);
    assert_eq!(ts.finish(p, checked, NOW).unwrap().issuer_index, 1);
}

#[test]
fn trust_set_config_errors() {
    assert!(TrustSet::new(VerifyOptions::default(), vec![]).is_err());
    let entry = TrustedIssuer {
        issuer: ISS.into(),
        keys: jwks(&["test-a"]),
        client_ids: vec!["c".into()],
    };
    assert!(TrustSet::new(VerifyOptions::default(), vec![entry.clone(), entry.clone()]).is_err());
    let no_client = TrustedIssuer {
        client_ids: vec![],
        ..entry.clone()
    };
    assert!(TrustSet::new(VerifyOptions::default(), vec![no_client]).is_err());
    assert_eq!(
        TrustSet::new(VerifyOptions::default(), vec![entry])
            .unwrap()
            .issuers()
            .len(),
        1
    );
}
