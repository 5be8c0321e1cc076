//! The core against a real OpenID provider (`oidc-provider`, OpenID Certified), started by
//! `node tests/support/cli.mjs serve` on 127.0.0.1: real ID tokens (authorization code flow,
//! scripted login) and real RFC 9068 `at+jwt` client_credentials tokens, verified with the
//! keys the provider publishes.
//!
//! A resource server's view too: the client_credentials tokens verified with the generic `jwt`
//! access-token profile, with required scopes.
//!
//! Providers that sign with EC (ES256) and Ed25519 (EdDSA) keys too: their ID tokens and access
//! tokens verify with the default allow-list (each key's own algorithm).
//!
//! Needs `node` and the root `node_modules` (`npm ci`). It never skips: without them it fails
//! and says so (the harness is `tests/provider/`).

mod mint;
mod provider;

use oidc_edge::{
    Algorithm, ErrorKind, JwkSet, Profile, Verifier, VerifyOptions, DEFAULT_CLOCK_TOLERANCE,
};
use provider::{assert_refused, num, providers, providers_with_config};
use serde_json::{json, Value};

const API_AUDIENCE: &str = "https://api.example.test";

fn id_token_verifier(issuer: &str, client_id: &str, nonce: &str) -> Verifier {
    Verifier::new(VerifyOptions {
        issuer: vec![issuer.to_owned()],
        client_ids: vec![client_id.to_owned()],
        nonce: Some(nonce.to_owned()),
        ..VerifyOptions::default()
    })
    .expect("valid options")
}

/// An API's verifier: `profile`, one issuer, one audience, optional clients and scopes.
fn api_verifier(
    profile: Profile,
    issuer: &str,
    audience: &str,
    client_ids: Vec<String>,
    scopes: &[&str],
) -> Verifier {
    Verifier::new(VerifyOptions {
        profile,
        issuer: vec![issuer.to_owned()],
        audience: vec![audience.to_owned()],
        client_ids,
        required_scopes: scopes.iter().map(|s| s.to_string()).collect(),
        ..VerifyOptions::default()
    })
    .expect("valid options")
}

fn at_jwt_verifier(issuer: &str) -> Verifier {
    api_verifier(Profile::AtJwt, issuer, API_AUDIENCE, vec![], &[])
}

/// A real ID token of `region` (code flow, scripted login) with `nonce`: the token, its claims,
/// the region's keys, and the verifier of that region's relying party.
fn login(p: &provider::Providers, region: &str, nonce: &str) -> (String, Value, JwkSet, Verifier) {
    let (token, claims) = p.id_token(region, nonce);
    let client = p.client(region, "authorizationCode");
    let v = id_token_verifier(&p.issuer(region), &client, nonce);
    (token, claims, p.keys(region), v)
}

// ---------------------------------------------------------------------------------------------

#[test]
fn id_token_from_each_region_is_valid_as_issued() {
    let p = providers();
    for region in ["primary", "secondary"] {
        let nonce = format!("nonce-{region}-1");
        let (token, claims) = p.id_token(region, &nonce);
        let keys = p.keys(region);
        let issuer = p.issuer(region);
        let client = p.client(region, "authorizationCode");
        let v = id_token_verifier(&issuer, &client, &nonce);
        let now = num(&claims, "iat");
        let verified = v
            .verify(&token, &keys, now)
            .unwrap_or_else(|e| panic!("{region}: a real ID token must verify: {e}"));
        assert_eq!(verified.header["alg"], "RS256");
        assert_eq!(verified.header["kid"], p.region(region)["kid"]);
        assert_eq!(verified.claims.nonce.as_deref(), Some(nonce.as_str()));
        assert_eq!(verified.claims.iss.as_deref(), Some(issuer.as_str()));
        assert_eq!(verified.claims.sub.as_deref(), Some("user-1234"));
        // also valid a little before expiry
        let exp = num(&claims, "exp");
        v.verify(&token, &keys, exp - 1)
            .expect("valid until exp - 1");
    }
}

