//! Per-client-id lock-outs after repeated failed authentications, in isolate memory.
//!
//! Each failed authentication spends one unit of the optional `AUTH_FAILURE_LIMITER` binding
//! under the presented client id. Once the binding refuses, that id is locked in this isolate
//! for `AUTH_LOCKOUT_S`: every request presenting it (right secret or wrong) gets 429 without
//! a KV read, so guessing a client's secret stops paying. The price, documented for operators:
//! whoever knows a client id can lock that client out for the lock-out period.

use std::collections::BTreeMap;
use std::string::{String, ToString};

/// Locked client ids and when each lock ends.
#[derive(Debug)]
pub struct Lockouts {
    until_ms: BTreeMap<String, u64>,
    cap: usize,
}

impl Default for Lockouts {
    fn default() -> Self {
        Lockouts {
            until_ms: BTreeMap::new(),
            cap: 4096,
        }
    }
}

impl Lockouts {
    /// Seconds left on `client_id`'s lock, if it is locked.
    pub fn locked(&self, client_id: &str, now_ms: u64) -> Option<u64> {
        let until = *self.until_ms.get(client_id)?;
        (now_ms < until).then(|| (until - now_ms).div_ceil(1000))
    }

    /// Locks `client_id` until `until_ms`. Bounded: expired locks go first; if all are live,
    /// the one ending soonest does.
    pub fn lock(&mut self, client_id: &str, now_ms: u64, until_ms: u64) {
        if self.until_ms.len() >= self.cap && !self.until_ms.contains_key(client_id) {
            self.until_ms.retain(|_, u| *u > now_ms);
            if self.until_ms.len() >= self.cap {
                if let Some(k) = self
                    .until_ms
                    .iter()
                    .min_by_key(|(_, u)| **u)
                    .map(|(k, _)| k.clone())
                {
                    self.until_ms.remove(&k);
                }
            }
        }
        self.until_ms.insert(client_id.to_string(), until_ms);
    }

    /// Number of locks held (tests).
    pub fn len(&self) -> usize {
        self.until_ms.len()
    }

    /// Whether no lock is held.
    pub fn is_empty(&self) -> bool {
        self.until_ms.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_expire_and_are_bounded() {
        let mut l = Lockouts {
            cap: 2,
            ..Lockouts::default()
        };
        l.lock("a", 0, 60_000);
        assert_eq!(l.locked("a", 1), Some(60));
        assert_eq!(l.locked("a", 59_001), Some(1));
        assert_eq!(l.locked("a", 60_000), None);
        assert_eq!(l.locked("b", 0), None);
        l.lock("b", 0, 10_000);
        l.lock("c", 0, 20_000);
        assert_eq!(l.len(), 2);
        assert_eq!(l.locked("b", 0), None, "the lock ending soonest made room");
        l.lock("d", 30_000, 90_000);
        assert!(l.locked("c", 30_000).is_none() && l.locked("d", 30_000).is_some());
    }
}
