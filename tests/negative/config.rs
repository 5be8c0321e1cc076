//! Caller misuse is a `ConfigError`, never a token error.

use super::access::jwt_options;
use super::profiles::{at_jwt_options, cognito_options};
use super::*;

/// `base` changed by `change`: one bad configuration per line.
fn tweak(mut base: VerifyOptions, change: impl FnOnce(&mut VerifyOptions)) -> VerifyOptions {
    change(&mut base);
    base
}

#[test]
fn config_errors_are_distinct_from_token_errors() {
    let bad = [
        VerifyOptions::default(),
        tweak(VerifyOptions::default(), |o| o.issuer = vec![ISS.into()]),
        tweak(options(), |o| o.issuer = vec![String::new()]),
        tweak(options(), |o| o.client_ids = vec![String::new()]),
        tweak(options(), |o| o.require_at_hash = true),
        tweak(options(), |o| o.require_c_hash = true),
        tweak(options(), |o| o.max_token_size = 0),
        tweak(options(), |o| o.nonce = Some(String::new())),
        tweak(at_jwt_options(), |o| o.audience = vec![]),
        tweak(cognito_options(), |o| o.client_ids = vec![]),
        tweak(cognito_options(), |o| o.issuer = vec![]),
        // the jwt profile: an audience; scopes and roles are single, non-empty names
        tweak(jwt_options(), |o| o.audience = vec![]),
        tweak(jwt_options(), |o| {
            o.required_scopes = vec!["read write".into()]
        }),
        tweak(jwt_options(), |o| o.required_scopes = vec![String::new()]),
        tweak(jwt_options(), |o| o.required_roles = vec![String::new()]),
    ];
    for (i, o) in bad.into_iter().enumerate() {
        let e = Verifier::new(o).unwrap_err();
        assert!(!e.message().is_empty(), "case {i}");
    }
    assert!(Verifier::new(at_jwt_options()).is_ok());
    // No algorithms named: each key's default allow-list applies.
    assert_eq!(verifier(options()).algorithms(), &[] as &[Algorithm]);
}
