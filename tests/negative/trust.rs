//! Trust sets: each issuer with its own keys and client ids.

use super::*;

const ISS2: &str = "https://op2.example.test";

/// An entry with these names, keys (`None`: remote) and one client id.
fn entry(issuer: &[&str], keys: Option<JwkSet>, client: &str) -> TrustedIssuer {
    TrustedIssuer {
        issuer: issuer.iter().map(|s| s.to_string()).collect(),
        keys,
        client_ids: vec![client.into()],
        ..TrustedIssuer::default()
    }
}

fn trust() -> TrustSet {
    TrustSet::new(
        VerifyOptions::default(),
        vec![
            entry(&[ISS], Some(jwks(&["test-a"])), "primary-client"),
            entry(&[ISS2], Some(jwks(&["test-b"])), "secondary-client"),
        ],
    )
    .unwrap()
}

/// What `ts` says of `token` at NOW, which must be a refusal.
fn ts_err(ts: &TrustSet, token: &str) -> Error {
    ts.verify(token, NOW).unwrap_err()
}

#[test]
fn trust_set_binds_issuer_keys_and_client_ids() {
    let ts = trust();
    let primary = with(claims(), json!({"aud": "primary-client"}));
    let secondary = with(claims(), json!({"iss": ISS2, "aud": "secondary-client"}));
    let signed = |kid: &str, c: &Value| mint(Algorithm::RS256, kid, &header(kid), c);
    let ok1 = ts.verify(&signed("test-a", &primary), NOW).unwrap();
    assert_eq!(ok1.issuer_index, 0);
    let ok2 = ts.verify(&signed("test-b", &secondary), NOW).unwrap();
    assert_eq!(ok2.issuer_index, 1);
    assert_eq!(ok2.verified.claims.iss.as_deref(), Some(ISS2));
    // primary iss with the secondary's client id
    let mixed = with(primary.clone(), json!({"aud": "secondary-client"}));
    let e = ts_err(
        &ts,
        &mint(Algorithm::RS256, "test-a", &header("test-a"), &mixed),
    );
    check(&e, ErrorKind::AudMismatch, CLAIM_FAILED, Some("aud"));
    // secondary iss signed with the primary's key: the secondary's keys only
    let e = ts_err(
        &ts,
        &mint(Algorithm::RS256, "test-a", &header("test-a"), &secondary),
    );
    assert_eq!(e.kind(), ErrorKind::KeyNotFound);
    let e = ts_err(
        &ts,
        &mint(Algorithm::RS256, "test-a", &header("test-b"), &secondary),
    );
    assert_eq!(e.kind(), ErrorKind::BadSignature);
    // unknown or missing iss
    let e = ts_err(
        &ts,
        &id_token(&with(primary.clone(), json!({"iss": "https://evil"}))),
    );
    check(&e, ErrorKind::IssMismatch, CLAIM_FAILED, Some("iss"));
    let e = ts_err(&ts, &id_token(&with(primary.clone(), json!({"iss": null}))));
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
    let one = entry(&[ISS], Some(jwks(&["test-a"])), "c");
    assert!(TrustSet::new(VerifyOptions::default(), vec![one.clone(), one.clone()]).is_err());
    let no_client = TrustedIssuer {
        client_ids: vec![],
        ..one.clone()
    };
    assert!(TrustSet::new(VerifyOptions::default(), vec![no_client]).is_err());
    assert_eq!(
        TrustSet::new(VerifyOptions::default(), vec![one])
            .unwrap()
            .issuers()
            .len(),
        1
    );
}

