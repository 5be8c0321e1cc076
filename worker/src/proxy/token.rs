//! `POST /oauth2/token`: validation, caller authentication, rate limit, cache, failover.

use core::cell::RefCell;
use std::string::{String, ToString};
use std::vec::Vec;

use super::breaker::Breaker;
use super::cache::{cache_key, TokenCache};
use super::clients::{kv_key, secret_digest, Record};
use super::config::{Config, Secrets};
use super::failover::{self, Decision};
use super::log::LogLine;
use super::request::{self, normalize_scope};
use super::upstream::{Region, Upstream};
use crate::http::{HttpRequest, HttpResponse, Served};
use crate::time::Clock;

/// `WWW-Authenticate` on every 401 (RFC 6749 5.2, RFC 7617).
pub const BASIC_CHALLENGE: &str = "Basic realm=\"oidc-edge\", charset=\"UTF-8\"";

/// Reads client records (the glue: Workers KV).
#[allow(async_fn_in_trait)]
pub trait ClientStore {
    /// The value under `key`; `Err` when the store could not be read.
    async fn get(&self, key: &str) -> Result<Option<String>, ()>;
}

/// Per-client rate limit (the glue: the Workers Rate Limiting binding).
#[allow(async_fn_in_trait)]
pub trait RateLimit {
    /// Whether one more request under `key` is allowed. Implementations fail open.
    async fn allow(&self, key: &str) -> bool;
}

/// A limiter that never limits (no binding configured).
pub struct NoRateLimit;

impl RateLimit for NoRateLimit {
    async fn allow(&self, _key: &str) -> bool {
        true
    }
}

/// State that outlives a request: one per isolate.
pub struct Shared {
    /// Breakers, indexed by [`Region::index`].
    pub breakers: RefCell<[Breaker; 2]>,
    /// The token cache (empty when the cache is off).
    pub cache: RefCell<TokenCache>,
}

impl Shared {
    /// Fresh state for a configuration.
    pub fn new(cfg: &Config) -> Self {
        Shared {
            breakers: RefCell::new([
                Breaker::new(cfg.breaker, cfg.deadline_ms),
                Breaker::new(cfg.breaker, cfg.deadline_ms),
            ]),
            cache: RefCell::new(TokenCache::default()),
        }
    }
}

/// The validated configuration, or why there is none.
pub type Loaded = Result<(Config, Secrets), Vec<String>>;

/// Everything a handler needs besides the request.
pub struct Ctx<'a, S, U, R, C> {
    /// Configuration and secrets.
    pub loaded: &'a Loaded,
    /// Isolate state.
    pub shared: &'a Shared,
    /// Client records.
    pub store: &'a S,
    /// Upstream token endpoints.
    pub upstream: &'a U,
    /// Rate limit.
    pub limiter: &'a R,
    /// Clock.
    pub clock: &'a C,
    /// This request's id.
    pub request_id: &'a str,
}

fn unauthorized(ctx_id: &str, log: &mut LogLine) -> HttpResponse {
    log.outcome = "unauthorized";
    log.error = Some("invalid_client".into());
    HttpResponse::oauth_error(
        401,
        "invalid_client",
        Some("client authentication failed"),
        ctx_id,
        Served::None,
    )
    .with_header("WWW-Authenticate", BASIC_CHALLENGE)
}

