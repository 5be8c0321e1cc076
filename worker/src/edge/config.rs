//! Edge verification configuration, read from the worker's `[vars]`.
//!
//! | variable | meaning |
//! | --- | --- |
//! | `REGION_MODE` | `separate` or `shared`; required, never guessed |
//! | `ISSUER_PRIMARY`, `ISSUER_SECONDARY` | exact `iss` values; `shared`: one issuer (`ISSUER_SECONDARY` absent or equal) |
//! | `JWKS_URL_PRIMARY`, `JWKS_URL_SECONDARY` | each region's JWK Set URL (https, or http to loopback) |
//! | `VERIFY_PROFILE` | `at_jwt` (RFC 9068) or `cognito_access`; required |
//! | `VERIFY_AUDIENCE` | `at_jwt`: the resource server identifier(s), comma or space separated; required there |
//! | `VERIFY_ALGORITHMS` | allowed algorithms, default `RS256` |
//! | `CLOCK_TOLERANCE_S` | seconds, default 0 |
//! | `JWKS_TIMEOUT_MS`, `JWKS_COOLDOWN_S`, `JWKS_MAX_AGE_S`, `JWKS_STALE_LIMIT_S` | the key cache policy (defaults: the core's) |
//! | `PROTECT_ORIGIN` | origin for the protected route (`https://...`, or http to loopback); unset: no protected route |
//! | `PROTECT_PREFIX` | path prefix of the protected route, default `/api/` |
//! | `REQUIRED_SCOPES` | scopes the protected route requires (space separated) |
//! | `ALLOWED_CLIENTS` | logical client ids allowed on the protected route (comma or space separated; empty: any known client) |
//!
//! An unset `REGION_MODE` means edge verification is off: [`EdgeConfig::from_env`] answers
//! `Ok(None)` only when none of the edge variables is set, so a half-configured deployment
//! is reported instead of silently disabled.

use oidc_edge::keycache::KeyCachePolicy;
use oidc_edge::{Algorithm, Profile};

use crate::proxy::config::{check_endpoint, required_endpoint};

/// How the two regions' issuers relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionMode {
    /// Two issuers, two key sets, per-region client ids.
    Separate,
    /// One issuer (e.g. Cognito multi-region replication); one key set fetched from whichever
    /// region's JWKS URL answers.
    Shared,
}

impl RegionMode {
    /// `separate` / `shared`.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionMode::Separate => "separate",
            RegionMode::Shared => "shared",
        }
    }
}

/// The protected route's policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protect {
    /// Origin the requests are forwarded to, without a trailing slash.
    pub origin: String,
    /// Path prefix (starts and ends with `/`).
    pub prefix: String,
    /// Scopes every request must carry.
    pub required_scopes: Vec<String>,
    /// Logical clients allowed; empty means any known client.
    pub allowed_clients: Vec<String>,
}

/// Everything edge verification needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeConfig {
    /// Trust mode.
    pub mode: RegionMode,
    /// Primary issuer (in `shared` mode: the one issuer).
    pub issuer_primary: String,
    /// Secondary issuer (in `shared` mode: equal to the primary).
    pub issuer_secondary: String,
    /// Primary JWKS URL.
    pub jwks_primary: String,
    /// Secondary JWKS URL.
    pub jwks_secondary: String,
    /// Token profile.
    pub profile: Profile,
    /// `at_jwt` audiences.
    pub audience: Vec<String>,
    /// Allowed algorithms.
    pub algorithms: Vec<Algorithm>,
    /// Clock tolerance (seconds).
    pub clock_tolerance: u64,
    /// Key cache numbers.
    pub key_policy: KeyCachePolicy,
    /// The protected route, when configured.
    pub protect: Option<Protect>,
}

/// Variables that belong to edge verification (any of them set means "configure me").
pub const EDGE_VARS: &[&str] = &[
    "REGION_MODE",
    "ISSUER_PRIMARY",
    "ISSUER_SECONDARY",
    "JWKS_URL_PRIMARY",
    "JWKS_URL_SECONDARY",
    "VERIFY_PROFILE",
    "VERIFY_AUDIENCE",
    "PROTECT_ORIGIN",
];

/// Splits a list given with commas and/or spaces.
pub fn split_list(v: &str) -> Vec<String> {
    v.split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn num(
    get: &dyn Fn(&str) -> Option<String>,
    name: &str,
    default: u64,
    range: (u64, u64),
    problems: &mut Vec<String>,
) -> u64 {
    match get(name).as_deref().map(str::trim) {
        None | Some("") => default,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (range.0..=range.1).contains(&n) => n,
            _ => {
                problems.push(format!(
                    "{name} must be an integer in {}..={}",
                    range.0, range.1
                ));
                default
            }
        },
    }
}

