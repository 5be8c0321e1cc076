//! Fleet simulation (a benchmark, not a test): 1,000 isolates in 50 locations under Poisson
//! traffic; the primary hangs from t0 to t1. Runs the worker's real breaker
//! (`proxy::breaker::Breaker`), fleet view, refresh and Durable Object state machine
//! (`fleet::{FleetView, refresh, Hub}`) on a fake clock, event by event, with and without
//! shared health, and prints what requests paid for the outage. See bench/fleet/README.md.
//!
//! The request path is replayed event by event rather than through `failover::run`: a hanging
//! attempt must end 3 s after it started while the isolate's other requests go on, so each
//! request's plan is the failover's first pass (the fleet's `avoid`, then the breaker's
//! `acquire`; an attempt refused by both goes to the secondary) and its outcome reaches the
//! breaker and the fleet report when the attempt ends.

use core::cell::{Cell, RefCell};
use core::cmp::Reverse;
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use std::collections::BinaryHeap;

use oidc_edge_worker::config::vars::Vars;
use oidc_edge_worker::config::ProxyConfig;
use oidc_edge_worker::fleet::{refresh, Hub, Report, Timing};
use oidc_edge_worker::io::{Io, Limiter, Outbound, Reply, StoreError, Transport};
use oidc_edge_worker::proxy::breaker::Permit;
use oidc_edge_worker::proxy::token::ProxyState;
use oidc_edge_worker::regions::Region;

/// The scenario.
#[derive(Clone, Copy)]
struct Scenario {
    isolates: usize,
    locations: usize,
    rate_per_s: f64,
    t0_ms: u64,
    t1_ms: u64,
    end_ms: u64,
    primary_ms: u64,
    secondary_ms: u64,
    seed: u64,
}

/// What one run measured.
#[derive(Default)]
struct Measured {
    requests: u64,
    waited: u64,
    last_try_ms: Option<u64>,
    last_skip_after_t1_ms: Option<u64>,
    skipped_after_t1: u64,
    /// Per location: its last request after t1 that skipped the primary (ms after t1).
    location_failback_ms: Vec<u64>,
    object_calls: u64,
    object_probes: u64,
}

/// splitmix64: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Exponential inter-arrival time (ms) for `rate_per_s`.
    fn exp_ms(&mut self, rate_per_s: f64) -> u64 {
        let u = ((self.next() >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
        (-u.ln() / rate_per_s * 1000.0).ceil() as u64
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrive(usize),
    /// A primary attempt ends: (isolate, ok, permit was the probe, its `Inflight` id).
    PrimaryDone(usize, bool, bool, u64),
    /// The glue's slow-attempt watchdog, `slow_ms` after a request that tried the primary:
    /// (isolate, the request's number).
    Watch(usize, u64),
    /// The background refresh after a request (the glue's `waitUntil`).
    Refresh(usize),
    Alarm,
    ProbeDone(usize, bool),
    Cron,
}

/// The Durable Object and the locations' Cache API copies.
struct Shared {
    hub: RefCell<Hub>,
    copies: Vec<RefCell<Option<String>>>,
    calls: Cell<u64>,
}

/// `Io` for one isolate at one instant: the clock, its location's Cache API copy and the
/// object. Everything answers at once (the object's round trip is not modelled).
struct SimIo<'a> {
    now: u64,
    shared: &'a Shared,
    location: usize,
}

impl Io for SimIo<'_> {
    fn now_ms(&self) -> u64 {
        self.now
    }
    async fn sleep_ms(&self, _ms: u64) {}
    async fn fetch(&self, _: &Outbound, _: u64, _: usize) -> Result<Reply, Transport> {
        Err(Transport::Network)
    }
    async fn kv_get(&self, _: &str) -> Result<Option<String>, StoreError> {
        Err(StoreError)
    }
    async fn kv_put(&self, _: &str, _: &str) -> Result<(), StoreError> {
        Err(StoreError)
    }
    async fn cache_load(&self, _key: &str) -> Option<String> {
        self.shared.copies[self.location].borrow().clone()
    }
    async fn cache_save(&self, _key: &str, doc: &str, _ttl_s: u64) {
        *self.shared.copies[self.location].borrow_mut() = Some(doc.to_string());
    }
    async fn fleet_call(&self, _path: &str, body: &str, _timeout_ms: u64) -> Option<String> {
        self.shared.calls.set(self.shared.calls.get() + 1);
        let mut hub = self.shared.hub.borrow_mut();
        if let Some(report) = Report::parse(body.as_bytes()) {
            hub.ingest(&report, self.now);
        }
        Some(hub.verdict(self.now).to_json())
    }
    async fn rate_limit(&self, _: Limiter, _: &str) -> Option<bool> {
        None
    }
}

