//! The edge flow end to end over fakes: real signed tokens (fixtures), fake JWKS hosts, KV
//! records and Cache API.

use serde_json::{json, Value};

use super::config::EdgeConfig;
use super::handler::{handle, EdgeRoute, EdgeState, Outcome};
use super::io::FetchOutcome;
use super::testing::{block_on, FakeIo, Fixtures};
use crate::http::{HttpRequest, HttpResponse};
use crate::proxy::upstream::Region;

const JP: &str = "https://primary.example.test/pool/jwks";
const JS: &str = "https://secondary.example.test/pool/jwks";

fn record(app: &str, p: &str, s: &str) -> String {
    json!({
        "v": 1, "mode": "concealed", "client_id": app,
        "secret_hashes": ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
        "primary": {"client_id": p, "secret": "v1.x.y"},
        "secondary": {"client_id": s, "secret": "v1.x.y"},
    })
    .to_string()
}

struct World {
    fx: Fixtures,
    io: FakeIo,
    state: EdgeState,
}

fn world(extra: &[(&str, &str)]) -> World {
    let fx = Fixtures::load();
    let mut vars: Vec<(String, String)> = vec![
        ("REGION_MODE".into(), "separate".into()),
        ("ISSUER_PRIMARY".into(), fx.s("issuer_primary")),
        ("ISSUER_SECONDARY".into(), fx.s("issuer_secondary")),
        ("JWKS_URL_PRIMARY".into(), JP.into()),
        ("JWKS_URL_SECONDARY".into(), JS.into()),
        ("VERIFY_PROFILE".into(), "at_jwt".into()),
        ("VERIFY_AUDIENCE".into(), fx.s("audience")),
        ("PROTECT_ORIGIN".into(), "http://127.0.0.1:8999".into()),
        ("REQUIRED_SCOPES".into(), "api:read".into()),
    ];
    for (k, v) in extra {
        vars.retain(|(n, _)| n != k);
        if !v.is_empty() {
            vars.push((k.to_string(), v.to_string()));
        }
    }
    let get = move |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let state = EdgeState::new(EdgeConfig::from_env(&get));
    let io = FakeIo::at(fx.now());
    io.jwks(JP, 200, &fx.s("jwks_p"));
    io.jwks(JS, 200, &fx.s("jwks_s"));
    io.kv_put(
        "client:oe_demo",
        &record("oe_demo", "app-primary-id", "app-secondary-id"),
    );
    io.kv_put(
        "upstream:primary:app-primary-id",
        r#"{"v":1,"client":"oe_demo"}"#,
    );
    io.kv_put(
        "upstream:secondary:app-secondary-id",
        r#"{"v":1,"client":"oe_demo"}"#,
    );
    World { fx, io, state }
}

fn req(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        path: path.into(),
        query: String::new(),
        headers: headers
            .iter()
            .map(|(a, b)| (a.to_ascii_lowercase(), b.to_string()))
            .collect(),
        body: Some(body.as_bytes().to_vec()),
    }
}

impl World {
    fn run(&self, r: &HttpRequest) -> Outcome {
        let route = self.state.route(&r.method, &r.path).expect("an edge route");
        block_on(handle(&self.state, route, r, &self.io, "rid"))
    }
    fn verify(&self, token_name: &str) -> HttpResponse {
        let t = self.fx.token(token_name);
        self.verify_raw(&t)
    }
    fn verify_raw(&self, t: &str) -> HttpResponse {
        match self.run(&req(
            "POST",
            "/verify",
            &[("Authorization", &format!("Bearer {t}"))],
            "",
        )) {
            Outcome::Respond(r) => r,
            o => panic!("{o:?}"),
        }
    }
    fn protected(&self, token_name: &str, extra: &[(&str, &str)]) -> Outcome {
        let auth = format!("Bearer {}", self.fx.token(token_name));
        let mut h = vec![("Authorization", auth.as_str())];
        h.extend_from_slice(extra);
        self.run(&req("GET", "/api/orders", &h, ""))
    }
}

fn kind(r: &HttpResponse) -> String {
    r.json_body()
        .and_then(|b| b["kind"].as_str().map(str::to_string))
        .unwrap_or_default()
}

