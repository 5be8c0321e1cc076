//! The host-check seam: the signature verifier of each key set, which is either the core's own
//! (RSA, ECDSA, Ed25519; behind the set's memo) or node:crypto called synchronously through a
//! [`HostChecker`] (directly: the package's verified-token cache answers repeated tokens on that
//! path). (A WebCrypto verdict computed in JS enters through the core's
//! `SignatureVerdict::from_host_crypto` instead, in `verifier.rs`.) Only the signature step is
//! the host's; every other check stays the core's.

use core::cell::{Cell, RefCell};

use oidc_edge::alg::Algorithm;
use oidc_edge::jwk::JwkSet;
use oidc_edge::signature::{BuiltinVerifier, SignatureVerifier};
use oidc_edge::PublicKey;
use wasm_bindgen::prelude::*;

/// What the [`Switch`] does for the next call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Verify with the core's own signature code.
    Builtin,
    /// Ask the host synchronously through the [`HostChecker`] installed in the switch.
    Callback,
}

#[wasm_bindgen]
extern "C" {
    /// The JS side's synchronous signature check (node:crypto on Node, Deno, Bun).
    #[derive(Debug)]
    pub type HostChecker;

    /// `check(alg, keyIndex, signingInput, signature)`: 1 when the signature is valid, 0 when
    /// it is not, 2 when the host cannot decide (the core decides then). Never throws.
    /// `alg` is a number (no string decoding per call): [`alg_code`].
    #[wasm_bindgen(method)]
    fn check(
        this: &HostChecker,
        alg: u32,
        key_index: u32,
        signing_input: &[u8],
        signature: &[u8],
    ) -> u32;
}

/// The algorithm as the [`HostChecker`] receives it: its index in [`Algorithm::ALL`] (RS256,
/// RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA, Ed25519 are 0..=9;
/// `pkg/lib/host-algs.js` lists them in this order).
pub(crate) fn alg_code(alg: Algorithm) -> Option<u32> {
    Algorithm::ALL
        .iter()
        .position(|a| *a == alg)
        .and_then(|i| u32::try_from(i).ok())
}

/// A [`SignatureVerifier`] that is either the core's or a relay of the host's answer.
#[derive(Debug)]
pub(crate) struct Switch {
    mode: Cell<Mode>,
    /// The host checker of the current [`Mode::Callback`] call.
    host: RefCell<Option<HostChecker>>,
    /// [`PublicKey::fingerprint`] of each key of the set (`None`: not a usable key), so the
    /// host is told which key (by index) was selected.
    fingerprints: Vec<Option<[u8; 32]>>,
}

impl Switch {
    /// A switch for the keys of `set`, in [`Mode::Builtin`].
    pub(crate) fn for_set(set: &JwkSet) -> Switch {
        Switch {
            mode: Cell::new(Mode::Builtin),
            host: RefCell::new(None),
            fingerprints: set
                .keys()
                .iter()
                .map(|k| k.public_key().map(|p| *p.fingerprint()))
                .collect(),
        }
    }

    /// Sets what the next calls do.
    pub(crate) fn set_mode(&self, mode: Mode) {
        self.mode.set(mode);
    }

    /// Installs (or, with `None`, removes) the host checker of [`Mode::Callback`].
    pub(crate) fn install(&self, host: Option<HostChecker>) {
        *self.host.borrow_mut() = host;
    }
}

impl SignatureVerifier for Switch {
    fn verify(
        &self,
        alg: Algorithm,
        key: &PublicKey,
        signing_input: &[u8],
        signature: &[u8],
    ) -> bool {
        match self.mode.get() {
            Mode::Builtin => BuiltinVerifier.verify(alg, key, signing_input, signature),
            Mode::Callback => {
                // The host is told the selected key by its index in the set; the core decides
                // when the host cannot (2), or has no checker installed.
                let index = self
                    .fingerprints
                    .iter()
                    .position(|f| f.as_ref() == Some(key.fingerprint()))
                    .and_then(|i| u32::try_from(i).ok());
                let verdict = match (index, alg_code(alg), self.host.borrow().as_ref()) {
                    (Some(i), Some(code), Some(host)) => {
                        host.check(code, i, signing_input, signature)
                    }
                    _ => 2,
                };
                host_verdict(verdict, alg, key, signing_input, signature)
            }
        }
    }
}

/// A host checker's answer as a verdict: 1 valid, 0 invalid, anything else (2: the host cannot
/// decide) the core's own check.
pub(crate) fn host_verdict(
    answer: u32,
    alg: Algorithm,
    key: &PublicKey,
    signing_input: &[u8],
    signature: &[u8],
) -> bool {
    match answer {
        1 => true,
        0 => false,
        _ => BuiltinVerifier.verify(alg, key, signing_input, signature),
    }
}
