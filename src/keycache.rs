//! Remote key set cache policy: when to serve cached keys, when to fetch, when to give up.
//!
//! This module does no I/O and reads no clock. An adapter (the npm package, the worker) asks
//! [`KeyCache::decide`] what to do for a token, performs the HTTP fetch itself when told to,
//! and feeds the outcome back with [`KeyCache::on_fetch_ok`] or [`KeyCache::on_fetch_error`].
//! [`KeyCache::usable`] then hands out the set to verify with, or the error to report.
//!
//! The numbers follow panva/jose's remote key set where it has them (10 min max age, 30 s
//! cooldown, 5 s timeout) and its own for the rest:
//!
//! - a fresh set is served as is; a server's `Cache-Control: max-age` sets its lifetime,
//!   clamped to 30 s ..= 24 h (`no-cache` / `no-store` count as the minimum);
//! - a token whose `kid` is not in the set triggers at most one refetch per cooldown, so a flood
//!   of tokens with random kids cannot turn into a flood of fetches;
//! - a failed refresh keeps serving the previous set until its stale limit (1 h past its
//!   lifetime), then the cache answers `jwks_timeout` / `jwks_unavailable`;
//! - a successful fetch replaces the set whole: a key no longer listed is gone at once;
//! - a response over 64 KiB or one that is not a JWK Set is a failed fetch.

use crate::error::{Error, ErrorKind};
use crate::jwk::JwkSet;

/// The numbers of the cache policy, in seconds unless named otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyCachePolicy {
    /// Lifetime of a fetched set when the server sends no usable `max-age` (default 600).
    pub max_age: u64,
    /// Lower clamp for a server's `max-age` (default 30).
    pub min_max_age: u64,
    /// Upper clamp for a server's `max-age` (default 86 400).
    pub max_max_age: u64,
    /// Minimum time between two fetches triggered by unknown kids or failures (default 30).
    pub cooldown: u64,
    /// How long past its lifetime a set is still served while refreshes fail (default 3 600).
    pub stale_limit: u64,
    /// Largest response body accepted, in bytes (default 65 536).
    pub max_response_bytes: usize,
    /// Time limit for one fetch, in milliseconds, for the adapter to enforce (default 5 000).
    pub timeout_ms: u32,
}

impl Default for KeyCachePolicy {
    fn default() -> Self {
        KeyCachePolicy {
            max_age: 600,
            min_max_age: 30,
            max_max_age: 86_400,
            cooldown: 30,
            stale_limit: 3_600,
            max_response_bytes: 64 * 1024,
            timeout_ms: 5_000,
        }
    }
}

/// What an adapter should do before verifying a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheDecision {
    /// Verify with [`KeyCache::usable`] now; no fetch.
    Serve,
    /// Fetch the key set, report the outcome, then verify with [`KeyCache::usable`].
    Fetch,
}

/// Why the last fetch failed, kept to report the right error once nothing usable is left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    Timeout,
    Unavailable,
}

/// A cached key set and the bookkeeping the policy needs. One per remote key set URL.
#[derive(Clone, Debug)]
pub struct KeyCache {
    policy: KeyCachePolicy,
    set: Option<JwkSet>,
    /// When the current set was fetched.
    fetched_at: i64,
    /// When the current set stops being fresh.
    expires_at: i64,
    /// When the last fetch (successful or not) was reported; `None` before the first.
    last_attempt: Option<i64>,
    /// The failure of the last fetch, cleared by a success.
    last_failure: Option<Failure>,
}

