//! Property tests (proptest, CI-sized case counts): mutated or truncated tokens never verify
//! and never panic; mutated key sets and arbitrary inputs never panic; base64url round-trips.

mod mint;

use std::sync::OnceLock;

use mint::{claims, id_token, jwks, options, verifier, NOW};
use oidc_edge::{base64url, JwkSet, TrustSet, TrustedIssuer, Verifier, VerifyOptions};
use proptest::prelude::*;

struct Fixture {
    token: String,
    keys: JwkSet,
    verifier: Verifier,
    jwks_text: String,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let keys = jwks(&["test-a", "test-b", "test-c"]);
        let token = id_token(&claims());
        let verifier = verifier(VerifyOptions {
            nonce: Some("nonce-1".into()),
            ..options()
        });
        verifier
            .verify(&token, &keys, NOW)
            .expect("the fixture token is valid");
        Fixture {
            token,
            keys,
            verifier,
            jwks_text: mint::jwks_json().to_string(),
        }
    })
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn single_byte_mutations_never_verify(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let f = fixture();
        let mut bytes = f.token.clone().into_bytes();
        let i = pos.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        // Not UTF-8 cannot even be passed as a token: that is the caller's type system at work.
        if let Ok(t) = String::from_utf8(bytes) {
            prop_assert!(f.verifier.verify(&t, &f.keys, NOW).is_err());
        }
    }

    #[test]
    fn truncations_and_deletions_never_verify(cut in any::<prop::sample::Index>(), len in 1usize..8) {
        let f = fixture();
        let at = cut.index(f.token.len());
        prop_assert!(f.verifier.verify(&f.token[..at], &f.keys, NOW).is_err());
        let end = (at + len).min(f.token.len());
        let deleted = format!("{}{}", &f.token[..at], &f.token[end..]);
        prop_assert!(f.verifier.verify(&deleted, &f.keys, NOW).is_err());
    }

    #[test]
    fn insertions_never_verify(pos in any::<prop::sample::Index>(), c in prop::char::any()) {
        let f = fixture();
        let at = pos.index(f.token.len() + 1);
        let mut t = f.token.clone();
        t.insert(at, c);
        prop_assert!(f.verifier.verify(&t, &f.keys, NOW).is_err());
    }

    #[test]
    fn jwks_mutations_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let f = fixture();
        let mut bytes = f.jwks_text.clone().into_bytes();
        for (pos, byte) in edits {
            let i = pos.index(bytes.len());
            bytes[i] = byte;
        }
        bytes.truncate(cut.index(bytes.len() + 1).max(1));
        if let Ok(text) = String::from_utf8(bytes) {
            if let Ok(set) = JwkSet::from_json(&text) {
                for k in set.keys() {
                    let _ = k.thumbprint();
                }
                let _ = f.verifier.verify(&f.token, &set, NOW);
            }
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in ".{0,400}") {
        let f = fixture();
        prop_assert!(f.verifier.verify(&s, &f.keys, NOW).is_err());
        let _ = JwkSet::from_json(&s);
    }

    #[test]
    fn arbitrary_dotted_base64_never_panics(
        h in "[A-Za-z0-9_-]{0,80}", p in "[A-Za-z0-9_-]{0,200}", s in "[A-Za-z0-9_-]{0,400}"
    ) {
        let f = fixture();
        let token = format!("{h}.{p}.{s}");
        prop_assert!(f.verifier.verify(&token, &f.keys, NOW).is_err());
    }

    #[test]
    fn base64url_round_trips(data in prop::collection::vec(any::<u8>(), 0..300)) {
        let enc = base64url::encode(&data);
        prop_assert_eq!(base64url::decode(enc.as_bytes()).unwrap(), data);
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn any_claims_object_never_panics_and_any_now(
        exp in prop_oneof![any::<i64>().prop_map(serde_json::Value::from), any::<f64>().prop_map(serde_json::Value::from)],
        now in any::<i64>(),
        tol in any::<u64>(),
        age in prop::option::of(any::<u64>()),
    ) {
        let f = fixture();
        let token = id_token(&mint::with(claims(), serde_json::json!({"exp": exp, "auth_time": 1.5e300})));
        let v = verifier(VerifyOptions { clock_tolerance: tol, max_token_age: age, max_age: age, ..options() });
        let _ = v.verify(&token, &f.keys, now);
    }

    #[test]
    fn trust_set_mutations_never_verify(pos in any::<prop::sample::Index>(), byte in 0x21u8..0x7f) {
        let f = fixture();
        let ts = TrustSet::new(VerifyOptions::default(), vec![TrustedIssuer {
            issuer: vec![mint::ISS.into()],
            keys: Some(f.keys.clone()),
            client_ids: vec![mint::CLIENT.into()],
            ..TrustedIssuer::default()
        }]).unwrap();
        prop_assert!(ts.verify(&f.token, NOW).is_ok());
        let mut bytes = f.token.clone().into_bytes();
        let i = pos.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        let t = String::from_utf8(bytes).unwrap();
        prop_assert!(ts.verify(&t, NOW).is_err());
    }
}
