//! The pipeline's promises for every route: the fixed headers on every response the worker
//! makes, one log line per request in one format, the body limit per route.

use crate::app::{App, Outcome};
use crate::http::HttpRequest;
use crate::testing::{block_on, deployment, FakeIo};

fn app(extra: &[(&str, &str)]) -> App {
    App::from_env(&deployment(extra))
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
