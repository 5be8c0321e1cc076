//! Slow attempts: an upstream attempt still unanswered after [`Timing::slow_ms`] is reported to
//! the Durable Object as a failure at once, before its try timeout ends.
//!
//! A hanging upstream gives no answer to learn from until the first try timeouts (3 s by
//! default); every request the fleet starts in that time waits the whole timeout. Counting a
//! call as failed once it is slower than a threshold is the circuit breakers' "slow call" rule
//! (Resilience4j's `slowCallDurationThreshold`); here it applies to the fleet's report only.
//! The isolate's own breaker still acts on the attempt's real outcome, and an attempt
//! reported slow that then fails is not reported twice.
//!
//! [`Inflight`] is the isolate's list of attempts under way, each marked with the id of the
//! request that made it; a request's watchdog ([`super::refresh::watch`]) asks which of *its*
//! attempts are overdue. A watchdog runs in its request's `waitUntil`, and the runtime may end
//! that once the request is done: if one request's watchdog took another's attempts, the
//! report could go with it while the attempts count as reported. A [`Pending`] guard removes
//! its attempt when dropped, so a request cancelled mid-attempt leaves nothing behind.
//!
//! [`Timing::slow_ms`]: super::Timing::slow_ms

use core::cell::RefCell;
use std::string::{String, ToString};
use std::vec::Vec;

use crate::regions::Region;

/// At most this many attempts are tracked; beyond it, new ones go untracked (never reported
/// slow) rather than growing the list.
pub const MAX_INFLIGHT: usize = 256;

#[derive(Clone, Debug)]
struct Entry {
    id: u64,
    /// The request id of the request that made the attempt.
    request: String,
    region: Region,
    started_ms: u64,
    reported: bool,
}

/// The upstream attempts under way in this isolate.
#[derive(Debug, Default)]
pub struct Inflight {
    next_id: u64,
    entries: Vec<Entry>,
}

impl Inflight {
    /// Notes an attempt of request `request` on `region` that starts now; `None` when the
    /// list is full.
    pub fn start(&mut self, request: &str, region: Region, now_ms: u64) -> Option<u64> {
        if self.entries.len() >= MAX_INFLIGHT {
            return None;
        }
        self.next_id += 1;
        self.entries.push(Entry {
            id: self.next_id,
            request: request.to_string(),
            region,
            started_ms: now_ms,
            reported: false,
        });
        Some(self.next_id)
    }

    /// Removes a finished (or abandoned) attempt; whether it was reported slow.
    pub fn finish(&mut self, id: u64) -> bool {
        match self.entries.iter().position(|e| e.id == id) {
            Some(i) => self.entries.swap_remove(i).reported,
            None => false,
        }
    }

    /// The upstreams of `request`'s attempts unanswered for at least `slow_ms` and not yet
    /// reported (each attempt once), marking them reported.
    pub fn overdue(&mut self, request: &str, now_ms: u64, slow_ms: u64) -> Vec<Region> {
        let mut out = Vec::new();
        for e in &mut self.entries {
            if e.request == request && !e.reported && now_ms.saturating_sub(e.started_ms) >= slow_ms
            {
                e.reported = true;
                out.push(e.region);
            }
        }
        out
    }

    /// When `request`'s next attempt not yet reported becomes slow, if any is under way.
    pub fn next_due(&self, request: &str, slow_ms: u64) -> Option<u64> {
        self.entries
            .iter()
            .filter(|e| e.request == request && !e.reported)
            .map(|e| e.started_ms.saturating_add(slow_ms))
            .min()
    }

    /// How many attempts are under way.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no attempt is under way.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One request's place in the isolate's [`Inflight`] list: the attempts it starts carry its
/// request id, and its watchdog reports only those.
#[derive(Clone, Copy, Debug)]
pub struct Watched<'a> {
    /// The isolate's list.
    pub list: &'a RefCell<Inflight>,
    /// The request's id (the `X-Request-Id` it answers with).
    pub request: &'a str,
}

