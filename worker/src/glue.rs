//! The `worker` glue (wasm32 only): type conversion and I/O, no decisions.

use core::cell::RefCell;
use core::time::Duration;
use std::rc::Rc;
use std::string::{String, ToString};
use std::vec::Vec;

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use worker::{
    console_log, event, AbortController, Context, Date, Delay, Env, Fetch, Headers, Method,
    Request, RequestInit, RequestRedirect, Response, ResponseBuilder,
};

use crate::app;
use crate::codec::hex_encode;
use crate::http::{HttpRequest, HttpResponse};
use crate::proxy::config::{Config, Secrets};
use crate::proxy::request::MAX_BODY_BYTES;
use crate::proxy::token::{ClientStore, Ctx, Loaded, RateLimit, Shared};
use crate::proxy::upstream::{Transport, Upstream, UpstreamReply, UpstreamRequest};
use crate::time::Clock;

/// KV namespace binding with the client records.
const KV_BINDING: &str = "CLIENTS";
/// Optional Workers Rate Limiting binding.
const RATE_LIMIT_BINDING: &str = "CLIENT_RATE_LIMITER";

struct Isolate {
    loaded: Loaded,
    shared: Shared,
}

thread_local! {
    static ISOLATE: RefCell<Option<Rc<Isolate>>> = const { RefCell::new(None) };
}

fn env_string(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string())
}

fn load(env: &Env) -> Rc<Isolate> {
    if let Some(i) = ISOLATE.with(|s| s.borrow().clone()) {
        return i;
    }
    let get = |name: &str| env_string(env, name);
    let config = Config::from_env(&get);
    let cache_on = config.as_ref().is_ok_and(|c| c.cache.is_some());
    let secrets = Secrets::from_env(&get, cache_on);
    let mut problems = Vec::new();
    if env.kv(KV_BINDING).is_err() {
        problems.push(std::format!("KV binding {KV_BINDING} is missing"));
    }
    let loaded = match (config, secrets) {
        (Ok(c), Ok(s)) if problems.is_empty() => Ok((c, s)),
        (c, s) => {
            problems.extend(c.err().unwrap_or_default());
            problems.extend(s.err().unwrap_or_default());
            Err(problems)
        }
    };
    let shared = match &loaded {
        Ok((c, _)) => Shared::new(c),
        Err(_) => Shared::new(&fallback_config()),
    };
    let isolate = Rc::new(Isolate { loaded, shared });
    ISOLATE.with(|s| *s.borrow_mut() = Some(isolate.clone()));
    isolate
}

fn fallback_config() -> Config {
    let get = |name: &str| match name {
        "OAUTH_HOST_PRIMARY" | "OAUTH_HOST_SECONDARY" => {
            Some("https://invalid.example/".to_string())
        }
        _ => None,
    };
    Config::from_env(&get).unwrap_or_else(|_| unreachable!())
}

struct DateClock;

impl Clock for DateClock {
    fn now_ms(&self) -> u64 {
        Date::now().as_millis()
    }
}

struct Kv<'a>(&'a Env);

impl ClientStore for Kv<'_> {
    async fn get(&self, key: &str) -> Result<Option<String>, ()> {
        let kv = self.0.kv(KV_BINDING).map_err(|_| ())?;
        kv.get(key).text().await.map_err(|_| ())
    }
}

struct Limiter<'a>(&'a Env);

impl RateLimit for Limiter<'_> {
    async fn allow(&self, key: &str) -> bool {
        match self.0.rate_limiter(RATE_LIMIT_BINDING) {
            // Fail open: a rate-limit outage must not become a token outage.
            Ok(limiter) => limiter
                .limit(key.to_string())
                .await
                .map_or(true, |o| o.success),
            Err(_) => true,
        }
    }
}

struct FetchUpstream;

async fn fetch_once(
    request: &UpstreamRequest,
    signal: &worker::AbortSignal,
) -> worker::Result<UpstreamReply> {
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.set(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual)
        .with_body(Some(request.body.as_str().into()));
    let req = Request::new_with_init(&request.url, &init)?;
    let mut resp = Fetch::Request(req).send_with_signal(signal).await?;
    let status = resp.status_code();
    let retry_after = resp.headers().get("retry-after").ok().flatten();
    let body = resp.bytes().await?;
    Ok(UpstreamReply {
        status,
        retry_after,
        body,
    })
}

impl Upstream for FetchUpstream {
    async fn send(
        &self,
        request: &UpstreamRequest,
        timeout_ms: u64,
    ) -> Result<UpstreamReply, Transport> {
        let controller = AbortController::default();
        let signal = controller.signal();
        let attempt = core::pin::pin!(fetch_once(request, &signal));
        let timer = core::pin::pin!(Delay::from(Duration::from_millis(timeout_ms)));
        match select(attempt, timer).await {
            Either::Left((Ok(reply), _)) => Ok(reply),
            Either::Left((Err(_), _)) => Err(Transport::Network),
            Either::Right(((), _)) => {
                controller.abort();
                Err(Transport::Timeout)
            }
        }
    }
}

fn request_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        bytes[..8].copy_from_slice(&Date::now().as_millis().to_be_bytes());
    }
    hex_encode(&bytes)
}

/// Reads the body, but never more than `limit` bytes (a chunked body has no Content-Length):
/// `None` as soon as it is larger.
async fn read_limited(req: &mut Request, limit: usize) -> Option<Vec<u8>> {
    let Ok(mut stream) = req.stream() else {
        return Some(Vec::new()); // no body
    };
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.ok()?;
        if buf.len() + chunk.len() > limit {
            return None;
        }
        buf.extend_from_slice(&chunk);
    }
    Some(buf)
}

async fn to_http(mut req: Request) -> worker::Result<HttpRequest> {
    let url = req.url()?;
    let mut headers = Vec::new();
    for (name, value) in req.headers().entries() {
        headers.push((name.to_ascii_lowercase(), value));
    }
    let method = req.method().to_string();
    let declared = req
        .headers()
        .get("content-length")?
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = if method != "POST" {
        Some(Vec::new())
    } else if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        None // refused as too large without reading it
    } else {
        read_limited(&mut req, MAX_BODY_BYTES).await
    };
    Ok(HttpRequest {
        method,
        path: url.path().to_string(),
        query: url.query().unwrap_or("").to_string(),
        headers,
        body,
    })
}

fn to_worker(resp: HttpResponse, head: bool) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &resp.headers {
        headers.append(name, value)?;
    }
    let builder = ResponseBuilder::new()
        .with_status(resp.status)
        .with_headers(headers);
    Ok(if head {
        builder.empty()
    } else {
        builder.fixed(resp.body)
    })
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    // Edge verification (/verify, key mirrors, the protected route): worker/src/edge.
    if let Some(route) = crate::edge::glue::route(&req, &env) {
        return crate::edge::glue::handle(req, &env, route).await;
    }
    let isolate = load(&env);
    let head = req.method() == Method::Head;
    let request = to_http(req).await?;
    let id = request_id();
    let (store, limiter) = (Kv(&env), Limiter(&env));
    let ctx = Ctx {
        loaded: &isolate.loaded,
        shared: &isolate.shared,
        store: &store,
        upstream: &FetchUpstream,
        limiter: &limiter,
        clock: &DateClock,
        request_id: &id,
    };
    let (resp, log) = app::handle(&ctx, &request).await;
    console_log!("{}", log.to_json());
    to_worker(resp, head)
}
