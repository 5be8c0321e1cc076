//! The first failing check wins, in the documented order.

use super::*;

#[test]
fn first_failure_wins_in_design_order() {
    let expired_bad_iss = with(claims(), json!({"iss":"x","exp": NOW - 100, "aud":"other"}));
    // alg before key before signature before claims
    for (h, kind) in [
        (
            json!({"alg":"HS256","kid":"nope"}),
            ErrorKind::AlgNotAllowed,
        ),
        (
            json!({"alg":"RS256","kid":"nope","typ":"at+jwt"}),
            ErrorKind::InvalidTyp,
        ),
        (json!({"alg":"RS256","kid":"nope"}), ErrorKind::KeyNotFound),
        (header("test-a"), ErrorKind::BadSignature),
    ] {
        let t = mint(Algorithm::RS256, "test-b", &h, &expired_bad_iss);
        assert_eq!(err(options(), &t).kind(), kind, "{h}");
    }
    // signature before payload JSON
    let t = mint_raw(
        Algorithm::RS256,
        "test-b",
        &header("test-a").to_string(),
        "not json",
    );
    assert_eq!(err(options(), &t).kind(), ErrorKind::BadSignature);
    // claims: iss, then aud, then exp
    let t = id_token(&expired_bad_iss);
    assert_eq!(err(options(), &t).kind(), ErrorKind::IssMismatch);
    let t = id_token(&with(expired_bad_iss.clone(), json!({"iss": ISS})));
    assert_eq!(err(options(), &t).kind(), ErrorKind::AudMismatch);
    let t = id_token(&with(expired_bad_iss, json!({"iss": ISS, "aud": CLIENT})));
    assert_eq!(err(options(), &t).kind(), ErrorKind::Expired);
    // size before everything
    let o = VerifyOptions {
        max_token_size: 10,
        ..options()
    };
    assert_eq!(err(o, "a.b.c.d.e.f").kind(), ErrorKind::TokenTooLarge);
}
