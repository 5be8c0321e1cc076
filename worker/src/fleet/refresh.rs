//! Moving the documents: a new isolate's first look at the location's cached verdict, and the
//! background refresh (report to the object, verdict back, kept in the Cache API for the
//! location's other isolates), and the slow-attempt watchdog. Over [`Io`], so the native tests
//! and the fleet simulation drive it with a fake clock.

use super::verdict::Verdict;
use crate::io::Io;
use crate::proxy::token::ProxyState;

/// The Cache API key of the location's copy of the verdict (never fetched: only a cache key).
pub const VERDICT_CACHE_KEY: &str = "https://fleet-health.oidc-edge.invalid/verdict";
/// The object's path for a report (the answer is the verdict).
pub const REPORT_PATH: &str = "/report";

/// The location's cached verdict, if readable.
async fn cached<I: Io>(io: &I) -> Option<Verdict> {
    Verdict::parse(io.cache_load(VERDICT_CACHE_KEY).await?.as_bytes())
}

/// On the request path of a new or idle isolate ([`super::FleetView::wants_location_copy`]):
/// one Cache API read (local to the location, no call to the object), so that what another
/// isolate learned applies to this isolate's very next request.
pub async fn look<I: Io>(state: &ProxyState, io: &I) {
    if !state.fleet.borrow_mut().wants_location_copy(io.now_ms()) {
        return;
    }
    if let Some(v) = cached(io).await {
        let now = io.now_ms();
        let mut b = state.breakers.borrow_mut();
        state.fleet.borrow_mut().accept(v, now, &mut b);
    }
}

/// The background refresh, when one is due: the verdict the location cached is enough if it is
/// [recent](super::FleetView::is_recent) (younger than 2 s; while degraded, taken after the
/// object's latest probe) and the isolate has nothing urgent to report; otherwise the report
/// goes to the object (bounded wait) and its verdict is kept for the location.
pub async fn refresh<I: Io>(state: &ProxyState, io: &I) {
    let now = io.now_ms();
    let (refresh, urgent, timing) = {
        let mut fleet = state.fleet.borrow_mut();
        let urgent = fleet.report_is_urgent(now);
        match fleet.begin_refresh(now) {
            Some(r) => (r, urgent, fleet.timing()),
            None => return,
        }
    };
    let accept = |v: Verdict| {
        let mut b = state.breakers.borrow_mut();
        let mut fleet = state.fleet.borrow_mut();
        fleet.refresh_done(refresh.id);
        fleet.accept(v, io.now_ms(), &mut b);
    };
    if !urgent {
        if let Some(v) = cached(io).await {
            if state.fleet.borrow().is_recent(v.at_ms, now) {
                return accept(v);
            }
        }
    }
    let answer = io
        .fleet_call(
            REPORT_PATH,
            &refresh.report.to_json(),
            timing.refresh_timeout_ms,
        )
        .await;
    match answer.and_then(|doc| Verdict::parse(doc.as_bytes())) {
        Some(v) => {
            let ttl_s = timing.copy_ttl_ms.div_ceil(1000);
            io.cache_save(VERDICT_CACHE_KEY, &v.to_json(), ttl_s).await;
            accept(v);
        }
        None => state.fleet.borrow_mut().refresh_failed(refresh.id),
    }
}

/// The slow-attempt watchdog, run in the background (`waitUntil`) beside the token request
/// `request` (its request id): after [`Timing::slow_ms`](super::Timing::slow_ms), that
/// request's attempts still unanswered are recorded as failures and the report goes to the
/// object at once, so the fleet learns of a hanging upstream before the first try timeouts end
/// ([`super::slow`]). Other requests' attempts are theirs to report: this request may be
/// answered already, and its background work ended by the runtime at any point.
pub async fn watch<I: Io>(state: &ProxyState, io: &I, request: &str) {
    let slow_ms = state.fleet.borrow().timing().slow_ms;
    io.sleep_ms(slow_ms).await;
    // The attempt started after the watchdog did (the client's record was read first): wait
    // for it to come due, once.
    let due = state.inflight.borrow().next_due(request, slow_ms);
    if let Some(wait) = due.map(|d| d.saturating_sub(io.now_ms())) {
        if wait > 0 {
            io.sleep_ms(wait.min(slow_ms)).await;
        }
    }
    let now = io.now_ms();
    let overdue = state.inflight.borrow_mut().overdue(request, now, slow_ms);
    if overdue.is_empty() {
        return;
    }
    {
        let mut fleet = state.fleet.borrow_mut();
        for region in overdue {
            fleet.record(region, false, now);
        }
    }
    // Another refresh may be under way or have just gone (the urgent interval): try again
    // shortly rather than leave the failure for the next request's refresh.
    for _ in 0..WATCH_TRIES {
        refresh(state, io).await;
        if !state.fleet.borrow().report_is_urgent(io.now_ms()) {
            return;
        }
        let wait = state.fleet.borrow().timing().urgent_refresh_ms;
        io.sleep_ms(wait).await;
    }
}

