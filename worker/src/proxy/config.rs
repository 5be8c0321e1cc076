//! Worker configuration from `[vars]` and secrets, validated once per isolate.
//! Reading the environment is the glue's job: it hands over a lookup function.

use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use crate::codec::base64_any_decode;

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

/// Validated configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
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
    /// `RATE_LIMIT_RETRY_AFTER_S`: `Retry-After` when the rate limit binding refuses.
    pub rate_limit_retry_after_s: u64,
}

/// Worker secrets, decoded.
#[derive(Clone)]
pub struct Secrets {
    /// `CLIENT_ENC_KEY`: AES-256-GCM key for upstream secrets at rest (32 bytes).
    pub enc_key: [u8; 32],
    /// `CLIENT_HASH_KEY`: HMAC-SHA-256 key of the stored secret digests (>= 32 bytes).
    pub hash_key: Vec<u8>,
    /// `TOKEN_CACHE_KEY`: HMAC key of cache entries (>= 32 bytes), only needed with the cache.
    pub cache_key: Option<Vec<u8>>,
}

impl core::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

/// Defaults, also documented in wrangler.toml.
pub const DEFAULT_TRY_TIMEOUT_MS: u64 = 3_000;
/// Default total deadline.
pub const DEFAULT_DEADLINE_MS: u64 = 8_000;

fn parse_num(
    get: &dyn Fn(&str) -> Option<String>,
    name: &str,
    default: u64,
    min: u64,
    max: u64,
    problems: &mut Vec<String>,
) -> u64 {
    match get(name) {
        None => default,
        Some(v) if v.trim().is_empty() => default,
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => n,
            _ => {
                problems.push(format!("{name} must be an integer in {min}..={max}"));
                default
            }
        },
    }
}

/// Is this host a loopback name or address (plain http allowed for local development)?
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host == "[::1]"
        || host.strip_prefix("127.").is_some_and(|rest| {
            rest.split('.').count() == 3 && rest.split('.').all(|p| p.parse::<u8>().is_ok())
        })
}

/// Reads the endpoint URL variable `name` (trimmed): a missing or invalid one adds a problem
/// (naming the variable, never its value) and yields what there is, so every problem is listed.
pub fn required_endpoint(name: &str, value: Option<String>, problems: &mut Vec<String>) -> String {
    let Some(u) = value else {
        problems.push(format!("{name} is not set"));
        return String::new();
    };
    let u = u.trim().to_string();
    if let Err(e) = check_endpoint(&u) {
        problems.push(format!("{name} {e}"));
    }
    u
}

/// Checks a token endpoint URL: absolute, `https` (or `http` to a loopback host), no
/// credentials, query or fragment.
pub fn check_endpoint(url: &str) -> Result<(), &'static str> {
    let (scheme, rest) = url.split_once("://").ok_or("is not an absolute URL")?;
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty() {
        return Err("has no host");
    }
    if authority.contains('@') {
        return Err("must not contain credentials");
    }
    if url.contains('?') || url.contains('#') {
        return Err("must not have a query or fragment");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains whitespace");
    }
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or(authority)
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    match scheme {
        "https" => Ok(()),
        "http" if is_loopback(&host.to_ascii_lowercase()) => Ok(()),
        "http" => Err("must use https (plain http only to a loopback host)"),
        _ => Err("must be an https URL"),
    }
}

/// The host part of an endpoint URL, for health output and logs.
pub fn endpoint_host(url: &str) -> &str {
    url.split_once("://")
        .map(|(_, r)| r.split('/').next().unwrap_or(""))
        .unwrap_or("")
}

