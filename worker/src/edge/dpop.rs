//! DPoP (RFC 9449) at the edge: `Authorization: DPoP <token>` with its proof in the `DPoP`
//! header, on `/verify` and the protected route. Every check is the core's
//! ([`oidc_edge::dpop`]); this module holds the isolate's part:
//!
//! - the proof for this request: `htm` the request's method, `htu` its URL (the origin the
//!   client addressed, and the path), `ath` the presented token, the token's clock tolerance;
//! - server nonces when `DPOP_NONCE_KEY` is set: stateless ([`NonceIssuer`], an HMAC of a
//!   time window), so any isolate checks any isolate's nonce; a proof without the current
//!   nonce is `dpop_invalid` (claim `nonce`), answered with `use_dpop_nonce` and a fresh
//!   `DPoP-Nonce`;
//! - the isolate's bounded `jti` memory ([`ReplayCache`]): a proof seen before in this
//!   isolate is `dpop_invalid` (claim `jti`).
//!
//! The proof's key thumbprint then binds the token: verification runs with
//! [`oidc_edge::VerifyOptions::dpop_jkt`], so a token whose `cnf.jkt` names another key, or a
//! token without `cnf.jkt`, is refused by the core.
//!
//! Replay across isolates: the per-isolate memory stops a proof replayed to the same isolate
//! only. Nonces bound a replay anywhere else to the nonce's lifetime (one to two windows);
//! without nonces, to the proof's `iat` window (60 s plus the clock tolerance). A fleet-wide
//! `jti` memory needs state shared by every isolate, with a write per request
//! (`docs/EDGE.md` discusses the options).

use core::cell::RefCell;

use oidc_edge::dpop::{self, DpopNonce, DpopOptions, NonceIssuer, ReplayCache};
use oidc_edge::{Error, ErrorKind};

use crate::http::HttpRequest;

/// Default `DPOP_NONCE_WINDOW_S`: a nonce is accepted in its window and the next.
pub const DEFAULT_NONCE_WINDOW_S: u64 = 300;

/// `jti`s remembered per isolate: the proofs one isolate sees within a proof's lifetime.
pub const REPLAY_CAPACITY: usize = dpop::DEFAULT_REPLAY_CAPACITY;

/// The isolate's DPoP state.
#[derive(Debug)]
pub struct DpopState {
    nonces: Option<NonceIssuer>,
    replay: RefCell<ReplayCache>,
}

impl DpopState {
    /// State with nonces when `nonce_key` is given (windows of `window_s` seconds). The
    /// configuration checked both already (a key of at least 32 octets, a window of 10 s or
    /// more), which is all [`NonceIssuer::new`] refuses.
    pub fn new(nonce_key: Option<&[u8]>, window_s: u64) -> DpopState {
        DpopState {
            nonces: nonce_key.and_then(|k| NonceIssuer::new(k, window_s).ok()),
            replay: RefCell::new(ReplayCache::new(REPLAY_CAPACITY)),
        }
    }

    /// The nonce to send in `DPoP-Nonce` now, when nonces are on.
    pub fn fresh_nonce(&self, now: i64) -> Option<String> {
        self.nonces.as_ref().map(|n| n.issue(now))
    }

    /// Checks the proof presented with `token` for `req` and remembers its `jti`; returns
    /// the proof key's thumbprint (what the token's `cnf.jkt` must be). `proof`: the one
    /// `DPoP` header, `None` when there was none or several.
    pub fn check(
        &self,
        proof: Option<&str>,
        req: &HttpRequest,
        token: &str,
        clock_tolerance: u64,
        now: i64,
    ) -> Result<String, Error> {
        let proof = proof.ok_or_else(|| {
            Error::new(ErrorKind::DpopInvalid)
                .with_message("DPoP scheme without exactly one DPoP proof header")
        })?;
        let mut url = format!("{}{}", req.origin, req.path);
        if !req.query.is_empty() {
            url.push('?');
            url.push_str(&req.query);
        }
        let options = DpopOptions {
            method: req.method.clone(),
            url,
            access_token: Some(token.to_string()),
            clock_tolerance,
            nonce: self.nonces.clone().map(DpopNonce::Issuer),
            ..DpopOptions::default()
        };
        let verified = dpop::verify_proof(proof, &options, now)?;
        self.replay
            .borrow_mut()
            .check_and_remember(&verified, now)?;
        Ok(verified.jkt)
    }
}
