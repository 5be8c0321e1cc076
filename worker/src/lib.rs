//! `oidc-edge-worker`: the oidc-edge Cloudflare Worker.
//!
//! Today it is the `client_credentials` token proxy with primary/secondary failover
//! (`POST /oauth2/token`, `GET /healthz`); edge verification of bearer tokens joins later.
//!
//! Layout: everything that decides something is plain Rust with no `worker` types and runs
//! natively under `cargo test` (`routes`, `http`, `proxy::*`). The `glue` module, compiled only
//! for wasm32, converts `worker::Request` to [`http::HttpRequest`], implements the I/O traits
//! (`Upstream` over `Fetch`, `ClientStore` over KV, `RateLimit` over the rate-limit binding,
//! `Clock` over `Date.now()`) and converts [`http::HttpResponse`] back.

#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod app;
pub mod codec;
pub mod edge;
pub mod http;
pub mod proxy;
pub mod routes;
pub mod time;

#[cfg(target_arch = "wasm32")]
mod glue;

#[cfg(test)]
pub(crate) mod testutil;
