//! The key cache: the core's policy for one remote JWK Set ([`KeyCache`]). The JS side
//! (`pkg/lib/remote.js`) asks it whether to fetch, performs the fetch and reports the outcome.

use oidc_edge::keycache::{CacheDecision, KeyCache, KeyCachePolicy};
use oidc_edge::token::{UntrustedToken, DEFAULT_MAX_TOKEN_SIZE};
use wasm_bindgen::prelude::*;

use crate::failure::WasmFailure;
use crate::keys::WasmKeys;
use crate::unix;

/// The core's key cache for one remote JWK Set; the JS side fetches when told to.
#[wasm_bindgen]
pub struct WasmKeyCache {
    cache: KeyCache,
    generation: u32,
}

#[wasm_bindgen]
impl WasmKeyCache {
    /// A cache with the default policy except these numbers (seconds, milliseconds).
    #[wasm_bindgen(constructor)]
    pub fn new(max_age_s: f64, cooldown_s: f64, timeout_ms: f64) -> WasmKeyCache {
        let secs = |v: f64| {
            if v.is_finite() && v >= 0.0 {
                v as u64
            } else {
                0
            }
        };
        let policy = KeyCachePolicy {
            max_age: secs(max_age_s),
            cooldown: secs(cooldown_s),
            timeout_ms: if timeout_ms.is_finite() && timeout_ms >= 0.0 {
                timeout_ms as u32
            } else {
                0
            },
            ..KeyCachePolicy::default()
        };
        WasmKeyCache {
            cache: KeyCache::new(policy),
            generation: 0,
        }
    }

    /// Whether a fetch is needed before verifying a token with this `kid`.
    pub fn decide(&self, now: f64, kid: Option<String>) -> bool {
        self.cache.decide(unix(now), kid.as_deref()) == CacheDecision::Fetch
    }

    /// Reports a 2xx response; `undefined`, or the failure when the body was refused.
    #[wasm_bindgen(js_name = onFetchOk)]
    pub fn on_fetch_ok(
        &mut self,
        now: f64,
        body: &[u8],
        cache_control: Option<String>,
    ) -> Option<WasmFailure> {
        match self
            .cache
            .on_fetch_ok(unix(now), body, cache_control.as_deref())
        {
            Ok(()) => {
                self.generation = self.generation.wrapping_add(1);
                None
            }
            Err(e) => Some(e.into()),
        }
    }

    /// Reports a failed fetch (timeout, network error, non-2xx).
    #[wasm_bindgen(js_name = onFetchError)]
    pub fn on_fetch_error(&mut self, now: f64, timed_out: bool) {
        self.cache.on_fetch_error(unix(now), timed_out);
    }

    /// Restores a set another isolate or process stored (`body` as fetched at `fetched_at`,
    /// with its response's `Cache-Control`): the core parses it again (a body that is not a
    /// JWK Set or is over the size cap is refused) and gives it the lifetime this cache's
    /// policy grants from `fetched_at` (a fetch time in the future counts as `now`), never one
    /// taken from the storage. `true` when the set was taken (newer than ours, still within
    /// its stale limit).
    pub fn restore(
        &mut self,
        now: f64,
        body: &[u8],
        fetched_at: f64,
        cache_control: Option<String>,
    ) -> bool {
        let now = unix(now);
        let fetched_at = unix(fetched_at).min(now);
        // A scratch cache with our policy judges the body as if it had just been fetched then.
        let mut scratch = KeyCache::new(self.cache.policy().clone());
        if scratch
            .on_fetch_ok(fetched_at, body, cache_control.as_deref())
            .is_err()
        {
            return false;
        }
        let (Ok(set), Some((fetched, expires))) = (scratch.usable(now), scratch.freshness()) else {
            return false; // past its stale limit: of no use
        };
        let before = self.cache.freshness();
        self.cache.restore(set.clone(), fetched, expires);
        let taken = self.cache.freshness() != before;
        if taken {
            self.generation = self.generation.wrapping_add(1);
        }
        taken
    }

    /// Seconds from `now` until the cached set is of no use any more (its lifetime plus the
    /// stale limit): how long a stored copy is worth keeping. 0 without a set.
    #[wasm_bindgen(js_name = keepSeconds)]
    pub fn keep_seconds(&self, now: f64) -> f64 {
        let limit = i64::try_from(self.cache.policy().stale_limit).unwrap_or(i64::MAX);
        self.cache.freshness().map_or(0.0, |(_, expires)| {
            expires
                .saturating_add(limit)
                .saturating_sub(unix(now))
                .max(0) as f64
        })
    }

    /// `undefined` when a set may be used now, else `jwks_timeout` / `jwks_unavailable`.
    pub fn usable(&self, now: f64) -> Option<WasmFailure> {
        self.cache.usable(unix(now)).err().map(WasmFailure::from)
    }

    /// Whether the cached set is within its lifetime.
    #[wasm_bindgen(js_name = isFresh)]
    pub fn is_fresh(&self, now: f64) -> bool {
        self.cache
            .freshness()
            .is_some_and(|(_, expires)| unix(now) < expires)
    }

    /// Bumped by every successful fetch (the JS side re-snapshots the set then).
    #[wasm_bindgen(getter)]
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// A copy of the cached set (with an empty memo), if there is one.
    pub fn snapshot(&self) -> Option<WasmKeys> {
        self.cache.current().cloned().map(WasmKeys::new)
    }

    /// The response size cap (bytes).
    #[wasm_bindgen(getter, js_name = maxResponseBytes)]
    pub fn max_response_bytes(&self) -> u32 {
        u32::try_from(self.cache.policy().max_response_bytes).unwrap_or(u32::MAX)
    }
}

/// The `kid` of a token's (untrusted) header, to ask the key cache about; `undefined` when
/// absent or when the token does not parse (verification reports that).
#[wasm_bindgen(js_name = tokenKeyId)]
pub fn token_key_id(token: &str) -> Option<String> {
    UntrustedToken::parse(token, DEFAULT_MAX_TOKEN_SIZE)
        .ok()
        .and_then(|t| t.kid().map(String::from))
}