#[test]
fn id_token_any_single_byte_change_is_rejected() {
    let p = providers();
    let (token, claims, keys, v) = login(&p, "primary", "nonce-tamper");
    let now = num(&claims, "iat");
    v.verify(&token, &keys, now)
        .expect("untouched token verifies");

    let bytes = token.as_bytes();
    let mut kinds = std::collections::BTreeMap::<&'static str, usize>::new();
    let mut checked = 0usize;
    for i in 0..bytes.len() {
        // every position with a base64url substitute; every 7th also with characters that are
        // not base64url at all
        let mut subs = vec![if bytes[i] == b'A' { b'B' } else { b'A' }];
        if i % 7 == 0 {
            subs.extend_from_slice(b"*=. ");
        }
        for s in subs {
            if s == bytes[i] {
                continue;
            }
            let mut t = bytes.to_vec();
            t[i] = s;
            let t = String::from_utf8(t).expect("ASCII");
            match v.verify(&t, &keys, now) {
                Ok(_) => panic!(
                    "changing byte {i} ({:?} -> {:?}) still verified",
                    bytes[i] as char, s as char
                ),
                Err(e) => *kinds.entry(e.kind().as_str()).or_default() += 1,
            }
            checked += 1;
        }
    }
    assert!(checked > bytes.len());
    eprintln!(
        "{checked} single-byte changes of a {}-byte ID token, all rejected: {kinds:?}",
        bytes.len()
    );
}

#[test]
fn id_token_wrong_nonce_is_nonce_mismatch() {
    let p = providers();
    let (token, claims) = p.id_token("primary", "the-real-nonce");
    let keys = p.keys("primary");
    let v = id_token_verifier(
        &p.issuer("primary"),
        &p.client("primary", "authorizationCode"),
        "another-nonce",
    );
    let now = num(&claims, "iat");
    assert_refused(v.verify(&token, &keys, now), ErrorKind::NonceMismatch);
}

#[test]
fn id_token_for_another_client_is_aud_mismatch() {
    let p = providers();
    let nonce = "nonce-aud";
    let (token, claims) = p.id_token("primary", nonce);
    let keys = p.keys("primary");
    let now = num(&claims, "iat");
    // the secondary region's client id (same logical application, other region)
    let other = p.client("secondary", "authorizationCode");
    let v = id_token_verifier(&p.issuer("primary"), &other, nonce);
    assert_refused(v.verify(&token, &keys, now), ErrorKind::AudMismatch);
    // and the machine client of the same region is not the relying party either
    let v = id_token_verifier(
        &p.issuer("primary"),
        &p.client("primary", "clientCredentials"),
        nonce,
    );
    assert_refused(v.verify(&token, &keys, now), ErrorKind::AudMismatch);
}

#[test]
fn id_token_at_exp_is_expired() {
    let p = providers();
    let (token, claims, keys, v) = login(&p, "secondary", "nonce-exp");
    let exp = num(&claims, "exp");
    // The default clock tolerance (30 s) keeps it valid until exp + 30.
    let tol = DEFAULT_CLOCK_TOLERANCE as i64;
    v.verify(&token, &keys, exp + tol - 1)
        .expect("valid within the clock tolerance");
    assert_refused(v.verify(&token, &keys, exp + tol), ErrorKind::Expired);
    assert_refused(v.verify(&token, &keys, exp + 3600), ErrorKind::Expired);
}

#[test]
fn regions_do_not_trust_each_other() {
    let p = providers();
    let nonce = "nonce-cross";
    let (token, claims) = p.id_token("primary", nonce);
    let now = num(&claims, "iat");
    let client = p.client("primary", "authorizationCode");
    // the secondary's keys do not know the primary's kid
    let v = id_token_verifier(&p.issuer("primary"), &client, nonce);
    assert_refused(
        v.verify(&token, &p.keys("secondary"), now),
        ErrorKind::KeyNotFound,
    );
    // with the right keys but the secondary's issuer expected
    let v = id_token_verifier(&p.issuer("secondary"), &client, nonce);
    assert_refused(
        v.verify(&token, &p.keys("primary"), now),
        ErrorKind::IssMismatch,
    );
}

