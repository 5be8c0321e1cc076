//! wasm-bindgen glue for the `oidc-edge` npm package (`pkg/`).
//!
//! Translation only: JS strings and numbers in, the core's types out, and every outcome
//! returned as a value. No token semantics live here; every check is the core's. No export
//! throws: a fallible call returns either its value or a [`WasmFailure`] record (or
//! `undefined` for success), and the JS wrapper (`pkg/lib/api.js`) turns records into
//! `OidcEdgeError` / `TypeError`. Time is always an argument (`now`, Unix seconds as an `f64`
//! so no BigInt crosses the boundary); nothing here reads a clock.
//!
//! The hand-written TypeScript declarations of the public API are in `pkg/index.d.ts`; these
//! exports are internal to the package.

use core::cell::{Cell, RefCell};

use oidc_edge::alg::Algorithm;
use oidc_edge::error::{ConfigError, Error};
use oidc_edge::jwk::JwkSet;
use oidc_edge::keycache::{CacheDecision, KeyCache, KeyCachePolicy};
use oidc_edge::rsa::RsaPublicKey;
use oidc_edge::signature::{BuiltinVerifier, MemoVerifier, SignatureVerdict, SignatureVerifier};
use oidc_edge::token::{UntrustedToken, DEFAULT_MAX_TOKEN_SIZE};
use oidc_edge::trust::{TrustSet, TrustedIssuer};
use oidc_edge::verify::{Profile, Verifier, VerifyOptions};
use serde_json::Value;
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
        WasmFailure {
            kind: "config",
            code: "",
            claim: None,
            message: e.message().into(),
        }
    }
}

fn config(message: impl Into<String>) -> WasmFailure {
    WasmFailure {
        kind: "config",
        code: "",
        claim: None,
        message: message.into(),
    }
}

/// `now` from JS (whole Unix seconds as a number) for the core.
fn unix(now: f64) -> i64 {
    if now.is_finite() {
        // `as` saturates for out-of-range floats; fine for a timestamp.
        now.floor() as i64
    } else {
        0
    }
}

// ---- signatures: built-in RSA, or an answer the host (WebCrypto) computed ----

/// What the signature verifier behind a key set's memo does for the next call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Verify with the core's own RSA.
    Builtin,
    /// Ask the host synchronously through the [`HostChecker`] in [`Switch::host`] (node:crypto).
    Callback,
}

#[wasm_bindgen]
extern "C" {
    /// The JS side's synchronous signature check (node:crypto on Node, Deno, Bun).
    #[derive(Debug)]
    pub type HostChecker;

    /// `check(alg, keyIndex, signingInput, signature)`: 1 when the signature is valid, 0 when
    /// it is not, 2 when the host cannot decide (the built-in RSA decides then). Never throws.
    /// `alg` is [`alg_code`] (a number: no string decoding per call).
    #[wasm_bindgen(method)]
    fn check(
        this: &HostChecker,
        alg: u32,
        key_index: u32,
        signing_input: &[u8],
        signature: &[u8],
    ) -> u32;
}

/// The algorithm as the [`HostChecker`] receives it: RS256, RS384, RS512, PS256, PS384, PS512
/// are 0..=5 (`pkg/lib/api.js` has the same table).
fn alg_code(alg: Algorithm) -> u32 {
    match alg {
        Algorithm::RS256 => 0,
        Algorithm::RS384 => 1,
        Algorithm::RS512 => 2,
        Algorithm::PS256 => 3,
        Algorithm::PS384 => 4,
        Algorithm::PS512 => 5,
    }
}

/// A [`SignatureVerifier`] that is either the core's RSA or a relay of the host's answer, so
/// one memo serves both the sync (wasm RSA) and the async (WebCrypto) paths.
#[derive(Debug)]
struct Switch {
    mode: Cell<Mode>,
    /// The host checker of the current [`Mode::Callback`] call.
    host: RefCell<Option<HostChecker>>,
    /// [`RsaPublicKey::fingerprint`] of each key of the set (`None`: not an RSA key), so the
    /// host is told which key (by index) was selected.
    fingerprints: Vec<Option<[u8; 32]>>,
}