#[test]
fn route_names_the_entry_before_any_key_is_needed() {
    // The secondary's keys are "remote": the trust set has none for it.
    let ts = TrustSet::new(
        VerifyOptions::default(),
        vec![
            entry(&[ISS], Some(jwks(&["test-a"])), "primary-client"),
            entry(&[ISS2, "op2.example.test"], None, "secondary-client"),
        ],
    )
    .unwrap();
    let secondary = with(claims(), json!({"iss": ISS2, "aud": "secondary-client"}));
    let t = mint(Algorithm::RS256, "test-b", &header("test-b"), &secondary);
    let routed = ts.route(&t).unwrap();
    assert_eq!((routed.issuer_index(), routed.kid()), (1, Some("test-b")));
    // Without keys supplied, the remote entry cannot verify.
    let e = ts_err(&ts, &t);
    assert_eq!(e.kind(), ErrorKind::JwksUnavailable);
    assert_eq!(
        ts.entry_keys(1).unwrap_err().kind(),
        ErrorKind::JwksUnavailable
    );
    // With the keys the adapter fetched for that entry, it verifies.
    let fetched = jwks(&["test-b"]);
    let ok2 = ts
        .verify_routed(ts.route(&t).unwrap(), &fetched, NOW)
        .unwrap();
    assert_eq!(ok2.issuer_index, 1);
    // The second name of the same entry routes there too.
    let alias = with(secondary.clone(), json!({"iss": "op2.example.test"}));
    let t2 = mint(Algorithm::RS256, "test-b", &header("test-b"), &alias);
    assert_eq!(ts.route(&t2).unwrap().issuer_index(), 1);
    // Routing checks structure and header only: a bad signature is found later.
    let forged = mint(Algorithm::RS256, "test-a", &header("test-b"), &secondary);
    assert_eq!(ts.route(&forged).unwrap().issuer_index(), 1);
    let e = ts
        .verify_routed(ts.route(&forged).unwrap(), &fetched, NOW)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadSignature);
    // A header refused by policy, or an unknown iss, never names an entry.
    let none = mint(
        Algorithm::RS256,
        "test-b",
        &json!({"alg": "none"}),
        &secondary,
    );
    assert_eq!(
        ts.route(&none).unwrap_err().kind(),
        ErrorKind::AlgNotAllowed
    );
    let unknown = mint(
        Algorithm::RS256,
        "test-b",
        &header("test-b"),
        &with(secondary, json!({"iss": "https://evil"})),
    );
    assert_eq!(
        ts.route(&unknown).unwrap_err().kind(),
        ErrorKind::IssMismatch
    );
}

#[test]
fn entries_take_templates_and_their_own_audience() {
    const TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
    let base = VerifyOptions {
        profile: Profile::Jwt,
        audience: vec!["api://default".into()],
        ..VerifyOptions::default()
    };
    let ts = TrustSet::new(
        base,
        vec![
            TrustedIssuer {
                issuer: vec!["https://login.microsoftonline.com/{tenantid}/v2.0".into()],
                allowed_tenants: vec![TENANT.into()],
                keys: Some(jwks(&["test-a"])),
                audience: vec!["api://entra-app".into()],
                ..TrustedIssuer::default()
            },
            TrustedIssuer {
                issuer: vec![ISS.into()],
                keys: Some(jwks(&["test-b"])),
                ..TrustedIssuer::default()
            },
        ],
    )
    .unwrap();
    let entra_iss = format!("https://login.microsoftonline.com/{TENANT}/v2.0");
    let entra = json!({"iss": entra_iss, "tid": TENANT, "aud": "api://entra-app", "exp": NOW + 60});
    let t = mint(Algorithm::RS256, "test-a", &header("test-a"), &entra);
    assert_eq!(ts.verify(&t, NOW).unwrap().issuer_index, 0);
    // The entry's audience replaces the base's; the other entry keeps the base's.
    let wrong = with(entra.clone(), json!({"aud": "api://default"}));
    let t = mint(Algorithm::RS256, "test-a", &header("test-a"), &wrong);
    assert_eq!(
        ts.verify(&t, NOW).unwrap_err().kind(),
        ErrorKind::AudMismatch
    );
    let plain = json!({"iss": ISS, "aud": "api://default", "exp": NOW + 60});
    let t = mint(Algorithm::RS256, "test-b", &header("test-b"), &plain);
    assert_eq!(ts.verify(&t, NOW).unwrap().issuer_index, 1);
    // A tenant the entry does not allow routes to it and fails there.
    let other = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let foreign = with(
        entra,
        json!({"iss": format!("https://login.microsoftonline.com/{other}/v2.0"), "tid": other}),
    );
    let t = mint(Algorithm::RS256, "test-a", &header("test-a"), &foreign);
    let e = ts_err(&ts, &t);
    check(&e, ErrorKind::IssMismatch, CLAIM_FAILED, Some("tid"));
    // A template entry without a tenant rule is refused at construction.
    let bad = TrustedIssuer {
        issuer: vec!["https://login.microsoftonline.com/{tenantid}/v2.0".into()],
        keys: Some(jwks(&["test-a"])),
        ..TrustedIssuer::default()
    };
    assert!(TrustSet::new(
        VerifyOptions {
            profile: Profile::Jwt,
            audience: vec!["a".into()],
            ..VerifyOptions::default()
        },
        vec![bad]
    )
    .is_err());
}
