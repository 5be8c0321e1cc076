//! The outside world edge verification needs, as one trait: the clock, a JWKS `GET`, the
//! Workers Cache API, and KV reads. The glue implements it over `worker`; tests use fakes.

/// What one JWKS `GET` produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchOutcome {
    /// An HTTP answer (any status). `body` is cut at the caller's limit plus one byte, so an
    /// oversized body is still recognisable as such.
    Reply {
        /// Status code.
        status: u16,
        /// Body octets.
        body: Vec<u8>,
        /// The `Cache-Control` header.
        cache_control: Option<String>,
    },
    /// No complete answer within the time limit.
    Timeout,
    /// Connection refused, reset, DNS, TLS...
    Network,
}

/// A KV read failed (not "absent": the store did not answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreUnavailable;

/// I/O for edge verification. No `Send` bound: Workers futures are not `Send`.
#[allow(async_fn_in_trait)]
pub trait EdgeIo {
    /// Unix time in seconds.
    fn now_s(&self) -> i64;
    /// `GET url` with a time limit covering headers and body; redirects are not followed.
    async fn fetch_jwks(&self, url: &str, timeout_ms: u32, max_bytes: usize) -> FetchOutcome;
    /// A document kept in the Cache API under `key` (an URL), if any.
    async fn cache_load(&self, key: &str) -> Option<String>;
    /// Keeps `doc` in the Cache API under `key` for `ttl_s` seconds (best effort).
    async fn cache_save(&self, key: &str, doc: String, ttl_s: u64);
    /// A KV value.
    async fn kv_get(&self, key: &str) -> Result<Option<String>, StoreUnavailable>;
}
