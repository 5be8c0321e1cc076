//! DPoP (RFC 9449) for the package: the core's proof check ([`oidc_edge::dpop::verify_proof`])
//! through a per-process memory of proof `jti`s ([`ReplayCache`]). Every rule is the core's;
//! this module reads the options JSON of `pkg/lib/dpop.js` and returns the verified proof.

use oidc_edge::dpop::{self, DpopNonce, DpopOptions, ReplayCache};
use oidc_edge::Jwk;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::failure::WasmFailure;
use crate::options::{algorithms, number, string, strings, unreadable};
use crate::result::result_json;
use crate::unix;

/// A bounded memory of the proofs seen (the core's [`ReplayCache`]), and the proof check that
/// goes through it. Capacity 0 remembers nothing (`jti` reuse is then not detected).
#[wasm_bindgen]
pub struct WasmDpopReplay {
    inner: ReplayCache,
}

#[wasm_bindgen]
impl WasmDpopReplay {
    /// A memory of at most `capacity` proofs.
    #[wasm_bindgen(constructor)]
    pub fn new(capacity: u32) -> WasmDpopReplay {
        WasmDpopReplay {
            inner: ReplayCache::new(usize::try_from(capacity).unwrap_or(usize::MAX)),
        }
    }

    /// Number of proofs remembered.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> u32 {
        u32::try_from(self.inner.len()).unwrap_or(u32::MAX)
    }

    /// Forgets every proof.
    pub fn clear(&mut self) {
        self.inner.clear();
    }

    /// Checks `proof` for the request and policy of `options_json` (`method`, `url`,
    /// `access_token`, `algorithms`, `max_age`, `max_future`, `clock_tolerance`, `nonce`: the
    /// nonce the proof must carry), then refuses a `jti` already seen and remembers this one:
    /// `{"jkt":..,"payload":..,"protectedHeader":..}` (a string), else the failure.
    pub fn verify(&mut self, proof: &str, options_json: &str, now: f64) -> JsValue {
        let now = unix(now);
        let checked = dpop_options(options_json).and_then(|o| {
            let proof = dpop::verify_proof(proof, &o, now)?;
            self.inner.check_and_remember(&proof, now)?;
            Ok(proof.jkt)
        });
        match checked {
            Ok(jkt) => {
                let json = result_json(proof);
                // `jkt` is base64url: nothing to escape.
                JsValue::from_str(&json.replacen('{', &["{\"jkt\":\"", &jkt, "\","].concat(), 1))
            }
            Err(e) => e.into(),
        }
    }
}

/// The proof options as `pkg/lib/dpop.js` sends them (type-checked there).
fn dpop_options(json: &str) -> Result<DpopOptions, WasmFailure> {
    let members = oidc_edge::json::parse_object(json.as_bytes()).map_err(|_| unreadable())?;
    let mut o = DpopOptions::default();
    for (name, v) in members {
        match name.as_str() {
            "method" => o.method = string(v)?.unwrap_or_default(),
            "url" => o.url = string(v)?.unwrap_or_default(),
            "access_token" => o.access_token = string(v)?,
            "algorithms" => o.algorithms = algorithms(&strings(v)?)?,
            "max_age" => o.max_age = number(v)?.unwrap_or(o.max_age),
            "max_future" => o.max_future = number(v)?.unwrap_or(o.max_future),
            "clock_tolerance" => o.clock_tolerance = number(v)?.unwrap_or(o.clock_tolerance),
            "nonce" => o.nonce = string(v)?.map(DpopNonce::Expected),
            _ => return Err(unreadable()),
        }
    }
    Ok(o)
}

/// The RFC 7638 thumbprint (SHA-256, base64url) of a public JWK (JSON text), as a token's
/// `cnf.jkt` names it; empty when the JWK is not a JSON object or not an RSA, P-256, P-384 or
/// Ed25519 key whose required members decode.
#[wasm_bindgen(js_name = jwkThumbprint)]
pub fn jwk_thumbprint(jwk_json: &str) -> String {
    oidc_edge::json::parse_object(jwk_json.as_bytes())
        .ok()
        .and_then(|m| Jwk::from_value(&Value::Object(m)).thumbprint())
        .map(|t| oidc_edge::base64url::encode(&t))
        .unwrap_or_default()
}
