//! The `worker` glue (wasm32 only): the one `#[event(fetch)]`, [`Io`] over `worker`, request
//! and response conversion, and forwarding to the origin. Type conversion and I/O only; every
//! decision is in [`crate::app`] and below.

use core::cell::RefCell;
use core::time::Duration;
use std::rc::Rc;
use std::string::{String, ToString};
use std::vec::Vec;

use futures_util::future::{select, Either};
use futures_util::{Stream, StreamExt};
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{self, Function, Object, Promise, Reflect};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{
    console_log, event, web_sys, AbortController, Cache, Context, Date, Delay, Env, Headers,
    Request, Response, ResponseBuilder,
};

mod fleet;

use crate::app::{App, Outcome};
use crate::codec::hex_encode;
use crate::edge::origin::Forward;
use crate::http::{split_url, HttpRequest, HttpResponse, Served};
use crate::io::{Io, Limiter, Method, Outbound, Reply, StoreError, Transport};
use crate::routes::{BodyLimit, Route};

/// KV namespace binding with the client records and index entries.
const KV_BINDING: &str = "CLIENTS";
/// The Cache API cache holding fetched key sets (public data). The Cache API works on custom
/// domains only (on `*.workers.dev` its operations do nothing: every new isolate refetches).
const CACHE_NAME: &str = "oidc-edge-jwks";

thread_local! {
    static APP: RefCell<Option<Rc<App>>> = const { RefCell::new(None) };
}

/// The isolate's application, configured from `env` on first use.
fn app(env: &Env) -> Rc<App> {
    if let Some(a) = APP.with(|s| s.borrow().clone()) {
        return a;
    }
    let get = |name: &str| env.var(name).ok().map(|v| v.to_string());
    let mut app = App::from_env(&get);
    if env.kv(KV_BINDING).is_err() {
        app = app.with_problem(format!("KV binding {KV_BINDING} is missing"));
    }
    // This isolate's share of the refresh jitter after a probe (fleet::Timing).
    let mut r = [0u8; 8];
    if getrandom::fill(&mut r).is_ok() {
        app.proxy()
            .fleet
            .borrow_mut()
            .set_jitter_ms(u64::from_le_bytes(r));
    }
    let a = Rc::new(app);
    APP.with(|s| *s.borrow_mut() = Some(a.clone()));
    a
}

/// Why a capped read stopped.
enum Capped {
    TooLarge,
    Failed,
}

