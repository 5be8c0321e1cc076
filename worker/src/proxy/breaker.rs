//! A circuit breaker per upstream, kept in isolate memory.
//!
//! - **Closed**: requests go through; `failure_threshold` consecutive failures open it.
//! - **Open** until `opened_at + period`: requests skip this upstream (unless nothing else is left).
//!   The period is `open_ms * 2^(trips-1)`, capped at `max_open_ms`, where `trips` counts the
//!   openings since the breaker was last closed by a success.
//! - **Half-open** once the period has passed: exactly one request is let through as a probe.
//!   Its success closes the breaker (and resets `trips`); its failure opens it again for the next,
//!   longer period. A probe that never reports back (the request was cancelled) is given up after
//!   `probe_timeout_ms`, and the next request probes instead.
//!
//! OAuth 4xx answers are not failures: the upstream is up and answered. Callers report them as
//! successes.

use crate::config::proxy::BreakerConfig;

/// The breaker's state (observable for `/healthz` and tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Normal operation.
    Closed {
        /// Failures in a row so far.
        failures: u32,
    },
    /// Skipping this upstream.
    Open {
        /// When the open period ends.
        until_ms: u64,
    },
    /// The open period has ended; one probe may be in flight.
    HalfOpen {
        /// When the probe was let through, if one is in flight.
        probe_since_ms: Option<u64>,
    },
}

/// What a request may do with this upstream now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permit {
    /// Go ahead (closed).
    Allowed,
    /// Go ahead as the half-open probe; report the result with `probe = true`.
    Probe,
    /// Skip this upstream (open, or a probe is already in flight).
    Rejected,
}

/// One upstream's breaker.
#[derive(Clone, Debug)]
pub struct Breaker {
    cfg: BreakerConfig,
    state: State,
    trips: u32,
    probe_timeout_ms: u64,
}

impl Breaker {
    /// The raw state and the trip count, for storage (the fleet's Durable Object keeps its
    /// breakers across an eviction).
    pub fn snapshot(&self) -> (State, u32) {
        (self.state, self.trips)
    }

    /// Puts back what [`Breaker::snapshot`] gave (the configuration stays this breaker's).
    pub fn restore(&mut self, state: State, trips: u32) {
        self.state = state;
        self.trips = trips;
    }

    /// A closed breaker. `probe_timeout_ms` should be the request deadline.
    pub fn new(cfg: BreakerConfig, probe_timeout_ms: u64) -> Self {
        Breaker {
            cfg,
            state: State::Closed { failures: 0 },
            trips: 0,
            probe_timeout_ms,
        }
    }

    /// Replaces the tuning (config can change between deployments; state is kept).
    pub fn reconfigure(&mut self, cfg: BreakerConfig, probe_timeout_ms: u64) {
        self.cfg = cfg;
        self.probe_timeout_ms = probe_timeout_ms;
    }

    /// The state as of `now` (an open breaker whose period has passed reads as half-open).
    pub fn state(&self, now_ms: u64) -> State {
        match self.state {
            State::Open { until_ms } if now_ms >= until_ms => State::HalfOpen {
                probe_since_ms: None,
            },
            s => s,
        }
    }

    /// Openings since the breaker was last closed by a success.
    pub fn trips(&self) -> u32 {
        self.trips
    }

    /// Milliseconds until this upstream may be tried again (0 if it may be tried now).
    pub fn retry_in_ms(&self, now_ms: u64) -> u64 {
        match self.state(now_ms) {
            State::Open { until_ms } => until_ms - now_ms,
            _ => 0,
        }
    }

    /// The open period after `trips` openings in a row.
    pub fn open_period_ms(&self, trips: u32) -> u64 {
        let shift = trips.saturating_sub(1).min(32);
        self.cfg
            .open_ms
            .saturating_mul(1u64 << shift)
            .min(self.cfg.max_open_ms)
    }

    /// Asks to use this upstream now. A `Probe` permit moves the breaker to "probe in flight".
    pub fn acquire(&mut self, now_ms: u64) -> Permit {
        match self.state(now_ms) {
            State::Closed { .. } => Permit::Allowed,
            State::Open { .. } => Permit::Rejected,
            State::HalfOpen {
                probe_since_ms: Some(since),
            } if now_ms < since.saturating_add(self.probe_timeout_ms) => Permit::Rejected,
            State::HalfOpen { .. } => {
                self.state = State::HalfOpen {
                    probe_since_ms: Some(now_ms),
                };
                Permit::Probe
            }
        }
    }

    /// Records a healthy answer (a token, or an OAuth error: the upstream is up). Closes the breaker.
    pub fn on_success(&mut self) {
        self.state = State::Closed { failures: 0 };
        self.trips = 0;
    }