impl Config {
    /// Reads and validates every variable. Returns the config or the list of problems
    /// (never a secret value in them).
    pub fn from_env(get: &dyn Fn(&str) -> Option<String>) -> Result<Config, Vec<String>> {
        let mut problems = Vec::new();
        let mut url = |name: &str| required_endpoint(name, get(name), &mut problems);
        let primary_url = url("OAUTH_HOST_PRIMARY");
        let secondary_url = url("OAUTH_HOST_SECONDARY");
        let upstream_auth = match get("UPSTREAM_AUTH").as_deref().map(str::trim) {
            None | Some("") | Some("basic") => UpstreamAuth::Basic,
            Some("post") => UpstreamAuth::Post,
            Some(_) => {
                problems.push("UPSTREAM_AUTH must be basic or post".into());
                UpstreamAuth::Basic
            }
        };
        let force = match get("FORCE_UPSTREAM").as_deref().map(str::trim) {
            None | Some("") | Some("auto") => Force::Auto,
            Some("primary") => Force::Primary,
            Some("secondary") => Force::Secondary,
            Some(_) => {
                problems.push("FORCE_UPSTREAM must be primary, secondary or auto".into());
                Force::Auto
            }
        };
        let p = &mut problems;
        let try_timeout_ms = parse_num(
            get,
            "UPSTREAM_TIMEOUT_MS",
            DEFAULT_TRY_TIMEOUT_MS,
            50,
            60_000,
            p,
        );
        let deadline_ms = parse_num(
            get,
            "TOTAL_DEADLINE_MS",
            DEFAULT_DEADLINE_MS,
            100,
            120_000,
            p,
        );
        let failure_threshold = parse_num(get, "BREAKER_FAILURES", 3, 1, 1000, p) as u32;
        let open_ms = parse_num(get, "BREAKER_OPEN_MS", 5_000, 100, 3_600_000, p);
        let max_open_ms = parse_num(get, "BREAKER_MAX_OPEN_MS", 60_000, 100, 86_400_000, p);
        if max_open_ms < open_ms {
            p.push("BREAKER_MAX_OPEN_MS must be >= BREAKER_OPEN_MS".into());
        }
        let cache_on = match get("TOKEN_CACHE").as_deref().map(str::trim) {
            None | Some("") | Some("off") => false,
            Some("on") => true,
            Some(_) => {
                p.push("TOKEN_CACHE must be on or off".into());
                false
            }
        };
        let min_remaining_s = parse_num(get, "TOKEN_CACHE_MIN_REMAINING_S", 60, 0, 86_400, p);
        let max_entries = parse_num(get, "TOKEN_CACHE_MAX_ENTRIES", 1000, 1, 100_000, p) as usize;
        let rate_limit_retry_after_s = parse_num(get, "RATE_LIMIT_RETRY_AFTER_S", 60, 1, 3600, p);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Config {
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
            rate_limit_retry_after_s,
        })
    }
}

fn key_bytes(
    get: &dyn Fn(&str) -> Option<String>,
    name: &str,
    problems: &mut Vec<String>,
) -> Option<Vec<u8>> {
    match get(name) {
        None => {
            problems.push(format!("secret {name} is not set"));
            None
        }
        Some(v) => match base64_any_decode(&v) {
            Some(k) if k.len() >= 32 => Some(k),
            _ => {
                problems.push(format!("secret {name} must be base64 of at least 32 bytes"));
                None
            }
        },
    }
}

