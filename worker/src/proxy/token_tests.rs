//! The whole pipeline (`app::handle`) natively: fake KV, fake upstreams, fake clock.

use core::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::string::{String, ToString};
use std::vec::Vec;

use super::clients::{kv_key, seal, secret_digest, Mode};
use super::config::{CacheConfig, Config, Secrets};
use super::token::{ClientStore, Ctx, Loaded, RateLimit, Shared};
use super::upstream::Region;
use crate::app::handle;
use crate::codec::{base64_decode, base64_encode, base64url_encode};
use crate::http::{HttpRequest, HttpResponse};
use crate::proxy::log::LogLine;
use crate::testutil::*;

const P: &str = "https://primary.example/oauth2/token";
const S: &str = "https://secondary.example/oauth2/token";
const ENC: [u8; 32] = [0x42; 32];
const HASH: &[u8] = b"hash key hash key hash key hash key!";
const CACHE: &[u8] = b"cache key cache key cache key cache key";

#[derive(Default)]
struct FakeKv {
    map: RefCell<BTreeMap<String, String>>,
    reads: Cell<usize>,
    broken: Cell<bool>,
}

impl ClientStore for FakeKv {
    async fn get(&self, key: &str) -> Result<Option<String>, ()> {
        self.reads.set(self.reads.get() + 1);
        if self.broken.get() {
            return Err(());
        }
        Ok(self.map.borrow().get(key).cloned())
    }
}

struct Limiter(Cell<u32>);

impl RateLimit for Limiter {
    async fn allow(&self, _key: &str) -> bool {
        let left = self.0.get();
        self.0.set(left.saturating_sub(1));
        left > 0
    }
}

fn record(mode: Mode, id: &str, secrets: &[&str]) -> String {
    let hashes: Vec<String> = secrets
        .iter()
        .map(|x| base64url_encode(&secret_digest(HASH, id, x)))
        .collect();
    serde_json::json!({
        "v": 1, "mode": mode.as_str(), "client_id": id, "secret_hashes": hashes,
        "primary": {"client_id": "real-p", "secret": seal(&ENC, &[3; 12], id, Region::Primary, "real-p", "real-p-secret")},
        "secondary": {"client_id": "real-s", "secret": seal(&ENC, &[4; 12], id, Region::Secondary, "real-s", "real-s-secret")},
    })
    .to_string()
}

fn passthrough_record() -> String {
    let id = "real-p";
    serde_json::json!({
        "v": 1, "mode": "passthrough", "client_id": id,
        "secret_hashes": [base64url_encode(&secret_digest(HASH, id, "real-p-secret"))],
        "primary": {"client_id": "real-p", "secret": seal(&ENC, &[5; 12], id, Region::Primary, "real-p", "real-p-secret")},
        "secondary": {"client_id": "real-s", "secret": seal(&ENC, &[6; 12], id, Region::Secondary, "real-s", "real-s-secret")},
    })
    .to_string()
}

struct World {
    clock: FakeClock,
    up: FakeUpstream,
    kv: FakeKv,
    limiter: Limiter,
    loaded: Loaded,
    shared: Shared,
}

fn config() -> Config {
    let get = |k: &str| match k {
        "OAUTH_HOST_PRIMARY" => Some(P.to_string()),
        "OAUTH_HOST_SECONDARY" => Some(S.to_string()),
        "BREAKER_FAILURES" => Some("1".to_string()),
        _ => None,
    };
    Config::from_env(&get).unwrap()
}

impl World {
    fn new(cfg: Config) -> Self {
        let clock = FakeClock::at(1_700_000_000_000);
        let up = FakeUpstream::new(&clock);
        up.script(P, &[token(20, "p")]);
        up.script(S, &[token(30, "s")]);
        let kv = FakeKv::default();
        kv.map.borrow_mut().insert(
            kv_key("oe_app"),
            record(Mode::Concealed, "oe_app", &["app-secret"]),
        );
        kv.map
            .borrow_mut()
            .insert(kv_key("real-p"), passthrough_record());
        let secrets = Secrets {
            enc_key: ENC,
            hash_key: HASH.to_vec(),
            cache_key: Some(CACHE.to_vec()),
        };
        let shared = Shared::new(&cfg);
        World {
            clock,
            up,
            kv,
            limiter: Limiter(Cell::new(u32::MAX)),
            loaded: Ok((cfg, secrets)),
            shared,
        }
    }

