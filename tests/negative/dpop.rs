//! DPoP (RFC 9449): every `dpop_invalid` part of a proof, nonces, replays, and the binding of
//! an access token (`cnf.jkt`) to the proof's key through `VerifyOptions::dpop_jkt`.

use super::*;
use mint::{bare_jwk, dpop_proof, proof_claims, RESOURCE};
use oidc_edge::base64url;
use oidc_edge::dpop::{self, DpopNonce, DpopOptions, DpopProof, NonceIssuer, ReplayCache};

const INVALID: &str = "ERR_DPOP_INVALID";

fn request() -> DpopOptions {
    DpopOptions {
        method: "GET".into(),
        url: RESOURCE.into(),
        ..DpopOptions::default()
    }
}

/// A proof by test-p256 for the request, with claim changes (see [`with`]).
fn proof(changes: Value) -> String {
    dpop_proof(
        Algorithm::ES256,
        "test-p256",
        json!({}),
        &with(proof_claims(), changes),
    )
}

/// A proof by test-p256 for the request, with header changes (see [`with`]).
fn with_header(changes: Value) -> String {
    dpop_proof(Algorithm::ES256, "test-p256", changes, &proof_claims())
}

fn verify(p: &str, o: &DpopOptions) -> Result<DpopProof, Error> {
    dpop::verify_proof(p, o, NOW)
}

#[track_caller]
fn refused(p: &str, o: &DpopOptions, claim: Option<&str>) {
    let e = verify(p, o).unwrap_err();
    check(&e, ErrorKind::DpopInvalid, INVALID, claim);
    assert_eq!(e.kind().http_status(), 401);
    assert_eq!(e.check(), oidc_edge::Check::Sender);
    assert_eq!(e.reason(), Some("check_failed"));
}

fn jkt(kid: &str) -> String {
    b64(&oidc_edge::Jwk::from_value(&jwk_json(kid))
        .thumbprint()
        .unwrap())
}

#[test]
fn a_valid_proof_for_every_algorithm() {
    for alg in Algorithm::ALL {
        let kid = mint::signer(alg);
        let p = dpop_proof(alg, kid, json!({}), &proof_claims());
        let ok = verify(&p, &request()).unwrap();
        assert_eq!(ok.jkt, jkt(kid), "{alg}");
        assert_eq!(ok.jti, "jti-1");
        assert_eq!((ok.iat, ok.expires_at), (NOW, NOW + 60 + 30));
        assert_eq!(ok.header["jwk"], bare_jwk(kid));
    }
}

#[test]
fn structure_typ_alg_and_crit() {
    for bad in [
        "",
        "a.b",
        "a.b.c",
        "e30.e30",
        "e30.e30.e30.",
        &"x".repeat(9000),
    ] {
        refused(bad, &request(), None);
    }
    for typ in [json!("JWT"), json!("at+jwt"), json!(null), json!(1)] {
        let p = with_header(json!({"typ": typ}));
        refused(&p, &request(), Some("typ"));
    }
    // typ is a media type: case-insensitive, `application/` optional (RFC 7515 4.1.9).
    for typ in ["DPoP+JWT", "application/dpop+jwt"] {
        let p = with_header(json!({"typ": typ}));
        verify(&p, &request()).unwrap();
    }
    for alg in [
        json!("none"),
        json!("HS256"),
        json!("ES512"),
        json!(null),
        json!(7),
    ] {
        let p = with_header(json!({"alg": alg}));
        refused(&p, &request(), Some("alg"));
    }
    // The caller's allow-list.
    let only_eddsa = DpopOptions {
        algorithms: vec![Algorithm::EdDSA],
        ..request()
    };
    refused(&proof(json!({})), &only_eddsa, Some("alg"));
    let p = with_header(json!({"crit": ["exp"]}));
    refused(&p, &request(), Some("crit"));
}

