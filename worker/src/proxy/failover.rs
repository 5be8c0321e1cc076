//! The failover policy: classify each upstream outcome, decide whether to try the other
//! upstream, and keep the whole request within its deadline.
//!
//! | outcome of one attempt                                   | class        | next step          |
//! |----------------------------------------------------------|--------------|--------------------|
//! | 2xx, JSON object with a string `access_token`            | `Token`      | return it          |
//! | 4xx (not 408/429), JSON object with a string `error`     | `OAuthError` | return it, no failover |
//! | connect error, reset (any fetch error)                   | `Network`    | try the other      |
//! | per-try timeout (headers or body)                        | `Timeout`    | try the other      |
//! | 5xx                                                      | `ServerError`| try the other      |
//! | 429                                                      | `TooManyRequests` | try the other |
//! | 2xx without a string `access_token` (or not JSON), or a body over 64 KiB | `Malformed` | try the other |
//! | 4xx (not 408/429) without an OAuth error body            | `ClientError`| try the other      |
//! | anything else (1xx, 3xx: redirects are not followed, 408) | `Unexpected` | try the other     |
//!
//! The breaker of an upstream counts only failures that say the upstream is unwell. A 4xx
//! (with or without an OAuth body) answers one client's request: it never counts against the
//! upstream, so one client with bad upstream credentials cannot open the breaker every other
//! client shares.
//!
//! Each upstream is tried at most once per request. Order: the upstreams whose breaker admits
//! the request (and that the fleet's verdict does not call degraded), primary first; then, as a last resort, the ones whose breaker is open (so if
//! both are open, both are still tried). `FORCE_UPSTREAM` restricts the plan to one upstream
//! and ignores its breaker. When every attempt failed: 503 `temporarily_unavailable`.

use core::cell::RefCell;
use std::string::String;
use std::vec::Vec;

use super::breaker::{Breaker, Permit};
use super::upstream::MAX_TOKEN_RESPONSE;
use crate::config::proxy::{Force, ProxyConfig};
use crate::fleet::slow::{Pending, Watched};
use crate::io::{Io, Outbound, Reply, Transport};
use crate::records::Credentials;
use crate::regions::Region;

/// Why an attempt did not produce an answer worth returning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Connection refused, reset, DNS, TLS.
    Network,
    /// The per-try timeout (or the remaining deadline) passed.
    Timeout,
    /// 5xx.
    ServerError,
    /// 429.
    TooManyRequests,
    /// 2xx without a string `access_token`, or an oversized body.
    Malformed,
    /// A 4xx (not 408/429) without an OAuth error body: about this request, not the upstream.
    ClientError,
    /// 1xx, 3xx, 408.
    Unexpected,
    /// The record's credentials for this upstream could not be decrypted.
    BadRecord,
}

impl Failure {
    /// Whether the failure says the upstream is unwell (counts toward its breaker).
    pub fn counts_against_upstream(self) -> bool {
        !matches!(self, Failure::ClientError | Failure::BadRecord)
    }

    /// Name used in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Network => "network",
            Failure::Timeout => "timeout",
            Failure::ServerError => "server_error",
            Failure::TooManyRequests => "too_many_requests",
            Failure::Malformed => "malformed",
            Failure::ClientError => "client_error",
            Failure::Unexpected => "unexpected_status",
            Failure::BadRecord => "bad_record",
        }
    }
}

/// The class of one attempt's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Class {
    /// A token response: return it.
    Token,
    /// An OAuth error: return status, `error`, `error_description` (and `error_uri`) unchanged.
    OAuthError(serde_json::Map<String, serde_json::Value>),
    /// Fail over.
    Fail(Failure),
}

