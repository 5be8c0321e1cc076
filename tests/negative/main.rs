//! A negative test for every error kind the core produces (kind, code and claim asserted),
//! the boundaries of every time check, the order of checks, profiles, trust sets, caller
//! misuse (`ConfigError`) and the split API.

#[path = "../mint/mod.rs"]
mod mint;

mod access;
mod claims;
mod config;
mod curves;
mod dpop;
mod header;
mod issuers;
mod keys;
mod order;
mod payload;
mod profiles;
mod request;
mod seam;
mod signature;
mod structure;
mod time;
mod trust;

use mint::{b64, CLIENT, ISS, NOW};
use mint::{claims, header, id_token, jwk_json, jwks, mint, mint_raw, options, verifier, with};
use oidc_edge::signature::SignatureVerifier;
use oidc_edge::PublicKey;
use oidc_edge::{
    Algorithm, Error, ErrorKind, JwkSet, Profile, TrustSet, TrustedIssuer, Verifier, VerifyOptions,
};
use serde_json::{json, Value};

fn keys() -> JwkSet {
    jwks(&mint::KEY_NAMES)
}

fn err_at(o: VerifyOptions, token: &str, now: i64) -> Error {
    verifier(o).verify(token, &keys(), now).unwrap_err()
}

fn err(o: VerifyOptions, token: &str) -> Error {
    err_at(o, token, NOW)
}

#[track_caller]
fn check(e: &Error, kind: ErrorKind, code: &str, claim: Option<&str>) {
    assert_eq!(e.kind(), kind, "{e}");
    assert_eq!(e.code(), code, "{e}");
    assert_eq!(e.claim(), claim, "{e}");
    assert_eq!(e.kind().as_str(), format!("{}", e.kind()));
}

/// A claim check refuses `token` under `o` at NOW: `kind`, the claim-validation code, `claim`.
fn refused(o: VerifyOptions, token: &str, kind: ErrorKind, claim: &str) {
    check(&err(o, token), kind, CLAIM_FAILED, Some(claim));
}

/// A token signed with `test-a` whose header carries `typ` (none when `None`).
fn typed(c: &Value, typ: Option<&str>) -> String {
    let mut h = header("test-a");
    if let Some(typ) = typ {
        h["typ"] = json!(typ);
    }
    mint(Algorithm::RS256, "test-a", &h, c)
}

/// An access-token profile for issuer ISS and one audience.
fn access_options(profile: Profile, audience: &str) -> VerifyOptions {
    VerifyOptions {
        profile,
        issuer: vec![ISS.into()],
        audience: vec![audience.into()],
        ..VerifyOptions::default()
    }
}

/// `token` is valid under `o` at `last` and refused one second later with `kind`, `code` and
/// `claim`: a time boundary, tested on both sides.
fn valid_until(o: VerifyOptions, token: &str, last: i64, kind: ErrorKind, code: &str, claim: &str) {
    ok(o.clone(), token, last);
    check(&err_at(o, token, last + 1), kind, code, Some(claim));
}

/// `o` with a clock tolerance of `seconds`.
fn tolerant(o: &VerifyOptions, seconds: u64) -> VerifyOptions {
    VerifyOptions {
        clock_tolerance: seconds,
        ..o.clone()
    }
}

const CLAIM_FAILED: &str = "ERR_JWT_CLAIM_VALIDATION_FAILED";

/// `alg_not_allowed` with jose's code, about `alg`.
#[track_caller]
fn check_alg_not_allowed(e: &Error) {
    check(
        e,
        ErrorKind::AlgNotAllowed,
        "ERR_JOSE_ALG_NOT_ALLOWED",
        Some("alg"),
    );
}

fn ok(o: VerifyOptions, token: &str, now: i64) {
    if let Err(e) = verifier(o).verify(token, &keys(), now) {
        panic!("expected valid, got {e}");
    }
}

#[test]
fn valid_token_verifies() {
    let t = id_token(&claims());
    let v = verifier(options()).verify(&t, &keys(), NOW).unwrap();
    assert_eq!(v.claims.sub.as_deref(), Some("user-1"));
    assert_eq!(v.header["kid"], "test-a");
}
