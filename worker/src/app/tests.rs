//! The pipeline's promises for every route: the fixed headers on every response the worker
//! makes, one log line per request in one format, the body limit per route.

use crate::app::{App, Outcome};
use crate::codec::base64url_encode;
use crate::config::Config;
use crate::http::HttpRequest;
use crate::testing::{block_on, FakeIo};

fn app(extra: &[(&str, &str)]) -> App {
    let mut vars: Vec<(String, String)> = vec![
        (
            "OAUTH_HOST_PRIMARY".into(),
            "https://p.example/token".into(),
        ),
        (
            "OAUTH_HOST_SECONDARY".into(),
            "https://s.example/token".into(),
        ),
        ("CLIENT_ENC_KEY".into(), base64url_encode(&[1; 32])),
        ("CLIENT_HASH_KEY".into(), base64url_encode(&[2; 32])),
        ("ORIGIN_SIGNING_KEY".into(), base64url_encode(&[3; 32])),
        ("REGION_MODE".into(), "separate".into()),
        ("ISSUER_PRIMARY".into(), "https://p.example/pool".into()),
        ("ISSUER_SECONDARY".into(), "https://s.example/pool".into()),
        ("JWKS_URL_PRIMARY".into(), "https://p.example/jwks".into()),
        ("JWKS_URL_SECONDARY".into(), "https://s.example/jwks".into()),
        ("VERIFY_PROFILE".into(), "at_jwt".into()),
        ("VERIFY_AUDIENCE".into(), "https://api.example".into()),
        ("PROTECT_ORIGIN".into(), "https://origin.example".into()),
    ];
    for (k, v) in extra {
        vars.retain(|(n, _)| n != k);
        vars.push((k.to_string(), v.to_string()));
    }
    App::new(Config::from_env(&move |k: &str| {
        vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }))
}

fn req(method: &str, path: &str, body: Option<&[u8]>) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        path: path.into(),
        body: body.map(<[u8]>::to_vec),
        ..HttpRequest::default()
    }
}

#[test]
fn every_response_has_the_fixed_headers_and_every_request_one_log_line() {
    let io = FakeIo::at_s(1_800_000_000);
    for a in [app(&[]), app(&[("REGION_MODE", "guess")])] {
        for (method, path, body) in [
            (
                "POST",
                "/oauth2/token",
                Some(&b"grant_type=client_credentials"[..]),
            ),
            ("POST", "/oauth2/token", None),
            ("GET", "/oauth2/token", Some(&b""[..])),
            ("GET", "/healthz", Some(&b""[..])),
            ("POST", "/verify", Some(&b""[..])),
            ("POST", "/verify", None),
            ("GET", "/.well-known/jwks/primary.json", Some(&b""[..])),
            ("GET", "/api/x", Some(&b""[..])),
            ("GET", "/nowhere", Some(&b""[..])),
        ] {
            let r = req(method, path, body);
            let route = a.route(method, path);
            let (o, log) = block_on(a.handle(&io, route, &r, "rid-9"));
            let Outcome::Respond(resp) = o else {
                panic!("{method} {path}")
            };
            let what = format!("{method} {path} {}", resp.status);
            assert_eq!(resp.header("x-request-id"), Some("rid-9"), "{what}");
            assert_eq!(
                resp.header("x-content-type-options"),
                Some("nosniff"),
                "{what}"
            );
            assert!(resp.header("cache-control").is_some(), "{what}");
            assert!(resp.header("x-oidc-edge-upstream").is_some(), "{what}");
            assert!(resp.header("content-type").is_some(), "{what}");
            let line: serde_json::Value = serde_json::from_str(&log.to_json()).unwrap();
            assert_eq!(line["request_id"], "rid-9", "{what}");
            assert_eq!(line["route"], route.name(), "{what}");
            assert_eq!(line["status"], resp.status, "{what}");
            assert!(
                line["outcome"].as_str().is_some_and(|o| !o.is_empty()),
                "{what}"
            );
            if body.is_none() && a.config().is_ok() {
                assert_eq!(resp.status, 413, "{what}");
            }
        }
    }
}
