//! The configuration as operators write it: defaults, every variable, every problem at once.

use oidc_edge::keycache::KeyCachePolicy;
use oidc_edge::{Algorithm, Profile};

use super::proxy::{BreakerConfig, CacheConfig, Force, UpstreamAuth};
use super::Config;
use crate::codec::{base64_encode, base64url_encode};
use crate::regions::RegionMode;

/// A lookup over pairs; a later pair overrides an earlier one, an empty value unsets.
fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    crate::testing::lookup(Vec::new(), pairs)
}

fn base() -> Vec<(&'static str, String)> {
    vec![
        (
            "OAUTH_HOST_PRIMARY",
            "https://auth.eu.example/oauth2/token".into(),
        ),
        (
            "OAUTH_HOST_SECONDARY",
            "http://127.0.0.1:9000/oauth2/token".into(),
        ),
        ("CLIENT_ENC_KEY", base64url_encode(&[7u8; 32])),
        ("CLIENT_HASH_KEY", base64_encode(&[9u8; 40])),
    ]
}

const EDGE: &[(&str, &str)] = &[
    ("REGION_MODE", "separate"),
    ("ISSUER_PRIMARY", "https://p.example/pool"),
    ("ISSUER_SECONDARY", "https://s.example/pool"),
    ("JWKS_URL_PRIMARY", "https://p.example/pool/jwks"),
    ("JWKS_URL_SECONDARY", "https://s.example/pool/jwks"),
    ("VERIFY_PROFILE", "at_jwt"),
    ("VERIFY_AUDIENCE", "https://api.example.test"),
];

fn read(extra: &[(&str, &str)]) -> Result<Config, Vec<String>> {
    let owned = base();
    let mut pairs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    pairs.extend_from_slice(extra);
    Config::from_env(&env(&pairs))
}

fn read_edge(extra: &[(&str, &str)]) -> Result<Config, Vec<String>> {
    let mut pairs = EDGE.to_vec();
    pairs.extend_from_slice(extra);
    read(&pairs)
}

fn problems(extra: &[(&str, &str)]) -> Vec<String> {
    read_edge(extra).unwrap_err()
}

#[test]
fn proxy_defaults() {
    let c = read(&[]).unwrap();
    let p = &c.proxy;
    assert_eq!(p.upstream_auth, UpstreamAuth::Basic);
    assert_eq!(p.force, Force::Auto);
    assert_eq!((p.try_timeout_ms, p.deadline_ms), (3000, 8000));
    assert_eq!(
        p.breaker,
        BreakerConfig {
            failure_threshold: 3,
            open_ms: 5000,
            max_open_ms: 60000
        }
    );
    assert_eq!(p.cache, None);
    assert_eq!(p.auth_lockout_s, 60);
    assert!(
        c.edge.is_none(),
        "no edge variable set: edge verification is off"
    );
    assert!(c.secrets.health_token.is_none());
    assert!(c.secrets.origin_keys.is_empty());
    assert_eq!(std::format!("{:?}", c.secrets), "Secrets(..)");
}

#[test]
fn proxy_all_set() {
    let cache = base64url_encode(&[3u8; 32]);
    let c = read(&[
        ("UPSTREAM_AUTH", "post"),
        ("FORCE_UPSTREAM", "secondary"),
        ("UPSTREAM_TIMEOUT_MS", "1500"),
        ("TOTAL_DEADLINE_MS", "4000"),
        ("BREAKER_FAILURES", "1"),
        ("BREAKER_OPEN_MS", "1000"),
        ("BREAKER_MAX_OPEN_MS", "8000"),
        ("TOKEN_CACHE", "on"),
        ("TOKEN_CACHE_MIN_REMAINING_S", "30"),
        ("TOKEN_CACHE_KEY", &cache),
        ("AUTH_LOCKOUT_S", "120"),
    ])
    .unwrap();
    let p = &c.proxy;
    assert_eq!(
        (p.upstream_auth_name(), p.force_name()),
        ("post", "secondary")
    );
    assert_eq!((p.try_timeout_ms, p.deadline_ms), (1500, 4000));
    assert_eq!(p.breaker.failure_threshold, 1);
    assert_eq!(
        p.cache,
        Some(CacheConfig {
            min_remaining_s: 30,
            max_entries: 1000
        })
    );
    assert_eq!(c.secrets.cache_key.as_deref(), Some(&[3u8; 32][..]));
    assert_eq!(p.auth_lockout_s, 120);
}

