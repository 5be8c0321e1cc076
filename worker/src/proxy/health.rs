//! `GET /healthz`: configuration sanity and breaker states. No secrets, no upstream calls.

use serde_json::{json, Value};

use super::breaker::State;
use super::config::{endpoint_host, Force, UpstreamAuth};
use super::token::{Loaded, Shared};
use super::upstream::Region;
use crate::http::{HttpResponse, Served};

/// Builds the health response.
pub fn health(
    loaded: &Loaded,
    shared: Option<&Shared>,
    now_ms: u64,
    request_id: &str,
) -> HttpResponse {
    let (status, body) = match loaded {
        Err(problems) => (
            503,
            json!({"status": "misconfigured", "config": {"ok": false, "problems": problems}}),
        ),
        Ok((cfg, secrets)) => {
            let mut degraded = false;
            let mut breakers = serde_json::Map::new();
            if let Some(shared) = shared {
                let b = shared.breakers.borrow();
                for region in [Region::Primary, Region::Secondary] {
                    let br = &b[region.index()];
                    let v = match br.state(now_ms) {
                        State::Closed { failures } => {
                            json!({"state": "closed", "failures": failures, "trips": br.trips()})
                        }
                        State::Open { until_ms } => {
                            degraded = true;
                            json!({"state": "open", "retry_in_ms": until_ms - now_ms, "trips": br.trips()})
                        }
                        State::HalfOpen { probe_since_ms } => {
                            degraded = true;
                            json!({"state": "half_open", "probe_in_flight": probe_since_ms.is_some(), "trips": br.trips()})
                        }
                    };
                    breakers.insert(region.as_str().into(), v);
                }
            }
            let cache_entries = shared.map_or(0, |s| s.cache.borrow().len());
            (
                200,
                json!({
                    "status": if degraded { "degraded" } else { "ok" },
                    "config": {
                        "ok": true,
                        "primary": endpoint_host(&cfg.primary_url),
                        "secondary": endpoint_host(&cfg.secondary_url),
                        "upstream_auth": match cfg.upstream_auth { UpstreamAuth::Basic => "basic", UpstreamAuth::Post => "post" },
                        "force_upstream": match cfg.force { Force::Auto => "auto", Force::Primary => "primary", Force::Secondary => "secondary" },
                        "upstream_timeout_ms": cfg.try_timeout_ms,
                        "total_deadline_ms": cfg.deadline_ms,
                        "breaker": {"failures": cfg.breaker.failure_threshold, "open_ms": cfg.breaker.open_ms, "max_open_ms": cfg.breaker.max_open_ms},
                        "token_cache": cfg.cache.is_some() && secrets.cache_key.is_some(),
                    },
                    "breakers": Value::Object(breakers),
                    "token_cache_entries": cache_entries,
                }),
            )
        }
    };
    HttpResponse::json(
        status,
        body.to_string().into_bytes(),
        request_id,
        Served::None,
    )
}
