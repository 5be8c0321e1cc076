//! The RFC 9068 and Cognito access-token profiles.

use super::*;

fn at_jwt_claims() -> Value {
    json!({"iss": ISS, "sub": "svc", "aud": "https://api.example.test", "exp": NOW + 300,
           "iat": NOW, "jti": "j-1", "client_id": CLIENT, "scope": "read"})
}

pub(crate) fn at_jwt_options() -> VerifyOptions {
    access_options(Profile::AtJwt, "https://api.example.test")
}

fn at_jwt(c: &Value, typ: Option<&str>) -> String {
    typed(c, typ)
}

#[test]
fn at_jwt_profile() {
    ok(
        at_jwt_options(),
        &at_jwt(&at_jwt_claims(), Some("at+jwt")),
        NOW,
    );
    ok(
        at_jwt_options(),
        &at_jwt(&at_jwt_claims(), Some("application/at+jwt")),
        NOW,
    );
    for typ in [None, Some("JWT"), Some("jwt")] {
        let e = err(at_jwt_options(), &at_jwt(&at_jwt_claims(), typ));
        check(&e, ErrorKind::InvalidTyp, CLAIM_FAILED, Some("typ"));
    }
    for name in ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"] {
        let t = at_jwt(
            &with(at_jwt_claims(), json!({ name: null })),
            Some("at+jwt"),
        );
        refused(at_jwt_options(), &t, ErrorKind::ClaimMissing, name);
    }
    let t = at_jwt(
        &with(at_jwt_claims(), json!({"aud": CLIENT})),
        Some("at+jwt"),
    );
    refused(at_jwt_options(), &t, ErrorKind::AudMismatch, "aud");
    // several resource audiences are fine for an access token
    let t = at_jwt(
        &with(
            at_jwt_claims(),
            json!({"aud": ["https://api.example.test", "other"]}),
        ),
        Some("at+jwt"),
    );
    ok(at_jwt_options(), &t, NOW);
    // client_id restricted when client ids are given
    let o = VerifyOptions {
        client_ids: vec!["someone-else".into()],
        ..at_jwt_options()
    };
    let e = err(o, &at_jwt(&at_jwt_claims(), Some("at+jwt")));
    check(&e, ErrorKind::AudMismatch, CLAIM_FAILED, Some("client_id"));
    // an ID token is not an access token
    assert_eq!(
        err(at_jwt_options(), &id_token(&claims())).kind(),
        ErrorKind::InvalidTyp
    );
}

fn cognito_claims() -> Value {
    json!({"iss": ISS, "sub": "u", "client_id": CLIENT, "token_use": "access", "scope": "openid",
           "exp": NOW + 300, "iat": NOW, "jti": "j"})
}

pub(crate) fn cognito_options() -> VerifyOptions {
    VerifyOptions {
        profile: Profile::CognitoAccess,
        issuer: vec![ISS.into()],
        client_ids: vec![CLIENT.into(), "client-2".into()],
        ..VerifyOptions::default()
    }
}

#[test]
fn cognito_access_profile() {
    ok(cognito_options(), &id_token(&cognito_claims()), NOW);
    let t = typed(&cognito_claims(), Some("JWT"));
    ok(cognito_options(), &t, NOW);
    let t = typed(&cognito_claims(), Some("at+jwt"));
    refused(cognito_options(), &t, ErrorKind::InvalidTyp, "typ");
    let t = id_token(&with(cognito_claims(), json!({"token_use": "id"})));
    refused(
        cognito_options(),
        &t,
        ErrorKind::TokenUseMismatch,
        "token_use",
    );
    let t = id_token(&with(cognito_claims(), json!({"token_use": null})));
    refused(cognito_options(), &t, ErrorKind::ClaimMissing, "token_use");
    let t = id_token(&with(cognito_claims(), json!({"client_id": "client-3"})));
    refused(cognito_options(), &t, ErrorKind::AudMismatch, "client_id");
    let t = id_token(&with(cognito_claims(), json!({"aud": CLIENT})));
    refused(cognito_options(), &t, ErrorKind::AudUntrusted, "aud");
}
