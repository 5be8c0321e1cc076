//! Trust sets: several issuers, each with its own policy (issuer names, client ids, audience,
//! tenants) and its own keys (the core's [`TrustSet`]). The keys of every entry stay on the JS
//! side (a local set, or a remote one fetched for the entry the token names): a token is first
//! routed to its entry ([`WasmTrustSet::route`], nothing verified), then verified with that
//! entry's keys alone ([`WasmTrustSet::verify`]).

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

    /// Adds an entry from its options JSON (`issuer`, `client_ids`, `audience`,
    /// `allowed_tenants`, `any_tenant`; read by the same parser as the verify options; its
    /// keys come with each token): `undefined`, or the failure.
    pub fn add(&mut self, entry_json: &str) -> Option<WasmFailure> {
        match options_from_json(entry_json) {
            Ok(o) => {
                self.issuers.push(TrustedIssuer {
                    issuer: o.issuer,
                    allowed_tenants: o.allowed_tenants,
                    any_tenant: o.any_tenant,
                    keys: None,
                    client_ids: o.client_ids,
                    audience: o.audience,
                });
                None
            }
            Err(f) => Some(f),
        }
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
    /// The index of the entry the token names (checks 1 and 2 passed, `iss` read but not
    /// verified), so the adapter fetches only that entry's keys; else the failure.
    pub fn route(&self, token: &str) -> JsValue {
        match self.inner.route(token) {
            Ok(r) => JsValue::from(u32::try_from(r.issuer_index()).unwrap_or(u32::MAX)),
            Err(e) => WasmFailure::from(e).into(),
        }
    }

    /// Verifies the token with `keys`, the keys of entry `index` (the one it routes to: any
    /// other index is a `"config"` failure), through the set's memo with the core's RSA: the
    /// accepted token's result JSON (a string), else the failure.
    pub fn verify(&self, token: &str, index: u32, keys: &WasmKeys, now: f64) -> JsValue {
        let routed = match self.inner.route(token) {
            Ok(r) => r,
            Err(e) => return WasmFailure::from(e).into(),
        };
        if u32::try_from(routed.issuer_index()).ok() != Some(index) {
            return crate::failure::config("keys of another trust set entry").into();
        }
        let r = self
            .inner
            .begin_routed(routed, keys.set())
            .and_then(|pending| {
                let verdict = keys.check(&pending.pending);
                self.inner.finish(pending, verdict, unix(now))
            });
        accepted(token, r)
    }
}
