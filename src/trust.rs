//! Several issuers: a [`TrustSet`] picks the issuer by the token's `iss` and checks the
//! signature with that issuer's keys only.
//!
//! This is what a two-region deployment needs: a token from the secondary region has another
//! `iss`, other keys and another client id, and is still the same logical client. Each entry
//! binds its issuers to its own keys and its own client ids, so a token carrying the primary's
//! `iss` is checked against the primary's keys and client ids only, and a token mixing one
//! region's issuer with the other region's client id fails (`aud_mismatch`).
//!
//! An entry's issuers follow the rules of [`crate::issuer`] (exact, or an Entra ID tenant
//! template with its allowed tenants); the first entry whose issuers name the token's `iss` is
//! chosen. An entry's keys are either fixed ([`TrustedIssuer::keys`]) or supplied per token by
//! an adapter that fetches them (remote keys, driven by [`crate::keycache::KeyCache`]): the
//! adapter calls [`TrustSet::route`], which says which entry the token names WITHOUT verifying
//! anything but its structure and header, fetches only that entry's keys, then calls
//! [`TrustSet::verify_routed`]. The core itself still does no I/O.
//!
//! Order of checks: as [`crate::verify`], except that after checks 1 and 2 the payload is
//! parsed (not trusted) to read `iss`, which only chooses the entry; an unparsable payload
//! is `malformed`, a missing `iss` is `claim_missing`, an `iss` no entry names is
//! `iss_mismatch`. Then checks 3-8 run with the chosen entry (including the full `iss` check).

use alloc::string::String;
use alloc::vec::Vec;

use serde_json::Value;

use crate::error::{ConfigError, Error, ErrorKind};
use crate::issuer::Issuers;
use crate::jwk::JwkSet;
use crate::signature::{BuiltinVerifier, SignatureVerdict, SignatureVerifier};
use crate::token::UntrustedToken;
use crate::verify::{Pending, Verified, Verifier, VerifyOptions};

/// One trusted issuer: its identifiers, its keys and the client ids it issues tokens for.
///
/// Build it with struct update syntax from [`TrustedIssuer::default`].
#[derive(Clone, Debug, Default)]
pub struct TrustedIssuer {
    /// The `iss` values of this issuer (at least one), exact or Entra ID templates (see
    /// [`VerifyOptions::issuer`]). Several when one issuer signs with several names (Google:
    /// `https://accounts.google.com` and `accounts.google.com`) or one key set serves several
    /// tenants.
    pub issuer: Vec<String>,
    /// With a template: the allowed tenant ids (see [`VerifyOptions::allowed_tenants`]).
    pub allowed_tenants: Vec<String>,
    /// With a template: any tenant (see [`VerifyOptions::any_tenant`]).
    pub any_tenant: bool,
    /// This issuer's keys (never used for another issuer's tokens), or `None` when an adapter
    /// supplies them per token (remote keys: [`TrustSet::route`], then
    /// [`TrustSet::verify_routed`]).
    pub keys: Option<JwkSet>,
    /// This issuer's client ids (see [`VerifyOptions::client_ids`]); empty: the base
    /// options' client ids.
    pub client_ids: Vec<String>,
    /// This issuer's audiences (see [`VerifyOptions::audience`]); empty: the base options'
    /// audiences.
    pub audience: Vec<String>,
}

/// A set of trusted issuers sharing one policy.
#[derive(Clone, Debug)]
pub struct TrustSet {
    issuers: Vec<TrustedIssuer>,
    verifiers: Vec<Verifier>,
    names: Vec<Issuers>,
}

/// A token whose entry is known (checks 1 and 2 passed, `iss` read but not trusted): see
/// [`TrustSet::route`].
#[derive(Clone, Debug)]
pub struct Routed<'a> {
    issuer_index: usize,
    token: UntrustedToken<'a>,
}