#[test]
fn routes() {
    let w = world(&[]);
    assert_eq!(w.state.route("POST", "/verify"), Some(EdgeRoute::Verify));
    assert_eq!(
        w.state.route("GET", "/verify"),
        Some(EdgeRoute::MethodNotAllowed("POST"))
    );
    assert_eq!(
        w.state.route("GET", "/.well-known/jwks/primary.json"),
        Some(EdgeRoute::Mirror(Region::Primary))
    );
    assert_eq!(
        w.state.route("HEAD", "/.well-known/jwks/secondary.json"),
        Some(EdgeRoute::Mirror(Region::Secondary))
    );
    assert_eq!(
        w.state.route("POST", "/.well-known/jwks/primary.json"),
        Some(EdgeRoute::MethodNotAllowed("GET, HEAD"))
    );
    assert_eq!(
        w.state.route("DELETE", "/api/x"),
        Some(EdgeRoute::Protected)
    );
    assert_eq!(w.state.route("GET", "/api"), None);
    assert_eq!(w.state.route("POST", "/oauth2/token"), None);
    assert_eq!(w.state.route("GET", "/healthz"), None);
    let off = world(&[("PROTECT_ORIGIN", "")]);
    assert_eq!(off.state.route("GET", "/api/x"), None);
}

#[test]
fn both_regions_verify_as_the_same_logical_client() {
    let w = world(&[]);
    for (name, region, sub) in [
        ("p_ok", "primary", "app-primary-id"),
        ("s_ok", "secondary", "app-secondary-id"),
    ] {
        let r = w.verify(name);
        assert_eq!(r.status, 200, "{name}: {:?}", r.json_body());
        let b = r.json_body().unwrap();
        assert_eq!(b["client"], "oe_demo");
        assert_eq!(b["region"], region);
        assert_eq!(b["claims"]["sub"], sub);
        assert_eq!(b["header"]["typ"], "at+jwt");
        assert_eq!(r.header("Cache-Control"), Some("no-store"));
    }
    // Each issuer's keys came from its own URL, once.
    assert_eq!(*w.io.fetches.borrow(), vec![JP.to_string(), JS.to_string()]);
    // The mapping is memoised: a second round reads no KV.
    let reads = w.io.kv_reads.borrow().len();
    w.verify("p_ok");
    w.verify("s_ok");
    assert_eq!(w.io.kv_reads.borrow().len(), reads);
}