/// Handles a token request. Fills `log` as it goes.
pub async fn handle<S: ClientStore, U: Upstream, R: RateLimit, C: Clock>(
    ctx: &Ctx<'_, S, U, R, C>,
    req: &HttpRequest,
    log: &mut LogLine,
) -> HttpResponse {
    let id = ctx.request_id;
    let treq = match request::parse(req) {
        Ok(t) => t,
        Err(r) => {
            log.outcome = if r.status == 413 {
                "too_large"
            } else if r.status == 401 {
                "unauthorized"
            } else {
                "invalid_request"
            };
            log.error = Some(r.error.into());
            let resp =
                HttpResponse::oauth_error(r.status, r.error, Some(r.description), id, Served::None);
            return if r.status == 401 {
                resp.with_header("WWW-Authenticate", BASIC_CHALLENGE)
            } else {
                resp
            };
        }
    };
    log.auth = Some(treq.auth.as_str());
    let (cfg, secrets) = match ctx.loaded {
        Ok((c, s)) => (c, s),
        Err(problems) => {
            log.outcome = "misconfigured";
            log.error = Some("server_error".into());
            log.problems = problems.clone();
            return HttpResponse::oauth_error(
                500,
                "server_error",
                Some("token proxy is not configured"),
                id,
                Served::None,
            );
        }
    };

    // Authenticate the caller against its current record before anything else.
    let digest = secret_digest(&secrets.hash_key, &treq.client_id, &treq.client_secret);
    let stored = match ctx.store.get(&kv_key(&treq.client_id)).await {
        Ok(v) => v,
        Err(()) => {
            log.outcome = "store_error";
            log.error = Some("temporarily_unavailable".into());
            return HttpResponse::oauth_error(
                503,
                "temporarily_unavailable",
                Some("client store unavailable"),
                id,
                Served::None,
            )
            .with_header("Retry-After", "1");
        }
    };
    let Some(stored) = stored else {
        return unauthorized(id, log);
    };
    let record = match Record::parse(&stored) {
        Ok(r) => r,
        Err(e) => {
            log.outcome = "bad_record";
            log.error = Some("server_error".into());
            log.problems = std::vec![e.0.to_string()];
            return HttpResponse::oauth_error(
                500,
                "server_error",
                Some("client record unusable"),
                id,
                Served::None,
            );
        }
    };
    if record.client_id != treq.client_id || !record.secret_matches(&digest) {
        return unauthorized(id, log);
    }
    log.client = Some(record.client_id.clone());
    log.mode = Some(record.mode.as_str());

    if !ctx.limiter.allow(&kv_key(&record.client_id)).await {
        log.outcome = "rate_limited";
        log.error = Some("temporarily_unavailable".into());
        return HttpResponse::oauth_error(
            429,
            "temporarily_unavailable",
            Some("rate limit exceeded"),
            id,
            Served::None,
        )
        .with_header("Retry-After", &cfg.rate_limit_retry_after_s.to_string());
    }

    let cache = match (&cfg.cache, &secrets.cache_key) {
        (Some(cc), Some(k)) => Some((
            cc,
            cache_key(
                k,
                &record.client_id,
                &digest,
                &normalize_scope(treq.scope.as_deref()),
            ),
        )),
        _ => None,
    };
    if let Some((cc, key)) = &cache {
        let hit = ctx
            .shared
            .cache
            .borrow_mut()
            .get(cc, key, ctx.clock.now_ms());
        if let Some(body) = hit {
            log.outcome = "token";
            log.cache = Some("hit");
            return HttpResponse::json(200, body, id, Served::Cache);
        }
        log.cache = Some("miss");
    }

    let enc_key = secrets.enc_key;
    let creds = |region: Region| record.credentials(&enc_key, region);
    let out = failover::run(
        cfg,
        &ctx.shared.breakers,
        ctx.upstream,
        ctx.clock,
        treq.scope.as_deref(),
        &creds,
    )
    .await;
    log.attempts = out.attempts;
    match out.decision {
        Decision::Token {
            region,
            status,
            body,
        } => {
            log.outcome = "token";
            if let Some((cc, key)) = cache {
                if ctx
                    .shared
                    .cache
                    .borrow_mut()
                    .put(cc, key, &body, ctx.clock.now_ms())
                {
                    log.cache = Some("stored");
                }
            }
            HttpResponse::json(status, body, id, served(region))
        }
        Decision::OAuthError {
            region,
            status,
            body,
        } => {
            log.outcome = "oauth_error";
            log.error = body.get("error").and_then(|e| e.as_str()).map(Into::into);
            let body = serde_json::to_vec(&serde_json::Value::Object(body)).unwrap_or_default();
            let resp = HttpResponse::json(status, body, id, served(region));
            if status == 401 {
                resp.with_header("WWW-Authenticate", BASIC_CHALLENGE)
            } else {
                resp
            }
        }
        Decision::Unavailable { retry_after_s } => {
            log.outcome = "unavailable";
            log.error = Some("temporarily_unavailable".into());
            HttpResponse::oauth_error(
                503,
                "temporarily_unavailable",
                Some("the token endpoints are unavailable"),
                id,
                Served::None,
            )
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
