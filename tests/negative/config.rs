//! Caller misuse is a `ConfigError`, never a token error.

use super::profiles::{at_jwt_options, cognito_options};
use super::*;

#[test]
fn config_errors_are_distinct_from_token_errors() {
    let bad = [
        VerifyOptions::default(),
        VerifyOptions {
            issuer: vec![ISS.into()],
            ..VerifyOptions::default()
        },
        VerifyOptions {
            issuer: vec![String::new()],
            ..options()
        },
        VerifyOptions {
            client_ids: vec![String::new()],
            ..options()
        },
        VerifyOptions {
            require_at_hash: true,
            ..options()
        },
        VerifyOptions {
            require_c_hash: true,
            ..options()
        },
        VerifyOptions {
            max_token_size: 0,
            ..options()
        },
        VerifyOptions {
            nonce: Some(String::new()),
            ..options()
        },
        VerifyOptions {
            audience: vec![],
            ..at_jwt_options()
        },
        VerifyOptions {
            client_ids: vec![],
            ..cognito_options()
        },
        VerifyOptions {
            issuer: vec![],
            ..cognito_options()
        },
    ];
    for (i, o) in bad.into_iter().enumerate() {
        let e = Verifier::new(o).unwrap_err();
        assert!(!e.message().is_empty(), "case {i}");
    }
    assert!(Verifier::new(at_jwt_options()).is_ok());
    // No algorithms named: each key's default allow-list applies.
    assert_eq!(verifier(options()).algorithms(), &[] as &[Algorithm]);
}