impl Routed<'_> {
    /// Index of the entry the token's `iss` names, in [`TrustSet::issuers`].
    pub fn issuer_index(&self) -> usize {
        self.issuer_index
    }

    /// The token's `kid` (not verified), for [`crate::keycache::KeyCache::decide`].
    pub fn kid(&self) -> Option<&str> {
        self.token.kid()
    }
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
    /// `base` holds the policy but the issuer rules (`issuer`, `allowed_tenants`,
    /// `any_tenant`), which come from each entry and are ignored in `base`; an entry's
    /// `client_ids` and `audience` replace the base's when not empty. At least one entry; an
    /// exact issuer may appear in one entry only; each entry must make a valid policy (see
    /// [`Verifier::new`]).
    pub fn new(base: VerifyOptions, issuers: Vec<TrustedIssuer>) -> Result<TrustSet, ConfigError> {
        if issuers.is_empty() {
            return Err(ConfigError::new("a trust set needs at least one issuer"));
        }
        let mut verifiers = Vec::with_capacity(issuers.len());
        let mut names = Vec::with_capacity(issuers.len());
        for (i, entry) in issuers.iter().enumerate() {
            let earlier = issuers.iter().take(i).flat_map(|e| &e.issuer);
            if earlier.into_iter().any(|seen| entry.issuer.contains(seen)) {
                return Err(ConfigError::new(alloc::format!(
                    "trust set entry {i}: duplicate issuer"
                )));
            }
            let or_base = |own: &Vec<String>, base: &Vec<String>| {
                if own.is_empty() { base } else { own }.clone()
            };
            let options = VerifyOptions {
                issuer: entry.issuer.clone(),
                allowed_tenants: entry.allowed_tenants.clone(),
                any_tenant: entry.any_tenant,
                client_ids: or_base(&entry.client_ids, &base.client_ids),
                audience: or_base(&entry.audience, &base.audience),
                ..base.clone()
            };
            let verifier = Verifier::new(options).map_err(|e| {
                ConfigError::new(alloc::format!("trust set entry {i}: {}", e.message()))
            })?;
            let entry_names =
                Issuers::new(&entry.issuer, &entry.allowed_tenants, entry.any_tenant)?;
            verifiers.push(verifier);
            names.push(entry_names);
        }
        Ok(TrustSet {
            issuers,
            verifiers,
            names,
        })
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

    /// Checks 1-3 with the issuer the token's `iss` names and that entry's fixed keys (split
    /// verification). An entry without fixed keys answers `jwks_unavailable`: use
    /// [`TrustSet::route`] and [`TrustSet::begin_routed`] with the keys fetched for it.
    pub fn begin<'a>(&'a self, token: &'a str) -> Result<TrustedPending<'a>, Error> {
        let routed = self.route(token)?;
        let keys = self.entry_keys(routed.issuer_index)?;
        self.begin_routed(routed, keys)
    }

    /// Checks 1 and 2, then reads the (untrusted) `iss` to choose the entry. Nothing is
    /// verified yet: this only tells an adapter which entry's keys to fetch.
    pub fn route<'a>(&self, token: &'a str) -> Result<Routed<'a>, Error> {
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
                .names
                .iter()
                .position(|n| n.names(iss))
                .ok_or_else(|| Error::new(ErrorKind::IssMismatch))?,
            Some(_) => {
                return Err(Error::new(ErrorKind::ClaimInvalid)
                    .with_claim("iss")
                    .with_message("claim has the wrong JSON type"))
            }
        };
        Ok(Routed {
            issuer_index,
            token: parsed,
        })
    }

    /// Check 3 for a routed token with `keys`, the keys of its entry (fixed, or fetched by
    /// the adapter for this entry: keys of another issuer would break the binding of keys to
    /// their issuer).
    pub fn begin_routed<'a>(
        &self,
        routed: Routed<'a>,
        keys: &'a JwkSet,
    ) -> Result<TrustedPending<'a>, Error> {
        let verifier = self
            .verifiers
            .get(routed.issuer_index)
            .ok_or_else(|| Error::new(ErrorKind::IssMismatch))?;
        let pending = verifier.begin_parsed(routed.token, keys)?;
        Ok(TrustedPending {
            issuer_index: routed.issuer_index,
            pending,
        })
    }

    /// Checks 3-8 of a routed token with its entry's `keys`, with the crate's own RSA.
    pub fn verify_routed(
        &self,
        routed: Routed<'_>,
        keys: &JwkSet,
        now: i64,
    ) -> Result<TrustedToken, Error> {
        let pending = self.begin_routed(routed, keys)?;
        let verdict = pending.pending.check_signature(&BuiltinVerifier);
        self.finish(pending, verdict, now)
    }

    /// The fixed keys of entry `index`; `jwks_unavailable` when the entry has none (its keys
    /// are remote and must be supplied, see [`TrustSet::route`]).
    pub fn entry_keys(&self, index: usize) -> Result<&JwkSet, Error> {
        self.issuers
            .get(index)
            .and_then(|e| e.keys.as_ref())
            .ok_or_else(|| {
                Error::new(ErrorKind::JwksUnavailable)
                    .with_message("this issuer's keys are remote: route the token and fetch them")
            })
    }

    /// Checks 4-8 with the chosen issuer's policy, given the verdict of the signature check
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