fn is_error_code(s: &str) -> bool {
    // RFC 6749 5.2: error = 1*( %x20-21 / %x23-5B / %x5D-7E )
    !s.is_empty()
        && s.bytes()
            .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// Classifies one attempt.
pub fn classify(outcome: &Result<Reply, Transport>) -> Class {
    let reply = match outcome {
        Err(Transport::Network) => return Class::Fail(Failure::Network),
        Err(Transport::Timeout) => return Class::Fail(Failure::Timeout),
        Err(Transport::TooLarge) => return Class::Fail(Failure::Malformed),
        Ok(r) => r,
    };
    let object = || match serde_json::from_slice::<serde_json::Value>(&reply.body) {
        Ok(serde_json::Value::Object(m)) => Some(m),
        _ => None,
    };
    match reply.status {
        200..=299 => match object() {
            Some(m)
                if m.get("access_token")
                    .is_some_and(|t| t.as_str().is_some_and(|s| !s.is_empty())) =>
            {
                Class::Token
            }
            _ => Class::Fail(Failure::Malformed),
        },
        429 => Class::Fail(Failure::TooManyRequests),
        500..=599 => Class::Fail(Failure::ServerError),
        408 => Class::Fail(Failure::Unexpected),
        400..=499 => match object() {
            Some(m)
                if m.get("error")
                    .and_then(|e| e.as_str())
                    .is_some_and(is_error_code) =>
            {
                let mut out = serde_json::Map::new();
                for k in ["error", "error_description", "error_uri"] {
                    if let Some(v @ serde_json::Value::String(_)) = m.get(k) {
                        out.insert(k.into(), v.clone());
                    }
                }
                Class::OAuthError(out)
            }
            _ => Class::Fail(Failure::ClientError),
        },
        _ => Class::Fail(Failure::Unexpected),
    }
}

/// One attempt, for the log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// Which upstream.
    pub region: Region,
    /// `token`, `oauth_error`, or a [`Failure`] name.
    pub result: &'static str,
    /// HTTP status, if a reply arrived.
    pub status: Option<u16>,
    /// Wall time of the attempt.
    pub ms: u64,
    /// Whether it was the breaker's half-open probe.
    pub probe: bool,
    /// What it says about the upstream's health, for the fleet report: `Some(true)` it
    /// answered, `Some(false)` a failure that counts against it, `None` nothing (a failure
    /// about this request only).
    pub health: Option<bool>,
    /// Whether the fleet's watchdog already reported it as a slow failure
    /// ([`crate::fleet::slow`]): a failure is then not reported again.
    pub reported_slow: bool,
}

/// How the request ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// A token response from `region`; `body` is the upstream's JSON, unchanged.
    Token {
        /// Who answered.
        region: Region,
        /// Upstream status (2xx).
        status: u16,
        /// Upstream body.
        body: Vec<u8>,
    },
    /// An OAuth error from `region`, to return with the same status.
    OAuthError {
        /// Who answered.
        region: Region,
        /// Upstream status (4xx).
        status: u16,
        /// `error`, `error_description`, `error_uri` as received.
        body: serde_json::Map<String, serde_json::Value>,
    },
    /// Every upstream in the plan failed (or the deadline passed): 503 with this `Retry-After`.
    Unavailable {
        /// Seconds.
        retry_after_s: u64,
    },
}

/// The result and the attempts that led to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The decision.
    pub decision: Decision,
    /// Attempts in order.
    pub attempts: Vec<Attempt>,
}

/// Bounds on `Retry-After` of a 503.
pub const RETRY_AFTER_MIN_S: u64 = 1;
/// Upper bound on `Retry-After`.
pub const RETRY_AFTER_MAX_S: u64 = 300;

fn parse_retry_after(v: Option<&str>) -> Option<u64> {
    v?.trim().parse::<u64>().ok()
}

/// Runs the failover for one token request.
///
/// `avoid` (by [`Region::index`]): upstreams the fleet's verdict calls degraded
/// ([`crate::fleet::FleetView::avoid`]); they are left out of the first pass as an open
/// breaker is (still tried as a last resort), without touching the isolate's breaker.
///
/// `watched`: the isolate's attempts under way and this request's id, for the request's
/// slow-attempt watchdog ([`crate::fleet::slow`]).
///
/// `credentials` is asked lazily, once per upstream actually tried; `None` means the record's
/// secret for that upstream could not be decrypted (counted as a failed attempt, not a breaker
/// failure: the upstream is not at fault).
pub async fn run<I: Io>(
    cfg: &ProxyConfig,
    breakers: &RefCell<[Breaker; 2]>,
    avoid: [bool; 2],
    watched: Watched<'_>,
    io: &I,
    scope: Option<&str>,
    credentials: &dyn Fn(Region) -> Option<Credentials>,
) -> Outcome {
    let candidates: &[Region] = match cfg.force {
        Force::Auto => &[Region::Primary, Region::Secondary],
        Force::Primary => &[Region::Primary],
        Force::Secondary => &[Region::Secondary],
    };
    let mut run = Run {
        cfg,
        breakers,
        watched,
        io,
        scope,
        credentials,
        deadline: io.now_ms().saturating_add(cfg.deadline_ms),
        attempts: Vec::new(),
        hints_ms: [0; 2],
    };
    // First pass: the upstreams whose breaker admits the request (forced: the breaker is ignored).
    let mut deferred = Vec::new();
    for &region in candidates {
        let permit = if cfg.force != Force::Auto {
            Permit::Allowed
        } else if avoid[region.index()] {
            Permit::Rejected
        } else {
            breakers.borrow_mut()[region.index()].acquire(io.now_ms())
        };
        if permit == Permit::Rejected {
            deferred.push(region);
            continue;
        }
        match run.attempt(region, permit).await {
            Step::Done(decision) => {
                return Outcome {
                    decision,
                    attempts: run.attempts,
                }
            }
            Step::Next => {}
            Step::OutOfTime => return run.unavailable(candidates),
        }
    }
    // Last resort: upstreams with an open breaker (their failure does not extend the period).
    for region in deferred {
        match run.attempt(region, Permit::Rejected).await {
            Step::Done(decision) => {
                return Outcome {
                    decision,
                    attempts: run.attempts,
                }
            }
            Step::Next => {}
            Step::OutOfTime => break,
        }
    }
    run.unavailable(candidates)
}