    fn send(&self, req: &HttpRequest) -> (HttpResponse, LogLine) {
        let ctx = Ctx {
            loaded: &self.loaded,
            shared: &self.shared,
            store: &self.kv,
            upstream: &self.up,
            limiter: &self.limiter,
            clock: &self.clock,
            request_id: "rid-1",
        };
        block_on(handle(&ctx, req))
    }

    fn upstream_calls(&self) -> usize {
        self.up.calls.borrow().len()
    }
}

fn basic(id: &str, secret: &str) -> String {
    std::format!(
        "Basic {}",
        base64_encode(std::format!("{id}:{secret}").as_bytes())
    )
}

fn token_req(auth: Option<&str>, body: &str) -> HttpRequest {
    let mut headers = std::vec![(
        "content-type".to_string(),
        "application/x-www-form-urlencoded".to_string()
    )];
    if let Some(a) = auth {
        headers.push(("authorization".to_string(), a.to_string()));
    }
    HttpRequest {
        method: "POST".into(),
        path: "/oauth2/token".into(),
        query: String::new(),
        headers,
        body: Some(body.as_bytes().to_vec()),
    }
}

fn app_req() -> HttpRequest {
    token_req(
        Some(&basic("oe_app", "app-secret")),
        "grant_type=client_credentials&scope=read",
    )
}

fn assert_common_headers(r: &HttpResponse) {
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("pragma"), Some("no-cache"));
    assert_eq!(r.header("x-request-id"), Some("rid-1"));
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert!(matches!(
        r.header("x-oidc-edge-upstream"),
        Some("primary" | "secondary" | "cache" | "none")
    ));
    assert!(r.json_body().is_some(), "JSON body");
}

fn basic_pair(call: &Call) -> String {
    let h = call.header("authorization").unwrap();
    String::from_utf8(base64_decode(h.strip_prefix("Basic ").unwrap()).unwrap()).unwrap()
}

#[test]
fn concealed_client_gets_a_primary_token_with_the_real_primary_pair() {
    let w = World::new(config());
    let (r, log) = w.send(&app_req());
    assert_common_headers(&r);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-oidc-edge-upstream"), Some("primary"));
    assert_eq!(r.json_body().unwrap()["access_token"], "tok-p");
    let calls = w.up.calls_to(P);
    assert_eq!(calls.len(), 1);
    assert_eq!(basic_pair(&calls[0]), "real-p:real-p-secret");
    assert_eq!(calls[0].body, "grant_type=client_credentials&scope=read");
    // No caller header reaches the upstream.
    let names: Vec<&str> = calls[0].headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Content-Type", "Accept", "Authorization"]);
    assert_eq!(log.outcome, "token");
    assert_eq!(log.client.as_deref(), Some("oe_app"));
}

#[test]
fn passthrough_client_is_authenticated_then_failed_over_with_the_secondary_pair() {
    let w = World::new(config());
    w.up.script(P, &[network(1)]);
    let req = token_req(
        None,
        "grant_type=client_credentials&client_id=real-p&client_secret=real-p-secret",
    );
    let (r, log) = w.send(&req);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-oidc-edge-upstream"), Some("secondary"));
    assert_eq!(basic_pair(&w.up.calls_to(S)[0]), "real-s:real-s-secret");
    assert_eq!(log.mode, Some("passthrough"));
    assert_eq!(log.auth, Some("client_secret_post"));
    // Knowing the public primary id is not enough, even while the primary is down.
    let before = w.upstream_calls();
    let (r, _) = w.send(&token_req(
        None,
        "grant_type=client_credentials&client_id=real-p&client_secret=guess",
    ));
    assert_eq!(r.status, 401);
    assert_eq!(w.upstream_calls(), before);
}

