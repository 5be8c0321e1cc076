//! The crate's one set of test doubles: [`FakeIo`] (clock, scripted outbound HTTP, KV, Cache
//! API, rate limiters), a tiny executor and a round-robin `join_all` for concurrency.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::collections::{BTreeMap, VecDeque};
use std::string::{String, ToString};
use std::vec::Vec;

use crate::io::{Io, Limiter, Method, Outbound, Reply, StoreError, Transport};

fn noop_context<R>(f: impl FnOnce(&mut Context<'_>) -> R) -> R {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    let waker = Waker::from(std::sync::Arc::new(Noop));
    f(&mut Context::from_waker(&waker))
}

/// Polls a future to completion. Every fake is ready after a bounded number of polls, so a
/// no-op waker suffices.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut v = join_all(vec![f]);
    v.pop().unwrap_or_else(|| unreachable!())
}

/// Runs futures concurrently (round-robin polling), as one isolate runs concurrent requests.
pub fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    noop_context(|cx| {
        for _ in 0..100_000 {
            let mut pending = false;
            for (f, slot) in futures.iter_mut().zip(out.iter_mut()) {
                if slot.is_none() {
                    match f.as_mut().poll(cx) {
                        Poll::Ready(v) => *slot = Some(v),
                        Poll::Pending => pending = true,
                    }
                }
            }
            if !pending {
                return;
            }
        }
        panic!("futures did not complete: a fake never became ready");
    });
    out.into_iter().map(Option::unwrap).collect()
}

/// A future that is pending `n` times, then ready: a fake's "this takes a while".
struct Yield(u32);

impl Future for Yield {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            Poll::Ready(())
        } else {
            self.0 -= 1;
            Poll::Pending
        }
    }
}

/// One scripted behaviour of a fake URL.
#[derive(Clone, Debug)]
pub struct Behaviour {
    /// How long the answer takes (headers + body); the clock moves by it.
    pub latency_ms: u64,
    /// How many times the fetch is pending first (lets concurrent requests interleave).
    pub yields: u32,
    /// What it is (a `Timeout` here means "never answers": hang).
    pub result: Result<Reply, Transport>,
}

impl Behaviour {
    /// The same, pending `n` times before answering.
    pub fn yielding(mut self, n: u32) -> Self {
        self.yields = n;
        self
    }
}

/// A 2xx-or-other reply.
pub fn reply(latency_ms: u64, status: u16, body: &str) -> Behaviour {
    Behaviour {
        latency_ms,
        yields: 0,
        result: Ok(Reply {
            status,
            body: body.as_bytes().to_vec(),
            ..Reply::default()
        }),
    }
}

/// A reply with `Retry-After`.
pub fn reply_retry_after(latency_ms: u64, status: u16, retry_after: &str) -> Behaviour {
    let mut b = reply(latency_ms, status, "{}");
    if let Ok(r) = &mut b.result {
        r.retry_after = Some(retry_after.into());
    }
    b
}

/// A connection error.
pub fn network(latency_ms: u64) -> Behaviour {
    Behaviour {
        latency_ms,
        yields: 0,
        result: Err(Transport::Network),
    }
}

/// Never answers.
pub fn hang() -> Behaviour {
    Behaviour {
        latency_ms: u64::MAX,
        yields: 0,
        result: Err(Transport::Timeout),
    }
}

/// A token response.
pub fn token(latency_ms: u64, tag: &str) -> Behaviour {
    reply(
        latency_ms,
        200,
        &std::format!(r#"{{"access_token":"tok-{tag}","token_type":"Bearer","expires_in":3600}}"#),
    )
}

/// A recorded outbound request.
#[derive(Clone, Debug)]
pub struct Call {
    /// Method.
    pub method: Method,
    /// URL called.
    pub url: String,
    /// Headers sent.
    pub headers: Vec<(String, String)>,
    /// Body sent.
    pub body: String,
    /// Time limit given.
    pub timeout_ms: u64,
    /// Body cap given.
    pub max_body: usize,
    /// Clock at the call.
    pub at_ms: u64,
}

impl Call {
    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }
}

/// Scripted I/O with a clock that moves only when told, or when a fake "takes time".
#[derive(Default)]
pub struct FakeIo {
    now_ms: Cell<u64>,
    scripts: RefCell<BTreeMap<String, VecDeque<Behaviour>>>,
    /// Outbound requests, in order.
    pub calls: RefCell<Vec<Call>>,
    /// KV contents.
    pub kv: RefCell<BTreeMap<String, String>>,
    /// KV reads, in order.
    pub kv_reads: RefCell<Vec<String>>,
    /// KV writes, in order.
    pub kv_writes: RefCell<Vec<(String, String)>>,
    /// Makes every KV operation fail.
    pub kv_down: Cell<bool>,
    /// Cache API contents.
    pub cache: RefCell<BTreeMap<String, String>>,
    /// Allowances left per rate-limit binding; a binding absent here is not configured.
    pub limits: RefCell<BTreeMap<Limiter, u32>>,
    /// Rate-limit keys asked, in order.
    pub limit_calls: RefCell<Vec<(Limiter, String)>>,
    /// The fleet-health object's answer to every call (`None`: unreachable).
    pub fleet: RefCell<Option<String>>,
    /// Calls to the fleet-health object, `(path, body)`, in order.
    pub fleet_calls: RefCell<Vec<(String, String)>>,
}

