//! The per-process memory of DPoP proof `jti`s (RFC 9449 section 11.1): the second line of
//! replay defence, behind server nonces. Bounded and time-injected: an entry lives until its
//! proof's [`DpopProof::expires_at`], after which the proof's `iat` fails anyway.
//!
//! Entries are keyed by SHA-256 of the proof key's thumbprint and the `jti`, so the memory per
//! entry is fixed whatever the `jti`'s length, and one client cannot block another's `jti`.
//! When the cache is full, the entry closest to its expiry is forgotten first: size it for the
//! proofs one process sees within a proof's lifetime (`max_age` plus the clock tolerance).

use alloc::collections::BinaryHeap;
use alloc::vec;
use alloc::vec::Vec;
use core::cmp::Reverse;

use crate::hash::Sha256;

use super::DpopProof;
use crate::error::{Error, ErrorKind};

/// Default [`ReplayCache`] capacity.
pub const DEFAULT_REPLAY_CAPACITY: usize = 10_000;

/// An entry key: SHA-256 of the proof key's thumbprint and the `jti` (see [`entry_key`]).
type Key = [u8; 32];

/// The empty slot of [`ReplayCache`]'s table: a SHA-256 output of all zeros is taken to never
/// occur (2^-256).
const EMPTY: Key = [0; 32];

