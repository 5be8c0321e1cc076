//! Fleet health: what one isolate learns about an upstream (or a revocation) reaches every
//! isolate of every location within seconds, through one Durable Object.
//!
//! - [`hub`]: the Durable Object's state machine. It takes batched outcome reports from
//!   isolates and feeds them, in order, to the same [`Breaker`](crate::proxy::breaker::Breaker)
//!   the isolates use; an upstream whose breaker is not closed is *degraded*, and the object
//!   probes it every [`Timing::probe_ms`] until a probe (or an isolate's report) succeeds. It
//!   also holds the revocation epoch and list.
//! - [`view`]: the isolate's side. A cached [`Verdict`] (isolate memory, then the location's
//!   Cache API) consulted on the request path without waiting for anything; refreshed in the
//!   background at most every [`Timing::refresh_ms`]; outcomes gathered into one report per
//!   refresh. A degraded claim holds until its time (like an open breaker), so a slow or
//!   absent Durable Object leaves the isolate's own breaker deciding alone once it lapses.
//! - [`verdict`]: the two documents exchanged (report, verdict) and their JSON.
//!
//! Pure logic, no I/O: the glue moves the documents (`glue`, `glue/fleet`), the fleet
//! simulation (`bench/fleet`) and the unit tests drive the same code with a fake clock.

pub mod hub;
pub mod object;
pub mod refresh;
pub mod revoke;
pub mod slow;
pub mod verdict;
pub mod view;

pub use hub::Hub;
pub use verdict::{Report, Verdict};
pub use view::FleetView;

/// The cadences of fleet health, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// An isolate refreshes its verdict (and sends its report) at most this often; while its
    /// verdict calls an upstream degraded, once after each of the object's probes instead
    /// ([`Timing::last_probe_result_ms`]), so that a recovery reaches it at once.
    pub refresh_ms: u64,
    /// An upstream attempt unanswered this long is reported to the object as a failure at
    /// once ([`slow`]), before its try timeout ends.
    pub slow_ms: u64,
    /// A report holding a failure (or news of a recovery) goes to the object at once, but no
    /// more often than this per isolate.
    pub urgent_refresh_ms: u64,
    /// The Durable Object's alarm interval: how often it probes a degraded upstream. The
    /// probes keep to a grid every isolate knows (multiples of this on the clock,
    /// [`Timing::next_probe_ms`]), so an isolate can ask for the verdict just after a probe.
    pub probe_ms: u64,
    /// How long after a probe's scheduled time its result counts as known (a probe of an
    /// upstream that is back answers within this).
    pub probe_settle_ms: u64,
    /// Each isolate waits a fixed random share of this on top of the settle time before its
    /// refresh after a probe ([`FleetView::set_jitter_ms`](view::FleetView::set_jitter_ms)), so
    /// the fleet's refreshes do not all reach the object in the same instant, and the location's
    /// first refresh leaves a copy for its other isolates.
    pub refresh_jitter_ms: u64,
    /// A degraded claim lasts at least this long past the verdict that makes it (see
    /// [`hub::Hub::claim_ms`]): a quiet location refreshes its copy only when a request comes,
    /// and must still avoid the upstream between its requests.
    pub claim_floor_ms: u64,
    /// A recovery stamp older than this is old news: it closes no breaker.
    pub recovery_news_ms: u64,
    /// How long the location's copy of the verdict stays in the Cache API (longer than the
    /// longest degraded claim, so a quiet location still knows).
    pub copy_ttl_ms: u64,
    /// A refresh that has not completed after this long is given up (the next request
    /// starts another).
    pub refresh_timeout_ms: u64,
    /// How long the object waits for a probe's answer (a hanging upstream fails the probe).
    pub probe_timeout_ms: u64,
    /// How long a revoked client id stays on the revocation list: longer than KV takes to
    /// propagate the record's deletion to every location (60 s), so the list covers the gap.
    pub revocation_keep_ms: u64,
}

impl Timing {
    /// The deployed cadences: refresh every 2 s (while degraded, 150-250 ms after each probe; a
    /// failure to report at once, at most every 250 ms), an attempt is slow after 1 s, probe
    /// every 1 s on the second (0.9 s to answer), give up a refresh after 1 s, recoveries are
    /// news for 10 s, the location's copy is kept 2 minutes, revocations 5 minutes.
    pub const DEFAULT: Timing = Timing {
        refresh_ms: 2_000,
        probe_settle_ms: 150,
        refresh_jitter_ms: 100,
        slow_ms: 1_000,
        urgent_refresh_ms: 250,
        probe_ms: 1_000,
        recovery_news_ms: 10_000,
        copy_ttl_ms: 120_000,
        refresh_timeout_ms: 1_000,
        probe_timeout_ms: 900,
        claim_floor_ms: 30_000,
        revocation_keep_ms: 300_000,
    };

    /// The probe grid's step (never 0).
    fn step_ms(&self) -> u64 {
        self.probe_ms.max(1)
    }

    /// The first probe time of the grid after `now_ms`: the object's next alarm.
    pub fn next_probe_ms(&self, now_ms: u64) -> u64 {
        (now_ms / self.step_ms())
            .saturating_add(1)
            .saturating_mul(self.step_ms())
    }

    /// When the result of the latest probe of the grid due by `now_ms` was known (its time
    /// plus [`Timing::probe_settle_ms`]): a verdict from before that may miss a recovery.
    pub fn last_probe_result_ms(&self, now_ms: u64) -> u64 {
        match now_ms.checked_sub(self.probe_settle_ms) {
            Some(since) => (since / self.step_ms())
                .saturating_mul(self.step_ms())
                .saturating_add(self.probe_settle_ms),
            None => 0,
        }
    }
}

impl Default for Timing {
    fn default() -> Self {
        Timing::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::Timing;

    #[test]
    fn the_probe_grid() {
        let t = Timing::DEFAULT; // probes every 1000 ms, results known 150 ms later
        assert_eq!(t.next_probe_ms(0), 1_000);
        assert_eq!(t.next_probe_ms(999), 1_000);
        assert_eq!(t.next_probe_ms(1_000), 2_000, "strictly after now");
        assert_eq!(t.last_probe_result_ms(100), 0, "none yet");
        assert_eq!(t.last_probe_result_ms(1_149), 150);
        assert_eq!(t.last_probe_result_ms(1_150), 1_150);
        assert_eq!(t.last_probe_result_ms(2_100), 1_150);
        let zero = Timing {
            probe_ms: 0,
            ..Timing::DEFAULT
        };
        assert_eq!(
            zero.next_probe_ms(5),
            6,
            "a zero interval is one millisecond"
        );
    }
}