/// Runs a future whose every await is ready at once (SimIo's).
fn now<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("SimIo never waits"),
    }
}

fn proxy_config() -> ProxyConfig {
    // The deployed defaults: 3 s per try, breaker 3 failures / 5 s doubling to 60 s.
    let get = |n: &str| match n {
        "OAUTH_HOST_PRIMARY" => Some("https://primary.example/oauth2/token".into()),
        "OAUTH_HOST_SECONDARY" => Some("https://secondary.example/oauth2/token".into()),
        _ => None,
    };
    ProxyConfig::read(&mut Vars::new(&get))
}

/// What the fleet shares: nothing (each isolate's breaker alone), the Durable Object's health
/// fed by finished attempts, or that plus the slow-attempt reports.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Alone,
    Shared,
    SharedSlow,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Alone => "no",
            Mode::Shared => "yes, finished attempts only",
            Mode::SharedSlow => "yes, with slow-attempt reports",
        }
    }
}

fn run(sc: &Scenario, mode: Mode) -> Measured {
    let shared_health = mode != Mode::Alone;
    let cfg = proxy_config();
    let timing = Timing::DEFAULT;
    let states: Vec<ProxyState> = (0..sc.isolates)
        .map(|i| {
            let s = ProxyState::new(&cfg);
            // Each isolate's share of the refresh jitter, as the glue draws it (seeded here).
            s.fleet
                .borrow_mut()
                .set_jitter_ms(Rng(sc.seed ^ (i as u64 + 1)).next());
            s
        })
        .collect();
    let shared = Shared {
        hub: RefCell::new(Hub::new(cfg.breaker, timing)),
        copies: (0..sc.locations).map(|_| RefCell::new(None)).collect(),
        calls: Cell::new(0),
    };
    let hanging = |t: u64| (sc.t0_ms..sc.t1_ms).contains(&t);
    // A probe by the object: a hanging primary fails it when the probe's wait ends.
    let probe = |r: Region, t: u64| {
        if r == Region::Primary && hanging(t) {
            (false, timing.probe_timeout_ms)
        } else {
            (true, sc.primary_ms)
        }
    };
    let mut rng = Rng(sc.seed);
    let mut queue = BinaryHeap::new();
    // Numbers the requests that try the primary (their request ids, for the watchdog).
    let mut requests = 0u64;
    let mut seq = 0u64;
    let mut push = |q: &mut BinaryHeap<_>, t: u64, ev: Ev| {
        seq += 1;
        q.push(Reverse((t, seq, ev)));
    };
    let per_isolate = sc.rate_per_s / sc.isolates as f64;
    for i in 0..sc.isolates {
        let t = rng.exp_ms(per_isolate);
        push(&mut queue, t, Ev::Arrive(i));
    }
    if shared_health {
        push(&mut queue, 60_000, Ev::Cron);
    }
    let mut armed = false;
    let mut m = Measured {
        location_failback_ms: vec![0; sc.locations],
        ..Measured::default()
    };
    while let Some(Reverse((t, _, ev))) = queue.pop() {
        if t > sc.end_ms {
            break;
        }
        let io = |i: usize| SimIo {
            now: t,
            shared: &shared,
            location: i % sc.locations,
        };
        match ev {
            Ev::Arrive(i) => {
                let next = t + rng.exp_ms(per_isolate);
                push(&mut queue, next, Ev::Arrive(i));
                m.requests += 1;
                let s = &states[i];
                if shared_health {
                    now(refresh::look(s, &io(i)));
                }
                let avoid = s.fleet.borrow().avoid(Region::Primary, t);
                let permit = if avoid {
                    Permit::Rejected
                } else {
                    s.breakers.borrow_mut()[0].acquire(t)
                };
                if permit == Permit::Rejected {
                    if t >= sc.t1_ms {
                        m.last_skip_after_t1_ms = Some(t - sc.t1_ms);
                        m.skipped_after_t1 += 1;
                        m.location_failback_ms[i % sc.locations] = t - sc.t1_ms;
                    }
                    s.fleet.borrow_mut().record(Region::Secondary, true, t);
                    push(&mut queue, t + sc.secondary_ms, Ev::Refresh(i));
                } else {
                    let probe = permit == Permit::Probe;
                    requests += 1;
                    let id = s
                        .inflight
                        .borrow_mut()
                        .start(&requests.to_string(), Region::Primary, t)
                        .unwrap_or(0);
                    if mode == Mode::SharedSlow {
                        push(&mut queue, t + timing.slow_ms, Ev::Watch(i, requests));
                    }
                    let (ok, after) = if hanging(t) {
                        m.waited += 1;
                        m.last_try_ms = Some(t - sc.t0_ms);
                        (false, cfg.try_timeout_ms)
                    } else {
                        (true, sc.primary_ms)
                    };
                    push(&mut queue, t + after, Ev::PrimaryDone(i, ok, probe, id));
                }
            }
            Ev::Watch(i, request) => {
                now(refresh::watch(&states[i], &io(i), &request.to_string()));
            }
            Ev::PrimaryDone(i, ok, probe, id) => {
                let reported_slow = states[i].inflight.borrow_mut().finish(id);
                let s = &states[i];
                let permit = if probe {
                    Permit::Probe
                } else {
                    Permit::Allowed
                };
                let mut b = s.breakers.borrow_mut();
                if ok {
                    b[0].on_success();
                } else {
                    b[0].on_failure(permit, t);
                }
                drop(b);
                // As the token route does: a failure the watchdog reported is not sent twice.
                if ok || !reported_slow {
                    s.fleet.borrow_mut().record(Region::Primary, ok, t);
                }
                if !ok {
                    // The request goes on to the secondary.
                    s.fleet.borrow_mut().record(Region::Secondary, true, t);
                }
                let end = if ok { t } else { t + sc.secondary_ms };
                push(&mut queue, end, Ev::Refresh(i));
            }
            Ev::Refresh(i) => {
                if shared_health {
                    now(refresh::refresh(&states[i], &io(i)));
                }
            }
            Ev::Alarm => {
                armed = false;
                let regions = shared.hub.borrow().to_probe(t);
                if !regions.is_empty() {
                    // The next alarm is set before probing: the next point of the grid.
                    armed = true;
                    push(&mut queue, timing.next_probe_ms(t), Ev::Alarm);
                }
                for r in regions {
                    m.object_probes += 1;
                    let (ok, after) = probe(r, t);
                    push(&mut queue, t + after, Ev::ProbeDone(r.index(), ok));
                }
            }
            Ev::ProbeDone(r, ok) => {
                let region = Region::BOTH[r];
                shared.hub.borrow_mut().on_probe(region, ok, t);
            }
            Ev::Cron => {
                push(&mut queue, t + 60_000, Ev::Cron);
                for r in Region::BOTH {
                    m.object_probes += 1;
                    let (ok, after) = probe(r, t);
                    push(&mut queue, t + after, Ev::ProbeDone(r.index(), ok));
                }
            }
        }
        if shared_health && !armed {
            if let Some(at) = shared.hub.borrow().next_alarm(t) {
                armed = true;
                push(&mut queue, at, Ev::Alarm);
            }
        }
    }
    m.object_calls = shared.calls.get();
    m
}

