//! A negative test for every error kind the core produces (kind, code and claim asserted),
//! the boundaries of every time check, the order of checks, profiles, trust sets, caller
//! misuse (`ConfigError`) and the split API.

mod mint;

use mint::{b64, CLIENT, ISS, NOW};
use mint::{claims, header, id_token, jwk_json, jwks, mint, mint_raw, options, verifier, with};
use oidc_edge::rsa::RsaPublicKey;
use oidc_edge::signature::SignatureVerifier;
use oidc_edge::{
    Algorithm, Error, ErrorKind, JwkSet, Profile, TrustSet, TrustedIssuer, Verifier, VerifyOptions,
};
use serde_json::{json, Value};

fn keys() -> JwkSet {
    jwks(&["test-a", "test-b", "test-c", "test-weak1024"])
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

const CLAIM_FAILED: &str = "ERR_JWT_CLAIM_VALIDATION_FAILED";

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

// ---- check 1: structure ----

#[test]
fn malformed_structure_header_and_base64() {
    let good = id_token(&claims());
    let (h, rest) = good.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    let cases = [
        String::new(),
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}=.{p}.{s}"),
        format!("{h}.{p}.{s}="),
        format!("{h}.{p} .{s}"),
        format!("{h}.{p}.{s}\n"),
        format!("{h}.{}+.{s}", &p[..p.len() - 1]),
        format!("{}.{p}.{s}", b64(b"[\"alg\"]")),
        format!("{}.{p}.{s}", b64(b"{\"alg\":\"RS256\",\"alg\":\"RS256\"}")),
        format!("{}.{p}.{s}", b64(b"{\"alg\":\"RS256\"")),
        format!("{}.{p}.{s}", b64(b"{\"alg\":\"RS256\",\"kid\":\"\xff\"}")),
        format!("{}.{p}.{s}", b64(b"{\"kid\":\"test-a\"}")),
        format!("{}.{p}.{s}", b64(b"{\"alg\":256}")),
        format!("{}.{p}.{s}", b64(b"{\"alg\":\"RS256\",\"kid\":7}")),
    ];
    for (i, t) in cases.iter().enumerate() {
        let e = err(options(), t);
        assert_eq!(e.kind(), ErrorKind::Malformed, "case {i}: {e}");
        assert_eq!(e.code(), "ERR_JWS_INVALID", "case {i}");
    }
    check(
        &err(options(), &cases[12]),
        ErrorKind::Malformed,
        "ERR_JWS_INVALID",
        Some("alg"),
    );
    check(
        &err(options(), &cases[14]),
        ErrorKind::Malformed,
        "ERR_JWS_INVALID",
        Some("kid"),
    );
}

#[test]
fn non_canonical_final_base64_bits_are_malformed() {
    let good = id_token(&claims());
    let (input, sig) = good.rsplit_once('.').unwrap();
    // 256 octets encode to 342 characters with 2 unused bits at the end: set one of them.
    let last = sig.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let idx = alphabet.find(last).unwrap();
    let tweaked = alphabet.chars().nth(idx ^ 1).unwrap();
    let t = format!("{input}.{}{tweaked}", &sig[..sig.len() - 1]);
    check(
        &err(options(), &t),
        ErrorKind::Malformed,
        "ERR_JWS_INVALID",
        None,
    );
}

#[test]
fn token_too_large_comes_first() {
    let mut o = options();
    o.max_token_size = 100;
    let t = "x".repeat(101);
    check(
        &err(o.clone(), &t),
        ErrorKind::TokenTooLarge,
        "ERR_JWS_INVALID",
        None,
    );
    // default 16 KiB: a valid-looking token with a huge claim
    let big = id_token(&with(claims(), json!({"pad": "a".repeat(16 * 1024)})));
    check(
        &err(options(), &big),
        ErrorKind::TokenTooLarge,
        "ERR_JWS_INVALID",
        None,
    );
}

// ---- check 2: header ----

#[test]
fn alg_not_allowed() {
    let p = claims().to_string();
    for alg in ["none", "None", "HS256", "ES256", "rs256", "PS256"] {
        let t = mint_raw(
            Algorithm::RS256,
            "test-a",
            &json!({"alg": alg, "kid": "test-a"}).to_string(),
            &p,
        );
        check(
            &err(options(), &t),
            ErrorKind::AlgNotAllowed,
            "ERR_JOSE_ALG_NOT_ALLOWED",
            Some("alg"),
        );
    }
    // alg none with an empty signature
    let none = format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(p.as_bytes()));
    check(
        &err(options(), &none),
        ErrorKind::AlgNotAllowed,
        "ERR_JOSE_ALG_NOT_ALLOWED",
        Some("alg"),
    );
    // RS384 signed token, RS256-only policy; allowed when listed.
    let t = mint(
        Algorithm::RS384,
        "test-c",
        &json!({"alg":"RS384","kid":"test-c"}),
        &claims(),
    );
    check(
        &err(options(), &t),
        ErrorKind::AlgNotAllowed,
        "ERR_JOSE_ALG_NOT_ALLOWED",
        Some("alg"),
    );
    ok(
        VerifyOptions {
            algorithms: vec![Algorithm::RS384],
            ..options()
        },
        &t,
        NOW,
    );
}

#[test]
fn every_algorithm_verifies_when_allowed() {
    for alg in Algorithm::ALL {
        let t = mint(
            alg,
            "test-c",
            &json!({"alg": alg.name(), "kid": "test-c"}),
            &claims(),
        );
        ok(
            VerifyOptions {
                algorithms: vec![alg],
                ..options()
            },
            &t,
            NOW,
        );
        ok(
            VerifyOptions {
                algorithms: Algorithm::ALL.to_vec(),
                ..options()
            },
            &t,
            NOW,
        );
        let others: Vec<_> = Algorithm::ALL.into_iter().filter(|a| *a != alg).collect();
        let e = err(
            VerifyOptions {
                algorithms: others,
                ..options()
            },
            &t,
        );
        assert_eq!(e.kind(), ErrorKind::AlgNotAllowed);
    }
}

