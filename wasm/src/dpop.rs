//! DPoP (RFC 9449) for the package: the core's proof check ([`oidc_edge::dpop::verify_proof`])
//! through a per-process memory of proof `jti`s ([`ReplayCache`]), with the core's signature
//! code or, on the async path with node:crypto, the host's ([`ProofChecker`]). Every rule is
//! the core's; this module reads the options JSON of `pkg/lib/dpop.js` and returns the verified
//! proof.

use oidc_edge::dpop::{self, DpopNonce, DpopOptions, ReplayCache, MAX_PROOF_SIZE};
use oidc_edge::signature::{BuiltinVerifier, SignatureVerifier};
use oidc_edge::token::UntrustedToken;
use oidc_edge::{Algorithm, Jwk, PublicKey};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::failure::WasmFailure;
use crate::host::{alg_code, host_verdict};
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
        self.check(proof, options_json, now, &BuiltinVerifier)
    }

    /// [`WasmDpopReplay::verify`] with the host's synchronous signature check (node:crypto):
    /// `host` is given the proof's header key as canonical JWK text; the core decides when
    /// the host cannot.
    #[wasm_bindgen(js_name = verifyHost)]
    pub fn verify_host(
        &mut self,
        proof: &str,
        options_json: &str,
        now: f64,
        host: ProofChecker,
    ) -> JsValue {
        // The key the core will check the signature with, for the host's key import; a proof
        // without a usable one fails in the core before any signature is checked.
        let jwk = UntrustedToken::parse(proof, MAX_PROOF_SIZE)
            .ok()
            .and_then(|t| t.header().get("jwk").map(Jwk::from_value))
            .and_then(|j| j.public_jwk())
            .unwrap_or_default();
        self.check(proof, options_json, now, &ProofHost { host, jwk })
    }

    fn check(
        &mut self,
        proof: &str,
        options_json: &str,
        now: f64,
        sig: &dyn SignatureVerifier,
    ) -> JsValue {
        let now = unix(now);
        let checked = dpop_options(options_json).and_then(|o| {
            let proof = dpop::verify_proof_with(proof, &o, now, sig)?;
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

#[wasm_bindgen]
extern "C" {
    /// The JS side's synchronous check of a proof's signature (node:crypto).
    #[derive(Debug)]
    pub type ProofChecker;

    /// `check(alg, jwk, signingInput, signature)`: 1 when the signature is valid, 0 when it is
    /// not, 2 when the host cannot decide (the core decides then). Never throws. `alg` as for
    /// the key sets' host checker ([`alg_code`]); `jwk` the key's canonical public JWK text.
    #[wasm_bindgen(method)]
    fn check(
        this: &ProofChecker,
        alg: u32,
        jwk: &str,
        signing_input: &[u8],
        signature: &[u8],
    ) -> u32;
}

/// A [`SignatureVerifier`] for one proof: the host's answer, else the core's.
struct ProofHost {
    host: ProofChecker,
    /// The proof's header key, canonical public JWK text (empty: not usable).
    jwk: String,
}

impl SignatureVerifier for ProofHost {
    fn verify(
        &self,
        alg: Algorithm,
        key: &PublicKey,
        signing_input: &[u8],
        signature: &[u8],
    ) -> bool {
        let answer = match alg_code(alg) {
            Some(code) if !self.jwk.is_empty() => {
                self.host.check(code, &self.jwk, signing_input, signature)
            }
            _ => 2,
        };
        host_verdict(answer, alg, key, signing_input, signature)
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
