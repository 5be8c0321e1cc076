//! The generic `jwt` access-token profile: `typ`, audience, the client claims, the sender
//! constraint (`cnf`) and the scope check, last of all.

use super::*;

const API: &str = "https://api.example.test";

fn jwt_claims() -> Value {
    json!({"iss": ISS, "sub": "user-1", "aud": API, "exp": NOW + 300, "iat": NOW,
           "azp": CLIENT, "scope": "read write"})
}

pub(crate) fn jwt_options() -> VerifyOptions {
    access_options(Profile::Jwt, API)
}

fn token(c: &Value, typ: Option<&str>) -> String {
    typed(c, typ)
}

#[test]
fn jwt_typ_rule() {
    for typ in [
        None,
        Some("JWT"),
        Some("jwt"),
        Some("application/jwt"),
        Some("at+jwt"),
        Some("application/at+jwt"),
        Some("AT+JWT"),
    ] {
        ok(jwt_options(), &token(&jwt_claims(), typ), NOW);
    }
    for typ in [
        "dpop+jwt",
        "logout+jwt",
        "secevent+jwt",
        "id_token+jwt",
        "JOSE",
        "",
    ] {
        let e = err(jwt_options(), &token(&jwt_claims(), Some(typ)));
        check(&e, ErrorKind::InvalidTyp, CLAIM_FAILED, Some("typ"));
        assert_eq!(e.reason(), Some("check_failed"));
    }
}

#[test]
fn jwt_required_claims_and_audience() {
    // Only iss, exp and aud are required; no sub, jti, iat or client is needed.
    let minimal = json!({"iss": ISS, "aud": API, "exp": NOW + 60});
    ok(jwt_options(), &token(&minimal, None), NOW);
    for name in ["iss", "exp", "aud"] {
        let e = err(
            jwt_options(),
            &token(&with(minimal.clone(), json!({ name: null })), None),
        );
        check(&e, ErrorKind::ClaimMissing, CLAIM_FAILED, Some(name));
        assert_eq!(e.reason(), Some("missing"));
    }
    // iat is checked when present
    let e = err(
        jwt_options(),
        &token(&with(minimal.clone(), json!({"iat": NOW + 31})), None),
    );
    check(&e, ErrorKind::IatInFuture, CLAIM_FAILED, Some("iat"));
    // aud must contain one of the audiences; several audiences are fine
    let e = err(
        jwt_options(),
        &token(&with(minimal.clone(), json!({"aud": "other"})), None),
    );
    check(&e, ErrorKind::AudMismatch, CLAIM_FAILED, Some("aud"));
    let many = with(
        minimal.clone(),
        json!({"aud": [API, "https://graph.example"]}),
    );
    ok(jwt_options(), &token(&many, None), NOW);
    // an ID token for a client is not an access token for the API
    assert_eq!(
        err(jwt_options(), &id_token(&claims())).kind(),
        ErrorKind::AudMismatch
    );
}

#[test]
fn jwt_client_claims_in_documented_order() {
    let o = VerifyOptions {
        client_ids: vec![CLIENT.into()],
        ..jwt_options()
    };
    let base = json!({"iss": ISS, "aud": API, "exp": NOW + 60});
    for claim in ["client_id", "azp", "cid", "appid"] {
        ok(
            o.clone(),
            &token(&with(base.clone(), json!({ claim: CLIENT })), None),
            NOW,
        );
        let e = err(
            o.clone(),
            &token(&with(base.clone(), json!({ claim: "other" })), None),
        );
        check(&e, ErrorKind::AudMismatch, CLAIM_FAILED, Some(claim));
        assert_eq!(e.check(), oidc_edge::Check::Client);
    }
    // The first present wins: client_id before azp before cid before appid.
    let both = with(base.clone(), json!({"azp": "other", "appid": CLIENT}));
    refused(
        o.clone(),
        &token(&both, None),
        ErrorKind::AudMismatch,
        "azp",
    );
    let both = with(base.clone(), json!({"client_id": CLIENT, "azp": "other"}));
    ok(o.clone(), &token(&both, None), NOW);
    // None at all: claim_missing client_id. A client claim of the wrong type: claim_invalid.
    let e = err(o.clone(), &token(&base, None));
    check(&e, ErrorKind::ClaimMissing, CLAIM_FAILED, Some("client_id"));
    assert_eq!(e.check(), oidc_edge::Check::Client);
    let e = err(o, &token(&with(base.clone(), json!({"cid": 7})), None));
    check(&e, ErrorKind::ClaimInvalid, CLAIM_FAILED, Some("cid"));
    // Without client ids, no client is needed.
    ok(jwt_options(), &token(&base, None), NOW);
}

