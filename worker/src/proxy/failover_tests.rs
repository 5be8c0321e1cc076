//! Table-driven tests of the failover policy over every upstream outcome, with a fake clock.

use core::cell::RefCell;
use std::string::{String, ToString};
use std::vec::Vec;

use super::breaker::{Breaker, State};
use super::failover::{classify, run, Class, Decision, Failure, Outcome};
use crate::codec::base64_decode;
use crate::config::proxy::{BreakerConfig, Force, ProxyConfig, UpstreamAuth};
use crate::fleet::slow::{Inflight, Watched};
use crate::io::{Io, Reply, Transport};
use crate::records::Credentials;
use crate::regions::Region;
use crate::testing::*;

const P: &str = "https://primary.example/oauth2/token";
const S: &str = "https://secondary.example/oauth2/token";

fn cfg() -> ProxyConfig {
    ProxyConfig {
        primary_url: P.into(),
        secondary_url: S.into(),
        upstream_auth: UpstreamAuth::Basic,
        force: Force::Auto,
        try_timeout_ms: 3000,
        deadline_ms: 8000,
        breaker: BreakerConfig {
            failure_threshold: 3,
            open_ms: 5000,
            max_open_ms: 60000,
        },
        cache: None,
        rate_limit_retry_after_s: 60,
        auth_lockout_s: 60,
    }
}

fn breakers(c: &ProxyConfig) -> RefCell<[Breaker; 2]> {
    RefCell::new([
        Breaker::new(c.breaker, c.deadline_ms),
        Breaker::new(c.breaker, c.deadline_ms),
    ])
}

fn creds(region: Region) -> Option<Credentials> {
    Some(match region {
        Region::Primary => Credentials {
            client_id: "p-id".into(),
            client_secret: "p-secret".into(),
        },
        Region::Secondary => Credentials {
            client_id: "s-id".into(),
            client_secret: "s-secret".into(),
        },
    })
}

struct World {
    io: FakeIo,
    cfg: ProxyConfig,
    breakers: RefCell<[Breaker; 2]>,
    inflight: RefCell<Inflight>,
}

impl World {
    fn new(cfg: ProxyConfig) -> Self {
        let breakers = breakers(&cfg);
        World {
            io: FakeIo::at_ms(1_000_000),
            cfg,
            breakers,
            inflight: RefCell::default(),
        }
    }
    fn go(&self) -> Outcome {
        self.go_avoiding([false; 2])
    }
    fn watched(&self) -> Watched<'_> {
        Watched {
            list: &self.inflight,
            request: "req-1",
        }
    }
    fn go_avoiding(&self, avoid: [bool; 2]) -> Outcome {
        block_on(run(
            &self.cfg,
            &self.breakers,
            avoid,
            self.watched(),
            &self.io,
            Some("read write"),
            &creds,
        ))
    }
    fn primary_calls(&self) -> usize {
        self.io.calls_to(P).len()
    }
    fn secondary_calls(&self) -> usize {
        self.io.calls_to(S).len()
    }
}

fn basic_user(call: &Call) -> String {
    let h = call.header("authorization").unwrap();
    let raw = base64_decode(h.strip_prefix("Basic ").unwrap()).unwrap();
    String::from_utf8(raw).unwrap()
}

