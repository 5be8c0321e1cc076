//! Check 4: the signature; header keys are never used.

use super::*;

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
