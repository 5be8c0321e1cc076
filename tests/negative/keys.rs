//! Check 3: key selection and the key policy; the JWK Set document.

use super::*;

#[test]
fn key_not_found_and_case_sensitive_kid() {
    for kid in ["TEST-A", "nope"] {
        let t = mint(Algorithm::RS256, "test-a", &header(kid), &claims());
        let e = err(options(), &t);
        check(&e, ErrorKind::KeyNotFound, "ERR_JWKS_NO_MATCHING_KEY", None);
    }
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

#[test]
fn jwks_size_limit() {
    let pad = "x".repeat(oidc_edge::jwk::MAX_JWKS_SIZE);
    let doc = format!("{{\"keys\":[],\"pad\":\"{pad}\"}}");
    let e = JwkSet::from_json(&doc).unwrap_err();
    check(&e, ErrorKind::JwksInvalid, "ERR_JWKS_INVALID", None);
}
