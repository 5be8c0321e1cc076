//! One structured JSON log line per request, the same format for every route. It carries
//! outcomes, upstream names, statuses, error kinds and timings, and the client id; never a
//! secret, an `Authorization` header, a request or response body, or a token.

use std::string::String;
use std::vec::Vec;

use crate::http::Served;
use crate::proxy::failover::Attempt;

/// The fields of a log line.
#[derive(Clone, Debug, Default)]
pub struct LogLine {
    /// `X-Request-Id`.
    pub request_id: String,
    /// Request start, ms since the epoch.
    pub ts_ms: u64,
    /// Method.
    pub method: String,
    /// Path (never the query).
    pub path: String,
    /// The route taken ([`crate::routes::Route::name`]).
    pub route: &'static str,
    /// Response status.
    pub status: u16,
    /// What happened (`token`, `oauth_error`, `unavailable`, `unauthorized`, `verified`,
    /// `refused`, `forwarded`, `mirror`, `health`, `misconfigured`, ...).
    pub outcome: &'static str,
    /// Who answered.
    pub served: Option<Served>,
    /// The authenticated client (record) id, or a verified token's logical client.
    pub client: Option<String>,
    /// Edge verification: the region whose issuer signed (`primary`, `secondary`, `shared`).
    pub region: Option<&'static str>,
    /// Record mode, once authenticated.
    pub mode: Option<&'static str>,
    /// Caller's authentication method.
    pub auth: Option<&'static str>,
    /// OAuth error code returned, if any.
    pub error: Option<String>,
    /// Edge verification: the error kind of a refused token (`expired`, `jwks_unavailable`, ...).
    pub kind: Option<&'static str>,
    /// Edge verification: what the key cache did (`fetched`, `restored`, `waited`).
    pub keys: Option<&'static str>,
    /// A digest under the previous hash key was rewritten under the current one.
    pub rehashed: bool,
    /// `hit`, `miss`, `stored`, when the cache is on.
    pub cache: Option<&'static str>,
    /// Upstream attempts.
    pub attempts: Vec<Attempt>,
    /// Total handling time.
    pub duration_ms: u64,
    /// Configuration problems (names only), when misconfigured.
    pub problems: Vec<String>,
}

impl LogLine {
    /// Records how the request ended: status, who answered, and the time it took.
    pub fn finish(&mut self, status: u16, served: Served, now_ms: u64) {
        self.status = status;
        self.served = Some(served);
        self.duration_ms = now_ms.saturating_sub(self.ts_ms);
    }

    /// Serialises the line.
    pub fn to_json(&self) -> String {
        use serde_json::{json, Map, Value};
        let mut m = Map::new();
        m.insert("ts".into(), self.ts_ms.into());
        m.insert("request_id".into(), self.request_id.clone().into());
        m.insert("method".into(), self.method.clone().into());
        m.insert("path".into(), self.path.clone().into());
        m.insert("route".into(), self.route.into());
        m.insert("status".into(), self.status.into());
        m.insert("outcome".into(), self.outcome.into());
        let opt = |m: &mut Map<String, Value>, k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        };
        opt(&mut m, "upstream", self.served.map(|s| s.as_str().into()));
        opt(&mut m, "client", self.client.clone().map(Into::into));
        opt(&mut m, "region", self.region.map(Into::into));
        opt(&mut m, "mode", self.mode.map(Into::into));
        opt(&mut m, "auth", self.auth.map(Into::into));
        opt(&mut m, "error", self.error.clone().map(Into::into));
        opt(&mut m, "kind", self.kind.map(Into::into));
        opt(&mut m, "keys", self.keys.map(Into::into));
        opt(&mut m, "cache", self.cache.map(Into::into));
        if self.rehashed {
            m.insert("rehashed".into(), true.into());
        }
        if !self.attempts.is_empty() {
            let a: Vec<Value> = self
                .attempts
                .iter()
                .map(|a| json!({"upstream": a.region.as_str(), "result": a.result, "status": a.status, "ms": a.ms, "probe": a.probe}))
                .collect();
            m.insert("attempts".into(), a.into());
        }
        m.insert("duration_ms".into(), self.duration_ms.into());
        if !self.problems.is_empty() {
            m.insert("config_problems".into(), self.problems.clone().into());
        }
        Value::Object(m).to_string()
    }
}
