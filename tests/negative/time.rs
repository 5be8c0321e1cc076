//! Check 6, the time claims: `exp`, `nbf`, `iat`, the maximum token age, with their boundaries.

use super::*;

fn at(exp: Value, extra: Value) -> String {
    id_token(&with(claims(), with(json!({ "exp": exp }), extra)))
}

#[test]
fn exp_boundaries() {
    let t = at(json!(NOW + 100), json!({}));
    ok(options(), &t, NOW + 99);
    check(
        &err_at(options(), &t, NOW + 100),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    let tol = VerifyOptions {
        clock_tolerance: 60,
        ..options()
    };
    ok(tol.clone(), &t, NOW + 159);
    check(
        &err_at(tol, &t, NOW + 160),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    // non-integer NumericDate
    let t = at(json!(NOW as f64 + 0.5), json!({}));
    ok(options(), &t, NOW);
    check(
        &err_at(options(), &t, NOW + 1),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    // huge and tiny values never overflow
    ok(options(), &at(json!(1e300), json!({})), NOW);
    ok(
        options(),
        &at(json!(18446744073709551615u64), json!({})),
        NOW,
    );
    ok(options(), &at(json!(1e300), json!({})), i64::MAX);
    check(
        &err(options(), &at(json!(-1e300), json!({}))),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    check(
        &err(options(), &at(json!(i64::MIN), json!({}))),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    check(
        &err_at(
            VerifyOptions {
                clock_tolerance: u64::MAX,
                ..options()
            },
            &at(json!(-1e300), json!({})),
            NOW,
        ),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    // a number too large for JSON doubles is a malformed payload, not a panic
    let h = header("test-a").to_string();
    let p =
        format!("{{\"iss\":\"{ISS}\",\"aud\":\"{CLIENT}\",\"sub\":\"s\",\"iat\":1,\"exp\":1e400}}");
    let e = err(options(), &mint_raw(Algorithm::RS256, "test-a", &h, &p));
    check(&e, ErrorKind::Malformed, "ERR_JWT_INVALID", None);
}

#[test]
fn nbf_boundaries() {
    let t = at(json!(NOW + 1000), json!({ "nbf": NOW }));
    ok(options(), &t, NOW);
    check(
        &err_at(options(), &t, NOW - 1),
        ErrorKind::NotYetValid,
        CLAIM_FAILED,
        Some("nbf"),
    );
    let tol = VerifyOptions {
        clock_tolerance: 5,
        ..options()
    };
    ok(tol.clone(), &t, NOW - 5);
    check(
        &err_at(tol, &t, NOW - 6),
        ErrorKind::NotYetValid,
        CLAIM_FAILED,
        Some("nbf"),
    );
    check(
        &err(options(), &at(json!(NOW + 1000), json!({ "nbf": 1e300 }))),
        ErrorKind::NotYetValid,
        CLAIM_FAILED,
        Some("nbf"),
    );
}

#[test]
fn iat_boundaries() {
    let t = at(json!(NOW + 1000), json!({ "iat": NOW + 10 }));
    ok(options(), &t, NOW + 10);
    check(
        &err_at(options(), &t, NOW + 9),
        ErrorKind::IatInFuture,
        CLAIM_FAILED,
        Some("iat"),
    );
    let tol = VerifyOptions {
        clock_tolerance: 10,
        ..options()
    };
    ok(tol.clone(), &t, NOW);
    check(
        &err_at(tol, &t, NOW - 1),
        ErrorKind::IatInFuture,
        CLAIM_FAILED,
        Some("iat"),
    );
}

#[test]
fn max_token_age_boundaries() {
    let t = at(json!(NOW + 10_000), json!({ "iat": NOW }));
    let o = VerifyOptions {
        max_token_age: Some(300),
        ..options()
    };
    ok(o.clone(), &t, NOW + 300);
    check(
        &err_at(o.clone(), &t, NOW + 301),
        ErrorKind::TooOld,
        "ERR_JWT_EXPIRED",
        Some("iat"),
    );
    let tol = VerifyOptions {
        clock_tolerance: 30,
        ..o.clone()
    };
    ok(tol.clone(), &t, NOW + 330);
    check(
        &err_at(tol, &t, NOW + 331),
        ErrorKind::TooOld,
        "ERR_JWT_EXPIRED",
        Some("iat"),
    );
    let t = at(json!(NOW + 10_000), json!({ "iat": -1e300 }));
    check(
        &err(o, &t),
        ErrorKind::TooOld,
        "ERR_JWT_EXPIRED",
        Some("iat"),
    );
}