impl SignatureVerifier for Switch {
    fn verify(
        &self,
        alg: Algorithm,
        key: &RsaPublicKey,
        signing_input: &[u8],
        signature: &[u8],
    ) -> bool {
        match self.mode.get() {
            Mode::Builtin => BuiltinVerifier.verify(alg, key, signing_input, signature),
            Mode::Callback => {
                let index = self
                    .fingerprints
                    .iter()
                    .position(|f| f.as_ref() == Some(key.fingerprint()))
                    .and_then(|i| u32::try_from(i).ok());
                let verdict = match (index, self.host.borrow().as_ref()) {
                    (Some(i), Some(host)) => host.check(alg_code(alg), i, signing_input, signature),
                    _ => 2,
                };
                match verdict {
                    1 => true,
                    0 => false,
                    _ => BuiltinVerifier.verify(alg, key, signing_input, signature),
                }
            }
        }
    }
}

/// A parsed JWK Set plus the memo of signatures verified with it.
#[wasm_bindgen]
pub struct WasmKeys {
    set: JwkSet,
    memo: MemoVerifier<Switch>,
}

impl WasmKeys {
    fn new(set: JwkSet) -> WasmKeys {
        let fingerprints = set
            .keys()
            .iter()
            .map(|k| k.rsa_key().map(|r| *r.fingerprint()))
            .collect();
        WasmKeys {
            set,
            memo: MemoVerifier::new(Switch {
                mode: Cell::new(Mode::Builtin),
                host: RefCell::new(None),
                fingerprints,
            }),
        }
    }

    fn mode(&self, mode: Mode) {
        self.memo.inner().mode.set(mode);
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

    /// `{"kty":"RSA","n":..,"e":..}` of key `index` for WebCrypto's importKey (empty string if
    /// the key is not a usable RSA key).
    #[wasm_bindgen(js_name = publicJwk)]
    pub fn public_jwk(&self, index: u32) -> String {
        let comps = usize::try_from(index)
            .ok()
            .and_then(|i| self.set.keys().get(i))
            .and_then(|k| k.rsa_components());
        match comps {
            Some((n, e)) => {
                let mut jwk = String::from("{\"kty\":\"RSA\",\"n\":\"");
                jwk.push_str(&oidc_edge::base64url::encode(n));
                jwk.push_str("\",\"e\":\"");
                jwk.push_str(&oidc_edge::base64url::encode(e));
                jwk.push_str("\"}");
                jwk
            }
            None => String::new(),
        }
    }
}

// ---- options ----

/// The options as the JS wrapper sends them (already type-checked there): a JSON object with
/// snake_case members. Read with the core's JSON parser (linked anyway) rather than a derived
/// `Deserialize`, which adds its own parser and error formatting code (about 20 KB brotli of
/// the module). Unknown
/// members, wrong types and non-integer numbers are refused.
fn options_from_json(json: &str) -> Result<VerifyOptions, WasmFailure> {
    fn unreadable() -> WasmFailure {
        config("options could not be read")
    }
    fn string(v: Value) -> Result<Option<String>, WasmFailure> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            _ => Err(unreadable()),
        }
    }
    fn strings(v: Value) -> Result<Vec<String>, WasmFailure> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items
                .into_iter()
                .map(|i| match i {
                    Value::String(s) => Ok(s),
                    _ => Err(unreadable()),
                })
                .collect(),
            _ => Err(unreadable()),
        }
    }
    fn number(v: Value) -> Result<Option<u64>, WasmFailure> {
        match v {
            Value::Null => Ok(None),
            v => v.as_u64().map(Some).ok_or_else(unreadable),
        }
    }
    fn boolean(v: Value) -> Result<bool, WasmFailure> {
        match v {
            Value::Null => Ok(false),
            Value::Bool(b) => Ok(b),
            _ => Err(unreadable()),
        }
    }

    let members = oidc_edge::json::parse_object(json.as_bytes()).map_err(|_| unreadable())?;
    let mut o = VerifyOptions::default();
    let mut profile = None;
    let mut algorithm_names = Vec::new();
    for (name, v) in members {
        match name.as_str() {
            "profile" => profile = string(v)?,
            "issuer" => o.issuer = string(v)?,
            "client_ids" => o.client_ids = strings(v)?,
            "audience" => o.audience = strings(v)?,
            "algorithms" => algorithm_names = strings(v)?,
            "clock_tolerance" => o.clock_tolerance = number(v)?.unwrap_or(0),
            "max_token_age" => o.max_token_age = number(v)?,
            "nonce" => o.nonce = string(v)?,
            "max_age" => o.max_age = number(v)?,
            "acr_values" => o.acr_values = strings(v)?,
            "required_claims" => o.required_claims = strings(v)?,
            "subject" => o.subject = string(v)?,
            "typ" => o.typ = string(v)?,
            "access_token" => o.access_token = string(v)?,
            "require_at_hash" => o.require_at_hash = boolean(v)?,
            "code" => o.code = string(v)?,
            "require_c_hash" => o.require_c_hash = boolean(v)?,
            _ => return Err(unreadable()),
        }
    }
    o.profile = match profile.as_deref() {
        None | Some("id_token") => Profile::IdToken,
        Some("at_jwt") => Profile::AtJwt,
        Some("cognito_access") => Profile::CognitoAccess,
        Some(_) => return Err(config("profile must be id_token, at_jwt or cognito_access")),
    };
    for name in &algorithm_names {
        match Algorithm::from_name(name) {
            Some(a) => o.algorithms.push(a),
            None => {
                let mut m = String::from("algorithms: \"");
                m.push_str(name);
                m.push_str("\" is not supported (RS256, RS384, RS512, PS256, PS384, PS512)");
                return Err(config(m));
            }
        }
    }
    Ok(o)
}

