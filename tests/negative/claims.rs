//! Check 6, OIDC Core 3.1.3.7 steps 2-5: required claims, `sub`, `iss`, `aud`, `azp`.

use super::*;

#[test]
fn claim_missing() {
    for name in ["iss", "aud", "exp", "iat", "sub"] {
        let t = id_token(&with(claims(), json!({ name: null })));
        check(
            &err(options(), &t),
            ErrorKind::ClaimMissing,
            CLAIM_FAILED,
            Some(name),
        );
    }
    let o = VerifyOptions {
        required_claims: vec!["email".into()],
        ..options()
    };
    check(
        &err(o.clone(), &id_token(&claims())),
        ErrorKind::ClaimMissing,
        CLAIM_FAILED,
        Some("email"),
    );
    ok(o, &id_token(&with(claims(), json!({"email":"a@b"}))), NOW);
    let o = VerifyOptions {
        subject: Some("user-1".into()),
        ..options()
    };
    check(
        &err(o, &id_token(&with(claims(), json!({"sub":null})))),
        ErrorKind::ClaimMissing,
        CLAIM_FAILED,
        Some("sub"),
    );
}

#[test]
fn subject_mismatch() {
    let o = VerifyOptions {
        subject: Some("user-2".into()),
        ..options()
    };
    check(
        &err(o, &id_token(&claims())),
        ErrorKind::ClaimInvalid,
        CLAIM_FAILED,
        Some("sub"),
    );
    ok(
        VerifyOptions {
            subject: Some("user-1".into()),
            ..options()
        },
        &id_token(&claims()),
        NOW,
    );
}

#[test]
fn iss_mismatch() {
    for iss in [
        "https://op.example.test/",
        "https://OP.example.test",
        "http://op.example.test",
        "",
    ] {
        let t = id_token(&with(claims(), json!({ "iss": iss })));
        check(
            &err(options(), &t),
            ErrorKind::IssMismatch,
            CLAIM_FAILED,
            Some("iss"),
        );
    }
}

#[test]
fn audience_and_azp() {
    let t = |aud: Value, azp: Option<&str>| {
        let mut c = with(claims(), json!({ "aud": aud }));
        if let Some(azp) = azp {
            c["azp"] = json!(azp);
        }
        id_token(&c)
    };
    check(
        &err(options(), &t(json!("other"), None)),
        ErrorKind::AudMismatch,
        CLAIM_FAILED,
        Some("aud"),
    );
    check(
        &err(options(), &t(json!([]), None)),
        ErrorKind::AudMismatch,
        CLAIM_FAILED,
        Some("aud"),
    );
    check(
        &err(options(), &t(json!(["CLIENT-1"]), None)),
        ErrorKind::AudMismatch,
        CLAIM_FAILED,
        Some("aud"),
    );
    // an untrusted extra audience
    check(
        &err(options(), &t(json!([CLIENT, "evil"]), Some(CLIENT))),
        ErrorKind::AudUntrusted,
        CLAIM_FAILED,
        Some("aud"),
    );
    // trusted extra audience: azp then required
    let o = VerifyOptions {
        audience: vec!["api".into()],
        ..options()
    };
    check(
        &err(o.clone(), &t(json!([CLIENT, "api"]), None)),
        ErrorKind::AzpMissing,
        CLAIM_FAILED,
        Some("azp"),
    );
    ok(o.clone(), &t(json!([CLIENT, "api"]), Some(CLIENT)), NOW);
    check(
        &err(o.clone(), &t(json!([CLIENT, "api"]), Some("api"))),
        ErrorKind::AzpMismatch,
        CLAIM_FAILED,
        Some("azp"),
    );
    // single aud as array of one, azp present and equal / different
    ok(options(), &t(json!([CLIENT]), None), NOW);
    ok(options(), &t(json!(CLIENT), Some(CLIENT)), NOW);
    check(
        &err(options(), &t(json!(CLIENT), Some("other"))),
        ErrorKind::AzpMismatch,
        CLAIM_FAILED,
        Some("azp"),
    );
}