impl FakeIo {
    /// A fake at `ms` milliseconds.
    pub fn at_ms(ms: u64) -> FakeIo {
        let io = FakeIo::default();
        io.now_ms.set(ms);
        io
    }
    /// A fake at `s` seconds.
    pub fn at_s(s: i64) -> FakeIo {
        FakeIo::at_ms(u64::try_from(s).unwrap_or(0) * 1000)
    }
    /// Moves the clock forward.
    pub fn advance(&self, ms: u64) {
        self.now_ms.set(self.now_ms.get() + ms);
    }
    /// Sets the clock (milliseconds).
    pub fn set_now_ms(&self, ms: u64) {
        self.now_ms.set(ms);
    }
    /// Sets the clock (seconds).
    pub fn set_now_s(&self, s: i64) {
        self.now_ms.set(u64::try_from(s).unwrap_or(0) * 1000);
    }
    /// `url` behaves like this, front to back; the last behaviour repeats.
    pub fn script(&self, url: &str, behaviours: &[Behaviour]) {
        self.scripts
            .borrow_mut()
            .insert(url.to_string(), behaviours.iter().cloned().collect());
    }
    /// `url` answers `status` with `body` at once.
    pub fn serve(&self, url: &str, status: u16, body: &str) {
        self.script(url, &[reply(0, status, body)]);
    }
    /// The calls to `url`.
    pub fn calls_to(&self, url: &str) -> Vec<Call> {
        self.calls
            .borrow()
            .iter()
            .filter(|c| c.url == url)
            .cloned()
            .collect()
    }
    /// Puts a KV value.
    pub fn kv_put(&self, key: &str, value: &str) {
        self.kv
            .borrow_mut()
            .insert(key.to_string(), value.to_string());
    }
    /// Configures a rate-limit binding with `allowance` requests.
    pub fn limit(&self, limiter: Limiter, allowance: u32) {
        self.limits.borrow_mut().insert(limiter, allowance);
    }
}

impl Io for FakeIo {
    fn now_ms(&self) -> u64 {
        self.now_ms.get()
    }

    async fn sleep_ms(&self, ms: u64) {
        self.advance(ms);
        Yield(1).await;
    }

    async fn fetch(
        &self,
        request: &Outbound,
        timeout_ms: u64,
        max_body: usize,
    ) -> Result<Reply, Transport> {
        self.calls.borrow_mut().push(Call {
            method: request.method,
            url: request.url.clone(),
            headers: request.headers.clone(),
            body: request.body.clone(),
            timeout_ms,
            max_body,
            at_ms: self.now_ms(),
        });
        let b = {
            let mut scripts = self.scripts.borrow_mut();
            match scripts.get_mut(&request.url) {
                Some(q) if q.len() > 1 => q.pop_front(),
                Some(q) => q.front().cloned(),
                None => None,
            }
        }
        .unwrap_or_else(|| network(0));
        Yield(b.yields).await;
        let hang = b.result == Err(Transport::Timeout);
        if hang || b.latency_ms > timeout_ms {
            self.advance(timeout_ms);
            return Err(Transport::Timeout);
        }
        self.advance(b.latency_ms);
        match b.result {
            Ok(r) if r.body.len() > max_body => Err(Transport::TooLarge),
            other => other,
        }
    }

    async fn kv_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.kv_reads.borrow_mut().push(key.to_string());
        if self.kv_down.get() {
            return Err(StoreError);
        }
        Ok(self.kv.borrow().get(key).cloned())
    }

    async fn kv_put(&self, key: &str, value: &str) -> Result<(), StoreError> {
        if self.kv_down.get() {
            return Err(StoreError);
        }
        self.kv_writes
            .borrow_mut()
            .push((key.to_string(), value.to_string()));
        FakeIo::kv_put(self, key, value);
        Ok(())
    }

    async fn cache_load(&self, key: &str) -> Option<String> {
        self.cache.borrow().get(key).cloned()
    }

    async fn cache_save(&self, key: &str, doc: &str, _ttl_s: u64) {
        self.cache
            .borrow_mut()
            .insert(key.to_string(), doc.to_string());
    }

    async fn fleet_call(&self, path: &str, body: &str, timeout_ms: u64) -> Option<String> {
        self.fleet_calls
            .borrow_mut()
            .push((path.to_string(), body.to_string()));
        let answer = self.fleet.borrow().clone();
        if answer.is_none() {
            self.advance(timeout_ms); // an unreachable object costs the whole wait
        }
        answer
    }

    async fn rate_limit(&self, limiter: Limiter, key: &str) -> Option<bool> {
        self.limit_calls
            .borrow_mut()
            .push((limiter, key.to_string()));
        let mut limits = self.limits.borrow_mut();
        let left = limits.get_mut(&limiter)?;
        let allowed = *left > 0;
        *left = left.saturating_sub(1);
        Some(allowed)
    }
}

