//! Compact JWS parsing and strict JSON: any input, no panic, bounded work.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oidc_edge::token::{UntrustedToken, DEFAULT_MAX_TOKEN_SIZE};
use oidc_edge::{base64url, json};

fuzz_target!(|data: &[u8]| {
    let _ = json::parse_object(data);
    if let Ok(decoded) = base64url::decode(data) {
        // Strict decoding is canonical: encoding gives back the input.
        assert_eq!(base64url::encode(&decoded).as_bytes(), data);
    }
    if let Ok(text) = core::str::from_utf8(data) {
        if let Ok(token) = UntrustedToken::parse(text, DEFAULT_MAX_TOKEN_SIZE) {
            let _ = token.alg();
            let _ = token.kid();
            if let Ok(payload) = token.payload_json() {
                let _ = oidc_edge::Claims::from_map(payload);
            }
        }
    }
});