// ---- verification ----

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
}

#[wasm_bindgen]
impl WasmVerifier {
    /// A `WasmVerifier` for the options (JSON), or a `WasmFailure` of kind `"config"`.
    pub fn create(options_json: &str) -> JsValue {
        let built = options_from_json(options_json)
            .and_then(|o| Verifier::new(o).map_err(WasmFailure::from));
        match built {
            Ok(inner) => WasmVerifier { inner }.into(),
            Err(f) => f.into(),
        }
    }

    /// Full verification with the built-in RSA (through the set's memo) of the token's UTF-8
    /// octets (see [`token_text`]): the accepted token's [`result_json`] (a string), else the
    /// failure.
    pub fn verify(&self, token: &[u8], keys: &WasmKeys, now: f64) -> JsValue {
        let token = match token_text(token) {
            Ok(t) => t,
            Err(f) => return f.into(),
        };
        keys.mode(Mode::Builtin);
        match self
            .inner
            .verify_with(token, &keys.set, unix(now), &keys.memo)
        {
            Ok(_) => JsValue::from_str(&result_json(token)),
            Err(e) => WasmFailure::from(e).into(),
        }
    }

    /// Full verification in one call with the host's synchronous signature check (through the
    /// set's memo: a remembered signature skips the host): the accepted token's
    /// [`result_json`] (a string), else the failure.
    #[wasm_bindgen(js_name = verifyHost)]
    pub fn verify_host(
        &self,
        token: &[u8],
        keys: &WasmKeys,
        host: HostChecker,
        now: f64,
    ) -> JsValue {
        let token = match token_text(token) {
            Ok(t) => t,
            Err(f) => return f.into(),
        };
        let switch = keys.memo.inner();
        *switch.host.borrow_mut() = Some(host);
        keys.mode(Mode::Callback);
        let r = self
            .inner
            .verify_with(token, &keys.set, unix(now), &keys.memo);
        keys.mode(Mode::Builtin);
        switch.host.borrow_mut().take();
        match r {
            Ok(_) => JsValue::from_str(&result_json(token)),
            Err(e) => WasmFailure::from(e).into(),
        }
    }