impl KeyCache {
    /// An empty cache with the given policy.
    pub fn new(policy: KeyCachePolicy) -> KeyCache {
        KeyCache {
            policy,
            set: None,
            fetched_at: 0,
            expires_at: 0,
            last_attempt: None,
            last_failure: None,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &KeyCachePolicy {
        &self.policy
    }

    /// The cached set, fresh or not.
    pub fn current(&self) -> Option<&JwkSet> {
        self.set.as_ref()
    }

    /// When the cached set was fetched and when it stops being fresh, if there is one.
    pub fn freshness(&self) -> Option<(i64, i64)> {
        self.set
            .as_ref()
            .map(|_| (self.fetched_at, self.expires_at))
    }

    /// Decides whether a token with this `kid` (from its untrusted header) can be checked with
    /// the cached set or needs a fetch first.
    pub fn decide(&self, now: i64, kid: Option<&str>) -> CacheDecision {
        let cooled_down = self
            .last_attempt
            .is_none_or(|at| now.saturating_sub(at) >= secs(self.policy.cooldown));
        let Some(set) = &self.set else {
            // Nothing cached: fetch, unless a fetch just failed (then report that failure).
            return if cooled_down || self.last_failure.is_none() {
                CacheDecision::Fetch
            } else {
                CacheDecision::Serve
            };
        };
        if now >= self.expires_at {
            // Expired: refresh, but after a failure wait out the cooldown serving stale keys.
            return if cooled_down || self.last_failure.is_none() {
                CacheDecision::Fetch
            } else {
                CacheDecision::Serve
            };
        }
        match kid {
            Some(kid) if !set.keys().iter().any(|k| k.key_id() == Some(kid)) && cooled_down => {
                CacheDecision::Fetch
            }
            _ => CacheDecision::Serve,
        }
    }

    /// Reports a fetch that answered 2xx with `body` and the response's `Cache-Control` header.
    /// An oversized body or one that is not a JWK Set counts as a failed fetch (the previous
    /// set stays) and its error is returned.
    pub fn on_fetch_ok(
        &mut self,
        now: i64,
        body: &[u8],
        cache_control: Option<&str>,
    ) -> Result<(), Error> {
        self.last_attempt = Some(now);
        if body.len() > self.policy.max_response_bytes {
            self.last_failure = Some(Failure::Unavailable);
            return Err(Error::new(ErrorKind::JwksUnavailable));
        }
        let parsed = core::str::from_utf8(body)
            .map_err(|_| Error::new(ErrorKind::JwksInvalid))
            .and_then(JwkSet::from_json);
        match parsed {
            Ok(set) => {
                let ttl = self.lifetime(cache_control);
                self.install(set, now, now.saturating_add(secs(ttl)));
                Ok(())
            }
            Err(e) => {
                self.last_failure = Some(Failure::Unavailable);
                Err(e)
            }
        }
    }

    /// Reports a fetch that failed: timed out, could not connect, or answered non-2xx.
    pub fn on_fetch_error(&mut self, now: i64, timed_out: bool) {
        self.last_attempt = Some(now);
        self.last_failure = Some(if timed_out {
            Failure::Timeout
        } else {
            Failure::Unavailable
        });
    }

    /// Restores a set kept elsewhere (e.g. the Workers Cache API) with its original times, so a
    /// new isolate does not refetch. It is ignored when the set there is older than ours.
    pub fn restore(&mut self, set: JwkSet, fetched_at: i64, expires_at: i64) {
        if self.set.is_none() || fetched_at > self.fetched_at {
            self.set = Some(set);
            self.fetched_at = fetched_at;
            self.expires_at = expires_at;
        }
    }

    /// The set to verify with now: the cached one while fresh or within its stale limit,
    /// otherwise the error of the last failed fetch (`jwks_timeout` or `jwks_unavailable`).
    pub fn usable(&self, now: i64) -> Result<&JwkSet, Error> {
        if let Some(set) = &self.set {
            if now
                < self
                    .expires_at
                    .saturating_add(secs(self.policy.stale_limit))
            {
                return Ok(set);
            }
        }
        Err(Error::new(match self.last_failure {
            Some(Failure::Timeout) => ErrorKind::JwksTimeout,
            _ => ErrorKind::JwksUnavailable,
        }))
    }

    fn install(&mut self, set: JwkSet, now: i64, expires_at: i64) {
        self.set = Some(set);
        self.fetched_at = now;
        self.expires_at = expires_at;
        self.last_failure = None;
    }

    /// The lifetime for a new set: the server's `max-age` clamped, or the default.
    fn lifetime(&self, cache_control: Option<&str>) -> u64 {
        let p = &self.policy;
        match cache_control.and_then(server_max_age) {
            Some(age) => age.clamp(p.min_max_age, p.max_max_age.max(p.min_max_age)),
            None => p.max_age,
        }
    }
}

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache::new(KeyCachePolicy::default())
    }
}

/// Seconds as a signed offset, saturating (policies are configuration, but never overflow).
fn secs(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}

/// The `max-age` a `Cache-Control` value grants: `no-store`/`no-cache` grant 0 (the clamp turns
/// that into the minimum); an absent or unreadable `max-age` grants nothing (use the default).
fn server_max_age(value: &str) -> Option<u64> {
    let mut age = None;
    for directive in value.split(',') {
        let directive = directive.trim();
        let (name, arg) = match directive.split_once('=') {
            Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
            None => (directive, None),
        };
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            return Some(0);
        }
        if name.eq_ignore_ascii_case("max-age") {
            // A malformed max-age is ignored rather than trusted; huge values saturate.
            age = arg.and_then(parse_seconds);
        }
    }
    age
}

fn parse_seconds(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

#[cfg(test)]
mod tests;