#[test]
fn client_credentials_at_jwt_is_valid_with_the_at_jwt_profile() {
    let p = providers();
    for region in ["primary", "secondary"] {
        let (token, header, claims) = p.cc_token(region);
        assert_eq!(
            header["typ"], "at+jwt",
            "{region}: the provider issues RFC 9068 tokens"
        );
        let keys = p.keys(region);
        let v = at_jwt_verifier(&p.issuer(region));
        let now = num(&claims, "iat");
        let verified = v
            .verify(&token, &keys, now)
            .unwrap_or_else(|e| panic!("{region}: a real at+jwt must verify: {e}"));
        assert_eq!(verified.header["typ"], "at+jwt");
        assert_eq!(
            claims["client_id"],
            Value::String(p.client(region, "clientCredentials"))
        );
        assert_refused(
            v.verify(
                &token,
                &keys,
                num(&claims, "exp") + DEFAULT_CLOCK_TOLERANCE as i64,
            ),
            ErrorKind::Expired,
        );

        // restricted to the region's machine client: fine; to another client: rejected
        let only = |ids: Vec<String>| {
            api_verifier(Profile::AtJwt, &p.issuer(region), API_AUDIENCE, ids, &[])
        };
        only(vec![p.client(region, "clientCredentials")])
            .verify(&token, &keys, now)
            .expect("own client");
        assert!(only(vec!["someone-else".to_owned()])
            .verify(&token, &keys, now)
            .is_err());
        // another resource server
        let other_api = api_verifier(
            Profile::AtJwt,
            &p.issuer(region),
            "https://other.example.test",
            vec![],
            &[],
        );
        assert_refused(other_api.verify(&token, &keys, now), ErrorKind::AudMismatch);
    }
}

#[test]
fn client_credentials_at_jwt_is_invalid_typ_as_an_id_token() {
    let p = providers();
    let (token, _header, claims) = p.cc_token("primary");
    let keys = p.keys("primary");
    let client = p.client("primary", "clientCredentials");
    let v = Verifier::new(VerifyOptions {
        profile: Profile::IdToken,
        issuer: vec![p.issuer("primary")],
        client_ids: vec![client],
        ..VerifyOptions::default()
    })
    .expect("valid options");
    let now = num(&claims, "iat");
    assert_refused(v.verify(&token, &keys, now), ErrorKind::InvalidTyp);

    // and the other way round: an ID token is not an access token
    let (id_token, id_claims) = p.id_token("primary", "nonce-typ");
    let at = at_jwt_verifier(&p.issuer("primary"));
    let now = num(&id_claims, "iat");
    assert_refused(at.verify(&id_token, &keys, now), ErrorKind::InvalidTyp);
}

#[test]
fn key_rotation_new_kid_needs_the_new_key_set() {
    let p = providers();
    // the only test that rotates, and only the secondary (keepOld: the old key stays published,
    // so tokens other tests fetch concurrently keep verifying against a later JWKS)
    let before_text = p.jwks_text("secondary");
    let before = JwkSet::from_json(&before_text).expect("JWKS");
    let rot = p.post("/rotate", json!({ "region": "secondary", "keepOld": true }));
    let new_kid = rot["kid"].as_str().expect("kid").to_owned();
    assert_ne!(Some(new_kid.as_str()), rot["previousKid"].as_str());

    let (token, claims, after, v) = login(&p, "secondary", "nonce-rotated");
    let now = num(&claims, "iat");
    assert!(after.len() > before.len(), "old key kept, new key added");
    let verified = v
        .verify(&token, &after, now)
        .expect("verifies with the new key set");
    assert_eq!(verified.header["kid"], Value::String(new_kid));
    assert_refused(v.verify(&token, &before, now), ErrorKind::KeyNotFound);
}

#[test]
fn resource_server_accepts_client_credentials_tokens_with_the_jwt_profile() {
    let p = providers();
    for region in ["primary", "secondary"] {
        let (token, header, claims) = p.cc_token_with(region, json!({ "scope": "api:read" }));
        assert_eq!(claims["scope"], "api:read", "{region}: the granted scope");
        let keys = p.keys(region);
        let now = num(&claims, "iat");
        let api = |scopes: &[&str], clients: Vec<String>| {
            api_verifier(
                Profile::Jwt,
                &p.issuer(region),
                API_AUDIENCE,
                clients,
                scopes,
            )
        };
        // The natural call of an API: issuer, audience, the scope the route needs.
        let verified = api(&["api:read"], vec![])
            .verify(&token, &keys, now)
            .unwrap_or_else(|e| panic!("{region}: {e}"));
        assert_eq!(verified.header["typ"], header["typ"]);
        // The client is read from client_id; another client is refused.
        let own = p.client(region, "clientCredentials");
        api(&["api:read"], vec![own])
            .verify(&token, &keys, now)
            .expect("own client");
        let e = api(&[], vec!["someone-else".into()])
            .verify(&token, &keys, now)
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.claim()),
            (ErrorKind::AudMismatch, Some("client_id"))
        );
        // A scope the client was not granted: 403, insufficient_scope.
        let e = api(&["api:write"], vec![])
            .verify(&token, &keys, now)
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.claim()),
            (ErrorKind::InsufficientScope, Some("scope"))
        );
        assert_eq!(e.kind().http_status(), 403);
        // The same token with the RFC 9068 profile and a required scope.
        let at = api_verifier(
            Profile::AtJwt,
            &p.issuer(region),
            API_AUDIENCE,
            vec![],
            &["api:read"],
        );
        at.verify(&token, &keys, now)
            .expect("at_jwt with the scope");
        // Another region's issuer is not this one's.
        let other = if region == "primary" {
            "secondary"
        } else {
            "primary"
        };
        let e = api_verifier(Profile::Jwt, &p.issuer(other), API_AUDIENCE, vec![], &[])
            .verify(&token, &keys, now)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IssMismatch);
    }
}