/// Reads a body stream, but never more than `cap` octets: it stops as soon as it is larger.
async fn read_capped<S>(mut stream: S, cap: usize) -> Result<Vec<u8>, Capped>
where
    S: Stream<Item = worker::Result<Vec<u8>>> + Unpin,
{
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| Capped::Failed)?;
        if buf.len() + chunk.len() > cap {
            return Err(Capped::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// The declared `Content-Length`, if any.
fn declared_length(headers: &web_sys::Headers) -> Option<u64> {
    headers
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok())
}

/// `Some(n)` when a body is exactly `n` octets as the runtime hands it over: a declared length
/// and no content coding (the runtime decodes gzip and the like, so an encoded body's declared
/// length does not bound what `arrayBuffer()` would produce).
fn plain_length(headers: &web_sys::Headers) -> Option<u64> {
    let coded = headers
        .get("content-encoding")
        .ok()
        .flatten()
        .is_some_and(|c| !c.trim().eq_ignore_ascii_case("identity"));
    if coded {
        None
    } else {
        declared_length(headers)
    }
}

/// A body read in one `arrayBuffer()` call: one promise, where a stream reader costs a
/// `read()`, its promise and a lock release per chunk (the largest share of the token route's
/// own time in a profile of workerd).
async fn whole_body(promise: Result<Promise, JsValue>) -> Result<Vec<u8>, Capped> {
    let buffer = JsFuture::from(promise.map_err(|_| Capped::Failed)?)
        .await
        .map_err(|_| Capped::Failed)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The request body under the route's limit: `None` when it is larger (a declared
/// `Content-Length` above the limit is refused without reading).
async fn read_body(req: &web_sys::Request, limit: BodyLimit) -> Option<Vec<u8>> {
    let BodyLimit::Read(cap) = limit else {
        return Some(Vec::new());
    };
    let headers = req.headers();
    if declared_length(&headers).is_some_and(|n| n > cap as u64) {
        return None;
    }
    if req.body().is_none() {
        return Some(Vec::new()); // no body
    }
    let read = if plain_length(&headers).is_some() {
        // Within the cap (checked above): read it whole.
        whole_body(req.array_buffer()).await
    } else {
        // No declared length (chunked): stop as soon as it is over the cap.
        // (The handle, not JS `clone()`: the stream is this request's own body.)
        match Request::from(<web_sys::Request as Clone>::clone(req)).stream() {
            Ok(stream) => read_capped(stream, cap).await,
            Err(_) => return Some(Vec::new()),
        }
    };
    match read {
        Ok(b) => Some(b),
        Err(Capped::TooLarge) => None,
        // A body that broke off is an unreadable request, not an oversized one.
        Err(Capped::Failed) => Some(Vec::new()),
    }
}

/// A request for `fetch` that follows no redirect, made with web_sys directly: workers-rs's
/// `RequestInit` converts its `cf` options on every request, code this worker never needs but
/// would carry in its wasm.
fn new_request(
    url: &str,
    method: &str,
    headers: &[(String, String)],
    body: Option<&JsValue>,
) -> Result<web_sys::Request, JsValue> {
    let h = web_sys::Headers::new()?;
    for (name, value) in headers {
        h.append(name, value)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_headers(&h);
    init.set_redirect(web_sys::RequestRedirect::Manual);
    if let Some(b) = body {
        init.set_body(b);
    }
    web_sys::Request::new_with_str_and_init(url, &init)
}

/// The runtime's `fetch`, with web_sys types throughout: workers-rs's `Fetch` and its
/// `Request` / `Response` conversions read the `cf` property of each request and response
/// (a getter that builds an object, on every call), which this worker never uses.
async fn global_fetch(
    req: &web_sys::Request,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<web_sys::Response, JsValue> {
    let init = web_sys::RequestInit::new();
    if signal.is_some() {
        init.set_signal(signal);
    }
    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    JsFuture::from(global.fetch_with_request_and_init(req, &init))
        .await?
        .dyn_into()
}

/// Calls `env[binding][method](...args)` and awaits the promise it returns; `None` when the
/// binding or method is missing, the call throws or the promise rejects. KV and the rate-limit
/// bindings are called this way rather than through workers-rs's wrappers, which convert
/// their options and results with serde_wasm_bindgen: its error paths bring float formatting
/// and more (about 20 KB) into the wasm, for JSON-free calls.
async fn call(env: &Env, binding: &str, method: &str, args: &[JsValue]) -> Option<JsValue> {
    let env: &JsValue = env.as_ref();
    let target = Reflect::get(env, &binding.into())
        .ok()
        .filter(JsValue::is_object)?;
    let f: Function = Reflect::get(&target, &method.into())
        .ok()?
        .dyn_into()
        .ok()?;
    let args: js_sys::Array = args.iter().collect();
    let promise: Promise = f.apply(&target, &args).ok()?.dyn_into().ok()?;
    JsFuture::from(promise).await.ok()
}

struct WorkerIo<'a> {
    env: &'a Env,
}

impl WorkerIo<'_> {
    /// Whether the fleet-health Durable Object is bound (without it, each isolate's breaker
    /// decides alone, as before).
    fn fleet_on(&self) -> bool {
        self.env.durable_object(fleet::FLEET_BINDING).is_ok()
    }
}

/// One request to the fleet-health object; `None` on any failure.
async fn fleet_once(env: &Env, path: &str, body: &str) -> Option<String> {
    let stub = env
        .durable_object(fleet::FLEET_BINDING)
        .ok()?
        .get_by_name(fleet::FLEET_NAME)
        .ok()?;
    let url = format!("https://fleet-health{path}");
    let req = new_request(&url, "POST", &[], Some(&JsValue::from(body))).ok()?;
    let mut resp = stub.fetch_with_request(Request::from(req)).await.ok()?;
    if resp.status_code() != 200 {
        return None;
    }
    resp.text().await.ok()
}

async fn fetch_once(
    request: &Outbound,
    signal: &web_sys::AbortSignal,
    max_body: usize,
) -> Result<Reply, Transport> {
    let (method, body) = match request.method {
        Method::Get => ("GET", None),
        Method::Post => ("POST", Some(JsValue::from(request.body.as_str()))),
    };
    let req = new_request(&request.url, method, &request.headers, body.as_ref())
        .map_err(|_| Transport::Network)?;
    let resp = global_fetch(&req, Some(signal))
        .await
        .map_err(|_| Transport::Network)?;
    let headers = resp.headers();
    let header = |name: &str| headers.get(name).ok().flatten();
    let (retry_after, cache_control) = (header("retry-after"), header("cache-control"));
    let status = resp.status();
    let body = if resp.body().is_none() {
        Vec::new()
    } else if plain_length(&headers).is_some_and(|n| n <= max_body as u64) {
        whole_body(resp.array_buffer())
            .await
            .map_err(|_| Transport::Network)?
    } else {
        // Larger than allowed, or of unknown length: stop as soon as it is over the cap.
        let stream = Response::from(resp)
            .stream()
            .map_err(|_| Transport::Network)?;
        read_capped(stream, max_body).await.map_err(|e| match e {
            Capped::TooLarge => Transport::TooLarge,
            Capped::Failed => Transport::Network,
        })?
    };
    Ok(Reply {
        status,
        retry_after,
        cache_control,
        body,
    })
}

impl Io for WorkerIo<'_> {
    fn now_ms(&self) -> u64 {
        Date::now().as_millis()
    }

    async fn sleep_ms(&self, ms: u64) {
        Delay::from(Duration::from_millis(ms)).await;
    }

    async fn fetch(
        &self,
        request: &Outbound,
        timeout_ms: u64,
        max_body: usize,
    ) -> Result<Reply, Transport> {
        // The time limit covers headers and body; on expiry the fetch is aborted.
        let controller = AbortController::default();
        let signal = controller.signal();
        let attempt = core::pin::pin!(fetch_once(request, &signal, max_body));
        let timer = core::pin::pin!(Delay::from(Duration::from_millis(timeout_ms)));
        match select(attempt, timer).await {
            Either::Left((result, _)) => result,
            Either::Right(((), _)) => {
                controller.abort();
                Err(Transport::Timeout)
            }
        }
    }

    async fn kv_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        // `get(key)` answers the text, or null when the key is absent.
        let v = call(self.env, KV_BINDING, "get", &[key.into()])
            .await
            .ok_or(StoreError)?;
        match v.as_string() {
            Some(text) => Ok(Some(text)),
            None if v.is_null() || v.is_undefined() => Ok(None),
            None => Err(StoreError),
        }
    }

    async fn kv_put(&self, key: &str, value: &str) -> Result<(), StoreError> {
        call(self.env, KV_BINDING, "put", &[key.into(), value.into()])
            .await
            .map(drop)
            .ok_or(StoreError)
    }

    async fn cache_load(&self, key: &str) -> Option<String> {
        let mut resp = Cache::open(CACHE_NAME.into())
            .await
            .get(key, false)
            .await
            .ok()??;
        resp.text().await.ok()
    }

    async fn cache_save(&self, key: &str, doc: &str, ttl_s: u64) {
        let headers = Headers::new();
        let _ = headers.set("Content-Type", "application/json");
        let _ = headers.set("Cache-Control", &format!("public, max-age={ttl_s}"));
        let resp = ResponseBuilder::new()
            .with_status(200)
            .with_headers(headers)
            .fixed(doc.as_bytes().to_vec());
        let _ = Cache::open(CACHE_NAME.into()).await.put(key, resp).await;
    }

    async fn fleet_call(&self, path: &str, body: &str, timeout_ms: u64) -> Option<String> {
        let call = core::pin::pin!(fleet_once(self.env, path, body));
        let timer = core::pin::pin!(Delay::from(Duration::from_millis(timeout_ms)));
        match select(call, timer).await {
            Either::Left((answer, _)) => answer,
            Either::Right(((), _)) => None,
        }
    }

    async fn rate_limit(&self, limiter: Limiter, key: &str) -> Option<bool> {
        // `limit({key})` -> `{success}`.
        let arg = Object::new();
        Reflect::set(&arg, &"key".into(), &key.into()).ok()?;
        let outcome = call(self.env, limiter.binding(), "limit", &[arg.into()]).await?;
        Reflect::get(&outcome, &"success".into()).ok()?.as_bool()
    }
}

