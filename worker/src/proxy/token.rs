//! `POST /oauth2/token`: validation, caller authentication (with failed-attempt lock-outs and
//! rehashing under a rotated hash key), rate limit, cache, failover.

use core::cell::RefCell;
use std::string::ToString;

use super::breaker::Breaker;
use super::cache::{cache_key, TokenCache};
use super::failover::{self, Decision};
use super::lockout::Lockouts;
use super::request::{self, normalize_scope};
use crate::config::{Config, ProxyConfig};
use crate::fleet::slow::{Inflight, Watched};
use crate::fleet::{FleetView, Timing};
use crate::http::{HttpRequest, HttpResponse, Served};
use crate::io::{Io, Limiter};
use crate::log::LogLine;
use crate::records::{record_key, Record};
use crate::regions::Region;

/// `WWW-Authenticate` on every 401 (RFC 6749 5.2, RFC 7617).
pub const BASIC_CHALLENGE: &str = "Basic realm=\"oidc-edge\", charset=\"UTF-8\"";

/// The token proxy's state in isolate memory.
pub struct ProxyState {
    /// Breakers, indexed by [`Region::index`].
    pub breakers: RefCell<[Breaker; 2]>,
    /// The token cache (empty when the cache is off).
    pub cache: RefCell<TokenCache>,
    /// Client ids locked after repeated failed authentications.
    pub lockouts: RefCell<Lockouts>,
    /// The fleet's verdict and this isolate's pending report ([`crate::fleet`]).
    pub fleet: RefCell<FleetView>,
    /// The upstream attempts under way, for the fleet's slow-attempt watchdog.
    pub inflight: RefCell<Inflight>,
}

impl ProxyState {
    /// Fresh state for a configuration.
    pub fn new(cfg: &ProxyConfig) -> Self {
        let breaker = || Breaker::new(cfg.breaker, cfg.deadline_ms);
        ProxyState {
            breakers: RefCell::new([breaker(), breaker()]),
            cache: RefCell::new(TokenCache::default()),
            lockouts: RefCell::new(Lockouts::default()),
            fleet: RefCell::new(FleetView::new(Timing::DEFAULT)),
            inflight: RefCell::new(Inflight::default()),
        }
    }
}

/// An OAuth error answer from the worker itself, and its log fields.
fn refuse(
    log: &mut LogLine,
    outcome: &'static str,
    status: u16,
    error: &str,
    description: &str,
    request_id: &str,
) -> HttpResponse {
    log.outcome = outcome;
    log.error = Some(error.into());
    let resp = HttpResponse::oauth_error(status, error, Some(description), request_id);
    if status == 401 {
        resp.with_header("WWW-Authenticate", BASIC_CHALLENGE)
    } else {
        resp
    }
}

fn unauthorized(request_id: &str, log: &mut LogLine) -> HttpResponse {
    let why = "client authentication failed";
    refuse(log, "unauthorized", 401, "invalid_client", why, request_id)
}

/// 429 with `Retry-After` (rate limit, lock-out).
fn too_many(
    log: &mut LogLine,
    outcome: &'static str,
    description: &str,
    retry_after_s: u64,
    request_id: &str,
) -> HttpResponse {
    refuse(
        log,
        outcome,
        429,
        "temporarily_unavailable",
        description,
        request_id,
    )
    .with_header("Retry-After", &retry_after_s.max(1).to_string())
}

/// A failed authentication: spends one unit of the failure limiter under the presented id,
/// and locks the id when the limiter refuses (see [`super::lockout`]).
async fn failed<I: Io>(
    cfg: &ProxyConfig,
    state: &ProxyState,
    io: &I,
    client_id: &str,
    request_id: &str,
    log: &mut LogLine,
) -> HttpResponse {
    if io.rate_limit(Limiter::AuthFailures, client_id).await == Some(false) {
        let now = io.now_ms();
        let until = now.saturating_add(cfg.auth_lockout_s.saturating_mul(1000));
        state.lockouts.borrow_mut().lock(client_id, now, until);
    }
    unauthorized(request_id, log)
}