#[test]
fn scopes_and_roles_are_checked_last() {
    let o = VerifyOptions {
        required_scopes: vec!["read".into(), "write".into()],
        ..jwt_options()
    };
    ok(o.clone(), &token(&jwt_claims(), None), NOW);
    // scp as an array (Okta) or a string (Entra ID)
    for scp in [json!(["write", "read"]), json!("read write")] {
        let c = with(jwt_claims(), json!({"scope": null, "scp": scp}));
        ok(o.clone(), &token(&c, None), NOW);
    }
    let only_read = with(jwt_claims(), json!({"scope": "read"}));
    let e = err(o.clone(), &token(&only_read, None));
    check(
        &e,
        ErrorKind::InsufficientScope,
        CLAIM_FAILED,
        Some("scope"),
    );
    assert_eq!(e.kind().http_status(), 403);
    assert_eq!(e.reason(), Some("check_failed"));
    assert_eq!(e.check(), oidc_edge::Check::Scope);
    assert!(e.message().contains("write"), "{}", e.message());
    let none = with(jwt_claims(), json!({"scope": null}));
    refused(
        o.clone(),
        &token(&none, None),
        ErrorKind::InsufficientScope,
        "scope",
    );
    // A scope of the wrong type is claim_invalid, at the scope check.
    let e = err(
        o.clone(),
        &token(&with(jwt_claims(), json!({"scope": ["read"]})), None),
    );
    check(&e, ErrorKind::ClaimInvalid, CLAIM_FAILED, Some("scope"));
    assert_eq!(e.check(), oidc_edge::Check::Scope);
    // Roles (Entra ID app-only tokens).
    let r = VerifyOptions {
        required_roles: vec!["Data.Read.All".into()],
        ..jwt_options()
    };
    ok(
        r.clone(),
        &token(
            &with(jwt_claims(), json!({"roles": ["Data.Read.All"]})),
            None,
        ),
        NOW,
    );
    let e = err(r.clone(), &token(&jwt_claims(), None));
    check(
        &e,
        ErrorKind::InsufficientScope,
        CLAIM_FAILED,
        Some("roles"),
    );
    // Every 401 comes before the 403: an expired token without the scope is expired; a
    // token with another audience is aud_mismatch; a key-bound one is dpop_required.
    let expired = with(only_read.clone(), json!({"exp": NOW - 100}));
    assert_eq!(
        err(o.clone(), &token(&expired, None)).kind(),
        ErrorKind::Expired
    );
    let other = with(only_read.clone(), json!({"aud": "other"}));
    assert_eq!(
        err(o.clone(), &token(&other, None)).kind(),
        ErrorKind::AudMismatch
    );
    let bound = with(only_read, json!({"cnf": {"jkt": "abc"}}));
    assert_eq!(err(o, &token(&bound, None)).kind(), ErrorKind::DpopRequired);
    // Every profile takes required scopes: at_jwt and cognito_access and ID tokens.
    let at = VerifyOptions {
        required_scopes: vec!["admin".into()],
        ..super::profiles::at_jwt_options()
    };
    let at_claims = json!({"iss": ISS, "sub": "svc", "aud": "https://api.example.test",
        "exp": NOW + 300, "iat": NOW, "jti": "j", "client_id": CLIENT, "scope": "read"});
    refused(
        at,
        &token(&at_claims, Some("at+jwt")),
        ErrorKind::InsufficientScope,
        "scope",
    );
    let cognito = VerifyOptions {
        required_scopes: vec!["openid".into()],
        ..super::profiles::cognito_options()
    };
    let c = json!({"iss": ISS, "sub": "u", "client_id": CLIENT, "token_use": "access",
        "scope": "openid email", "exp": NOW + 300, "iat": NOW});
    ok(cognito, &id_token(&c), NOW);
}

#[test]
fn key_bound_tokens_are_refused_as_bearer() {
    let bound = |cnf: Value| token(&with(jwt_claims(), json!({ "cnf": cnf })), None);
    let e = err(
        jwt_options(),
        &bound(json!({"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"})),
    );
    check(
        &e,
        ErrorKind::DpopRequired,
        "ERR_DPOP_REQUIRED",
        Some("cnf"),
    );
    assert_eq!(e.kind().http_status(), 401);
    assert_eq!(e.check(), oidc_edge::Check::Sender);
    for cnf in [
        json!({"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}),
        json!({}),
        json!(1),
    ] {
        let e = err(jwt_options(), &bound(cnf));
        check(&e, ErrorKind::ClaimInvalid, CLAIM_FAILED, Some("cnf"));
        assert_eq!(e.check(), oidc_edge::Check::Sender);
    }
    // at_jwt and cognito_access refuse them too; an ID token's cnf is not a bearer matter.
    let at_claims = json!({"iss": ISS, "sub": "svc", "aud": "https://api.example.test",
        "exp": NOW + 300, "iat": NOW, "jti": "j", "client_id": CLIENT, "cnf": {"jkt": "x"}});
    assert_eq!(
        err(
            super::profiles::at_jwt_options(),
            &token(&at_claims, Some("at+jwt"))
        )
        .kind(),
        ErrorKind::DpopRequired
    );
    ok(
        options(),
        &id_token(&with(claims(), json!({"cnf": {"jkt": "x"}}))),
        NOW,
    );
}

#[test]
fn jwt_profile_name() {
    assert_eq!(Profile::from_name("jwt"), Some(Profile::Jwt));
}