#[test]
fn every_problem_is_reported_at_once_without_values() {
    let short = base64_encode(b"short");
    let e = Config::from_env(&env(&[
        ("OAUTH_HOST_PRIMARY", "http://auth.example/oauth2/token"),
        ("UPSTREAM_AUTH", "jwt"),
        ("FORCE_UPSTREAM", "both"),
        ("UPSTREAM_TIMEOUT_MS", "fast"),
        ("TOKEN_CACHE", "yes"),
        ("CLIENT_ENC_KEY", &short),
        ("REGION_MODE", "auto"),
        ("JWKS_COOLDOWN_S", "0"),
        ("HEALTH_TOKEN", "too-short"),
    ]))
    .unwrap_err();
    let want = [
        "OAUTH_HOST_PRIMARY must use https",
        "OAUTH_HOST_SECONDARY is not set",
        "UPSTREAM_AUTH must be one of basic | post",
        "FORCE_UPSTREAM must be one of auto | primary | secondary",
        "UPSTREAM_TIMEOUT_MS must be an integer",
        "TOKEN_CACHE must be one of on | off",
        "REGION_MODE must be one of separate | shared",
        "ISSUER_PRIMARY is not set",
        "JWKS_URL_PRIMARY is not set",
        "JWKS_URL_SECONDARY is not set",
        "VERIFY_AUDIENCE is required for VERIFY_PROFILE=jwt",
        "JWKS_COOLDOWN_S must be an integer in 1..=3600",
        "secret CLIENT_ENC_KEY must be base64 of exactly 32 bytes",
        "secret CLIENT_HASH_KEY is not set",
        "secret HEALTH_TOKEN must be at least 32 characters",
    ];
    assert_eq!(e.len(), want.len(), "{e:#?}");
    for (got, want) in e.iter().zip(want) {
        assert!(got.starts_with(want), "{got:?} should start with {want:?}");
    }
    assert!(e
        .iter()
        .all(|p| !p.contains(&short) && !p.contains("too-short")));
}

#[test]
fn secrets_and_rotation_keys() {
    let old = base64url_encode(&[8u8; 32]);
    let c = read(&[
        ("CLIENT_ENC_KEY_PREVIOUS", &old),
        ("CLIENT_HASH_KEY_PREVIOUS", &old),
        ("HEALTH_TOKEN", "0123456789abcdef0123456789abcdef"),
    ])
    .unwrap();
    assert_eq!(c.secrets.enc.current().bytes, vec![7u8; 32]);
    assert_eq!(c.secrets.enc.previous().unwrap().bytes, vec![8u8; 32]);
    assert_eq!(c.secrets.hash.previous().unwrap().bytes, vec![8u8; 32]);
    assert_eq!(c.secrets.hash.current().bytes.len(), 40);
    assert!(c.secrets.health_token.is_some());
    // A cache key is required only with the cache on.
    assert!(read(&[("TOKEN_CACHE", "on")])
        .unwrap_err()
        .contains(&"secret TOKEN_CACHE_KEY is not set".to_string()));
}

#[test]
fn edge_separate_mode() {
    let c = read_edge(&[]).unwrap();
    let e = c.edge.unwrap();
    assert_eq!(e.mode, RegionMode::Separate);
    assert_eq!((e.profile, e.profile_name()), (Profile::AtJwt, "at_jwt"));
    // Unset: the core's defaults (algorithms chosen by the key, 30 s of clock tolerance).
    assert_eq!(e.algorithms, vec![]);
    assert_eq!(e.clock_tolerance, oidc_edge::DEFAULT_CLOCK_TOLERANCE);
    assert_eq!(e.key_policy, KeyCachePolicy::default());
    assert!(e.protect.is_none());
}

#[test]
fn edge_mode_is_never_guessed() {
    assert!(problems(&[("REGION_MODE", "")])[0].starts_with("REGION_MODE is not set"));
    assert!(
        problems(&[("ISSUER_SECONDARY", "https://p.example/pool")])[0]
            .contains("that is REGION_MODE=shared")
    );
    assert!(problems(&[("ISSUER_SECONDARY", "")])[0].contains("ISSUER_SECONDARY is not set"));
    let e = read_edge(&[("REGION_MODE", "shared"), ("ISSUER_SECONDARY", "")])
        .unwrap()
        .edge
        .unwrap();
    assert_eq!(e.mode, RegionMode::Shared);
    assert_eq!(e.issuer_primary, e.issuer_secondary);
    assert!(problems(&[("REGION_MODE", "shared")])[0].contains("one issuer"));
}

