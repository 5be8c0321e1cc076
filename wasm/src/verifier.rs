//! The verifier: a policy the core has checked, and its three ways to verify: all in one call
//! with the core's signature code or with the host's synchronous check, and the split form for a host
//! that checks the signature asynchronously (WebCrypto) between [`WasmVerifier::begin`] and
//! [`WasmVerifier::finish`].

use core::cell::Cell;

use oidc_edge::error::Error;
use oidc_edge::signature::SignatureVerdict;
use oidc_edge::verify::{Verified, Verifier};
use wasm_bindgen::prelude::*;

use crate::failure::{config, WasmFailure};
use crate::host::HostChecker;
use crate::keys::WasmKeys;
use crate::options::options_from_json;
use crate::result::accepted;
use crate::unix;

/// The empty window: no second.
const NO_WINDOW: (f64, f64) = (1.0, 0.0);

/// What the host needs to check a signature itself (the async WebCrypto path).
#[wasm_bindgen]
pub struct WasmHostCheck {
    alg: &'static str,
    key_index: u32,
    memo_hit: bool,
    signature: Vec<u8>,
    signing_input_length: u32,
}

#[wasm_bindgen]
impl WasmHostCheck {
    /// The JWS algorithm (`"RS256"`, ...).
    #[wasm_bindgen(getter)]
    pub fn alg(&self) -> String {
        self.alg.into()
    }

    /// Index of the selected key in its set.
    #[wasm_bindgen(getter, js_name = keyIndex)]
    pub fn key_index(&self) -> u32 {
        self.key_index
    }

    /// Whether the key set's memo already holds this exact signature as verified.
    #[wasm_bindgen(getter, js_name = memoHit)]
    pub fn memo_hit(&self) -> bool {
        self.memo_hit
    }

    /// The decoded signature octets.
    #[wasm_bindgen(getter)]
    pub fn signature(&self) -> Vec<u8> {
        self.signature.clone()
    }

    /// Length of the signing input (`header.payload`), a prefix of the token text.
    #[wasm_bindgen(getter, js_name = signingInputLength)]
    pub fn signing_input_length(&self) -> u32 {
        self.signing_input_length
    }
}

/// A verifier with fixed options.
#[wasm_bindgen]
pub struct WasmVerifier {
    inner: Verifier,
    /// The time window of the last accepted token ([`Verifier::accepted_window`]); empty
    /// (`from > until`) after a refusal. Read by the package's verified-token cache right
    /// after the call (`pkg/lib/cache.js`).
    window: Cell<(f64, f64)>,
}

#[wasm_bindgen]
impl WasmVerifier {
    /// A `WasmVerifier` for the options (JSON), or a `WasmFailure` of kind `"config"`.
    pub fn create(options_json: &str) -> JsValue {
        let built = options_from_json(options_json)
            .and_then(|o| Verifier::new(o).map_err(WasmFailure::from));
        match built {
            Ok(inner) => WasmVerifier {
                inner,
                window: Cell::new(NO_WINDOW),
            }
            .into(),
            Err(f) => f.into(),
        }
    }

    /// This verifier for one request that came with a DPoP proof: `jkt` is the thumbprint of
    /// the proof's key (`WasmDpopReplay::verify`), which a `cnf.jkt` token must name. A new
    /// `WasmVerifier`, or the failure (`"config"`: not an access-token profile).
    #[wasm_bindgen(js_name = withDpopJkt)]
    pub fn with_dpop_jkt(&self, jkt: &str) -> JsValue {
        match self.inner.with_dpop_jkt(Some(jkt.into())) {
            Ok(inner) => WasmVerifier {
                inner,
                window: Cell::new(NO_WINDOW),
            }
            .into(),
            Err(e) => WasmFailure::from(e).into(),
        }
    }

    /// Full verification with the core's signature code (through the set's memo) of the token's UTF-8
    /// octets: the accepted token's result JSON (a string), else the failure.
    pub fn verify(&self, token: &[u8], keys: &WasmKeys, now: f64) -> JsValue {
        match token_text(token) {
            Ok(token) => self.answer(token, keys.verify(&self.inner, token, unix(now)), now),
            Err(f) => f.into(),
        }
    }

