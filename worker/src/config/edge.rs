//! Edge verification's settings.
//!
//! | variable | meaning |
//! | --- | --- |
//! | `REGION_MODE` | `separate` or `shared`; required, never guessed |
//! | `ISSUER_PRIMARY`, `ISSUER_SECONDARY` | exact `iss` values; `shared`: one issuer (`ISSUER_SECONDARY` absent or equal) |
//! | `JWKS_URL_PRIMARY`, `JWKS_URL_SECONDARY` | each region's JWK Set URL (https, or http to loopback) |
//! | `VERIFY_PROFILE` | a name of [`PROFILES`]; default `jwt` (access tokens of any mainstream provider) |
//! | `VERIFY_AUDIENCE` | `jwt`, `at_jwt`: the resource server identifier(s), comma or space separated; required there |
//! | `VERIFY_ALGORITHMS` | allowed algorithms; unset: the core's default (chosen by the selected key's type) |
//! | `CLOCK_TOLERANCE_S` | seconds, default the core's ([`DEFAULT_CLOCK_TOLERANCE`], 30) |
//! | `DPOP_NONCE_WINDOW_S` | with the secret `DPOP_NONCE_KEY`: seconds per nonce window (a nonce is accepted in its window and the next), default 300, 10..=3600 |
//! | `JWKS_TIMEOUT_MS`, `JWKS_COOLDOWN_S` (1..=3600: 0 is refused), `JWKS_MAX_AGE_S`, `JWKS_STALE_LIMIT_S` | the key cache policy (defaults: the core's) |
//! | `PROTECT_ORIGIN` | origin of the protected route (`https://...`, or http to loopback); unset: no protected route |
//! | `PROTECT_PREFIX` | path prefix of the protected route, default `/api/` |
//! | `PROTECT_FORWARD_TOKEN` | `off` (default): the origin does not get the caller's `Authorization` header; `on`: it does |
//! | `REQUIRED_SCOPES` | scopes the protected route requires (space separated; read from `scope` and `scp`) |
//! | `REQUIRED_ROLES` | roles the protected route requires (read from `roles`) |
//! | `ALLOWED_CLIENTS` | logical client ids allowed on the protected route (empty: any known client) |
//!
//! Edge verification is off only when none of [`EDGE_VARS`] is set, so a half-configured
//! deployment is reported instead of silently disabled.

use oidc_edge::keycache::KeyCachePolicy;
use oidc_edge::{Algorithm, Profile, DEFAULT_CLOCK_TOLERANCE};

use super::vars::{check_endpoint, endpoint_host, Vars};
use crate::edge::dpop::DEFAULT_NONCE_WINDOW_S;
use crate::regions::RegionMode;
use crate::routes::fixed_paths;

/// `REGION_MODE` values.
const MODES: &[(&str, RegionMode)] = &[
    ("separate", RegionMode::Separate),
    ("shared", RegionMode::Shared),
];

/// `VERIFY_PROFILE` values: the token profiles edge verification accepts. A new profile is
/// one row here.
pub const PROFILES: &[(&str, Profile)] = &[
    ("jwt", Profile::Jwt),
    ("at_jwt", Profile::AtJwt),
    ("cognito_access", Profile::CognitoAccess),
];

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

/// The protected route's policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protect {
    /// Origin the requests are forwarded to (`scheme://host[:port]`, no trailing slash).
    pub origin: String,
    /// Its authority (`host[:port]`), as signed in the origin proof.
    pub origin_host: String,
    /// Path prefix (starts and ends with `/`).
    pub prefix: String,
    /// Scopes every request must carry (checked by the core's [`oidc_edge::access`]).
    pub required_scopes: Vec<String>,
    /// Roles every request must carry.
    pub required_roles: Vec<String>,
    /// Logical clients allowed; empty means any known client.
    pub allowed_clients: Vec<String>,
    /// Whether the caller's `Authorization` header reaches the origin.
    pub forward_token: bool,
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
    /// `jwt` and `at_jwt` audiences.
    pub audience: Vec<String>,
    /// Allowed algorithms; empty: the core's default for the selected key.
    pub algorithms: Vec<Algorithm>,
    /// Clock tolerance (seconds), for tokens and DPoP proofs.
    pub clock_tolerance: u64,
    /// DPoP nonce window (seconds), used when `DPOP_NONCE_KEY` is set.
    pub dpop_nonce_window: u64,
    /// Key cache numbers.
    pub key_policy: KeyCachePolicy,
    /// The protected route, when configured.
    pub protect: Option<Protect>,
}

