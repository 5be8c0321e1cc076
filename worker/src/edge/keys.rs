//! Key sets per issuer, driven by the core's [`KeyCache`] policy.
//!
//! One [`KeySlot`] per issuer lives in isolate memory: `separate` mode has two (each fetched
//! from its own region's JWKS URL only), `shared` mode one (fetched from the primary's URL,
//! then the secondary's when the primary does not answer: same issuer, same keys).
//!
//! - The slot asks [`KeyCache::decide`]; on `Fetch` it first tries, once per isolate, the set
//!   another isolate kept in the Cache API (public data), then fetches itself.
//! - A request never awaits another request's fetch: a request that must fetch does its own.
//!   The one exception keeps a refresh from stampeding: while another request's refresh is in
//!   flight (started less than one timeout ago), a request whose `kid` is in the current,
//!   still usable set is served from it instead of fetching too.
//! - Every successful fetch is kept in the Cache API for the set's lifetime plus its stale
//!   limit, with its original times, so a restored set expires when the fetched one would.
//! - The raw document is kept next to the parsed set: the key mirrors serve it as fetched.

use oidc_edge::keycache::{CacheDecision, KeyCache, KeyCachePolicy};
use oidc_edge::{Error, ErrorKind, JwkSet};
use sha2::{Digest, Sha256};

use super::io::{EdgeIo, FetchOutcome};
use crate::codec::hex_encode;

/// One issuer's keys.
#[derive(Debug)]
pub struct KeySlot {
    /// `primary`, `secondary` or `shared`.
    pub name: &'static str,
    /// JWKS URLs to try, in order (one in `separate` mode, two in `shared` mode).
    pub urls: Vec<String>,
    /// Cache API key of this slot (depends on the issuer and the URLs).
    pub store_key: String,
    cache: KeyCache,
    raw: Option<String>,
    restore_tried: bool,
    fetching_since: Option<i64>,
}

/// Where the last fetch of a slot went (for tests and health output).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FetchReport {
    /// URLs asked, in order.
    pub asked: Vec<String>,
    /// Whether a set came from the Cache API.
    pub restored: bool,
}

/// The persisted form: `{"v":1,"fetched_at":..,"expires_at":..,"jwks":"<document>"}`.
pub fn persist_doc(raw: &str, fetched_at: i64, expires_at: i64) -> String {
    serde_json::json!({"v": 1, "fetched_at": fetched_at, "expires_at": expires_at, "jwks": raw})
        .to_string()
}

/// Reads a persisted set back: (set, raw document, fetched_at, expires_at).
pub fn parse_persisted(doc: &str) -> Option<(JwkSet, String, i64, i64)> {
    let v: serde_json::Value = serde_json::from_str(doc).ok()?;
    if v.get("v")?.as_u64()? != 1 {
        return None;
    }
    let fetched_at = v.get("fetched_at")?.as_i64()?;
    let expires_at = v.get("expires_at")?.as_i64()?;
    let raw = v.get("jwks")?.as_str()?.to_string();
    let set = JwkSet::from_json(&raw).ok()?;
    Some((set, raw, fetched_at, expires_at))
}

/// The Cache API key for a slot: a URL under a reserved name, bound to the issuer and the
/// JWKS URLs so a configuration change never restores another issuer's keys.
pub fn store_key(name: &str, issuer: &str, urls: &[String]) -> String {
    let mut h = Sha256::new();
    h.update(issuer.as_bytes());
    for u in urls {
        h.update([0u8]);
        h.update(u.as_bytes());
    }
    let digest = h.finalize();
    format!(
        "https://oidc-edge.invalid/jwks/v1/{name}/{}",
        hex_encode(&digest[..16])
    )
}

