//! Remote keys for Rust services (feature `remote`, std): JWK Sets fetched over HTTPS and
//! OpenID Connect discovery, driven by the core's key cache policy ([`KeyCache`]).
//!
//! The core stays pure: this module is an adapter like the npm package and the worker. It asks
//! [`KeyCache::decide`] whether to fetch, does the blocking GET itself ([`ureq`]: https with
//! rustls; plain http only to a loopback address), and reports the outcome. The policy's
//! numbers apply: keys live 10 minutes (a server's `Cache-Control: max-age` within 30 s to
//! 24 h), an unknown `kid` refetches at most once per 30 s, a failed refresh keeps serving the
//! previous keys for up to an hour past their lifetime, then `jwks_unavailable` (or
//! `jwks_timeout`); one fetch takes at most 5 s and reads at most 64 KiB.
//!
//! - [`RemoteJwks`]: one remote key set (by URL, or found by [`RemoteJwks::discover`]);
//!   [`RemoteJwks::verify`] checks a token with a [`Verifier`], fetching only when the policy
//!   says so.
//! - [`RemoteTrustSet`]: a [`TrustSet`] whose entries take fixed or remote keys; a token
//!   fetches only the keys of the entry its `iss` names ([`TrustSet::route`]).
//!
//! Time is an argument here too (`now`, Unix seconds; [`unix_now`] reads the system clock).
//! Fetches are serialised per key set: while one thread fetches, the others wait for its
//! result instead of fetching again.

mod discovery;
mod http;

use std::string::String;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

use crate::error::{ConfigError, Error, ErrorKind};
use crate::jwk::JwkSet;
use crate::keycache::{CacheDecision, KeyCache, KeyCachePolicy};
use crate::token::UntrustedToken;
use crate::trust::{TrustSet, TrustedIssuer, TrustedToken};
use crate::verify::{Verified, Verifier, VerifyOptions};

pub use discovery::{DiscoveryError, ProviderMetadata};

/// The system clock as Unix seconds (0 if it reads before 1970).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The cache and a shared copy of its current set (handed out without holding the lock while
/// a token is verified).
#[derive(Debug)]
struct State {
    cache: KeyCache,
    current: Option<Arc<JwkSet>>,
}

/// One remote JWK Set, cached by the core's key cache policy.
#[derive(Debug)]
pub struct RemoteJwks {
    url: String,
    client: http::Client,
    state: Mutex<State>,
    /// Held while fetching, so one thread fetches and the others wait for its outcome.
    fetching: Mutex<()>,
}

impl RemoteJwks {
    /// The key set at `url` with the default policy. The URL must be https (or http to a
    /// loopback address).
    pub fn new(url: &str) -> Result<RemoteJwks, ConfigError> {
        RemoteJwks::with_policy(url, KeyCachePolicy::default())
    }

    /// The key set at `url` with another cache policy (its timeout and size cap apply to the
    /// fetches).
    pub fn with_policy(url: &str, policy: KeyCachePolicy) -> Result<RemoteJwks, ConfigError> {
        http::check_url(url)?;
        Ok(RemoteJwks {
            url: url.into(),
            client: http::Client::new(policy.timeout_ms, policy.max_response_bytes),
            state: Mutex::new(State {
                cache: KeyCache::new(policy),
                current: None,
            }),
            fetching: Mutex::new(()),
        })
    }

    /// Discovers `issuer` (`<issuer>/.well-known/openid-configuration`, see
    /// [`ProviderMetadata::discover`]) and takes the key set its `jwks_uri` names.
    pub fn discover(issuer: &str) -> Result<RemoteJwks, DiscoveryError> {
        let metadata = ProviderMetadata::discover(issuer)?;
        RemoteJwks::new(&metadata.jwks_uri).map_err(DiscoveryError::Config)
    }