const DEFAULT: Scenario = Scenario {
    isolates: 1000,
    locations: 50,
    rate_per_s: 50.0,
    t0_ms: 30_000,
    t1_ms: 150_000,
    end_ms: 240_000,
    primary_ms: 40,
    secondary_ms: 60,
    seed: 0x5EED,
};

fn secs(ms: Option<u64>) -> String {
    ms.map_or("-".into(), |ms| format!("{:.1}", ms as f64 / 1000.0))
}

fn median(v: &[u64]) -> u64 {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

fn row(label: &str, mode: Mode, m: &Measured) {
    println!(
        "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        mode.name(),
        m.requests,
        m.waited,
        secs(m.last_try_ms),
        m.skipped_after_t1,
        secs(Some(median(&m.location_failback_ms))),
        secs(m.last_skip_after_t1_ms.or(Some(0))),
        m.object_calls,
        m.object_probes
    );
}

const MODES: [Mode; 3] = [Mode::SharedSlow, Mode::Shared, Mode::Alone];

fn main() {
    // `cargo bench` passes `--bench`; numbers set the fleet's request rates (the last one is
    // summarised).
    let rates: Vec<f64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rates = if rates.is_empty() {
        vec![10.0, 200.0, DEFAULT.rate_per_s]
    } else {
        rates
    };
    println!(
        "fleet: {} isolates in {} locations, Poisson traffic; primary hangs {}..{} s, run to {} s",
        DEFAULT.isolates,
        DEFAULT.locations,
        DEFAULT.t0_ms / 1000,
        DEFAULT.t1_ms / 1000,
        DEFAULT.end_ms / 1000
    );
    let header = |first: &str| {
        println!("| {first} | shared health | requests | waited on primary | last isolate try after t0 (s) | skipped primary after t1 | median location's failback after t1 (s) | failback after t1, all locations (s) | object calls | object probes |");
        println!("|---|---|---|---|---|---|---|---|---|---|");
    };
    header("fleet req/s");
    let mut last = None;
    for &rate in &rates {
        let sc = Scenario {
            rate_per_s: rate,
            ..DEFAULT
        };
        let runs = MODES.map(|mode| run(&sc, mode));
        for (mode, m) in MODES.iter().zip(&runs) {
            row(&rate.to_string(), *mode, m);
        }
        last = Some(runs);
    }
    // The ratio depends on how long the outage lasts: without shared health every isolate
    // keeps paying its half-open probes; with it, the fleet pays about once.
    println!();
    println!(
        "outage length at {} req/s (primary hangs from {} s):",
        rates.last().copied().unwrap_or(DEFAULT.rate_per_s),
        DEFAULT.t0_ms / 1000
    );
    header("outage (s)");
    for outage_s in [20u64, 600, 1800] {
        let sc = Scenario {
            rate_per_s: rates.last().copied().unwrap_or(DEFAULT.rate_per_s),
            t1_ms: DEFAULT.t0_ms + outage_s * 1000,
            end_ms: DEFAULT.t0_ms + outage_s * 1000 + 90_000,
            ..DEFAULT
        };
        for mode in MODES {
            row(&outage_s.to_string(), mode, &run(&sc, mode));
        }
    }
    let Some([with, _, without]) = last else {
        return;
    };
    let ratio = with.waited as f64 / without.waited.max(1) as f64;
    let failback = with.last_skip_after_t1_ms.unwrap_or(0) as f64 / 1000.0;
    println!(
        "fleet: waited on primary: with shared health {}, without {} (ratio {:.4}); failback after {:.1} s",
        with.waited, without.waited, ratio, failback
    );
}
