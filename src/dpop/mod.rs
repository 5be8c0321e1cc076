//! DPoP (RFC 9449): proofs of possession of a client key, as pure checks. Time is an
//! argument, nothing here does I/O.
//!
//! - [`verify_proof`] checks one `DPoP` proof for one request, in this order (the first
//!   failure wins; every failure is `dpop_invalid` with the part at fault in its claim):
//!   1. a compact JWS (no claim), at most [`MAX_PROOF_SIZE`] octets;
//!   2. `typ` `dpop+jwt` (`typ`);
//!   3. `alg` on the allow-list, asymmetric by construction (`alg`); `crit` refused (`crit`);
//!   4. header `jwk` a public key usable for `alg`: no private members, the key policy of
//!      [`crate::jwk`] (`jwk`);
//!   5. the signature with that key (`signature`);
//!   6. the payload a JSON object (no claim), `htm` equal to the request method (`htm`);
//!   7. `htu` equal to the request URL, both without query and fragment and normalised as
//!      RFC 3986 section 6.2.2 and 6.2.3 allow ([`htu::normalize`]) (`htu`);
//!   8. `iat` within `[now - max_age - tolerance, now + max_future + tolerance]` (`iat`);
//!   9. `jti` a non-empty string (`jti`);
//!   10. with an access token, `ath` equal to base64url(SHA-256(access token)) (`ath`);
//!   11. when nonces are on, a `nonce` the server accepts (`nonce`; a missing or stale
//!       nonce is what adapters answer with `use_dpop_nonce` and a fresh `DPoP-Nonce`).
//! - [`NonceIssuer`]: stateless server nonces (an HMAC of a time window), so any process or
//!   isolate checks any other's nonce. They are the fleet-wide replay defence.
//! - [`ReplayCache`]: a bounded, time-injected memory of the `jti`s seen, one per process or
//!   isolate: the second line of replay defence.
//!
//! The binding of an access token to the proof's key is checked by the token verification:
//! pass the proof's [`DpopProof::jkt`] as [`crate::VerifyOptions::dpop_jkt`] (and the access
//! token as [`DpopOptions::access_token`], so `ath` ties the proof to that token).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::hash::Sha256;
use serde_json::{Map, Value};

use crate::alg::Algorithm;
use crate::base64url;
use crate::claims::NumericDate;
use crate::error::{Error, ErrorKind};
use crate::jwk::Jwk;
use crate::signature::{BuiltinVerifier, SignatureVerifier};
use crate::token::UntrustedToken;
use crate::verify::{ct_eq, media_type_eq, DEFAULT_CLOCK_TOLERANCE};

pub mod htu;
mod nonce;
mod replay;

pub use nonce::{NonceIssuer, MIN_NONCE_KEY_LEN};
pub use replay::{ReplayCache, DEFAULT_REPLAY_CAPACITY};

/// Largest accepted proof in octets (8 KiB: an 8192-bit RSA key in the header still fits).
pub const MAX_PROOF_SIZE: usize = 8 * 1024;

/// Default [`DpopOptions::max_age`]: a proof may be 60 s old.
pub const DEFAULT_MAX_AGE: u64 = 60;

/// Default [`DpopOptions::max_future`]: a proof's `iat` may be 5 s ahead.
pub const DEFAULT_MAX_FUTURE: u64 = 5;

/// How the proof's `nonce` is checked when the server requires nonces.
#[derive(Clone, Debug)]
pub enum DpopNonce {
    /// The proof must carry exactly this nonce (the one the server last sent the client in
    /// `DPoP-Nonce`).
    Expected(String),
    /// The proof must carry a nonce this issuer made for the current or the previous window.
    Issuer(NonceIssuer),
}

