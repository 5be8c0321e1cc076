//! The `remote` adapter (feature `remote`) against the real OpenID providers of
//! `tests/provider/`: discovery, remote key sets driven by the key cache policy, key rotation
//! (one refetch), a provider that is down (stale keys served, then `jwks_unavailable`), and a
//! trust set that fetches only the keys of the issuer a token names.
//!
//! Tests here change the providers (rotate keys, take a region down), so they run one at a
//! time (`serial`).

mod provider;

use std::sync::{Mutex, MutexGuard};

use oidc_edge::keycache::KeyCachePolicy;
use oidc_edge::remote::{DiscoveryError, EntryKeys, ProviderMetadata, RemoteJwks, RemoteTrustSet};
use oidc_edge::{ErrorKind, TrustedIssuer, Verifier, VerifyOptions};
use provider::{assert_refused, num, providers, Providers};
use serde_json::{json, Value};

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn verifier(p: &Providers, region: &str, nonce: &str) -> Verifier {
    Verifier::new(VerifyOptions {
        issuer: vec![p.issuer(region)],
        client_ids: vec![p.client(region, "authorizationCode")],
        nonce: Some(nonce.to_owned()),
        ..VerifyOptions::default()
    })
    .expect("valid options")
}

/// The region's key set, a fresh ID token of it, its verifier and its `iat`.
fn region_setup(p: &Providers, region: &str, nonce: &str) -> (RemoteJwks, String, Verifier, i64) {
    let remote = RemoteJwks::new(jwks_uri(p, region)).unwrap();
    let (token, claims) = p.id_token(region, nonce);
    (
        remote,
        token,
        verifier(p, region, nonce),
        num(&claims, "iat"),
    )
}

fn jwks_uri<'a>(p: &'a Providers, region: &str) -> &'a str {
    p.region(region)["jwksUri"].as_str().expect("jwksUri")
}

/// JWKS requests that reached the region's provider since the last reset.
fn jwks_fetches(p: &Providers, region: &str) -> u64 {
    let url = format!("{}/stats?region={region}", p.control_url());
    let r = provider::http("GET", &url, None);
    let v: Value = serde_json::from_str(&r.body).expect("stats JSON");
    v["counts"]["jwks"].as_u64().unwrap_or(0)
}

fn reset_fetches(p: &Providers, region: &str) {
    let url = format!("{}/stats?region={region}", p.control_url());
    provider::http("DELETE", &url, None);
}

fn set_down(p: &Providers, region: &str, mode: Option<&str>) {
    let body = match mode {
        Some(mode) => json!({ "region": region, "down": true, "mode": mode }),
        None => json!({ "region": region, "down": false }),
    };
    p.post("/down", body);
}

#[test]
fn discovery_finds_the_key_set_and_verifies() {
    let _one = serial();
    let p = providers();
    let issuer = p.issuer("primary");
    let metadata = ProviderMetadata::discover(&issuer).expect("discovery");
    assert_eq!(metadata.issuer, issuer);
    assert_eq!(
        metadata.jwks_uri,
        p.region("primary")["jwksUri"].as_str().unwrap()
    );
    let remote = RemoteJwks::discover(&issuer).expect("discovery");
    let (token, claims) = p.id_token("primary", "n-discover");
    let v = verifier(&p, "primary", "n-discover");
    let verified = remote
        .verify(&v, &token, num(&claims, "iat"))
        .expect("verifies with the discovered keys");
    assert_eq!(verified.claims.iss.as_deref(), Some(issuer.as_str()));
}

#[test]
fn discovery_issuer_must_equal_the_configured_one() {
    let _one = serial();
    let p = providers();
    // A trailing slash is dropped to find the document, whose issuer then differs: the
    // configuration is wrong, not the keys.
    let with_slash = format!("{}/", p.issuer("primary"));
    match RemoteJwks::discover(&with_slash) {
        Err(DiscoveryError::Config(e)) => assert!(e.message().contains("another issuer")),
        other => panic!("expected a configuration error, got {other:?}"),
    }
    // The other region's document under this region's name.
    let other_doc = format!("{}/.well-known/openid-configuration", p.issuer("secondary"));
    assert!(matches!(
        ProviderMetadata::discover_at(&other_doc, &p.issuer("primary")),
        Err(DiscoveryError::Config(_))
    ));
    // Plain http to anything but loopback is refused before any request.
    assert!(matches!(
        RemoteJwks::discover("http://op.example.test"),
        Err(DiscoveryError::Config(_))
    ));
    assert!(RemoteJwks::new("http://op.example.test/jwks").is_err());
    // A provider that does not answer: unavailable, not a configuration error.
    set_down(&p, "primary", Some("refuse"));
    let down = RemoteJwks::discover(&p.issuer("primary"));
    set_down(&p, "primary", None);
    match down {
        Err(DiscoveryError::Unavailable(e)) => assert_eq!(e.kind(), ErrorKind::JwksUnavailable),
        other => panic!("expected unavailable, got {other:?}"),
    }
}

