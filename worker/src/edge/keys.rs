//! Key sets per issuer, driven by the core's [`KeyCache`] policy.
//!
//! One [`KeySlot`] per issuer lives in isolate memory: `separate` mode has two (each fetched
//! from its own region's JWKS URL only), `shared` mode one (fetched from the primary's URL,
//! then the secondary's when the primary does not answer: same issuer, same keys).
//!
//! - The slot asks [`KeyCache::decide`]. On `Fetch` it first tries, once per isolate, the set
//!   another isolate kept in the Cache API, then fetches itself.
//! - One fetch at a time per slot: a request that needs a fetch while another request of the
//!   isolate is fetching the same set waits for that fetch (polling isolate memory, never
//!   awaiting another request's I/O, which Workers forbid) and decides again with its result.
//!   With the cooldown counted from each fetch, a flood of tokens with unknown `kid`s costs at
//!   most one fetch per cooldown per isolate. A request whose `kid` is in the current, still
//!   usable set does not wait for a refresh in flight.
//! - Fetched sets are read under the policy's size cap and kept in their public form
//!   ([`super::public`]): the key mirrors publish it, the Cache API keeps it (for the set's
//!   lifetime plus its stale limit, with its original times).
//! - A set restored from the Cache API is checked like a fetched one (size, public form, a
//!   JWK Set) and its lifetime is capped by the configured maximum age (`JWKS_MAX_AGE_S`):
//!   a stored entry cannot make a set live longer than this configuration would.
//! - After a failed fetch the slot remembers the outage, so a token whose `kid` the slot does
//!   not know is answered "cannot check" (503), not "bad token" (401).

use core::cell::RefCell;

use oidc_edge::hash::Sha256;
use oidc_edge::keycache::{CacheDecision, KeyCache, KeyCachePolicy};
use oidc_edge::{Error, ErrorKind, JwkSet};
use serde_json::Value;

use super::public::public_jwks;
use crate::codec::hex_encode;
use crate::io::{Io, Method, Outbound, Transport};

/// How often a request waiting for another request's fetch looks again.
pub const WAIT_STEP_MS: u64 = 10;
/// Clock skew tolerated between isolates for a restored set's fetch time.
const RESTORE_SKEW_S: i64 = 60;

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
    public: Option<String>,
    restore_tried: bool,
    fetching_since: Option<i64>,
    outage: Option<ErrorKind>,
}

/// What [`ensure`] did, for the log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyEvent {
    /// Nothing: the set in memory serves.
    Served,
    /// Waited for another request's fetch.
    Waited,
    /// Restored the set from the Cache API.
    Restored,
    /// Fetched a new set.
    Fetched,
    /// Fetched, and it failed.
    Failed,
}

impl KeyEvent {
    /// The log value (`None` for [`KeyEvent::Served`]).
    pub fn log_name(self) -> Option<&'static str> {
        match self {
            KeyEvent::Served => None,
            KeyEvent::Waited => Some("waited"),
            KeyEvent::Restored => Some("restored"),
            KeyEvent::Fetched => Some("fetched"),
            KeyEvent::Failed => Some("fetch_failed"),
        }
    }
}

/// A set read back from the Cache API.
#[derive(Debug)]
pub struct Persisted {
    /// The set.
    pub set: JwkSet,
    /// Its public document.
    pub public: String,
    /// When it was fetched.
    pub fetched_at: i64,
    /// When it stops being fresh (capped).
    pub expires_at: i64,
}

/// The persisted form: `{"v":2,"fetched_at":..,"expires_at":..,"jwks":"<public document>"}`.
pub fn persist_doc(public: &str, fetched_at: i64, expires_at: i64) -> String {
    serde_json::json!({"v": 2, "fetched_at": fetched_at, "expires_at": expires_at, "jwks": public})
        .to_string()
}