impl EdgeConfig {
    /// Reads edge verification's variables; `None` when none of [`EDGE_VARS`] is set.
    /// Problems go to `v`.
    pub fn read(v: &mut Vars<'_>) -> Option<EdgeConfig> {
        if EDGE_VARS.iter().all(|n| v.value(n).is_none()) {
            return None;
        }
        let mode = v
            .choice("REGION_MODE", MODES, None)
            .unwrap_or(RegionMode::Separate);
        let (issuer_primary, issuer_secondary) = issuers(v, mode);
        let jwks_primary = v.endpoint("JWKS_URL_PRIMARY");
        let jwks_secondary = v.endpoint("JWKS_URL_SECONDARY");
        let profile = v
            .choice("VERIFY_PROFILE", PROFILES, Some(Profile::Jwt))
            .unwrap_or(Profile::Jwt);
        let audience = v.list("VERIFY_AUDIENCE");
        // The access-token profiles with `aud` (Cognito's access tokens carry none).
        if matches!(profile, Profile::Jwt | Profile::AtJwt) && audience.is_empty() {
            let name = profile_name(profile);
            v.problem(format!(
                "VERIFY_AUDIENCE is required for VERIFY_PROFILE={name}"
            ));
        }
        let mut algorithms = Vec::new();
        for name in v.list("VERIFY_ALGORITHMS") {
            match Algorithm::from_name(&name) {
                Some(a) => algorithms.push(a),
                None => v.problem(format!("VERIFY_ALGORITHMS: {name} is not supported")),
            }
        }
        let clock_tolerance = v.num("CLOCK_TOLERANCE_S", DEFAULT_CLOCK_TOLERANCE, 0, 600);
        let dpop_nonce_window = v.num("DPOP_NONCE_WINDOW_S", DEFAULT_NONCE_WINDOW_S, 10, 3_600);
        let d = KeyCachePolicy::default();
        let key_policy = KeyCachePolicy {
            timeout_ms: v.num("JWKS_TIMEOUT_MS", u64::from(d.timeout_ms), 50, 30_000) as u32,
            // 0 would let every unknown kid trigger a fetch: refused.
            cooldown: v.num("JWKS_COOLDOWN_S", d.cooldown, 1, 3_600),
            max_age: v.num("JWKS_MAX_AGE_S", d.max_age, 1, 86_400),
            stale_limit: v.num("JWKS_STALE_LIMIT_S", d.stale_limit, 0, 7 * 86_400),
            ..d
        };
        let protect = v.value("PROTECT_ORIGIN").map(|o| protect(v, &o));
        Some(EdgeConfig {
            mode,
            issuer_primary,
            issuer_secondary,
            jwks_primary,
            jwks_secondary,
            profile,
            audience,
            algorithms,
            clock_tolerance,
            dpop_nonce_window,
            key_policy,
            protect,
        })
    }

    /// The `VERIFY_PROFILE` name of the profile in force.
    pub fn profile_name(&self) -> &'static str {
        profile_name(self.profile)
    }
}

fn profile_name(profile: Profile) -> &'static str {
    PROFILES
        .iter()
        .find(|(_, p)| *p == profile)
        .map_or("", |(n, _)| n)
}

fn issuers(v: &mut Vars<'_>, mode: RegionMode) -> (String, String) {
    match (mode, v.value("ISSUER_PRIMARY"), v.value("ISSUER_SECONDARY")) {
        (_, None, _) => {
            v.problem("ISSUER_PRIMARY is not set");
            (String::new(), String::new())
        }
        (RegionMode::Separate, Some(_), None) => {
            v.problem("ISSUER_SECONDARY is not set (REGION_MODE=separate)");
            (String::new(), String::new())
        }
        (RegionMode::Separate, Some(a), Some(b)) if a == b => {
            v.problem("ISSUER_PRIMARY equals ISSUER_SECONDARY: that is REGION_MODE=shared");
            (a, b)
        }
        (RegionMode::Shared, Some(a), Some(b)) if a != b => {
            v.problem("REGION_MODE=shared has one issuer: ISSUER_SECONDARY must be unset or equal to ISSUER_PRIMARY");
            (a, b)
        }
        (_, Some(a), b) => {
            let b = b.unwrap_or_else(|| a.clone());
            (a, b)
        }
    }
}

fn protect(v: &mut Vars<'_>, origin: &str) -> Protect {
    let origin = origin.trim_end_matches('/').to_string();
    let rest = origin.split_once("://").map_or("", |(_, r)| r);
    match check_endpoint(&origin) {
        Err(e) => v.problem(format!("PROTECT_ORIGIN {e}")),
        Ok(()) if rest.contains('/') => {
            v.problem("PROTECT_ORIGIN must be an origin (scheme://host[:port]) without a path")
        }
        Ok(()) => {}
    }
    let prefix = v.value("PROTECT_PREFIX").unwrap_or_else(|| "/api/".into());
    if !prefix.starts_with('/') || !prefix.ends_with('/') || prefix == "/" {
        v.problem("PROTECT_PREFIX must start and end with / and not be /");
    }
    // No overlap with the worker's own routes, in either direction.
    if fixed_paths().any(|p| p.starts_with(prefix.as_str()) || format!("{p}/").starts_with(&prefix))
    {
        v.problem("PROTECT_PREFIX overlaps a worker route");
    }
    Protect {
        origin_host: endpoint_host(&origin).to_ascii_lowercase(),
        origin,
        prefix,
        required_scopes: v.list("REQUIRED_SCOPES"),
        required_roles: v.list("REQUIRED_ROLES"),
        allowed_clients: v.list("ALLOWED_CLIENTS"),
        forward_token: v.flag("PROTECT_FORWARD_TOKEN", false),
    }
}
