//! DPoP and the EC / EdDSA algorithms at the edge, through the whole pipeline natively: the
//! fixtures' tokens (`cnf.jkt` naming the fixtures' client key) and proofs signed here with
//! that key at the fake clock's time.

use oidc_edge::hash::Sha256;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};

use super::verify_tests::{forwarded, kind, req, world, World, ORIGIN};
use crate::app::{App, Outcome};
use crate::codec::{base64url_decode, base64url_encode};
use crate::http::HttpResponse;
use crate::io::Io;
use crate::testing::block_on;

/// A 32-byte `DPOP_NONCE_KEY`.
const NONCE_KEY: [u8; 32] = [0x5a; 32];

/// What a proof claims.
struct Proof<'a> {
    htm: &'a str,
    htu: String,
    token: Option<&'a str>,
    iat: i64,
    jti: &'a str,
    nonce: Option<&'a str>,
}

impl World {
    /// A proof signed with the fixtures' client key.
    fn proof(&self, p: &Proof<'_>) -> String {
        let client = &self.fx.0["dpop_client"];
        let field = |n: &str| client[n].as_str().unwrap().to_string();
        let jwk = json!({"kty": "EC", "crv": "P-256", "x": field("x"), "y": field("y")});
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk});
        let mut claims = json!({"htm": p.htm, "htu": p.htu, "iat": p.iat, "jti": p.jti});
        if let Some(t) = p.token {
            claims["ath"] = base64url_encode(&Sha256::digest(t.as_bytes())).into();
        }
        if let Some(n) = p.nonce {
            claims["nonce"] = n.into();
        }
        let input = format!(
            "{}.{}",
            base64url_encode(header.to_string().as_bytes()),
            base64url_encode(claims.to_string().as_bytes())
        );
        let key = SigningKey::from_slice(&base64url_decode(&field("d")).unwrap()).unwrap();
        let sig: Signature = key.sign(input.as_bytes());
        format!("{input}.{}", base64url_encode(&sig.to_bytes()))
    }

    /// A proof for `POST /verify` of `token` (a fixture name) now, with this `jti`.
    fn verify_proof(&self, token: &str, jti: &str, nonce: Option<&str>) -> String {
        self.proof(&Proof {
            htm: "POST",
            htu: format!("{ORIGIN}/verify"),
            token: Some(&self.fx.token(token)),
            iat: self.io.now_s(),
            jti,
            nonce,
        })
    }

    /// `POST /verify` with `Authorization: DPoP <token>` and these `DPoP` headers.
    fn verify_dpop(&self, token: &str, proofs: &[&str]) -> HttpResponse {
        self.verify_dpop_in(&self.app, token, proofs)
    }

    /// The same, served by `app` (another isolate).
    fn verify_dpop_in(&self, app: &App, token: &str, proofs: &[&str]) -> HttpResponse {
        let auth = format!("DPoP {}", self.fx.token(token));
        let mut h = vec![("Authorization", auth.as_str())];
        h.extend(proofs.iter().map(|p| ("DPoP", *p)));
        let r = req("POST", "/verify", &h, "");
        let (o, _) = block_on(app.handle(&self.io, app.route("POST", "/verify"), &r, "rid"));
        o.response().unwrap().clone()
    }
}

fn claim(r: &HttpResponse) -> Value {
    r.json_body().unwrap()["claim"].clone()
}

fn challenge(r: &HttpResponse) -> Option<&str> {
    r.header("WWW-Authenticate")
}

#[test]
fn es256_and_eddsa_tokens_verify_with_the_default_algorithms() {
    let w = world(&[]);
    for (name, alg) in [
        ("p_es256", "ES256"),
        ("p_eddsa", "EdDSA"),
        ("p_ok", "RS256"),
    ] {
        let r = w.verify(name);
        assert_eq!(r.status, 200, "{name}: {:?}", r.json_body());
        assert_eq!(r.json_body().unwrap()["header"]["alg"], alg);
    }
    // An explicit list wins.
    let rsa_only = world(&[("VERIFY_ALGORITHMS", "RS256")]);
    assert_eq!(kind(&rsa_only.verify("p_es256")), "alg_not_allowed");
    let ec = world(&[("VERIFY_ALGORITHMS", "ES256, EdDSA")]);
    assert_eq!(ec.verify("p_eddsa").status, 200);
    assert_eq!(kind(&ec.verify("p_ok")), "alg_not_allowed");
}

