//! The per-process memory of DPoP proof `jti`s (RFC 9449 section 11.1): the second line of
//! replay defence, behind server nonces. Bounded and time-injected: an entry lives until its
//! proof's [`DpopProof::expires_at`], after which the proof's `iat` fails anyway.
//!
//! Entries are keyed by SHA-256 of the proof key's thumbprint and the `jti`, so the memory per
//! entry is fixed whatever the `jti`'s length, and one client cannot block another's `jti`.
//! When the cache is full, the entry closest to its expiry is forgotten first: size it for the
//! proofs one process sees within a proof's lifetime (`max_age` plus the clock tolerance).

use alloc::vec::Vec;

use crate::hash::Sha256;

use super::DpopProof;
use crate::error::{Error, ErrorKind};

/// Default [`ReplayCache`] capacity.
pub const DEFAULT_REPLAY_CAPACITY: usize = 10_000;

/// A bounded set of recently seen proofs (module docs). For one thread: wrap it in a lock to
/// share it.
///
/// One vector sorted by entry key, not a tree map and set: lookups are binary searches, and
/// the package's wasm carries no B-tree code for it (about 13 KB of code for the two trees).
/// Purging expired entries is one pass at most once per second of `now`; evicting when full
/// is one pass too, beside a proof check that costs far more.
#[derive(Clone, Debug)]
pub struct ReplayCache {
    capacity: usize,
    /// (entry key, expiry), sorted by key.
    entries: Vec<([u8; 32], i64)>,
    /// The smallest expiry in `entries` (`i64::MAX` when empty): nothing to purge before it.
    soonest: i64,
}

impl Default for ReplayCache {
    fn default() -> Self {
        ReplayCache::new(DEFAULT_REPLAY_CAPACITY)
    }
}

impl ReplayCache {
    /// A cache remembering at most `capacity` proofs (0 remembers none).
    pub fn new(capacity: usize) -> ReplayCache {
        ReplayCache {
            capacity,
            entries: Vec::new(),
            soonest: i64::MAX,
        }
    }

    /// Refuses a proof whose key already used its `jti` within the proof's lifetime
    /// (`dpop_invalid`, claim `jti`), else remembers it until [`DpopProof::expires_at`].
    pub fn check_and_remember(&mut self, proof: &DpopProof, now: i64) -> Result<(), Error> {
        self.purge(now);
        let key = entry_key(proof);
        let Err(at) = self.entries.binary_search_by(|(k, _)| k.cmp(&key)) else {
            return Err(Error::new(ErrorKind::DpopInvalid)
                .with_claim("jti")
                .with_message("the proof's jti was already used"));
        };
        if self.capacity == 0 {
            return Ok(());
        }
        let mut at = at;
        if self.entries.len() >= self.capacity {
            // Forget the entry closest to its expiry.
            let soonest = self
                .entries
                .iter()
                .enumerate()
                .min_by_key(|(_, (_, expiry))| *expiry)
                .map(|(i, _)| i);
            if let Some(i) = soonest {
                self.entries.remove(i);
                if i < at {
                    at -= 1;
                }
                self.soonest = self.earliest();
            }
        }
        self.entries.insert(at, (key, proof.expires_at));
        self.soonest = self.soonest.min(proof.expires_at);
        Ok(())
    }

    /// Forgets the entries whose proofs expired before `now`.
    pub fn purge(&mut self, now: i64) {
        if self.soonest >= now {
            return;
        }
        self.entries.retain(|(_, expiry)| *expiry >= now);
        self.soonest = self.earliest();
    }

    fn earliest(&self) -> i64 {
        self.entries
            .iter()
            .map(|(_, expiry)| *expiry)
            .min()
            .unwrap_or(i64::MAX)
    }

    /// Number of remembered proofs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The most proofs remembered at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.soonest = i64::MAX;
    }
}