    /// Steps 1-3 (token, alg, key selection): a `WasmHostCheck` or a `WasmFailure`.
    pub fn begin(&self, token: &str, keys: &WasmKeys) -> JsValue {
        let pending = match self.inner.begin(token, &keys.set) {
            Ok(p) => p,
            Err(e) => return WasmFailure::from(e).into(),
        };
        let alg = pending.algorithm();
        let key = pending.key();
        let key_index = keys
            .set
            .keys()
            .iter()
            .position(|k| core::ptr::eq(k, key))
            .and_then(|i| u32::try_from(i).ok())
            .unwrap_or(u32::MAX);
        let memo_hit = keys.memo.recall(&pending).is_some();
        WasmHostCheck {
            alg: alg.name(),
            key_index,
            memo_hit,
            signature: pending.signature().to_vec(),
            signing_input_length: u32::try_from(pending.signing_input().len()).unwrap_or(u32::MAX),
        }
        .into()
    }

    /// Steps 4-6 with the host's signature verdict: the accepted token's [`result_json`] (a
    /// string), else the failure. A valid signature is remembered in the set's memo.
    pub fn finish(&self, token: &str, keys: &WasmKeys, signature_valid: bool, now: f64) -> JsValue {
        let pending = match self.inner.begin(token, &keys.set) {
            Ok(p) => p,
            Err(e) => return WasmFailure::from(e).into(),
        };
        // The host (WebCrypto) checked this token's signature itself: its answer is the verdict.
        let verdict = SignatureVerdict::from_host_crypto(&pending, signature_valid);
        keys.memo.remember(&pending, &verdict);
        match self.inner.finish(pending, verdict, unix(now)) {
            Ok(_) => JsValue::from_str(&result_json(token)),
            Err(e) => WasmFailure::from(e).into(),
        }
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

/// `{"payload":<payload>,"protectedHeader":<header>}` of a token the core has accepted: its
/// first two segments decoded (canonical base64url of duplicate-free JSON objects, checked by
/// the core), so the JS side reads exactly what was verified with one `JSON.parse`. Empty if
/// that is not possible (the JS side then decodes the segments itself).
fn result_json(token: &str) -> String {
    let mut parts = token.splitn(3, '.');
    let (Some(h), Some(p)) = (parts.next(), parts.next()) else {
        return String::new();
    };
    let mut out = Vec::with_capacity((h.len() + p.len()) / 4 * 3 + 40);
    out.extend_from_slice(b"{\"payload\":");
    if !decode_verified_b64url(p.as_bytes(), &mut out) {
        return String::new();
    }
    out.extend_from_slice(b",\"protectedHeader\":");
    if !decode_verified_b64url(h.as_bytes(), &mut out) {
        return String::new();
    }
    out.push(b'}');
    String::from_utf8(out).unwrap_or_default()
}

/// Value of each base64url character, 0xff for any other octet.
const B64URL: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Appends the octets of unpadded base64url `text` that the core has already decoded and
/// checked (canonical); a plain table decoder, several times faster in wasm than the core's
/// checking one. `false` (with `out` partly written) on anything that is not base64url.
fn decode_verified_b64url(text: &[u8], out: &mut Vec<u8>) -> bool {
    let v = |c: u8| u32::from(B64URL[usize::from(c)]);
    let mut chunks = text.chunks_exact(4);
    for c in &mut chunks {
        let (a, b, x, y) = (v(c[0]), v(c[1]), v(c[2]), v(c[3]));
        if (a | b | x | y) > 63 {
            return false;
        }
        let n = (a << 18) | (b << 12) | (x << 6) | y;
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    match *chunks.remainder() {
        [] => true,
        [a, b] => {
            let (a, b) = (v(a), v(b));
            if (a | b) > 63 {
                return false;
            }
            out.push(((a << 2) | (b >> 4)) as u8);
            true
        }
        [a, b, x] => {
            let (a, b, x) = (v(a), v(b), v(x));
            if (a | b | x) > 63 {
                return false;
            }
            let n = (a << 18) | (b << 12) | (x << 6);
            out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8]);
            true
        }
        _ => false,
    }
}

/// The `kid` of a token's (untrusted) header, to ask the key cache about; `undefined` when
/// absent or when the token does not parse (verification reports that).
#[wasm_bindgen(js_name = tokenKeyId)]
pub fn token_key_id(token: &str) -> Option<String> {
    UntrustedToken::parse(token, DEFAULT_MAX_TOKEN_SIZE)
        .ok()
        .and_then(|t| t.kid().map(String::from))
}

// ---- several issuers ----

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
            keys: keys.set.clone(),
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
    /// The accepted token's [`result_json`] (a string) when its issuer's entry accepts it, else
    /// the failure.
    pub fn verify(&self, token: &str, now: f64) -> JsValue {
        match self.inner.verify(token, unix(now)) {
            Ok(_) => JsValue::from_str(&result_json(token)),
            Err(e) => WasmFailure::from(e).into(),
        }
    }
}

