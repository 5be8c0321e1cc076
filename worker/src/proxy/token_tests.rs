//! The token route through the whole pipeline ([`crate::app::App`]) natively: configuration
//! from variables, fake KV, fake upstreams, fake clock.

use std::string::{String, ToString};
use std::vec::Vec;

use crate::app::{App, Outcome};
use crate::codec::{base64_decode, base64_encode, base64url_encode};
use crate::config::Config;
use crate::http::{HttpRequest, HttpResponse};
use crate::io::{Io, Limiter};
use crate::keyring::{Key, Keyring};
use crate::log::LogLine;
use crate::records::{digest_string, record_key, seal, secret_digest, Mode};
use crate::regions::Region;
use crate::testing::*;

const P: &str = TOKEN_URL_P;
const S: &str = TOKEN_URL_S;
const ENC: [u8; 32] = ENC_KEY;
const HASH: &[u8] = HASH_KEY;
const HEALTH: &str = HEALTH_TOKEN;

fn record_with(mode: Mode, id: &str, secrets: &[&str], enc: &Key, hash: &Key) -> String {
    let hashes: Vec<String> = secrets
        .iter()
        .map(|x| digest_string(hash, &secret_digest(&hash.bytes, id, x)))
        .collect();
    let (p, s) = match mode {
        Mode::Concealed => (("real-p", "real-p-secret"), ("real-s", "real-s-secret")),
        Mode::Passthrough => ((id, "real-p-secret"), ("real-s", "real-s-secret")),
    };
    serde_json::json!({
        "v": 2, "mode": mode.as_str(), "client_id": id, "secret_hashes": hashes,
        "primary": {"client_id": p.0, "secret": seal(enc, &[3; 12], id, Region::Primary, p.0, p.1)},
        "secondary": {"client_id": s.0, "secret": seal(enc, &[4; 12], id, Region::Secondary, s.0, s.1)},
    })
    .to_string()
}

fn record(mode: Mode, id: &str, secrets: &[&str]) -> String {
    record_with(
        mode,
        id,
        secrets,
        &Key::new(ENC.to_vec()),
        &Key::new(HASH.to_vec()),
    )
}

/// The test deployment with one failure opening a breaker, plus `extra`.
fn getter(extra: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let mut all = vec![("BREAKER_FAILURES", "1")];
    all.extend_from_slice(extra);
    deployment(&all)
}

fn env(extra: &[(&str, &str)]) -> Result<Config, Vec<String>> {
    Config::from_env(&getter(extra))
}

struct World {
    io: FakeIo,
    app: App,
}

impl World {
    fn new(config: Result<Config, Vec<String>>) -> Self {
        let io = FakeIo::at_ms(1_700_000_000_000);
        io.script(P, &[token(20, "p")]);
        io.script(S, &[token(30, "s")]);
        io.kv_put(
            &record_key("oe_app"),
            &record(Mode::Concealed, "oe_app", &["app-secret"]),
        );
        io.kv_put(
            &record_key("real-p"),
            &record(Mode::Passthrough, "real-p", &["real-p-secret"]),
        );
        World {
            io,
            app: App::new(config),
        }
    }

    fn send(&self, req: &HttpRequest) -> (HttpResponse, LogLine) {
        let route = self.app.route(&req.method, &req.path);
        let (outcome, log) = block_on(self.app.handle(&self.io, route, req, "rid-1"));
        match outcome {
            Outcome::Respond(r) => (r, log),
            Outcome::Forward(f) => panic!("forwarded: {f:?}"),
        }
    }

    fn upstream_calls(&self) -> usize {
        self.io.calls.borrow().len()
    }
}

fn config() -> Result<Config, Vec<String>> {
    env(&[])
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
        origin: String::new(),
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

fn health_req(token: Option<&str>) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        path: "/healthz".into(),
        headers: token
            .map(|t| std::vec![("authorization".to_string(), std::format!("Bearer {t}"))])
            .unwrap_or_default(),
        body: Some(Vec::new()),
        ..HttpRequest::default()
    }
}