/// SHA-256(jkt || 0x00 || jti): the thumbprint is base64url, so the separator is unambiguous.
fn entry_key(proof: &DpopProof) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(proof.jkt.as_bytes())
        .update(&[0])
        .update(proof.jti.as_bytes());
    h.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use serde_json::Map;

    fn proof(jkt: &str, jti: &str, expires_at: i64) -> DpopProof {
        DpopProof {
            jkt: jkt.into(),
            header: Map::new(),
            claims: Map::new(),
            jti: String::from(jti),
            iat: expires_at - 90,
            expires_at,
        }
    }

    #[test]
    fn replays_within_the_lifetime_only() {
        let mut c = ReplayCache::new(8);
        let p = proof("k1", "j1", 1_000);
        c.check_and_remember(&p, 950).unwrap();
        let e = c.check_and_remember(&p, 990).unwrap_err();
        assert_eq!((e.kind(), e.claim()), (ErrorKind::DpopInvalid, Some("jti")));
        assert!(
            c.check_and_remember(&p, 1_000).is_err(),
            "still alive at expires_at"
        );
        // Another key may use the same jti; the same key another jti.
        c.check_and_remember(&proof("k2", "j1", 1_000), 990)
            .unwrap();
        c.check_and_remember(&proof("k1", "j2", 1_000), 990)
            .unwrap();
        assert_eq!(c.len(), 3);
        // After expiry the entries are gone (the proof itself would fail its iat check).
        c.check_and_remember(&p, 1_001).unwrap();
        assert_eq!(c.len(), 1);
    }

    /// The documented rules, written the plain way: purge what expired before `now`, refuse
    /// a key seen, forget the soonest expiry (ties: the smallest key) when full.
    struct Model {
        capacity: usize,
        entries: alloc::vec::Vec<([u8; 32], i64)>,
    }

    impl Model {
        fn check(&mut self, proof: &DpopProof, now: i64) -> bool {
            self.entries.retain(|(_, e)| *e >= now);
            let key = entry_key(proof);
            if self.entries.iter().any(|(k, _)| *k == key) {
                return false;
            }
            if self.capacity == 0 {
                return true;
            }
            if self.entries.len() >= self.capacity {
                let victim = *self.entries.iter().min_by_key(|(k, e)| (*e, *k)).unwrap();
                self.entries.retain(|x| *x != victim);
            }
            self.entries.push((key, proof.expires_at));
            true
        }
    }

    #[test]
    fn agrees_with_the_plain_rules_over_random_sequences() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for round in 0..200 {
            let capacity = (round % 7) as usize;
            let mut cache = ReplayCache::new(capacity);
            let mut model = Model {
                capacity,
                entries: alloc::vec::Vec::new(),
            };
            let mut now = 1_000;
            for _ in 0..300 {
                now += next(3) as i64;
                let p = proof(
                    &alloc::format!("k{}", next(3)),
                    &alloc::format!("j{}", next(12)),
                    now + next(20) as i64,
                );
                let got = cache.check_and_remember(&p, now).is_ok();
                assert_eq!(got, model.check(&p, now), "round {round}");
                assert_eq!(cache.len(), model.entries.len(), "round {round}");
            }
        }
    }

    #[test]
    fn bounded_forgetting_the_soonest_expiry_first() {
        let mut c = ReplayCache::new(3);
        for (i, exp) in [(0, 500), (1, 300), (2, 400)] {
            c.check_and_remember(&proof("k", &alloc::format!("{i}"), exp), 0)
                .unwrap();
        }
        c.check_and_remember(&proof("k", "3", 600), 0).unwrap();
        assert_eq!(c.len(), 3);
        // "1" (expiring at 300) was forgotten, the others are remembered.
        for i in ["0", "2", "3"] {
            assert!(c.check_and_remember(&proof("k", i, 999), 0).is_err(), "{i}");
        }
        assert!(c.check_and_remember(&proof("k", "1", 300), 0).is_ok());
        c.clear();
        assert!(c.is_empty());
        let mut off = ReplayCache::new(0);
        off.check_and_remember(&proof("k", "x", 9), 0).unwrap();
        off.check_and_remember(&proof("k", "x", 9), 0).unwrap();
        assert_eq!((off.len(), off.capacity()), (0, 0));
        assert_eq!(ReplayCache::default().capacity(), DEFAULT_REPLAY_CAPACITY);
    }
}
