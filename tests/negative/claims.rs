//! Check 6, OIDC Core 3.1.3.7 steps 2-5: required claims, `sub`, `iss`, `aud`, `azp`.

use super::*;

#[test]
fn claim_missing() {
    for name in ["iss", "aud", "exp", "iat", "sub"] {
        let t = id_token(&with(claims(), json!({ name: null })));
        refused(options(), &t, ErrorKind::ClaimMissing, name);
    }
    let o = VerifyOptions {
        required_claims: vec!["email".into()],
        ..options()
    };
    refused(
        o.clone(),
        &id_token(&claims()),
        ErrorKind::ClaimMissing,
        "email",
    );
    ok(o, &id_token(&with(claims(), json!({"email":"a@b"}))), NOW);
    let o = VerifyOptions {
        subject: Some("user-1".into()),
        ..options()
    };
    refused(
        o,
        &id_token(&with(claims(), json!({"sub":null}))),
        ErrorKind::ClaimMissing,
        "sub",
    );
}

#[test]
fn subject_mismatch() {
    let o = VerifyOptions {
        subject: Some("user-2".into()),
        ..options()
    };
    refused(o, &id_token(&claims()), ErrorKind::ClaimInvalid, "sub");
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
        refused(options(), &t, ErrorKind::IssMismatch, "iss");
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
    refused(
        options(),
        &t(json!("other"), None),
        ErrorKind::AudMismatch,
        "aud",
    );
    refused(
        options(),
        &t(json!([]), None),
        ErrorKind::AudMismatch,
        "aud",
    );
    refused(
        options(),
        &t(json!(["CLIENT-1"]), None),
        ErrorKind::AudMismatch,
        "aud",
    );
    // an untrusted extra audience
    refused(
        options(),
        &t(json!([CLIENT, "evil"]), Some(CLIENT)),
        ErrorKind::AudUntrusted,
        "aud",
    );
    // trusted extra audience: azp then required
    let o = VerifyOptions {
        audience: vec!["api".into()],
        ..options()
    };
    refused(
        o.clone(),
        &t(json!([CLIENT, "api"]), None),
        ErrorKind::AzpMissing,
        "azp",
    );
    ok(o.clone(), &t(json!([CLIENT, "api"]), Some(CLIENT)), NOW);
    refused(
        o.clone(),
        &t(json!([CLIENT, "api"]), Some("api")),
        ErrorKind::AzpMismatch,
        "azp",
    );
    // single aud as array of one, azp present and equal / different
    ok(options(), &t(json!([CLIENT]), None), NOW);
    ok(options(), &t(json!(CLIENT), Some(CLIENT)), NOW);
    refused(
        options(),
        &t(json!(CLIENT), Some("other")),
        ErrorKind::AzpMismatch,
        "azp",
    );
}
