//! Full verification of any input as a token against a fixed key set (the committed test-only
//! keys) with every algorithm allowed and every claim check configured: no input may panic,
//! a single-issuer verifier and a trust set agree on acceptance, and the split API is driven
//! with a host that claims every signature valid, so mutated claims reach every claim check,
//! for ID tokens and for access tokens (`jwt` profile: issuer template, client claims, `cnf`
//! with a DPoP proof's key thumbprint, scopes and roles). The key set holds RSA, P-256, P-384
//! and Ed25519 keys; a second verifier uses each key's default allow-list.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use oidc_edge::{
    Algorithm, JwkSet, Profile, SignatureVerdict, TrustSet, TrustedIssuer, Verifier, VerifyOptions,
};

const NOW: i64 = 1_767_225_600;

fn keys() -> &'static JwkSet {
    static KEYS: OnceLock<JwkSet> = OnceLock::new();
    KEYS.get_or_init(|| {
        JwkSet::from_json(include_str!(
            "../../tests/vectors/keys/core/public-jwks.json"
        ))
        .expect("test key set")
    })
}

fn options() -> VerifyOptions {
    VerifyOptions {
        issuer: vec!["https://op.example.test".into()],
        client_ids: vec!["client-1".into()],
        audience: vec!["api".into()],
        algorithms: Algorithm::ALL.to_vec(),
        clock_tolerance: 30,
        max_token_age: Some(3600),
        nonce: Some("nonce-1".into()),
        max_age: Some(600),
        acr_values: vec!["1".into()],
        access_token: Some("at".into()),
        code: Some("code".into()),
        required_claims: vec!["email".into()],
        ..VerifyOptions::default()
    }
}

fn jkt_of(kid: &str) -> String {
    let key = keys()
        .keys()
        .iter()
        .find(|k| k.key_id() == Some(kid))
        .expect("test key");
    oidc_edge::base64url::encode(&key.thumbprint().expect("thumbprint"))
}

/// The same policy with no algorithms named: each key's default allow-list.
fn by_default() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        Verifier::new(VerifyOptions {
            algorithms: Vec::new(),
            ..options()
        })
        .expect("options")
    })
}

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| Verifier::new(options()).expect("options"))
}

fn access() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        Verifier::new(VerifyOptions {
            profile: Profile::Jwt,
            issuer: vec![
                "https://op.example.test".into(),
                "https://login.microsoftonline.com/{tenantid}/v2.0".into(),
            ],
            allowed_tenants: vec!["9188040d-6c67-4c5b-b112-36a304b66dad".into()],
            audience: vec!["api".into()],
            client_ids: vec!["client-1".into()],
            algorithms: Algorithm::ALL.to_vec(),
            required_scopes: vec!["read".into()],
            required_roles: vec!["admin".into()],
            // The RFC 7638 thumbprint of test-p256: a `cnf.jkt` naming it passes.
            dpop_jkt: Some(jkt_of("test-p256")),
            ..VerifyOptions::default()
        })
        .expect("options")
    })
}

fn trust() -> &'static TrustSet {
    static T: OnceLock<TrustSet> = OnceLock::new();
    T.get_or_init(|| {
        TrustSet::new(
            options(),
            vec![
                TrustedIssuer {
                    issuer: vec!["https://op.example.test".into()],
                    keys: Some(keys().clone()),
                    client_ids: vec!["client-1".into()],
                    ..TrustedIssuer::default()
                },
                TrustedIssuer {
                    issuer: vec!["https://op2.example.test".into()],
                    keys: Some(JwkSet::default()),
                    client_ids: vec!["client-2".into()],
                    ..TrustedIssuer::default()
                },
            ],
        )
        .expect("trust set")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = core::str::from_utf8(data) else {
        return;
    };
    let direct = verifier().verify(token, keys(), NOW);
    let via_trust = trust().verify(token, NOW);
    assert_eq!(direct.is_ok(), via_trust.is_ok());
    // The default allow-list is a subset of every algorithm.
    if by_default().verify(token, keys(), NOW).is_ok() {
        assert!(direct.is_ok());
    }
    if let Ok(pending) = verifier().begin(token, keys()) {
        // A host claiming a valid signature still faces the length and claim checks.
        let verdict = SignatureVerdict::from_host_crypto(&pending, true);
        let _ = verifier().finish(pending, verdict, NOW);
    }
    if let Ok(pending) = access().begin(token, keys()) {
        let verdict = SignatureVerdict::from_host_crypto(&pending, true);
        let _ = access().finish(pending, verdict, NOW);
    }
});
