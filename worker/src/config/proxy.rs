//! The token proxy's settings (`OAUTH_HOST_*`, `UPSTREAM_*`, `BREAKER_*`, `TOKEN_CACHE*`,
//! rate limits).

use super::vars::Vars;

/// How the worker authenticates to the upstream token endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpstreamAuth {
    /// HTTP Basic (RFC 6749 2.3.1), the default.
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Post,
}

/// Operator override of the failover order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Force {
    /// Breakers and failover decide.
    Auto,
    /// Only the primary; if it fails, 503.
    Primary,
    /// Only the secondary; if it fails, 503.
    Secondary,
}

/// Breaker tuning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Consecutive failures that open a closed breaker.
    pub failure_threshold: u32,
    /// First open period.
    pub open_ms: u64,
    /// Open periods double with every trip in a row, up to this cap.
    pub max_open_ms: u64,
}

/// Token cache tuning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheConfig {
    /// Only serve a cached token with at least this many seconds left.
    pub min_remaining_s: u64,
    /// Entry bound per isolate.
    pub max_entries: usize,
}

/// The token proxy's validated settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyConfig {
    /// `OAUTH_HOST_PRIMARY`: full token endpoint URL.
    pub primary_url: String,
    /// `OAUTH_HOST_SECONDARY`: full token endpoint URL.
    pub secondary_url: String,
    /// `UPSTREAM_AUTH`.
    pub upstream_auth: UpstreamAuth,
    /// `FORCE_UPSTREAM`.
    pub force: Force,
    /// `UPSTREAM_TIMEOUT_MS`: per try, response headers and body.
    pub try_timeout_ms: u64,
    /// `TOTAL_DEADLINE_MS`: the whole request, all tries.
    pub deadline_ms: u64,
    /// `BREAKER_*`.
    pub breaker: BreakerConfig,
    /// `TOKEN_CACHE=on` plus `TOKEN_CACHE_*`; `None` when off.
    pub cache: Option<CacheConfig>,
    /// `RATE_LIMIT_RETRY_AFTER_S`: `Retry-After` when `CLIENT_RATE_LIMITER` refuses.
    pub rate_limit_retry_after_s: u64,
    /// `AUTH_LOCKOUT_S`: how long a client id stays locked once `AUTH_FAILURE_LIMITER`
    /// refused one of its failed authentications.
    pub auth_lockout_s: u64,
}

/// Default per-try timeout.
pub const DEFAULT_TRY_TIMEOUT_MS: u64 = 3_000;
/// Default total deadline.
pub const DEFAULT_DEADLINE_MS: u64 = 8_000;

/// `UPSTREAM_AUTH` values.
const UPSTREAM_AUTH: &[(&str, UpstreamAuth)] =
    &[("basic", UpstreamAuth::Basic), ("post", UpstreamAuth::Post)];
/// `FORCE_UPSTREAM` values.
const FORCE: &[(&str, Force)] = &[
    ("auto", Force::Auto),
    ("primary", Force::Primary),
    ("secondary", Force::Secondary),
];

impl ProxyConfig {
    /// Reads the token proxy's variables; problems go to `v`.
    pub fn read(v: &mut Vars<'_>) -> ProxyConfig {
        let primary_url = v.endpoint("OAUTH_HOST_PRIMARY");
        let secondary_url = v.endpoint("OAUTH_HOST_SECONDARY");
        let upstream_auth = v
            .choice("UPSTREAM_AUTH", UPSTREAM_AUTH, Some(UpstreamAuth::Basic))
            .unwrap_or(UpstreamAuth::Basic);
        let force = v
            .choice("FORCE_UPSTREAM", FORCE, Some(Force::Auto))
            .unwrap_or(Force::Auto);
        let try_timeout_ms = v.num("UPSTREAM_TIMEOUT_MS", DEFAULT_TRY_TIMEOUT_MS, 50, 60_000);
        let deadline_ms = v.num("TOTAL_DEADLINE_MS", DEFAULT_DEADLINE_MS, 100, 120_000);
        let failure_threshold = v.num("BREAKER_FAILURES", 3, 1, 1000) as u32;
        let open_ms = v.num("BREAKER_OPEN_MS", 5_000, 100, 3_600_000);
        let max_open_ms = v.num("BREAKER_MAX_OPEN_MS", 60_000, 100, 86_400_000);
        if max_open_ms < open_ms {
            v.problem("BREAKER_MAX_OPEN_MS must be >= BREAKER_OPEN_MS");
        }
        let cache_on = v.flag("TOKEN_CACHE", false);
        let min_remaining_s = v.num("TOKEN_CACHE_MIN_REMAINING_S", 60, 0, 86_400);
        let max_entries = v.num("TOKEN_CACHE_MAX_ENTRIES", 1000, 1, 100_000) as usize;
        ProxyConfig {
            primary_url,
            secondary_url,
            upstream_auth,
            force,
            try_timeout_ms,
            deadline_ms,
            breaker: BreakerConfig {
                failure_threshold,
                open_ms,
                max_open_ms,
            },
            cache: cache_on.then_some(CacheConfig {
                min_remaining_s,
                max_entries,
            }),
            rate_limit_retry_after_s: v.num("RATE_LIMIT_RETRY_AFTER_S", 60, 1, 3600),
            auth_lockout_s: v.num("AUTH_LOCKOUT_S", 60, 1, 3600),
        }
    }

    /// The endpoint URL of a region.
    pub fn url(&self, region: crate::regions::Region) -> &str {
        match region {
            crate::regions::Region::Primary => &self.primary_url,
            crate::regions::Region::Secondary => &self.secondary_url,
        }
    }

    /// `UPSTREAM_AUTH`'s value.
    pub fn upstream_auth_name(&self) -> &'static str {
        name_of(UPSTREAM_AUTH, self.upstream_auth)
    }

    /// `FORCE_UPSTREAM`'s value.
    pub fn force_name(&self) -> &'static str {
        name_of(FORCE, self.force)
    }
}

/// The name of a value in a choice table (the same table that parsed it).
fn name_of<T: PartialEq>(table: &[(&'static str, T)], value: T) -> &'static str {
    table
        .iter()
        .find(|(_, t)| *t == value)
        .map_or("", |(n, _)| n)
}