    /// Full verification in one call with the host's synchronous signature check (not through
    /// the set's memo, see `WasmKeys::verify_host`): the accepted token's result JSON (a
    /// string), else the failure.
    #[wasm_bindgen(js_name = verifyHost)]
    pub fn verify_host(
        &self,
        token: &[u8],
        keys: &WasmKeys,
        host: HostChecker,
        now: f64,
    ) -> JsValue {
        match token_text(token) {
            Ok(token) => {
                let r = keys.verify_host(&self.inner, token, host, unix(now));
                self.answer(token, r, now)
            }
            Err(f) => f.into(),
        }
    }

    /// Steps 1-3 (token, alg, key selection): a `WasmHostCheck` or a `WasmFailure`.
    pub fn begin(&self, token: &str, keys: &WasmKeys) -> JsValue {
        let pending = match self.inner.begin(token, keys.set()) {
            Ok(p) => p,
            Err(e) => return WasmFailure::from(e).into(),
        };
        let key = pending.key();
        let key_index = keys
            .set()
            .keys()
            .iter()
            .position(|k| core::ptr::eq(k, key))
            .and_then(|i| u32::try_from(i).ok())
            .unwrap_or(u32::MAX);
        WasmHostCheck {
            alg: pending.algorithm().name(),
            key_index,
            memo_hit: keys.memo_holds(&pending),
            signature: pending.signature().to_vec(),
            signing_input_length: u32::try_from(pending.signing_input().len()).unwrap_or(u32::MAX),
        }
        .into()
    }

    /// Steps 4-6 with the host's signature verdict: the accepted token's result JSON (a
    /// string), else the failure. A valid signature is remembered in the set's memo.
    pub fn finish(&self, token: &str, keys: &WasmKeys, signature_valid: bool, now: f64) -> JsValue {
        let pending = match self.inner.begin(token, keys.set()) {
            Ok(p) => p,
            Err(e) => return WasmFailure::from(e).into(),
        };
        // The host (WebCrypto) checked this token's signature itself: its answer is the verdict.
        let verdict = SignatureVerdict::from_host_crypto(&pending, signature_valid);
        keys.remember(&pending, &verdict);
        let r = self.inner.finish(pending, verdict, unix(now));
        self.answer(token, r, now)
    }

    /// The first second (Unix, inclusive) at which the last accepted token is accepted again
    /// by this verifier with the same keys (greater than [`WasmVerifier::accepted_until`]
    /// after a refusal).
    #[wasm_bindgen(getter, js_name = acceptedFrom)]
    pub fn accepted_from(&self) -> f64 {
        self.window.get().0
    }

    /// The last second (Unix, inclusive) at which the last accepted token is accepted again.
    #[wasm_bindgen(getter, js_name = acceptedUntil)]
    pub fn accepted_until(&self) -> f64 {
        self.window.get().1
    }
}

impl WasmVerifier {
    /// The JS value of a verification (see [`accepted`]), keeping the accepted token's window.
    fn answer(&self, token: &str, r: Result<Verified, Error>, now: f64) -> JsValue {
        let window = r
            .as_ref()
            .ok()
            .and_then(|v| self.inner.accepted_window(&v.claims, unix(now)));
        // i64 -> f64 is exact: the window lies within +-2^53.
        self.window
            .set(window.map_or(NO_WINDOW, |(from, until)| (from as f64, until as f64)));
        accepted(token, r)
    }
}

/// The token text from its UTF-8 octets. The JS side passes `TextEncoder().encode(token)`: one
/// native call, where wasm-bindgen's string passing copies a long string one character at a
/// time in JS (about 2 microseconds for an 800-octet token, a tenth of a repeated-token
/// verification). `TextEncoder` always produces UTF-8 (lone surrogates become U+FFFD, as with
/// wasm-bindgen's own string passing), so the refusal is only for a misuse of the glue.
fn token_text(token: &[u8]) -> Result<&str, WasmFailure> {
    core::str::from_utf8(token).map_err(|_| config("token must be passed as UTF-8 octets"))
}
