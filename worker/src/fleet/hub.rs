//! The Durable Object's state machine: one [`Breaker`] per upstream, fed with the isolates'
//! batched outcomes and with the object's own probes; the revocation epoch and list.
//!
//! - An upstream is *degraded* while its breaker is not closed: open, or half-open until a
//!   success. The same rules as every isolate's breaker: `BREAKER_FAILURES` consecutive
//!   failures (across the fleet, in the order reports arrive) open it; any success closes it.
//! - While an upstream is degraded, the object probes it every [`Timing::probe_ms`]
//!   ([`Hub::next_alarm`]). A probe's success closes the breaker and stamps `recovered`, which
//!   tells isolates to close theirs too (failback without user requests paying for it). A
//!   failed probe while half-open reopens the breaker for a longer period, as an isolate's
//!   failed half-open probe would.
//! - The verdict says "degraded until" a short time ahead ([`Hub::claim_ms`]): the object
//!   renews the claim with every verdict it issues, so if it stops answering, the claim lapses
//!   within seconds and each isolate's breaker decides alone.
//! - Revocations: each one increments the epoch and lists the client id for
//!   [`Timing::revocation_keep_ms`].

use std::string::{String, ToString};
use std::vec::Vec;

use serde_json::{json, Value};

use super::verdict::{Health, Report, Verdict, MAX_REVOKED};
use super::Timing;
use crate::config::proxy::BreakerConfig;
use crate::proxy::breaker::{Breaker, State};
use crate::regions::Region;

/// The fleet's health and revocations, as the Durable Object holds them.
#[derive(Clone, Debug)]
pub struct Hub {
    timing: Timing,
    breakers: [Breaker; 2],
    recovered_ms: [u64; 2],
    epoch: u64,
    /// `(client id, revoked at)`, oldest first.
    revoked: Vec<(String, u64)>,
}

impl Hub {
    /// Everything healthy, nothing revoked.
    pub fn new(breaker: BreakerConfig, timing: Timing) -> Hub {
        let b = || Breaker::new(breaker, timing.probe_ms);
        Hub {
            timing,
            breakers: [b(), b()],
            recovered_ms: [0; 2],
            epoch: 0,
            revoked: Vec::new(),
        }
    }

    /// Whether `region` is degraded (its breaker is not closed).
    pub fn degraded(&self, region: Region, now_ms: u64) -> bool {
        !matches!(
            self.breakers[region.index()].state(now_ms),
            State::Closed { .. }
        )
    }

    /// Feeds an isolate's report, upstream by upstream, oldest outcome first.
    pub fn ingest(&mut self, report: &Report, now_ms: u64) {
        for region in Region::BOTH {
            for &ok in &report.outcomes[region.index()] {
                if ok {
                    self.succeeded(region, now_ms);
                } else {
                    self.failed(region, now_ms);
                }
            }
        }
    }

    /// The outcome of one of the object's own probes (alarm or heartbeat).
    pub fn on_probe(&mut self, region: Region, ok: bool, now_ms: u64) {
        if ok {
            self.succeeded(region, now_ms);
        } else {
            self.failed(region, now_ms);
        }
    }

    fn succeeded(&mut self, region: Region, now_ms: u64) {
        if self.degraded(region, now_ms) {
            self.recovered_ms[region.index()] = now_ms;
        }
        self.breakers[region.index()].on_success();
    }

    fn failed(&mut self, region: Region, now_ms: u64) {
        // Half-open: this failure is the probe's (it reopens for longer); closed: it counts;
        // open: the breaker already knows.
        let b = &mut self.breakers[region.index()];
        let permit = b.acquire(now_ms);
        b.on_failure(permit, now_ms);
    }

    /// The upstreams to probe now (the degraded ones).
    pub fn to_probe(&self, now_ms: u64) -> Vec<Region> {
        Region::BOTH
            .into_iter()
            .filter(|&r| self.degraded(r, now_ms))
            .collect()
    }

