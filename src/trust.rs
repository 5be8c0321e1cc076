//! Several issuers: a [`TrustSet`] picks the issuer by the token's `iss` and checks the
//! signature with that issuer's keys only.
//!
//! This is what a two-region deployment needs: a token from the secondary region has another
//! `iss`, other keys and another client id, and is still the same logical client. Each entry
//! binds an issuer to its own keys and its own client ids, so a token carrying the primary's
//! `iss` is checked against the primary's keys and client ids only, and a token mixing one
//! region's issuer with the other region's client id fails (`aud_mismatch`).
//!
//! Order of checks: as [`crate::verify`], except that after checks 1 and 2 the payload is
//! parsed (not trusted) to read `iss`, which only chooses the entry; an unparsable payload
//! is `malformed`, a missing `iss` is `claim_missing`, an `iss` no entry has is
//! `iss_mismatch`. Then checks 3-6 run with the chosen entry (including the exact `iss` check).

use alloc::string::String;
use alloc::vec::Vec;

use serde_json::Value;

use crate::error::{ConfigError, Error, ErrorKind};
use crate::jwk::JwkSet;
use crate::signature::{BuiltinVerifier, SignatureVerdict, SignatureVerifier};
use crate::token::UntrustedToken;
use crate::verify::{Pending, Verified, Verifier, VerifyOptions};

/// One trusted issuer: its identifier, its keys and the client ids it issues tokens for.
#[derive(Clone, Debug)]
pub struct TrustedIssuer {
    /// The exact `iss` value.
    pub issuer: String,
    /// This issuer's keys (never used for another issuer's tokens).
    pub keys: JwkSet,
    /// This issuer's client ids (see [`VerifyOptions::client_ids`]).
    pub client_ids: Vec<String>,
}

/// A set of trusted issuers sharing one policy.
#[derive(Clone, Debug)]
pub struct TrustSet {
    issuers: Vec<TrustedIssuer>,
    verifiers: Vec<Verifier>,
}

/// A token verified by a [`TrustSet`].
#[derive(Clone, Debug, PartialEq)]
pub struct TrustedToken {
    /// Index of the issuer in [`TrustSet::issuers`].
    pub issuer_index: usize,
    /// The verified header and claims.
    pub verified: Verified,
}

/// A token that passed checks 1-3 against the issuer its `iss` names and waits for its
/// signature check ([`TrustSet::finish`]).
#[derive(Clone, Debug)]
pub struct TrustedPending<'a> {
    /// Index of the chosen issuer in [`TrustSet::issuers`].
    pub issuer_index: usize,
    /// The pending verification with that issuer's keys.
    pub pending: Pending<'a>,
}

impl TrustSet {
    /// `base` holds the policy but `issuer` and `client_ids`, which come from each entry
    /// (any `issuer` / `client_ids` in `base` are ignored). At least one entry; issuers must
    /// be distinct; each entry must make a valid policy (see [`Verifier::new`]).
    pub fn new(base: VerifyOptions, issuers: Vec<TrustedIssuer>) -> Result<TrustSet, ConfigError> {
        if issuers.is_empty() {
            return Err(ConfigError::new("a trust set needs at least one issuer"));
        }
        let mut verifiers = Vec::with_capacity(issuers.len());
        for (i, entry) in issuers.iter().enumerate() {
            if issuers.iter().take(i).any(|e| e.issuer == entry.issuer) {
                return Err(ConfigError::new(alloc::format!(
                    "trust set entry {i}: duplicate issuer"
                )));
            }
            let options = VerifyOptions {
                issuer: Some(entry.issuer.clone()),
                client_ids: entry.client_ids.clone(),
                ..base.clone()
            };
            let verifier = Verifier::new(options).map_err(|e| {
                ConfigError::new(alloc::format!("trust set entry {i}: {}", e.message()))
            })?;
            verifiers.push(verifier);
        }
        Ok(TrustSet { issuers, verifiers })
    }

    /// The entries, in the order given.
    pub fn issuers(&self) -> &[TrustedIssuer] {
        &self.issuers
    }

    /// Full verification with the crate's own RSA.
    pub fn verify(&self, token: &str, now: i64) -> Result<TrustedToken, Error> {
        self.verify_with(token, now, &BuiltinVerifier)
    }

    /// Full verification with another signature implementation.
    pub fn verify_with(
        &self,
        token: &str,
        now: i64,
        sig: &dyn SignatureVerifier,
    ) -> Result<TrustedToken, Error> {
        let pending = self.begin(token)?;
        let verdict = pending.pending.check_signature(sig);
        self.finish(pending, verdict, now)
    }

    /// Checks 1-3 with the issuer the token's `iss` names (split verification).
    pub fn begin<'a>(&'a self, token: &'a str) -> Result<TrustedPending<'a>, Error> {
        let first = self
            .verifiers
            .first()
            .ok_or_else(|| Error::new(ErrorKind::IssMismatch))?;
        let parsed = UntrustedToken::parse(token, first.options().max_token_size)?;
        // The header policy is the same for every entry.
        first.check_header(parsed.header())?;
        let payload = parsed.payload_json()?;
        let issuer_index = match payload.get("iss") {
            None => return Err(Error::new(ErrorKind::ClaimMissing).with_claim("iss")),
            Some(Value::String(iss)) => self
                .issuers
                .iter()
                .position(|e| &e.issuer == iss)
                .ok_or_else(|| Error::new(ErrorKind::IssMismatch))?,
            Some(_) => {
                return Err(Error::new(ErrorKind::ClaimInvalid)
                    .with_claim("iss")
                    .with_message("claim has the wrong JSON type"))
            }
        };
        let (Some(entry), Some(verifier)) = (
            self.issuers.get(issuer_index),
            self.verifiers.get(issuer_index),
        ) else {
            return Err(Error::new(ErrorKind::IssMismatch));
        };
        let pending = verifier.begin_parsed(parsed, &entry.keys)?;
        Ok(TrustedPending {
            issuer_index,
            pending,
        })
    }

    /// Checks 4-6 with the chosen issuer's policy, given the verdict of the signature check
    /// of `pending.pending` (see [`Pending::check_signature`]).
    pub fn finish(
        &self,
        pending: TrustedPending<'_>,
        verdict: SignatureVerdict,
        now: i64,
    ) -> Result<TrustedToken, Error> {
        let verifier = self
            .verifiers
            .get(pending.issuer_index)
            .ok_or_else(|| Error::new(ErrorKind::IssMismatch))?;
        let verified = verifier.finish(pending.pending, verdict, now)?;
        Ok(TrustedToken {
            issuer_index: pending.issuer_index,
            verified,
        })
    }
}