#[test]
fn unknown_client_and_wrong_secret_look_the_same_and_cost_no_upstream_call() {
    let w = World::new(config());
    let (a, _) = w.send(&token_req(
        Some(&basic("oe_app", "wrong")),
        "grant_type=client_credentials",
    ));
    let (b, _) = w.send(&token_req(
        Some(&basic("oe_nobody", "x")),
        "grant_type=client_credentials",
    ));
    let (c, _) = w.send(&token_req(
        None,
        "grant_type=client_credentials&client_id=oe_app&client_secret=wrong",
    ));
    for r in [&a, &b, &c] {
        assert_common_headers(r);
        assert_eq!(r.status, 401);
        assert_eq!(
            r.header("www-authenticate"),
            Some(super::token::BASIC_CHALLENGE)
        );
        assert_eq!(r.body, a.body);
    }
    assert_eq!(w.upstream_calls(), 0);
}

#[test]
fn rotation_and_revocation() {
    let w = World::new(config());
    w.kv.map.borrow_mut().insert(
        kv_key("oe_app"),
        record(Mode::Concealed, "oe_app", &["app-secret", "next-secret"]),
    );
    for s in ["app-secret", "next-secret"] {
        let (r, _) = w.send(&token_req(
            Some(&basic("oe_app", s)),
            "grant_type=client_credentials",
        ));
        assert_eq!(r.status, 200, "{s}");
    }
    // Rotation finished: only the next secret remains.
    w.kv.map.borrow_mut().insert(
        kv_key("oe_app"),
        record(Mode::Concealed, "oe_app", &["next-secret"]),
    );
    assert_eq!(w.send(&app_req()).0.status, 401);
    // Revocation: the record is gone.
    w.kv.map.borrow_mut().remove(&kv_key("oe_app"));
    assert_eq!(
        w.send(&token_req(
            Some(&basic("oe_app", "next-secret")),
            "grant_type=client_credentials"
        ))
        .0
        .status,
        401
    );
    assert_eq!(w.upstream_calls(), 2);
}

#[test]
fn invalid_requests_never_reach_kv_or_upstreams() {
    let w = World::new(config());
    let cases = [
        (
            token_req(Some(&basic("oe_app", "app-secret")), "grant_type=password"),
            400,
            "unsupported_grant_type",
        ),
        (
            token_req(Some(&basic("oe_app", "app-secret")), "scope=x"),
            400,
            "invalid_request",
        ),
        (
            token_req(
                Some(&basic("oe_app", "app-secret")),
                "grant_type=client_credentials&client_secret=x",
            ),
            400,
            "invalid_request",
        ),
        (
            token_req(None, "grant_type=client_credentials"),
            401,
            "invalid_client",
        ),
    ];
    for (req, status, error) in cases {
        let (r, _) = w.send(&req);
        assert_common_headers(&r);
        assert_eq!(
            (r.status, r.json_body().unwrap()["error"].as_str().unwrap()),
            (status, error)
        );
        assert_eq!(r.header("www-authenticate").is_some(), status == 401);
    }
    let mut big = app_req();
    big.body = Some(std::vec![b'a'; 9000]);
    assert_eq!(w.send(&big).0.status, 413);
    assert_eq!(w.kv.reads.get(), 0);
    assert_eq!(w.upstream_calls(), 0);
}

#[test]
fn routes_methods_and_health() {
    let w = World::new(config());
    let mut get = app_req();
    get.method = "GET".into();
    let (r, _) = w.send(&get);
    assert_common_headers(&r);
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
    let mut other = app_req();
    other.path = "/oauth2/authorize".into();
    let (r, _) = w.send(&other);
    assert_common_headers(&r);
    assert_eq!(r.status, 404);
    let mut h = app_req();
    h.method = "GET".into();
    h.path = "/healthz".into();
    let (r, _) = w.send(&h);
    assert_common_headers(&r);
    assert_eq!(r.status, 200);
    let v = r.json_body().unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["breakers"]["primary"]["state"], "closed");
    assert_eq!(v["config"]["primary"], "primary.example");
    // Breaker open -> degraded; still no upstream call from /healthz.
    w.up.script(P, &[network(1)]);
    w.send(&app_req());
    let calls = w.upstream_calls();
    let (r, _) = w.send(&h);
    let v = r.json_body().unwrap();
    assert_eq!(v["status"], "degraded");
    assert_eq!(v["breakers"]["primary"]["state"], "open");
    // Opened when the primary failed (1 ms in); the secondary then took 30 ms.
    assert_eq!(v["breakers"]["primary"]["retry_in_ms"], 5000 - 30);
    assert_eq!(w.upstream_calls(), calls);
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert!(!text.contains("secret") && !text.contains(&base64url_encode(HASH)));
}