// ---- remote key cache policy ----

/// The core's key cache for one remote JWK Set; the JS side fetches when told to.
#[wasm_bindgen]
pub struct WasmKeyCache {
    cache: KeyCache,
    generation: u32,
}

#[wasm_bindgen]
impl WasmKeyCache {
    /// A cache with the default policy except these numbers (seconds, milliseconds).
    #[wasm_bindgen(constructor)]
    pub fn new(max_age_s: f64, cooldown_s: f64, timeout_ms: f64) -> WasmKeyCache {
        let secs = |v: f64| {
            if v.is_finite() && v >= 0.0 {
                v as u64
            } else {
                0
            }
        };
        let policy = KeyCachePolicy {
            max_age: secs(max_age_s),
            cooldown: secs(cooldown_s),
            timeout_ms: if timeout_ms.is_finite() && timeout_ms >= 0.0 {
                timeout_ms as u32
            } else {
                0
            },
            ..KeyCachePolicy::default()
        };
        WasmKeyCache {
            cache: KeyCache::new(policy),
            generation: 0,
        }
    }

    /// Whether a fetch is needed before verifying a token with this `kid`.
    pub fn decide(&self, now: f64, kid: Option<String>) -> bool {
        self.cache.decide(unix(now), kid.as_deref()) == CacheDecision::Fetch
    }

    /// Reports a 2xx response; `undefined`, or the failure when the body was refused.
    #[wasm_bindgen(js_name = onFetchOk)]
    pub fn on_fetch_ok(
        &mut self,
        now: f64,
        body: &[u8],
        cache_control: Option<String>,
    ) -> Option<WasmFailure> {
        match self
            .cache
            .on_fetch_ok(unix(now), body, cache_control.as_deref())
        {
            Ok(()) => {
                self.generation = self.generation.wrapping_add(1);
                None
            }
            Err(e) => Some(e.into()),
        }
    }

    /// Reports a failed fetch (timeout, network error, non-2xx).
    #[wasm_bindgen(js_name = onFetchError)]
    pub fn on_fetch_error(&mut self, now: f64, timed_out: bool) {
        self.cache.on_fetch_error(unix(now), timed_out);
    }

    /// `undefined` when a set may be used now, else `jwks_timeout` / `jwks_unavailable`.
    pub fn usable(&self, now: f64) -> Option<WasmFailure> {
        self.cache.usable(unix(now)).err().map(WasmFailure::from)
    }

    /// Whether the cached set is within its lifetime.
    #[wasm_bindgen(js_name = isFresh)]
    pub fn is_fresh(&self, now: f64) -> bool {
        self.cache
            .freshness()
            .is_some_and(|(_, expires)| unix(now) < expires)
    }

    /// Bumped by every successful fetch (the JS side re-snapshots the set then).
    #[wasm_bindgen(getter)]
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// A copy of the cached set (with an empty memo), if there is one.
    pub fn snapshot(&self) -> Option<WasmKeys> {
        self.cache.current().cloned().map(WasmKeys::new)
    }

    /// The response size cap (bytes).
    #[wasm_bindgen(getter, js_name = maxResponseBytes)]
    pub fn max_response_bytes(&self) -> u32 {
        u32::try_from(self.cache.policy().max_response_bytes).unwrap_or(u32::MAX)
    }
}