#[test]
fn a_dpop_bound_token_with_its_proof_verifies_and_the_proof_is_used_once() {
    let w = world(&[]);
    let proof = w.verify_proof("p_dpop_bound", "jti-1", None);
    let r = w.verify_dpop("p_dpop_bound", &[&proof]);
    assert_eq!(r.status, 200, "{:?}", r.json_body());
    assert_eq!(r.json_body().unwrap()["client"], "oe_demo");
    assert_eq!(r.header("DPoP-Nonce"), None, "nonces are off");
    // The same proof again: a replay.
    let r = w.verify_dpop("p_dpop_bound", &[&proof]);
    assert_eq!(
        (r.status, kind(&r), claim(&r)),
        (401, "dpop_invalid".into(), json!("jti"))
    );
    assert_eq!(challenge(&r), Some(r#"DPoP error="invalid_dpop_proof""#));
    // A new proof (another jti) is fine.
    let again = w.verify_proof("p_dpop_bound", "jti-2", None);
    assert_eq!(w.verify_dpop("p_dpop_bound", &[&again]).status, 200);
}

#[test]
fn the_protected_route_takes_dpop_with_htu_without_the_query() {
    let w = world(&[]);
    let token = w.fx.token("p_dpop_bound");
    let proof = w.proof(&Proof {
        htm: "GET",
        htu: format!("{ORIGIN}/api/orders"),
        token: Some(&token),
        iat: w.io.now_s(),
        jti: "p-1",
        nonce: None,
    });
    let auth = format!("DPoP {token}");
    let h = [("Authorization", auth.as_str()), ("DPoP", proof.as_str())];
    let (o, log) = w.run_logged(&req("GET", "/api/orders?limit=2", &h, ""));
    let f = forwarded(o);
    assert_eq!(f.url, "http://127.0.0.1:8999/api/orders?limit=2");
    assert_eq!(log.auth, Some("dpop"));
    // The proof's method must be the request's.
    let Outcome::Respond(r) = w.run(&req("DELETE", "/api/orders", &h, "")) else {
        panic!("a proof for GET was accepted for DELETE")
    };
    assert_eq!((kind(&r), claim(&r)), ("dpop_invalid".into(), json!("htm")));
}

#[test]
fn mismatched_missing_and_stale_proofs_are_refused() {
    let w = world(&[]);
    let now = w.io.now_s();
    let bound = w.fx.token("p_dpop_bound");
    let cases: Vec<(&str, Proof<'_>, &str)> = vec![
        (
            "another URL",
            Proof {
                htm: "POST",
                htu: format!("{ORIGIN}/elsewhere"),
                token: Some(&bound),
                iat: now,
                jti: "m-1",
                nonce: None,
            },
            "htu",
        ),
        (
            "another host",
            Proof {
                htm: "POST",
                htu: "https://evil.example/verify".into(),
                token: Some(&bound),
                iat: now,
                jti: "m-2",
                nonce: None,
            },
            "htu",
        ),
        (
            "another token's hash",
            Proof {
                htm: "POST",
                htu: format!("{ORIGIN}/verify"),
                token: Some("some.other.token"),
                iat: now,
                jti: "m-3",
                nonce: None,
            },
            "ath",
        ),
        (
            "no ath",
            Proof {
                htm: "POST",
                htu: format!("{ORIGIN}/verify"),
                token: None,
                iat: now,
                jti: "m-4",
                nonce: None,
            },
            "ath",
        ),
        (
            "made 120 s ago",
            Proof {
                htm: "POST",
                htu: format!("{ORIGIN}/verify"),
                token: Some(&bound),
                iat: now - 120,
                jti: "m-5",
                nonce: None,
            },
            "iat",
        ),
    ];
    for (what, p, want) in cases {
        let r = w.verify_dpop("p_dpop_bound", &[&w.proof(&p)]);
        assert_eq!(
            (r.status, kind(&r), claim(&r)),
            (401, "dpop_invalid".into(), json!(want)),
            "{what}"
        );
        assert_eq!(challenge(&r), Some(r#"DPoP error="invalid_dpop_proof""#));
    }
    // No proof, two proofs.
    let p = w.verify_proof("p_dpop_bound", "m-6", None);
    for proofs in [vec![], vec![p.as_str(), p.as_str()]] {
        let r = w.verify_dpop("p_dpop_bound", &proofs);
        assert_eq!((r.status, kind(&r)), (401, "dpop_invalid".into()));
        assert_eq!(challenge(&r), Some(r#"DPoP error="invalid_dpop_proof""#));
    }
    // A valid proof for a token bound to another key, for an unbound token: the binding
    // fails. An mTLS-bound token (`x5t#S256`) stays refused, proof or not.
    for (token, jti, want) in [
        ("p_dpop_other_key", "m-7", "dpop_invalid"),
        ("p_ok", "m-8", "dpop_invalid"),
        ("p_mtls_bound", "m-9", "claim_invalid"),
    ] {
        let r = w.verify_dpop(token, &[&w.verify_proof(token, jti, None)]);
        assert_eq!(
            (r.status, kind(&r), claim(&r)),
            (401, want.into(), json!("cnf")),
            "{token}"
        );
    }
}

#[test]
fn bound_tokens_presented_as_bearer_are_refused() {
    let w = world(&[]);
    let r = w.verify("p_dpop_bound");
    assert_eq!((r.status, kind(&r)), (401, "dpop_required".into()));
    assert_eq!(challenge(&r), Some(r#"DPoP error="invalid_token""#));
    let r = w.verify("p_mtls_bound");
    assert_eq!(
        (r.status, kind(&r), claim(&r)),
        (401, "claim_invalid".into(), json!("cnf"))
    );
    // A DPoP header beside a Bearer token proves nothing.
    let proof = w.verify_proof("p_dpop_bound", "b-1", None);
    let auth = format!("Bearer {}", w.fx.token("p_dpop_bound"));
    let h = [("Authorization", auth.as_str()), ("DPoP", proof.as_str())];
    let r = w.respond(&req("POST", "/verify", &h, ""));
    assert_eq!(kind(&r), "dpop_required");
}

#[test]
fn nonces_are_stateless_and_any_isolate_checks_any_isolates() {
    let key = base64url_encode(&NONCE_KEY);
    let extra = [
        ("DPOP_NONCE_KEY", key.as_str()),
        ("DPOP_NONCE_WINDOW_S", "60"),
    ];
    let w = world(&extra);
    // Without a nonce: use_dpop_nonce, and the nonce to use.
    let r = w.verify_dpop(
        "p_dpop_bound",
        &[&w.verify_proof("p_dpop_bound", "n-1", None)],
    );
    assert_eq!(
        (r.status, kind(&r), claim(&r)),
        (401, "dpop_invalid".into(), json!("nonce"))
    );
    assert_eq!(challenge(&r), Some(r#"DPoP error="use_dpop_nonce""#));
    let nonce = r.header("DPoP-Nonce").expect("a DPoP-Nonce").to_string();
    // With it: accepted, by this isolate and by another one (same key, no shared state).
    let p = w.verify_proof("p_dpop_bound", "n-2", Some(&nonce));
    let r = w.verify_dpop("p_dpop_bound", &[&p]);
    assert_eq!(r.status, 200, "{:?}", r.json_body());
    assert!(
        r.header("DPoP-Nonce").is_some(),
        "every DPoP answer carries one"
    );
    let other = App::new(super::verify_tests::config(&extra));
    let p = w.verify_proof("p_dpop_bound", "n-3", Some(&nonce));
    assert_eq!(w.verify_dpop_in(&other, "p_dpop_bound", &[&p]).status, 200);
    // A made-up nonce, and the nonce two windows later: use_dpop_nonce again.
    let p = w.verify_proof("p_dpop_bound", "n-4", Some("made-up"));
    let r = w.verify_dpop("p_dpop_bound", &[&p]);
    assert_eq!(challenge(&r), Some(r#"DPoP error="use_dpop_nonce""#));
    w.io.set_now_s(w.fx.now() + 120);
    let p = w.verify_proof("p_dpop_bound", "n-5", Some(&nonce));
    let r = w.verify_dpop("p_dpop_bound", &[&p]);
    assert_eq!(
        (kind(&r), claim(&r)),
        ("dpop_invalid".into(), json!("nonce"))
    );
    assert_ne!(r.header("DPoP-Nonce"), Some(nonce.as_str()), "a fresh one");
    // A short key is a configuration problem, not nonces off.
    let short = base64url_encode(&[1u8; 16]);
    let problems = super::verify_tests::config(&[("DPOP_NONCE_KEY", short.as_str())]).unwrap_err();
    assert!(
        problems.iter().any(|p| p.contains("DPOP_NONCE_KEY")),
        "{problems:?}"
    );
}