#[test]
fn the_header_jwk() {
    let with_jwk = |jwk: Value| with_header(json!({ "jwk": jwk }));
    // Absent, not an object, private members, another kind of key, a point off the curve,
    // use enc, a declared alg that is not the proof's, a weak RSA key.
    let mut off_curve = bare_jwk("test-p256");
    off_curve["y"] = bare_jwk("test-p256")["x"].clone();
    for jwk in [
        json!(null),
        json!("jwk"),
        with(bare_jwk("test-p256"), json!({"d": "AQAB"})),
        with(bare_jwk("test-p256"), json!({"k": "AQAB"})),
        bare_jwk("test-p384"),
        bare_jwk("test-a"),
        off_curve,
        with(bare_jwk("test-p256"), json!({"use": "enc"})),
        with(bare_jwk("test-p256"), json!({"alg": "ES384"})),
    ] {
        refused(&with_jwk(jwk.clone()), &request(), Some("jwk"));
    }
    let weak = dpop_proof(
        Algorithm::RS256,
        "test-weak1024",
        json!({}),
        &proof_claims(),
    );
    refused(&weak, &request(), Some("jwk"));
    // The signer's own key passes.
    verify(&with_jwk(bare_jwk("test-p256")), &request()).unwrap();
}

#[test]
fn signature() {
    let p = proof(json!({}));
    let (input, sig) = p.rsplit_once('.').unwrap();
    let mut raw = base64url::decode(sig.as_bytes()).unwrap();
    raw[10] ^= 1;
    refused(
        &format!("{input}.{}", b64(&raw)),
        &request(),
        Some("signature"),
    );
    refused(
        &format!("{input}.{}", b64(&raw[1..])),
        &request(),
        Some("signature"),
    );
    // Signed by another key than the header's jwk.
    let other = with_header(json!({"jwk": jwk_json_of_p256_twin()}));
    refused(&other, &request(), Some("signature"));
}

/// A valid P-256 public key that is not test-p256's (RFC 7515 A.3's).
fn jwk_json_of_p256_twin() -> Value {
    json!({"kty": "EC", "crv": "P-256",
        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})
}

#[test]
fn payload_htm_and_htu() {
    // A payload that is no JSON object.
    let h = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": bare_jwk("test-p256")});
    let p = mint_raw(Algorithm::ES256, "test-p256", &h.to_string(), "[1]");
    refused(&p, &request(), None);
    for (changes, claim) in [
        (json!({"htm": "POST"}), "htm"),
        (json!({"htm": "get"}), "htm"),
        (json!({"htm": null}), "htm"),
        (json!({"htm": 1}), "htm"),
        (json!({"htu": "https://api.example.test/orders/1"}), "htu"),
        (json!({"htu": "http://api.example.test/orders"}), "htu"),
        (
            json!({"htu": "https://api.example.test:8443/orders"}),
            "htu",
        ),
        (json!({"htu": "https://other.example.test/orders"}), "htu"),
        (json!({"htu": "/orders"}), "htu"),
        (json!({"htu": null}), "htu"),
    ] {
        refused(&proof(changes), &request(), Some(claim));
    }
    // htu is compared without query and fragment, after normalisation.
    for htu in [
        "https://API.example.test/orders",
        "https://api.example.test:443/orders?page=2",
        "https://api.example.test/./orders#x",
        "https://api.example.test/%6Frders",
    ] {
        verify(&proof(json!({ "htu": htu })), &request()).unwrap();
    }
    let with_query = DpopOptions {
        url: format!("{RESOURCE}?id=7"),
        ..request()
    };
    verify(&proof(json!({})), &with_query).unwrap();
    // A request URL that is not an absolute http(s) URL matches nothing.
    let bad_url = DpopOptions {
        url: "/orders".into(),
        ..request()
    };
    refused(&proof(json!({})), &bad_url, Some("htu"));
}

