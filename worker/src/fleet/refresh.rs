//! Moving the documents: a new isolate's first look at the location's cached verdict, and the
//! background refresh (report to the object, verdict back, kept in the Cache API for the
//! location's other isolates). Over [`Io`], so the native tests drive it with the fake.

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

/// The background refresh, when one is due: a verdict the location cached less than a refresh
/// interval ago (1 s while degraded, else 2 s) is enough unless the isolate has something urgent to report; otherwise the
/// report goes to the object (bounded wait) and its verdict is kept for the location.
pub async fn refresh<I: Io>(state: &ProxyState, io: &I) {
    let now = io.now_ms();
    let (report, urgent, interval, timing) = {
        let mut fleet = state.fleet.borrow_mut();
        let urgent = fleet.report_is_urgent(now);
        let interval = fleet.refresh_interval_ms(now);
        match fleet.begin_refresh(now) {
            Some(r) => (r, urgent, interval, fleet.timing()),
            None => return,
        }
    };
    let accept = |v: Verdict| {
        let mut b = state.breakers.borrow_mut();
        state.fleet.borrow_mut().accept(v, io.now_ms(), &mut b);
    };
    if !urgent {
        if let Some(v) = cached(io).await {
            if now.saturating_sub(v.at_ms) < interval {
                return accept(v);
            }
        }
    }
    let answer = io
        .fleet_call(REPORT_PATH, &report.to_json(), timing.refresh_timeout_ms)
        .await;
    match answer.and_then(|doc| Verdict::parse(doc.as_bytes())) {
        Some(v) => {
            let ttl_s = timing.copy_ttl_ms.div_ceil(1000);
            io.cache_save(VERDICT_CACHE_KEY, &v.to_json(), ttl_s).await;
            accept(v);
        }
        None => state.fleet.borrow_mut().refresh_failed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::vars::Vars;
    use crate::config::ProxyConfig;
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
        let calls = io.fleet_calls.borrow().clone();
        assert_eq!(
            calls.len(),
            1,
            "urgent: the fresh cached verdict is not enough"
        );
        assert_eq!(calls[0].0, REPORT_PATH);
        let sent = Report::parse(calls[0].1.as_bytes()).unwrap();
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
    fn an_unreachable_object_costs_only_the_background_wait() {
        let io = FakeIo::at_ms(10_000);
        let s = state();
        s.fleet.borrow_mut().record(Region::Primary, false, 9_000);
        block_on(refresh(&s, &io));
        assert_eq!(io.now_ms(), 10_000 + Timing::DEFAULT.refresh_timeout_ms);
        assert!(s.fleet.borrow().is_empty());
        assert!(!s.fleet.borrow().avoid(Region::Primary, io.now_ms()));
        assert!(io.cache.borrow().is_empty());
        // The next refresh is due at the usual interval.
        io.set_now_ms(10_000 + Timing::DEFAULT.refresh_ms);
        block_on(refresh(&s, &io));
        assert_eq!(io.fleet_calls.borrow().len(), 2);
    }
}
