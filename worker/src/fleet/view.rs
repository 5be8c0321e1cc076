//! The isolate's side of fleet health: the cached verdict, the outcomes to report, and when
//! to refresh. Nothing here waits: the request path asks [`FleetView::avoid`] and
//! [`FleetView::is_revoked`] of what is already in memory; the glue refreshes in the
//! background (`waitUntil`) when [`FleetView::begin_refresh`] says so.
//!
//! - A degraded claim holds until its time, like an open breaker, whatever the verdict's age
//!   (the object renews it every refresh while the upstream stays degraded). Past it, or
//!   without a verdict: the isolate's own breaker decides alone, exactly as without fleet
//!   health.
//! - A degraded upstream is skipped in the first pass of the failover (still tried as a last
//!   resort), so no request waits on it while another isolate has already seen it fail.
//! - A new `recovered` stamp (a probe by the object found the upstream healthy again) closes
//!   the isolate's own breaker: traffic fails back within one refresh of the probe.
//! - Revoked client ids are refused whatever the verdict's age: a revocation never expires
//!   early because the object went quiet.

use std::vec::Vec;

use super::verdict::{Report, Verdict};
use super::Timing;
use crate::proxy::breaker::Breaker;
use crate::regions::Region;

/// A refresh handed to the glue by [`FleetView::begin_refresh`]: the report to send, and the
/// id to end it with ([`FleetView::refresh_done`] or [`FleetView::refresh_failed`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Refresh {
    /// Names this refresh among the isolate's.
    pub id: u64,
    /// The outcomes to send to the object.
    pub report: Report,
}

/// One isolate's view of the fleet.
#[derive(Clone, Debug, Default)]
pub struct FleetView {
    timing: Timing,
    verdict: Option<Verdict>,
    /// When the last refresh started.
    last_refresh_ms: Option<u64>,
    /// When the request path last read the location's copy.
    last_look_ms: Option<u64>,
    /// The refresh under way, if any: its id and a copy of the report it carries, put back
    /// if the refresh is never heard of again (its background task may be ended mid-call).
    under_way: Option<(u64, Report)>,
    /// The id of the next refresh.
    next_id: u64,
    report: Report,
    seen_recovered: [u64; 2],
    /// This isolate's share of [`Timing::refresh_jitter_ms`].
    jitter_ms: u64,
}

impl FleetView {
    /// No verdict yet.
    pub fn new(timing: Timing) -> FleetView {
        FleetView {
            timing,
            ..FleetView::default()
        }
    }

    /// The cadences.
    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// The verdict in memory, whatever its age.
    pub fn verdict(&self) -> Option<&Verdict> {
        self.verdict.as_ref()
    }

    /// Whether there is no verdict in memory yet.
    pub fn is_empty(&self) -> bool {
        self.verdict.is_none()
    }

    /// Whether the request path should read the location's copy of the verdict first (one
    /// local Cache API read): only an isolate that has neither refreshed nor looked for a
    /// refresh interval (a new or idle one). A busy isolate's background refreshes keep its
    /// memory current, so its requests never read anything.
    pub fn wants_location_copy(&mut self, now_ms: u64) -> bool {
        let quiet =
            |t: Option<u64>| t.is_none_or(|t| now_ms.saturating_sub(t) >= self.timing.refresh_ms);
        if quiet(self.last_refresh_ms) && quiet(self.last_look_ms) {
            self.last_look_ms = Some(now_ms);
            return true;
        }
        false
    }

    /// Whether requests should skip `region` in the failover's first pass.
    pub fn avoid(&self, region: Region, now_ms: u64) -> bool {
        self.verdict
            .as_ref()
            .is_some_and(|v| v.degraded(region, now_ms))
    }

    /// Whether the presented client id was revoked fleet-wide.
    pub fn is_revoked(&self, client_id: &str) -> bool {
        self.verdict
            .as_ref()
            .is_some_and(|v| v.revoked.iter().any(|c| c == client_id))
    }

    /// Notes one attempt's outcome, seen at `at_ms`, for the next report.
    pub fn record(&mut self, region: Region, ok: bool, at_ms: u64) {
        self.report.push(region, ok, at_ms);
    }