/// An origin URL: scheme and authority only (a trailing `/` is tolerated and dropped).
fn check_origin(v: &str) -> Result<String, &'static str> {
    let v = v.trim().trim_end_matches('/');
    check_endpoint(v)?;
    let rest = v.split_once("://").map(|(_, r)| r).unwrap_or("");
    if rest.contains('/') {
        return Err("must be an origin (scheme://host[:port]) without a path");
    }
    Ok(v.to_string())
}

impl EdgeConfig {
    /// Reads and checks the variables. `Ok(None)`: edge verification not configured at all.
    /// `Err`: the list of problems (no secret values: there are none here).
    pub fn from_env(
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<EdgeConfig>, Vec<String>> {
        let set = |n: &str| get(n).filter(|v| !v.trim().is_empty());
        if EDGE_VARS.iter().all(|n| set(n).is_none()) {
            return Ok(None);
        }
        let mut p = Vec::new();
        let mode = match set("REGION_MODE").as_deref().map(str::trim) {
            Some("separate") => RegionMode::Separate,
            Some("shared") => RegionMode::Shared,
            Some(_) => {
                p.push("REGION_MODE must be separate or shared".to_string());
                RegionMode::Separate
            }
            None => {
                p.push("REGION_MODE is not set (separate or shared; it is never guessed)".into());
                RegionMode::Separate
            }
        };
        let issuer_primary = set("ISSUER_PRIMARY").map(|s| s.trim().to_string());
        let issuer_secondary = set("ISSUER_SECONDARY").map(|s| s.trim().to_string());
        let (issuer_primary, issuer_secondary) = match (mode, issuer_primary, issuer_secondary) {
            (_, None, _) => {
                p.push("ISSUER_PRIMARY is not set".into());
                (String::new(), String::new())
            }
            (RegionMode::Separate, Some(_), None) => {
                p.push("ISSUER_SECONDARY is not set (REGION_MODE=separate)".into());
                (String::new(), String::new())
            }
            (RegionMode::Separate, Some(a), Some(b)) if a == b => {
                p.push("ISSUER_PRIMARY equals ISSUER_SECONDARY: that is REGION_MODE=shared".into());
                (a, b)
            }
            (RegionMode::Shared, Some(a), Some(b)) if a != b => {
                p.push("REGION_MODE=shared has one issuer: ISSUER_SECONDARY must be unset or equal to ISSUER_PRIMARY".into());
                (a, b)
            }
            (_, Some(a), b) => {
                let b = b.unwrap_or_else(|| a.clone());
                (a, b)
            }
        };
        let mut url = |name: &str| required_endpoint(name, set(name), &mut p);
        let jwks_primary = url("JWKS_URL_PRIMARY");
        let jwks_secondary = url("JWKS_URL_SECONDARY");
        let profile = match set("VERIFY_PROFILE").as_deref().map(str::trim) {
            Some("at_jwt") => Profile::AtJwt,
            Some("cognito_access") => Profile::CognitoAccess,
            Some(_) => {
                p.push("VERIFY_PROFILE must be at_jwt or cognito_access".into());
                Profile::AtJwt
            }
            None => {
                p.push("VERIFY_PROFILE is not set (at_jwt or cognito_access)".into());
                Profile::AtJwt
            }
        };
        let audience = set("VERIFY_AUDIENCE")
            .map(|v| split_list(&v))
            .unwrap_or_default();
        if profile == Profile::AtJwt && audience.is_empty() {
            p.push("VERIFY_AUDIENCE is required for VERIFY_PROFILE=at_jwt".into());
        }
        let mut algorithms = Vec::new();
        for name in set("VERIFY_ALGORITHMS")
            .map(|v| split_list(&v))
            .unwrap_or_default()
        {
            match Algorithm::from_name(&name) {
                Some(a) => algorithms.push(a),
                None => p.push(format!("VERIFY_ALGORITHMS: {name} is not supported")),
            }
        }
        if algorithms.is_empty() {
            algorithms.push(Algorithm::RS256);
        }
        let clock_tolerance = num(get, "CLOCK_TOLERANCE_S", 0, (0, 600), &mut p);
        let d = KeyCachePolicy::default();
        let key_policy = KeyCachePolicy {
            timeout_ms: num(
                get,
                "JWKS_TIMEOUT_MS",
                u64::from(d.timeout_ms),
                (50, 30_000),
                &mut p,
            ) as u32,
            cooldown: num(get, "JWKS_COOLDOWN_S", d.cooldown, (0, 3_600), &mut p),
            max_age: num(get, "JWKS_MAX_AGE_S", d.max_age, (1, 86_400), &mut p),
            stale_limit: num(
                get,
                "JWKS_STALE_LIMIT_S",
                d.stale_limit,
                (0, 7 * 86_400),
                &mut p,
            ),
            ..d
        };
        let protect = match set("PROTECT_ORIGIN") {
            None => None,
            Some(o) => {
                let origin = match check_origin(&o) {
                    Ok(o) => o,
                    Err(e) => {
                        p.push(format!("PROTECT_ORIGIN {e}"));
                        String::new()
                    }
                };
                let prefix = set("PROTECT_PREFIX").unwrap_or_else(|| "/api/".into());
                let prefix = prefix.trim().to_string();
                if !prefix.starts_with('/') || !prefix.ends_with('/') || prefix == "/" {
                    p.push("PROTECT_PREFIX must start and end with / and not be /".into());
                }
                if ["/verify/", "/oauth2/", "/.well-known/", "/healthz/"]
                    .iter()
                    .any(|r| r.starts_with(prefix.as_str()) || prefix.starts_with(r))
                {
                    p.push("PROTECT_PREFIX overlaps a worker route".into());
                }
                Some(Protect {
                    origin,
                    prefix,
                    required_scopes: set("REQUIRED_SCOPES")
                        .map(|v| split_list(&v))
                        .unwrap_or_default(),
                    allowed_clients: set("ALLOWED_CLIENTS")
                        .map(|v| split_list(&v))
                        .unwrap_or_default(),
                })
            }
        };
        if !p.is_empty() {
            return Err(p);
        }
        Ok(Some(EdgeConfig {
            mode,
            issuer_primary,
            issuer_secondary,
            jwks_primary,
            jwks_secondary,
            profile,
            audience,
            algorithms,
            clock_tolerance,
            key_policy,
            protect,
        }))
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
        move |k: &str| m.get(k).cloned()
    }

    const SEPARATE: &[(&str, &str)] = &[
        ("REGION_MODE", "separate"),
        ("ISSUER_PRIMARY", "https://p.example/pool"),
        ("ISSUER_SECONDARY", "https://s.example/pool"),
        ("JWKS_URL_PRIMARY", "https://p.example/pool/jwks"),
        ("JWKS_URL_SECONDARY", "https://s.example/pool/jwks"),
        ("VERIFY_PROFILE", "at_jwt"),
        ("VERIFY_AUDIENCE", "https://api.example.test"),
    ];

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut v: Vec<_> = SEPARATE
            .iter()
            .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
            .copied()
            .collect();
        v.extend(extra.iter().filter(|(_, val)| !val.is_empty()).copied());
        v
    }

