//! Check 6, what the client sent in its request: `nonce`, `auth_time` with `max_age`, `acr`, `at_hash` and `c_hash`.

use super::*;

#[test]
fn nonce() {
    let o = VerifyOptions {
        nonce: Some("nonce-1".into()),
        ..options()
    };
    ok(o.clone(), &id_token(&claims()), NOW);
    let t = id_token(&with(claims(), json!({"nonce": null})));
    refused(o.clone(), &t, ErrorKind::NonceMissing, "nonce");
    for n in ["nonce-2", "nonce-1 ", "NONCE-1", ""] {
        let t = id_token(&with(claims(), json!({"nonce": n})));
        refused(o.clone(), &t, ErrorKind::NonceMismatch, "nonce");
    }
    // no nonce configured: a token nonce is not checked
    ok(
        options(),
        &id_token(&with(claims(), json!({"nonce": "anything"}))),
        NOW,
    );
}

#[test]
fn auth_time_and_max_age_boundaries() {
    let o = VerifyOptions {
        max_age: Some(600),
        clock_tolerance: 0,
        ..options()
    };
    refused(
        o.clone(),
        &id_token(&claims()),
        ErrorKind::AuthTimeMissing,
        "auth_time",
    );
    let t = id_token(&with(claims(), json!({"auth_time": NOW - 600})));
    valid_until(
        o.clone(),
        &t,
        NOW,
        ErrorKind::AuthTimeTooOld,
        CLAIM_FAILED,
        "auth_time",
    );
    let tol = tolerant(&o, 5);
    valid_until(
        tol.clone(),
        &t,
        NOW + 5,
        ErrorKind::AuthTimeTooOld,
        CLAIM_FAILED,
        "auth_time",
    );
    refused(
        o,
        &id_token(&with(claims(), json!({"auth_time": -1e300}))),
        ErrorKind::AuthTimeTooOld,
        "auth_time",
    );
}

#[test]
fn acr_values() {
    let o = VerifyOptions {
        acr_values: vec!["urn:mace:incommon:iap:silver".into(), "2".into()],
        ..options()
    };
    ok(
        o.clone(),
        &id_token(&with(claims(), json!({"acr":"2"}))),
        NOW,
    );
    refused(
        o.clone(),
        &id_token(&with(claims(), json!({"acr":"1"}))),
        ErrorKind::AcrNotAllowed,
        "acr",
    );
    refused(o, &id_token(&claims()), ErrorKind::AcrNotAllowed, "acr");
}

/// Left half of SHA-256, base64url (RS256).
fn half_hash(v: &str) -> String {
    use sha2::Digest;
    b64(&sha2::Sha256::digest(v.as_bytes())[..16])
}

#[test]
fn at_hash_and_c_hash() {
    let t = id_token(&with(
        claims(),
        json!({"at_hash": half_hash("AT"), "c_hash": half_hash("CODE")}),
    ));
    let o = VerifyOptions {
        access_token: Some("AT".into()),
        code: Some("CODE".into()),
        require_at_hash: true,
        require_c_hash: true,
        ..options()
    };
    ok(o.clone(), &t, NOW);
    let other_access_token = VerifyOptions {
        access_token: Some("AT2".into()),
        ..o.clone()
    };
    refused(other_access_token, &t, ErrorKind::AtHashMismatch, "at_hash");
    let other_code = VerifyOptions {
        code: Some("CODE2".into()),
        ..o.clone()
    };
    refused(other_code, &t, ErrorKind::CHashMismatch, "c_hash");
    // absent: passes unless required
    let bare = id_token(&claims());
    ok(
        VerifyOptions {
            access_token: Some("AT".into()),
            code: Some("CODE".into()),
            ..options()
        },
        &bare,
        NOW,
    );
    refused(o.clone(), &bare, ErrorKind::ClaimMissing, "at_hash");
    let only_c = VerifyOptions {
        require_at_hash: false,
        ..o
    };
    refused(only_c, &bare, ErrorKind::ClaimMissing, "c_hash");
    // PS384 uses the left half of SHA-384 (24 octets)
    use sha2::Digest;
    let h384 = b64(&sha2::Sha384::digest(b"AT")[..24]);
    let t = mint(
        Algorithm::PS384,
        "test-c",
        &json!({"alg":"PS384","kid":"test-c"}),
        &with(claims(), json!({"at_hash": h384})),
    );
    let o = VerifyOptions {
        algorithms: vec![Algorithm::PS384],
        access_token: Some("AT".into()),
        ..options()
    };
    ok(o.clone(), &t, NOW);
    let t = mint(
        Algorithm::PS384,
        "test-c",
        &json!({"alg":"PS384","kid":"test-c"}),
        &with(claims(), json!({"at_hash": half_hash("AT")})),
    );
    refused(o, &t, ErrorKind::AtHashMismatch, "at_hash");
}
