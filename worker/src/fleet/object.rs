//! The `FleetHealth` Durable Object's behaviour, without `worker` types: what each request to
//! the object does, what an alarm does, and the probes. The glue (`glue::fleet`) owns one
//! [`Object`] per object instance, keeps its revocations in the object's storage and sets the
//! alarm it asks for.
//!
//! | path         | body                     | does                                          |
//! |--------------|--------------------------|-----------------------------------------------|
//! | `/report`    | a [`Report`]             | feeds it to the [`Hub`]                       |
//! | `/heartbeat` | none                     | probes both upstreams (the Cron Trigger)      |
//! | `/revoke`    | `{"client_id":"<id>"}`   | a revocation (the operator's `/fleet/revoke`) |
//!
//! Every answer is the verdict as of now. An alarm probes the degraded upstreams; while any
//! stays degraded the next alarm is the next point of the probe grid (multiples of the probe
//! interval on the clock, which the isolates know too: they ask for the verdict just after).
//!
//! A probe is `GET` on the upstream's probe URL (`FLEET_PROBE_URL_PRIMARY` /
//! `_SECONDARY`, default: the token endpoint itself): any answer but 5xx, 408 and 429 within
//! [`Timing::probe_timeout_ms`] says the host is up (a token endpoint answers `GET` with 405 or
//! 400, as Cognito's does; a discovery document or key set with 200).

use std::string::String;
use std::vec::Vec;

use serde_json::Value;

use super::verdict::Report;
use super::{Hub, Timing};
use crate::config::proxy::ProxyConfig;
use crate::config::vars::Vars;
use crate::io::{Io, Method, Outbound, Reply, Transport};
use crate::regions::Region;

/// Largest probe answer read (the body is not looked at).
const MAX_PROBE_BODY: usize = 64 * 1024;
/// How often a report that waits for a probe's result looks again.
const PROBE_WAIT_STEP_MS: u64 = 20;

/// The object's state and configuration.
pub struct Object {
    hub: core::cell::RefCell<Hub>,
    probe_urls: [String; 2],
    timing: Timing,
    /// Probes under way (the alarm's or the heartbeat's).
    probing: core::cell::Cell<u32>,
}

/// What a request to the object produced.
#[derive(Debug, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status (200, or 400 / 404 for a bad request).
    pub status: u16,
    /// The verdict's JSON (or an error's).
    pub body: String,
    /// What storage keeps changed (a revocation, an upstream's health): the glue writes
    /// [`Object::state_json`].
    pub persist: bool,
}

/// Whether a probe's outcome says the host is up.
pub fn probe_ok(result: &Result<Reply, Transport>) -> bool {
    matches!(result, Ok(r) if !(r.status >= 500 || r.status == 408 || r.status == 429))
}

