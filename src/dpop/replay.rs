//! The per-process memory of DPoP proof `jti`s (RFC 9449 section 11.1): the second line of
//! replay defence, behind server nonces. Bounded and time-injected: an entry lives until its
//! proof's [`DpopProof::expires_at`], after which the proof's `iat` fails anyway.
//!
//! Entries are keyed by SHA-256 of the proof key's thumbprint and the `jti`, so the memory per
//! entry is fixed whatever the `jti`'s length, and one client cannot block another's `jti`.
//! When the cache is full, the entry closest to its expiry is forgotten first: size it for the
//! proofs one process sees within a proof's lifetime (`max_age` plus the clock tolerance).

use alloc::collections::{BTreeMap, BTreeSet};

use crate::hash::Sha256;

use super::DpopProof;
use crate::error::{Error, ErrorKind};

/// Default [`ReplayCache`] capacity.
pub const DEFAULT_REPLAY_CAPACITY: usize = 10_000;

/// A bounded set of recently seen proofs (module docs). For one thread: wrap it in a lock to
/// share it.
#[derive(Clone, Debug)]
pub struct ReplayCache {
    capacity: usize,
    /// Entry key -> its expiry.
    entries: BTreeMap<[u8; 32], i64>,
    /// (expiry, entry key), soonest first: what to purge or evict.
    by_expiry: BTreeSet<(i64, [u8; 32])>,
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
            entries: BTreeMap::new(),
            by_expiry: BTreeSet::new(),
        }
    }

    /// Refuses a proof whose key already used its `jti` within the proof's lifetime
    /// (`dpop_invalid`, claim `jti`), else remembers it until [`DpopProof::expires_at`].
    pub fn check_and_remember(&mut self, proof: &DpopProof, now: i64) -> Result<(), Error> {
        self.purge(now);
        let key = entry_key(proof);
        if self.entries.contains_key(&key) {
            return Err(Error::new(ErrorKind::DpopInvalid)
                .with_claim("jti")
                .with_message("the proof's jti was already used"));
        }
        if self.capacity == 0 {
            return Ok(());
        }
        while self.entries.len() >= self.capacity {
            let Some((_, soonest)) = self.by_expiry.pop_first() else {
                break;
            };
            self.entries.remove(&soonest);
        }
        self.entries.insert(key, proof.expires_at);
        self.by_expiry.insert((proof.expires_at, key));
        Ok(())
    }

    /// Forgets the entries whose proofs expired before `now`.
    pub fn purge(&mut self, now: i64) {
        while let Some(&(expiry, key)) = self.by_expiry.first() {
            if expiry >= now {
                break;
            }
            self.by_expiry.pop_first();
            self.entries.remove(&key);
        }
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
        self.by_expiry.clear();
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
