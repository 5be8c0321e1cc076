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
//! - The verdict says "degraded until" one open period of the breaker ahead (5 s, 10 s, ...
//!   up to `BREAKER_MAX_OPEN_MS` as the outage goes on), and at least 30 s
//!   ([`Hub::claim_ms`]): an isolate honours the claim as its own open breaker, so a location
//!   whose cached copy is some seconds old still avoids the upstream; a recovery reaches it
//!   through the `recovered` stamp, not through the claim running out. The object renews the
//!   claim with every verdict; if it stops answering, the last claim lapses at the end of its
//!   period (at most the longer of 30 s and `BREAKER_MAX_OPEN_MS`) and each isolate's breaker
//!   decides alone.
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
    /// When each upstream last changed between healthy and degraded.
    changed_ms: [u64; 2],
    epoch: u64,
    /// `(client id, revoked at)`, oldest first.
    revoked: Vec<(String, u64)>,
    /// Something storage should hold changed since [`Hub::take_dirty`] last said so.
    dirty: bool,
}

impl Hub {
    /// Everything healthy, nothing revoked.
    pub fn new(breaker: BreakerConfig, timing: Timing) -> Hub {
        let b = || Breaker::new(breaker, timing.probe_ms);
        Hub {
            timing,
            breakers: [b(), b()],
            recovered_ms: [0; 2],
            changed_ms: [0; 2],
            epoch: 0,
            revoked: Vec::new(),
            dirty: false,
        }
    }

    /// Whether `region` is degraded (its breaker is not closed).
    pub fn degraded(&self, region: Region, now_ms: u64) -> bool {
        !matches!(
            self.breakers[region.index()].state(now_ms),
            State::Closed { .. }
        )
    }