/// A bounded set of recently seen proofs (module docs). For one thread: wrap it in a lock to
/// share it.
///
/// A hash table of the entry keys (open addressing; the keys are SHA-256 outputs, so their
/// first octets are already a uniform hash) and a binary heap of expiries: lookups and
/// inserts take constant time, purging and eviction a heap pop each. Not a tree map and set:
/// in the package's wasm the two B-tree instantiations were about 15 KB of code.
#[derive(Clone, Debug)]
pub struct ReplayCache {
    capacity: usize,
    /// Entry keys, linear probing, [`EMPTY`] where free. Its length is zero or a power of two
    /// above 4/3 of the entries, so every probe meets a free slot.
    slots: Vec<Key>,
    /// Entries in `slots`.
    len: usize,
    /// (expiry, entry key) of every entry, soonest on top: what to purge or evict.
    by_expiry: BinaryHeap<Reverse<(i64, Key)>>,
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
            slots: Vec::new(),
            len: 0,
            by_expiry: BinaryHeap::new(),
        }
    }

    /// Refuses a proof whose key already used its `jti` within the proof's lifetime
    /// (`dpop_invalid`, claim `jti`), else remembers it until [`DpopProof::expires_at`].
    pub fn check_and_remember(&mut self, proof: &DpopProof, now: i64) -> Result<(), Error> {
        self.purge(now);
        let key = entry_key(proof);
        if self.find(&key).is_ok() {
            return Err(Error::new(ErrorKind::DpopInvalid)
                .with_claim("jti")
                .with_message("the proof's jti was already used"));
        }
        if self.capacity == 0 {
            return Ok(());
        }
        if self.len >= self.capacity {
            // Forget the entry closest to its expiry.
            if let Some(Reverse((_, soonest))) = self.by_expiry.pop() {
                self.remove(&soonest);
            }
        }
        self.insert(key);
        self.by_expiry.push(Reverse((proof.expires_at, key)));
        Ok(())
    }

    /// Forgets the entries whose proofs expired before `now`.
    pub fn purge(&mut self, now: i64) {
        while let Some(&Reverse((expiry, key))) = self.by_expiry.peek() {
            if expiry >= now {
                break;
            }
            self.by_expiry.pop();
            self.remove(&key);
        }
    }

    /// Number of remembered proofs.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The most proofs remembered at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.slots = Vec::new();
        self.len = 0;
        self.by_expiry.clear();
    }

    /// The slot of `key`'s home: its first eight octets, masked to the table.
    fn home(&self, key: &Key) -> usize {
        let first = key.first_chunk::<8>().copied().unwrap_or_default();
        (u64::from_le_bytes(first) as usize) & (self.slots.len().wrapping_sub(1))
    }

    /// `Ok(slot)` holding `key`, or `Err(free slot)` where it would go (`Err(0)` with no
    /// table yet).
    fn find(&self, key: &Key) -> Result<usize, usize> {
        if self.slots.is_empty() {
            return Err(0);
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            match self.slots.get(i) {
                Some(slot) if slot == key => return Ok(i),
                Some(slot) if *slot != EMPTY => i = (i + 1) & mask,
                _ => return Err(i),
            }
        }
    }

    /// Adds `key` (not present), growing the table first if it would pass 3/4 full.
    fn insert(&mut self, key: Key) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            let size = ((self.len + 1) * 2).next_power_of_two().max(16);
            let old = core::mem::replace(&mut self.slots, vec![EMPTY; size]);
            for k in old.into_iter().filter(|k| *k != EMPTY) {
                self.put(k);
            }
        }
        if self.put(key) {
            self.len += 1;
        }
    }

    /// Writes `key` into its free slot; false if it is there already.
    fn put(&mut self, key: Key) -> bool {
        let Err(i) = self.find(&key) else {
            return false;
        };
        match self.slots.get_mut(i) {
            Some(slot) => {
                *slot = key;
                true
            }
            None => false,
        }
    }

    /// Removes `key` if present, shifting back the entries after it that probed past its slot
    /// (linear probing without tombstones).
    fn remove(&mut self, key: &Key) {
        let Ok(mut hole) = self.find(key) else {
            return;
        };
        let mask = self.slots.len() - 1;
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let k = match self.slots.get(j) {
                Some(k) if *k != EMPTY => *k,
                _ => break,
            };
            // `k` may fill the hole if the hole lies between its home and `j` (cyclically).
            let h = self.home(&k);
            if (j.wrapping_sub(h) & mask) >= (j.wrapping_sub(hole) & mask) {
                if let Some(slot) = self.slots.get_mut(hole) {
                    *slot = k;
                }
                hole = j;
            }
        }
        if let Some(slot) = self.slots.get_mut(hole) {
            *slot = EMPTY;
        }
        self.len -= 1;
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
        for round in 0..240 {
            // Mostly tiny caches (eviction all the time), some larger (the table grows).
            let capacity = if round % 8 == 7 {
                150
            } else {
                (round % 7) as usize
            };
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
                    &alloc::format!("j{}", next(if capacity > 100 { 400 } else { 12 })),
                    now + next(20) as i64,
                );
                let got = cache.check_and_remember(&p, now).is_ok();
                assert_eq!(got, model.check(&p, now), "round {round}");
                assert_eq!(cache.len(), model.entries.len(), "round {round}");
            }
        }
    }

    /// The table alone, with keys made to share home slots (the real keys are SHA-256
    /// outputs): removals in any order keep every other key findable, across the wrap-around.
    #[test]
    fn the_table_keeps_colliding_keys_findable_through_removals() {
        let key = |home: u8, n: u8| {
            let mut k = [0u8; 32];
            k[0] = home;
            k[31] = n + 1;
            k
        };
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..300 {
            let mut c = ReplayCache::new(usize::MAX);
            let mut live: alloc::vec::Vec<Key> = alloc::vec::Vec::new();
            for step in 0..40u8 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // homes 13, 14, 15 in a 16-slot table: runs wrap past the end
                let k = key(13 + (seed % 3) as u8, step);
                if seed % 5 < 2 && !live.is_empty() {
                    let gone = live.remove((seed as usize / 7) % live.len());
                    c.remove(&gone);
                } else {
                    c.insert(k);
                    live.push(k);
                }
                assert_eq!(c.len, live.len(), "round {round}");
                for k in &live {
                    assert!(c.find(k).is_ok(), "round {round} step {step}");
                }
                assert_eq!(c.slots.iter().filter(|s| **s != EMPTY).count(), live.len());
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