/// The request a proof must match, and the proof policy.
#[derive(Clone, Debug)]
pub struct DpopOptions {
    /// The request's HTTP method (`htm` must equal it, case-sensitive).
    pub method: String,
    /// The request's URL (absolute, `http` or `https`); `htu` must equal it without query and
    /// fragment, after normalisation ([`htu::normalize`]).
    pub url: String,
    /// The access token presented with the proof (`Authorization: DPoP <token>`): `ath` must
    /// be its hash. `None` where no token is presented (a token request).
    pub access_token: Option<String>,
    /// Allowed proof algorithms; empty means every algorithm this build verifies
    /// ([`Algorithm::is_supported`]).
    pub algorithms: Vec<Algorithm>,
    /// How old a proof may be, in seconds from its `iat` (default [`DEFAULT_MAX_AGE`], 60).
    pub max_age: u64,
    /// How far ahead a proof's `iat` may be, in seconds (default [`DEFAULT_MAX_FUTURE`], 5).
    pub max_future: u64,
    /// Clock tolerance in seconds, added on both sides of the `iat` window (default
    /// [`DEFAULT_CLOCK_TOLERANCE`], 30, as for tokens).
    pub clock_tolerance: u64,
    /// When set, nonces are on: the proof must carry an acceptable `nonce`.
    pub nonce: Option<DpopNonce>,
}

impl Default for DpopOptions {
    fn default() -> Self {
        DpopOptions {
            method: String::new(),
            url: String::new(),
            access_token: None,
            algorithms: Vec::new(),
            max_age: DEFAULT_MAX_AGE,
            max_future: DEFAULT_MAX_FUTURE,
            clock_tolerance: DEFAULT_CLOCK_TOLERANCE,
            nonce: None,
        }
    }
}

/// A verified DPoP proof.
#[derive(Clone, Debug, PartialEq)]
pub struct DpopProof {
    /// The RFC 7638 thumbprint (SHA-256, base64url) of the proof's key: what an access
    /// token's `cnf.jkt` must equal ([`crate::VerifyOptions::dpop_jkt`]).
    pub jkt: String,
    /// The protected header as received (its `jwk` is the client's public key).
    pub header: Map<String, Value>,
    /// The proof's claims (`htm`, `htu`, `iat`, `jti`, `ath`, `nonce`, ...).
    pub claims: Map<String, Value>,
    /// The proof's `jti`.
    pub jti: String,
    /// The proof's `iat` in whole seconds (rounded down).
    pub iat: i64,
    /// The last second at which this proof's `iat` still passes (`iat + max_age +
    /// clock_tolerance`): how long a replay cache must remember its `jti`.
    pub expires_at: i64,
}

/// Checks a DPoP proof for a request (the module docs list the checks) with this crate's own
/// signature verification.
pub fn verify_proof(proof: &str, options: &DpopOptions, now: i64) -> Result<DpopProof, Error> {
    verify_proof_with(proof, options, now, &BuiltinVerifier)
}

