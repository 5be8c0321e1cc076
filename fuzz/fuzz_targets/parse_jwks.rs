//! JWK Set parsing (RSA, EC and OKP keys), thumbprints, public JWKs and key selection for every
//! algorithm, with an explicit allow-list and with each key's default: any input, no panic; a
//! usable key's canonical JWK parses back to a key with the same thumbprint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oidc_edge::{Algorithm, JwkSet};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = JwkSet::from_json(text) else {
        return;
    };
    for key in set.keys() {
        let thumbprint = key.thumbprint();
        let _ = key.rsa_components();
        let _ = key.key_kind();
        if let Some(public) = key.public_key() {
            let _ = public.fingerprint();
            let canonical = key.public_jwk().expect("a usable key has a public JWK");
            let again = JwkSet::from_json(&format!("{{\"keys\":[{canonical}]}}"))
                .expect("the public JWK is JSON");
            assert_eq!(again.keys()[0].thumbprint(), thumbprint);
        }
        for alg in Algorithm::ALL {
            let _ = key.check_usable(alg);
            let _ = key.check_default(alg);
            let _ = set.select(key.key_id(), alg);
            let _ = set.select_default(key.key_id(), alg);
        }
    }
    let _ = set.select(None, Algorithm::RS256);
    let _ = set.select_default(None, Algorithm::ES256);
});