#[test]
fn unsupported_crit() {
    for crit in [
        json!(["exp"]),
        json!(["b64"]),
        json!(["http://example.com/x"]),
    ] {
        let t = mint(
            Algorithm::RS256,
            "test-a",
            &json!({"alg":"RS256","kid":"test-a","crit":crit,"b64":true,"exp":1}),
            &claims(),
        );
        check(
            &err(options(), &t),
            ErrorKind::UnsupportedCrit,
            "ERR_JOSE_NOT_SUPPORTED",
            Some("crit"),
        );
    }
    for crit in [json!([]), json!("exp"), json!([1]), json!([""])] {
        let t = mint(
            Algorithm::RS256,
            "test-a",
            &json!({"alg":"RS256","kid":"test-a","crit":crit}),
            &claims(),
        );
        check(
            &err(options(), &t),
            ErrorKind::Malformed,
            "ERR_JWS_INVALID",
            Some("crit"),
        );
    }
}

#[test]
fn invalid_typ_per_profile() {
    let tok = |typ: Value| {
        mint(
            Algorithm::RS256,
            "test-a",
            &json!({"alg":"RS256","kid":"test-a","typ":typ}),
            &claims(),
        )
    };
    for typ in ["JWT", "jwt", "application/jwt", "Application/JWT"] {
        ok(options(), &tok(json!(typ)), NOW);
    }
    for typ in [
        json!("at+jwt"),
        json!("application/at+jwt"),
        json!("JOSE"),
        json!(""),
        json!(1),
        json!(null),
    ] {
        check(
            &err(options(), &tok(typ)),
            ErrorKind::InvalidTyp,
            CLAIM_FAILED,
            Some("typ"),
        );
    }
    // An explicit typ option replaces the profile rule and makes typ required.
    let o = VerifyOptions {
        typ: Some("JWT".into()),
        ..options()
    };
    ok(o.clone(), &tok(json!("jwt")), NOW);
    check(
        &err(o, &id_token(&claims())),
        ErrorKind::InvalidTyp,
        CLAIM_FAILED,
        Some("typ"),
    );
}

// ---- check 3: keys ----

#[test]
fn key_not_found_and_case_sensitive_kid() {
    let t = mint(Algorithm::RS256, "test-a", &header("TEST-A"), &claims());
    check(
        &err(options(), &t),
        ErrorKind::KeyNotFound,
        "ERR_JWKS_NO_MATCHING_KEY",
        None,
    );
    let t = mint(Algorithm::RS256, "test-a", &header("nope"), &claims());
    check(
        &err(options(), &t),
        ErrorKind::KeyNotFound,
        "ERR_JWKS_NO_MATCHING_KEY",
        None,
    );
    // no kid, no usable key among several
    let t = mint(
        Algorithm::RS256,
        "test-a",
        &json!({"alg":"RS256"}),
        &claims(),
    );
    let set = JwkSet::from_value(&json!({"keys":[{"kty":"EC"},{"kty":"oct","k":"AA"}]})).unwrap();
    let e = verifier(options()).verify(&t, &set, NOW).unwrap_err();
    check(&e, ErrorKind::KeyNotFound, "ERR_JWKS_NO_MATCHING_KEY", None);
    let e = verifier(options())
        .verify(&t, &JwkSet::default(), NOW)
        .unwrap_err();
    check(&e, ErrorKind::KeyNotFound, "ERR_JWKS_NO_MATCHING_KEY", None);
}

#[test]
fn key_ambiguous() {
    // no kid, two usable keys
    let t = mint(
        Algorithm::RS256,
        "test-a",
        &json!({"alg":"RS256"}),
        &claims(),
    );
    let e = verifier(options())
        .verify(&t, &jwks(&["test-a", "test-b"]), NOW)
        .unwrap_err();
    check(
        &e,
        ErrorKind::KeyAmbiguous,
        "ERR_JWKS_MULTIPLE_MATCHING_KEYS",
        None,
    );
    // no kid, exactly one usable key (the others are unusable): selected
    let set = jwks(&["test-a", "test-weak1024"]);
    verifier(options()).verify(&t, &set, NOW).unwrap();
    // two keys share the kid
    let a = jwk_json("test-a");
    let b = with(jwk_json("test-b"), json!({"kid":"test-a"}));
    let set = JwkSet::from_value(&json!({"keys":[a, b]})).unwrap();
    let t = id_token(&claims());
    let e = verifier(options()).verify(&t, &set, NOW).unwrap_err();
    check(
        &e,
        ErrorKind::KeyAmbiguous,
        "ERR_JWKS_MULTIPLE_MATCHING_KEYS",
        None,
    );
}

#[test]
fn key_unusable() {
    let t = id_token(&claims());
    let a = jwk_json("test-a");
    for changes in [
        json!({"use":"enc"}),
        json!({"key_ops":["encrypt"]}),
        json!({"key_ops":["sign"]}),
        json!({"key_ops":"verify"}),
        json!({"alg":"PS256"}),
        json!({"alg":"RS384"}),
        json!({"kty":"EC"}),
        json!({"kty":"rsa"}),
        json!({"use":7}),
        json!({"n":"AQAB="}),
        json!({"e":1}),
    ] {
        let set = JwkSet::from_value(&json!({"keys":[with(a.clone(), changes.clone())]})).unwrap();
        let e = verifier(options()).verify(&t, &set, NOW).unwrap_err();
        check(&e, ErrorKind::KeyUnusable, "ERR_JWKS_NO_MATCHING_KEY", None);
    }
    // the same key, use sig + key_ops verify + alg RS256: fine
    let fine = with(a, json!({"key_ops":["verify","sign"]}));
    let set = JwkSet::from_value(&json!({"keys":[fine]})).unwrap();
    verifier(options()).verify(&t, &set, NOW).unwrap();
}

#[test]
fn key_too_weak_only_when_selected() {
    // The 1024-bit key is in the set; tokens for other keys are unaffected.
    ok(options(), &id_token(&claims()), NOW);
    let t = mint(
        Algorithm::RS256,
        "test-weak1024",
        &header("test-weak1024"),
        &claims(),
    );
    check(
        &err(options(), &t),
        ErrorKind::KeyTooWeak,
        "ERR_JWK_INVALID",
        None,
    );
    // e = 1 and an even exponent
    for e in ["AQ", "AQAA"] {
        let k = with(jwk_json("test-a"), json!({"e": e}));
        let set = JwkSet::from_value(&json!({"keys":[k]})).unwrap();
        let err = verifier(options())
            .verify(&id_token(&claims()), &set, NOW)
            .unwrap_err();
        check(&err, ErrorKind::KeyTooWeak, "ERR_JWK_INVALID", None);
    }
}