/// Reads a persisted set back and checks it again (module docs). `None` when unusable.
pub fn parse_persisted(doc: &str, now: i64, policy: &KeyCachePolicy) -> Option<Persisted> {
    let v: Value = serde_json::from_slice(doc.as_bytes()).ok()?;
    if v.get("v")?.as_u64()? != 2 {
        return None;
    }
    let fetched_at = v.get("fetched_at")?.as_i64()?;
    let expires_at = v.get("expires_at")?.as_i64()?;
    let jwks = v.get("jwks")?.as_str()?;
    if jwks.len() > policy.max_response_bytes
        || fetched_at > now.saturating_add(RESTORE_SKEW_S)
        || expires_at <= fetched_at
    {
        return None;
    }
    let (public, _) = public_jwks(jwks.as_bytes())?;
    let set = JwkSet::from_json(&public).ok()?;
    let cap = fetched_at.saturating_add(secs(policy.max_age));
    Some(Persisted {
        set,
        public,
        fetched_at,
        expires_at: expires_at.min(cap),
    })
}

/// The Cache API key for a slot: a URL under a reserved name, bound to the issuer and the
/// JWKS URLs so a configuration change never restores another issuer's keys.
pub fn store_key(name: &str, issuer: &str, urls: &[String]) -> String {
    let mut h = Sha256::new();
    h.update(issuer.as_bytes());
    for u in urls {
        h.update(&[0u8]);
        h.update(u.as_bytes());
    }
    let digest = h.finalize();
    format!(
        "https://oidc-edge.invalid/jwks/v2/{name}/{}",
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
            public: None,
            restore_tried: false,
            fetching_since: None,
            outage: None,
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

    /// The cached set, fresh or stale.
    pub fn current(&self) -> Option<&JwkSet> {
        self.cache.current()
    }

    /// The kind of the last fetch's failure, until a fetch succeeds.
    pub fn outage(&self) -> Option<ErrorKind> {
        self.outage
    }

    /// The public document to mirror and its remaining freshness (seconds), when a set is
    /// usable.
    pub fn mirror(&self, now: i64) -> Result<(&str, u64), Error> {
        self.cache.usable(now)?;
        let doc = self
            .public
            .as_deref()
            .ok_or_else(|| Error::new(ErrorKind::JwksUnavailable))?;
        let left = self
            .cache
            .freshness()
            .map_or(0, |(_, exp)| exp.saturating_sub(now).max(0));
        Ok((doc, u64::try_from(left).unwrap_or(0)))
    }

    /// Whether another request's fetch of this set is in flight (started less than one fetch
    /// timeout ago).
    pub fn in_flight(&self, now: i64) -> bool {
        let window = secs(u64::from(self.policy().timeout_ms).div_ceil(1000)).saturating_add(1);
        self.fetching_since
            .is_some_and(|t| now.saturating_sub(t) < window)
    }

    /// What to do for a token with this `kid`; a `kid` in the current, usable set is served
    /// while a refresh is in flight (module docs).
    pub fn decide(&self, now: i64, kid: Option<&str>) -> CacheDecision {
        let d = self.cache.decide(now, kid);
        if d == CacheDecision::Fetch && self.in_flight(now) {
            let known = self.cache.usable(now).is_ok_and(|set| match kid {
                Some(k) => set.keys().iter().any(|j| j.key_id() == Some(k)),
                None => true,
            });
            if known {
                return CacheDecision::Serve;
            }
        }
        d
    }

    fn restore(&mut self, p: Persisted) {
        self.cache.restore(p.set, p.fetched_at, p.expires_at);
        if self.cache.freshness() == Some((p.fetched_at, p.expires_at)) {
            self.public = Some(p.public);
        }
    }

    /// Takes a fetched 2xx body; `Some((persisted doc, ttl))` when it became the set.
    fn on_fetched(
        &mut self,
        now: i64,
        body: &[u8],
        cache_control: Option<&str>,
    ) -> Option<(String, u64)> {
        let public = public_jwks(body);
        let doc = public.as_ref().map_or(body, |(p, _)| p.as_bytes());
        self.cache.on_fetch_ok(now, doc, cache_control).ok()?;
        let (fetched_at, expires_at) = self.cache.freshness()?;
        let public = public.map(|(p, _)| p).unwrap_or_default();
        let ttl = expires_at
            .saturating_add(secs(self.policy().stale_limit))
            .saturating_sub(now);
        let saved = persist_doc(&public, fetched_at, expires_at);
        self.public = Some(public);
        self.outage = None;
        Some((saved, u64::try_from(ttl).unwrap_or(0)))
    }
}

/// A key set `GET`.
fn jwks_request(url: &str) -> Outbound {
    Outbound {
        method: Method::Get,
        url: url.into(),
        headers: vec![(
            "Accept".into(),
            "application/jwk-set+json, application/json".into(),
        )],
        body: String::new(),
    }
}

/// Makes sure the slot is ready for a token with `kid`: waits for a fetch in flight, restores
/// from the Cache API and/or fetches, as the policy says. Afterwards [`KeySlot::usable`] and
/// [`KeySlot::current`] tell what to verify with. Never holds a borrow across an `await`.
pub async fn ensure<I: Io>(slot: &RefCell<KeySlot>, io: &I, kid: Option<&str>) -> KeyEvent {
    let mut waited = false;
    loop {
        let now = io.now_s();
        let (decision, in_flight) = {
            let s = slot.borrow();
            (s.decide(now, kid), s.in_flight(now))
        };
        if decision == CacheDecision::Serve {
            return if waited {
                KeyEvent::Waited
            } else {
                KeyEvent::Served
            };
        }
        if !in_flight {
            break;
        }
        io.sleep_ms(WAIT_STEP_MS).await;
        waited = true;
    }
    let (try_restore, store_key, urls, policy) = {
        let mut s = slot.borrow_mut();
        // Claimed before the first await: concurrent requests now wait for this fetch.
        s.fetching_since = Some(io.now_s());
        let try_restore = !s.restore_tried;
        s.restore_tried = true;
        (
            try_restore,
            s.store_key.clone(),
            s.urls.clone(),
            s.policy().clone(),
        )
    };
    if try_restore {
        let doc = io.cache_load(&store_key).await;
        let now = io.now_s();
        if let Some(p) = doc.and_then(|d| parse_persisted(&d, now, &policy)) {
            let mut s = slot.borrow_mut();
            s.restore(p);
            if s.decide(now, kid) == CacheDecision::Serve {
                s.fetching_since = None;
                return KeyEvent::Restored;
            }
        }
    }
    let mut all_timeouts = true;
    let mut saved = None;
    for url in &urls {
        let outcome = io
            .fetch(
                &jwks_request(url),
                u64::from(policy.timeout_ms),
                policy.max_response_bytes,
            )
            .await;
        let now = io.now_s();
        match outcome {
            Ok(reply) if (200..300).contains(&reply.status) => {
                all_timeouts = false;
                saved =
                    slot.borrow_mut()
                        .on_fetched(now, &reply.body, reply.cache_control.as_deref());
                if saved.is_some() {
                    break;
                }
            }
            Ok(_) | Err(Transport::Network | Transport::TooLarge) => all_timeouts = false,
            Err(Transport::Timeout) => {}
        }
    }
    let event = {
        let mut s = slot.borrow_mut();
        s.fetching_since = None;
        if saved.is_some() {
            KeyEvent::Fetched
        } else {
            s.cache.on_fetch_error(io.now_s(), all_timeouts);
            s.outage = Some(if all_timeouts {
                ErrorKind::JwksTimeout
            } else {
                ErrorKind::JwksUnavailable
            });
            KeyEvent::Failed
        }
    };
    if let Some((doc, ttl)) = saved {
        if ttl > 0 {
            io.cache_save(&store_key, &doc, ttl).await;
        }
    }
    event
}

#[cfg(test)]
mod tests;
