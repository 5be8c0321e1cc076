//! Check 6, the time claims: `exp`, `nbf`, `iat`, the maximum token age, with their boundaries,
//! with no tolerance (`exact()`), an explicit one, and the default tolerance of 30 s: a
//! provider whose clock is 29 or 30 s ahead or behind is accepted, 31 s is refused.

use super::*;
use oidc_edge::DEFAULT_CLOCK_TOLERANCE;

/// The ID token options without any clock tolerance.
fn exact() -> VerifyOptions {
    VerifyOptions {
        clock_tolerance: 0,
        ..options()
    }
}

#[test]
fn default_tolerance_is_30_seconds() {
    assert_eq!(DEFAULT_CLOCK_TOLERANCE, 30);
    assert_eq!(VerifyOptions::default().clock_tolerance, 30);
}

/// The provider's clock is `skew` seconds ahead of ours; its token was
/// issued "now" by its clock and lives 60 s. With the default tolerance, up to 30 s of skew
/// either way is accepted.
#[test]
fn default_tolerance_boundaries_ahead_and_behind() {
    let token = |skew: i64, with_nbf: bool| {
        let theirs = NOW + skew;
        let mut c = with(claims(), json!({"iat": theirs, "exp": theirs + 60}));
        if with_nbf {
            c["nbf"] = json!(theirs);
        }
        id_token(&c)
    };
    for with_nbf in [false, true] {
        // Ahead: iat (and nbf) in our future.
        for skew in [29, 30] {
            ok(options(), &token(skew, with_nbf), NOW);
        }
        let e = err(options(), &token(31, with_nbf));
        let (kind, claim) = if with_nbf {
            (ErrorKind::NotYetValid, "nbf")
        } else {
            (ErrorKind::IatInFuture, "iat")
        };
        check(&e, kind, CLAIM_FAILED, Some(claim));
    }
    // Behind: the token expired `by` seconds ago by our clock. Expired when now >= exp + 30
    // (jose's rule), so exp = NOW - 29 is still accepted and NOW - 30, NOW - 31 are not.
    let behind = |by: i64| id_token(&with(claims(), json!({"iat": NOW - 90, "exp": NOW - by})));
    ok(options(), &behind(29), NOW);
    for by in [30, 31] {
        check(
            &err(options(), &behind(by)),
            ErrorKind::Expired,
            "ERR_JWT_EXPIRED",
            Some("exp"),
        );
    }
    // A provider clock 1 s ahead (the report) is fine by default, not without tolerance.
    ok(options(), &token(1, false), NOW);
    refused(exact(), &token(1, false), ErrorKind::IatInFuture, "iat");
}

fn at(exp: Value, extra: Value) -> String {
    id_token(&with(claims(), with(json!({ "exp": exp }), extra)))
}

#[test]
fn exp_boundaries() {
    let t = at(json!(NOW + 100), json!({}));
    ok(exact(), &t, NOW + 99);
    check(
        &err_at(exact(), &t, NOW + 100),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    let tol = VerifyOptions {
        clock_tolerance: 60,
        ..exact()
    };
    valid_until(
        tol.clone(),
        &t,
        NOW + 159,
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        "exp",
    );
    // non-integer NumericDate
    let t = at(json!(NOW as f64 + 0.5), json!({}));
    ok(exact(), &t, NOW);
    check(
        &err_at(exact(), &t, NOW + 1),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    // huge and tiny values never overflow
    ok(exact(), &at(json!(1e300), json!({})), NOW);
    ok(exact(), &at(json!(18446744073709551615u64), json!({})), NOW);
    ok(exact(), &at(json!(1e300), json!({})), i64::MAX);
    check(
        &err(exact(), &at(json!(-1e300), json!({}))),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    check(
        &err(exact(), &at(json!(i64::MIN), json!({}))),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    check(
        &err_at(
            VerifyOptions {
                clock_tolerance: u64::MAX,
                ..exact()
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
    let e = err(exact(), &mint_raw(Algorithm::RS256, "test-a", &h, &p));
    check(&e, ErrorKind::Malformed, "ERR_JWT_INVALID", None);
}

#[test]
fn nbf_boundaries() {
    let t = at(json!(NOW + 1000), json!({ "nbf": NOW }));
    ok(exact(), &t, NOW);
    check(
        &err_at(exact(), &t, NOW - 1),
        ErrorKind::NotYetValid,
        CLAIM_FAILED,
        Some("nbf"),
    );
    let tol = VerifyOptions {
        clock_tolerance: 5,
        ..exact()
    };
    ok(tol.clone(), &t, NOW - 5);
    check(
        &err_at(tol, &t, NOW - 6),
        ErrorKind::NotYetValid,
        CLAIM_FAILED,
        Some("nbf"),
    );
    refused(
        exact(),
        &at(json!(NOW + 1000), json!({ "nbf": 1e300 })),
        ErrorKind::NotYetValid,
        "nbf",
    );
}

#[test]
fn iat_boundaries() {
    let t = at(json!(NOW + 1000), json!({ "iat": NOW + 10 }));
    ok(exact(), &t, NOW + 10);
    check(
        &err_at(exact(), &t, NOW + 9),
        ErrorKind::IatInFuture,
        CLAIM_FAILED,
        Some("iat"),
    );
    let tol = VerifyOptions {
        clock_tolerance: 10,
        ..exact()
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
        ..exact()
    };
    valid_until(
        o.clone(),
        &t,
        NOW + 300,
        ErrorKind::TooOld,
        "ERR_JWT_EXPIRED",
        "iat",
    );
    let tol = tolerant(&o, 30);
    valid_until(
        tol.clone(),
        &t,
        NOW + 330,
        ErrorKind::TooOld,
        "ERR_JWT_EXPIRED",
        "iat",
    );
    let t = at(json!(NOW + 10_000), json!({ "iat": -1e300 }));
    check(
        &err(o, &t),
        ErrorKind::TooOld,
        "ERR_JWT_EXPIRED",
        Some("iat"),
    );
}