impl Object {
    /// The object for the worker's variables (the same `BREAKER_*` as the isolates).
    pub fn from_env(get: &dyn Fn(&str) -> Option<String>, timing: Timing) -> Object {
        let mut v = Vars::new(get);
        let proxy = ProxyConfig::read(&mut v);
        let probe = |name: &str, region: Region| {
            v.value(name)
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| proxy.url(region).into())
        };
        let probe_urls = [
            probe("FLEET_PROBE_URL_PRIMARY", Region::Primary),
            probe("FLEET_PROBE_URL_SECONDARY", Region::Secondary),
        ];
        Object {
            hub: core::cell::RefCell::new(Hub::new(proxy.breaker, timing)),
            probe_urls,
            timing,
            probing: core::cell::Cell::new(0),
        }
    }

    /// What storage keeps across an eviction: revocations and upstream health.
    pub fn state_json(&self) -> String {
        self.hub.borrow().state_json()
    }

    /// Restores [`Object::state_json`] from storage.
    pub fn restore(&self, doc: &str) {
        self.hub.borrow_mut().restore(doc);
    }

    /// Whether storage should be written since the last call (after an alarm, whose probes
    /// may open or close an upstream).
    pub fn take_dirty(&self) -> bool {
        self.hub.borrow_mut().take_dirty()
    }

    /// When the next alarm should fire, if any (the glue sets it when none is set).
    pub fn next_alarm(&self, now_ms: u64) -> Option<u64> {
        self.hub.borrow().next_alarm(now_ms)
    }

    /// Handles one request to the object.
    pub async fn handle<I: Io>(&self, io: &I, path: &str, body: &[u8]) -> Answer {
        match path {
            "/report" => match Report::parse(body) {
                Some(r) => {
                    self.hub.borrow_mut().ingest(&r, io.now_ms());
                    self.await_probe(io).await;
                }
                None => return error(400, "malformed report"),
            },
            "/heartbeat" => self.probe(io, &Region::BOTH).await,
            "/revoke" => {
                let id = serde_json::from_slice::<Value>(body)
                    .ok()
                    .and_then(|v| v.get("client_id")?.as_str().map(String::from))
                    .filter(|id| !id.is_empty() && id.len() <= crate::records::MAX_CLIENT_ID_LEN);
                let Some(id) = id else {
                    return error(400, "client_id missing");
                };
                self.hub.borrow_mut().revoke(&id, io.now_ms());
            }
            _ => return error(404, "not found"),
        }
        let body = self.hub.borrow().verdict(io.now_ms()).to_json();
        Answer {
            status: 200,
            body,
            persist: self.take_dirty(),
        }
    }

    /// The alarm: probes every degraded upstream. Returns when the next alarm should fire
    /// (the next point of the probe grid, [`Timing::next_probe_ms`]), if anything is still
    /// degraded.
    pub async fn alarm<I: Io>(&self, io: &I) -> Option<u64> {
        let start = io.now_ms();
        let due = self.hub.borrow().to_probe(start);
        if due.is_empty() {
            return None;
        }
        self.probe(io, &due).await;
        // The next point of the probe grid (a probe that ran past it skips to the one after).
        self.hub.borrow().next_alarm(io.now_ms())
    }

    /// Waits while a probe is under way, at most half a probe interval: isolates ask for the
    /// verdict just after each probe's time (`Timing::last_probe_result_ms`), and the probe
    /// of an upstream that is back may take longer than the settle time to answer (a cold
    /// connection, a process still warming up). A probe still unanswered by then is most
    /// likely hanging, and its result changes nothing; the bound keeps the refresh well
    /// within its own 1 s limit. The report itself is already counted.
    async fn await_probe<I: Io>(&self, io: &I) {
        let mut waited = 0;
        while self.probing.get() > 0 && waited < self.timing.probe_ms / 2 {
            io.sleep_ms(PROBE_WAIT_STEP_MS).await;
            waited += PROBE_WAIT_STEP_MS;
        }
    }

    async fn probe<I: Io>(&self, io: &I, regions: &[Region]) {
        for &r in regions {
            let request = Outbound {
                method: Method::Get,
                url: self.probe_urls[r.index()].clone(),
                headers: Vec::new(),
                body: String::new(),
            };
            self.probing.set(self.probing.get().saturating_add(1));
            let result = io
                .fetch(&request, self.timing.probe_timeout_ms, MAX_PROBE_BODY)
                .await;
            self.hub
                .borrow_mut()
                .on_probe(r, probe_ok(&result), io.now_ms());
            self.probing.set(self.probing.get().saturating_sub(1));
        }
    }
}