/// Handles a token request. Fills `log` as it goes.
pub async fn handle<I: Io>(
    config: &Config,
    state: &ProxyState,
    io: &I,
    req: &HttpRequest,
    request_id: &str,
    log: &mut LogLine,
) -> HttpResponse {
    let id = request_id;
    let cfg = &config.proxy;
    let treq = match request::parse(req) {
        Ok(t) => t,
        Err(r) => {
            let outcome = match r.status {
                413 => "too_large",
                401 => "unauthorized",
                _ => "invalid_request",
            };
            return refuse(log, outcome, r.status, r.error, r.description, id);
        }
    };
    log.auth = Some(treq.auth.as_str());

    // Revoked fleet-wide: refused before KV, whose deletion takes up to a minute to propagate.
    if state.fleet.borrow().is_revoked(&treq.client_id) {
        let why = "client authentication failed";
        return refuse(log, "revoked", 401, "invalid_client", why, id);
    }

    let locked = state.lockouts.borrow().locked(&treq.client_id, io.now_ms());
    if let Some(retry_after_s) = locked {
        let why = "too many failed authentications";
        return too_many(log, "locked_out", why, retry_after_s, id);
    }

    // Authenticate the caller against its current record before anything else.
    let stored = match io.kv_get(&record_key(&treq.client_id)).await {
        Ok(v) => v,
        Err(_) => {
            let why = "client store unavailable";
            return refuse(log, "store_error", 503, "temporarily_unavailable", why, id)
                .with_header("Retry-After", "1");
        }
    };
    let Some(stored) = stored else {
        return failed(cfg, state, io, &treq.client_id, id, log).await;
    };
    let record = match Record::parse(&stored) {
        Ok(r) => r,
        Err(e) => {
            log.problems = std::vec![e.0.to_string()];
            let why = "client record unusable";
            return refuse(log, "bad_record", 500, "server_error", why, id);
        }
    };
    let secrets = &config.secrets;
    let auth = if record.client_id == treq.client_id {
        record.authenticate(&secrets.hash, &treq.client_secret)
    } else {
        None
    };
    let Some(auth) = auth else {
        return failed(cfg, state, io, &treq.client_id, id, log).await;
    };
    log.client = Some(record.client_id.clone());
    log.mode = Some(record.mode.as_str());
    if auth.needs_rehash {
        // Best effort: the next request tries again if this write fails.
        let doc = record.rehashed(&secrets.hash, &auth);
        log.rehashed = io
            .kv_put(&record_key(&record.client_id), &doc)
            .await
            .is_ok();
    }

    if io.rate_limit(Limiter::Client, &record.client_id).await == Some(false) {
        let retry = cfg.rate_limit_retry_after_s;
        return too_many(log, "rate_limited", "rate limit exceeded", retry, id);
    }

    let cache = match (&cfg.cache, &secrets.cache_key) {
        (Some(cc), Some(k)) => Some((
            cc,
            cache_key(
                k,
                &record.client_id,
                &auth.current_digest,
                &normalize_scope(treq.scope.as_deref()),
            ),
        )),
        _ => None,
    };
    if let Some((cc, key)) = &cache {
        let hit = state.cache.borrow_mut().get(cc, key, io.now_ms());
        if let Some(body) = hit {
            log.outcome = "token";
            log.cache = Some("hit");
            return HttpResponse::new(200, id)
                .with_body(body)
                .served(Served::Cache);
        }
        log.cache = Some("miss");
    }

    let creds = |region: Region| record.credentials(&secrets.enc, region);
    let avoid = {
        let (fleet, now) = (state.fleet.borrow(), io.now_ms());
        Region::BOTH.map(|r| fleet.avoid(r, now))
    };
    let scope = treq.scope.as_deref();
    let out = failover::run(
        cfg,
        &state.breakers,
        avoid,
        Watched {
            list: &state.inflight,
            request: id,
        },
        io,
        scope,
        &creds,
    )
    .await;
    {
        let (mut fleet, now) = (state.fleet.borrow_mut(), io.now_ms());
        for a in &out.attempts {
            match a.health {
                // The watchdog already reported this failure as slow.
                Some(false) if a.reported_slow => {}
                Some(ok) => fleet.record(a.region, ok, now),
                None => {}
            }
        }
    }
    log.attempts = out.attempts;
    match out.decision {
        Decision::Token {
            region,
            status,
            body,
        } => {
            log.outcome = "token";
            if let Some((cc, key)) = cache {
                if state.cache.borrow_mut().put(cc, key, &body, io.now_ms()) {
                    log.cache = Some("stored");
                }
            }
            HttpResponse::new(status, id)
                .with_body(body)
                .served(served(region))
        }
        Decision::OAuthError {
            region,
            status,
            body,
        } => {
            log.outcome = "oauth_error";
            log.error = body.get("error").and_then(|e| e.as_str()).map(Into::into);
            let resp = HttpResponse::json(status, &serde_json::Value::Object(body), id)
                .served(served(region));
            if status == 401 {
                resp.with_header("WWW-Authenticate", BASIC_CHALLENGE)
            } else {
                resp
            }
        }
        Decision::Unavailable { retry_after_s } => {
            let why = "the token endpoints are unavailable";
            refuse(log, "unavailable", 503, "temporarily_unavailable", why, id)
                .with_header("Retry-After", &retry_after_s.to_string())
        }
    }
}

fn served(region: Region) -> Served {
    match region {
        Region::Primary => Served::Primary,
        Region::Secondary => Served::Secondary,
    }
}