/// How many times the watchdog tries to send its report (a refresh under way may take up to
/// its 1 s timeout).
const WATCH_TRIES: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::vars::Vars;
    use crate::config::ProxyConfig;
    use crate::fleet::slow::{Pending, Watched};
    use crate::fleet::verdict::Health;
    use crate::fleet::{Report, Timing};
    use crate::io::Io;
    use crate::regions::Region;
    use crate::testing::{block_on, FakeIo};

    fn state() -> ProxyState {
        let get = |n: &str| match n {
            "OAUTH_HOST_PRIMARY" => Some("https://p.example/token".into()),
            "OAUTH_HOST_SECONDARY" => Some("https://s.example/token".into()),
            _ => None,
        };
        ProxyState::new(&ProxyConfig::read(&mut Vars::new(&get)))
    }

    /// `request`'s attempts in `s`'s list.
    fn of<'a>(s: &'a ProxyState, request: &'a str) -> Watched<'a> {
        Watched {
            list: &s.inflight,
            request,
        }
    }

    fn degraded(at_ms: u64) -> Verdict {
        Verdict {
            at_ms,
            upstreams: [
                Health {
                    until_ms: at_ms + 6_000,
                    recovered_ms: 0,
                },
                Health::default(),
            ],
            ..Verdict::default()
        }
    }

    /// A fake at 10 s whose location holds `v`.
    fn with_copy(v: &Verdict) -> FakeIo {
        let io = FakeIo::at_ms(10_000);
        io.cache
            .borrow_mut()
            .insert(VERDICT_CACHE_KEY.into(), v.to_json());
        io
    }

    /// An isolate at 10 s whose object answers `v`.
    fn answering(v: &Verdict) -> (FakeIo, ProxyState) {
        let io = FakeIo::at_ms(10_000);
        *io.fleet.borrow_mut() = Some(v.to_json());
        (io, state())
    }

    /// The report of the last call to the object, after exactly `calls` calls.
    fn last_report(io: &FakeIo, calls: usize) -> Report {
        let sent = io.fleet_calls.borrow();
        assert_eq!(sent.len(), calls, "calls to the object");
        let (path, body) = sent.last().unwrap();
        assert_eq!(path, REPORT_PATH);
        Report::parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn a_new_isolate_takes_the_locations_verdict_without_calling_the_object() {
        let io = with_copy(&degraded(9_000));
        let s = state();
        block_on(look(&s, &io));
        assert!(s.fleet.borrow().avoid(Region::Primary, 10_000));
        assert!(io.fleet_calls.borrow().is_empty());
        // Within the interval the request path reads nothing more (a newer healthy copy
        // would otherwise clear the avoidance).
        let healthy = Verdict {
            at_ms: 9_500,
            ..Verdict::default()
        };
        io.cache
            .borrow_mut()
            .insert(VERDICT_CACHE_KEY.into(), healthy.to_json());
        block_on(look(&s, &io));
        assert!(s.fleet.borrow().avoid(Region::Primary, 10_000));
    }

    #[test]
    fn failures_go_to_the_object_and_its_verdict_to_the_location() {
        let io = with_copy(&Verdict {
            at_ms: 9_900,
            ..Verdict::default()
        });
        *io.fleet.borrow_mut() = Some(degraded(10_000).to_json());
        let s = state();
        s.fleet.borrow_mut().record(Region::Primary, false, 9_000);
        block_on(refresh(&s, &io));
        // Urgent: the fresh cached verdict is not enough.
        let sent = last_report(&io, 1);
        assert_eq!(sent.oks(Region::Primary), [false]);
        assert!(s.fleet.borrow().avoid(Region::Primary, 10_000));
        let kept = io.cache.borrow()[VERDICT_CACHE_KEY].clone();
        assert_eq!(Verdict::parse(kept.as_bytes()), Some(degraded(10_000)));
        // Within the interval: nothing at all.
        block_on(refresh(&s, &io));
        assert_eq!(io.fleet_calls.borrow().len(), 1);
    }

    #[test]
    fn nothing_to_report_reads_the_locations_fresh_verdict_only() {
        let io = with_copy(&degraded(9_000));
        *io.fleet.borrow_mut() = Some(Verdict::default().to_json());
        let s = state();
        s.fleet.borrow_mut().record(Region::Secondary, true, 9_000);
        block_on(refresh(&s, &io));
        assert!(io.fleet_calls.borrow().is_empty());
        assert!(s.fleet.borrow().avoid(Region::Primary, 10_000));
        // A stale location copy: the object is asked.
        io.advance(Timing::DEFAULT.refresh_ms);
        block_on(refresh(&s, &io));
        assert_eq!(io.fleet_calls.borrow().len(), 1);
    }

    #[test]
    fn a_slow_attempt_reaches_the_object_before_it_times_out() {
        let (io, s) = answering(&degraded(11_000));
        // A refresh a moment ago: the failure still goes at once.
        let r = s.fleet.borrow_mut().begin_refresh(9_900).unwrap();
        s.fleet.borrow_mut().refresh_failed(r.id);
        let attempt = Pending::start(of(&s, "a"), Region::Primary, 10_000);
        block_on(watch(&s, &io, "a"));
        assert_eq!(io.now_ms(), 10_000 + Timing::DEFAULT.slow_ms);
        let sent = last_report(&io, 1);
        assert_eq!(sent.oks(Region::Primary), [false]);
        assert!(s.fleet.borrow().avoid(Region::Primary, io.now_ms()));
        assert!(attempt.finish(), "the attempt knows it was reported");
        // Another watchdog finds nothing new to say.
        block_on(watch(&s, &io, "a"));
        assert_eq!(io.fleet_calls.borrow().len(), 1);
    }

    #[test]
    fn an_answered_requests_watchdog_leaves_the_next_requests_attempt_alone() {
        let (io, s) = answering(&degraded(11_000));
        // Request "old" was answered at once; its watchdog wakes while "new" hangs. Were it to
        // take the attempt and then be ended with its request, the report would be lost.
        let attempt = Pending::start(of(&s, "new"), Region::Primary, 10_000);
        io.set_now_ms(9_500);
        block_on(watch(&s, &io, "old"));
        assert!(io.fleet_calls.borrow().is_empty());
        // "new"'s own watchdog reports it.
        io.set_now_ms(10_000);
        block_on(watch(&s, &io, "new"));
        assert_eq!(last_report(&io, 1).oks(Region::Primary), [false]);
        assert!(attempt.finish());
    }

    #[test]
    fn a_second_slow_attempt_just_after_the_first_is_sent_after_the_urgent_interval() {
        let (io, s) = answering(&Verdict::default());
        let _a = Pending::start(of(&s, "a"), Region::Primary, 10_000);
        let _b = Pending::start(of(&s, "b"), Region::Primary, 10_100);
        block_on(watch(&s, &io, "a"));
        assert_eq!(io.fleet_calls.borrow().len(), 1);
        io.set_now_ms(10_100);
        block_on(watch(&s, &io, "b"));
        // the second failure was not left behind
        let sent = last_report(&io, 2);
        assert_eq!(sent.oks(Region::Primary), [false]);
        assert_eq!(
            io.now_ms(),
            11_100 + Timing::DEFAULT.urgent_refresh_ms,
            "one urgent interval after the first report's refresh"
        );
    }

    #[test]
    fn an_attempt_that_starts_after_its_watchdog_is_still_reported() {
        let (io, s) = answering(&Verdict::default());
        // The request's watchdog started at 10 000; its attempt at 10 030.
        let _a = Pending::start(of(&s, "a"), Region::Primary, 10_030);
        block_on(watch(&s, &io, "a"));
        assert_eq!(io.now_ms(), 11_030);
        assert_eq!(io.fleet_calls.borrow().len(), 1);
    }

    #[test]
    fn a_quick_attempt_leaves_the_watchdog_nothing_to_do() {
        let io = FakeIo::at_ms(10_000);
        let s = state();
        let attempt = Pending::start(of(&s, "a"), Region::Primary, 10_000);
        assert!(!attempt.finish());
        block_on(watch(&s, &io, "a"));
        assert!(io.fleet_calls.borrow().is_empty());
        assert!(s.fleet.borrow().is_empty());
    }

    #[test]
    fn an_unreachable_object_costs_only_the_background_wait() {
        let io = FakeIo::at_ms(10_000);
        let s = state();
        s.fleet.borrow_mut().record(Region::Primary, false, 9_000);
        block_on(refresh(&s, &io));
        assert_eq!(io.now_ms(), 10_000 + Timing::DEFAULT.refresh_timeout_ms);
        assert!(s.fleet.borrow().is_empty());
        assert!(!s.fleet.borrow().avoid(Region::Primary, io.now_ms()));
        assert!(io.cache.borrow().is_empty());
        // The failure was kept: the next refresh (due after the urgent interval) carries it.
        io.set_now_ms(10_000 + Timing::DEFAULT.urgent_refresh_ms);
        s.fleet.borrow_mut().record(Region::Secondary, true, 10_100);
        block_on(refresh(&s, &io));
        let sent = last_report(&io, 2);
        assert_eq!(sent.oks(Region::Primary), [false]);
        assert_eq!(sent.oks(Region::Secondary), [true]);
    }
}
