//! Check 2: the header (`alg`, `crit`, `typ`).

use super::*;

#[test]
fn alg_not_allowed() {
    let p = claims().to_string();
    // Names that are no algorithm of ours, with or without an allow-list.
    for alg in ["none", "None", "HS256", "rs256", "ES512", "EDDSA", ""] {
        let t = mint_raw(
            Algorithm::RS256,
            "test-a",
            &json!({"alg": alg, "kid": "test-a"}).to_string(),
            &p,
        );
        for o in [
            options(),
            VerifyOptions {
                algorithms: Algorithm::ALL.to_vec(),
                ..options()
            },
        ] {
            check_alg_not_allowed(&err(o, &t));
        }
    }
    // alg none with an empty signature
    let none = format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(p.as_bytes()));
    check_alg_not_allowed(&err(options(), &none));
    // An explicit list refuses every other algorithm at the header.
    for alg in ["ES256", "PS256", "EdDSA"] {
        let t = mint_raw(
            Algorithm::RS256,
            "test-a",
            &json!({"alg": alg, "kid": "test-a"}).to_string(),
            &p,
        );
        let o = VerifyOptions {
            algorithms: vec![Algorithm::RS256],
            ..options()
        };
        check_alg_not_allowed(&err(o, &t));
    }
    // RS384 signed token under a key without a declared alg: not on the default allow-list;
    // allowed when listed.
    let t = mint(
        Algorithm::RS384,
        "test-c",
        &json!({"alg":"RS384","kid":"test-c"}),
        &claims(),
    );
    check_alg_not_allowed(&err(options(), &t));
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
        let kid = mint::signer(alg);
        let t = mint(alg, kid, &json!({"alg": alg.name(), "kid": kid}), &claims());
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
        refused(options(), &tok(typ), ErrorKind::InvalidTyp, "typ");
    }
    // An explicit typ option replaces the profile rule and makes typ required.
    let o = VerifyOptions {
        typ: Some("JWT".into()),
        ..options()
    };
    ok(o.clone(), &tok(json!("jwt")), NOW);
    refused(o, &id_token(&claims()), ErrorKind::InvalidTyp, "typ");
}