    /// When the next alarm should fire: one probe interval from now while anything is
    /// degraded, else none (the Cron heartbeat keeps watch).
    pub fn next_alarm(&self, now_ms: u64) -> Option<u64> {
        (!self.to_probe(now_ms).is_empty()).then(|| now_ms.saturating_add(self.timing.probe_ms))
    }

    /// How long a degraded claim lasts past the verdict that makes it: two probe intervals
    /// and one refresh, so a live object always renews it before it lapses.
    pub fn claim_ms(&self) -> u64 {
        self.timing
            .probe_ms
            .saturating_mul(2)
            .saturating_add(self.timing.refresh_ms)
    }

    /// Records a revocation of the presented client id `client_id`.
    pub fn revoke(&mut self, client_id: &str, now_ms: u64) {
        self.prune(now_ms);
        self.revoked.retain(|(c, _)| c != client_id);
        if self.revoked.len() == MAX_REVOKED {
            self.revoked.remove(0);
        }
        self.revoked.push((client_id.to_string(), now_ms));
        self.epoch = self.epoch.saturating_add(1);
    }

    fn prune(&mut self, now_ms: u64) {
        let keep = self.timing.revocation_keep_ms;
        self.revoked
            .retain(|&(_, at)| now_ms.saturating_sub(at) < keep);
    }

    /// The verdict as of `now_ms`.
    pub fn verdict(&self, now_ms: u64) -> Verdict {
        let claim = now_ms.saturating_add(self.claim_ms());
        let health = |r: Region| Health {
            until_ms: if self.degraded(r, now_ms) { claim } else { 0 },
            recovered_ms: self.recovered_ms[r.index()],
        };
        let keep = self.timing.revocation_keep_ms;
        Verdict {
            at_ms: now_ms,
            upstreams: [health(Region::Primary), health(Region::Secondary)],
            epoch: self.epoch,
            revoked: self
                .revoked
                .iter()
                .filter(|&&(_, at)| now_ms.saturating_sub(at) < keep)
                .map(|(c, _)| c.clone())
                .collect(),
        }
    }

    /// The revocations, to keep in the object's storage (health is rebuilt from reports).
    pub fn revocations_json(&self) -> String {
        let list: Vec<Value> = self.revoked.iter().map(|(c, at)| json!([c, at])).collect();
        json!({"epoch": self.epoch, "revoked": list}).to_string()
    }