fn assert_common_headers(r: &HttpResponse) {
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("pragma"), Some("no-cache"));
    assert_eq!(r.header("x-request-id"), Some("rid-1"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
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
    let calls = w.io.calls_to(P);
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
    w.io.script(P, &[network(1)]);
    let req = token_req(
        None,
        "grant_type=client_credentials&client_id=real-p&client_secret=real-p-secret",
    );
    let (r, log) = w.send(&req);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-oidc-edge-upstream"), Some("secondary"));
    assert_eq!(basic_pair(&w.io.calls_to(S)[0]), "real-s:real-s-secret");
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
    w.io.kv.borrow_mut().insert(
        record_key("oe_app"),
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
    w.io.kv.borrow_mut().insert(
        record_key("oe_app"),
        record(Mode::Concealed, "oe_app", &["next-secret"]),
    );
    assert_eq!(w.send(&app_req()).0.status, 401);
    // Revocation: the record is gone.
    w.io.kv.borrow_mut().remove(&record_key("oe_app"));
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
    assert_eq!(w.io.kv_reads.borrow().len(), 0);
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
    let (r, _) = w.send(&health_req(Some(HEALTH)));
    assert_common_headers(&r);
    assert_eq!(r.status, 200);
    let v = r.json_body().unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["breakers"]["primary"]["state"], "closed");
    assert_eq!(v["config"]["primary"], "primary.example");
    // Breaker open -> degraded; still no upstream call from /healthz.
    w.io.script(P, &[network(1)]);
    w.send(&app_req());
    let calls = w.upstream_calls();
    let (r, _) = w.send(&health_req(Some(HEALTH)));
    let v = r.json_body().unwrap();
    assert_eq!(v["status"], "degraded");
    assert_eq!(v["breakers"]["primary"]["state"], "open");
    // Opened when the primary failed (1 ms in); the secondary then took 30 ms.
    assert_eq!(v["breakers"]["primary"]["retry_in_ms"], 5000 - 30);
    assert_eq!(w.upstream_calls(), calls);
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert!(!text.contains("secret") && !text.contains(&base64url_encode(HASH)));
    assert!(!text.contains(HEALTH));
}

/// Hosts, breaker states and problems only for the operator's token; anyone else gets the
/// status alone, with or without a (wrong) token.
#[test]
fn healthz_reveals_details_only_to_the_operator() {
    let w = World::new(config());
    w.io.script(P, &[network(1)]);
    w.send(&app_req()); // primary breaker open
    for token in [None, Some("wrong"), Some(&HEALTH[1..]), Some("")] {
        let (r, log) = w.send(&health_req(token));
        assert_common_headers(&r);
        assert_eq!(r.status, 200);
        assert_eq!(
            r.json_body().unwrap(),
            serde_json::json!({"status": "ok"}),
            "{token:?}"
        );
        assert_eq!(log.outcome, "health");
    }
    let (r, _) = w.send(&health_req(Some(HEALTH)));
    assert_eq!(
        r.json_body().unwrap()["config"]["primary"],
        "primary.example"
    );
    // Without HEALTH_TOKEN configured nobody gets the details.
    let w = World::new(env(&[("HEALTH_TOKEN", "")]));
    let (r, _) = w.send(&health_req(Some(HEALTH)));
    assert_eq!(r.json_body().unwrap(), serde_json::json!({"status": "ok"}));
    // Misconfigured: 503 and the status for anyone, the problems for the operator (whose
    // token is read even though the rest of the configuration is broken).
    let w = World {
        app: App::from_env(&getter(&[("OAUTH_HOST_PRIMARY", "")]))
            .with_problem("KV binding CLIENTS is missing".into()),
        ..World::new(config())
    };
    let (r, _) = w.send(&health_req(None));
    assert_eq!(
        (r.status, r.json_body().unwrap()),
        (503, serde_json::json!({"status": "misconfigured"}))
    );
    let (r, _) = w.send(&health_req(Some(HEALTH)));
    assert_eq!(r.status, 503);
    assert_eq!(
        r.json_body().unwrap()["config"]["problems"],
        serde_json::json!([
            "OAUTH_HOST_PRIMARY is not set",
            "KV binding CLIENTS is missing"
        ])
    );
}

#[test]
fn misconfiguration_is_500_and_listed_in_the_log() {
    let w = World::new(env(&[("OAUTH_HOST_PRIMARY", ""), ("UPSTREAM_AUTH", "jwt")]));
    let (r, log) = w.send(&app_req());
    assert_common_headers(&r);
    assert_eq!(
        (r.status, r.json_body().unwrap()["error"].as_str()),
        (500, Some("server_error"))
    );
    assert_eq!(
        log.problems,
        [
            "OAUTH_HOST_PRIMARY is not set",
            "UPSTREAM_AUTH must be one of basic | post"
        ]
    );
    assert_eq!(w.upstream_calls(), 0);
    assert!(w.io.kv_reads.borrow().is_empty());
}

#[test]
fn store_errors_and_bad_records() {
    let w = World::new(config());
    w.io.kv_down.set(true);
    let (r, _) = w.send(&app_req());
    assert_eq!((r.status, r.header("retry-after")), (503, Some("1")));
    w.io.kv_down.set(false);
    w.io.kv
        .borrow_mut()
        .insert(record_key("oe_app"), "{\"v\":2}".into());
    assert_eq!(w.send(&app_req()).0.status, 500);
    assert_eq!(w.upstream_calls(), 0);
}

#[test]
fn oauth_errors_pass_through_unchanged() {
    let w = World::new(config());
    w.io.script(
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
    assert_eq!(w.io.calls_to(S).len(), 0);
    assert_eq!(log.error.as_deref(), Some("invalid_scope"));
    w.io.script(P, &[reply(5, 401, r#"{"error":"invalid_client"}"#)]);
    let (r, _) = w.send(&app_req());
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").is_some());
}

#[test]
fn both_down_is_503_with_retry_after() {
    let w = World::new(config());
    w.io.script(P, &[network(1)]);
    w.io.script(S, &[reply(1, 502, "")]);
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
    w.io.limit(Limiter::Client, 1);
    assert_eq!(w.send(&app_req()).0.status, 200);
    let (r, log) = w.send(&app_req());
    assert_eq!((r.status, r.header("retry-after")), (429, Some("60")));
    assert_eq!(log.outcome, "rate_limited");
    assert_eq!(w.upstream_calls(), 1);
    assert_eq!(
        w.io.limit_calls.borrow()[0],
        (Limiter::Client, "oe_app".to_string())
    );
    // Unauthenticated requests do not consume the budget: they are refused first.
    let asked = w.io.limit_calls.borrow().len();
    assert_eq!(
        w.send(&token_req(
            Some(&basic("oe_app", "bad")),
            "grant_type=client_credentials"
        ))
        .0
        .status,
        401
    );
    assert!(w.io.limit_calls.borrow()[asked..]
        .iter()
        .all(|(l, _)| *l != Limiter::Client));
}

/// Failed authentications spend the failure limiter per presented id; once it refuses, that
/// id is locked in the isolate: 429 for right and wrong secrets alike, no KV read, while
/// other clients are unaffected.
#[test]
fn failed_authentications_lock_the_client_id() {
    let w = World::new(env(&[("AUTH_LOCKOUT_S", "30")]));
    w.io.limit(Limiter::AuthFailures, 3);
    let wrong = token_req(
        Some(&basic("oe_app", "guess")),
        "grant_type=client_credentials",
    );
    for _ in 0..3 {
        assert_eq!(w.send(&wrong).0.status, 401);
    }
    let (r, log) = w.send(&wrong); // the limiter refuses this one: the id is now locked
    assert_eq!(r.status, 401);
    assert_eq!(log.outcome, "unauthorized");
    let reads = w.io.kv_reads.borrow().len();
    let (r, log) = w.send(&app_req());
    assert_common_headers(&r);
    assert_eq!((r.status, r.header("retry-after")), (429, Some("30")));
    assert_eq!(log.outcome, "locked_out");
    assert_eq!(
        w.io.kv_reads.borrow().len(),
        reads,
        "no KV read while locked"
    );
    assert_eq!(
        w.send(&token_req(
            None,
            "grant_type=client_credentials&client_id=real-p&client_secret=real-p-secret"
        ))
        .0
        .status,
        200,
        "another client is not affected"
    );
    w.io.advance(30_000);
    assert_eq!(w.send(&app_req()).0.status, 200, "the lock expires");
    assert!(w
        .io
        .limit_calls
        .borrow()
        .iter()
        .filter(|(l, _)| *l == Limiter::AuthFailures)
        .all(|(_, k)| k == "oe_app"));
}

/// An over-long client id is an unknown client: 401 invalid_client, no KV read (a KV key over
/// 512 bytes would be a store error, logged as an outage).
#[test]
fn over_long_client_ids_are_unknown_clients() {
    let w = World::new(config());
    let long = "a".repeat(600);
    for req in [
        token_req(Some(&basic(&long, "x")), "grant_type=client_credentials"),
        token_req(
            None,
            &std::format!("grant_type=client_credentials&client_id={long}&client_secret=x"),
        ),
    ] {
        let (r, log) = w.send(&req);
        assert_eq!(r.status, 401);
        assert_eq!(r.json_body().unwrap()["error"], "invalid_client");
        assert_eq!(log.outcome, "unauthorized");
    }
    assert!(w.io.kv_reads.borrow().is_empty());
}

/// Rotating CLIENT_HASH_KEY and CLIENT_ENC_KEY: records made under the previous keys keep
/// working, and a digest under the previous hash key is rewritten under the current one on
/// the client's next successful authentication.
#[test]
fn records_under_the_previous_keys_work_and_are_rehashed() {
    let new_enc = [0x55u8; 32];
    let new_hash = b"the new hash key, also 32 bytes or more";
    let w = World::new(env(&[
        ("CLIENT_ENC_KEY", &base64url_encode(&new_enc)),
        ("CLIENT_ENC_KEY_PREVIOUS", &base64url_encode(&ENC)),
        ("CLIENT_HASH_KEY", &base64url_encode(new_hash)),
        ("CLIENT_HASH_KEY_PREVIOUS", &base64url_encode(HASH)),
    ]));
    let (r, log) = w.send(&app_req());
    assert_eq!(r.status, 200);
    assert_eq!(basic_pair(&w.io.calls_to(P)[0]), "real-p:real-p-secret");
    assert!(log.rehashed);
    let written = w.io.kv_writes.borrow().clone();
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].0, "client:oe_app");
    let stored: serde_json::Value = serde_json::from_str(&written[0].1).unwrap();
    let new_id = Keyring::new(new_hash.to_vec(), None).current().id.clone();
    assert!(stored["secret_hashes"][0]
        .as_str()
        .unwrap()
        .starts_with(&std::format!("{new_id}.")));
    assert_eq!(
        stored["primary"],
        serde_json::from_str::<serde_json::Value>(&record(Mode::Concealed, "oe_app", &["x"]))
            .unwrap()["primary"],
        "the sealed secrets are left to scripts/client-keys.mjs reencrypt"
    );
    // The next authentication needs no rewrite; a wrong secret rewrites nothing.
    let (_, log) = w.send(&app_req());
    assert!(!log.rehashed);
    w.send(&token_req(
        Some(&basic("oe_app", "x")),
        "grant_type=client_credentials",
    ));
    assert_eq!(w.io.kv_writes.borrow().len(), 1);
    // Once the previous hash key is gone, the rewritten record still authenticates.
    let w2 = World::new(env(&[
        ("CLIENT_ENC_KEY_PREVIOUS", ""),
        ("CLIENT_HASH_KEY", &base64url_encode(new_hash)),
    ]));
    w2.io.kv_put("client:oe_app", &written[0].1);
    assert_eq!(w2.send(&app_req()).0.status, 200);
    // A record still under a key the worker no longer holds fails closed (401, no call).
    let w3 = World::new(env(&[("CLIENT_HASH_KEY", &base64url_encode(new_hash))]));
    assert_eq!(w3.send(&app_req()).0.status, 401);
    assert_eq!(w3.upstream_calls(), 0);
}

#[test]
fn token_cache() {
    let w = World::new(env(&[
        ("TOKEN_CACHE", "on"),
        ("TOKEN_CACHE_MAX_ENTRIES", "100"),
    ]));
    let (r, log) = w.send(&app_req());
    assert_eq!(r.header("x-oidc-edge-upstream"), Some("primary"));
    assert_eq!(log.cache, Some("stored"));
    w.io.advance(100_500);
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
    w.io.kv.borrow_mut().remove(&record_key("oe_app"));
    assert_eq!(w.send(&app_req()).0.status, 401);
    // Near expiry: no longer served.
    w.io.kv.borrow_mut().insert(
        record_key("oe_app"),
        record(Mode::Concealed, "oe_app", &["app-secret"]),
    );
    w.io.advance((3600 - 100 - 60) * 1000);
    let (r, _) = w.send(&app_req());
    assert_eq!(r.header("x-oidc-edge-upstream"), Some("primary"));
}

#[test]
fn log_lines_never_contain_secrets_or_tokens() {
    let w = World::new(env(&[("TOKEN_CACHE", "on")]));
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
    w.io.script(P, &[network(1)]);
    w.io.script(S, &[hang()]);
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

/// Gives the isolate a fleet verdict, as the glue's refresh would.
fn with_verdict(w: &World, v: crate::fleet::Verdict) {
    let p = w.app.proxy();
    let mut b = p.breakers.borrow_mut();
    p.fleet.borrow_mut().accept(v, w.io.now_ms(), &mut b);
}

#[test]
fn fleet_degraded_primary_sends_the_first_request_to_the_secondary() {
    let w = World::new(config());
    let now = w.io.now_ms();
    let mut v = crate::fleet::Verdict {
        at_ms: now,
        ..Default::default()
    };
    v.upstreams[0].until_ms = now + 6_000;
    with_verdict(&w, v);
    let (r, log) = w.send(&app_req());
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-oidc-edge-upstream"), Some("secondary"));
    assert!(w.io.calls_to(P).is_empty(), "zero primary attempts");
    assert_eq!(log.attempts.len(), 1);
    let report = w
        .app
        .proxy()
        .fleet
        .borrow_mut()
        .begin_refresh(now)
        .unwrap()
        .report;
    assert!(report.oks(Region::Primary).is_empty());
    assert_eq!(
        report.oks(Region::Secondary),
        [true],
        "the answer is reported"
    );
}

#[test]
fn fleet_revocation_refuses_before_kv_and_upstreams() {
    let w = World::new(config());
    let v = crate::fleet::Verdict {
        at_ms: w.io.now_ms(),
        epoch: 1,
        revoked: vec!["oe_app".into()],
        ..Default::default()
    };
    with_verdict(&w, v);
    let (r, log) = w.send(&app_req());
    assert_common_headers(&r);
    assert_eq!(r.status, 401);
    assert_eq!(r.json_body().unwrap()["error"], "invalid_client");
    assert_eq!(log.outcome, "revoked");
    assert!(w.io.kv_reads.borrow().is_empty());
    assert_eq!(w.upstream_calls(), 0);
    // Other clients are unaffected.
    let req = token_req(
        None,
        "grant_type=client_credentials&client_id=real-p&client_secret=real-p-secret",
    );
    assert_eq!(w.send(&req).0.status, 200);
}

#[test]
fn failed_attempts_are_reported_to_the_fleet() {
    let w = World::new(config());
    w.io.script(P, &[reply(5, 503, "{}")]);
    let (r, _) = w.send(&app_req());
    assert_eq!(r.header("x-oidc-edge-upstream"), Some("secondary"));
    let fleet = &w.app.proxy().fleet;
    assert!(fleet.borrow().report_is_urgent(w.io.now_ms()));
    let report = fleet
        .borrow_mut()
        .begin_refresh(w.io.now_ms())
        .unwrap()
        .report;
    assert_eq!(report.oks(Region::Primary), [false]);
    assert_eq!(report.oks(Region::Secondary), [true]);
    assert_eq!(report.outcomes[0][0].at_ms, w.io.now_ms());
}

fn revoke_req(token: Option<&str>, body: &str) -> HttpRequest {
    let mut headers = Vec::new();
    if let Some(t) = token {
        headers.push(("authorization".to_string(), std::format!("Bearer {t}")));
    }
    HttpRequest {
        method: "POST".into(),
        path: "/fleet/revoke".into(),
        headers,
        body: Some(body.as_bytes().to_vec()),
        ..HttpRequest::default()
    }
}

#[test]
fn operator_revokes_through_the_fleet_object_and_this_isolate_knows_at_once() {
    let w = World::new(config());
    let body = r#"{"client_id":"oe_app"}"#;
    let (r, _) = w.send(&revoke_req(None, body));
    assert_eq!(r.status, 401);
    let (r, _) = w.send(&revoke_req(Some("wrong"), body));
    assert_eq!(r.status, 401);
    assert!(w.io.fleet_calls.borrow().is_empty());
    // The object is unreachable: 503, nothing revoked here.
    let (r, _) = w.send(&revoke_req(Some(HEALTH), body));
    assert_eq!(r.status, 503);
    assert_eq!(w.send(&app_req()).0.status, 200);
    let v = crate::fleet::Verdict {
        at_ms: w.io.now_ms(),
        epoch: 4,
        revoked: vec!["oe_app".into()],
        ..Default::default()
    };
    *w.io.fleet.borrow_mut() = Some(v.to_json());
    let (r, log) = w.send(&revoke_req(Some(HEALTH), body));
    assert_eq!(r.status, 200);
    assert_eq!(r.json_body().unwrap()["epoch"], 4);
    assert_eq!(log.outcome, "revoked");
    let calls = w.io.fleet_calls.borrow().clone();
    assert_eq!(
        calls.last().unwrap(),
        &("/revoke".to_string(), body.to_string())
    );
    assert_eq!(w.send(&app_req()).0.status, 401);
    let (r, _) = w.send(&revoke_req(Some(HEALTH), "{}"));
    assert_eq!(r.status, 400);
}

#[test]
fn one_pair_record_fails_over_with_the_same_pair() {
    let w = World::new(config());
    let mut v: serde_json::Value =
        serde_json::from_str(&record(Mode::Concealed, "oe_one", &["one-secret"])).unwrap();
    let m = v.as_object_mut().unwrap();
    m.remove("secondary");
    m.insert("one_pair".into(), true.into());
    w.io.kv_put(&record_key("oe_one"), &v.to_string());
    w.io.script(P, &[network(1)]);
    let req = token_req(
        Some(&basic("oe_one", "one-secret")),
        "grant_type=client_credentials",
    );
    let (r, _) = w.send(&req);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-oidc-edge-upstream"), Some("secondary"));
    assert_eq!(basic_pair(&w.io.calls_to(P)[0]), "real-p:real-p-secret");
    assert_eq!(
        basic_pair(&w.io.calls_to(S)[0]),
        "real-p:real-p-secret",
        "one pair, both regions"
    );
}