/// [`verify_proof`] with another signature implementation (a host callback, a test double).
pub fn verify_proof_with(
    proof: &str,
    options: &DpopOptions,
    now: i64,
    sig: &dyn SignatureVerifier,
) -> Result<DpopProof, Error> {
    let token = UntrustedToken::parse(proof, MAX_PROOF_SIZE)
        .map_err(|_| invalid(None, "the DPoP proof is not a compact JWS"))?;
    let header = token.header();
    match header.get("typ") {
        Some(Value::String(t)) if media_type_eq(t, "dpop+jwt") => {}
        _ => return Err(invalid(Some("typ"), "the proof's typ is not dpop+jwt")),
    }
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(Algorithm::from_name)
        .filter(|a| {
            a.is_supported() && (options.algorithms.is_empty() || options.algorithms.contains(a))
        })
        .ok_or_else(|| invalid(Some("alg"), "the proof's alg is not allowed"))?;
    if header.contains_key("crit") {
        return Err(invalid(
            Some("crit"),
            "the proof's crit names an unsupported extension",
        ));
    }
    let jwk = match header.get("jwk") {
        Some(v @ Value::Object(_)) => Jwk::from_value(v),
        _ => return Err(invalid(Some("jwk"), "the proof's header has no jwk object")),
    };
    let key = jwk.check_usable(alg).map_err(|e| {
        Error::new(ErrorKind::DpopInvalid)
            .with_claim("jwk")
            .with_message(Cow::Owned(alloc::format!(
                "the proof's jwk: {}",
                e.message()
            )))
    })?;
    let signature_ok = token.signature().len() == key.signature_len()
        && sig.verify(
            alg,
            key,
            token.signing_input().as_bytes(),
            token.signature(),
        );
    if !signature_ok {
        return Err(invalid(
            Some("signature"),
            "the proof's signature does not verify",
        ));
    }
    let claims = token
        .payload_json()
        .map_err(|_| invalid(None, "the proof's payload is not a JSON object"))?;
    let text = |name: &'static str| match claims.get(name) {
        Some(Value::String(s)) => Ok(s.as_str()),
        Some(_) => Err(invalid(Some(name), "the proof's claim is not a string")),
        None => Err(invalid(Some(name), "the proof lacks a required claim")),
    };
    if text("htm")? != options.method {
        return Err(invalid(
            Some("htm"),
            "the proof's htm is not the request method",
        ));
    }
    match (htu::normalize(text("htu")?), htu::normalize(&options.url)) {
        (Some(a), Some(b)) if a == b => {}
        _ => {
            return Err(invalid(
                Some("htu"),
                "the proof's htu is not the request URL",
            ))
        }
    }
    let iat_date = claims
        .get("iat")
        .and_then(NumericDate::from_value)
        .ok_or_else(|| invalid(Some("iat"), "the proof's iat is not a number"))?;
    let iat = iat_date.as_f64();
    let (now_f, tol) = (now as f64, options.clock_tolerance as f64);
    if iat < now_f - options.max_age as f64 - tol {
        return Err(invalid(Some("iat"), "the proof is too old"));
    }
    if iat > now_f + options.max_future as f64 + tol {
        return Err(invalid(Some("iat"), "the proof's iat is in the future"));
    }
    let jti = text("jti")?;
    if jti.is_empty() {
        return Err(invalid(Some("jti"), "the proof's jti is empty"));
    }
    if let Some(access_token) = &options.access_token {
        let expected = access_token_hash(access_token);
        if !ct_eq(text("ath")?.as_bytes(), expected.as_bytes()) {
            return Err(invalid(
                Some("ath"),
                "the proof's ath is not the access token's hash",
            ));
        }
    }
    if let Some(rule) = &options.nonce {
        let nonce = match claims.get("nonce") {
            Some(Value::String(s)) => s,
            _ => return Err(invalid(Some("nonce"), "a DPoP nonce is required")),
        };
        let ok = match rule {
            DpopNonce::Expected(expected) => ct_eq(nonce.as_bytes(), expected.as_bytes()),
            DpopNonce::Issuer(issuer) => issuer.check(nonce, now),
        };
        if !ok {
            return Err(invalid(
                Some("nonce"),
                "the proof's nonce is stale or unknown",
            ));
        }
    }
    let jkt = jwk
        .thumbprint()
        .map(|t| base64url::encode(&t))
        .unwrap_or_default();
    let jti = String::from(jti);
    let iat = iat_date.as_secs();
    let lifetime = options.max_age.saturating_add(options.clock_tolerance);
    let expires_at = iat.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
    Ok(DpopProof {
        jkt,
        jti,
        iat,
        expires_at,
        header: token.into_header(),
        claims,
    })
}

/// The `ath` of an access token: base64url(SHA-256(ASCII octets of the token)), RFC 9449
/// section 4.2.
pub fn access_token_hash(access_token: &str) -> String {
    base64url::encode(&Sha256::digest(access_token.as_bytes()))
}

/// A `dpop_invalid` error about `claim`.
fn invalid(claim: Option<&'static str>, message: &'static str) -> Error {
    let e = Error::new(ErrorKind::DpopInvalid).with_message(message);
    match claim {
        Some(c) => e.with_claim(c),
        None => e,
    }
}