#[test]
fn iat_window_boundaries() {
    // Defaults: 60 s old, 5 s ahead, 30 s tolerance on both sides.
    for (iat, fine) in [
        (NOW - 90, true),
        (NOW - 91, false),
        (NOW + 35, true),
        (NOW + 36, false),
    ] {
        let r = verify(&proof(json!({ "iat": iat })), &request());
        assert_eq!(r.is_ok(), fine, "iat {iat}: {r:?}");
        if !fine {
            refused(&proof(json!({ "iat": iat })), &request(), Some("iat"));
        }
    }
    let strict = DpopOptions {
        max_age: 10,
        max_future: 0,
        clock_tolerance: 0,
        ..request()
    };
    verify(&proof(json!({"iat": NOW - 10})), &strict).unwrap();
    refused(&proof(json!({"iat": NOW - 11})), &strict, Some("iat"));
    refused(&proof(json!({"iat": NOW + 1})), &strict, Some("iat"));
    for iat in [
        json!(null),
        json!("1767225600"),
        json!(1e300),
        json!(-1e300),
        json!(true),
    ] {
        refused(&proof(json!({ "iat": iat })), &request(), Some("iat"));
    }
    // A fractional iat counts by its value; the proof reports whole seconds.
    let ok = verify(&proof(json!({"iat": NOW as f64 - 0.5})), &request()).unwrap();
    assert_eq!(ok.iat, NOW - 1);
}

#[test]
fn jti_and_ath() {
    for jti in [json!(null), json!(""), json!(7)] {
        refused(&proof(json!({ "jti": jti })), &request(), Some("jti"));
    }
    let token = "the-access-token";
    let o = DpopOptions {
        access_token: Some(token.into()),
        ..request()
    };
    refused(&proof(json!({})), &o, Some("ath"));
    refused(&proof(json!({"ath": "x"})), &o, Some("ath"));
    refused(
        &proof(json!({"ath": dpop::access_token_hash("another-token")})),
        &o,
        Some("ath"),
    );
    let good = proof(json!({"ath": dpop::access_token_hash(token)}));
    verify(&good, &o).unwrap();
    // Without an access token (a token request), ath is not looked at.
    verify(&good, &request()).unwrap();
}

#[test]
fn nonces() {
    let key = [42u8; 32];
    let issuer = NonceIssuer::new(&key, 300).unwrap();
    let nonce = issuer.issue(NOW);
    let with_issuer = DpopOptions {
        nonce: Some(DpopNonce::Issuer(issuer.clone())),
        ..request()
    };
    // Missing, from another key, from two windows ago, not a string.
    refused(&proof(json!({})), &with_issuer, Some("nonce"));
    let foreign = NonceIssuer::new(&[7u8; 32], 300).unwrap().issue(NOW);
    refused(
        &proof(json!({ "nonce": foreign })),
        &with_issuer,
        Some("nonce"),
    );
    let stale = issuer.issue(NOW - 600);
    refused(
        &proof(json!({ "nonce": stale })),
        &with_issuer,
        Some("nonce"),
    );
    refused(&proof(json!({"nonce": 1})), &with_issuer, Some("nonce"));
    verify(&proof(json!({ "nonce": nonce })), &with_issuer).unwrap();
    // Another process with the same key accepts it, in this window and the next.
    let twin = DpopOptions {
        nonce: Some(DpopNonce::Issuer(NonceIssuer::new(&key, 300).unwrap())),
        ..request()
    };
    let p = proof(json!({ "nonce": nonce, "iat": NOW + 300 }));
    dpop::verify_proof(&p, &twin, NOW + 300).unwrap();
    // An expected nonce.
    let exact = DpopOptions {
        nonce: Some(DpopNonce::Expected("n-1".into())),
        ..request()
    };
    verify(&proof(json!({"nonce": "n-1"})), &exact).unwrap();
    refused(&proof(json!({"nonce": "n-2"})), &exact, Some("nonce"));
    refused(&proof(json!({})), &exact, Some("nonce"));
}

