//! Key sets: a parsed JWK Set plus the memo of the signatures verified with it, and the calls
//! that verify through that memo with the core's signature code or the host's.

use oidc_edge::error::Error;
use oidc_edge::jwk::JwkSet;
use oidc_edge::signature::{MemoVerifier, SignatureVerdict};
use oidc_edge::verify::{Pending, Verified, Verifier};
use wasm_bindgen::prelude::*;

use crate::failure::WasmFailure;
use crate::host::{HostChecker, Mode, Switch};

/// A parsed JWK Set plus the memo of signatures verified with it.
#[wasm_bindgen]
pub struct WasmKeys {
    set: JwkSet,
    memo: MemoVerifier<Switch>,
}

impl WasmKeys {
    /// The set with an empty memo.
    pub(crate) fn new(set: JwkSet) -> WasmKeys {
        let switch = Switch::for_set(&set);
        WasmKeys {
            set,
            memo: MemoVerifier::new(switch),
        }
    }

    /// The parsed set.
    pub(crate) fn set(&self) -> &JwkSet {
        &self.set
    }

    /// Full verification with the core's signature code, through the memo.
    pub(crate) fn verify(
        &self,
        verifier: &Verifier,
        token: &str,
        now: i64,
    ) -> Result<Verified, Error> {
        self.memo.inner().set_mode(Mode::Builtin);
        verifier.verify_with(token, &self.set, now, &self.memo)
    }

    /// Full verification with the host's synchronous check, not through the memo: the
    /// package's verified-token cache answers a repeated token before this call, and the
    /// memo's digest of every new token cost 10-15 % of this path in Node (BENCHMARKS.md).
    pub(crate) fn verify_host(
        &self,
        verifier: &Verifier,
        token: &str,
        host: HostChecker,
        now: i64,
    ) -> Result<Verified, Error> {
        let switch = self.memo.inner();
        switch.install(Some(host));
        switch.set_mode(Mode::Callback);
        let r = verifier.verify_with(token, &self.set, now, switch);
        switch.set_mode(Mode::Builtin);
        switch.install(None);
        r
    }

    /// The signature verdict on a pending token with the core's signature code, through the
    /// memo (a remembered signature is not checked again; a valid one is remembered).
    pub(crate) fn check(&self, pending: &Pending<'_>) -> SignatureVerdict {
        self.memo.inner().set_mode(Mode::Builtin);
        pending.check_signature(&self.memo)
    }

    /// Whether the memo holds the pending token's signature as verified.
    pub(crate) fn memo_holds(&self, pending: &Pending<'_>) -> bool {
        self.memo.recall(pending).is_some()
    }

    /// Remembers the pending token's signature when `verdict` says it is valid.
    pub(crate) fn remember(&self, pending: &Pending<'_>, verdict: &SignatureVerdict) {
        self.memo.remember(pending, verdict);
    }
}

#[wasm_bindgen]
impl WasmKeys {
    /// Parses a JWK Set document: a `WasmKeys`, or a `WasmFailure` (`jwks_invalid`).
    pub fn parse(text: &str) -> JsValue {
        match JwkSet::from_json(text) {
            Ok(set) => WasmKeys::new(set).into(),
            Err(e) => WasmFailure::from(e).into(),
        }
    }

    /// Number of keys, usable or not.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> u32 {
        u32::try_from(self.set.len()).unwrap_or(u32::MAX)
    }

    /// The `kid` of each key that has one.
    #[wasm_bindgen(js_name = keyIds)]
    pub fn key_ids(&self) -> Vec<String> {
        self.set
            .keys()
            .iter()
            .filter_map(|k| k.key_id().map(String::from))
            .collect()
    }

    /// The minimal public JWK of key `index` for the host's key import (the core's canonical
    /// members: `e`, `kty`, `n` for RSA; `crv`, `kty`, `x`, `y` for EC; `crv`, `kty`, `x` for
    /// OKP), or an empty string if the key is not usable.
    #[wasm_bindgen(js_name = publicJwk)]
    pub fn public_jwk(&self, index: u32) -> String {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.set.keys().get(i))
            .and_then(|k| k.public_jwk())
            .unwrap_or_default()
    }
}