#[test]
fn misconfiguration_is_500_and_visible_on_healthz() {
    let mut w = World::new(config());
    w.loaded = Err(std::vec!["OAUTH_HOST_PRIMARY is not set".to_string()]);
    let (r, log) = w.send(&app_req());
    assert_eq!(
        (r.status, r.json_body().unwrap()["error"].as_str()),
        (500, Some("server_error"))
    );
    assert_eq!(log.problems.len(), 1);
    let mut h = app_req();
    h.method = "GET".into();
    h.path = "/healthz".into();
    let (r, _) = w.send(&h);
    assert_eq!(r.status, 503);
    assert_eq!(
        r.json_body().unwrap()["config"]["problems"][0],
        "OAUTH_HOST_PRIMARY is not set"
    );
    assert_eq!(w.upstream_calls(), 0);
}

#[test]
fn store_errors_and_bad_records() {
    let w = World::new(config());
    w.kv.broken.set(true);
    let (r, _) = w.send(&app_req());
    assert_eq!((r.status, r.header("retry-after")), (503, Some("1")));
    w.kv.broken.set(false);
    w.kv.map
        .borrow_mut()
        .insert(kv_key("oe_app"), "{\"v\":1}".into());
    assert_eq!(w.send(&app_req()).0.status, 500);
    assert_eq!(w.upstream_calls(), 0);
}