fn request_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        bytes[..8].copy_from_slice(&Date::now().as_millis().to_be_bytes());
    }
    hex_encode(&bytes)
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

/// Sends the caller's request to the origin: its method and body stream, the headers the
/// pipeline chose. The origin's answer goes back as it is; no answer is a 502.
async fn forward(
    req: &web_sys::Request,
    f: Forward,
    request_id: &str,
) -> worker::Result<(web_sys::Response, u16)> {
    let method = req.method();
    let body = match method.as_str() {
        "GET" | "HEAD" => None,
        _ => req.body().map(JsValue::from),
    };
    let out =
        new_request(&f.url, &method, &f.headers, body.as_ref()).map_err(worker::Error::from)?;
    match global_fetch(&out, None).await {
        Ok(r) => {
            let status = r.status();
            Ok((r, status))
        }
        Err(_) => {
            let r = HttpResponse::oauth_error(
                502,
                "bad_gateway",
                Some("the origin did not answer"),
                request_id,
            );
            Ok((to_worker(r, false)?.into(), 502))
        }
    }
}

// The request and the answer as web_sys types: workers-rs's `Request` reads the request's `cf`
// property when it wraps it (see `global_fetch`).
#[event(fetch)]
async fn fetch(req: web_sys::Request, env: Env, ctx: Context) -> worker::Result<web_sys::Response> {
    let app = app(&env);
    let id = request_id();
    // The runtime's serialised URL, split without a URL parser (see `split_url`).
    let url = req.url();
    let (origin, path, query) = split_url(&url);
    let method = req.method();
    let route = app.route(&method, path);
    let body = read_body(&req, route.body_limit()).await;
    let http = HttpRequest {
        method,
        origin: origin.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers: Headers(req.headers())
            .entries()
            .map(|(n, v)| (n.to_ascii_lowercase(), v))
            .collect(),
        body,
    };
    let io = WorkerIo { env: &env };
    // Fleet health: the token route and edge verification read what is in memory (a new or
    // idle isolate first reads the location's copy: upstream health, revocations); on the
    // token route the request's watchdog reports its upstream attempt still unanswered after
    // `Timing::slow_ms`; the refresh runs after the response.
    let fleet = matches!(route, Route::Token | Route::Verify | Route::Protected) && io.fleet_on();
    if fleet {
        crate::fleet::refresh::look(app.proxy(), &io).await;
    }
    if fleet && route == Route::Token {
        let (app, env, id) = (app.clone(), env.clone(), id.clone());
        ctx.wait_until(async move {
            let io = WorkerIo { env: &env };
            crate::fleet::refresh::watch(app.proxy(), &io, &id).await;
        });
    }
    let (outcome, mut log) = app.handle(&io, route, &http, &id).await;
    if fleet {
        let (app, env) = (app.clone(), env.clone());
        ctx.wait_until(async move {
            let io = WorkerIo { env: &env };
            crate::fleet::refresh::refresh(app.proxy(), &io).await;
        });
    }
    let resp = match outcome {
        Outcome::Respond(r) => to_worker(r, http.method == "HEAD")?.into(),
        Outcome::Forward(f) => {
            let (r, status) = forward(&req, f, &id).await?;
            log.finish(status, Served::None, io.now_ms());
            r
        }
    };
    console_log!("{}", log.to_json());
    Ok(resp)
}