    /// Restores the revocations from storage (a malformed document is ignored).
    pub fn restore_revocations(&mut self, doc: &str) {
        let Ok(v) = serde_json::from_slice::<Value>(doc.as_bytes()) else {
            return;
        };
        let (Some(epoch), Some(list)) = (
            v.get("epoch").and_then(Value::as_u64),
            v.get("revoked").and_then(Value::as_array),
        ) else {
            return;
        };
        let entry = |e: &Value| Some((e.get(0)?.as_str()?.to_string(), e.get(1)?.as_u64()?));
        self.epoch = epoch;
        self.revoked = list.iter().filter_map(entry).take(MAX_REVOKED).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: BreakerConfig = BreakerConfig {
        failure_threshold: 3,
        open_ms: 5_000,
        max_open_ms: 60_000,
    };

    fn report(primary: &str) -> Report {
        let doc = std::format!(r#"{{"v":1,"primary":"{primary}"}}"#);
        Report::parse(doc.as_bytes()).unwrap()
    }

    #[test]
    fn consecutive_failures_across_reports_degrade_with_the_breaker_rules() {
        let mut hub = Hub::new(CFG, Timing::DEFAULT);
        hub.ingest(&report("ff"), 100);
        assert!(!hub.degraded(Region::Primary, 100));
        assert_eq!(hub.next_alarm(100), None);
        hub.ingest(&report("s"), 200);
        hub.ingest(&report("ff"), 300);
        assert!(
            !hub.degraded(Region::Primary, 300),
            "a success reset the run"
        );
        hub.ingest(&report("f"), 400);
        assert!(hub.degraded(Region::Primary, 400));
        assert!(!hub.degraded(Region::Secondary, 400));
        let v = hub.verdict(500);
        assert_eq!(v.upstreams[0].until_ms, 500 + hub.claim_ms());
        assert_eq!(v.upstreams[1].until_ms, 0);
        assert_eq!(hub.to_probe(500), [Region::Primary]);
        assert_eq!(hub.next_alarm(500), Some(2_500));
    }

    #[test]
    fn stays_degraded_until_a_probe_succeeds_and_stamps_the_recovery() {
        let mut hub = Hub::new(CFG, Timing::DEFAULT);
        hub.ingest(&report("fff"), 0);
        // Failed probes, before and after the open period: still degraded.
        for t in [2_000, 4_000, 6_000, 8_000, 30_000] {
            hub.on_probe(Region::Primary, false, t);
            assert!(hub.degraded(Region::Primary, t), "at {t}");
            assert_eq!(hub.verdict(t).upstreams[0].recovered_ms, 0);
        }
        hub.on_probe(Region::Primary, true, 32_000);
        assert!(!hub.degraded(Region::Primary, 32_000));
        let v = hub.verdict(32_001);
        assert_eq!(
            v.upstreams[0],
            Health {
                until_ms: 0,
                recovered_ms: 32_000
            }
        );
        assert_eq!(hub.next_alarm(32_001), None);
        // A success while healthy is no recovery.
        hub.on_probe(Region::Primary, true, 40_000);
        assert_eq!(hub.verdict(40_000).upstreams[0].recovered_ms, 32_000);
    }

    #[test]
    fn an_isolates_success_while_degraded_closes_it_too() {
        let mut hub = Hub::new(CFG, Timing::DEFAULT);
        hub.ingest(&report("fff"), 0);
        hub.ingest(&report("fs"), 1_000);
        assert!(!hub.degraded(Region::Primary, 1_000));
        assert_eq!(hub.verdict(1_000).upstreams[0].recovered_ms, 1_000);
    }

    #[test]
    fn heartbeat_failures_count_toward_the_threshold() {
        let mut hub = Hub::new(CFG, Timing::DEFAULT);
        for t in 0..2 {
            hub.on_probe(Region::Secondary, false, t * 60_000);
        }
        assert!(!hub.degraded(Region::Secondary, 60_000));
        hub.on_probe(Region::Secondary, false, 120_000);
        assert!(hub.degraded(Region::Secondary, 120_000));
    }

    #[test]
    fn revocations_bump_the_epoch_and_expire_from_the_list() {
        let t = Timing::DEFAULT;
        let mut hub = Hub::new(CFG, t);
        hub.revoke("a", 0);
        hub.revoke("b", 1_000);
        hub.revoke("a", 2_000);
        let v = hub.verdict(2_000);
        assert_eq!(v.epoch, 3);
        assert_eq!(v.revoked, ["b", "a"]);
        let later = hub.verdict(1_000 + t.revocation_keep_ms);
        assert_eq!(later.revoked, ["a"], "b expired; a was revoked again later");
        assert_eq!(later.epoch, 3, "the epoch never goes back");
    }

    #[test]
    fn revocation_list_is_bounded() {
        let mut hub = Hub::new(CFG, Timing::DEFAULT);
        for i in 0..MAX_REVOKED + 5 {
            hub.revoke(&std::format!("c{i}"), i as u64);
        }
        let v = hub.verdict(MAX_REVOKED as u64 + 5);
        assert_eq!(v.revoked.len(), MAX_REVOKED);
        assert_eq!(v.revoked[0], "c5");
        assert_eq!(v.epoch, MAX_REVOKED as u64 + 5);
    }

    #[test]
    fn revocations_survive_storage() {
        let mut hub = Hub::new(CFG, Timing::DEFAULT);
        hub.revoke("x", 10);
        hub.revoke("y", 20);
        let mut fresh = Hub::new(CFG, Timing::DEFAULT);
        fresh.restore_revocations(&hub.revocations_json());
        assert_eq!(fresh.verdict(30), hub.verdict(30));
        fresh.restore_revocations("{not json");
        fresh.restore_revocations(r#"{"epoch":"1"}"#);
        assert_eq!(
            fresh.verdict(30).epoch,
            2,
            "malformed documents change nothing"
        );
    }
}