#[test]
fn jwks_invalid_only_for_non_jwk_sets() {
    for doc in [
        "[]",
        "{}",
        "{\"keys\":{}}",
        "{\"keys\":1}",
        "not json",
        "{\"keys\":[],\"keys\":[]}",
        "",
    ] {
        let e = JwkSet::from_json(doc).unwrap_err();
        check(&e, ErrorKind::JwksInvalid, "ERR_JWKS_INVALID", None);
    }
    let e = JwkSet::from_value(&json!([1])).unwrap_err();
    check(&e, ErrorKind::JwksInvalid, "ERR_JWKS_INVALID", None);
    // Messy but a JWK Set: kept, with unusable entries.
    let set = JwkSet::from_json(r#"{"keys":[1,"x",{},{"kty":"EC"},null],"other":true}"#).unwrap();
    assert_eq!(set.len(), 5);
    assert!(set.keys().iter().all(|k| k.rsa_key().is_none()));
    let set = JwkSet::from_json(r#"{"keys":[]}"#).unwrap();
    assert!(set.is_empty());
}

// ---- check 4: signature ----

#[test]
fn bad_signature() {
    let good = id_token(&claims());
    let (input, sig) = good.rsplit_once('.').unwrap();
    let mut raw = oidc_edge::base64url::decode(sig.as_bytes()).unwrap();
    raw[0] ^= 0x80;
    let flipped = format!("{input}.{}", b64(&raw));
    let short = format!("{input}.{}", b64(&raw[1..]));
    let mut long_sig = vec![0u8];
    long_sig.extend_from_slice(&oidc_edge::base64url::decode(sig.as_bytes()).unwrap());
    let long = format!("{input}.{}", b64(&long_sig));
    let empty = format!("{input}.");
    // signed by test-b but claiming kid test-a
    let wrong_key = mint(Algorithm::RS256, "test-b", &header("test-a"), &claims());
    // payload changed after signing
    let (h, _) = input.split_once('.').unwrap();
    let other_payload = b64(with(claims(), json!({"sub":"admin"}))
        .to_string()
        .as_bytes());
    let swapped = format!("{h}.{other_payload}.{sig}");
    for t in [flipped, short, long, empty, wrong_key, swapped] {
        check(
            &err(options(), &t),
            ErrorKind::BadSignature,
            "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
            None,
        );
    }
}

#[test]
fn header_jwk_jku_x5u_x5c_are_never_used() {
    // Signed with test-b; the header carries test-b's public key and URLs; kid says test-a.
    let hdr = json!({"alg":"RS256","kid":"test-a","jwk":jwk_json("test-b"),
        "jku":"https://attacker.example/jwks","x5u":"https://attacker.example/x5u","x5c":["AAAA"]});
    let t = mint(Algorithm::RS256, "test-b", &hdr, &claims());
    check(
        &err(options(), &t),
        ErrorKind::BadSignature,
        "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
        None,
    );
    // With no kid and only test-a in the set, the header key is still ignored.
    let hdr = json!({"alg":"RS256","jwk":jwk_json("test-b")});
    let t = mint(Algorithm::RS256, "test-b", &hdr, &claims());
    let e = verifier(options())
        .verify(&t, &jwks(&["test-a"]), NOW)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadSignature);
    // Signed by test-a with these headers present: accepted (they are ignored, not refused).
    let hdr = json!({"alg":"RS256","kid":"test-a","jku":"https://attacker.example/jwks"});
    ok(
        options(),
        &mint(Algorithm::RS256, "test-a", &hdr, &claims()),
        NOW,
    );
}

// ---- check 5: payload ----

#[test]
fn malformed_payload_is_err_jwt_invalid() {
    let h = header("test-a").to_string();
    for p in [
        "[]",
        "\"x\"",
        "{",
        "{\"sub\":\"a\",\"sub\":\"b\"}",
        "{\"a\":{\"b\":1,\"b\":2}}",
        "plain text",
        "",
    ] {
        let t = mint_raw(Algorithm::RS256, "test-a", &h, p);
        check(
            &err(options(), &t),
            ErrorKind::Malformed,
            "ERR_JWT_INVALID",
            None,
        );
    }
    let deep = format!("{{\"x\":{}{}}}", "[".repeat(100), "]".repeat(100));
    let t = mint_raw(Algorithm::RS256, "test-a", &h, &deep);
    check(
        &err(options(), &t),
        ErrorKind::Malformed,
        "ERR_JWT_INVALID",
        None,
    );
}

#[test]
fn claim_invalid_wrong_json_types() {
    for (name, value) in [
        ("exp", json!("1767226200")),
        ("nbf", json!(true)),
        ("iat", json!([1])),
        ("auth_time", json!({"t":1})),
        ("iss", json!(1)),
        ("sub", json!(null)),
        ("aud", json!(1)),
        ("aud", json!([CLIENT, 2])),
        ("nonce", json!(1)),
        ("azp", json!(1)),
        ("amr", json!("pwd")),
        ("acr", json!(1)),
        ("jti", json!(1)),
    ] {
        let mut c = claims();
        c[name] = value;
        check(
            &err(options(), &id_token(&c)),
            ErrorKind::ClaimInvalid,
            CLAIM_FAILED,
            Some(name),
        );
    }
    // at_hash of the wrong type, checked when the access token is given
    let t = id_token(&with(claims(), json!({"at_hash": 5})));
    let o = VerifyOptions {
        access_token: Some("at".into()),
        ..options()
    };
    check(
        &err(o, &t),
        ErrorKind::ClaimInvalid,
        CLAIM_FAILED,
        Some("at_hash"),
    );
}

// ---- check 6: claims ----

#[test]
fn claim_missing() {
    for name in ["iss", "aud", "exp", "iat", "sub"] {
        let t = id_token(&with(claims(), json!({ name: null })));
        check(
            &err(options(), &t),
            ErrorKind::ClaimMissing,
            CLAIM_FAILED,
            Some(name),
        );
    }
    let o = VerifyOptions {
        required_claims: vec!["email".into()],
        ..options()
    };
    check(
        &err(o.clone(), &id_token(&claims())),
        ErrorKind::ClaimMissing,
        CLAIM_FAILED,
        Some("email"),
    );
    ok(o, &id_token(&with(claims(), json!({"email":"a@b"}))), NOW);
    let o = VerifyOptions {
        subject: Some("user-1".into()),
        ..options()
    };
    check(
        &err(o, &id_token(&with(claims(), json!({"sub":null})))),
        ErrorKind::ClaimMissing,
        CLAIM_FAILED,
        Some("sub"),
    );
}

#[test]
fn subject_mismatch() {
    let o = VerifyOptions {
        subject: Some("user-2".into()),
        ..options()
    };
    check(
        &err(o, &id_token(&claims())),
        ErrorKind::ClaimInvalid,
        CLAIM_FAILED,
        Some("sub"),
    );
    ok(
        VerifyOptions {
            subject: Some("user-1".into()),
            ..options()
        },
        &id_token(&claims()),
        NOW,
    );
}

#[test]
fn iss_mismatch() {
    for iss in [
        "https://op.example.test/",
        "https://OP.example.test",
        "http://op.example.test",
        "",
    ] {
        let t = id_token(&with(claims(), json!({ "iss": iss })));
        check(
            &err(options(), &t),
            ErrorKind::IssMismatch,
            CLAIM_FAILED,
            Some("iss"),
        );
    }
}

#[test]
fn audience_and_azp() {
    let t = |aud: Value, azp: Option<&str>| {
        let mut c = with(claims(), json!({ "aud": aud }));
        if let Some(azp) = azp {
            c["azp"] = json!(azp);
        }
        id_token(&c)
    };
    check(
        &err(options(), &t(json!("other"), None)),
        ErrorKind::AudMismatch,
        CLAIM_FAILED,
        Some("aud"),
    );
    check(
        &err(options(), &t(json!([]), None)),
        ErrorKind::AudMismatch,
        CLAIM_FAILED,
        Some("aud"),
    );
    check(
        &err(options(), &t(json!(["CLIENT-1"]), None)),
        ErrorKind::AudMismatch,
        CLAIM_FAILED,
        Some("aud"),
    );
    // an untrusted extra audience
    check(
        &err(options(), &t(json!([CLIENT, "evil"]), Some(CLIENT))),
        ErrorKind::AudUntrusted,
        CLAIM_FAILED,
        Some("aud"),
    );
    // trusted extra audience: azp then required
    let o = VerifyOptions {
        audience: vec!["api".into()],
        ..options()
    };
    check(
        &err(o.clone(), &t(json!([CLIENT, "api"]), None)),
        ErrorKind::AzpMissing,
        CLAIM_FAILED,
        Some("azp"),
    );
    ok(o.clone(), &t(json!([CLIENT, "api"]), Some(CLIENT)), NOW);
    check(
        &err(o.clone(), &t(json!([CLIENT, "api"]), Some("api"))),
        ErrorKind::AzpMismatch,
        CLAIM_FAILED,
        Some("azp"),
    );
    // single aud as array of one, azp present and equal / different
    ok(options(), &t(json!([CLIENT]), None), NOW);
    ok(options(), &t(json!(CLIENT), Some(CLIENT)), NOW);
    check(
        &err(options(), &t(json!(CLIENT), Some("other"))),
        ErrorKind::AzpMismatch,
        CLAIM_FAILED,
        Some("azp"),
    );
}

fn at(exp: Value, extra: Value) -> String {
    id_token(&with(claims(), with(json!({ "exp": exp }), extra)))
}

#[test]
fn exp_boundaries() {
    let t = at(json!(NOW + 100), json!({}));
    ok(options(), &t, NOW + 99);
    check(
        &err_at(options(), &t, NOW + 100),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    let tol = VerifyOptions {
        clock_tolerance: 60,
        ..options()
    };
    ok(tol.clone(), &t, NOW + 159);
    check(
        &err_at(tol, &t, NOW + 160),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    // non-integer NumericDate
    let t = at(json!(NOW as f64 + 0.5), json!({}));
    ok(options(), &t, NOW);
    check(
        &err_at(options(), &t, NOW + 1),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    // huge and tiny values never overflow
    ok(options(), &at(json!(1e300), json!({})), NOW);
    ok(
        options(),
        &at(json!(18446744073709551615u64), json!({})),
        NOW,
    );
    ok(options(), &at(json!(1e300), json!({})), i64::MAX);
    check(
        &err(options(), &at(json!(-1e300), json!({}))),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    check(
        &err(options(), &at(json!(i64::MIN), json!({}))),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    check(
        &err_at(
            VerifyOptions {
                clock_tolerance: u64::MAX,
                ..options()
            },
            &at(json!(-1e300), json!({})),
            NOW,
        ),
        ErrorKind::Expired,
        "ERR_JWT_EXPIRED",
        Some("exp"),
    );
    // a number too large for JSON doubles is a malformed payload, not a panic
    let h = header("test-a").to_string();
    let p =
        format!("{{\"iss\":\"{ISS}\",\"aud\":\"{CLIENT}\",\"sub\":\"s\",\"iat\":1,\"exp\":1e400}}");
    let e = err(options(), &mint_raw(Algorithm::RS256, "test-a", &h, &p));
    check(&e, ErrorKind::Malformed, "ERR_JWT_INVALID", None);
}

#[test]
fn nbf_boundaries() {
    let t = at(json!(NOW + 1000), json!({ "nbf": NOW }));
    ok(options(), &t, NOW);
    check(
        &err_at(options(), &t, NOW - 1),
        ErrorKind::NotYetValid,
        CLAIM_FAILED,
        Some("nbf"),
    );
    let tol = VerifyOptions {
        clock_tolerance: 5,
        ..options()
    };
    ok(tol.clone(), &t, NOW - 5);
    check(
        &err_at(tol, &t, NOW - 6),
        ErrorKind::NotYetValid,
        CLAIM_FAILED,
        Some("nbf"),
    );
    check(
        &err(options(), &at(json!(NOW + 1000), json!({ "nbf": 1e300 }))),
        ErrorKind::NotYetValid,
        CLAIM_FAILED,
        Some("nbf"),
    );
}

#[test]
fn iat_boundaries() {
    let t = at(json!(NOW + 1000), json!({ "iat": NOW + 10 }));
    ok(options(), &t, NOW + 10);
    check(
        &err_at(options(), &t, NOW + 9),
        ErrorKind::IatInFuture,
        CLAIM_FAILED,
        Some("iat"),
    );
    let tol = VerifyOptions {
        clock_tolerance: 10,
        ..options()
    };
    ok(tol.clone(), &t, NOW);
    check(
        &err_at(tol, &t, NOW - 1),
        ErrorKind::IatInFuture,
        CLAIM_FAILED,
        Some("iat"),
    );
}

#[test]
fn max_token_age_boundaries() {
    let t = at(json!(NOW + 10_000), json!({ "iat": NOW }));
    let o = VerifyOptions {
        max_token_age: Some(300),
        ..options()
    };
    ok(o.clone(), &t, NOW + 300);
    check(
        &err_at(o.clone(), &t, NOW + 301),
        ErrorKind::TooOld,
        "ERR_JWT_EXPIRED",
        Some("iat"),
    );
    let tol = VerifyOptions {
        clock_tolerance: 30,
        ..o.clone()
    };
    ok(tol.clone(), &t, NOW + 330);
    check(
        &err_at(tol, &t, NOW + 331),
        ErrorKind::TooOld,
        "ERR_JWT_EXPIRED",
        Some("iat"),
    );
    let t = at(json!(NOW + 10_000), json!({ "iat": -1e300 }));
    check(
        &err(o, &t),
        ErrorKind::TooOld,
        "ERR_JWT_EXPIRED",
        Some("iat"),
    );
}

#[test]
fn nonce() {
    let o = VerifyOptions {
        nonce: Some("nonce-1".into()),
        ..options()
    };
    ok(o.clone(), &id_token(&claims()), NOW);
    let t = id_token(&with(claims(), json!({"nonce": null})));
    check(
        &err(o.clone(), &t),
        ErrorKind::NonceMissing,
        CLAIM_FAILED,
        Some("nonce"),
    );
    for n in ["nonce-2", "nonce-1 ", "NONCE-1", ""] {
        let t = id_token(&with(claims(), json!({"nonce": n})));
        check(
            &err(o.clone(), &t),
            ErrorKind::NonceMismatch,
            CLAIM_FAILED,
            Some("nonce"),
        );
    }
    // no nonce configured: a token nonce is not checked
    ok(
        options(),
        &id_token(&with(claims(), json!({"nonce": "anything"}))),
        NOW,
    );
}

#[test]
fn auth_time_and_max_age_boundaries() {
    let o = VerifyOptions {
        max_age: Some(600),
        ..options()
    };
    check(
        &err(o.clone(), &id_token(&claims())),
        ErrorKind::AuthTimeMissing,
        CLAIM_FAILED,
        Some("auth_time"),
    );
    let t = id_token(&with(claims(), json!({"auth_time": NOW - 600})));
    ok(o.clone(), &t, NOW);
    check(
        &err_at(o.clone(), &t, NOW + 1),
        ErrorKind::AuthTimeTooOld,
        CLAIM_FAILED,
        Some("auth_time"),
    );
    let tol = VerifyOptions {
        clock_tolerance: 5,
        ..o.clone()
    };
    ok(tol.clone(), &t, NOW + 5);
    check(
        &err_at(tol, &t, NOW + 6),
        ErrorKind::AuthTimeTooOld,
        CLAIM_FAILED,
        Some("auth_time"),
    );
    check(
        &err(o, &id_token(&with(claims(), json!({"auth_time": -1e300})))),
        ErrorKind::AuthTimeTooOld,
        CLAIM_FAILED,
        Some("auth_time"),
    );
}

#[test]
fn acr_values() {
    let o = VerifyOptions {
        acr_values: vec!["urn:mace:incommon:iap:silver".into(), "2".into()],
        ..options()
    };
    ok(
        o.clone(),
        &id_token(&with(claims(), json!({"acr":"2"}))),
        NOW,
    );
    check(
        &err(o.clone(), &id_token(&with(claims(), json!({"acr":"1"})))),
        ErrorKind::AcrNotAllowed,
        CLAIM_FAILED,
        Some("acr"),
    );
    check(
        &err(o, &id_token(&claims())),
        ErrorKind::AcrNotAllowed,
        CLAIM_FAILED,
        Some("acr"),
    );
}

/// Left half of SHA-256, base64url (RS256).
fn half_hash(v: &str) -> String {
    use sha2::Digest;
    b64(&sha2::Sha256::digest(v.as_bytes())[..16])
}

#[test]
fn at_hash_and_c_hash() {
    let t = id_token(&with(
        claims(),
        json!({"at_hash": half_hash("AT"), "c_hash": half_hash("CODE")}),
    ));
    let o = VerifyOptions {
        access_token: Some("AT".into()),
        code: Some("CODE".into()),
        require_at_hash: true,
        require_c_hash: true,
        ..options()
    };
    ok(o.clone(), &t, NOW);
    let e = err(
        VerifyOptions {
            access_token: Some("AT2".into()),
            ..o.clone()
        },
        &t,
    );
    check(&e, ErrorKind::AtHashMismatch, CLAIM_FAILED, Some("at_hash"));
    let e = err(
        VerifyOptions {
            code: Some("CODE2".into()),
            ..o.clone()
        },
        &t,
    );
    check(&e, ErrorKind::CHashMismatch, CLAIM_FAILED, Some("c_hash"));
    // absent: passes unless required
    let bare = id_token(&claims());
    ok(
        VerifyOptions {
            access_token: Some("AT".into()),
            code: Some("CODE".into()),
            ..options()
        },
        &bare,
        NOW,
    );
    check(
        &err(o.clone(), &bare),
        ErrorKind::ClaimMissing,
        CLAIM_FAILED,
        Some("at_hash"),
    );
    let only_c = VerifyOptions {
        require_at_hash: false,
        ..o
    };
    check(
        &err(only_c, &bare),
        ErrorKind::ClaimMissing,
        CLAIM_FAILED,
        Some("c_hash"),
    );
    // PS384 uses the left half of SHA-384 (24 octets)
    use sha2::Digest;
    let h384 = b64(&sha2::Sha384::digest(b"AT")[..24]);
    let t = mint(
        Algorithm::PS384,
        "test-c",
        &json!({"alg":"PS384","kid":"test-c"}),
        &with(claims(), json!({"at_hash": h384})),
    );
    let o = VerifyOptions {
        algorithms: vec![Algorithm::PS384],
        access_token: Some("AT".into()),
        ..options()
    };
    ok(o.clone(), &t, NOW);
    let t = mint(
        Algorithm::PS384,
        "test-c",
        &json!({"alg":"PS384","kid":"test-c"}),
        &with(claims(), json!({"at_hash": half_hash("AT")})),
    );
    check(
        &err(o, &t),
        ErrorKind::AtHashMismatch,
        CLAIM_FAILED,
        Some("at_hash"),
    );
}

// ---- order of checks ----

#[test]
fn first_failure_wins_in_design_order() {
    let expired_bad_iss = with(claims(), json!({"iss":"x","exp": NOW - 100, "aud":"other"}));
    // alg before key before signature before claims
    let t = mint(
        Algorithm::RS256,
        "test-b",
        &json!({"alg":"HS256","kid":"nope"}),
        &expired_bad_iss,
    );
    assert_eq!(err(options(), &t).kind(), ErrorKind::AlgNotAllowed);
    let t = mint(
        Algorithm::RS256,
        "test-b",
        &json!({"alg":"RS256","kid":"nope","typ":"at+jwt"}),
        &expired_bad_iss,
    );
    assert_eq!(err(options(), &t).kind(), ErrorKind::InvalidTyp);
    let t = mint(
        Algorithm::RS256,
        "test-b",
        &json!({"alg":"RS256","kid":"nope"}),
        &expired_bad_iss,
    );
    assert_eq!(err(options(), &t).kind(), ErrorKind::KeyNotFound);
    let t = mint(
        Algorithm::RS256,
        "test-b",
        &header("test-a"),
        &expired_bad_iss,
    );
    assert_eq!(err(options(), &t).kind(), ErrorKind::BadSignature);
    // signature before payload JSON
    let t = mint_raw(
        Algorithm::RS256,
        "test-b",
        &header("test-a").to_string(),
        "not json",
    );
    assert_eq!(err(options(), &t).kind(), ErrorKind::BadSignature);
    // claims: iss, then aud, then exp
    let t = id_token(&expired_bad_iss);
    assert_eq!(err(options(), &t).kind(), ErrorKind::IssMismatch);
    let t = id_token(&with(expired_bad_iss.clone(), json!({"iss": ISS})));
    assert_eq!(err(options(), &t).kind(), ErrorKind::AudMismatch);
    let t = id_token(&with(expired_bad_iss, json!({"iss": ISS, "aud": CLIENT})));
    assert_eq!(err(options(), &t).kind(), ErrorKind::Expired);
    // size before everything
    let o = VerifyOptions {
        max_token_size: 10,
        ..options()
    };
    assert_eq!(err(o, "a.b.c.d.e.f").kind(), ErrorKind::TokenTooLarge);
}

// ---- profiles ----

fn at_jwt_claims() -> Value {
    json!({"iss": ISS, "sub": "svc", "aud": "https://api.example.test", "exp": NOW + 300,
           "iat": NOW, "jti": "j-1", "client_id": CLIENT, "scope": "read"})
}

fn at_jwt_options() -> VerifyOptions {
    VerifyOptions {
        profile: Profile::AtJwt,
        issuer: Some(ISS.into()),
        audience: vec!["https://api.example.test".into()],
        ..VerifyOptions::default()
    }
}

fn at_jwt(c: &Value, typ: Option<&str>) -> String {
    let mut h = header("test-a");
    if let Some(typ) = typ {
        h["typ"] = json!(typ);
    }
    mint(Algorithm::RS256, "test-a", &h, c)
}

#[test]
fn at_jwt_profile() {
    ok(
        at_jwt_options(),
        &at_jwt(&at_jwt_claims(), Some("at+jwt")),
        NOW,
    );
    ok(
        at_jwt_options(),
        &at_jwt(&at_jwt_claims(), Some("application/at+jwt")),
        NOW,
    );
    for typ in [None, Some("JWT"), Some("jwt")] {
        let e = err(at_jwt_options(), &at_jwt(&at_jwt_claims(), typ));
        check(&e, ErrorKind::InvalidTyp, CLAIM_FAILED, Some("typ"));
    }
    for name in ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"] {
        let t = at_jwt(
            &with(at_jwt_claims(), json!({ name: null })),
            Some("at+jwt"),
        );
        check(
            &err(at_jwt_options(), &t),
            ErrorKind::ClaimMissing,
            CLAIM_FAILED,
            Some(name),
        );
    }
    let t = at_jwt(
        &with(at_jwt_claims(), json!({"aud": CLIENT})),
        Some("at+jwt"),
    );
    check(
        &err(at_jwt_options(), &t),
        ErrorKind::AudMismatch,
        CLAIM_FAILED,
        Some("aud"),
    );
    // several resource audiences are fine for an access token
    let t = at_jwt(
        &with(
            at_jwt_claims(),
            json!({"aud": ["https://api.example.test", "other"]}),
        ),
        Some("at+jwt"),
    );
    ok(at_jwt_options(), &t, NOW);
    // client_id restricted when client ids are given
    let o = VerifyOptions {
        client_ids: vec!["someone-else".into()],
        ..at_jwt_options()
    };
    let e = err(o, &at_jwt(&at_jwt_claims(), Some("at+jwt")));
    check(&e, ErrorKind::AudMismatch, CLAIM_FAILED, Some("client_id"));
    // an ID token is not an access token
    assert_eq!(
        err(at_jwt_options(), &id_token(&claims())).kind(),
        ErrorKind::InvalidTyp
    );
}

fn cognito_claims() -> Value {
    json!({"iss": ISS, "sub": "u", "client_id": CLIENT, "token_use": "access", "scope": "openid",
           "exp": NOW + 300, "iat": NOW, "jti": "j"})
}

fn cognito_options() -> VerifyOptions {
    VerifyOptions {
        profile: Profile::CognitoAccess,
        issuer: Some(ISS.into()),
        client_ids: vec![CLIENT.into(), "client-2".into()],
        ..VerifyOptions::default()
    }
}

#[test]
fn cognito_access_profile() {
    ok(cognito_options(), &id_token(&cognito_claims()), NOW);
    let t = mint(
        Algorithm::RS256,
        "test-a",
        &json!({"alg":"RS256","kid":"test-a","typ":"JWT"}),
        &cognito_claims(),
    );
    ok(cognito_options(), &t, NOW);
    let t = mint(
        Algorithm::RS256,
        "test-a",
        &json!({"alg":"RS256","kid":"test-a","typ":"at+jwt"}),
        &cognito_claims(),
    );
    check(
        &err(cognito_options(), &t),
        ErrorKind::InvalidTyp,
        CLAIM_FAILED,
        Some("typ"),
    );
    let t = id_token(&with(cognito_claims(), json!({"token_use": "id"})));
    check(
        &err(cognito_options(), &t),
        ErrorKind::TokenUseMismatch,
        CLAIM_FAILED,
        Some("token_use"),
    );
    let t = id_token(&with(cognito_claims(), json!({"token_use": null})));
    check(
        &err(cognito_options(), &t),
        ErrorKind::ClaimMissing,
        CLAIM_FAILED,
        Some("token_use"),
    );
    let t = id_token(&with(cognito_claims(), json!({"client_id": "client-3"})));
    check(
        &err(cognito_options(), &t),
        ErrorKind::AudMismatch,
        CLAIM_FAILED,
        Some("client_id"),
    );
    let t = id_token(&with(cognito_claims(), json!({"aud": CLIENT})));
    check(
        &err(cognito_options(), &t),
        ErrorKind::AudUntrusted,
        CLAIM_FAILED,
        Some("aud"),
    );
}

// ---- configuration errors ----

#[test]
fn config_errors_are_distinct_from_token_errors() {
    let bad = [
        VerifyOptions::default(),
        VerifyOptions {
            issuer: Some(ISS.into()),
            ..VerifyOptions::default()
        },
        VerifyOptions {
            issuer: Some(String::new()),
            ..options()
        },
        VerifyOptions {
            client_ids: vec![String::new()],
            ..options()
        },
        VerifyOptions {
            require_at_hash: true,
            ..options()
        },
        VerifyOptions {
            require_c_hash: true,
            ..options()
        },
        VerifyOptions {
            max_token_size: 0,
            ..options()
        },
        VerifyOptions {
            nonce: Some(String::new()),
            ..options()
        },
        VerifyOptions {
            audience: vec![],
            ..at_jwt_options()
        },
        VerifyOptions {
            client_ids: vec![],
            ..cognito_options()
        },
        VerifyOptions {
            issuer: None,
            ..cognito_options()
        },
    ];
    for (i, o) in bad.into_iter().enumerate() {
        let e = Verifier::new(o).unwrap_err();
        assert!(!e.message().is_empty(), "case {i}");
    }
    assert!(Verifier::new(at_jwt_options()).is_ok());
    assert_eq!(verifier(options()).algorithms(), &[Algorithm::RS256]);
}

// ---- trust sets ----

const ISS2: &str = "https://op2.example.test";

fn trust() -> TrustSet {
    TrustSet::new(
        VerifyOptions::default(),
        vec![
            TrustedIssuer {
                issuer: ISS.into(),
                keys: jwks(&["test-a"]),
                client_ids: vec!["primary-client".into()],
            },
            TrustedIssuer {
                issuer: ISS2.into(),
                keys: jwks(&["test-b"]),
                client_ids: vec!["secondary-client".into()],
            },
        ],
    )
    .unwrap()
}

#[test]
fn trust_set_binds_issuer_keys_and_client_ids() {
    let ts = trust();
    let primary = with(claims(), json!({"aud": "primary-client"}));
    let secondary = with(claims(), json!({"iss": ISS2, "aud": "secondary-client"}));
    let ok1 = ts
        .verify(
            &mint(Algorithm::RS256, "test-a", &header("test-a"), &primary),
            NOW,
        )
        .unwrap();
    assert_eq!(ok1.issuer_index, 0);
    let ok2 = ts
        .verify(
            &mint(Algorithm::RS256, "test-b", &header("test-b"), &secondary),
            NOW,
        )
        .unwrap();
    assert_eq!(ok2.issuer_index, 1);
    assert_eq!(ok2.verified.claims.iss.as_deref(), Some(ISS2));
    // primary iss with the secondary's client id
    let mixed = with(primary.clone(), json!({"aud": "secondary-client"}));
    let e = ts
        .verify(
            &mint(Algorithm::RS256, "test-a", &header("test-a"), &mixed),
            NOW,
        )
        .unwrap_err();
    check(&e, ErrorKind::AudMismatch, CLAIM_FAILED, Some("aud"));
    // secondary iss signed with the primary's key: the secondary's keys only
    let e = ts
        .verify(
            &mint(Algorithm::RS256, "test-a", &header("test-a"), &secondary),
            NOW,
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeyNotFound);
    let e = ts
        .verify(
            &mint(Algorithm::RS256, "test-a", &header("test-b"), &secondary),
            NOW,
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadSignature);
    // unknown or missing iss
    let e = ts
        .verify(
            &id_token(&with(primary.clone(), json!({"iss": "https://evil"}))),
            NOW,
        )
        .unwrap_err();
    check(&e, ErrorKind::IssMismatch, CLAIM_FAILED, Some("iss"));
    let e = ts
        .verify(&id_token(&with(primary.clone(), json!({"iss": null}))), NOW)
        .unwrap_err();
    check(&e, ErrorKind::ClaimMissing, CLAIM_FAILED, Some("iss"));
    // header checks still come before the iss lookup
    let t = mint(Algorithm::RS256, "test-a", &json!({"alg":"none"}), &primary);
    assert_eq!(
        ts.verify(&t, NOW).unwrap_err().kind(),
        ErrorKind::AlgNotAllowed
    );
    // split form
    let t = mint(Algorithm::RS256, "test-b", &header("test-b"), &secondary);
    let p = ts.begin(&t).unwrap();
    assert_eq!(p.issuer_index, 1);
    assert_eq!(
        ts.finish(p, false, NOW).unwrap_err().kind(),
        ErrorKind::BadSignature
    );
}

#[test]
fn trust_set_config_errors() {
    assert!(TrustSet::new(VerifyOptions::default(), vec![]).is_err());
    let entry = TrustedIssuer {
        issuer: ISS.into(),
        keys: jwks(&["test-a"]),
        client_ids: vec!["c".into()],
    };
    assert!(TrustSet::new(VerifyOptions::default(), vec![entry.clone(), entry.clone()]).is_err());
    let no_client = TrustedIssuer {
        client_ids: vec![],
        ..entry.clone()
    };
    assert!(TrustSet::new(VerifyOptions::default(), vec![no_client]).is_err());
    assert_eq!(
        TrustSet::new(VerifyOptions::default(), vec![entry])
            .unwrap()
            .issuers()
            .len(),
        1
    );
}

// ---- split API and the signature seam ----

struct Always(bool);
impl SignatureVerifier for Always {
    fn verify(&self, _: Algorithm, _: &RsaPublicKey, _: &[u8], _: &[u8]) -> bool {
        self.0
    }
}

#[test]
fn split_api_and_verify_with() {
    let t = id_token(&claims());
    let v = verifier(options());
    let set = keys();
    let p = v.begin(&t, &set).unwrap();
    assert_eq!(p.algorithm(), Algorithm::RS256);
    assert_eq!(p.key().key_id(), Some("test-a"));
    assert_eq!(p.signing_input(), t.rsplit_once('.').unwrap().0.as_bytes());
    let (n, e) = p.key().rsa_components().unwrap();
    assert_eq!((n.len(), e), (256, &[1u8, 0, 1][..]));
    assert_eq!(
        v.finish(p.clone(), false, NOW).unwrap_err().kind(),
        ErrorKind::BadSignature
    );
    assert!(v.finish(p, true, NOW).is_ok());
    // A host that says "valid" for a signature of the wrong length is overruled.
    let (input, _) = t.rsplit_once('.').unwrap();
    let short = format!("{input}.{}", b64(&[1u8; 255]));
    let p = v.begin(&short, &set).unwrap();
    assert_eq!(
        v.finish(p, true, NOW).unwrap_err().kind(),
        ErrorKind::BadSignature
    );
    assert_eq!(
        v.verify_with(&short, &set, NOW, &Always(true))
            .unwrap_err()
            .kind(),
        ErrorKind::BadSignature
    );
    // verify_with really uses the given verifier
    let forged = format!("{input}.{}", b64(&[1u8; 256]));
    assert!(v.verify_with(&forged, &set, NOW, &Always(true)).is_ok());
    assert_eq!(
        v.verify(&forged, &set, NOW).unwrap_err().kind(),
        ErrorKind::BadSignature
    );
    assert_eq!(
        v.verify_with(&t, &set, NOW, &Always(false))
            .unwrap_err()
            .kind(),
        ErrorKind::BadSignature
    );
}

#[test]
fn whitespace_in_signed_json_is_kept_exactly() {
    let h = "{\"alg\":\"RS256\",\r\n \"kid\":\"test-a\"}";
    let p = format!(
        "{{\r\n \"iss\":\"{ISS}\",\r\n \"aud\":\"{CLIENT}\",\"sub\":\"s\",\"exp\":{},\"iat\":{}}}",
        NOW + 10,
        NOW
    );
    ok(options(), &mint_raw(Algorithm::RS256, "test-a", h, &p), NOW);
}

#[test]
fn jwks_size_limit() {
    let pad = "x".repeat(oidc_edge::jwk::MAX_JWKS_SIZE);
    let doc = format!("{{\"keys\":[],\"pad\":\"{pad}\"}}");
    let e = JwkSet::from_json(&doc).unwrap_err();
    check(&e, ErrorKind::JwksInvalid, "ERR_JWKS_INVALID", None);
}

/// The taxonomy of DESIGN.md section 4, pinned: wire name, jose code, default claim.
#[test]
fn error_table_matches_design() {
    use ErrorKind::*;
    let table: &[(ErrorKind, &str, &str, Option<&str>)] = &[
        (Malformed, "malformed", "ERR_JWS_INVALID", None),
        (TokenTooLarge, "token_too_large", "ERR_JWS_INVALID", None),
        (
            AlgNotAllowed,
            "alg_not_allowed",
            "ERR_JOSE_ALG_NOT_ALLOWED",
            None,
        ),
        (
            UnsupportedCrit,
            "unsupported_crit",
            "ERR_JOSE_NOT_SUPPORTED",
            None,
        ),
        (InvalidTyp, "invalid_typ", CLAIM_FAILED, Some("typ")),
        (
            KeyNotFound,
            "key_not_found",
            "ERR_JWKS_NO_MATCHING_KEY",
            None,
        ),
        (
            KeyAmbiguous,
            "key_ambiguous",
            "ERR_JWKS_MULTIPLE_MATCHING_KEYS",
            None,
        ),
        (
            KeyUnusable,
            "key_unusable",
            "ERR_JWKS_NO_MATCHING_KEY",
            None,
        ),
        (KeyTooWeak, "key_too_weak", "ERR_JWK_INVALID", None),
        (JwksInvalid, "jwks_invalid", "ERR_JWKS_INVALID", None),
        (
            BadSignature,
            "bad_signature",
            "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
            None,
        ),
        (ClaimMissing, "claim_missing", CLAIM_FAILED, None),
        (ClaimInvalid, "claim_invalid", CLAIM_FAILED, None),
        (IssMismatch, "iss_mismatch", CLAIM_FAILED, Some("iss")),
        (AudMismatch, "aud_mismatch", CLAIM_FAILED, Some("aud")),
        (AudUntrusted, "aud_untrusted", CLAIM_FAILED, Some("aud")),
        (AzpMissing, "azp_missing", CLAIM_FAILED, Some("azp")),
        (AzpMismatch, "azp_mismatch", CLAIM_FAILED, Some("azp")),
        (Expired, "expired", "ERR_JWT_EXPIRED", Some("exp")),
        (NotYetValid, "not_yet_valid", CLAIM_FAILED, Some("nbf")),
        (IatInFuture, "iat_in_future", CLAIM_FAILED, Some("iat")),
        (TooOld, "too_old", "ERR_JWT_EXPIRED", Some("iat")),
        (NonceMissing, "nonce_missing", CLAIM_FAILED, Some("nonce")),
        (NonceMismatch, "nonce_mismatch", CLAIM_FAILED, Some("nonce")),
        (
            AuthTimeMissing,
            "auth_time_missing",
            CLAIM_FAILED,
            Some("auth_time"),
        ),
        (
            AuthTimeTooOld,
            "auth_time_too_old",
            CLAIM_FAILED,
            Some("auth_time"),
        ),
        (AcrNotAllowed, "acr_not_allowed", CLAIM_FAILED, Some("acr")),
        (
            AtHashMismatch,
            "at_hash_mismatch",
            CLAIM_FAILED,
            Some("at_hash"),
        ),
        (
            CHashMismatch,
            "c_hash_mismatch",
            CLAIM_FAILED,
            Some("c_hash"),
        ),
        (
            TokenUseMismatch,
            "token_use_mismatch",
            CLAIM_FAILED,
            Some("token_use"),
        ),
        (JwksTimeout, "jwks_timeout", "ERR_JWKS_TIMEOUT", None),
        (
            JwksUnavailable,
            "jwks_unavailable",
            "ERR_JWKS_UNAVAILABLE",
            None,
        ),
    ];
    for &(kind, name, code, claim) in table {
        let e = Error::new(kind);
        check(&e, kind, code, claim);
        assert_eq!(kind.as_str(), name);
        assert!(!e.message().is_empty());
        let shown = e.to_string();
        assert!(shown.contains(name) && shown.contains(code), "{shown}");
    }
    // All names distinct.
    let mut names: Vec<_> = table.iter().map(|t| t.1).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), table.len());
}
