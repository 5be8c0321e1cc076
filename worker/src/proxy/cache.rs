//! Optional token cache in isolate memory (never KV, never the Cache API).
//!
//! Key = HMAC-SHA-256(`TOKEN_CACHE_KEY`, client id, the presented secret's digest, normalised
//! scope), so a rotated secret or another scope never shares an entry, and the key reveals
//! nothing. The handler looks entries up only after the caller authenticated against the current
//! record (a revoked client gets nothing). Only successful responses with a positive numeric
//! `expires_in` are stored; an entry is served while at least `min_remaining_s` of its lifetime
//! is left, with `expires_in` reduced to what remains.

use std::collections::BTreeMap;
use std::vec::Vec;

use crate::config::proxy::CacheConfig;
use crate::records::hmac_sha256;

/// A cache key.
pub type CacheKey = [u8; 32];

/// Computes the cache key.
pub fn cache_key(
    key: &[u8],
    client_id: &str,
    secret_digest: &[u8; 32],
    normalized_scope: &str,
) -> CacheKey {
    let mut msg = Vec::with_capacity(64 + client_id.len() + normalized_scope.len());
    msg.extend_from_slice(b"oidc-edge/token-cache/v1\0");
    msg.extend_from_slice(&(client_id.len() as u32).to_be_bytes());
    msg.extend_from_slice(client_id.as_bytes());
    msg.extend_from_slice(secret_digest);
    msg.extend_from_slice(normalized_scope.as_bytes());
    hmac_sha256(key, &msg)
}

struct Entry {
    body: serde_json::Map<std::string::String, serde_json::Value>,
    expires_at_ms: u64,
}

/// The cache.
#[derive(Default)]
pub struct TokenCache {
    entries: BTreeMap<CacheKey, Entry>,
}

impl TokenCache {
    /// Number of entries (for tests and health).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// A cached response body with `expires_in` set to the remaining whole seconds, if enough
    /// lifetime is left. Expired entries are dropped on the way.
    pub fn get(&mut self, cfg: &CacheConfig, key: &CacheKey, now_ms: u64) -> Option<Vec<u8>> {
        let entry = self.entries.get(key)?;
        let remaining_s = entry.expires_at_ms.saturating_sub(now_ms) / 1000;
        if remaining_s == 0 || remaining_s < cfg.min_remaining_s {
            self.entries.remove(key);
            return None;
        }
        let mut body = entry.body.clone();
        body.insert("expires_in".into(), remaining_s.into());
        serde_json::to_vec(&body).ok()
    }

    /// Stores a successful token response if it has a positive `expires_in`. Returns whether
    /// it was stored.
    pub fn put(&mut self, cfg: &CacheConfig, key: CacheKey, body: &[u8], now_ms: u64) -> bool {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
        else {
            return false;
        };
        let Some(expires_in) = map
            .get("expires_in")
            .and_then(|v| v.as_u64().or_else(|| v.as_f64().map(|f| f as u64)))
        else {
            return false;
        };
        if expires_in == 0 || expires_in <= cfg.min_remaining_s {
            return false;
        }
        if self.entries.len() >= cfg.max_entries && !self.entries.contains_key(&key) {
            self.entries.retain(|_, e| e.expires_at_ms > now_ms);
            if self.entries.len() >= cfg.max_entries {
                // Drop the entry closest to expiry.
                if let Some(k) = self
                    .entries
                    .iter()
                    .min_by_key(|(_, e)| e.expires_at_ms)
                    .map(|(k, _)| *k)
                {
                    self.entries.remove(&k);
                }
            }
        }
        let expires_at_ms = now_ms.saturating_add(expires_in.saturating_mul(1000));
        self.entries.insert(
            key,
            Entry {
                body: map,
                expires_at_ms,
            },
        );
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: CacheConfig = CacheConfig {
        min_remaining_s: 60,
        max_entries: 3,
    };
    const K: &[u8] = b"cache key ..... at least 32 bytes";

    fn body(expires_in: &str) -> Vec<u8> {
        std::format!(r#"{{"access_token":"t","token_type":"Bearer","expires_in":{expires_in}}}"#)
            .into_bytes()
    }

    #[test]
    fn keys_separate_clients_secrets_and_scopes() {
        let d1 = [1u8; 32];
        let d2 = [2u8; 32];
        let base = cache_key(K, "app", &d1, "a b");
        assert_eq!(base, cache_key(K, "app", &d1, "a b"));
        assert_ne!(base, cache_key(K, "app2", &d1, "a b"));
        assert_ne!(base, cache_key(K, "app", &d2, "a b"));
        assert_ne!(base, cache_key(K, "app", &d1, "a"));
        assert_ne!(
            base,
            cache_key(b"another cache key, 32 bytes long!", "app", &d1, "a b")
        );
    }

    #[test]
    fn lifetime_rules() {
        let mut c = TokenCache::default();
        let k = [7u8; 32];
        let t0 = 1_000_000;
        assert!(c.put(&CFG, k, &body("3600"), t0));
        let v: serde_json::Value = serde_json::from_slice(&c.get(&CFG, &k, t0).unwrap()).unwrap();
        assert_eq!(v["expires_in"], 3600);
        assert_eq!(v["access_token"], "t");
        // Served with the remaining lifetime (whole seconds, rounded down).
        let v: serde_json::Value =
            serde_json::from_slice(&c.get(&CFG, &k, t0 + 1_500).unwrap()).unwrap();
        assert_eq!(v["expires_in"], 3598);
        // Still served with exactly min_remaining left, not with less.
        assert!(c.get(&CFG, &k, t0 + (3600 - 60) * 1000).is_some());
        assert!(c.get(&CFG, &k, t0 + (3600 - 60) * 1000 + 1).is_none());
        assert!(c.is_empty(), "dropped once too old");
    }

    #[test]
    fn only_responses_with_a_useful_expires_in() {
        let mut c = TokenCache::default();
        let k = [1u8; 32];
        assert!(!c.put(&CFG, k, br#"{"access_token":"t"}"#, 0));
        assert!(!c.put(&CFG, k, &body("0"), 0));
        assert!(
            !c.put(&CFG, k, &body("60"), 0),
            "never servable with min_remaining 60"
        );
        assert!(!c.put(&CFG, k, &body("\"3600\""), 0));
        assert!(!c.put(&CFG, k, b"not json", 0));
        assert!(c.put(&CFG, k, &body("61"), 0));
        assert!(c.put(&CFG, k, &body("3600.5"), 0));
    }

    #[test]
    fn bounded() {
        let mut c = TokenCache::default();
        for (i, ttl) in [(1u8, "500"), (2, "100"), (3, "900")] {
            assert!(c.put(&CFG, [i; 32], &body(ttl), 0));
        }
        assert!(c.put(&CFG, [4; 32], &body("700"), 0));
        assert_eq!(c.len(), 3);
        assert!(
            c.get(&CFG, &[2; 32], 0).is_none(),
            "the entry closest to expiry went"
        );
        // Expired entries are dropped first.
        let mut c = TokenCache::default();
        for (i, ttl) in [(1u8, "500"), (2, "100"), (3, "900")] {
            c.put(&CFG, [i; 32], &body(ttl), 0);
        }
        assert!(c.put(&CFG, [4; 32], &body("700"), 100_000));
        assert_eq!(c.len(), 3);
        assert!(c.get(&CFG, &[1; 32], 100_000).is_some());
    }
}
