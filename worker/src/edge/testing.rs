//! Test doubles for edge verification: a tiny executor, a fake [`EdgeIo`], fixtures.

use core::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use super::io::{EdgeIo, FetchOutcome, StoreUnavailable};

/// The crate's one test executor (every fake is ready at once).
pub use crate::testutil::block_on;

/// A JWK Set with one (policy-breaking, hence unusable, but listed) key `a1`.
pub const JWKS_A: &str = r#"{"keys":[{"kty":"RSA","kid":"a1","n":"AQAB","e":"AQAB"}]}"#;
/// The same after a rotation: `b1` added.
pub const JWKS_B: &str = r#"{"keys":[{"kty":"RSA","kid":"a1","n":"AQAB","e":"AQAB"},{"kty":"RSA","kid":"b1","n":"AQAB","e":"AQAB"}]}"#;

/// Scripted I/O with a settable clock.
#[derive(Default)]
pub struct FakeIo {
    now: Cell<i64>,
    replies: RefCell<BTreeMap<String, FetchOutcome>>,
    /// URLs fetched, in order.
    pub fetches: RefCell<Vec<String>>,
    /// Cache API contents.
    pub saved: RefCell<BTreeMap<String, String>>,
    /// KV contents.
    pub kv: RefCell<BTreeMap<String, String>>,
    /// KV reads, in order.
    pub kv_reads: RefCell<Vec<String>>,
    /// Makes KV reads fail.
    pub kv_down: Cell<bool>,
}

impl FakeIo {
    /// A fake at `now`.
    pub fn at(now: i64) -> FakeIo {
        let io = FakeIo::default();
        io.now.set(now);
        io
    }
    /// Moves the clock.
    pub fn set_now(&self, now: i64) {
        self.now.set(now);
    }
    /// `url` answers `status` with `body`.
    pub fn jwks(&self, url: &str, status: u16, body: &str) {
        self.outcome(
            url,
            FetchOutcome::Reply {
                status,
                body: body.as_bytes().to_vec(),
                cache_control: None,
            },
        );
    }
    /// `url` produces `o`.
    pub fn outcome(&self, url: &str, o: FetchOutcome) {
        self.replies.borrow_mut().insert(url.to_string(), o);
    }
    /// Puts a KV value.
    pub fn kv_put(&self, key: &str, value: &str) {
        self.kv
            .borrow_mut()
            .insert(key.to_string(), value.to_string());
    }
}

impl EdgeIo for FakeIo {
    fn now_s(&self) -> i64 {
        self.now.get()
    }
    async fn fetch_jwks(&self, url: &str, _timeout_ms: u32, _max: usize) -> FetchOutcome {
        self.fetches.borrow_mut().push(url.to_string());
        self.replies
            .borrow()
            .get(url)
            .cloned()
            .unwrap_or(FetchOutcome::Network)
    }
    async fn cache_load(&self, key: &str) -> Option<String> {
        self.saved.borrow().get(key).cloned()
    }
    async fn cache_save(&self, key: &str, doc: String, _ttl_s: u64) {
        self.saved.borrow_mut().insert(key.to_string(), doc);
    }
    async fn kv_get(&self, key: &str) -> Result<Option<String>, StoreUnavailable> {
        self.kv_reads.borrow_mut().push(key.to_string());
        if self.kv_down.get() {
            return Err(StoreUnavailable);
        }
        Ok(self.kv.borrow().get(key).cloned())
    }
}

/// The signed fixtures of `fixtures/tokens.json` (see `fixtures/gen.mjs`).
pub struct Fixtures(pub serde_json::Value);

impl Fixtures {
    /// Loads them.
    pub fn load() -> Fixtures {
        Fixtures(serde_json::from_str(include_str!("fixtures/tokens.json")).unwrap())
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