#[test]
fn edge_profiles_algorithms_and_urls() {
    assert!(problems(&[("VERIFY_AUDIENCE", "")])[0].contains("VERIFY_AUDIENCE"));
    let e = read_edge(&[
        ("VERIFY_PROFILE", "cognito_access"),
        ("VERIFY_AUDIENCE", ""),
    ])
    .unwrap()
    .edge
    .unwrap();
    assert_eq!(e.profile, Profile::CognitoAccess);
    // Unset: the API case, `jwt`, which needs the audience too.
    let e = read_edge(&[("VERIFY_PROFILE", "")]).unwrap().edge.unwrap();
    assert_eq!((e.profile, e.profile_name()), (Profile::Jwt, "jwt"));
    assert!(
        problems(&[("VERIFY_PROFILE", "jwt"), ("VERIFY_AUDIENCE", "")])[0]
            .contains("VERIFY_AUDIENCE is required for VERIFY_PROFILE=jwt")
    );
    for bad in ["id_token", "AT_JWT", "x"] {
        assert!(read_edge(&[("VERIFY_PROFILE", bad)]).is_err(), "{bad}");
    }
    let e = read_edge(&[
        ("VERIFY_ALGORITHMS", "RS256, PS256"),
        ("VERIFY_AUDIENCE", "a, b c"),
    ])
    .unwrap()
    .edge
    .unwrap();
    assert_eq!(e.algorithms, vec![Algorithm::RS256, Algorithm::PS256]);
    assert_eq!(e.audience, vec!["a", "b", "c"]);
    assert!(read_edge(&[("VERIFY_ALGORITHMS", "HS256")]).is_err());
    let e = read_edge(&[("VERIFY_ALGORITHMS", "ES256 ES384 EdDSA Ed25519")])
        .unwrap()
        .edge
        .unwrap();
    assert_eq!(
        e.algorithms,
        vec![
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::EdDSA,
            Algorithm::Ed25519
        ]
    );
    assert!(problems(&[("DPOP_NONCE_WINDOW_S", "5")])[0].starts_with("DPOP_NONCE_WINDOW_S"));
    assert!(
        problems(&[("JWKS_URL_PRIMARY", "http://p.example/jwks")])[0]
            .starts_with("JWKS_URL_PRIMARY")
    );
    assert!(read_edge(&[("JWKS_URL_PRIMARY", "http://127.0.0.1:9/jwks")]).is_ok());
}

#[test]
fn key_policy_numbers_and_the_cooldown_floor() {
    let e = read_edge(&[("JWKS_COOLDOWN_S", "2"), ("JWKS_TIMEOUT_MS", "1500")])
        .unwrap()
        .edge
        .unwrap();
    assert_eq!((e.key_policy.cooldown, e.key_policy.timeout_ms), (2, 1500));
    assert!(read_edge(&[("JWKS_TIMEOUT_MS", "0")]).is_err());
    assert_eq!(
        problems(&[("JWKS_COOLDOWN_S", "0")]),
        ["JWKS_COOLDOWN_S must be an integer in 1..=3600"]
    );
}

#[test]
fn protected_route() {
    let key = base64url_encode(&[5u8; 32]);
    let next = base64url_encode(&[6u8; 32]);
    let c = read_edge(&[
        ("PROTECT_ORIGIN", "http://127.0.0.1:8999/"),
        ("REQUIRED_SCOPES", "api:read api:write"),
        ("ALLOWED_CLIENTS", "oe_a,oe_b"),
        ("ORIGIN_SIGNING_KEY", &key),
        ("ORIGIN_SIGNING_KEY_NEXT", &next),
    ])
    .unwrap();
    let p = c.protect().unwrap();
    assert_eq!(p.origin, "http://127.0.0.1:8999");
    assert_eq!(p.origin_host, "127.0.0.1:8999");
    assert_eq!(p.prefix, "/api/");
    assert_eq!(p.required_scopes, vec!["api:read", "api:write"]);
    assert_eq!(p.allowed_clients, vec!["oe_a", "oe_b"]);
    assert!(
        !p.forward_token,
        "the bearer token is not forwarded by default"
    );
    assert_eq!(c.secrets.origin_keys, vec![vec![5u8; 32], vec![6u8; 32]]);
    // The signing key is required with a protected route.
    assert_eq!(
        problems(&[("PROTECT_ORIGIN", "https://origin.example")]),
        ["secret ORIGIN_SIGNING_KEY is not set"]
    );
    for (name, v) in [
        ("PROTECT_ORIGIN", "http://origin.example"),
        ("PROTECT_ORIGIN", "https://origin.example/path"),
        ("PROTECT_PREFIX", "api"),
        ("PROTECT_PREFIX", "/"),
        ("PROTECT_PREFIX", "/.well-known/"),
        ("PROTECT_PREFIX", "/verify/"),
        ("PROTECT_PREFIX", "/oauth2/"),
        ("PROTECT_FORWARD_TOKEN", "yes"),
    ] {
        let vars = [
            ("PROTECT_ORIGIN", "https://origin.example"),
            ("ORIGIN_SIGNING_KEY", key.as_str()),
            (name, v),
        ];
        assert!(read_edge(&vars).is_err(), "{name}={v}");
    }
    let c = read_edge(&[
        ("PROTECT_ORIGIN", "https://Origin.Example:8443"),
        ("ORIGIN_SIGNING_KEY", &key),
        ("PROTECT_FORWARD_TOKEN", "on"),
    ])
    .unwrap();
    let p = c.protect().unwrap();
    assert!(p.forward_token);
    assert_eq!(p.origin_host, "origin.example:8443");
}
