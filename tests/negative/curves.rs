//! EC and OKP keys: the key policy (points on their curve, exact lengths, no private members,
//! no small-order Ed25519 key), key confusion (an alg only meets a key of its own kind), the
//! JWS signature form (`r || s`, never DER), and the default allow-list per key in mixed sets.

use super::*;
use oidc_edge::base64url;
use sha2::Digest;

const UNUSABLE: &str = "ERR_JWKS_NO_MATCHING_KEY";

/// A token of `alg` signed by its test key, with the header `kid` given.
fn token_with_kid(alg: Algorithm, kid: &str) -> String {
    mint(
        alg,
        mint::signer(alg),
        &mint::header_alg(alg, kid),
        &claims(),
    )
}

fn token_for(alg: Algorithm) -> String {
    token_with_kid(alg, mint::signer(alg))
}

/// The error of verifying `alg`'s token against a set holding only `jwk` (under its kid).
fn err_with_key(alg: Algorithm, jwk: Value) -> Error {
    let set = JwkSet::from_value(&json!({ "keys": [jwk] })).unwrap();
    verifier(options())
        .verify(&token_for(alg), &set, NOW)
        .unwrap_err()
}

#[test]
fn every_curve_verifies_by_default() {
    for alg in [
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
        Algorithm::Ed25519,
    ] {
        let v = verifier(options()).verify(&token_for(alg), &keys(), NOW);
        assert_eq!(v.unwrap().header["alg"], alg.name());
    }
}

#[test]
fn ec_points_off_the_curve_or_of_the_wrong_length_are_unusable() {
    let p256 = jwk_json("test-p256");
    let x = p256["x"].as_str().unwrap();
    let mut flipped = base64url::decode(p256["y"].as_str().unwrap().as_bytes()).unwrap();
    flipped[31] ^= 1;
    // The field prime of P-256, as a coordinate: not a field element.
    let prime = "_____wAAAAEAAAAAAAAAAAAAAAD___________________8";
    let zero = b64(&[0; 32]);
    for changes in [
        json!({"y": b64(&flipped)}),
        json!({"x": zero, "y": zero}),
        json!({"x": prime}),
        json!({"x": b64(&[1; 31])}),
        json!({"x": b64(&[1; 33])}),
        json!({"y": null}),
        json!({"x": format!("{x}=")}),
        json!({"crv": "P-384"}),
    ] {
        let e = err_with_key(Algorithm::ES256, with(p256.clone(), changes.clone()));
        check(&e, ErrorKind::KeyUnusable, UNUSABLE, None);
        assert_eq!(e.check(), oidc_edge::Check::Key, "{changes}");
    }
    // The P-256 point given as a P-384 key has the wrong length for that curve.
    let e = err_with_key(
        Algorithm::ES384,
        with(
            p256.clone(),
            json!({"crv": "P-384", "kid": "test-p384", "alg": null}),
        ),
    );
    check(&e, ErrorKind::KeyUnusable, UNUSABLE, None);
    // Curves and key types we do not verify.
    for changes in [
        json!({"crv": "P-521"}),
        json!({"crv": "secp256k1"}),
        json!({"crv": null}),
        json!({"crv": 1}),
        json!({"kty": "OKP"}),
    ] {
        let e = err_with_key(Algorithm::ES256, with(p256.clone(), changes));
        check(&e, ErrorKind::KeyUnusable, UNUSABLE, None);
    }
}

#[test]
fn ed25519_keys_that_are_no_point_or_of_small_order() {
    let ed = jwk_json("test-ed25519");
    // y = 2 has no x on the curve; y = 1 is the identity (small order).
    let not_a_point = b64(&[&[2u8][..], &[0; 31]].concat());
    let identity = b64(&[&[1u8][..], &[0; 31]].concat());
    for changes in [
        json!({"x": not_a_point}),
        json!({"x": b64(&[9; 31])}),
        json!({"x": null}),
        json!({"crv": "X25519"}),
        json!({"crv": "Ed448"}),
    ] {
        let e = err_with_key(Algorithm::EdDSA, with(ed.clone(), changes.clone()));
        check(&e, ErrorKind::KeyUnusable, UNUSABLE, None);
    }
    let e = err_with_key(Algorithm::EdDSA, with(ed, json!({"x": identity})));
    check(&e, ErrorKind::KeyTooWeak, "ERR_JWK_INVALID", None);
    assert!(e.message().contains("small order"), "{e}");
}