#[test]
fn token_in_the_body() {
    let w = world(&[]);
    let t = w.fx.token("p_ok");
    let Outcome::Respond(r) = w.run(&req(
        "POST",
        "/verify",
        &[("Content-Type", "application/json")],
        &format!(r#"{{"token":"{t}"}}"#),
    )) else {
        panic!()
    };
    assert_eq!(r.status, 200);
    let Outcome::Respond(r) = w.run(&req("POST", "/verify", &[], "")) else {
        panic!()
    };
    assert_eq!((r.status, kind(&r)), (401, "token_missing".into()));
}

#[test]
fn refusals_have_the_right_kind() {
    let w = world(&[]);
    let table = [
        ("p_tampered", 401, "bad_signature"),
        ("p_expired", 401, "expired"),
        ("p_wrong_aud", 401, "aud_mismatch"),
        ("p_unknown_iss", 401, "iss_mismatch"),
        ("p_alg_none", 401, "alg_not_allowed"),
        ("p_unknown_client", 401, "aud_mismatch"),
        ("mixed_p_iss_s_client", 401, "aud_mismatch"),
        ("mixed_s_iss_p_client", 401, "aud_mismatch"),
        // The core refuses a DPoP-bound (cnf.jkt) access token presented as a bearer token.
        ("p_cnf", 401, "dpop_required"),
        ("p_sub_newline", 401, "claim_invalid"),
        // The secondary's set has no kp1: keys are never merged across issuers.
        ("s_iss_signed_by_p", 401, "key_not_found"),
    ];
    for (name, status, want) in table {
        let r = w.verify(name);
        assert_eq!(
            (r.status, kind(&r)),
            (status, want.to_string()),
            "{name}: {:?}",
            r.json_body()
        );
        assert_eq!(
            r.header("WWW-Authenticate"),
            Some(r#"Bearer error="invalid_token""#),
            "{name}"
        );
    }
    let r = w.verify("mixed_p_iss_s_client");
    assert_eq!(r.json_body().unwrap()["claim"], "client_id");
    let r = w.verify("p_cnf");
    assert_eq!(r.json_body().unwrap()["claim"], "cnf");
    let r = w.verify_raw("not-a-token");
    assert_eq!((r.status, kind(&r)), (401, "malformed".into()));
    // None of the garbage made the worker fetch anything beyond the two sets.
    assert!(w.io.fetches.borrow().len() <= 2);
}

#[test]
fn alg_none_and_unknown_issuers_fetch_nothing() {
    let w = world(&[]);
    w.verify("p_alg_none");
    w.verify("p_unknown_iss");
    w.verify_raw("a.b");
    assert!(w.io.fetches.borrow().is_empty());
}

#[test]
fn cold_cache_and_both_hosts_down_is_503() {
    let w = world(&[]);
    w.io.outcome(JP, FetchOutcome::Network);
    w.io.outcome(JS, FetchOutcome::Timeout);
    let r = w.verify("p_ok");
    assert_eq!((r.status, kind(&r)), (503, "jwks_unavailable".into()));
    assert_eq!(r.header("Retry-After"), Some("30"));
    let r = w.verify("s_ok");
    assert_eq!((r.status, kind(&r)), (503, "jwks_timeout".into()));
    let Outcome::Respond(r) = w.run(&req("GET", "/.well-known/jwks/primary.json", &[], "")) else {
        panic!()
    };
    assert_eq!(r.status, 503);
}

#[test]
fn rotation_refetches_once() {
    let w = world(&[]);
    assert_eq!(w.verify("p_ok").status, 200);
    w.io.jwks(JP, 200, &w.fx.s("jwks_p2"));
    w.io.set_now(w.fx.now() + 31);
    let before = w.io.fetches.borrow().len();
    assert_eq!(w.verify("p_rotated").status, 200);
    assert_eq!(w.verify("p_rotated").status, 200);
    assert_eq!(w.verify("p_ok").status, 200);
    assert_eq!(w.io.fetches.borrow().len(), before + 1);
}

#[test]
fn primary_host_down_keeps_serving_cached_and_persisted_keys() {
    let w = world(&[]);
    assert_eq!(w.verify("p_ok").status, 200);
    w.io.outcome(JP, FetchOutcome::Network);
    assert_eq!(w.verify("p_ok").status, 200, "isolate memory");
    // A new isolate (fresh state) restores from the Cache API, without a fetch.
    let fresh = World {
        state: world(&[]).state,
        fx: Fixtures::load(),
        io: FakeIo::at(0),
    };
    let fresh = World { io: w.io, ..fresh };
    let before = fresh.io.fetches.borrow().len();
    assert_eq!(fresh.verify("p_ok").status, 200);
    assert_eq!(fresh.io.fetches.borrow().len(), before);
}

#[test]
fn shared_mode_one_issuer_keys_from_whichever_url_answers() {
    let fx = Fixtures::load();
    let w = world(&[("REGION_MODE", "shared"), ("ISSUER_SECONDARY", "")]);
    // Same issuer, same keys at both URLs; the primary's host is down.
    w.io.outcome(JP, FetchOutcome::Network);
    w.io.jwks(JS, 200, &fx.s("jwks_p"));
    w.io.kv_put(
        "upstream:secondary:app-primary-id",
        r#"{"v":1,"client":"oe_other"}"#,
    );
    let r = w.verify("p_ok");
    assert_eq!(r.status, 200, "{:?}", r.json_body());
    let b = r.json_body().unwrap();
    assert_eq!(
        (b["client"].clone(), b["region"].clone()),
        (json!("oe_demo"), json!("primary"))
    );
    assert_eq!(*w.io.fetches.borrow(), vec![JP.to_string(), JS.to_string()]);
    // The secondary issuer is not trusted in shared mode.
    assert_eq!(kind(&w.verify("s_ok")), "iss_mismatch");
    // Both mirrors serve the one issuer's set.
    for path in [
        "/.well-known/jwks/primary.json",
        "/.well-known/jwks/secondary.json",
    ] {
        let Outcome::Respond(r) = w.run(&req("GET", path, &[], "")) else {
            panic!()
        };
        assert_eq!(r.body, fx.s("jwks_p").as_bytes());
    }
}

#[test]
fn mirrors_serve_each_issuers_own_set() {
    let w = world(&[]);
    let Outcome::Respond(p) = w.run(&req("GET", "/.well-known/jwks/primary.json", &[], "")) else {
        panic!()
    };
    let Outcome::Respond(s) = w.run(&req("GET", "/.well-known/jwks/secondary.json", &[], ""))
    else {
        panic!()
    };
    assert_eq!(p.body, w.fx.s("jwks_p").as_bytes());
    assert_eq!(s.body, w.fx.s("jwks_s").as_bytes());
    assert_eq!(p.header("Cache-Control"), Some("public, max-age=600"));
    let Outcome::Respond(h) = w.run(&req("HEAD", "/.well-known/jwks/primary.json", &[], "")) else {
        panic!()
    };
    assert!(h.body.is_empty());
    assert_eq!(w.io.fetches.borrow().len(), 2);
}

#[test]
fn protected_route_forwards_identity_and_strips_spoofed_headers() {
    let w = world(&[]);
    for (name, region) in [("p_ok", "primary"), ("s_ok", "secondary")] {
        let o = w.protected(
            name,
            &[
                ("X-Auth-Client", "oe_evil"),
                ("x-auth-subject", "root"),
                ("Accept", "text/plain"),
            ],
        );
        let Outcome::Forward { url, headers } = o else {
            panic!("{name}: {o:?}")
        };
        assert_eq!(url, "http://127.0.0.1:8999/api/orders");
        let get = |n: &str| -> Vec<&str> {
            headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.as_str())
                .collect()
        };
        assert_eq!(get("x-auth-client"), vec!["oe_demo"]);
        assert_eq!(get("x-auth-region"), vec![region]);
        assert_eq!(get("x-auth-subject").len(), 1);
        assert_eq!(get("accept"), vec!["text/plain"]);
    }
}

#[test]
fn protected_route_policy() {
    let w = world(&[("REQUIRED_SCOPES", "api:read api:write")]);
    let Outcome::Respond(r) = w.protected("p_read_only", &[]) else {
        panic!()
    };
    assert_eq!((r.status, kind(&r)), (403, "insufficient_scope".into()));
    assert!(matches!(w.protected("p_ok", &[]), Outcome::Forward { .. }));
    let w = world(&[("ALLOWED_CLIENTS", "oe_someone_else")]);
    let Outcome::Respond(r) = w.protected("p_ok", &[]) else {
        panic!()
    };
    assert_eq!((r.status, kind(&r)), (403, "client_not_allowed".into()));
    // Tokens only in the header; cnf-bound tokens refused.
    let Outcome::Respond(r) = w.run(&req("GET", "/api/x", &[], "")) else {
        panic!()
    };
    assert_eq!((r.status, kind(&r)), (401, "token_missing".into()));
    let w = world(&[]);
    let Outcome::Respond(r) = w.protected("p_cnf", &[]) else {
        panic!()
    };
    assert_eq!((r.status, kind(&r)), (401, "dpop_required".into()));
    let Outcome::Respond(r) = w.protected("p_expired", &[]) else {
        panic!()
    };
    assert_eq!((r.status, kind(&r)), (401, "expired".into()));
}

#[test]
fn deleted_record_or_forged_index_maps_nothing() {
    let w = world(&[]);
    w.io.kv_put(
        "upstream:primary:app-primary-id",
        r#"{"v":1,"client":"oe_victim"}"#,
    );
    w.io.kv_put(
        "client:oe_victim",
        &record("oe_victim", "someone-else", "x"),
    );
    assert_eq!(kind(&w.verify("p_ok")), "aud_mismatch");
    let w = world(&[]);
    w.io.kv.borrow_mut().remove("client:oe_demo");
    assert_eq!(kind(&w.verify("s_ok")), "aud_mismatch");
}

#[test]
fn directory_down_is_503() {
    let w = world(&[]);
    w.io.kv_down.set(true);
    let r = w.verify("p_ok");
    assert_eq!((r.status, kind(&r)), (503, "directory_unavailable".into()));
}

#[test]
fn cognito_profile() {
    let w = world(&[
        ("VERIFY_PROFILE", "cognito_access"),
        ("VERIFY_AUDIENCE", ""),
    ]);
    let r = w.verify("cognito_p");
    assert_eq!(r.status, 200, "{:?}", r.json_body());
    assert_eq!(r.json_body().unwrap()["client"], "oe_demo");
    // An RFC 9068 token is not a Cognito access token (no token_use).
    assert_ne!(w.verify("p_ok").status, 200);
}

#[test]
fn misconfiguration_is_reported_not_guessed() {
    let w = world(&[("REGION_MODE", "")]);
    let r = w.verify("p_ok");
    assert_eq!(r.status, 500);
    let b: Value = r.json_body().unwrap();
    assert!(b["problems"][0].as_str().unwrap().contains("REGION_MODE"));
}

#[test]
fn unconfigured_edge_claims_no_path() {
    let state = EdgeState::new(Ok(None));
    for (m, p) in [("POST", "/verify"), ("GET", MIRROR), ("GET", "/api/x")] {
        assert_eq!(state.route(m, p), None, "{m} {p}");
    }
}

const MIRROR: &str = "/.well-known/jwks/primary.json";