/// One attempt in an [`Inflight`] list, removed when finished or dropped.
pub struct Pending<'a> {
    list: &'a RefCell<Inflight>,
    id: Option<u64>,
}

impl<'a> Pending<'a> {
    /// Notes an attempt of the `watched` request on `region` starting at `now_ms`.
    pub fn start(watched: Watched<'a>, region: Region, now_ms: u64) -> Pending<'a> {
        let id = watched
            .list
            .borrow_mut()
            .start(watched.request, region, now_ms);
        Pending {
            list: watched.list,
            id,
        }
    }

    /// The attempt ended: whether it had been reported slow.
    pub fn finish(mut self) -> bool {
        self.id
            .take()
            .is_some_and(|id| self.list.borrow_mut().finish(id))
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.list.borrow_mut().finish(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "req-1";

    fn of(list: &RefCell<Inflight>) -> Watched<'_> {
        Watched { list, request: R }
    }

    #[test]
    fn an_attempt_is_overdue_once_after_the_threshold() {
        let list = RefCell::new(Inflight::default());
        let a = Pending::start(of(&list), Region::Primary, 1_000);
        let b = Pending::start(of(&list), Region::Secondary, 1_500);
        assert!(list.borrow_mut().overdue(R, 1_999, 1_000).is_empty());
        assert_eq!(list.borrow().next_due(R, 1_000), Some(2_000));
        assert_eq!(
            list.borrow_mut().overdue(R, 2_000, 1_000),
            [Region::Primary]
        );
        assert_eq!(list.borrow().next_due(R, 1_000), Some(2_500));
        assert!(
            list.borrow_mut().overdue(R, 2_400, 1_000).is_empty(),
            "reported once"
        );
        assert_eq!(
            list.borrow_mut().overdue(R, 2_500, 1_000),
            [Region::Secondary]
        );
        assert!(a.finish(), "reported slow");
        assert!(b.finish());
        assert!(list.borrow().is_empty());
    }

    #[test]
    fn a_quick_attempt_is_never_reported_and_a_dropped_one_leaves_nothing() {
        let list = RefCell::new(Inflight::default());
        let a = Pending::start(of(&list), Region::Primary, 0);
        assert!(!a.finish());
        {
            let _cancelled = Pending::start(of(&list), Region::Primary, 0);
            assert_eq!(list.borrow().len(), 1);
        }
        assert!(list.borrow().is_empty());
        assert!(list.borrow_mut().overdue(R, 10_000, 1).is_empty());
    }

    #[test]
    fn each_request_sees_only_its_own_attempts() {
        let list = RefCell::new(Inflight::default());
        let other = Watched {
            list: &list,
            request: "req-2",
        };
        let _mine = Pending::start(of(&list), Region::Primary, 0);
        let _theirs = Pending::start(other, Region::Secondary, 500);
        assert_eq!(list.borrow().next_due(R, 1_000), Some(1_000));
        assert_eq!(list.borrow().next_due("req-2", 1_000), Some(1_500));
        assert_eq!(list.borrow().next_due("req-3", 1_000), None);
        assert_eq!(
            list.borrow_mut().overdue(R, 5_000, 1_000),
            [Region::Primary],
            "not the other request's attempt, though it is overdue too"
        );
        assert_eq!(
            list.borrow_mut().overdue("req-2", 5_000, 1_000),
            [Region::Secondary]
        );
    }

    #[test]
    fn the_list_is_bounded() {
        let list = RefCell::new(Inflight::default());
        let held: Vec<_> = (0..MAX_INFLIGHT)
            .map(|_| Pending::start(of(&list), Region::Primary, 0))
            .collect();
        let extra = Pending::start(of(&list), Region::Primary, 0);
        assert_eq!(list.borrow().len(), MAX_INFLIGHT);
        assert!(!extra.finish(), "untracked: never reported");
        assert_eq!(list.borrow_mut().overdue(R, 5_000, 1).len(), MAX_INFLIGHT);
        drop(held);
        assert!(list.borrow().is_empty());
    }
}