#[test]
fn private_members_make_a_key_unusable() {
    use Algorithm::{EdDSA, ES256, RS256};
    for (alg, kid) in [
        (ES256, "test-p256"),
        (EdDSA, "test-ed25519"),
        (RS256, "test-c"),
    ] {
        for member in oidc_edge::jwk::PRIVATE_MEMBERS {
            let jwk = with(jwk_json(kid), json!({ member: "AQAB" }));
            let e = err_with_key(alg, jwk);
            check(&e, ErrorKind::KeyUnusable, UNUSABLE, None);
            assert!(e.message().contains("private"), "{e}");
        }
    }
}

#[test]
fn an_alg_only_meets_a_key_of_its_own_kind() {
    // A token names the kid of a key of another kind: key_unusable, whatever the list says.
    for (alg, kid) in [
        (Algorithm::ES256, "test-p384"),
        (Algorithm::ES256, "test-ed25519"),
        (Algorithm::ES256, "test-a"),
        (Algorithm::ES384, "test-p256"),
        (Algorithm::EdDSA, "test-p256"),
        (Algorithm::Ed25519, "test-c"),
        (Algorithm::RS256, "test-p256"),
        (Algorithm::PS256, "test-ed25519"),
    ] {
        let t = token_with_kid(alg, kid);
        for o in [
            options(),
            VerifyOptions {
                algorithms: Algorithm::ALL.to_vec(),
                ..options()
            },
        ] {
            let e = err(o, &t);
            check(&e, ErrorKind::KeyUnusable, UNUSABLE, None);
        }
    }
    // A key declared for one curve algorithm refuses another of the same kind.
    let ed = with(jwk_json("test-ed25519"), json!({"alg": "EdDSA"}));
    let set = JwkSet::from_value(&json!({ "keys": [ed] })).unwrap();
    let e = verifier(options())
        .verify(&token_for(Algorithm::Ed25519), &set, NOW)
        .unwrap_err();
    check(&e, ErrorKind::KeyUnusable, UNUSABLE, None);
    verifier(options())
        .verify(&token_for(Algorithm::EdDSA), &set, NOW)
        .unwrap();
}

#[test]
fn ecdsa_signatures_are_r_s_of_fixed_length_never_der() {
    for (alg, len) in [(Algorithm::ES256, 32usize), (Algorithm::ES384, 48)] {
        let t = token_for(alg);
        let (input, sig) = t.rsplit_once('.').unwrap();
        let raw = base64url::decode(sig.as_bytes()).unwrap();
        assert_eq!(raw.len(), 2 * len);
        // The same r and s as ASN.1 DER (what OpenSSL emits): refused.
        let int = |v: &[u8]| {
            let mut v = v.to_vec();
            if v[0] & 0x80 != 0 {
                v.insert(0, 0);
            }
            [&[0x02, v.len() as u8][..], &v].concat()
        };
        let body = [int(&raw[..len]), int(&raw[len..])].concat();
        let der = [&[0x30, body.len() as u8][..], &body].concat();
        for bad in [
            der,
            [&raw[..], &[0]].concat(),
            raw[1..].to_vec(),
            [&[0], &raw[..]].concat(),
            vec![0; 2 * len],
        ] {
            let e = err(options(), &format!("{input}.{}", b64(&bad)));
            check(
                &e,
                ErrorKind::BadSignature,
                "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
                None,
            );
        }
        ok(options(), &t, NOW);
    }
}