    /// The key set URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The keys to check a token with this `kid` (from its untrusted header) at `now`:
    /// fetched first when the policy says so, else the cached ones; `jwks_unavailable` /
    /// `jwks_timeout` when nothing usable is left.
    pub fn keys(&self, now: i64, kid: Option<&str>) -> Result<Arc<JwkSet>, Error> {
        if self.lock_state().cache.decide(now, kid) == CacheDecision::Fetch {
            let _one_fetch = self.fetching.lock().unwrap_or_else(PoisonError::into_inner);
            // Another thread may have fetched while this one waited.
            if self.lock_state().cache.decide(now, kid) == CacheDecision::Fetch {
                let outcome = self.client.get(&self.url);
                let mut state = self.lock_state();
                match outcome {
                    Ok(fetched) => {
                        let cc = fetched.cache_control.as_deref();
                        if state.cache.on_fetch_ok(now, &fetched.body, cc).is_ok() {
                            state.current = state.cache.current().cloned().map(Arc::new);
                        }
                    }
                    Err(e) => state
                        .cache
                        .on_fetch_error(now, e == http::FetchError::Timeout),
                }
            }
        }
        let state = self.lock_state();
        state.cache.usable(now)?;
        state
            .current
            .clone()
            .ok_or_else(|| Error::new(ErrorKind::JwksUnavailable))
    }

    /// Verifies `token` with `verifier` and these keys: checks 1 and 2 first (a token refused
    /// by its structure or header never causes a fetch), then the keys for its `kid`, then
    /// everything else.
    pub fn verify(&self, verifier: &Verifier, token: &str, now: i64) -> Result<Verified, Error> {
        let kid = header_kid(verifier, token)?;
        let keys = self.keys(now, kid.as_deref())?;
        verifier.verify(token, &keys, now)
    }

    fn lock_state(&self) -> MutexGuard<'_, State> {
        // The state is consistent after every statement that changes it: a panic elsewhere
        // cannot leave it half-updated, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Checks 1 and 2 of `token` with `verifier`'s policy and returns its `kid`.
fn header_kid(verifier: &Verifier, token: &str) -> Result<Option<String>, Error> {
    let parsed = UntrustedToken::parse(token, verifier.options().max_token_size)?;
    verifier.check_header(parsed.header())?;
    Ok(parsed.kid().map(String::from))
}

/// Where one trust set entry's keys come from.
#[derive(Debug)]
pub enum EntryKeys {
    /// Keys given once.
    Fixed(JwkSet),
    /// A remote key set, fetched for this entry's tokens only.
    Remote(RemoteJwks),
}

/// A [`TrustSet`] whose entries take fixed or remote keys.
#[derive(Debug)]
pub struct RemoteTrustSet {
    trust: TrustSet,
    remote: Vec<Option<RemoteJwks>>,
}

impl RemoteTrustSet {
    /// `base` and the entries as for [`TrustSet::new`]; each entry's `keys` field is ignored
    /// and replaced by its [`EntryKeys`].
    pub fn new(
        base: VerifyOptions,
        entries: Vec<(TrustedIssuer, EntryKeys)>,
    ) -> Result<RemoteTrustSet, ConfigError> {
        let mut issuers = Vec::with_capacity(entries.len());
        let mut remote = Vec::with_capacity(entries.len());
        for (entry, keys) in entries {
            let (fixed, fetched) = match keys {
                EntryKeys::Fixed(set) => (Some(set), None),
                EntryKeys::Remote(r) => (None, Some(r)),
            };
            issuers.push(TrustedIssuer {
                keys: fixed,
                ..entry
            });
            remote.push(fetched);
        }
        Ok(RemoteTrustSet {
            trust: TrustSet::new(base, issuers)?,
            remote,
        })
    }

    /// The trust set (its entries, in order).
    pub fn trust_set(&self) -> &TrustSet {
        &self.trust
    }

    /// Verifies `token`: routes it by its `iss` (checks 1 and 2 first), fetches the keys of
    /// that entry only when they are remote and the policy says so, then checks the rest with
    /// that entry's policy.
    pub fn verify(&self, token: &str, now: i64) -> Result<TrustedToken, Error> {
        let routed = self.trust.route(token)?;
        match self.remote.get(routed.issuer_index()) {
            Some(Some(remote)) => {
                let keys = remote.keys(now, routed.kid())?;
                self.trust.verify_routed(routed, &keys, now)
            }
            _ => {
                let keys = self.trust.entry_keys(routed.issuer_index())?;
                self.trust.verify_routed(routed, keys, now)
            }
        }
    }
}