#[test]
fn classify_every_outcome() {
    let r = |status: u16, body: &str| {
        Ok(Reply {
            status,
            body: body.as_bytes().to_vec(),
            ..Reply::default()
        })
    };
    let oauth = |e: &str| {
        let mut m = serde_json::Map::new();
        m.insert("error".into(), e.into());
        Class::OAuthError(m)
    };
    let table: Vec<(&str, Result<Reply, Transport>, Class)> = std::vec![
        (
            "token",
            r(200, r#"{"access_token":"x","expires_in":5}"#),
            Class::Token
        ),
        ("token 201", r(201, r#"{"access_token":"x"}"#), Class::Token),
        (
            "refused/reset",
            Err(Transport::Network),
            Class::Fail(Failure::Network)
        ),
        (
            "timeout",
            Err(Transport::Timeout),
            Class::Fail(Failure::Timeout)
        ),
        (
            "body over the cap",
            Err(Transport::TooLarge),
            Class::Fail(Failure::Malformed)
        ),
        ("500", r(500, "oops"), Class::Fail(Failure::ServerError)),
        ("502", r(502, ""), Class::Fail(Failure::ServerError)),
        (
            "503 json",
            r(503, r#"{"error":"temporarily_unavailable"}"#),
            Class::Fail(Failure::ServerError)
        ),
        ("504", r(504, ""), Class::Fail(Failure::ServerError)),
        (
            "429",
            r(429, r#"{"error":"slow_down"}"#),
            Class::Fail(Failure::TooManyRequests)
        ),
        (
            "200 not json",
            r(200, "<html>"),
            Class::Fail(Failure::Malformed)
        ),
        (
            "200 no token",
            r(200, r#"{"token_type":"Bearer"}"#),
            Class::Fail(Failure::Malformed)
        ),
        (
            "200 numeric token",
            r(200, r#"{"access_token":12}"#),
            Class::Fail(Failure::Malformed)
        ),
        (
            "200 empty token",
            r(200, r#"{"access_token":""}"#),
            Class::Fail(Failure::Malformed)
        ),
        (
            "200 array",
            r(200, r#"[{"access_token":"x"}]"#),
            Class::Fail(Failure::Malformed)
        ),
        (
            "400 invalid_client",
            r(400, r#"{"error":"invalid_client"}"#),
            oauth("invalid_client")
        ),
        (
            "401 invalid_client",
            r(401, r#"{"error":"invalid_client"}"#),
            oauth("invalid_client")
        ),
        (
            "400 invalid_scope",
            r(400, r#"{"error":"invalid_scope"}"#),
            oauth("invalid_scope")
        ),
        (
            "400 unauthorized_client",
            r(400, r#"{"error":"unauthorized_client"}"#),
            oauth("unauthorized_client")
        ),
        (
            "400 html",
            r(400, "<html>bad</html>"),
            Class::Fail(Failure::ClientError)
        ),
        ("404 no body", r(404, ""), Class::Fail(Failure::ClientError)),
        (
            "403 error not string",
            r(403, r#"{"error":1}"#),
            Class::Fail(Failure::ClientError)
        ),
        (
            "400 bad error code",
            r(400, "{\"error\":\"a\\\"b\"}"),
            Class::Fail(Failure::ClientError)
        ),
        (
            "408",
            r(408, r#"{"error":"timeout"}"#),
            Class::Fail(Failure::Unexpected)
        ),
        ("302 redirect", r(302, ""), Class::Fail(Failure::Unexpected)),
        ("101", r(101, ""), Class::Fail(Failure::Unexpected)),
    ];
    for (name, outcome, want) in table {
        assert_eq!(classify(&outcome), want, "{name}");
    }
    // Only error, error_description and error_uri are passed on.
    let Class::OAuthError(m) = classify(&r(
        400,
        r#"{"error":"invalid_scope","error_description":"no","error_uri":"https://x","debug":"internal"}"#,
    )) else {
        panic!()
    };
    assert_eq!(
        m.keys().collect::<Vec<_>>(),
        ["error", "error_description", "error_uri"]
    );
}

/// Every primary outcome, with a healthy secondary behind it.
#[test]
fn primary_outcomes_table() {
    struct Row {
        name: &'static str,
        primary: Behaviour,
        answered_by: Option<Region>, // None: OAuth error returned from the primary
        attempt: &'static str,
        elapsed_ms: u64, // time spent on the primary attempt
    }
    let rows = [
        Row {
            name: "success",
            primary: token(40, "p"),
            answered_by: Some(Region::Primary),
            attempt: "token",
            elapsed_ms: 40,
        },
        Row {
            name: "refused",
            primary: network(1),
            answered_by: Some(Region::Secondary),
            attempt: "network",
            elapsed_ms: 1,
        },
        Row {
            name: "reset",
            primary: network(200),
            answered_by: Some(Region::Secondary),
            attempt: "network",
            elapsed_ms: 200,
        },
        Row {
            name: "hang",
            primary: hang(),
            answered_by: Some(Region::Secondary),
            attempt: "timeout",
            elapsed_ms: 3000,
        },
        Row {
            name: "slow > per-try",
            primary: token(3001, "p"),
            answered_by: Some(Region::Secondary),
            attempt: "timeout",
            elapsed_ms: 3000,
        },
        Row {
            name: "slow < per-try",
            primary: token(2999, "p"),
            answered_by: Some(Region::Primary),
            attempt: "token",
            elapsed_ms: 2999,
        },
        Row {
            name: "500",
            primary: reply(5, 500, ""),
            answered_by: Some(Region::Secondary),
            attempt: "server_error",
            elapsed_ms: 5,
        },
        Row {
            name: "502",
            primary: reply(5, 502, ""),
            answered_by: Some(Region::Secondary),
            attempt: "server_error",
            elapsed_ms: 5,
        },
        Row {
            name: "503",
            primary: reply(5, 503, ""),
            answered_by: Some(Region::Secondary),
            attempt: "server_error",
            elapsed_ms: 5,
        },
        Row {
            name: "504",
            primary: reply(5, 504, ""),
            answered_by: Some(Region::Secondary),
            attempt: "server_error",
            elapsed_ms: 5,
        },
        Row {
            name: "429",
            primary: reply(5, 429, ""),
            answered_by: Some(Region::Secondary),
            attempt: "too_many_requests",
            elapsed_ms: 5,
        },
        Row {
            name: "429 + Retry-After",
            primary: reply_retry_after(5, 429, "30"),
            answered_by: Some(Region::Secondary),
            attempt: "too_many_requests",
            elapsed_ms: 5,
        },
        Row {
            name: "malformed 200",
            primary: reply(5, 200, "{\"token_type\":\"Bearer\"}"),
            answered_by: Some(Region::Secondary),
            attempt: "malformed",
            elapsed_ms: 5,
        },
        Row {
            name: "redirect",
            primary: reply(5, 302, ""),
            answered_by: Some(Region::Secondary),
            attempt: "unexpected_status",
            elapsed_ms: 5,
        },
        Row {
            name: "invalid_client",
            primary: reply(
                5,
                400,
                r#"{"error":"invalid_client","error_description":"bad"}"#,
            ),
            answered_by: None,
            attempt: "oauth_error",
            elapsed_ms: 5,
        },
        Row {
            name: "invalid_scope",
            primary: reply(5, 400, r#"{"error":"invalid_scope"}"#),
            answered_by: None,
            attempt: "oauth_error",
            elapsed_ms: 5,
        },
        Row {
            name: "401 invalid_client",
            primary: reply(5, 401, r#"{"error":"invalid_client"}"#),
            answered_by: None,
            attempt: "oauth_error",
            elapsed_ms: 5,
        },
    ];
    for row in rows {
        let w = World::new(cfg());
        w.io.script(P, core::slice::from_ref(&row.primary));
        w.io.script(S, &[token(30, "s")]);
        let out = w.go();
        let name = row.name;
        assert_eq!(w.primary_calls(), 1, "{name}");
        assert_eq!(out.attempts[0].result, row.attempt, "{name}");
        assert_eq!(out.attempts[0].ms, row.elapsed_ms, "{name}");
        assert_eq!(
            w.io.calls_to(P)[0].timeout_ms,
            3000,
            "{name}: per-try timeout"
        );
        assert_eq!(basic_user(&w.io.calls_to(P)[0]), "p-id:p-secret", "{name}");
        match row.answered_by {
            Some(Region::Primary) => {
                assert_eq!(w.secondary_calls(), 0, "{name}");
                assert!(
                    matches!(
                        out.decision,
                        Decision::Token {
                            region: Region::Primary,
                            status: 200,
                            ..
                        }
                    ),
                    "{name}"
                );
            }
            Some(Region::Secondary) => {
                assert_eq!(
                    w.secondary_calls(),
                    1,
                    "{name}: at most one attempt per upstream"
                );
                let s = &w.io.calls_to(S)[0];
                assert_eq!(
                    basic_user(s),
                    "s-id:s-secret",
                    "{name}: secondary gets the secondary pair"
                );
                assert_eq!(
                    s.body, "grant_type=client_credentials&scope=read+write",
                    "{name}"
                );
                assert_eq!(
                    s.at_ms,
                    1_000_000 + row.elapsed_ms,
                    "{name}: secondary right after the primary"
                );
                assert_eq!(s.timeout_ms, 3000, "{name}");
                let Decision::Token { region, body, .. } = &out.decision else {
                    panic!("{name}: {:?}", out.decision)
                };
                assert_eq!(*region, Region::Secondary, "{name}");
                assert!(
                    core::str::from_utf8(body).unwrap().contains("tok-s"),
                    "{name}"
                );
                assert_eq!(out.attempts.len(), 2, "{name}");
            }
            None => {
                assert_eq!(
                    w.secondary_calls(),
                    0,
                    "{name}: OAuth errors never fail over"
                );
                let Decision::OAuthError { region, status, .. } = &out.decision else {
                    panic!("{name}")
                };
                assert_eq!(
                    (*region, *status),
                    (Region::Primary, row.primary.result.as_ref().unwrap().status),
                    "{name}"
                );
            }
        }
        // OAuth errors and successes count as healthy; a 4xx about the request does not count;
        // everything else is one failure.
        let healthy = matches!(row.attempt, "token" | "oauth_error" | "client_error");
        let want = State::Closed {
            failures: if healthy { 0 } else { 1 },
        };
        assert_eq!(w.breakers.borrow()[0].state(w.io.now_ms()), want, "{name}");
    }
}

#[test]
fn both_fail_is_503_with_retry_after() {
    let outcomes = [
        network(1),
        hang(),
        reply(1, 500, ""),
        reply(1, 429, ""),
        reply(1, 200, "{}"),
        reply(1, 302, ""),
    ];
    for p in &outcomes {
        for s in &outcomes {
            let w = World::new(cfg());
            w.io.script(P, core::slice::from_ref(p));
            w.io.script(S, core::slice::from_ref(s));
            let out = w.go();
            assert_eq!(
                out.decision,
                Decision::Unavailable { retry_after_s: 1 },
                "{p:?} / {s:?}"
            );
            assert_eq!((w.primary_calls(), w.secondary_calls()), (1, 1));
            assert_eq!(out.attempts.len(), 2);
        }
    }
}

#[test]
fn retry_after_follows_breakers_and_429_hints() {
    // Both breakers open (threshold 1): Retry-After = the sooner of the two open periods.
    let mut c = cfg();
    c.breaker.failure_threshold = 1;
    let w = World::new(c.clone());
    w.io.script(P, &[network(0)]);
    w.io.script(S, &[network(0)]);
    assert_eq!(w.go().decision, Decision::Unavailable { retry_after_s: 5 });
    // 429 with Retry-After on both, breakers still closed: the smaller hint.
    let w = World::new(cfg());
    w.io.script(P, &[reply_retry_after(0, 429, "30")]);
    w.io.script(S, &[reply_retry_after(0, 429, "12")]);
    assert_eq!(w.go().decision, Decision::Unavailable { retry_after_s: 12 });
    // An HTTP-date Retry-After is ignored; hints are capped at 300 s.
    let w = World::new(cfg());
    w.io.script(
        P,
        &[reply_retry_after(0, 429, "Wed, 21 Oct 2026 07:28:00 GMT")],
    );
    w.io.script(S, &[reply_retry_after(0, 429, "99999")]);
    assert_eq!(w.go().decision, Decision::Unavailable { retry_after_s: 1 });
    let w = World::new(cfg());
    w.io.script(P, &[reply_retry_after(0, 429, "99999")]);
    w.io.script(S, &[reply_retry_after(0, 429, "99999")]);
    assert_eq!(
        w.go().decision,
        Decision::Unavailable { retry_after_s: 300 }
    );
}

#[test]
fn deadline_bounds_the_whole_request() {
    // per-try 3000, deadline 4000: a hanging primary leaves 1000 ms for the secondary.
    let mut c = cfg();
    c.deadline_ms = 4000;
    let w = World::new(c.clone());
    w.io.script(P, &[hang()]);
    w.io.script(S, &[token(999, "s")]);
    let out = w.go();
    assert!(matches!(
        out.decision,
        Decision::Token {
            region: Region::Secondary,
            ..
        }
    ));
    assert_eq!(w.io.calls_to(S)[0].timeout_ms, 1000);
    assert_eq!(w.io.now_ms(), 1_000_000 + 3999);

    // The secondary needs longer than what is left: 503 exactly at the deadline.
    let w = World::new(c.clone());
    w.io.script(P, &[hang()]);
    w.io.script(S, &[token(1001, "s")]);
    let out = w.go();
    assert_eq!(out.decision, Decision::Unavailable { retry_after_s: 1 });
    assert_eq!(w.io.now_ms(), 1_000_000 + 4000);
    assert_eq!(out.attempts[1].result, "timeout");

    // Deadline shorter than one try: the primary itself is cut to the deadline and the
    // secondary is not called at all.
    c.deadline_ms = 2000;
    let w = World::new(c);
    w.io.script(P, &[hang()]);
    w.io.script(S, &[token(1, "s")]);
    let out = w.go();
    assert_eq!(w.io.calls_to(P)[0].timeout_ms, 2000);
    assert_eq!(w.secondary_calls(), 0);
    assert_eq!(out.decision, Decision::Unavailable { retry_after_s: 1 });
    assert_eq!(w.io.now_ms(), 1_000_000 + 2000);
}

#[test]
fn open_primary_breaker_sends_requests_straight_to_the_secondary() {
    let mut c = cfg();
    c.breaker = BreakerConfig {
        failure_threshold: 2,
        open_ms: 1000,
        max_open_ms: 4000,
    };
    let w = World::new(c);
    w.io.script(P, &[network(10)]);
    w.io.script(S, &[token(20, "s")]);
    w.go();
    w.go(); // second consecutive failure opens the primary breaker
    assert_eq!(w.primary_calls(), 2);
    let t_open = w.io.now_ms() - 20; // opened when the 2nd primary attempt ended
    assert_eq!(
        w.breakers.borrow()[0].state(w.io.now_ms()),
        State::Open {
            until_ms: t_open + 1000
        }
    );
    for _ in 0..5 {
        let out = w.go();
        assert!(matches!(
            out.decision,
            Decision::Token {
                region: Region::Secondary,
                ..
            }
        ));
        assert_eq!(out.attempts.len(), 1);
    }
    assert_eq!(
        w.primary_calls(),
        2,
        "no primary call while its breaker is open"
    );
    // After the open period: one probe; it fails -> open again for 2000 ms.
    w.io.set_now_ms(t_open + 1000);
    let out = w.go();
    assert!(out.attempts[0].probe);
    assert_eq!(w.primary_calls(), 3);
    let t_reopen = t_open + 1000 + 10;
    assert_eq!(
        w.breakers.borrow()[0].state(w.io.now_ms()),
        State::Open {
            until_ms: t_reopen + 2000
        }
    );
    w.io.set_now_ms(t_reopen + 1999);
    w.go();
    assert_eq!(w.primary_calls(), 3);
    // The primary is back: the next probe closes the breaker.
    w.io.script(P, &[token(5, "p")]);
    w.io.set_now_ms(t_reopen + 2000);
    let out = w.go();
    assert!(matches!(
        out.decision,
        Decision::Token {
            region: Region::Primary,
            ..
        }
    ));
    assert!(out.attempts[0].probe);
    assert_eq!(
        w.breakers.borrow()[0].state(w.io.now_ms()),
        State::Closed { failures: 0 }
    );
}

#[test]
fn an_upstream_the_fleet_avoids_is_skipped_then_a_last_resort() {
    let w = World::new(cfg());
    w.io.script(P, &[token(5, "p")]);
    w.io.script(S, &[token(20, "s")]);
    let out = w.go_avoiding([true, false]);
    assert!(matches!(
        out.decision,
        Decision::Token {
            region: Region::Secondary,
            ..
        }
    ));
    assert_eq!(
        w.primary_calls(),
        0,
        "no request waits on an avoided primary"
    );
    assert_eq!(out.attempts[0].health, Some(true));
    assert_eq!(
        w.breakers.borrow()[0].state(w.io.now_ms()),
        State::Closed { failures: 0 },
        "the isolate's own breaker is untouched"
    );
    // The secondary fails too: the avoided primary is the last resort.
    w.io.script(S, &[reply(10, 503, "{}")]);
    let out = w.go_avoiding([true, false]);
    assert_eq!(w.primary_calls(), 1);
    assert_eq!(out.attempts[0].health, Some(false));
    assert!(matches!(
        out.decision,
        Decision::Token {
            region: Region::Primary,
            ..
        }
    ));
}

#[test]
fn open_breakers_are_a_last_resort_not_a_wall() {
    let mut c = cfg();
    c.breaker.failure_threshold = 1;
    let w = World::new(c);
    w.io.script(P, &[network(1), token(1, "p")]);
    w.io.script(S, &[network(1)]);
    w.go(); // both open now
    assert!(matches!(
        w.breakers.borrow()[0].state(w.io.now_ms()),
        State::Open { .. }
    ));
    assert!(matches!(
        w.breakers.borrow()[1].state(w.io.now_ms()),
        State::Open { .. }
    ));
    // Both open: both are still tried, primary first; the primary answers and closes its breaker.
    let out = w.go();
    assert!(matches!(
        out.decision,
        Decision::Token {
            region: Region::Primary,
            ..
        }
    ));
    assert_eq!(
        w.breakers.borrow()[0].state(w.io.now_ms()),
        State::Closed { failures: 0 }
    );
    // Primary open, secondary (closed) failing: the primary is tried after the secondary.
    let mut c = cfg();
    c.breaker.failure_threshold = 1;
    let w = World::new(c);
    w.io.script(P, &[network(1)]);
    w.io.script(S, &[token(1, "s"), network(1)]);
    w.go(); // primary opens, secondary answers
    let out = w.go();
    let order: Vec<String> = w.io.calls.borrow()[2..]
        .iter()
        .map(|c| c.url.clone())
        .collect();
    assert_eq!(order, [S.to_string(), P.to_string()]);
    assert!(matches!(out.decision, Decision::Unavailable { .. }));
    assert!(!out.attempts[1].probe);
}

#[test]
fn forced_upstream_uses_only_that_one() {
    for (force, url, other) in [(Force::Primary, P, S), (Force::Secondary, S, P)] {
        let mut c = cfg();
        c.force = force;
        c.breaker.failure_threshold = 1;
        let w = World::new(c);
        w.io.script(url, &[network(1), token(1, "x")]);
        w.io.script(other, &[token(1, "other")]);
        let out = w.go();
        assert_eq!(
            out.decision,
            Decision::Unavailable { retry_after_s: 5 },
            "{force:?}"
        );
        // Forced ignores the (now open) breaker.
        let out = w.go();
        assert!(matches!(out.decision, Decision::Token { .. }), "{force:?}");
        assert_eq!(w.io.calls_to(url).len(), 2);
        assert_eq!(
            w.io.calls_to(other).len(),
            0,
            "{force:?}: never the other upstream"
        );
    }
}

#[test]
fn undecryptable_credentials_skip_that_upstream() {
    let w = World::new(cfg());
    w.io.script(P, &[token(1, "p")]);
    w.io.script(S, &[token(1, "s")]);
    let only_secondary = |r: Region| if r == Region::Primary { None } else { creds(r) };
    let out = block_on(run(
        &w.cfg,
        &w.breakers,
        [false; 2],
        w.watched(),
        &w.io,
        None,
        &only_secondary,
    ));
    assert!(matches!(
        out.decision,
        Decision::Token {
            region: Region::Secondary,
            ..
        }
    ));
    assert_eq!(out.attempts[0].result, "bad_record");
    assert_eq!(w.primary_calls(), 0);
    assert_eq!(
        w.breakers.borrow()[0].state(w.io.now_ms()),
        State::Closed { failures: 0 }
    );
    assert_eq!(w.io.calls_to(S)[0].body, "grant_type=client_credentials");
}

#[test]
fn post_auth_sends_credentials_in_the_body() {
    let mut c = cfg();
    c.upstream_auth = UpstreamAuth::Post;
    let w = World::new(c);
    w.io.script(P, &[reply(1, 503, "")]);
    w.io.script(S, &[token(1, "s")]);
    w.go();
    let s = &w.io.calls_to(S)[0];
    assert_eq!(s.header("authorization"), None);
    assert_eq!(
        s.body,
        "grant_type=client_credentials&scope=read+write&client_id=s-id&client_secret=s-secret"
    );
}

/// One client whose upstream credentials are wrong keeps getting 4xx answers (an OAuth error,
/// or a bare 401/403/404 page): the breaker every other client shares never opens.
#[test]
fn one_clients_4xx_never_opens_the_shared_breaker() {
    let mut c = cfg();
    c.breaker.failure_threshold = 2;
    for bad in [
        reply(1, 401, r#"{"error":"invalid_client"}"#),
        reply(1, 400, r#"{"error":"unauthorized_client"}"#),
        reply(1, 401, "<html>Unauthorized</html>"),
        reply(1, 403, ""),
        reply(1, 404, "not here"),
    ] {
        let w = World::new(c.clone());
        w.io.script(P, &[bad]);
        w.io.script(S, &[token(1, "s")]);
        for _ in 0..10 {
            w.go();
        }
        assert_eq!(
            w.primary_calls(),
            10,
            "every request still tries the primary"
        );
        assert_eq!(
            w.breakers.borrow()[0].state(w.io.now_ms()),
            State::Closed { failures: 0 }
        );
        // Another client's request goes to the primary as usual.
        w.io.script(P, &[token(1, "p")]);
        assert!(matches!(
            w.go().decision,
            Decision::Token {
                region: Region::Primary,
                ..
            }
        ));
    }
    // A bare 4xx during the half-open probe hands the probe on instead of deciding it.
    let w = World::new(c);
    w.io.script(P, &[reply(1, 503, "")]);
    w.io.script(S, &[token(1, "s")]);
    w.go();
    w.go();
    let open_until = match w.breakers.borrow()[0].state(w.io.now_ms()) {
        State::Open { until_ms } => until_ms,
        s => panic!("{s:?}"),
    };
    w.io.set_now_ms(open_until);
    w.io.script(P, &[reply(1, 403, "")]);
    w.go();
    assert_eq!(
        w.breakers.borrow()[0].state(w.io.now_ms()),
        State::HalfOpen {
            probe_since_ms: None
        }
    );
}