fn secs(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl KeySlot {
    /// An empty slot.
    pub fn new(
        name: &'static str,
        issuer: &str,
        urls: Vec<String>,
        policy: KeyCachePolicy,
    ) -> KeySlot {
        KeySlot {
            name,
            store_key: store_key(name, issuer, &urls),
            urls,
            cache: KeyCache::new(policy),
            raw: None,
            restore_tried: false,
            fetching_since: None,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &KeyCachePolicy {
        self.cache.policy()
    }

    /// The set to verify with now, or `jwks_timeout` / `jwks_unavailable`.
    pub fn usable(&self, now: i64) -> Result<&JwkSet, Error> {
        self.cache.usable(now)
    }

    /// The document to mirror and its remaining freshness (seconds), when a set is usable.
    pub fn mirror(&self, now: i64) -> Result<(&str, u64), Error> {
        self.cache.usable(now)?;
        let raw = self
            .raw
            .as_deref()
            .ok_or_else(|| Error::new(ErrorKind::JwksUnavailable))?;
        let left = self
            .cache
            .freshness()
            .map_or(0, |(_, exp)| exp.saturating_sub(now).max(0));
        Ok((raw, u64::try_from(left).unwrap_or(0)))
    }

    /// What to do for a token with this `kid`, with the in-flight exception (module docs).
    pub fn decide(&self, now: i64, kid: Option<&str>) -> CacheDecision {
        let d = self.cache.decide(now, kid);
        if d == CacheDecision::Fetch {
            let window = secs(u64::from(self.policy().timeout_ms).div_ceil(1000));
            let in_flight = self
                .fetching_since
                .is_some_and(|t| now.saturating_sub(t) < window);
            let known = self.cache.usable(now).is_ok_and(|set| match kid {
                Some(k) => set.keys().iter().any(|j| j.key_id() == Some(k)),
                None => true,
            });
            if in_flight && known {
                return CacheDecision::Serve;
            }
        }
        d
    }

    fn restore(&mut self, set: JwkSet, raw: String, fetched_at: i64, expires_at: i64) {
        self.cache.restore(set, fetched_at, expires_at);
        if self.cache.freshness() == Some((fetched_at, expires_at)) {
            self.raw = Some(raw);
        }
    }
}

/// Makes sure the slot is ready for a token with `kid`: restores from the Cache API and/or
/// fetches as the policy says. Afterwards [`KeySlot::usable`] tells what to verify with.
/// Never holds a borrow of the slot across an `await`.
pub async fn ensure<I: EdgeIo>(
    slot: &core::cell::RefCell<KeySlot>,
    io: &I,
    kid: Option<&str>,
) -> FetchReport {
    let mut report = FetchReport::default();
    let now = io.now_s();
    let (decision, try_restore, store_key) = {
        let s = slot.borrow();
        let d = s.decide(now, kid);
        (
            d,
            d == CacheDecision::Fetch && !s.restore_tried,
            s.store_key.clone(),
        )
    };
    if decision == CacheDecision::Serve {
        return report;
    }
    if try_restore {
        slot.borrow_mut().restore_tried = true;
        if let Some(doc) = io.cache_load(&store_key).await {
            if let Some((set, raw, fetched_at, expires_at)) = parse_persisted(&doc) {
                slot.borrow_mut().restore(set, raw, fetched_at, expires_at);
                report.restored = true;
            }
        }
        if slot.borrow().decide(io.now_s(), kid) == CacheDecision::Serve {
            return report;
        }
    }
    let (urls, policy) = {
        let mut s = slot.borrow_mut();
        s.fetching_since = Some(io.now_s());
        (s.urls.clone(), s.policy().clone())
    };
    let mut all_timeouts = true;
    let mut saved = None;
    for url in &urls {
        report.asked.push(url.clone());
        let outcome = io
            .fetch_jwks(url, policy.timeout_ms, policy.max_response_bytes)
            .await;
        let now = io.now_s();
        match outcome {
            FetchOutcome::Reply {
                status: 200..=299,
                body,
                cache_control,
            } => {
                all_timeouts = false;
                let mut s = slot.borrow_mut();
                if s.cache
                    .on_fetch_ok(now, &body, cache_control.as_deref())
                    .is_ok()
                {
                    let raw = String::from_utf8(body).unwrap_or_default();
                    if let Some((fetched_at, expires_at)) = s.cache.freshness() {
                        let ttl = expires_at
                            .saturating_add(secs(policy.stale_limit))
                            .saturating_sub(now);
                        saved = Some((
                            persist_doc(&raw, fetched_at, expires_at),
                            u64::try_from(ttl).unwrap_or(0),
                        ));
                    }
                    s.raw = Some(raw);
                    break;
                }
            }
            FetchOutcome::Reply { .. } | FetchOutcome::Network => all_timeouts = false,
            FetchOutcome::Timeout => {}
        }
    }
    {
        let mut s = slot.borrow_mut();
        s.fetching_since = None;
        if saved.is_none() {
            s.cache.on_fetch_error(io.now_s(), all_timeouts);
        }
    }
    if let Some((doc, ttl)) = saved {
        if ttl > 0 {
            io.cache_save(&store_key, doc, ttl).await;
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::super::testing::{block_on, FakeIo, JWKS_A, JWKS_B};
    use super::*;
    use core::cell::RefCell;

    fn slot(urls: &[&str]) -> RefCell<KeySlot> {
        let policy = KeyCachePolicy {
            cooldown: 30,
            ..KeyCachePolicy::default()
        };
        RefCell::new(KeySlot::new(
            "primary",
            "https://iss",
            urls.iter().map(|s| s.to_string()).collect(),
            policy,
        ))
    }

    #[test]
    fn cold_fetch_then_serve_then_rotation_refetches_once() {
        let io = FakeIo::at(1_000);
        io.jwks("https://p/jwks", 200, JWKS_A);
        let s = slot(&["https://p/jwks"]);
        let r = block_on(ensure(&s, &io, Some("a1")));
        assert_eq!(r.asked, vec!["https://p/jwks"]);
        assert!(s.borrow().usable(1_000).is_ok());
        // Known kid: no fetch.
        assert!(block_on(ensure(&s, &io, Some("a1"))).asked.is_empty());
        // Persisted for other isolates.
        assert_eq!(io.saved.borrow().len(), 1);
        // Rotation: unknown kid after the cooldown -> exactly one fetch, then served.
        io.set_now(1_031);
        io.jwks("https://p/jwks", 200, JWKS_B);
        assert_eq!(block_on(ensure(&s, &io, Some("b1"))).asked.len(), 1);
        assert!(block_on(ensure(&s, &io, Some("b1"))).asked.is_empty());
        assert!(s
            .borrow()
            .usable(1_031)
            .unwrap()
            .keys()
            .iter()
            .any(|k| k.key_id() == Some("b1")));
        // An unknown kid within the cooldown: no fetch (a flood of random kids costs nothing).
        assert!(block_on(ensure(&s, &io, Some("zz"))).asked.is_empty());
        assert_eq!(io.fetches.borrow().len(), 2);
    }

    #[test]
    fn new_isolate_restores_from_the_cache_api() {
        let io = FakeIo::at(1_000);
        io.jwks("https://p/jwks", 200, JWKS_A);
        let first = slot(&["https://p/jwks"]);
        block_on(ensure(&first, &io, Some("a1")));
        let second = slot(&["https://p/jwks"]);
        io.set_now(1_010);
        let r = block_on(ensure(&second, &io, Some("a1")));
        assert!(r.restored);
        assert!(r.asked.is_empty(), "no refetch");
        assert_eq!(io.fetches.borrow().len(), 1);
        // The restored set keeps its times: the mirror's remaining freshness counts from 1000.
        let (raw, left) = second
            .borrow()
            .mirror(1_010)
            .map(|(r, l)| (r.to_string(), l))
            .unwrap();
        assert_eq!(raw, JWKS_A);
        assert_eq!(left, 590);
        // Past its lifetime the restored set is refreshed from the network.
        io.set_now(1_700);
        assert_eq!(block_on(ensure(&second, &io, Some("a1"))).asked.len(), 1);
    }

    #[test]
    fn another_issuers_persisted_set_is_not_restored() {
        let a = KeySlot::new(
            "primary",
            "https://iss-a",
            vec!["https://p/jwks".into()],
            KeyCachePolicy::default(),
        );
        let b = KeySlot::new(
            "primary",
            "https://iss-b",
            vec!["https://p/jwks".into()],
            KeyCachePolicy::default(),
        );
        let c = KeySlot::new(
            "primary",
            "https://iss-a",
            vec!["https://q/jwks".into()],
            KeyCachePolicy::default(),
        );
        assert_ne!(a.store_key, b.store_key);
        assert_ne!(a.store_key, c.store_key);
        assert!(a
            .store_key
            .starts_with("https://oidc-edge.invalid/jwks/v1/primary/"));
    }

    #[test]
    fn shared_mode_fails_over_to_the_second_url() {
        for (first, timeouts) in [
            (FetchOutcome::Network, false),
            (FetchOutcome::Timeout, true),
        ] {
            let io = FakeIo::at(1_000);
            io.outcome("https://p/jwks", first.clone());
            io.jwks("https://s/jwks", 200, JWKS_A);
            let s = slot(&["https://p/jwks", "https://s/jwks"]);
            let r = block_on(ensure(&s, &io, Some("a1")));
            assert_eq!(
                r.asked,
                vec!["https://p/jwks", "https://s/jwks"],
                "timeouts={timeouts}"
            );
            assert!(s.borrow().usable(1_000).is_ok());
        }
        // A 5xx or an invalid document also moves on.
        let io = FakeIo::at(1_000);
        io.jwks("https://p/jwks", 200, "{\"not\":\"a set\"}");
        io.jwks("https://s/jwks", 200, JWKS_A);
        let s = slot(&["https://p/jwks", "https://s/jwks"]);
        block_on(ensure(&s, &io, None));
        assert!(s.borrow().usable(1_000).is_ok());
    }

    #[test]
    fn cold_and_unreachable_is_unavailable_or_timeout() {
        let io = FakeIo::at(1_000);
        io.outcome("https://p/jwks", FetchOutcome::Timeout);
        io.outcome("https://s/jwks", FetchOutcome::Timeout);
        let s = slot(&["https://p/jwks", "https://s/jwks"]);
        block_on(ensure(&s, &io, Some("a1")));
        assert_eq!(
            s.borrow().usable(1_000).unwrap_err().kind(),
            ErrorKind::JwksTimeout
        );
        let io = FakeIo::at(1_000);
        io.outcome("https://p/jwks", FetchOutcome::Timeout);
        io.jwks("https://s/jwks", 503, "{}");
        let s = slot(&["https://p/jwks", "https://s/jwks"]);
        block_on(ensure(&s, &io, Some("a1")));
        assert_eq!(
            s.borrow().usable(1_000).unwrap_err().kind(),
            ErrorKind::JwksUnavailable
        );
        assert!(io.saved.borrow().is_empty(), "nothing persisted");
    }

    #[test]
    fn host_down_keeps_serving_cached_keys_until_the_stale_limit() {
        let io = FakeIo::at(1_000);
        io.jwks("https://p/jwks", 200, JWKS_A);
        let s = slot(&["https://p/jwks"]);
        block_on(ensure(&s, &io, Some("a1")));
        io.outcome("https://p/jwks", FetchOutcome::Network);
        io.set_now(1_000 + 600 + 10);
        assert_eq!(block_on(ensure(&s, &io, Some("a1"))).asked.len(), 1);
        assert!(
            s.borrow().usable(io.now_s()).is_ok(),
            "stale but within the limit"
        );
        io.set_now(1_000 + 600 + 3_600);
        block_on(ensure(&s, &io, Some("a1")));
        assert_eq!(
            s.borrow().usable(io.now_s()).unwrap_err().kind(),
            ErrorKind::JwksUnavailable
        );
    }

    #[test]
    fn in_flight_refresh_is_not_awaited_and_not_duplicated_for_known_kids() {
        let io = FakeIo::at(1_000);
        io.jwks("https://p/jwks", 200, JWKS_A);
        let s = slot(&["https://p/jwks"]);
        block_on(ensure(&s, &io, Some("a1")));
        // Expired set, another request's refresh in flight.
        s.borrow_mut().fetching_since = Some(1_700);
        assert_eq!(s.borrow().decide(1_701, Some("a1")), CacheDecision::Serve);
        // An unknown kid is not in the set: this request fetches itself.
        assert_eq!(s.borrow().decide(1_701, Some("zz")), CacheDecision::Fetch);
        // A refresh that started longer than a timeout ago no longer counts.
        assert_eq!(s.borrow().decide(1_706, Some("a1")), CacheDecision::Fetch);
    }

    #[test]
    fn persisted_documents() {
        let doc = persist_doc(JWKS_A, 10, 20);
        let (set, raw, f, e) = parse_persisted(&doc).unwrap();
        assert_eq!((raw.as_str(), f, e, set.len()), (JWKS_A, 10, 20, 1));
        for bad in [
            "",
            "{}",
            r#"{"v":2,"fetched_at":1,"expires_at":2,"jwks":"{\"keys\":[]}"}"#,
            r#"{"v":1,"fetched_at":1,"expires_at":2,"jwks":"[]"}"#,
        ] {
            assert!(parse_persisted(bad).is_none(), "{bad}");
        }
    }
}