    /// Records a failure (transport error, timeout, 5xx, 429, malformed answer).
    /// `permit` is what `acquire` returned for this attempt.
    pub fn on_failure(&mut self, permit: Permit, now_ms: u64) {
        match (self.state(now_ms), permit) {
            (State::Closed { failures }, _) => {
                let failures = failures + 1;
                if failures >= self.cfg.failure_threshold {
                    self.open(now_ms);
                } else {
                    self.state = State::Closed { failures };
                }
            }
            // The probe failed: open again, for longer.
            (State::HalfOpen { .. }, Permit::Probe) => self.open(now_ms),
            // A last-resort attempt on an open breaker, or a late non-probe failure: the breaker
            // already knows this upstream is down.
            _ => {}
        }
    }

    /// Gives up a probe permit without a verdict (nothing was learned about the upstream),
    /// so the next request probes.
    pub fn release_probe(&mut self) {
        if let State::HalfOpen { .. } = self.state {
            self.state = State::HalfOpen {
                probe_since_ms: None,
            };
        }
    }

    fn open(&mut self, now_ms: u64) {
        self.trips = self.trips.saturating_add(1);
        self.state = State::Open {
            until_ms: now_ms.saturating_add(self.open_period_ms(self.trips)),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: BreakerConfig = BreakerConfig {
        failure_threshold: 3,
        open_ms: 1000,
        max_open_ms: 5000,
    };

    /// A breaker that opens on the first failure.
    fn opens_at_once() -> Breaker {
        Breaker::new(
            BreakerConfig {
                failure_threshold: 1,
                ..CFG
            },
            8000,
        )
    }

    #[test]
    fn opens_after_threshold_consecutive_failures() {
        let mut b = Breaker::new(CFG, 8000);
        for i in 1..3 {
            assert_eq!(b.acquire(0), Permit::Allowed);
            b.on_failure(Permit::Allowed, 0);
            assert_eq!(b.state(0), State::Closed { failures: i });
        }
        b.on_success();
        assert_eq!(
            b.state(0),
            State::Closed { failures: 0 },
            "a success resets the count"
        );
        for _ in 0..3 {
            b.on_failure(Permit::Allowed, 10);
        }
        assert_eq!(b.state(10), State::Open { until_ms: 1010 });
        assert_eq!(b.acquire(1009), Permit::Rejected);
        assert_eq!(b.retry_in_ms(1009), 1);
    }

    #[test]
    fn half_open_lets_exactly_one_probe_through() {
        let mut b = opens_at_once();
        b.on_failure(Permit::Allowed, 0);
        assert_eq!(b.acquire(999), Permit::Rejected);
        assert_eq!(
            b.state(1000),
            State::HalfOpen {
                probe_since_ms: None
            }
        );
        assert_eq!(b.retry_in_ms(1000), 0);
        assert_eq!(b.acquire(1000), Permit::Probe);
        assert_eq!(
            b.acquire(1001),
            Permit::Rejected,
            "second request while the probe is in flight"
        );
        assert_eq!(b.acquire(8999), Permit::Rejected);
        // The probe never reported back: after probe_timeout another request probes.
        assert_eq!(b.acquire(9000), Permit::Probe);
        b.on_success();
        assert_eq!(b.state(9001), State::Closed { failures: 0 });
        assert_eq!(b.trips(), 0);
    }

    #[test]
    fn open_period_grows_and_is_capped() {
        let mut b = opens_at_once();
        let mut now = 0;
        b.on_failure(Permit::Allowed, now);
        let mut periods = std::vec::Vec::new();
        for _ in 0..5 {
            let State::Open { until_ms } = b.state(now) else {
                panic!("not open")
            };
            periods.push(until_ms - now);
            now = until_ms;
            assert_eq!(b.acquire(now), Permit::Probe);
            now += 7;
            b.on_failure(Permit::Probe, now);
        }
        assert_eq!(periods, [1000, 2000, 4000, 5000, 5000]);
        assert_eq!(b.trips(), 6);
        // A successful probe resets the growth.
        let until = b.retry_in_ms(now) + now;
        assert_eq!(b.acquire(until), Permit::Probe);
        b.on_success();
        b.on_failure(Permit::Allowed, until);
        assert_eq!(
            b.state(until),
            State::Open {
                until_ms: until + 1000
            }
        );
    }

    #[test]
    fn non_probe_failures_do_not_extend_an_open_breaker() {
        let mut b = opens_at_once();
        b.on_failure(Permit::Allowed, 0);
        b.on_failure(Permit::Rejected, 500); // last-resort attempt while open
        assert_eq!(b.state(500), State::Open { until_ms: 1000 });
        assert_eq!(b.acquire(1000), Permit::Probe);
        b.on_failure(Permit::Allowed, 1001); // a request that started before the probe
        assert_eq!(
            b.state(1001),
            State::HalfOpen {
                probe_since_ms: Some(1000)
            }
        );
        assert_eq!(b.trips(), 1);
        b.release_probe();
        assert_eq!(b.acquire(1002), Permit::Probe);
    }

    #[test]
    fn period_arithmetic_saturates() {
        let b = Breaker::new(
            BreakerConfig {
                failure_threshold: 1,
                open_ms: u64::MAX / 2,
                max_open_ms: u64::MAX,
            },
            1,
        );
        assert_eq!(b.open_period_ms(40), u64::MAX);
        assert_eq!(b.open_period_ms(0), u64::MAX / 2);
    }
}
