//! `POST /fleet/revoke`: the operator (`Authorization: Bearer <HEALTH_TOKEN>`) revokes a
//! client fleet-wide, with `{"client_id":"<the id the caller presents>"}`. The revocation goes
//! to the Durable Object, and every isolate refuses the client at its next refresh (see
//! docs/FLEET.md for the window). Deleting the record from KV stays the lasting revocation;
//! this covers the minute KV takes to forget it everywhere.
//!
//! Answers: 200 `{"epoch":n}`; 401 without the operator token; 400 for a body without a
//! client id; 503 when the object did not answer (nothing was revoked: try again).

use serde_json::{json, Value};

use super::verdict::Verdict;
use crate::http::{HttpRequest, HttpResponse};
use crate::io::Io;
use crate::log::LogLine;
use crate::proxy::token::ProxyState;

/// How long the operator's request waits for the object.
pub const REVOKE_TIMEOUT_MS: u64 = 5_000;

/// Handles the route.
pub async fn route<I: Io>(
    state: &ProxyState,
    io: &I,
    operator: bool,
    req: &HttpRequest,
    id: &str,
    log: &mut LogLine,
) -> HttpResponse {
    if !operator {
        log.outcome = "unauthorized";
        return HttpResponse::oauth_error(401, "invalid_token", None, id)
            .with_header("WWW-Authenticate", "Bearer");
    }
    let body = req.body.as_deref().unwrap_or_default();
    let client = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("client_id")?.as_str().map(str::to_string))
        .filter(|c| !c.is_empty());
    let Some(client) = client else {
        log.outcome = "invalid_request";
        return HttpResponse::oauth_error(400, "invalid_request", Some("client_id missing"), id);
    };
    let doc = json!({ "client_id": client }).to_string();
    let answer = io.fleet_call("/revoke", &doc, REVOKE_TIMEOUT_MS).await;
    let Some(verdict) = answer.and_then(|a| Verdict::parse(a.as_bytes())) else {
        log.outcome = "unavailable";
        return HttpResponse::oauth_error(
            503,
            "temporarily_unavailable",
            Some("the fleet-health object did not answer"),
            id,
        )
        .with_header("Retry-After", "1");
    };
    log.outcome = "revoked";
    log.client = Some(client);
    let epoch = verdict.epoch;
    // This isolate knows at once; the others at their next refresh.
    let now = io.now_ms();
    let mut b = state.breakers.borrow_mut();
    state.fleet.borrow_mut().accept(verdict, now, &mut b);
    HttpResponse::json(200, &json!({ "epoch": epoch }), id)
}
