//! Everything the worker asks of the outside world, as one trait: the clock, outbound HTTP,
//! KV, the Cache API, the rate-limit bindings and the fleet-health Durable Object. The glue implements [`Io`] over `worker`;
//! the native tests implement it with one scripted fake (`testing::FakeIo`). Time is always
//! read through [`Io::now_ms`], never from a global clock.

use std::string::String;
use std::vec::Vec;

/// Outbound request method (the worker only ever sends these two itself; the protected route
/// forwards the caller's method in the glue).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET` (key sets).
    Get,
    /// `POST` (token requests).
    Post,
}

/// A request the worker sends: a token request to an upstream or a key set `GET`.
#[derive(Clone, PartialEq, Eq)]
pub struct Outbound {
    /// Method.
    pub method: Method,
    /// Absolute URL, from configuration only.
    pub url: String,
    /// Headers to send.
    pub headers: Vec<(String, String)>,
    /// Body (empty for `GET`).
    pub body: String,
}

impl core::fmt::Debug for Outbound {
    // Headers and body may hold credentials: never print them, even in test failures.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Outbound")
            .field("method", &self.method)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Outbound {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }
}

/// What came back: the status, the two headers the worker reads, and the whole body (read
/// within the time limit and under the size cap).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status (3xx stays 3xx: redirects are never followed).
    pub status: u16,
    /// `Retry-After`, if sent.
    pub retry_after: Option<String>,
    /// `Cache-Control`, if sent.
    pub cache_control: Option<String>,
    /// Body octets.
    pub body: Vec<u8>,
}

/// Why no reply arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// The time limit passed before the headers and the whole body arrived.
    Timeout,
    /// Connection refused, reset, DNS, TLS: anything the fetch reported as an error.
    Network,
    /// The body was larger than the cap (reading stopped there).
    TooLarge,
}

/// A KV operation failed (not "absent": the store did not answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreError;

/// The optional Workers Rate Limiting bindings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Limiter {
    /// `CLIENT_RATE_LIMITER`: token requests per authenticated client.
    Client,
    /// `AUTH_FAILURE_LIMITER`: failed authentications per presented client id.
    AuthFailures,
}

impl Limiter {
    /// The binding name in `wrangler.toml`.
    pub fn binding(self) -> &'static str {
        match self {
            Limiter::Client => "CLIENT_RATE_LIMITER",
            Limiter::AuthFailures => "AUTH_FAILURE_LIMITER",
        }
    }
}

/// I/O for the whole worker. No `Send` bounds: Workers futures are `!Send`.
#[allow(async_fn_in_trait)]
pub trait Io {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;

    /// Seconds since the Unix epoch.
    fn now_s(&self) -> i64 {
        i64::try_from(self.now_ms() / 1000).unwrap_or(i64::MAX)
    }

    /// Waits `ms` milliseconds.
    async fn sleep_ms(&self, ms: u64);

    /// Sends one request; `timeout_ms` covers headers and body, `max_body` caps the body
    /// (enforced while reading). Never retried by the implementation.
    async fn fetch(
        &self,
        request: &Outbound,
        timeout_ms: u64,
        max_body: usize,
    ) -> Result<Reply, Transport>;

    /// A KV value (`Ok(None)`: absent).
    async fn kv_get(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Writes a KV value.
    async fn kv_put(&self, key: &str, value: &str) -> Result<(), StoreError>;

    /// A document kept in the Cache API under `key` (an URL), if any.
    async fn cache_load(&self, key: &str) -> Option<String>;

    /// Keeps `doc` in the Cache API under `key` for `ttl_s` seconds (best effort).
    async fn cache_save(&self, key: &str, doc: &str, ttl_s: u64);

    /// Sends `body` to the fleet-health Durable Object (`POST <path>`) and returns its answer,
    /// or `None` when there is no binding, it failed, or it took longer than `timeout_ms`
    /// (the object is never a hard dependency).
    async fn fleet_call(&self, path: &str, body: &str, timeout_ms: u64) -> Option<String>;

    /// Asks a rate-limit binding whether one more request under `key` is allowed: `None` when
    /// the binding is not configured or did not answer (callers fail open).
    async fn rate_limit(&self, limiter: Limiter, key: &str) -> Option<bool>;
}
