//! Failure records: every fallible export returns its value or a [`WasmFailure`] (never
//! throws), which the JS side (`pkg/lib/errors.js`) turns into an `OidcEdgeError` or, for kind
//! `"config"`, a `TypeError`.

use oidc_edge::error::{ConfigError, Error};
use wasm_bindgen::prelude::*;

/// A failure record: a token or key error from the core, or (`kind == "config"`) caller misuse.
#[wasm_bindgen]
pub struct WasmFailure {
    kind: &'static str,
    code: &'static str,
    claim: Option<String>,
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

    /// The claim or header parameter at fault, if any.
    #[wasm_bindgen(getter)]
    pub fn claim(&self) -> Option<String> {
        self.claim.clone()
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
            claim: e.claim().map(String::from),
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
        claim: None,
        message: message.into(),
    }
}
