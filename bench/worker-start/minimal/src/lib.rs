//! A minimal workers-rs worker: every request gets `200 ok`.
use worker::{event, Context, Env, Request, Response, Result};

/// The one handler.
#[event(fetch)]
async fn fetch(_req: Request, _env: Env, _ctx: Context) -> Result<Response> {
    Response::ok("ok")
}