#[test]
fn oauth_errors_pass_through_unchanged() {
    let w = World::new(config());
    w.up.script(
        P,
        &[reply(
            5,
            400,
            r#"{"error":"invalid_scope","error_description":"unknown scope","trace":"x"}"#,
        )],
    );
    let (r, log) = w.send(&app_req());
    assert_common_headers(&r);
    assert_eq!(r.status, 400);
    assert_eq!(r.header("x-oidc-edge-upstream"), Some("primary"));
    assert_eq!(
        r.json_body().unwrap(),
        serde_json::json!({"error":"invalid_scope","error_description":"unknown scope"})
    );
    assert_eq!(w.up.calls_to(S).len(), 0);
    assert_eq!(log.error.as_deref(), Some("invalid_scope"));
    w.up.script(P, &[reply(5, 401, r#"{"error":"invalid_client"}"#)]);
    let (r, _) = w.send(&app_req());
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").is_some());
}

#[test]
fn both_down_is_503_with_retry_after() {
    let w = World::new(config());
    w.up.script(P, &[network(1)]);
    w.up.script(S, &[reply(1, 502, "")]);
    let (r, log) = w.send(&app_req());
    assert_common_headers(&r);
    assert_eq!(r.status, 503);
    assert_eq!(r.json_body().unwrap()["error"], "temporarily_unavailable");
    assert_eq!(
        r.header("retry-after"),
        Some("5"),
        "both breakers opened for 5 s"
    );
    assert_eq!(log.attempts.len(), 2);
}

#[test]
fn rate_limit() {
    let w = World::new(config());
    w.limiter.0.set(1);
    assert_eq!(w.send(&app_req()).0.status, 200);
    let (r, log) = w.send(&app_req());
    assert_eq!((r.status, r.header("retry-after")), (429, Some("60")));
    assert_eq!(log.outcome, "rate_limited");
    assert_eq!(w.upstream_calls(), 1);
    // Unauthenticated requests do not consume the budget: they are refused first.
    w.limiter.0.set(0);
    assert_eq!(
        w.send(&token_req(
            Some(&basic("oe_app", "bad")),
            "grant_type=client_credentials"
        ))
        .0
        .status,
        401
    );
}

#[test]
fn token_cache() {
    let mut cfg = config();
    cfg.cache = Some(CacheConfig {
        min_remaining_s: 60,
        max_entries: 100,
    });
    let w = World::new(cfg);
    let (r, log) = w.send(&app_req());
    assert_eq!(r.header("x-oidc-edge-upstream"), Some("primary"));
    assert_eq!(log.cache, Some("stored"));
    w.clock.advance(100_500);
    let (r, log) = w.send(&app_req());
    assert_common_headers(&r);
    assert_eq!(r.header("x-oidc-edge-upstream"), Some("cache"));
    assert_eq!(log.cache, Some("hit"));
    let v = r.json_body().unwrap();
    assert_eq!(
        (v["access_token"].as_str(), v["expires_in"].as_u64()),
        (Some("tok-p"), Some(3600 - 100 - 1))
    );
    assert_eq!(w.upstream_calls(), 1);
    // Same scope in another order: same entry. Another scope: a miss.
    let (r, _) = w.send(&token_req(
        Some(&basic("oe_app", "app-secret")),
        "grant_type=client_credentials&scope=read+read",
    ));
    assert_eq!(r.header("x-oidc-edge-upstream"), Some("cache"));
    let (r, _) = w.send(&token_req(
        Some(&basic("oe_app", "app-secret")),
        "grant_type=client_credentials&scope=write",
    ));
    assert_eq!(r.header("x-oidc-edge-upstream"), Some("primary"));
    // A wrong secret never reaches the cache; a revoked client neither.
    assert_eq!(
        w.send(&token_req(
            Some(&basic("oe_app", "x")),
            "grant_type=client_credentials&scope=read"
        ))
        .0
        .status,
        401
    );
    w.kv.map.borrow_mut().remove(&kv_key("oe_app"));
    assert_eq!(w.send(&app_req()).0.status, 401);
    // Near expiry: no longer served.
    w.kv.map.borrow_mut().insert(
        kv_key("oe_app"),
        record(Mode::Concealed, "oe_app", &["app-secret"]),
    );
    w.clock.advance((3600 - 100 - 60) * 1000);
    let (r, _) = w.send(&app_req());
    assert_eq!(r.header("x-oidc-edge-upstream"), Some("primary"));
}

#[test]
fn log_lines_never_contain_secrets_or_tokens() {
    let mut cfg = config();
    cfg.cache = Some(CacheConfig {
        min_remaining_s: 60,
        max_entries: 100,
    });
    let w = World::new(cfg);
    let mut lines = Vec::new();
    let bad = token_req(
        Some(&basic("oe_app", "wrong-secret")),
        "grant_type=client_credentials",
    );
    let post = token_req(
        None,
        "grant_type=client_credentials&client_id=real-p&client_secret=real-p-secret",
    );
    lines.push(w.send(&app_req()).1.to_json());
    lines.push(w.send(&app_req()).1.to_json());
    lines.push(w.send(&bad).1.to_json());
    lines.push(w.send(&post).1.to_json());
    w.up.script(P, &[network(1)]);
    w.up.script(S, &[hang()]);
    let uncached = token_req(
        None,
        "grant_type=client_credentials&client_id=real-p&client_secret=real-p-secret&scope=x",
    );
    lines.push(w.send(&uncached).1.to_json());
    let forbidden = [
        "app-secret",
        "wrong-secret",
        "real-p-secret",
        "real-s-secret",
        "tok-p",
        "tok-s",
        "Basic",
        &basic("oe_app", "app-secret")[6..],
    ];
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["request_id"].is_string() && v["outcome"].is_string() && v["status"].is_number());
        for f in forbidden {
            assert!(!line.contains(f), "{f} in {line}");
        }
    }
    let last: serde_json::Value = serde_json::from_str(&lines[4]).unwrap();
    assert_eq!(last["attempts"][0]["result"], "network");
    assert_eq!(last["attempts"][1]["result"], "timeout");
    assert_eq!(last["attempts"][1]["ms"], 3000);
    assert_eq!(last["outcome"], "unavailable");
}