impl Secrets {
    /// Reads the secrets; `TOKEN_CACHE_KEY` is required only when `cache_on`.
    pub fn from_env(
        get: &dyn Fn(&str) -> Option<String>,
        cache_on: bool,
    ) -> Result<Secrets, Vec<String>> {
        let mut problems = Vec::new();
        let enc = key_bytes(get, "CLIENT_ENC_KEY", &mut problems);
        let enc_key = match enc.as_deref().map(<[u8; 32]>::try_from) {
            Some(Ok(k)) => Some(k),
            Some(Err(_)) => {
                problems.push("secret CLIENT_ENC_KEY must be exactly 32 bytes (base64)".into());
                None
            }
            None => None,
        };
        let hash_key = key_bytes(get, "CLIENT_HASH_KEY", &mut problems);
        let cache_key = if cache_on {
            key_bytes(get, "TOKEN_CACHE_KEY", &mut problems)
        } else {
            None
        };
        match (enc_key, hash_key) {
            (Some(enc_key), Some(hash_key)) if problems.is_empty() => Ok(Secrets {
                enc_key,
                hash_key,
                cache_key,
            }),
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    const P: (&str, &str) = ("OAUTH_HOST_PRIMARY", "https://auth.eu.example/oauth2/token");
    const S: (&str, &str) = ("OAUTH_HOST_SECONDARY", "http://127.0.0.1:9000/oauth2/token");

    #[test]
    fn defaults() {
        let c = Config::from_env(&env(&[P, S])).unwrap();
        assert_eq!(c.upstream_auth, UpstreamAuth::Basic);
        assert_eq!(c.force, Force::Auto);
        assert_eq!(c.try_timeout_ms, 3000);
        assert_eq!(c.deadline_ms, 8000);
        assert_eq!(
            c.breaker,
            BreakerConfig {
                failure_threshold: 3,
                open_ms: 5000,
                max_open_ms: 60000
            }
        );
        assert_eq!(c.cache, None);
    }

    #[test]
    fn all_set() {
        let c = Config::from_env(&env(&[
            P,
            S,
            ("UPSTREAM_AUTH", "post"),
            ("FORCE_UPSTREAM", "secondary"),
            ("UPSTREAM_TIMEOUT_MS", "1500"),
            ("TOTAL_DEADLINE_MS", "4000"),
            ("BREAKER_FAILURES", "1"),
            ("BREAKER_OPEN_MS", "1000"),
            ("BREAKER_MAX_OPEN_MS", "8000"),
            ("TOKEN_CACHE", "on"),
            ("TOKEN_CACHE_MIN_REMAINING_S", "30"),
        ]))
        .unwrap();
        assert_eq!(c.upstream_auth, UpstreamAuth::Post);
        assert_eq!(c.force, Force::Secondary);
        assert_eq!((c.try_timeout_ms, c.deadline_ms), (1500, 4000));
        assert_eq!(c.breaker.failure_threshold, 1);
        assert_eq!(
            c.cache,
            Some(CacheConfig {
                min_remaining_s: 30,
                max_entries: 1000
            })
        );
    }

    #[test]
    fn problems_are_listed() {
        let e = Config::from_env(&env(&[
            ("OAUTH_HOST_PRIMARY", "http://auth.example/oauth2/token"),
            ("UPSTREAM_AUTH", "jwt"),
            ("FORCE_UPSTREAM", "both"),
            ("UPSTREAM_TIMEOUT_MS", "fast"),
            ("TOKEN_CACHE", "yes"),
        ]))
        .unwrap_err();
        assert_eq!(e.len(), 6, "{e:?}");
        assert!(e[0].starts_with("OAUTH_HOST_PRIMARY must use https"));
        assert_eq!(e[1], "OAUTH_HOST_SECONDARY is not set");
    }

    #[test]
    fn endpoints() {
        for ok in [
            "https://a.example/oauth2/token",
            "https://a.example:8443/t",
            "http://127.0.0.1:8080/token",
            "http://localhost/token",
            "http://[::1]:9/token",
        ] {
            assert_eq!(check_endpoint(ok), Ok(()), "{ok}");
        }
        for bad in [
            "a.example/oauth2/token",
            "http://a.example/token",
            "http://127.0.0.1.evil.example/token",
            "http://localhost.evil.example/token",
            "ftp://a.example/token",
            "https://user:pw@a.example/token",
            "https://a.example/token?x=1",
            "https:///token",
            "https://a.example/to ken",
        ] {
            assert!(check_endpoint(bad).is_err(), "{bad}");
        }
        assert_eq!(endpoint_host("https://a.example:8443/t"), "a.example:8443");
    }

    #[test]
    fn secrets() {
        let k32 = crate::codec::base64url_encode(&[7u8; 32]);
        let k40 = crate::codec::base64_encode(&[9u8; 40]);
        let s = Secrets::from_env(
            &env(&[("CLIENT_ENC_KEY", &k32), ("CLIENT_HASH_KEY", &k40)]),
            false,
        )
        .unwrap();
        assert_eq!(s.enc_key, [7u8; 32]);
        assert_eq!(s.hash_key.len(), 40);
        assert!(s.cache_key.is_none());
        assert_eq!(std::format!("{s:?}"), "Secrets(..)");
        let e = Secrets::from_env(
            &env(&[("CLIENT_ENC_KEY", &k40), ("CLIENT_HASH_KEY", "short")]),
            true,
        )
        .unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e.iter().all(|p| !p.contains(&k40)));
    }
}