    /// Feeds an isolate's report, upstream by upstream, oldest outcome first. An outcome seen
    /// before the upstream's last change between healthy and degraded is old news (an isolate
    /// that reports seldom may hold a success from before the outage) and is skipped.
    pub fn ingest(&mut self, report: &Report, now_ms: u64) {
        for region in Region::BOTH {
            for seen in &report.outcomes[region.index()] {
                if seen.at_ms < self.changed_ms[region.index()] {
                    continue;
                }
                if seen.ok {
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
            self.changed_ms[region.index()] = now_ms;
            self.dirty = true;
        }
        self.breakers[region.index()].on_success();
    }

    fn failed(&mut self, region: Region, now_ms: u64) {
        let was = self.degraded(region, now_ms);
        // Half-open: this failure is the probe's (it reopens for longer); closed: it counts;
        // open: the breaker already knows.
        let b = &mut self.breakers[region.index()];
        let before = b.snapshot();
        let permit = b.acquire(now_ms);
        b.on_failure(permit, now_ms);
        // An opening, or a longer period (not every failure while open): kept in storage.
        let after = b.snapshot();
        let opened = matches!(after.0, State::Open { .. }) && after != before;
        if !was && self.degraded(region, now_ms) {
            self.changed_ms[region.index()] = now_ms;
        }
        self.dirty |= opened;
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
        (!self.to_probe(now_ms).is_empty()).then(|| self.timing.next_probe_ms(now_ms))
    }

    /// How long a degraded claim lasts at least past the verdict that makes it:
    /// [`Timing::claim_floor_ms`] (30 s), and never less than two probe intervals and one
    /// refresh, so a live object always renews it before it lapses. A recovery reaches the
    /// isolates through the `recovered` stamp, not through the claim running out; a quiet
    /// location, whose copy is refreshed only when a request comes, keeps avoiding the
    /// upstream between its requests (the fleet simulation at 10 req/s: 58 instead of 90
    /// requests waited on a hanging primary). If the object goes quiet, the claim lapses
    /// after this long (or the breaker's open period, if longer).
    pub fn claim_ms(&self) -> u64 {
        self.timing.claim_floor_ms.max(
            self.timing
                .probe_ms
                .saturating_mul(2)
                .saturating_add(self.timing.refresh_ms),
        )
    }

    /// The end of a degraded upstream's claim (0: healthy): one open period of the breaker
    /// (as many trips in a row as it has now), at least [`Hub::claim_ms`], from now; and never
    /// before its open period ends.
    fn claim_until(&self, region: Region, now_ms: u64) -> u64 {
        let b = &self.breakers[region.index()];
        let ahead = b.open_period_ms(b.trips()).max(self.claim_ms());
        match b.state(now_ms) {
            State::Closed { .. } => 0,
            State::Open { until_ms } => until_ms.max(now_ms.saturating_add(ahead)),
            State::HalfOpen { .. } => now_ms.saturating_add(ahead),
        }
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
        self.dirty = true;
    }

    /// Whether storage should be written ([`Hub::state_json`]) since the last time this said
    /// so: a revocation, an upstream opened or reopened for longer, a recovery.
    pub fn take_dirty(&mut self) -> bool {
        core::mem::take(&mut self.dirty)
    }

    fn prune(&mut self, now_ms: u64) {
        let keep = self.timing.revocation_keep_ms;
        self.revoked
            .retain(|&(_, at)| now_ms.saturating_sub(at) < keep);
    }

    /// The verdict as of `now_ms`.
    pub fn verdict(&self, now_ms: u64) -> Verdict {
        let health = |r: Region| Health {
            until_ms: self.claim_until(r, now_ms),
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

    /// What the object keeps in storage across an eviction: the revocations and each
    /// upstream's breaker, recovery and change stamps.
    pub fn state_json(&self) -> String {
        let list: Vec<Value> = self.revoked.iter().map(|(c, at)| json!([c, at])).collect();
        let health: Vec<Value> = Region::BOTH
            .iter()
            .map(|r| {
                let (state, trips) = self.breakers[r.index()].snapshot();
                let mut h = match state {
                    State::Closed { failures } => json!({"state": "closed", "failures": failures}),
                    State::Open { until_ms } => json!({"state": "open", "until": until_ms}),
                    State::HalfOpen { probe_since_ms } => {
                        json!({"state": "half_open", "probe_since": probe_since_ms})
                    }
                };
                h["trips"] = json!(trips);
                h["recovered"] = json!(self.recovered_ms[r.index()]);
                h["changed"] = json!(self.changed_ms[r.index()]);
                h
            })
            .collect();
        json!({"epoch": self.epoch, "revoked": list, "health": health}).to_string()
    }

    /// Restores what [`Hub::state_json`] wrote (a malformed document, or a malformed part of
    /// it, is ignored; a document without `health`, as stored before it was kept, restores the
    /// revocations only).
    pub fn restore(&mut self, doc: &str) {
        let Ok(v) = serde_json::from_slice::<Value>(doc.as_bytes()) else {
            return;
        };
        if let Some(list) = v.get("health").and_then(Value::as_array) {
            for (r, h) in Region::BOTH.into_iter().zip(list) {
                self.restore_health(r, h);
            }
        }
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

    fn restore_health(&mut self, r: Region, h: &Value) {
        let num = |k: &str| h.get(k).and_then(Value::as_u64);
        let state = match h.get("state").and_then(Value::as_str) {
            Some("closed") => num("failures").map(|f| State::Closed {
                failures: u32::try_from(f).unwrap_or(u32::MAX),
            }),
            Some("open") => num("until").map(|until_ms| State::Open { until_ms }),
            Some("half_open") => Some(State::HalfOpen {
                probe_since_ms: num("probe_since"),
            }),
            _ => None,
        };
        let (Some(state), Some(trips), Some(recovered), Some(changed)) =
            (state, num("trips"), num("recovered"), num("changed"))
        else {
            return;
        };
        let i = r.index();
        self.breakers[i].restore(state, u32::try_from(trips).unwrap_or(u32::MAX));
        self.recovered_ms[i] = recovered;
        self.changed_ms[i] = changed;
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

    /// A report of primary outcomes (`s` / `f`), all seen at `at_ms`.
    fn report_at(primary: &str, at_ms: u64) -> Report {
        let mut r = Report::default();
        for c in primary.chars() {
            r.push(Region::Primary, c == 's', at_ms);
        }
        r
    }

    fn report(primary: &str) -> Report {
        report_at(primary, u64::MAX)
    }

    #[test]
    fn consecutive_failures_across_reports_degrade_with_the_breaker_rules() {
        // No claim floor here: the claim follows the breaker's open period.
        let mut hub = Hub::new(
            CFG,
            Timing {
                claim_floor_ms: 0,
                ..Timing::DEFAULT
            },
        );
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
        assert_eq!(
            v.upstreams[0].until_ms,
            500 + hub.claim_ms().max(CFG.open_ms),
            "one open period, at least the claim"
        );
        let v = hub.verdict(5_400);
        assert_eq!(
            v.upstreams[0].until_ms,
            5_400 + hub.claim_ms().max(CFG.open_ms),
            "half-open"
        );
        hub.on_probe(Region::Primary, false, 5_400);
        let v = hub.verdict(5_500);
        assert_eq!(
            v.upstreams[0].until_ms, 15_500,
            "reopened: one 10 s period ahead"
        );
        assert_eq!(v.upstreams[1].until_ms, 0);
        assert_eq!(hub.to_probe(500), [Region::Primary]);
        assert_eq!(
            hub.next_alarm(500),
            Some(Timing::DEFAULT.probe_ms),
            "the next point of the probe grid"
        );
    }

    #[test]
    fn a_degraded_claim_lasts_at_least_the_floor() {
        let mut hub = Hub::new(CFG, Timing::DEFAULT);
        hub.ingest(&report("fff"), 1_000);
        let v = hub.verdict(2_000);
        assert_eq!(v.upstreams[0].until_ms, 2_000 + 30_000);
        assert_eq!(hub.claim_ms(), Timing::DEFAULT.claim_floor_ms);
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
    fn outcomes_seen_before_the_last_change_are_old_news() {
        let mut hub = Hub::new(CFG, Timing::DEFAULT);
        hub.ingest(&report_at("fff", 900), 1_000);
        assert!(hub.degraded(Region::Primary, 1_000));
        hub.ingest(&report_at("s", 500), 1_100);
        assert!(
            hub.degraded(Region::Primary, 1_100),
            "a success from before the outage, reported late"
        );
        hub.ingest(&report_at("s", 1_050), 1_200);
        assert!(!hub.degraded(Region::Primary, 1_200));
        hub.ingest(&report_at("fff", 1_100), 1_300);
        assert!(
            !hub.degraded(Region::Primary, 1_300),
            "failures from before the recovery"
        );
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
        fresh.restore(&hub.state_json());
        assert_eq!(fresh.verdict(30), hub.verdict(30));
        fresh.restore("{not json");
        fresh.restore(r#"{"epoch":"1"}"#);
        assert_eq!(
            fresh.verdict(30).epoch,
            2,
            "malformed documents change nothing"
        );
    }

    #[test]
    fn health_survives_storage_and_only_changes_are_written() {
        let mut hub = Hub::new(CFG, Timing::DEFAULT);
        assert!(!hub.take_dirty());
        hub.ingest(&report("ff"), 1_000);
        assert!(!hub.take_dirty(), "not degraded yet: nothing to keep");
        hub.ingest(&report("f"), 1_100);
        assert!(hub.take_dirty(), "opened");
        // Failed probes while open change nothing; the half-open probe's failure reopens.
        hub.on_probe(Region::Primary, false, 2_000);
        assert!(!hub.take_dirty());
        hub.on_probe(Region::Primary, false, 6_200);
        assert!(hub.take_dirty(), "reopened for longer");
        // An evicted object restarts from storage with the same verdict and the same probes.
        let mut fresh = Hub::new(CFG, Timing::DEFAULT);
        fresh.restore(&hub.state_json());
        for t in [6_300, 20_000, 40_000] {
            assert_eq!(fresh.verdict(t), hub.verdict(t), "at {t}");
            assert_eq!(fresh.to_probe(t), hub.to_probe(t));
        }
        // The recovery is written and survives as well.
        hub.on_probe(Region::Primary, true, 30_000);
        assert!(hub.take_dirty());
        let mut again = Hub::new(CFG, Timing::DEFAULT);
        again.restore(&hub.state_json());
        assert_eq!(again.verdict(30_500), hub.verdict(30_500));
        assert_eq!(again.verdict(30_500).upstreams[0].recovered_ms, 30_000);
        // A document from before health was kept restores the revocations only.
        let mut old = Hub::new(CFG, Timing::DEFAULT);
        old.restore(r#"{"epoch":3,"revoked":[["c",29000]]}"#);
        assert_eq!(old.verdict(30_000).epoch, 3);
        assert!(!old.degraded(Region::Primary, 30_000));
    }
}
