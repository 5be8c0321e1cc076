//! JWK Set parsing, thumbprints and key selection: any input, no panic.
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
        let _ = key.thumbprint();
        let _ = key.rsa_components();
        for alg in Algorithm::ALL {
            let _ = key.check_usable(alg);
            let _ = set.select(key.key_id(), alg);
        }
    }
    let _ = set.select(None, Algorithm::RS256);
});
