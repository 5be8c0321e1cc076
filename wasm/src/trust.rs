//! Trust sets: several issuers, chosen by the token's `iss`, each with its own keys and client
//! ids (the core's [`TrustSet`]).

use oidc_edge::trust::{TrustSet, TrustedIssuer};
use wasm_bindgen::prelude::*;

use crate::failure::WasmFailure;
use crate::keys::WasmKeys;
use crate::options::options_from_json;
use crate::result::accepted;
use crate::unix;

/// Collects the issuers of a trust set.
#[wasm_bindgen]
#[derive(Default)]
pub struct WasmTrustBuilder {
    issuers: Vec<TrustedIssuer>,
}

#[wasm_bindgen]
impl WasmTrustBuilder {
    /// An empty builder.
    #[wasm_bindgen(constructor)]
    pub fn new() -> WasmTrustBuilder {
        WasmTrustBuilder::default()
    }

    /// Adds an issuer with its client ids and (a copy of) its keys.
    pub fn add(&mut self, issuer: String, client_ids: Vec<String>, keys: &WasmKeys) {
        self.issuers.push(TrustedIssuer {
            issuer,
            keys: keys.set().clone(),
            client_ids,
        });
    }

    /// The trust set with these base options (JSON): a `WasmTrustSet` or a `WasmFailure`.
    pub fn build(&self, options_json: &str) -> JsValue {
        let built = options_from_json(options_json)
            .and_then(|o| TrustSet::new(o, self.issuers.clone()).map_err(WasmFailure::from));
        match built {
            Ok(inner) => WasmTrustSet { inner }.into(),
            Err(f) => f.into(),
        }
    }
}

/// Several issuers, chosen by the token's `iss`.
#[wasm_bindgen]
pub struct WasmTrustSet {
    inner: TrustSet,
}

#[wasm_bindgen]
impl WasmTrustSet {
    /// The accepted token's result JSON (a string) when its issuer's entry accepts it, else
    /// the failure.
    pub fn verify(&self, token: &str, now: f64) -> JsValue {
        accepted(token, self.inner.verify(token, unix(now)))
    }
}
