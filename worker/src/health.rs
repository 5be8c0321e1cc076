//! `GET /healthz`. Anyone gets the status alone (`ok`, or `misconfigured` with 503): enough
//! for a load balancer or an uptime check. The upstream hosts, breaker states, configuration
//! problems and key ids go only to an operator who presents `Authorization: Bearer
//! <HEALTH_TOKEN>`; without that secret set, nobody gets them. Never a secret value, never an
//! upstream call.

use oidc_edge::hash::Sha256;
use serde_json::{json, Map, Value};
use subtle::ConstantTimeEq;

use crate::config::vars::endpoint_host;
use crate::config::Config;
use crate::http::{HttpRequest, HttpResponse};
use crate::proxy::breaker::State;
use crate::proxy::token::ProxyState;
use crate::regions::Region;

/// Whether the request carries the operator's token (compared in constant time, as digests so
/// the length is not compared either).
pub fn is_operator(health_token: Option<&str>, req: &HttpRequest) -> bool {
    let Some(token) = health_token else {
        return false;
    };
    let presented = req
        .header("authorization")
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    let Some(presented) = presented else {
        return false;
    };
    let a = Sha256::digest(token.as_bytes());
    let b = Sha256::digest(presented.as_bytes());
    bool::from(a.ct_eq(&b))
}

/// The fleet verdict as this isolate holds it: its age, the upstreams it says to avoid, the
/// revocation epoch (`null` before the first verdict).
fn fleet(proxy: &ProxyState, now_ms: u64) -> Value {
    let f = proxy.fleet.borrow();
    let Some(v) = f.verdict() else {
        return Value::Null;
    };
    let avoid: Vec<&str> = Region::BOTH
        .into_iter()
        .filter(|&r| f.avoid(r, now_ms))
        .map(Region::as_str)
        .collect();
    json!({"age_ms": now_ms.saturating_sub(v.at_ms), "avoid": avoid, "epoch": v.epoch, "revoked": v.revoked.len()})
}

/// Builds the health response.
pub fn health(
    config: &Result<Config, Vec<String>>,
    proxy: &ProxyState,
    operator: bool,
    now_ms: u64,
    request_id: &str,
) -> HttpResponse {
    let cfg = match config {
        Err(problems) => {
            let mut body = json!({"status": "misconfigured"});
            if operator {
                body["config"] = json!({"ok": false, "problems": problems});
            }
            return HttpResponse::json(503, &body, request_id);
        }
        Ok(c) => c,
    };
    if !operator {
        return HttpResponse::json(200, &json!({"status": "ok"}), request_id);
    }
    let mut degraded = false;
    let mut breakers = Map::new();
    let b = proxy.breakers.borrow();
    for region in Region::BOTH {
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
    let p = &cfg.proxy;
    let s = &cfg.secrets;
    let key_ids = |k: &crate::keyring::Keyring| json!({"current": k.current().id, "previous": k.previous().map(|p| p.id.clone())});
    let edge = cfg.edge.as_ref().map(|e| {
        json!({
            "region_mode": e.mode.as_str(),
            "profile": e.profile_name(),
            "jwks": [endpoint_host(&e.jwks_primary), endpoint_host(&e.jwks_secondary)],
            "protected_prefix": e.protect.as_ref().map(|p| p.prefix.clone()),
        })
    });
    let body = json!({
        "status": if degraded { "degraded" } else { "ok" },
        "config": {
            "ok": true,
            "primary": endpoint_host(&p.primary_url),
            "secondary": endpoint_host(&p.secondary_url),
            "upstream_auth": p.upstream_auth_name(),
            "force_upstream": p.force_name(),
            "upstream_timeout_ms": p.try_timeout_ms,
            "total_deadline_ms": p.deadline_ms,
            "breaker": {"failures": p.breaker.failure_threshold, "open_ms": p.breaker.open_ms, "max_open_ms": p.breaker.max_open_ms},
            "token_cache": p.cache.is_some(),
            "edge": edge.unwrap_or(Value::Null),
            "key_ids": {"enc": key_ids(&s.enc), "hash": key_ids(&s.hash)},
        },
        "breakers": Value::Object(breakers),
        "token_cache_entries": proxy.cache.borrow().len(),
        "fleet": fleet(proxy, now_ms),
    });
    HttpResponse::json(200, &body, request_id)
}