#[test]
fn replays_are_refused_by_the_cache() {
    let mut cache = ReplayCache::new(100);
    let text = proof(json!({}));
    let p = verify(&text, &request()).unwrap();
    cache.check_and_remember(&p, NOW).unwrap();
    let e = cache.check_and_remember(&p, NOW + 10).unwrap_err();
    check(&e, ErrorKind::DpopInvalid, INVALID, Some("jti"));
    // Another jti, or the same jti from another key, is fine.
    let other = verify(&proof(json!({"jti": "jti-2"})), &request()).unwrap();
    cache.check_and_remember(&other, NOW).unwrap();
    let ed = dpop_proof(Algorithm::EdDSA, "test-ed25519", json!({}), &proof_claims());
    cache
        .check_and_remember(&verify(&ed, &request()).unwrap(), NOW)
        .unwrap();
    // After the proof's lifetime, its entry is gone, and the proof fails its iat check.
    let later = p.expires_at + 1;
    cache.check_and_remember(&p, later).unwrap();
    let e = dpop::verify_proof(&text, &request(), later).unwrap_err();
    check(&e, ErrorKind::DpopInvalid, INVALID, Some("iat"));
    dpop::verify_proof(&text, &request(), p.expires_at).unwrap();
}

/// An access token bound to `cnf`, for the `jwt` profile.
fn bound_token(cnf: Value) -> String {
    let c = json!({"iss": ISS, "sub": "u", "aud": "https://api.example.test", "exp": NOW + 300,
        "iat": NOW, "client_id": CLIENT, "cnf": cnf});
    mint(Algorithm::RS256, "test-a", &header("test-a"), &c)
}

fn jwt_options(dpop_jkt: Option<String>) -> VerifyOptions {
    VerifyOptions {
        profile: Profile::Jwt,
        issuer: vec![ISS.into()],
        audience: vec!["https://api.example.test".into()],
        dpop_jkt,
        ..VerifyOptions::default()
    }
}

#[test]
fn binding_of_the_token_to_the_proof_key() {
    let p256 = jkt("test-p256");
    let token = bound_token(json!({ "jkt": p256 }));
    // The token's proof, with ath tying it to this token.
    let o = DpopOptions {
        access_token: Some(token.clone()),
        ..request()
    };
    let p = proof(json!({"ath": dpop::access_token_hash(&token)}));
    let verified = verify(&p, &o).unwrap();
    ok(jwt_options(Some(verified.jkt.clone())), &token, NOW);
    // No proof: dpop_required. A proof of another key: dpop_invalid (cnf).
    check(
        &err(jwt_options(None), &token),
        ErrorKind::DpopRequired,
        "ERR_DPOP_REQUIRED",
        Some("cnf"),
    );
    let e = err(jwt_options(Some(jkt("test-ed25519"))), &token);
    check(&e, ErrorKind::DpopInvalid, INVALID, Some("cnf"));
    assert_eq!(e.check(), oidc_edge::Check::Sender);
    // A proof presented with a bearer token (no cnf): dpop_invalid (cnf).
    let bearer = mint(
        Algorithm::RS256,
        "test-a",
        &header("test-a"),
        &json!({"iss": ISS, "sub": "u", "aud": "https://api.example.test", "exp": NOW + 300}),
    );
    ok(jwt_options(None), &bearer, NOW);
    let e = err(jwt_options(Some(p256.clone())), &bearer);
    check(&e, ErrorKind::DpopInvalid, INVALID, Some("cnf"));
    // mTLS binding stays refused, with or without a proof; so does a cnf mixing methods.
    for cnf in [
        json!({"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}),
        json!({"jkt": p256, "x5t#S256": "x"}),
        json!({"jkt": 1}),
    ] {
        for proof_jkt in [None, Some(p256.clone())] {
            let e = err(jwt_options(proof_jkt), &bound_token(cnf.clone()));
            check(&e, ErrorKind::ClaimInvalid, CLAIM_FAILED, Some("cnf"));
        }
    }
    // The per-request form of the same check.
    let v = verifier(jwt_options(None));
    let per_request = v.with_dpop_jkt(Some(p256)).unwrap();
    per_request.verify(&token, &keys(), NOW).unwrap();
    assert!(v.with_dpop_jkt(Some(String::new())).is_err());
    // dpop_jkt is for access tokens only, and never empty.
    assert!(Verifier::new(VerifyOptions {
        dpop_jkt: Some(jkt("test-p256")),
        ..options()
    })
    .is_err());
    assert!(Verifier::new(jwt_options(Some(String::new()))).is_err());
    assert!(verifier(options())
        .with_dpop_jkt(Some(jkt("test-p256")))
        .is_err());
}
