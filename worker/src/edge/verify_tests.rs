//! Edge verification through the whole pipeline ([`crate::app::App`]) natively: real signed
//! tokens (fixtures), fake JWKS hosts, KV records and Cache API.

use serde_json::{json, Value};

use crate::app::{App, Outcome};
use crate::codec::{base64url_decode, base64url_encode};
use crate::config::Config;
use crate::edge::origin::Forward;
use crate::http::{HttpRequest, HttpResponse};
use crate::io::Io;
use crate::log::LogLine;
use crate::records::hmac_sha256;
use crate::testing::{
    block_on, deployment, hang, join_all, network, reply, FakeIo, Fixtures, JWKS_URL_P, JWKS_URL_S,
    ORIGIN_KEY,
};

const JP: &str = JWKS_URL_P;
/// The worker's origin as the tests' clients address it.
pub(super) const ORIGIN: &str = "https://edge.example.test";
const JS: &str = JWKS_URL_S;

pub(super) fn record(app: &str, p: &str, s: &str, extra: Value) -> String {
    let mut r = json!({
        "v": 2, "mode": "concealed", "client_id": app,
        "secret_hashes": ["k.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
        "primary": {"client_id": p, "secret": "k.x.y"},
        "secondary": {"client_id": s, "secret": "k.x.y"},
    });
    if let (Some(r), Some(e)) = (r.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    r.to_string()
}

pub(super) struct World {
    pub(super) fx: Fixtures,
    pub(super) io: FakeIo,
    pub(super) app: App,
}

pub(super) fn config(extra: &[(&str, &str)]) -> Result<Config, Vec<String>> {
    Config::from_env(&deployment(extra))
}

pub(super) fn world(extra: &[(&str, &str)]) -> World {
    let fx = Fixtures::load();
    let app = App::new(config(extra));
    let io = FakeIo::at_s(fx.now());
    io.serve(JP, 200, &fx.s("jwks_p"));
    io.serve(JS, 200, &fx.s("jwks_s"));
    io.kv_put(
        "client:oe_demo",
        &record("oe_demo", "app-primary-id", "app-secondary-id", json!({})),
    );
    io.kv_put(
        "upstream:primary:app-primary-id",
        r#"{"v":1,"client":"oe_demo"}"#,
    );
    io.kv_put(
        "upstream:secondary:app-secondary-id",
        r#"{"v":1,"client":"oe_demo"}"#,
    );
    World { fx, io, app }
}

pub(super) fn req(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> HttpRequest {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    HttpRequest {
        method: method.into(),
        origin: ORIGIN.into(),
        path: path.into(),
        query: query.into(),
        headers: headers
            .iter()
            .map(|(a, b)| (a.to_ascii_lowercase(), b.to_string()))
            .collect(),
        body: Some(body.as_bytes().to_vec()),
    }
}

impl World {
    pub(super) fn run_logged(&self, r: &HttpRequest) -> (Outcome, LogLine) {
        let route = self.app.route(&r.method, &r.path);
        block_on(self.app.handle(&self.io, route, r, "rid"))
    }
    pub(super) fn run(&self, r: &HttpRequest) -> Outcome {
        self.run_logged(r).0
    }
    pub(super) fn respond(&self, r: &HttpRequest) -> HttpResponse {
        match self.run(r) {
            Outcome::Respond(r) => r,
            o => panic!("{o:?}"),
        }
    }
    pub(super) fn verify(&self, token_name: &str) -> HttpResponse {
        self.verify_raw(&self.fx.token(token_name))
    }
    pub(super) fn verify_raw(&self, t: &str) -> HttpResponse {
        let auth = format!("Bearer {t}");
        self.respond(&req("POST", "/verify", &[("Authorization", &auth)], ""))
    }
    pub(super) fn protected_at(
        &self,
        path: &str,
        token_name: &str,
        extra: &[(&str, &str)],
    ) -> Outcome {
        let auth = format!("Bearer {}", self.fx.token(token_name));
        let mut h = vec![("Authorization", auth.as_str())];
        h.extend_from_slice(extra);
        self.run(&req("GET", path, &h, ""))
    }
    pub(super) fn protected(&self, token_name: &str, extra: &[(&str, &str)]) -> Outcome {
        self.protected_at("/api/orders", token_name, extra)
    }
    pub(super) fn fetches(&self) -> Vec<String> {
        self.io
            .calls
            .borrow()
            .iter()
            .map(|c| c.url.clone())
            .collect()
    }
}

pub(super) fn kind(r: &HttpResponse) -> String {
    r.json_body()
        .and_then(|b| b["kind"].as_str().map(str::to_string))
        .unwrap_or_default()
}

pub(super) fn forwarded(o: Outcome) -> Forward {
    match o {
        Outcome::Forward(f) => f,
        o => panic!("not forwarded: {o:?}"),
    }
}

pub(super) fn header<'a>(f: &'a Forward, name: &str) -> Vec<&'a str> {
    f.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn routes_and_methods() {
    let w = world(&[]);
    let r = w.respond(&req("GET", "/verify", &[], ""));
    assert_eq!((r.status, r.header("Allow")), (405, Some("POST")));
    let r = w.respond(&req("POST", "/.well-known/jwks/primary.json", &[], ""));
    assert_eq!((r.status, r.header("Allow")), (405, Some("GET, HEAD")));
    assert_eq!(w.respond(&req("GET", "/api", &[], "")).status, 404);
    // Without PROTECT_ORIGIN there is no protected route.
    let off = world(&[("PROTECT_ORIGIN", ""), ("ORIGIN_SIGNING_KEY", "")]);
    assert_eq!(off.respond(&req("GET", "/api/x", &[], "")).status, 404);
    // With no edge variable at all, edge verification claims no path.
    let none = world(&[
        ("REGION_MODE", ""),
        ("ISSUER_PRIMARY", ""),
        ("ISSUER_SECONDARY", ""),
        ("JWKS_URL_PRIMARY", ""),
        ("JWKS_URL_SECONDARY", ""),
        ("VERIFY_PROFILE", ""),
        ("VERIFY_AUDIENCE", ""),
        ("PROTECT_ORIGIN", ""),
    ]);
    for (m, p) in [
        ("POST", "/verify"),
        ("GET", "/.well-known/jwks/primary.json"),
        ("GET", "/api/x"),
    ] {
        assert_eq!(none.respond(&req(m, p, &[], "")).status, 404, "{m} {p}");
    }
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
        assert_eq!(r.header("X-Oidc-Edge-Upstream"), Some("none"));
    }
    // Each issuer's keys came from its own URL, once.
    assert_eq!(w.fetches(), vec![JP.to_string(), JS.to_string()]);
    // The mapping is memoised: a second round reads no KV.
    let reads = w.io.kv_reads.borrow().len();
    w.verify("p_ok");
    w.verify("s_ok");
    assert_eq!(w.io.kv_reads.borrow().len(), reads);
}

#[test]
fn a_client_revoked_fleet_wide_is_refused_though_kv_still_maps_it() {
    let w = world(&[]);
    assert_eq!(w.verify("p_ok").status, 200);
    // The fleet's verdict lists the application; its KV record and the memo still map it.
    let verdict = crate::fleet::Verdict {
        at_ms: w.io.now_ms(),
        epoch: 1,
        revoked: vec!["oe_demo".into()],
        ..crate::fleet::Verdict::default()
    };
    let proxy = w.app.proxy();
    let mut breakers = proxy.breakers.borrow_mut();
    proxy
        .fleet
        .borrow_mut()
        .accept(verdict, w.io.now_ms(), &mut breakers);
    drop(breakers);
    for name in ["p_ok", "s_ok"] {
        let r = w.verify(name);
        assert_eq!(r.status, 401, "{name}");
        let b = r.json_body().unwrap();
        assert_eq!(b["kind"], "aud_mismatch", "{b}");
        assert_eq!(b["claim"], "client_id");
        assert_eq!(b["message"], "client_id belongs to a revoked client");
        assert!(r
            .header("WWW-Authenticate")
            .is_some_and(|h| h.contains("invalid_token")));
    }
}

#[test]
fn token_in_the_body_and_the_body_limit() {
    let w = world(&[]);
    let t = w.fx.token("p_ok");
    let json_body = format!(r#"{{"token":"{t}"}}"#);
    let r = w.respond(&req(
        "POST",
        "/verify",
        &[("Content-Type", "application/json")],
        &json_body,
    ));
    assert_eq!(r.status, 200);
    let r = w.respond(&req("POST", "/verify", &[], ""));
    assert_eq!((r.status, kind(&r)), (401, "token_missing".into()));
    // The glue stopped reading at the route's limit: 413, nothing looked at.
    let mut big = req("POST", "/verify", &[], "");
    big.body = None;
    let (o, log) = w.run_logged(&big);
    let r = o.response().unwrap().clone();
    assert_eq!((r.status, kind(&r)), (413, "invalid_request".into()));
    assert_eq!(log.outcome, "too_large");
}

#[test]
fn refusals_have_the_right_kind() {
    let w = world(&[]);
    let table = [
        ("p_tampered", "bad_signature"),
        ("p_expired", "expired"),
        ("p_wrong_aud", "aud_mismatch"),
        ("p_unknown_iss", "iss_mismatch"),
        ("p_alg_none", "alg_not_allowed"),
        ("p_unknown_client", "aud_mismatch"),
        ("mixed_p_iss_s_client", "aud_mismatch"),
        ("mixed_s_iss_p_client", "aud_mismatch"),
        // The core refuses a DPoP-bound (cnf.jkt) access token presented as a bearer token.
        ("p_cnf", "dpop_required"),
        ("p_sub_newline", "claim_invalid"),
        // The secondary's set has no kp1: keys are never merged across issuers.
        ("s_iss_signed_by_p", "key_not_found"),
    ];
    for (name, want) in table {
        let r = w.verify(name);
        assert_eq!(
            (r.status, kind(&r)),
            (401, want.to_string()),
            "{name}: {:?}",
            r.json_body()
        );
        let scheme = if want == "dpop_required" {
            "DPoP"
        } else {
            "Bearer"
        };
        assert_eq!(
            r.header("WWW-Authenticate"),
            Some(format!(r#"{scheme} error="invalid_token""#).as_str()),
            "{name}"
        );
    }
    let r = w.verify("mixed_p_iss_s_client");
    assert_eq!(r.json_body().unwrap()["claim"], "client_id");
    let r = w.verify("p_cnf");
    assert_eq!(r.json_body().unwrap()["claim"], "cnf");
    let r = w.verify_raw("not-a-token");
    assert_eq!((r.status, kind(&r)), (401, "malformed".into()));
    assert!(
        w.fetches().len() <= 2,
        "garbage never made the worker fetch"
    );
}

#[test]
fn alg_none_and_unknown_issuers_fetch_nothing() {
    let w = world(&[]);
    w.verify("p_alg_none");
    w.verify("p_unknown_iss");
    w.verify_raw("a.b");
    assert!(w.fetches().is_empty());
}

#[test]
fn cold_cache_and_both_hosts_down_is_503() {
    let w = world(&[]);
    w.io.script(JP, &[network(0)]);
    w.io.script(JS, &[hang()]);
    let r = w.verify("p_ok");
    assert_eq!((r.status, kind(&r)), (503, "jwks_unavailable".into()));
    assert_eq!(r.header("Retry-After"), Some("30"));
    let r = w.verify("s_ok");
    assert_eq!((r.status, kind(&r)), (503, "jwks_timeout".into()));
    assert_eq!(
        w.respond(&req("GET", "/.well-known/jwks/primary.json", &[], ""))
            .status,
        503
    );
}

#[test]
fn rotation_refetches_once() {
    let w = world(&[]);
    assert_eq!(w.verify("p_ok").status, 200);
    w.io.serve(JP, 200, &w.fx.s("jwks_p2"));
    w.io.set_now_s(w.fx.now() + 31);
    let before = w.fetches().len();
    assert_eq!(w.verify("p_rotated").status, 200);
    assert_eq!(w.verify("p_rotated").status, 200);
    assert_eq!(w.verify("p_ok").status, 200);
    assert_eq!(w.fetches().len(), before + 1);
}

/// 50 concurrent tokens with a `kid` the slot does not know: one key fetch for all of them.
#[test]
fn an_unknown_kid_flood_costs_one_fetch() {
    let w = world(&[]);
    assert_eq!(w.verify("p_ok").status, 200);
    w.io.set_now_s(w.fx.now() + 31);
    // The primary now publishes kp2; the fetch takes a while.
    w.io.script(JP, &[reply(30, 200, &w.fx.s("jwks_p2")).yielding(4)]);
    let auth = format!("Bearer {}", w.fx.token("p_rotated"));
    let reqs: Vec<HttpRequest> = (0..50)
        .map(|_| req("POST", "/verify", &[("Authorization", &auth)], ""))
        .collect();
    let before = w.fetches().len();
    let results = join_all(
        reqs.iter()
            .map(|r| {
                let route = w.app.route(&r.method, &r.path);
                w.app.handle(&w.io, route, r, "rid")
            })
            .collect(),
    );
    assert_eq!(w.fetches().len(), before + 1);
    for (o, log) in &results {
        assert_eq!(o.response().unwrap().status, 200);
        assert!(
            matches!(log.keys, Some("fetched" | "waited")),
            "{:?}",
            log.keys
        );
    }
    // Random kids after that cost nothing until the cooldown has passed.
    for _ in 0..20 {
        w.verify("p_rotated");
        w.verify("s_iss_signed_by_p");
    }
    assert!(w.fetches().len() <= before + 2);
}

/// While the issuer's key set cannot be fetched, a token whose `kid` is not in the cached set
/// may be signed by a new key: "cannot check" (503), not "bad token" (401).
#[test]
fn an_unknown_kid_during_an_outage_is_503() {
    let w = world(&[]);
    assert_eq!(w.verify("p_ok").status, 200);
    w.io.set_now_s(w.fx.now() + 31);
    w.io.script(JP, &[network(0)]);
    let r = w.verify("p_rotated");
    assert_eq!((r.status, kind(&r)), (503, "jwks_unavailable".into()));
    assert_eq!(r.header("Retry-After"), Some("30"));
    // Within the cooldown: no new fetch, still 503; known keys still verify.
    let fetches = w.fetches().len();
    assert_eq!(w.verify("p_rotated").status, 503);
    assert_eq!(w.verify("p_ok").status, 200);
    assert_eq!(w.fetches().len(), fetches);
    // The host is back: after the cooldown the new key is fetched and verifies.
    w.io.serve(JP, 200, &w.fx.s("jwks_p2"));
    w.io.advance(31_000);
    assert_eq!(w.verify("p_rotated").status, 200);
}

#[test]
fn primary_host_down_keeps_serving_cached_and_persisted_keys() {
    let w = world(&[]);
    assert_eq!(w.verify("p_ok").status, 200);
    w.io.script(JP, &[network(0)]);
    assert_eq!(w.verify("p_ok").status, 200, "isolate memory");
    // A new isolate (a fresh App) restores from the Cache API, without a fetch.
    let fresh = App::new(config(&[]));
    let before = w.fetches().len();
    let auth = format!("Bearer {}", w.fx.token("p_ok"));
    let r = req("POST", "/verify", &[("Authorization", &auth)], "");
    let (o, log) = block_on(fresh.handle(&w.io, fresh.route("POST", "/verify"), &r, "rid"));
    assert_eq!(o.response().unwrap().status, 200);
    assert_eq!(log.keys, Some("restored"));
    assert_eq!(w.fetches().len(), before);
}

#[test]
fn shared_mode_one_issuer_keys_from_whichever_url_answers() {
    let w = world(&[("REGION_MODE", "shared"), ("ISSUER_SECONDARY", "")]);
    // Same issuer, same keys at both URLs; the primary's host is down.
    w.io.script(JP, &[network(0)]);
    w.io.serve(JS, 200, &w.fx.s("jwks_p"));
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
    assert_eq!(w.fetches(), vec![JP.to_string(), JS.to_string()]);
    // The secondary issuer is not trusted in shared mode.
    assert_eq!(kind(&w.verify("s_ok")), "iss_mismatch");
    // Both mirrors serve the one issuer's set.
    for path in [
        "/.well-known/jwks/primary.json",
        "/.well-known/jwks/secondary.json",
    ] {
        let r = w.respond(&req("GET", path, &[], ""));
        assert_eq!(r.body, w.fx.s("jwks_p").as_bytes());
    }
}

#[test]
fn mirrors_serve_each_issuers_own_set_public_members_only() {
    let w = world(&[]);
    let mut leaky: Value = serde_json::from_str(&w.fx.s("jwks_s")).unwrap();
    leaky["keys"][0]["d"] = "PRIVATE-EXPONENT".into();
    leaky["keys"][0]["p"] = "PRIVATE-PRIME".into();
    w.io.serve(JS, 200, &leaky.to_string());
    let p = w.respond(&req("GET", "/.well-known/jwks/primary.json", &[], ""));
    let s = w.respond(&req("GET", "/.well-known/jwks/secondary.json", &[], ""));
    assert_eq!(p.body, w.fx.s("jwks_p").as_bytes());
    let public: Value = serde_json::from_slice(&s.body).unwrap();
    assert_eq!(
        public,
        serde_json::from_str::<Value>(&w.fx.s("jwks_s")).unwrap(),
        "private members dropped"
    );
    assert!(!String::from_utf8_lossy(&s.body).contains("PRIVATE"));
    assert_eq!(p.header("Cache-Control"), Some("public, max-age=600"));
    assert_eq!(p.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(p.header("X-Request-Id"), Some("rid"));
    let h = w.respond(&req("HEAD", "/.well-known/jwks/primary.json", &[], ""));
    assert!(h.body.is_empty());
    assert_eq!(w.fetches().len(), 2);
    // Tokens still verify with the (public) keys of the leaky set.
    assert_eq!(w.verify("s_ok").status, 200);
}

#[test]
fn protected_route_forwards_identity_and_strips_spoofed_headers() {
    let w = world(&[]);
    for (name, region) in [("p_ok", "primary"), ("s_ok", "secondary")] {
        let f = forwarded(w.protected(
            name,
            &[
                ("X-Auth-Client", "oe_evil"),
                ("X_Auth_Client", "spoofed"),
                ("x_auth_subject", "root"),
                ("X-Auth-Signature", "t=1,v1=forged"),
                ("Accept", "text/plain"),
            ],
        ));
        assert_eq!(f.url, "http://127.0.0.1:8999/api/orders");
        assert_eq!(header(&f, "x-auth-client"), vec!["oe_demo"]);
        assert_eq!(header(&f, "x_auth_client"), Vec::<&str>::new());
        assert_eq!(header(&f, "x-auth-region"), vec![region]);
        assert_eq!(header(&f, "x-auth-subject").len(), 1);
        assert_eq!(header(&f, "accept"), vec!["text/plain"]);
        assert_eq!(
            header(&f, "authorization"),
            Vec::<&str>::new(),
            "not forwarded by default"
        );
        assert!(f.headers.iter().all(|(n, _)| !n.contains('_')));
    }
    let w = world(&[("PROTECT_FORWARD_TOKEN", "on")]);
    let f = forwarded(w.protected("p_ok", &[]));
    assert_eq!(header(&f, "authorization").len(), 1);
}

/// What an origin does with `X-Auth-Signature`: rebuild the canonical string from what it
/// received and compare MACs.
#[test]
fn the_origin_proof_covers_what_the_origin_receives() {
    let w = world(&[]);
    let f = forwarded(w.protected_at("/api/orders?x=1&y=2", "p_ok", &[]));
    let sig = header(&f, "x-auth-signature")[0];
    let (t, mac) = sig.split_once(",v1=").unwrap();
    let t = t.strip_prefix("t=").unwrap();
    assert_eq!(t, w.fx.now().to_string());
    let canonical = [
        "v1",
        "GET",
        "127.0.0.1:8999",
        "/api/orders?x=1&y=2",
        header(&f, "x-auth-subject")[0],
        header(&f, "x-auth-client")[0],
        header(&f, "x-auth-region")[0],
        header(&f, "x-request-id")[0],
        t,
    ]
    .join("\n");
    assert_eq!(
        base64url_decode(mac).unwrap(),
        hmac_sha256(&ORIGIN_KEY, canonical.as_bytes())
    );
    assert_eq!(header(&f, "x-request-id"), vec!["rid"]);
    // During a rotation a second MAC, with the next key, follows the first.
    let next = base64url_encode(&[0x0b; 32]);
    let w = world(&[("ORIGIN_SIGNING_KEY_NEXT", &next)]);
    let f = forwarded(w.protected("p_ok", &[]));
    assert_eq!(header(&f, "x-auth-signature")[0].matches(",v1=").count(), 2);
}

#[test]
fn protected_paths_that_could_escape_the_prefix_are_refused() {
    let w = world(&[]);
    for path in [
        "/api/..%2F..%2Fadmin",
        "/api/%2e%2e/admin",
        "/api/.%2E/admin",
        "/api/x%5C..%5Cadmin",
        "/api/./orders",
    ] {
        let Outcome::Respond(r) = w.protected_at(path, "p_ok", &[]) else {
            panic!("{path} was forwarded")
        };
        assert_eq!(
            (r.status, kind(&r)),
            (400, "invalid_request".into()),
            "{path}"
        );
    }
    assert!(w.fetches().is_empty(), "refused before any verification");
    forwarded(w.protected_at("/api/a.b/c%20d", "p_ok", &[]));
}

#[test]
fn protected_route_policy() {
    let w = world(&[("REQUIRED_SCOPES", "api:read api:write")]);
    let Outcome::Respond(r) = w.protected("p_read_only", &[]) else {
        panic!()
    };
    assert_eq!((r.status, kind(&r)), (403, "insufficient_scope".into()));
    forwarded(w.protected("p_ok", &[]));
    let w = world(&[("ALLOWED_CLIENTS", "oe_someone_else")]);
    let Outcome::Respond(r) = w.protected("p_ok", &[]) else {
        panic!()
    };
    assert_eq!((r.status, kind(&r)), (403, "client_not_allowed".into()));
    // Tokens only in the header; cnf-bound and expired tokens refused.
    let r = w.respond(&req("GET", "/api/x", &[], ""));
    assert_eq!((r.status, kind(&r)), (401, "token_missing".into()));
    let w = world(&[]);
    for (name, want) in [("p_cnf", "dpop_required"), ("p_expired", "expired")] {
        let Outcome::Respond(r) = w.protected(name, &[]) else {
            panic!()
        };
        assert_eq!((r.status, kind(&r)), (401, want.into()));
    }
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
        &record("oe_victim", "someone-else", "x", json!({})),
    );
    assert_eq!(kind(&w.verify("p_ok")), "aud_mismatch");
    let w = world(&[]);
    w.io.kv.borrow_mut().remove("client:oe_demo");
    assert_eq!(kind(&w.verify("s_ok")), "aud_mismatch");
}

/// A second application sharing oe_demo's upstream clients (a pass-through record for the
/// same pair, marked `shared_upstream`) does not own the index entries: it never changes whom
/// a token maps to, and revoking it (deleting its record) leaves oe_demo's tokens mapped.
#[test]
fn revoking_an_application_never_breaks_anothers_tokens() {
    let w = world(&[]);
    let sharing = json!({"mode": "passthrough", "shared_upstream": true});
    w.io.kv_put(
        "client:app-primary-id",
        &record(
            "app-primary-id",
            "app-primary-id",
            "app-secondary-id",
            sharing,
        ),
    );
    assert_eq!(w.verify("p_ok").json_body().unwrap()["client"], "oe_demo");
    w.io.kv.borrow_mut().remove("client:app-primary-id");
    // A new isolate (no memo) reads the index again.
    let fresh = App::new(config(&[]));
    for name in ["p_ok", "s_ok"] {
        let auth = format!("Bearer {}", w.fx.token(name));
        let r = req("POST", "/verify", &[("Authorization", &auth)], "");
        let (o, _) = block_on(fresh.handle(&w.io, fresh.route("POST", "/verify"), &r, "rid"));
        let r = o.response().unwrap();
        assert_eq!(
            (r.status, r.json_body().unwrap()["client"].clone()),
            (200, json!("oe_demo"))
        );
    }
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
    let (o, log) = w.run_logged(&req("POST", "/verify", &[], ""));
    assert_eq!(o.response().unwrap().status, 500);
    assert_eq!(log.outcome, "misconfigured");
    assert!(
        log.problems[0].contains("REGION_MODE"),
        "{:?}",
        log.problems
    );
    assert!(w.fetches().is_empty());
}

/// `VERIFY_PROFILE=jwt` (the default): access tokens shaped as Auth0, Okta and Entra ID issue
/// them verify, their client read from `azp`, `cid` or `appid`; a `typ` naming another kind of
/// JWT is refused.
#[test]
fn jwt_profile_takes_every_mainstream_shape() {
    let w = world(&[("VERIFY_PROFILE", "")]);
    for (name, region) in [
        ("jwt_auth0", "primary"),
        ("jwt_okta", "primary"),
        ("jwt_entra_v1_roles", "secondary"),
        ("p_ok", "primary"),
    ] {
        let r = w.verify(name);
        assert_eq!(r.status, 200, "{name}: {:?}", r.json_body());
        let b = r.json_body().unwrap();
        assert_eq!(
            (b["client"].clone(), b["region"].clone()),
            (json!("oe_demo"), json!(region))
        );
    }
    let r = w.verify("jwt_typ_dpop");
    assert_eq!((r.status, kind(&r)), (401, "invalid_typ".into()));
    // The client claim that named no application is the one reported (a fresh isolate: the
    // mapping above is memoised).
    let w = world(&[("VERIFY_PROFILE", "")]);
    w.io.kv
        .borrow_mut()
        .remove("upstream:primary:app-primary-id");
    let r = w.verify("jwt_okta");
    assert_eq!(
        (kind(&r), r.json_body().unwrap()["claim"].clone()),
        ("aud_mismatch".into(), json!("cid"))
    );
}

/// The protected route's scopes and roles are the core's check: `scope` and `scp` (string or
/// array) count, `roles` for app permissions; a missing scope is 403 naming the required
/// scopes, a malformed scope claim is 401.
#[test]
fn protected_route_scopes_and_roles_come_from_the_core() {
    let w = world(&[("VERIFY_PROFILE", "jwt"), ("REQUIRED_SCOPES", "api:write")]);
    forwarded(w.protected("jwt_okta", &[]));
    let Outcome::Respond(r) = w.protected("jwt_auth0", &[]) else {
        panic!("a token without api:write was forwarded")
    };
    assert_eq!((r.status, kind(&r)), (403, "insufficient_scope".into()));
    assert_eq!(
        r.header("WWW-Authenticate"),
        Some(r#"Bearer error="insufficient_scope", scope="api:write""#)
    );
    assert_eq!(r.json_body().unwrap()["claim"], "scope");
    let Outcome::Respond(r) = w.protected("jwt_scp_number", &[]) else {
        panic!("a malformed scp was forwarded")
    };
    assert_eq!(
        (r.status, kind(&r), r.json_body().unwrap()["claim"].clone()),
        (401, "claim_invalid".into(), json!("scp"))
    );
    let w = world(&[("REQUIRED_SCOPES", ""), ("REQUIRED_ROLES", "Orders.Read")]);
    let w_jwt = world(&[
        ("VERIFY_PROFILE", "jwt"),
        ("REQUIRED_SCOPES", ""),
        ("REQUIRED_ROLES", "Orders.Read"),
    ]);
    forwarded(w_jwt.protected("jwt_entra_v1_roles", &[]));
    let Outcome::Respond(r) = w.protected("p_ok", &[]) else {
        panic!("a token without the role was forwarded")
    };
    assert_eq!(
        (r.status, r.json_body().unwrap()["claim"].clone()),
        (403, json!("roles"))
    );
    assert_eq!(
        r.header("WWW-Authenticate"),
        Some(r#"Bearer error="insufficient_scope""#)
    );
}

/// The core's default clock tolerance (30 s) applies when `CLOCK_TOLERANCE_S` is unset: a
/// token from a provider 20 s ahead verifies, and with 0 it does not.
#[test]
fn clock_tolerance_defaults_to_the_cores() {
    let w = world(&[]);
    assert_eq!(w.verify("p_clock_ahead").status, 200);
    // 20 s past exp is inside the tolerance too.
    let t = w.fx.now() + 600 + 20;
    w.io.set_now_s(t);
    assert_eq!(w.verify("p_ok").status, 200);
    w.io.set_now_s(t + 11);
    assert_eq!(kind(&w.verify("p_ok")), "expired");
    let strict = world(&[("CLOCK_TOLERANCE_S", "0")]);
    assert_eq!(kind(&strict.verify("p_clock_ahead")), "not_yet_valid");
}