    #[test]
    fn unconfigured_is_off() {
        assert_eq!(EdgeConfig::from_env(&env(&[])), Ok(None));
        assert_eq!(
            EdgeConfig::from_env(&env(&[("OAUTH_HOST_PRIMARY", "https://x")])),
            Ok(None)
        );
    }

    #[test]
    fn separate_mode() {
        let c = EdgeConfig::from_env(&env(SEPARATE)).unwrap().unwrap();
        assert_eq!(c.mode, RegionMode::Separate);
        assert_eq!(c.profile, Profile::AtJwt);
        assert_eq!(c.algorithms, vec![Algorithm::RS256]);
        assert_eq!(c.key_policy, KeyCachePolicy::default());
        assert!(c.protect.is_none());
    }

    #[test]
    fn mode_is_never_guessed() {
        let e = EdgeConfig::from_env(&env(&with(&[("REGION_MODE", "")]))).unwrap_err();
        assert!(e[0].contains("REGION_MODE is not set"), "{e:?}");
        let e = EdgeConfig::from_env(&env(&with(&[("REGION_MODE", "auto")]))).unwrap_err();
        assert!(e[0].contains("separate or shared"));
        // Same issuer twice in separate mode is a misconfiguration, not a silent switch.
        let e = EdgeConfig::from_env(&env(&with(&[(
            "ISSUER_SECONDARY",
            "https://p.example/pool",
        )])))
        .unwrap_err();
        assert!(e[0].contains("REGION_MODE=shared"));
        let e = EdgeConfig::from_env(&env(&with(&[("ISSUER_SECONDARY", "")]))).unwrap_err();
        assert!(e[0].contains("ISSUER_SECONDARY is not set"));
    }