    /// Whether the pending report must reach the object (rather than only reading the
    /// location's cached verdict): it holds a failure, or a success of an upstream the
    /// verdict calls degraded.
    pub fn report_is_urgent(&self, now_ms: u64) -> bool {
        Region::BOTH.into_iter().any(|r| {
            let o = self.report.oks(r);
            o.contains(&false) || (o.contains(&true) && self.avoid(r, now_ms))
        })
    }

    /// Sets this isolate's wait after a probe's result before its refresh: `ms` modulo
    /// [`Timing::refresh_jitter_ms`] (the glue draws it at random once per isolate).
    pub fn set_jitter_ms(&mut self, ms: u64) {
        self.jitter_ms = ms % self.timing.refresh_jitter_ms.max(1);
    }

    /// When this isolate's refresh after the latest probe becomes due: the probe's result
    /// ([`Timing::last_probe_result_ms`]) plus this isolate's jitter.
    fn refresh_due_ms(&self, now_ms: u64) -> u64 {
        self.timing
            .last_probe_result_ms(now_ms.saturating_sub(self.jitter_ms))
            .saturating_add(self.jitter_ms)
    }

    /// Whether the verdict calls an upstream degraded.
    fn any_degraded(&self, now_ms: u64) -> bool {
        Region::BOTH.into_iter().any(|r| self.avoid(r, now_ms))
    }

    /// Whether a verdict taken at `at_ms` (the location's copy) is recent enough to stand for
    /// a refresh: younger than [`Timing::refresh_ms`]; while an upstream is degraded, taken
    /// after the result of the object's latest probe ([`Timing::last_probe_result_ms`]), as
    /// an older one may miss the recovery that probe found.
    pub fn is_recent(&self, at_ms: u64, now_ms: u64) -> bool {
        if self.any_degraded(now_ms) {
            at_ms >= self.timing.last_probe_result_ms(now_ms)
        } else {
            now_ms.saturating_sub(at_ms) < self.timing.refresh_ms
        }
    }

    /// Starts a refresh if one is due (after [`Timing::refresh_ms`]; while an upstream is
    /// degraded, once after each of the object's probes, its jitter after the probe's result;
    /// after [`Timing::urgent_refresh_ms`] when the report
    /// [is urgent](FleetView::report_is_urgent); and none running, or the running one is older
    /// than [`Timing::refresh_timeout_ms`]). Hands over the pending report; the glue sends it
    /// with the refresh.
    ///
    /// A refresh still under way past its timeout was ended without a word (a background task
    /// can be stopped mid-call): its report goes back in front of the pending one first, so
    /// the news it carried is sent again rather than lost. Should that refresh still end
    /// later, its id is stale and its end changes nothing; if its report did reach the object,
    /// the object hears those outcomes twice (at least once, never lost).
    pub fn begin_refresh(&mut self, now_ms: u64) -> Option<Refresh> {
        if let Some(last) = self.last_refresh_ms {
            let since = now_ms.saturating_sub(last);
            let busy = self.under_way.is_some() && since < self.timing.refresh_timeout_ms;
            let due = if self.report_is_urgent(now_ms) {
                since >= self.timing.urgent_refresh_ms
            } else if self.any_degraded(now_ms) {
                last < self.refresh_due_ms(now_ms)
            } else {
                since >= self.timing.refresh_ms
            };
            if busy || !due {
                return None;
            }
        }
        if let Some((_, silent)) = self.under_way.take() {
            self.put_back(silent);
        }
        self.last_refresh_ms = Some(now_ms);
        let id = self.next_id;
        self.next_id += 1;
        let report = core::mem::take(&mut self.report);
        self.under_way = Some((id, report.clone()));
        Some(Refresh { id, report })
    }

    /// Refresh `id` brought a verdict (the glue then [accepts](FleetView::accept) it): its
    /// report needs no copy any more.
    pub fn refresh_done(&mut self, id: u64) {
        if self.under_way.as_ref().is_some_and(|(u, _)| *u == id) {
            self.under_way = None;
        }
    }

    /// A refresh brought no verdict (the object was slow or unreachable; a cold object may
    /// take longer than the wait). Its report goes back in front of what was noted since, so
    /// the next refresh carries it (bounded like any report): news of a hanging upstream from
    /// the slow-attempt watchdog would otherwise be lost, as the attempt's own end does not
    /// report the failure again. A refresh whose report was already put back (a later
    /// refresh found it silent) changes nothing.
    pub fn refresh_failed(&mut self, id: u64) {
        match self.under_way.take() {
            Some((u, unsent)) if u == id => self.put_back(unsent),
            other => self.under_way = other,
        }
    }

