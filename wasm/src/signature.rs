//! One signature checked by the core alone, outside any token: what the package's tests
//! compare the host's crypto with (Wycheproof vectors are raw messages, not JWS). Not part of
//! the public API.

use oidc_edge::signature::{BuiltinVerifier, SignatureVerifier};
use oidc_edge::{Algorithm, Jwk};
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// `1` when `signature` verifies `message` under the JWK (JSON text) for `alg` with the core's
/// code, `0` when it does not, `2` when the core refuses the key for `alg` (key policy) or
/// knows no such algorithm.
#[wasm_bindgen(js_name = coreSignatureCheck)]
pub fn core_signature_check(alg: &str, jwk_json: &str, message: &[u8], signature: &[u8]) -> u32 {
    let Some(alg) = Algorithm::from_name(alg) else {
        return 2;
    };
    let Ok(members) = oidc_edge::json::parse_object(jwk_json.as_bytes()) else {
        return 2;
    };
    let jwk = Jwk::from_value(&Value::Object(members));
    match jwk.check_usable(alg) {
        Ok(key) => u32::from(
            signature.len() == key.signature_len()
                && BuiltinVerifier.verify(alg, key, message, signature),
        ),
        Err(_) => 2,
    }
}
