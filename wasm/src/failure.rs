//! Failure records: every fallible export returns its value or a [`WasmFailure`] (never
//! throws), which the JS side (`pkg/lib/errors.js`) turns into an `OidcEdgeError` or, for kind
//! `"config"`, a `TypeError`.

use oidc_edge::error::{ConfigError, Error, ErrorKind};
use wasm_bindgen::prelude::*;

/// A failure record: a token or key error from the core, or (`kind == "config"`) caller misuse.
#[wasm_bindgen]
pub struct WasmFailure {
    kind: &'static str,
    code: &'static str,
    status: u16,
    check: &'static str,
    claim: Option<String>,
    reason: Option<&'static str>,
    message: String,
}

#[wasm_bindgen]
impl WasmFailure {
    /// The stable kind (`"expired"`, ...), or `"config"` for bad options.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        self.kind.into()
    }

    /// The jose error code (empty for `"config"`).
    #[wasm_bindgen(getter)]
    pub fn code(&self) -> String {
        self.code.into()
    }

    /// The HTTP status an API answers with (401, 403 or 503; 0 for `"config"`).
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The id of the check that failed (`"exp"`, ...; empty for `"config"`).
    #[wasm_bindgen(getter)]
    pub fn check(&self) -> String {
        self.check.into()
    }

    /// The claim or header parameter at fault, if any.
    #[wasm_bindgen(getter)]
    pub fn claim(&self) -> Option<String> {
        self.claim.clone()
    }

    /// For claim failures, jose's reason (`"missing"`, `"invalid"`, `"check_failed"`).
    #[wasm_bindgen(getter)]
    pub fn reason(&self) -> Option<String> {
        self.reason.map(String::from)
    }

    /// A short message (never the token).
    #[wasm_bindgen(getter)]
    pub fn message(&self) -> String {
        self.message.clone()
    }
}

impl From<Error> for WasmFailure {
    fn from(e: Error) -> WasmFailure {
        WasmFailure {
            kind: e.kind().as_str(),
            code: e.code(),
            status: e.kind().http_status(),
            check: e.check().id(),
            claim: e.claim().map(String::from),
            reason: e.reason(),
            message: e.message().into(),
        }
    }
}

impl From<ConfigError> for WasmFailure {
    fn from(e: ConfigError) -> WasmFailure {
        config(e.message())
    }
}

/// A `"config"` failure: the caller misused the glue or its options.
pub(crate) fn config(message: impl Into<String>) -> WasmFailure {
    WasmFailure {
        kind: "config",
        code: "",
        status: 0,
        check: "",
        claim: None,
        reason: None,
        message: message.into(),
    }
}

/// A failure the JS side found itself (a discovery fetch that timed out or failed), with the
/// code and check of `kind` from the core's table, so no second copy of the table exists in JS.
/// An unknown kind is a `"config"` failure (a bug of the package, never a token verdict).
#[wasm_bindgen(js_name = adapterFailure)]
pub fn adapter_failure(kind: &str, message: &str) -> WasmFailure {
    match ErrorKind::from_name(kind) {
        Some(k) => Error::new(k).with_message(String::from(message)).into(),
        None => config("unknown error kind"),
    }
}