    /// Puts `unsent` in front of the outcomes noted since it was taken.
    fn put_back(&mut self, unsent: Report) {
        let newer = core::mem::replace(&mut self.report, unsent);
        for r in Region::BOTH {
            for seen in &newer.outcomes[r.index()] {
                self.report.push(r, seen.ok, seen.at_ms);
            }
        }
    }

    /// Takes a verdict (from the object or the Cache API). An older one than held is ignored.
    /// A new recovery stamp closes the isolate's breaker for that upstream, if the upstream
    /// is not degraded again and the stamp is recent.
    pub fn accept(&mut self, verdict: Verdict, now_ms: u64, breakers: &mut [Breaker; 2]) {
        if self
            .verdict
            .as_ref()
            .is_some_and(|v| v.at_ms > verdict.at_ms)
        {
            return;
        }
        for r in Region::BOTH {
            let i = r.index();
            let stamp = verdict.upstreams[i].recovered_ms;
            if stamp > self.seen_recovered[i] {
                let recent = now_ms.saturating_sub(stamp) <= self.timing.recovery_news_ms;
                if recent && !verdict.degraded(r, now_ms) {
                    breakers[i].on_success();
                }
                self.seen_recovered[i] = stamp;
            }
        }
        self.verdict = Some(verdict);
    }