/// The signed fixtures of `edge/fixtures/tokens.json` (see `edge/fixtures/gen.mjs`): the core
/// is verify-only, so the tests cannot sign.
pub struct Fixtures(pub serde_json::Value);

impl Fixtures {
    /// Loads them.
    pub fn load() -> Fixtures {
        Fixtures(serde_json::from_str(include_str!("edge/fixtures/tokens.json")).unwrap())
    }
    /// A string field.
    pub fn s(&self, name: &str) -> String {
        self.0[name].as_str().unwrap().to_string()
    }
    /// A token.
    pub fn token(&self, name: &str) -> String {
        self.0["tokens"][name]
            .as_str()
            .unwrap_or_else(|| panic!("no fixture {name}"))
            .to_string()
    }
    /// The fixed verification time.
    pub fn now(&self) -> i64 {
        self.0["now"].as_i64().unwrap()
    }
}

/// Token endpoint of the primary region in [`deployment`].
pub const TOKEN_URL_P: &str = "https://primary.example/oauth2/token";
/// Token endpoint of the secondary region in [`deployment`].
pub const TOKEN_URL_S: &str = "https://secondary.example/oauth2/token";
/// JWKS URL of the primary issuer in [`deployment`].
pub const JWKS_URL_P: &str = "https://primary.example.test/pool/jwks";
/// JWKS URL of the secondary issuer in [`deployment`].
pub const JWKS_URL_S: &str = "https://secondary.example.test/pool/jwks";
/// `CLIENT_ENC_KEY` of [`deployment`].
pub const ENC_KEY: [u8; 32] = [0x42; 32];
/// `CLIENT_HASH_KEY` of [`deployment`].
pub const HASH_KEY: &[u8] = b"hash key hash key hash key hash key!";
/// `TOKEN_CACHE_KEY` of [`deployment`].
pub const CACHE_KEY: &[u8] = b"cache key cache key cache key cache key";
/// `ORIGIN_SIGNING_KEY` of [`deployment`].
pub const ORIGIN_KEY: [u8; 32] = [0x0a; 32];
/// `HEALTH_TOKEN` of [`deployment`].
pub const HEALTH_TOKEN: &str = "operator-health-token-0123456789abcdef";

/// A variable lookup over `pairs`, then `extra` (which overrides; an empty value unsets).
pub fn lookup(
    mut pairs: Vec<(String, String)>,
    extra: &[(&str, &str)],
) -> impl Fn(&str) -> Option<String> {
    for (k, v) in extra {
        pairs.retain(|(n, _)| n != k);
        if !v.is_empty() {
            pairs.push((k.to_string(), v.to_string()));
        }
    }
    move |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
}

/// The variables and secrets of a test deployment with both features on (issuers and audience
/// of the signed fixtures, a protected route), plus `extra`.
pub fn deployment(extra: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    use crate::codec::base64url_encode;
    let fx = Fixtures::load();
    let base = [
        ("OAUTH_HOST_PRIMARY", TOKEN_URL_P.to_string()),
        ("OAUTH_HOST_SECONDARY", TOKEN_URL_S.to_string()),
        ("CLIENT_ENC_KEY", base64url_encode(&ENC_KEY)),
        ("CLIENT_HASH_KEY", base64url_encode(HASH_KEY)),
        ("TOKEN_CACHE_KEY", base64url_encode(CACHE_KEY)),
        ("ORIGIN_SIGNING_KEY", base64url_encode(&ORIGIN_KEY)),
        ("HEALTH_TOKEN", HEALTH_TOKEN.to_string()),
        ("REGION_MODE", "separate".to_string()),
        ("ISSUER_PRIMARY", fx.s("issuer_primary")),
        ("ISSUER_SECONDARY", fx.s("issuer_secondary")),
        ("JWKS_URL_PRIMARY", JWKS_URL_P.to_string()),
        ("JWKS_URL_SECONDARY", JWKS_URL_S.to_string()),
        ("VERIFY_PROFILE", "at_jwt".to_string()),
        ("VERIFY_AUDIENCE", fx.s("audience")),
        ("PROTECT_ORIGIN", "http://127.0.0.1:8999".to_string()),
        ("REQUIRED_SCOPES", "api:read".to_string()),
    ];
    lookup(
        base.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        extra,
    )
}