#[test]
fn key_rotation_refetches_once_per_cooldown() {
    let (_one, p, region) = (serial(), providers(), "secondary");
    let (remote, token, v1, t0) = region_setup(&p, region, "n-rot-1");
    reset_fetches(&p, region);
    remote.verify(&v1, &token, t0).expect("first token");
    remote
        .verify(&v1, &token, t0 + 1)
        .expect("served from the cache");
    assert_eq!(jwks_fetches(&p, region), 1, "one fetch for two tokens");

    // The provider rotates and drops the old key; its new tokens carry an unknown kid.
    p.post("/rotate", json!({ "region": region, "keepOld": false }));
    let (rotated, _) = p.id_token(region, "n-rot-2");
    let v2 = verifier(&p, region, "n-rot-2");
    // Within the 30 s cooldown of the last fetch, an unknown kid does not refetch.
    assert_refused(
        remote.verify(&v2, &rotated, t0 + 10),
        ErrorKind::KeyNotFound,
    );
    assert_eq!(jwks_fetches(&p, region), 1);
    // After it, one refetch finds the new key; the next tokens use the new set.
    remote
        .verify(&v2, &rotated, t0 + 31)
        .expect("after one refetch");
    remote.verify(&v2, &rotated, t0 + 32).expect("cached again");
    assert_eq!(jwks_fetches(&p, region), 2, "exactly one refetch");
    // The old key is gone from the new set at once.
    assert_refused(remote.verify(&v1, &token, t0 + 33), ErrorKind::KeyNotFound);
}

#[test]
fn provider_down_serves_stale_keys_then_jwks_unavailable() {
    let (_one, p, region) = (serial(), providers(), "primary");
    let (remote, token, v, t0) = region_setup(&p, region, "n-down");
    remote.verify(&v, &token, t0).expect("keys fetched");
    set_down(&p, region, Some("refuse"));
    // Past the set's lifetime (600 s), the refresh fails and the previous keys are served.
    let stale = remote.verify(&v, &token, t0 + 601);
    // Past the stale limit (1 h after the lifetime), nothing usable is left.
    let gone = remote.keys(t0 + 600 + 3600 + 31, None);
    set_down(&p, region, None);
    stale.expect("stale keys serve while the provider is down");
    assert_eq!(gone.unwrap_err().kind(), ErrorKind::JwksUnavailable);
    // Back up: the next fetch (after the cooldown) recovers.
    remote
        .keys(t0 + 600 + 3600 + 62, None)
        .expect("keys again once the provider answers");
}

#[test]
fn provider_that_hangs_is_jwks_timeout() {
    let _one = serial();
    let p = providers();
    let region = "primary";
    let policy = KeyCachePolicy {
        timeout_ms: 500,
        ..KeyCachePolicy::default()
    };
    let remote = RemoteJwks::with_policy(jwks_uri(&p, region), policy).unwrap();
    set_down(&p, region, Some("hang"));
    let r = remote.keys(1_767_225_600, None);
    set_down(&p, region, None);
    assert_eq!(r.unwrap_err().kind(), ErrorKind::JwksTimeout);
}

#[test]
fn trust_set_fetches_only_the_named_issuers_keys() {
    let _one = serial();
    let p = providers();
    let entry = |region: &str| {
        (
            TrustedIssuer {
                issuer: vec![p.issuer(region)],
                client_ids: vec![p.client(region, "authorizationCode")],
                ..TrustedIssuer::default()
            },
            EntryKeys::Remote(RemoteJwks::new(jwks_uri(&p, region)).unwrap()),
        )
    };
    let ts = RemoteTrustSet::new(
        VerifyOptions::default(),
        vec![entry("primary"), entry("secondary")],
    )
    .unwrap();
    reset_fetches(&p, "primary");
    reset_fetches(&p, "secondary");
    let (token, claims) = p.id_token("secondary", "n-trust");
    let verified = ts
        .verify(&token, num(&claims, "iat"))
        .expect("secondary token");
    assert_eq!(verified.issuer_index, 1);
    assert_eq!(jwks_fetches(&p, "secondary"), 1);
    assert_eq!(
        jwks_fetches(&p, "primary"),
        0,
        "the primary's keys were not needed"
    );
    // A token of an unknown issuer fetches nothing at all.
    let (primary_token, primary_claims) = p.id_token("primary", "n-trust-2");
    let only_secondary =
        RemoteTrustSet::new(VerifyOptions::default(), vec![entry("secondary")]).unwrap();
    assert_refused(
        only_secondary.verify(&primary_token, num(&primary_claims, "iat")),
        ErrorKind::IssMismatch,
    );
    assert_eq!(jwks_fetches(&p, "primary"), 0);
}

/// One key set or trust set serves every thread of a service.
#[test]
fn remote_key_sets_are_shared_across_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<RemoteJwks>();
    shared::<RemoteTrustSet>();
}
