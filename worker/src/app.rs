//! The whole request pipeline, pure: route, handle, log. The glue calls [`handle`] and only
//! converts types and performs I/O.

use std::string::ToString;

use crate::http::{HttpRequest, HttpResponse, Served};
use crate::proxy::health::health;
use crate::proxy::log::LogLine;
use crate::proxy::token::{self, ClientStore, Ctx, RateLimit};
use crate::proxy::upstream::Upstream;
use crate::routes::{route, Route};
use crate::time::Clock;

/// Handles one request; returns the response and its log line.
pub async fn handle<S: ClientStore, U: Upstream, R: RateLimit, C: Clock>(
    ctx: &Ctx<'_, S, U, R, C>,
    req: &HttpRequest,
) -> (HttpResponse, LogLine) {
    let start = ctx.clock.now_ms();
    let mut log = LogLine {
        request_id: ctx.request_id.to_string(),
        ts_ms: start,
        method: req.method.clone(),
        path: req.path.clone(),
        ..LogLine::default()
    };
    let resp = match route(&req.method, &req.path) {
        Route::Token => token::handle(ctx, req, &mut log).await,
        Route::Health => {
            log.outcome = "health";
            health(
                ctx.loaded,
                Some(ctx.shared),
                ctx.clock.now_ms(),
                ctx.request_id,
            )
        }
        Route::MethodNotAllowed(allow) => {
            log.outcome = "method_not_allowed";
            HttpResponse::oauth_error(
                405,
                "invalid_request",
                Some("method not allowed"),
                ctx.request_id,
                Served::None,
            )
            .with_header("Allow", allow)
        }
        Route::NotFound => {
            log.outcome = "not_found";
            HttpResponse::oauth_error(404, "not_found", None, ctx.request_id, Served::None)
        }
    };
    log.status = resp.status;
    log.served = Some(match resp.header("X-Oidc-Edge-Upstream") {
        Some("primary") => Served::Primary,
        Some("secondary") => Served::Secondary,
        Some("cache") => Served::Cache,
        _ => Served::None,
    });
    log.duration_ms = ctx.clock.now_ms().saturating_sub(start);
    (resp, log)
}
