//! The `worker` glue of edge verification (wasm32 only): [`EdgeIo`] over `Fetch`, the Cache
//! API and KV, request/response conversion, and forwarding to the origin. No decisions here.
//!
//! Called from the crate's `#[event(fetch)]`:
//! `if let Some(r) = edge::glue::route(&req, &env) { return edge::glue::handle(req, &env, r).await; }`

use core::cell::RefCell;
use core::time::Duration;
use std::rc::Rc;

use futures_util::future::{select, Either};
use wasm_bindgen::JsValue;
use worker::{
    console_log, AbortController, AbortSignal, Cache, Date, Delay, Env, Fetch, Headers, Method,
    Request, RequestInit, RequestRedirect, Response, ResponseBuilder,
};

use super::config::EdgeConfig;
use super::handler::{handle as handle_edge, EdgeRoute, EdgeState, Outcome};
use super::io::{EdgeIo, FetchOutcome, StoreUnavailable};
use crate::codec::hex_encode;
use crate::http::{HttpRequest, HttpResponse};

/// KV namespace with the client records (the token proxy's binding).
const KV_BINDING: &str = "CLIENTS";
/// The Cache API cache holding fetched key sets (public data). The Cache API works on custom
/// domains only (on `*.workers.dev` its operations have no effect: every new isolate refetches).
const CACHE_NAME: &str = "oidc-edge-jwks";
/// Largest `/verify` body read (a 16 KiB token in JSON, with room).
const MAX_VERIFY_BODY: usize = 20 * 1024;

thread_local! {
    static STATE: RefCell<Option<Rc<EdgeState>>> = const { RefCell::new(None) };
}

fn state(env: &Env) -> Rc<EdgeState> {
    if let Some(s) = STATE.with(|s| s.borrow().clone()) {
        return s;
    }
    let get = |name: &str| env.var(name).ok().map(|v| v.to_string());
    let s = Rc::new(EdgeState::new(EdgeConfig::from_env(&get)));
    STATE.with(|cell| *cell.borrow_mut() = Some(s.clone()));
    s
}

/// Whether this request is for an edge route.
pub fn route(req: &Request, env: &Env) -> Option<EdgeRoute> {
    let path = req.path();
    state(env).route(req.method().as_ref(), &path)
}

struct Io<'a> {
    env: &'a Env,
}

async fn get_once(
    url: &str,
    signal: &AbortSignal,
) -> worker::Result<(u16, Vec<u8>, Option<String>)> {
    let headers = Headers::new();
    headers.set("Accept", "application/jwk-set+json, application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    let req = Request::new_with_init(url, &init)?;
    let mut resp = Fetch::Request(req).send_with_signal(signal).await?;
    let status = resp.status_code();
    let cache_control = resp.headers().get("cache-control").ok().flatten();
    let body = resp.bytes().await?;
    Ok((status, body, cache_control))
}

impl EdgeIo for Io<'_> {
    fn now_s(&self) -> i64 {
        i64::try_from(Date::now().as_millis() / 1000).unwrap_or(i64::MAX)
    }

    async fn fetch_jwks(&self, url: &str, timeout_ms: u32, _max_bytes: usize) -> FetchOutcome {
        // The time limit covers headers and body; the size cap is the key cache's.
        let controller = AbortController::default();
        let signal = controller.signal();
        let attempt = core::pin::pin!(get_once(url, &signal));
        let timer = core::pin::pin!(Delay::from(Duration::from_millis(u64::from(timeout_ms))));
        match select(attempt, timer).await {
            Either::Left((Ok((status, body, cache_control)), _)) => FetchOutcome::Reply {
                status,
                body,
                cache_control,
            },
            Either::Left((Err(_), _)) => FetchOutcome::Network,
            Either::Right(((), _)) => {
                controller.abort();
                FetchOutcome::Timeout
            }
        }
    }

    async fn cache_load(&self, key: &str) -> Option<String> {
        let mut resp = Cache::open(CACHE_NAME.into())
            .await
            .get(key, false)
            .await
            .ok()??;
        resp.text().await.ok()
    }

    async fn cache_save(&self, key: &str, doc: String, ttl_s: u64) {
        let headers = Headers::new();
        let _ = headers.set("Content-Type", "application/json");
        let _ = headers.set("Cache-Control", &format!("public, max-age={ttl_s}"));
        let resp = ResponseBuilder::new()
            .with_status(200)
            .with_headers(headers)
            .fixed(doc.into_bytes());
        let _ = Cache::open(CACHE_NAME.into()).await.put(key, resp).await;
    }

    async fn kv_get(&self, key: &str) -> Result<Option<String>, StoreUnavailable> {
        let kv = self.env.kv(KV_BINDING).map_err(|_| StoreUnavailable)?;
        kv.get(key).text().await.map_err(|_| StoreUnavailable)
    }
}

fn request_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        bytes[..8].copy_from_slice(&Date::now().as_millis().to_be_bytes());
    }
    hex_encode(&bytes)
}

fn to_worker(resp: HttpResponse) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &resp.headers {
        headers.append(name, value)?;
    }
    Ok(ResponseBuilder::new()
        .with_status(resp.status)
        .with_headers(headers)
        .fixed(resp.body))
}

/// Handles an edge route (see [`route`]).
pub async fn handle(mut req: Request, env: &Env, route: EdgeRoute) -> worker::Result<Response> {
    let started = Date::now().as_millis();
    let state = state(env);
    let url = req.url()?;
    let method = req.method();
    let headers: Vec<(String, String)> = req
        .headers()
        .entries()
        .map(|(n, v)| (n.to_ascii_lowercase(), v))
        .collect();
    let body = if route == EdgeRoute::Verify {
        let declared = req
            .headers()
            .get("content-length")?
            .and_then(|v| v.trim().parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_VERIFY_BODY) {
            None
        } else {
            let bytes = req.bytes().await.unwrap_or_default();
            (bytes.len() <= MAX_VERIFY_BODY).then_some(bytes)
        }
    } else {
        // The protected route's body is streamed to the origin untouched.
        Some(Vec::new())
    };
    let http = HttpRequest {
        method: method.to_string(),
        path: url.path().to_string(),
        query: url.query().unwrap_or("").to_string(),
        headers,
        body,
    };
    let id = request_id();
    let io = Io { env };
    let outcome = handle_edge(&state, route, &http, &io, &id).await;
    let (resp, status) = match outcome {
        Outcome::Respond(r) => {
            let status = r.status;
            (to_worker(r)?, status)
        }
        Outcome::Forward { url, headers } => {
            let h = Headers::new();
            for (name, value) in &headers {
                h.append(name, value)?;
            }
            let mut init = RequestInit::new();
            init.with_method(method.clone())
                .with_headers(h)
                .with_redirect(RequestRedirect::Manual);
            if method != Method::Get && method != Method::Head {
                init.with_body(req.inner().body().map(JsValue::from));
            }
            let out = Request::new_with_init(&url, &init)?;
            match Fetch::Request(out).send().await {
                Ok(r) => {
                    let status = r.status_code();
                    (r, status)
                }
                Err(_) => {
                    let r = super::respond::json_response(
                        502,
                        &serde_json::json!({"error": "bad_gateway", "error_description": "the origin did not answer"}),
                        &id,
                    );
                    (to_worker(r)?, 502)
                }
            }
        }
    };
    console_log!(
        "{}",
        serde_json::json!({
            "request_id": id, "edge": format!("{route:?}"), "method": method.to_string(),
            "status": status, "duration_ms": Date::now().as_millis().saturating_sub(started),
        })
    );
    Ok(resp)
}
