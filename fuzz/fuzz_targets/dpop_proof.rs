//! DPoP proofs: any input as a proof for a fixed request (with an access token; with and
//! without a nonce issuer), and as an `htu` to normalise: no panic, normalisation is
//! idempotent, an accepted proof's `jkt` is its header key's thumbprint, and the replay cache
//! refuses an accepted proof the second time.
#![no_main]

use std::sync::Mutex;

use libfuzzer_sys::fuzz_target;
use oidc_edge::dpop::{self, htu, DpopNonce, DpopOptions, NonceIssuer, ReplayCache};
use oidc_edge::{base64url, Jwk};

const NOW: i64 = 1_767_225_600;

fn request() -> DpopOptions {
    DpopOptions {
        method: "GET".into(),
        url: "https://api.example.test/orders".into(),
        access_token: Some("at".into()),
        ..DpopOptions::default()
    }
}

static CACHE: Mutex<Option<ReplayCache>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Some(n) = htu::normalize(text) {
        assert_eq!(htu::normalize(&n).as_deref(), Some(n.as_str()));
    }
    let with_nonce = DpopOptions {
        nonce: Some(DpopNonce::Issuer(
            NonceIssuer::new(&[7; 32], 300).expect("nonce key"),
        )),
        ..request()
    };
    let _ = dpop::verify_proof(text, &with_nonce, NOW);
    if let Ok(proof) = dpop::verify_proof(text, &request(), NOW) {
        let jwk = Jwk::from_value(
            proof
                .header
                .get("jwk")
                .expect("an accepted proof has a jwk"),
        );
        let thumbprint = jwk
            .thumbprint()
            .expect("an accepted proof's key has a thumbprint");
        assert_eq!(proof.jkt, base64url::encode(&thumbprint));
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        let cache = cache.get_or_insert_with(|| ReplayCache::new(64));
        cache.clear();
        cache.check_and_remember(&proof, NOW).expect("first use");
        assert!(cache.check_and_remember(&proof, NOW).is_err(), "a replay");
    }
});
