//! Check 5: the payload and the JSON types of claims.

use super::*;

#[test]
fn malformed_payload_is_err_jwt_invalid() {
    let h = header("test-a").to_string();
    for p in [
        "[]",
        "\"x\"",
        "{",
        "{\"sub\":\"a\",\"sub\":\"b\"}",
        "{\"a\":{\"b\":1,\"b\":2}}",
        "plain text",
        "",
    ] {
        let t = mint_raw(Algorithm::RS256, "test-a", &h, p);
        check(
            &err(options(), &t),
            ErrorKind::Malformed,
            "ERR_JWT_INVALID",
            None,
        );
    }
    let deep = format!("{{\"x\":{}{}}}", "[".repeat(100), "]".repeat(100));
    let t = mint_raw(Algorithm::RS256, "test-a", &h, &deep);
    check(
        &err(options(), &t),
        ErrorKind::Malformed,
        "ERR_JWT_INVALID",
        None,
    );
}

#[test]
fn claim_invalid_wrong_json_types() {
    for (name, value) in [
        ("exp", json!("1767226200")),
        ("nbf", json!(true)),
        ("iat", json!([1])),
        ("auth_time", json!({"t":1})),
        ("iss", json!(1)),
        ("sub", json!(null)),
        ("aud", json!(1)),
        ("aud", json!([CLIENT, 2])),
        ("nonce", json!(1)),
        ("azp", json!(1)),
        ("amr", json!("pwd")),
        ("acr", json!(1)),
        ("jti", json!(1)),
    ] {
        let mut c = claims();
        c[name] = value;
        refused(options(), &id_token(&c), ErrorKind::ClaimInvalid, name);
    }
    // at_hash of the wrong type, checked when the access token is given
    let t = id_token(&with(claims(), json!({"at_hash": 5})));
    let o = VerifyOptions {
        access_token: Some("at".into()),
        ..options()
    };
    refused(o, &t, ErrorKind::ClaimInvalid, "at_hash");
}