    #[test]
    fn shared_mode() {
        let c = EdgeConfig::from_env(&env(&with(&[
            ("REGION_MODE", "shared"),
            ("ISSUER_SECONDARY", ""),
        ])))
        .unwrap()
        .unwrap();
        assert_eq!(c.mode, RegionMode::Shared);
        assert_eq!(c.issuer_primary, c.issuer_secondary);
        let e = EdgeConfig::from_env(&env(&with(&[("REGION_MODE", "shared")]))).unwrap_err();
        assert!(e[0].contains("one issuer"));
    }

    #[test]
    fn profiles_and_audience() {
        let e = EdgeConfig::from_env(&env(&with(&[("VERIFY_AUDIENCE", "")]))).unwrap_err();
        assert!(e[0].contains("VERIFY_AUDIENCE"));
        let c = EdgeConfig::from_env(&env(&with(&[
            ("VERIFY_PROFILE", "cognito_access"),
            ("VERIFY_AUDIENCE", ""),
        ])))
        .unwrap()
        .unwrap();
        assert_eq!(c.profile, Profile::CognitoAccess);
        for bad in ["id_token", "AT_JWT", "x"] {
            let v = with(&[("VERIFY_PROFILE", bad)]);
            assert!(EdgeConfig::from_env(&env(&v)).is_err(), "{bad}");
        }
        let c = EdgeConfig::from_env(&env(&with(&[
            ("VERIFY_ALGORITHMS", "RS256, PS256"),
            ("VERIFY_AUDIENCE", "a, b c"),
        ])))
        .unwrap()
        .unwrap();
        assert_eq!(c.algorithms, vec![Algorithm::RS256, Algorithm::PS256]);
        assert_eq!(c.audience, vec!["a", "b", "c"]);
        assert!(EdgeConfig::from_env(&env(&with(&[("VERIFY_ALGORITHMS", "HS256")]))).is_err());
    }

    #[test]
    fn urls_are_checked() {
        let e = EdgeConfig::from_env(&env(&with(&[(
            "JWKS_URL_PRIMARY",
            "http://p.example/jwks",
        )])))
        .unwrap_err();
        assert!(e[0].starts_with("JWKS_URL_PRIMARY"));
        let c = EdgeConfig::from_env(&env(&with(&[(
            "JWKS_URL_PRIMARY",
            "http://127.0.0.1:9/jwks",
        )])));
        assert!(c.is_ok());
    }

    #[test]
    fn protected_route() {
        let c = EdgeConfig::from_env(&env(&with(&[
            ("PROTECT_ORIGIN", "http://127.0.0.1:8999/"),
            ("REQUIRED_SCOPES", "api:read api:write"),
            ("ALLOWED_CLIENTS", "oe_a,oe_b"),
        ])))
        .unwrap()
        .unwrap();
        let p = c.protect.unwrap();
        assert_eq!(p.origin, "http://127.0.0.1:8999");
        assert_eq!(p.prefix, "/api/");
        assert_eq!(p.required_scopes, vec!["api:read", "api:write"]);
        assert_eq!(p.allowed_clients, vec!["oe_a", "oe_b"]);
        for (name, v) in [
            ("PROTECT_ORIGIN", "http://origin.example"),
            ("PROTECT_ORIGIN", "https://origin.example/path"),
            ("PROTECT_PREFIX", "api"),
            ("PROTECT_PREFIX", "/"),
            ("PROTECT_PREFIX", "/.well-known/"),
        ] {
            let mut vars = with(&[("PROTECT_ORIGIN", "https://origin.example")]);
            vars.retain(|(k, _)| *k != name);
            vars.push((name, v));
            assert!(EdgeConfig::from_env(&env(&vars)).is_err(), "{name}={v}");
        }
    }

    #[test]
    fn key_policy_numbers() {
        let c = EdgeConfig::from_env(&env(&with(&[
            ("JWKS_COOLDOWN_S", "2"),
            ("JWKS_TIMEOUT_MS", "1500"),
        ])))
        .unwrap()
        .unwrap();
        assert_eq!(c.key_policy.cooldown, 2);
        assert_eq!(c.key_policy.timeout_ms, 1500);
        assert!(EdgeConfig::from_env(&env(&with(&[("JWKS_TIMEOUT_MS", "0")]))).is_err());
    }
}