fn error(status: u16, why: &str) -> Answer {
    Answer {
        status,
        body: serde_json::json!({ "error": why }).to_string(),
        persist: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::Verdict;
    use crate::testing::{block_on, hang, reply, FakeIo, TOKEN_URL_P, TOKEN_URL_S};

    fn object(extra: &[(&str, &str)]) -> Object {
        let get = crate::testing::deployment(extra);
        Object::from_env(&get, Timing::DEFAULT)
    }

    fn verdict(a: &Answer) -> Verdict {
        assert_eq!(a.status, 200, "{}", a.body);
        Verdict::parse(a.body.as_bytes()).unwrap()
    }

    fn failures(n: usize, at_ms: u64) -> std::string::String {
        let mut r = Report::default();
        for _ in 0..n {
            r.push(Region::Primary, false, at_ms);
        }
        r.to_json()
    }

    #[test]
    fn a_report_during_a_probe_gets_the_probes_result() {
        let o = object(&[]);
        let io = FakeIo::at_ms(100_000);
        block_on(o.handle(&io, "/report", failures(3, 99_000).as_bytes()));
        // The primary is back, but the probe's answer takes a while (pending 8 times).
        io.script(TOKEN_URL_P, &[reply(300, 405, "").yielding(8)]);
        io.set_now_ms(101_000);
        let answer = core::cell::RefCell::new(None);
        let alarm: core::pin::Pin<std::boxed::Box<dyn core::future::Future<Output = ()>>> =
            std::boxed::Box::pin(async {
                o.alarm(&io).await;
            });
        let report: core::pin::Pin<std::boxed::Box<dyn core::future::Future<Output = ()>>> =
            std::boxed::Box::pin(async {
                let empty = Report::default().to_json();
                let a = o.handle(&io, "/report", empty.as_bytes()).await;
                *answer.borrow_mut() = Some(a);
            });
        crate::testing::join_all(std::vec![alarm, report]);
        let a = answer.borrow_mut().take().unwrap();
        let v = verdict(&a);
        assert!(
            !v.degraded(Region::Primary, io.now_ms()),
            "the report waited for the probe: {}",
            a.body
        );
        assert!(v.upstreams[Region::Primary.index()].recovered_ms >= 101_000);
    }

    #[test]
    fn reports_degrade_alarms_probe_until_the_upstream_answers() {
        const P: u64 = Timing::DEFAULT.probe_ms;
        let o = object(&[]);
        let io = FakeIo::at_ms(100_000);
        let a = block_on(o.handle(&io, "/report", failures(3, 99_000).as_bytes()));
        assert!(verdict(&a).degraded(Region::Primary, 100_000));
        assert!(a.persist, "an upstream's health is kept across an eviction");
        assert_eq!(o.next_alarm(100_000), Some(100_000 + P));
        // The alarm probes the primary only; it still hangs.
        io.script(TOKEN_URL_P, &[hang()]);
        io.set_now_ms(100_000 + P);
        let next = block_on(o.alarm(&io));
        let calls = io.calls.borrow().clone();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].url, TOKEN_URL_P);
        assert_eq!(calls[0].method, Method::Get);
        assert!(calls[0].headers.is_empty(), "no credentials in a probe");
        assert_eq!(calls[0].timeout_ms, Timing::DEFAULT.probe_timeout_ms);
        assert_eq!(
            next,
            Some(100_000 + 2 * P),
            "one interval after this alarm started"
        );
        // Back: a 405 to GET is an answer.
        io.script(TOKEN_URL_P, &[reply(30, 405, "")]);
        io.set_now_ms(100_000 + 2 * P);
        assert_eq!(block_on(o.alarm(&io)), None, "nothing left to probe");
        assert!(o.take_dirty(), "the recovery is written too");
        assert!(!o.take_dirty());
        let v = verdict(&block_on(o.handle(&io, "/report", b"{\"v\":1}")));
        assert!(!v.degraded(Region::Primary, 100_030 + 2 * P));
        assert_eq!(v.upstreams[0].recovered_ms, 100_030 + 2 * P);
    }

    #[test]
    fn heartbeat_probes_both_at_the_configured_urls() {
        let o = object(&[(
            "FLEET_PROBE_URL_SECONDARY",
            "https://secondary.example/.well-known/jwks.json",
        )]);
        let io = FakeIo::at_ms(0);
        io.script(TOKEN_URL_P, &[reply(5, 400, "{}")]);
        io.script(
            "https://secondary.example/.well-known/jwks.json",
            &[reply(5, 503, "")],
        );
        block_on(o.handle(&io, "/heartbeat", b""));
        let urls: Vec<_> = io.calls.borrow().iter().map(|c| c.url.clone()).collect();
        assert_eq!(
            urls,
            [
                TOKEN_URL_P,
                "https://secondary.example/.well-known/jwks.json"
            ]
        );
        assert!(!urls.contains(&TOKEN_URL_S.into()));
        // Two more failed heartbeats: the secondary's breaker opens.
        for _ in 0..2 {
            block_on(o.handle(&io, "/heartbeat", b""));
        }
        let v = verdict(&block_on(o.handle(&io, "/report", b"{\"v\":1}")));
        assert!(v.degraded(Region::Secondary, io.now_ms()));
        assert!(!v.degraded(Region::Primary, io.now_ms()));
    }

    #[test]
    fn revocations_are_persisted_and_bad_requests_refused() {
        let o = object(&[]);
        let io = FakeIo::at_ms(0);
        let a = block_on(o.handle(&io, "/revoke", br#"{"client_id":"oe_app"}"#));
        assert!(a.persist);
        let v = verdict(&a);
        assert_eq!(
            (v.epoch, v.revoked.clone()),
            (1, std::vec!["oe_app".into()])
        );
        let fresh = object(&[]);
        fresh.restore(&o.state_json());
        assert_eq!(
            verdict(&block_on(fresh.handle(&io, "/report", b"{\"v\":1}"))).epoch,
            1
        );
        for (path, body) in [
            ("/revoke", &br#"{"client_id":""}"#[..]),
            ("/revoke", b"not json"),
            ("/report", b"{\"v\":1,\"primary\":[[\"x\",1]]}"),
        ] {
            assert_eq!(block_on(o.handle(&io, path, body)).status, 400, "{path}");
        }
        assert_eq!(block_on(o.handle(&io, "/nope", b"")).status, 404);
        let long = std::format!(r#"{{"client_id":"{}"}}"#, "a".repeat(300));
        assert_eq!(
            block_on(o.handle(&io, "/revoke", long.as_bytes())).status,
            400
        );
    }

    #[test]
    fn probe_outcomes() {
        let ok = |status| {
            probe_ok(&Ok(Reply {
                status,
                ..Reply::default()
            }))
        };
        assert!(ok(200) && ok(400) && ok(405) && ok(302));
        assert!(!ok(500) && !ok(503) && !ok(429) && !ok(408));
        assert!(!probe_ok(&Err(Transport::Timeout)));
        assert!(!probe_ok(&Err(Transport::Network)));
    }
}