    /// The client ids on the list, for the operator's `/healthz`.
    pub fn revoked(&self) -> Vec<&str> {
        self.verdict
            .iter()
            .flat_map(|v| v.revoked.iter().map(|c| c.as_str()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::proxy::BreakerConfig;
    use crate::fleet::verdict::Health;
    use crate::proxy::breaker::{Permit, State};

    const T: Timing = Timing::DEFAULT;
    const CFG: BreakerConfig = BreakerConfig {
        failure_threshold: 1,
        open_ms: 5_000,
        max_open_ms: 60_000,
    };

    fn breakers() -> [Breaker; 2] {
        [Breaker::new(CFG, 8_000), Breaker::new(CFG, 8_000)]
    }

    fn verdict(at_ms: u64, primary: Health) -> Verdict {
        Verdict {
            at_ms,
            upstreams: [primary, Health::default()],
            ..Verdict::default()
        }
    }

    fn degraded_until(until_ms: u64) -> Health {
        Health {
            until_ms,
            recovered_ms: 0,
        }
    }

    #[test]
    fn a_degraded_claim_is_avoided_until_it_lapses() {
        let mut view = FleetView::new(T);
        let mut b = breakers();
        assert!(view.is_empty());
        assert!(!view.avoid(Region::Primary, 0));
        view.accept(verdict(1_000, degraded_until(40_000)), 1_000, &mut b);
        assert!(view.avoid(Region::Primary, 1_000));
        assert!(!view.avoid(Region::Secondary, 1_000));
        assert!(
            view.avoid(Region::Primary, 39_999),
            "no renewal needed within the claim"
        );
        assert!(
            !view.avoid(Region::Primary, 40_000),
            "the object went quiet: past the claim the isolate's breaker decides alone"
        );
        view.accept(verdict(2_000, degraded_until(3_000)), 2_000, &mut b);
        assert!(!view.avoid(Region::Primary, 3_000), "a shorter claim");
    }

    #[test]
    fn only_a_new_or_idle_isolate_reads_the_location_copy() {
        let mut view = FleetView::new(T);
        assert!(view.wants_location_copy(0), "a new isolate");
        assert!(!view.wants_location_copy(1), "at most once per interval");
        assert!(view.begin_refresh(10).is_some());
        assert!(
            !view.wants_location_copy(T.refresh_ms),
            "refreshed 1990 ms ago"
        );
        assert!(
            view.wants_location_copy(T.refresh_ms + 10),
            "idle for an interval"
        );
    }

    #[test]
    fn refreshes_at_most_every_interval_and_gives_up_a_stuck_one() {
        let mut view = FleetView::new(T);
        view.record(Region::Primary, false, 0);
        let r = view.begin_refresh(0).unwrap();
        assert_eq!(r.report.oks(Region::Primary), [false]);
        view.record(Region::Primary, true, 1);
        assert_eq!(view.begin_refresh(T.refresh_ms - 1), None);
        view.refresh_done(r.id);
        assert_eq!(view.begin_refresh(T.refresh_ms - 1), None, "still too soon");
        let r = view.begin_refresh(T.refresh_ms).unwrap();
        assert_eq!(
            r.report.oks(Region::Primary),
            [true],
            "the report went with the refresh"
        );
        // This one never completes: after the refresh timeout (and the interval) another
        // starts, and carries the silent one's report again.
        let late = T.refresh_ms + T.refresh_ms.max(T.refresh_timeout_ms);
        assert_eq!(view.begin_refresh(late - 1), None);
        let again = view.begin_refresh(late).unwrap();
        assert_eq!(again.report.oks(Region::Primary), [true]);
        assert_ne!(again.id, r.id);
    }

    #[test]
    fn a_silent_refresh_that_ends_late_changes_nothing() {
        let times = |r: &Refresh| -> Vec<u64> {
            r.report.outcomes[Region::Primary.index()]
                .iter()
                .map(|s| s.at_ms)
                .collect()
        };
        let mut view = FleetView::new(T);
        view.record(Region::Primary, false, 0);
        let first = view.begin_refresh(0).unwrap();
        view.record(Region::Primary, false, 5);
        // The first is silent past its timeout (its task was ended mid-call).
        let t = T.refresh_timeout_ms.max(T.urgent_refresh_ms);
        let second = view.begin_refresh(t).unwrap();
        assert_eq!(times(&second), [0, 5], "the silent report first");
        // The first ends after all: neither ending touches the second or repeats the report.
        view.refresh_failed(first.id);
        view.refresh_done(first.id);
        assert_eq!(view.begin_refresh(t + 1), None, "the second is under way");
        view.refresh_failed(second.id);
        let third = view.begin_refresh(t + T.urgent_refresh_ms).unwrap();
        assert_eq!(times(&third), [0, 5], "once, not twice");
        view.refresh_done(third.id);
        assert!(!view.report_is_urgent(t + T.urgent_refresh_ms));
    }

    #[test]
    fn a_failure_is_reported_without_waiting_for_the_interval() {
        let mut view = FleetView::new(T);
        let r = view.begin_refresh(0).unwrap();
        view.refresh_failed(r.id);
        view.record(Region::Primary, false, 10);
        assert_eq!(view.begin_refresh(T.urgent_refresh_ms - 1), None);
        let r = view.begin_refresh(T.urgent_refresh_ms).unwrap();
        assert_eq!(r.report.oks(Region::Primary), [false]);
        view.refresh_done(r.id);
        // Nothing urgent left: the usual interval again.
        assert_eq!(view.begin_refresh(T.urgent_refresh_ms * 3), None);
        assert!(view
            .begin_refresh(T.urgent_refresh_ms + T.refresh_ms)
            .is_some());
    }

    /// Whether a refresh was due at `now`; it ends at once with a verdict.
    fn ended(view: &mut FleetView, now: u64) -> bool {
        let r = view.begin_refresh(now);
        if let Some(r) = &r {
            view.refresh_done(r.id);
        }
        r.is_some()
    }

    #[test]
    fn refreshes_once_after_each_probe_while_degraded() {
        // Probes at every whole second (probe_ms 1000); their results count 150 ms later.
        let (p, settle) = (T.probe_ms, T.probe_settle_ms);
        let mut view = FleetView::new(T);
        let mut b = breakers();
        assert!(ended(&mut view, 10_000));
        view.accept(verdict(10_000, degraded_until(60_000)), 10_000, &mut b);
        assert!(
            !ended(&mut view, 10_000 + settle - 1),
            "the result of the probe of 10 s is not known before 10.15 s"
        );
        assert!(ended(&mut view, 10_000 + settle));
        assert!(!ended(&mut view, 10_000 + p + settle - 1));
        let after_probe = 10_000 + p + settle;
        assert!(
            ended(&mut view, after_probe),
            "just after the probe of 11 s"
        );
        view.accept(
            verdict(after_probe, degraded_until(60_000)),
            after_probe,
            &mut b,
        );
        assert!(!ended(&mut view, after_probe + p - 1), "once per probe");
        assert!(ended(&mut view, after_probe + p));
        // The location's copy stands for a refresh only if taken after the latest probe.
        let now = after_probe + p + 500; // 12.65 s: the probe of 12 s is known since 12.15 s
        assert!(!view.is_recent(after_probe + p - 1, now));
        assert!(view.is_recent(after_probe + p, now));
        // Healthy again: the usual interval, and a copy younger than it.
        view.accept(verdict(now, Health::default()), now, &mut b);
        let last = after_probe + p;
        assert!(!ended(&mut view, last + T.refresh_ms - 1));
        assert!(view.is_recent(now - T.refresh_ms + 1, now));
        assert!(!view.is_recent(now - T.refresh_ms, now));
    }

    #[test]
    fn the_jitter_delays_the_refresh_after_a_probe_not_the_copy_it_accepts() {
        let mut view = FleetView::new(T);
        view.set_jitter_ms(T.refresh_jitter_ms + 40); // taken modulo the range: 40 ms
        let mut b = breakers();
        assert!(ended(&mut view, 10_000));
        view.accept(verdict(10_000, degraded_until(60_000)), 10_000, &mut b);
        assert!(!ended(&mut view, 10_000 + T.probe_settle_ms + 39));
        assert!(ended(&mut view, 10_000 + T.probe_settle_ms + 40));
        let result = 11_000 + T.probe_settle_ms; // the probe of 11 s is known at 11.15 s
        assert!(
            !ended(&mut view, result + 39),
            "40 ms later than the result"
        );
        assert!(ended(&mut view, result + 40));
        assert!(
            view.is_recent(result, result + 40),
            "a copy made after the result stands"
        );
        assert!(!view.is_recent(result - 1, result + 40));
    }

    #[test]
    fn a_new_recovery_closes_the_isolates_breaker_once() {
        let mut view = FleetView::new(T);
        let mut b = breakers();
        b[0].on_failure(Permit::Allowed, 0);
        view.accept(verdict(1_000, degraded_until(7_000)), 1_000, &mut b);
        let healed = Health {
            until_ms: 0,
            recovered_ms: 2_000,
        };
        view.accept(verdict(2_100, healed), 2_100, &mut b);
        assert_eq!(b[0].state(2_100), State::Closed { failures: 0 });
        assert!(!view.avoid(Region::Primary, 2_100));
        // The same stamp again does not close a breaker that opened since.
        b[0].on_failure(Permit::Allowed, 3_000);
        view.accept(verdict(4_000, healed), 4_000, &mut b);
        assert!(matches!(b[0].state(4_000), State::Open { .. }));
    }

    #[test]
    fn an_old_recovery_or_an_older_verdict_changes_nothing() {
        let mut view = FleetView::new(T);
        let mut b = breakers();
        b[0].on_failure(Permit::Allowed, 50_000);
        let old = Health {
            until_ms: 0,
            recovered_ms: 1_000,
        };
        view.accept(verdict(50_000, old), 50_000, &mut b);
        assert!(
            matches!(b[0].state(50_000), State::Open { .. }),
            "a recovery from long ago says nothing about this outage"
        );
        view.accept(verdict(49_000, degraded_until(90_000)), 50_000, &mut b);
        assert!(
            !view.avoid(Region::Primary, 50_000),
            "older verdict ignored"
        );
    }

    #[test]
    fn revocations_are_read_from_the_verdict() {
        let mut view = FleetView::new(T);
        let mut b = breakers();
        assert!(!view.is_revoked("app"));
        let v = Verdict {
            epoch: 1,
            revoked: std::vec!["app".into()],
            ..verdict(0, Health::default())
        };
        view.accept(v, 0, &mut b);
        assert!(view.is_revoked("app"));
        assert!(!view.is_revoked("other"));
        assert_eq!(view.revoked(), ["app"]);
    }

    #[test]
    fn only_failures_or_news_of_recovery_are_urgent() {
        let mut view = FleetView::new(T);
        let mut b = breakers();
        view.record(Region::Primary, true, 0);
        assert!(!view.report_is_urgent(0));
        view.accept(verdict(0, degraded_until(6_000)), 0, &mut b);
        assert!(view.report_is_urgent(0), "a success of a degraded upstream");
        let _ = view.begin_refresh(0);
        assert!(!view.report_is_urgent(0));
        view.record(Region::Secondary, false, 0);
        assert!(view.report_is_urgent(0));
    }
}