#[test]
fn default_allow_list_per_key_in_mixed_sets() {
    let mixed = keys(); // RSA (test-a/test-b declared RS256, test-c without alg), P-256, P-384, Ed25519
    let run = |o: VerifyOptions, t: &str| verifier(o).verify(t, &mixed, NOW).map(|_| ());
    // Each curve's own algorithm, and RS256 for RSA keys, with no algorithms named.
    for alg in [
        Algorithm::RS256,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
        Algorithm::Ed25519,
    ] {
        assert_eq!(run(options(), &token_for(alg)), Ok(()), "{alg}");
    }
    // Other RSA algorithms only when the key declares them, or the caller lists them.
    for alg in [
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
    ] {
        let e = run(options(), &token_for(alg)).unwrap_err();
        check_alg_not_allowed(&e);
        let listed = VerifyOptions {
            algorithms: vec![alg],
            ..options()
        };
        assert_eq!(run(listed, &token_for(alg)), Ok(()), "{alg}");
        let declared = with(jwk_json("test-c"), json!({"alg": alg.name()}));
        let set = JwkSet::from_value(&json!({ "keys": [declared] })).unwrap();
        verifier(options())
            .verify(&token_for(alg), &set, NOW)
            .unwrap();
    }
    // A key declaring RS256 and an RS384 token: not on the key's default list; with the
    // list naming RS384, the key's own alg refuses it.
    let rs384 = mint(
        Algorithm::RS384,
        "test-a",
        &json!({"alg": "RS384", "kid": "test-a"}),
        &claims(),
    );
    let e = run(options(), &rs384).unwrap_err();
    check_alg_not_allowed(&e);
    let listed = VerifyOptions {
        algorithms: vec![Algorithm::RS384],
        ..options()
    };
    let e = run(listed, &rs384).unwrap_err();
    check(&e, ErrorKind::KeyUnusable, UNUSABLE, None);
    // An explicit list always wins: ES256 alone refuses RS256 and EdDSA tokens, even with
    // keys whose default would allow them.
    let es256_only = VerifyOptions {
        algorithms: vec![Algorithm::ES256],
        ..options()
    };
    assert_eq!(
        run(es256_only.clone(), &token_for(Algorithm::ES256)),
        Ok(())
    );
    for alg in [Algorithm::RS256, Algorithm::EdDSA, Algorithm::ES384] {
        let e = run(es256_only.clone(), &token_for(alg)).unwrap_err();
        check_alg_not_allowed(&e);
    }
    // Without a kid, the one key of the token's kind is selected from the mixed set...
    // A token signed by `kid` whose header names no kid.
    let no_kid = |alg: Algorithm, kid: &str| mint(alg, kid, &json!({"alg": alg.name()}), &claims());
    for alg in [Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA] {
        let t = no_kid(alg, mint::signer(alg));
        assert_eq!(run(options(), &t), Ok(()), "{alg} without kid");
    }
    // ... and several RSA keys allowing RS256 by default are ambiguous.
    let e = run(options(), &no_kid(Algorithm::RS256, "test-a")).unwrap_err();
    let code = "ERR_JWKS_MULTIPLE_MATCHING_KEYS";
    check(&e, ErrorKind::KeyAmbiguous, code, None);
    // A PS256 token without kid: only a key declaring PS256 may take it by default.
    let t = no_kid(Algorithm::PS256, "test-c");
    let e = run(options(), &t).unwrap_err();
    check(&e, ErrorKind::KeyNotFound, "ERR_JWKS_NO_MATCHING_KEY", None);
    let declared = JwkSet::from_value(&json!({"keys": [
        jwk_json("test-a"),
        with(jwk_json("test-c"), json!({"alg": "PS256"})),
        jwk_json("test-p256"),
    ]}))
    .unwrap();
    verifier(options()).verify(&t, &declared, NOW).unwrap();
}

#[test]
fn at_hash_uses_the_algorithms_hash() {
    // OIDC Core 3.1.3.6: the left half of the alg's hash; SHA-512 for EdDSA (Ed25519).
    let at = "an-access-token";
    for alg in [Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA] {
        let mut digest = [0u8; 64];
        let n = alg.digest(at.as_bytes(), &mut digest);
        let good = b64(&digest[..n / 2]);
        let o = VerifyOptions {
            access_token: Some(at.into()),
            ..options()
        };
        let t = |h: &str| {
            mint(
                alg,
                mint::signer(alg),
                &mint::header_alg(alg, mint::signer(alg)),
                &with(claims(), json!({ "at_hash": h })),
            )
        };
        ok(o.clone(), &t(&good), NOW);
        let sha256_half = b64(&sha2::Sha256::digest(at.as_bytes())[..16]);
        if alg != Algorithm::ES256 {
            let e = err(o, &t(&sha256_half));
            check(&e, ErrorKind::AtHashMismatch, CLAIM_FAILED, Some("at_hash"));
        }
    }
}