/// A region that signs ID tokens and access tokens with one committed test key (every client
/// names the key's algorithm: oidc-provider refuses client metadata its keys cannot serve).
fn signing_region(kid: &str, alg: &str) -> Value {
    let metadata = json!({ "metadata": { "id_token_signed_response_alg": alg } });
    json!({
        "keys": [mint::with(mint::private_jwk(kid), json!({ "alg": alg }))],
        "clients": {
            "authorizationCode": metadata,
            "clientCredentials": metadata,
            "clientCredentialsPost": metadata,
        },
        "resourceServer": { "jwt": { "sign": { "alg": alg } } },
    })
}

#[test]
fn ec_and_eddsa_signing_keys_id_and_access_tokens() {
    let p = providers_with_config(&json!({
        "proxies": false,
        "regions": {
            "es256": signing_region("test-p256", "ES256"),
            "eddsa": signing_region("test-ed25519", "EdDSA"),
        },
    }));
    for (region, alg) in [("es256", Algorithm::ES256), ("eddsa", Algorithm::EdDSA)] {
        let keys = p.keys(region);
        assert_eq!(
            keys.len(),
            1,
            "{region}: the provider publishes its one key"
        );
        assert!(keys.keys()[0].public_key().is_some());
        let issuer = p.issuer(region);
        // ID token: the natural call (no algorithms named) verifies it.
        let nonce = format!("nonce-{region}");
        let (token, claims) = p.id_token(region, &nonce);
        let client = p.client(region, "authorizationCode");
        let now = num(&claims, "iat");
        let v = id_token_verifier(&issuer, &client, &nonce);
        let verified = v
            .verify(&token, &keys, now)
            .unwrap_or_else(|e| panic!("{region}: a real {alg} ID token must verify: {e}"));
        assert_eq!(verified.header["alg"], alg.name());
        assert_eq!(verified.claims.sub.as_deref(), Some("user-1234"));
        // An allow-list without the key's algorithm refuses it; a changed octet too.
        let rs256_only = Verifier::new(VerifyOptions {
            algorithms: vec![Algorithm::RS256],
            ..v.options().clone()
        })
        .unwrap();
        assert_refused(
            rs256_only.verify(&token, &keys, now),
            ErrorKind::AlgNotAllowed,
        );
        let tampered = mint::corrupt_signature(&token);
        assert_refused(v.verify(&tampered, &keys, now), ErrorKind::BadSignature);
        // The client_credentials access token (RFC 9068), signed with the same key.
        let (at, header, at_claims) = p.cc_token(region);
        assert_eq!(header["alg"], alg.name());
        let at_now = num(&at_claims, "iat");
        at_jwt_verifier(&issuer)
            .verify(&at, &keys, at_now)
            .unwrap_or_else(|e| panic!("{region}: a real {alg} access token must verify: {e}"));
        let resource_server = api_verifier(Profile::Jwt, &issuer, API_AUDIENCE, vec![], &[]);
        resource_server.verify(&at, &keys, at_now).unwrap();
        // Another region's key does not verify it.
        let other = if region == "es256" { "eddsa" } else { "es256" };
        assert_refused(
            at_jwt_verifier(&issuer).verify(&at, &p.keys(other), at_now),
            ErrorKind::KeyNotFound,
        );
    }
}
