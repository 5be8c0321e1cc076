//! Property tests (proptest, CI-sized case counts): mutated or truncated tokens never verify
//! and never panic; mutated key sets and arbitrary inputs never panic; base64url round-trips;
//! issuer lists and Entra tenant templates accept exactly what they should; required scopes
//! pass exactly when all are granted. EC and OKP keys: arbitrary coordinates never panic and a
//! changed key never verifies the original tokens; DPoP proofs: mutations never verify,
//! arbitrary proofs and requests never panic, `htu` normalisation is idempotent, nonces are
//! accepted exactly in their window and the next.

mod mint;

use std::sync::OnceLock;

use mint::{claims, id_token, jwks, options, verifier, NOW};
use oidc_edge::dpop::{self, DpopOptions, NonceIssuer};
use oidc_edge::{
    base64url, Algorithm, Jwk, JwkSet, KeyKind, TrustSet, TrustedIssuer, Verifier, VerifyOptions,
};
use proptest::prelude::*;

struct Fixture {
    token: String,
    keys: JwkSet,
    verifier: Verifier,
    jwks_text: String,
    /// Tokens of the curve algorithms (ES256, ES384, EdDSA) and their keys.
    curve_tokens: Vec<String>,
    curve_keys: JwkSet,
    /// A DPoP proof, valid for `dpop_request()` at NOW.
    proof: String,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let keys = jwks(&["test-a", "test-b", "test-c"]);
        let token = id_token(&claims());
        let verifier = verifier(VerifyOptions {
            nonce: Some("nonce-1".into()),
            ..options()
        });
        verifier
            .verify(&token, &keys, NOW)
            .expect("the fixture token is valid");
        let curve_keys = jwks(&["test-p256", "test-p384", "test-ed25519"]);
        let curve_tokens: Vec<String> = [Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA]
            .into_iter()
            .map(|alg| {
                let kid = mint::signer(alg);
                mint::mint(alg, kid, &mint::header_alg(alg, kid), &claims())
            })
            .collect();
        for t in &curve_tokens {
            crate::verifier(options())
                .verify(t, &curve_keys, NOW)
                .expect("the fixture tokens are valid");
        }
        let proof = mint::dpop_proof(
            Algorithm::ES256,
            "test-p256",
            serde_json::json!({}),
            &mint::proof_claims(),
        );
        dpop::verify_proof(&proof, &dpop_request(), NOW).expect("the fixture proof is valid");
        Fixture {
            token,
            keys,
            verifier,
            jwks_text: mint::jwks_json().to_string(),
            curve_tokens,
            curve_keys,
            proof,
        }
    })
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// `text` with the byte at `pos` set to `byte`, or None where that changes nothing or leaves no
/// UTF-8 (which cannot even be passed as a token: the caller's type system at work).
fn mutated(text: &str, pos: &prop::sample::Index, byte: u8) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    let i = pos.index(bytes.len());
    if bytes[i] == byte {
        return None;
    }
    bytes[i] = byte;
    String::from_utf8(bytes).ok()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn single_byte_mutations_never_verify(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let f = fixture();
        if let Some(t) = mutated(&f.token, &pos, byte) {
            prop_assert!(f.verifier.verify(&t, &f.keys, NOW).is_err());
        }
    }

    #[test]
    fn truncations_and_deletions_never_verify(cut in any::<prop::sample::Index>(), len in 1usize..8) {
        let f = fixture();
        let at = cut.index(f.token.len());
        prop_assert!(f.verifier.verify(&f.token[..at], &f.keys, NOW).is_err());
        let end = (at + len).min(f.token.len());
        let deleted = format!("{}{}", &f.token[..at], &f.token[end..]);
        prop_assert!(f.verifier.verify(&deleted, &f.keys, NOW).is_err());
    }

    #[test]
    fn insertions_never_verify(pos in any::<prop::sample::Index>(), c in prop::char::any()) {
        let f = fixture();
        let at = pos.index(f.token.len() + 1);
        let mut t = f.token.clone();
        t.insert(at, c);
        prop_assert!(f.verifier.verify(&t, &f.keys, NOW).is_err());
    }

    #[test]
    fn jwks_mutations_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let f = fixture();
        let mut bytes = f.jwks_text.clone().into_bytes();
        for (pos, byte) in edits {
            let i = pos.index(bytes.len());
            bytes[i] = byte;
        }
        bytes.truncate(cut.index(bytes.len() + 1).max(1));
        if let Ok(text) = String::from_utf8(bytes) {
            if let Ok(set) = JwkSet::from_json(&text) {
                for k in set.keys() {
                    let _ = k.thumbprint();
                }
                let _ = f.verifier.verify(&f.token, &set, NOW);
            }
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in ".{0,400}") {
        let f = fixture();
        prop_assert!(f.verifier.verify(&s, &f.keys, NOW).is_err());
        let _ = JwkSet::from_json(&s);
    }

    #[test]
    fn arbitrary_dotted_base64_never_panics(
        h in "[A-Za-z0-9_-]{0,80}", p in "[A-Za-z0-9_-]{0,200}", s in "[A-Za-z0-9_-]{0,400}"
    ) {
        let f = fixture();
        let token = format!("{h}.{p}.{s}");
        prop_assert!(f.verifier.verify(&token, &f.keys, NOW).is_err());
    }

    #[test]
    fn base64url_round_trips(data in prop::collection::vec(any::<u8>(), 0..300)) {
        let enc = base64url::encode(&data);
        prop_assert_eq!(base64url::decode(enc.as_bytes()).unwrap(), data);
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn any_claims_object_never_panics_and_any_now(
        exp in prop_oneof![any::<i64>().prop_map(serde_json::Value::from), any::<f64>().prop_map(serde_json::Value::from)],
        now in any::<i64>(),
        tol in any::<u64>(),
        age in prop::option::of(any::<u64>()),
    ) {
        let f = fixture();
        let token = id_token(&mint::with(claims(), serde_json::json!({"exp": exp, "auth_time": 1.5e300})));
        let v = verifier(VerifyOptions { clock_tolerance: tol, max_token_age: age, max_age: age, ..options() });
        let _ = v.verify(&token, &f.keys, now);
    }

    #[test]
    fn trust_set_mutations_never_verify(pos in any::<prop::sample::Index>(), byte in 0x21u8..0x7f) {
        let f = fixture();
        let ts = TrustSet::new(VerifyOptions::default(), vec![TrustedIssuer {
            issuer: vec![mint::ISS.into()],
            keys: Some(f.keys.clone()),
            client_ids: vec![mint::CLIENT.into()],
            ..TrustedIssuer::default()
        }]).unwrap();
        prop_assert!(ts.verify(&f.token, NOW).is_ok());
        let mut bytes = f.token.clone().into_bytes();
        let i = pos.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        let t = String::from_utf8(bytes).unwrap();
        prop_assert!(ts.verify(&t, NOW).is_err());
    }
}

const TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

fn hex_guid(bytes: &[u8; 16]) -> String {
    let h: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

proptest! {
    #![proptest_config(config(64))]

    /// A template accepts exactly the tokens whose iss is the template filled with their own
    /// tid, for an allowed tenant; any other (iss, tid) pair is refused.
    #[test]
    fn templates_accept_only_their_own_tenant(
        tid in any::<[u8; 16]>(),
        other in any::<[u8; 16]>(),
        same_iss in any::<bool>(),
        allowed in any::<bool>(),
    ) {
        let (tid, other) = (hex_guid(&tid), hex_guid(&other));
        prop_assume!(tid != other);
        let iss_tid = if same_iss { tid.clone() } else { other.clone() };
        let iss = TEMPLATE.replace("{tenantid}", &iss_tid);
        let allowed_list = if allowed { vec![tid.clone()] } else { vec![other.clone()] };
        let o = VerifyOptions {
            issuer: vec![TEMPLATE.into()],
            allowed_tenants: allowed_list,
            ..options()
        };
        let token = id_token(&mint::with(claims(), serde_json::json!({"iss": iss, "tid": tid})));
        let r = verifier(o).verify(&token, &fixture().keys, NOW);
        prop_assert_eq!(r.is_ok(), same_iss && allowed, "{:?}", r.err());
    }

    /// An issuer list accepts exactly its members, byte for byte.
    #[test]
    fn issuer_lists_accept_exactly_their_members(
        list in prop::collection::vec("[a-z:/.]{1,12}", 1..4),
        iss in "[a-z:/.]{1,12}",
    ) {
        prop_assume!(!list.iter().any(|i| i.contains("{tenantid}")));
        let o = VerifyOptions { issuer: list.clone(), ..options() };
        let token = id_token(&mint::with(claims(), serde_json::json!({"iss": iss})));
        let r = verifier(o).verify(&token, &fixture().keys, NOW);
        prop_assert_eq!(r.is_ok(), list.contains(&iss));
    }

    /// Required scopes pass exactly when every one is granted, whichever claim and form carries
    /// the grant (`scope` string, `scp` string or array); otherwise insufficient_scope.
    #[test]
    fn scopes_pass_exactly_when_all_are_granted(
        granted in prop::collection::btree_set("[a-z]{1,3}", 0..5),
        required in prop::collection::btree_set("[a-z]{1,3}", 1..3),
        form in 0u8..3,
    ) {
        let joined = granted.iter().cloned().collect::<Vec<_>>().join(" ");
        let grant = match form {
            0 => serde_json::json!({"scope": joined}),
            1 => serde_json::json!({"scp": joined}),
            _ => serde_json::json!({"scp": granted.iter().collect::<Vec<_>>()}),
        };
        let o = VerifyOptions {
            required_scopes: required.iter().cloned().collect(),
            ..options()
        };
        let token = id_token(&mint::with(claims(), grant));
        let r = verifier(o).verify(&token, &fixture().keys, NOW);
        let all = required.iter().all(|s| granted.contains(s));
        prop_assert_eq!(r.is_ok(), all);
        if let Err(e) = r {
            prop_assert_eq!(e.kind(), oidc_edge::ErrorKind::InsufficientScope);
        }
    }
}

fn dpop_request() -> DpopOptions {
    DpopOptions {
        method: "GET".into(),
        url: mint::RESOURCE.into(),
        ..DpopOptions::default()
    }
}

/// A public JWK of `kind` with the given coordinates.
fn curve_jwk(kind: KeyKind, x: &[u8], y: &[u8]) -> serde_json::Value {
    let mut jwk = serde_json::json!({
        "kty": kind.kty(), "crv": kind.curve().unwrap(), "x": base64url::encode(x)
    });
    if kind != KeyKind::Ed25519 {
        jwk["y"] = base64url::encode(y).into();
    }
    jwk
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn curve_token_mutations_never_verify(
        which in 0usize..3, pos in any::<prop::sample::Index>(), byte in any::<u8>(),
    ) {
        let f = fixture();
        if let Some(t) = mutated(&f.curve_tokens[which], &pos, byte) {
            prop_assert!(verifier(options()).verify(&t, &f.curve_keys, NOW).is_err());
        }
    }

    /// Random coordinates are a key only when they are a point of the curve (almost never):
    /// parsing, thumbprints and verification never panic, and a random signature never
    /// verifies under whatever key they make.
    #[test]
    fn arbitrary_ec_and_okp_keys_never_panic(
        kind in prop::sample::select(vec![KeyKind::P256, KeyKind::P384, KeyKind::Ed25519]),
        x in prop::collection::vec(any::<u8>(), 0..60),
        y in prop::collection::vec(any::<u8>(), 0..60),
        sig in prop::collection::vec(any::<u8>(), 0..100),
    ) {
        let jwk = Jwk::from_value(&curve_jwk(kind, &x, &y));
        prop_assert_eq!(jwk.key_kind(), Some(kind));
        let _ = jwk.thumbprint();
        let _ = jwk.public_jwk();
        let alg = kind.default_algorithms()[0];
        if let Ok(key) = jwk.check_usable(alg) {
            prop_assert_eq!(key.kind(), kind);
            prop_assert!(!key.verify(alg, b"header.payload", &sig));
        }
    }

    /// A test key with one coordinate octet changed is no longer the same key: either no
    /// key at all (off the curve: nearly always) or one whose signatures differ.
    #[test]
    fn mutated_curve_keys_never_verify_the_original_tokens(
        which in 0usize..3, coordinate in 0usize..2, pos in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let f = fixture();
        let kid = ["test-p256", "test-p384", "test-ed25519"][which];
        let mut jwk = mint::jwk_json(kid);
        let name = if coordinate == 1 && which < 2 { "y" } else { "x" };
        let mut raw = base64url::decode(jwk[name].as_str().unwrap().as_bytes()).unwrap();
        let i = pos.index(raw.len());
        raw[i] ^= flip;
        jwk[name] = base64url::encode(&raw).into();
        let set = JwkSet::from_value(&serde_json::json!({ "keys": [jwk] })).unwrap();
        prop_assert!(verifier(options()).verify(&f.curve_tokens[which], &set, NOW).is_err());
    }

    #[test]
    fn dpop_proof_mutations_never_verify(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let f = fixture();
        if let Some(p) = mutated(&f.proof, &pos, byte) {
            let e = dpop::verify_proof(&p, &dpop_request(), NOW).unwrap_err();
            prop_assert_eq!(e.kind(), oidc_edge::ErrorKind::DpopInvalid);
        }
    }

    #[test]
    fn arbitrary_proofs_and_requests_never_panic(
        proof in ".{0,300}", method in "[A-Za-z]{0,8}", url in ".{0,80}", now in any::<i64>(),
        age in any::<u64>(), tol in any::<u64>(),
    ) {
        let o = DpopOptions { method, url, max_age: age, max_future: age, clock_tolerance: tol,
            ..DpopOptions::default() };
        prop_assert!(dpop::verify_proof(&proof, &o, now).is_err());
        let f = fixture();
        let _ = dpop::verify_proof(&f.proof, &o, now);
    }

    /// Normalisation is idempotent, and the query and fragment never matter.
    #[test]
    fn htu_normalisation_is_idempotent(
        url in "(https?|HTTPS|ftp)://[A-Za-z0-9.%:\\[\\]@-]{0,20}(/[A-Za-z0-9._~%!$&'()*+,;=:@|^-]{0,10}){0,4}",
        query in "[?#][ -~]{0,20}",
    ) {
        if let Some(n) = dpop::htu::normalize(&url) {
            prop_assert_eq!(dpop::htu::normalize(&n), Some(n.clone()));
            let with_query = format!("{url}{query}");
            prop_assert_eq!(dpop::htu::normalize(&with_query), Some(n));
        }
    }

    #[test]
    fn nonces_round_trip_at_any_time(
        key in prop::collection::vec(any::<u8>(), 32..64), window in 1u64..100_000,
        now in any::<i64>(), later in 0u64..200_000,
    ) {
        let issuer = NonceIssuer::new(&key, window).unwrap();
        let nonce = issuer.issue(now);
        prop_assert!(issuer.check(&nonce, now));
        let Some(t) = now.checked_add(later as i64) else { return Ok(()); };
        // Accepted exactly while t is in the nonce's window or the next.
        let w = |x: i64| x.div_euclid(window as i64);
        prop_assert_eq!(issuer.check(&nonce, t), w(t) - w(now) <= 1);
    }
}