enum Step {
    Done(Decision),
    Next,
    OutOfTime,
}

struct Run<'a, I> {
    cfg: &'a ProxyConfig,
    breakers: &'a RefCell<[Breaker; 2]>,
    watched: Watched<'a>,
    io: &'a I,
    scope: Option<&'a str>,
    credentials: &'a dyn Fn(Region) -> Option<Credentials>,
    deadline: u64,
    attempts: Vec<Attempt>,
    hints_ms: [u64; 2],
}

impl<I: Io> Run<'_, I> {
    /// Records an attempt for the log line.
    fn note(
        &mut self,
        region: Region,
        result: &'static str,
        status: Option<u16>,
        ms: u64,
        probe: bool,
        health: Option<bool>,
    ) {
        self.attempts.push(Attempt {
            region,
            result,
            status,
            ms,
            probe,
            health,
            reported_slow: false,
        });
    }

    async fn attempt(&mut self, region: Region, permit: Permit) -> Step {
        let start = self.io.now_ms();
        let remaining = self.deadline.saturating_sub(start);
        if remaining == 0 {
            return Step::OutOfTime;
        }
        let probe = permit == Permit::Probe;
        let Some(creds) = (self.credentials)(region) else {
            self.note(region, Failure::BadRecord.as_str(), None, 0, probe, None);
            if probe {
                // Nothing was learned about the upstream: let the next request probe.
                self.breakers.borrow_mut()[region.index()].release_probe();
            }
            return Step::Next;
        };
        let request = Outbound::client_credentials(
            self.cfg.url(region),
            self.cfg.upstream_auth,
            &creds.client_id,
            &creds.client_secret,
            self.scope,
        );
        drop(creds);
        let timeout = self.cfg.try_timeout_ms.min(remaining);
        let pending = Pending::start(self.watched, region, start);
        let result = self.io.fetch(&request, timeout, MAX_TOKEN_RESPONSE).await;
        let reported_slow = pending.finish();
        drop(request);
        let end = self.io.now_ms();
        let ms = end.saturating_sub(start);
        let status = result.as_ref().ok().map(|r| r.status);
        match classify(&result) {
            Class::Token => {
                self.breakers.borrow_mut()[region.index()].on_success();
                self.note(region, "token", status, ms, probe, Some(true));
                let reply = result.unwrap_or_else(|_| Reply {
                    status: 502,
                    ..Reply::default()
                });
                Step::Done(Decision::Token {
                    region,
                    status: reply.status,
                    body: reply.body,
                })
            }
            Class::OAuthError(body) => {
                self.breakers.borrow_mut()[region.index()].on_success();
                self.note(region, "oauth_error", status, ms, probe, Some(true));
                Step::Done(Decision::OAuthError {
                    region,
                    status: status.unwrap_or(400),
                    body,
                })
            }
            Class::Fail(failure) => {
                let counts = failure.counts_against_upstream();
                let mut breakers = self.breakers.borrow_mut();
                if counts {
                    breakers[region.index()].on_failure(permit, end);
                } else if probe {
                    // A verdict about this request only: let the next request probe.
                    breakers[region.index()].release_probe();
                }
                drop(breakers);
                if failure == Failure::TooManyRequests {
                    let hint = result
                        .as_ref()
                        .ok()
                        .and_then(|r| parse_retry_after(r.retry_after.as_deref()));
                    self.hints_ms[region.index()] = hint
                        .unwrap_or(0)
                        .min(RETRY_AFTER_MAX_S)
                        .saturating_mul(1000);
                }
                let health = counts.then_some(false);
                self.note(region, failure.as_str(), status, ms, probe, health);
                if let Some(a) = self.attempts.last_mut() {
                    a.reported_slow = reported_slow;
                }
                Step::Next
            }
        }
    }

    /// 503, with `Retry-After` = the soonest moment one of the planned upstreams may be tried
    /// again (open breaker period left, or a 429's own `Retry-After`), clamped to 1..=300 s.
    fn unavailable(self, candidates: &[Region]) -> Outcome {
        let now = self.io.now_ms();
        let wait_ms = {
            let b = self.breakers.borrow();
            candidates
                .iter()
                .map(|r| b[r.index()].retry_in_ms(now).max(self.hints_ms[r.index()]))
                .min()
                .unwrap_or(0)
        };
        let retry_after_s = wait_ms
            .div_ceil(1000)
            .clamp(RETRY_AFTER_MIN_S, RETRY_AFTER_MAX_S);
        Outcome {
            decision: Decision::Unavailable { retry_after_s },
            attempts: self.attempts,
        }
    }
}
