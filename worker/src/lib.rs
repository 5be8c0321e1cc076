//! `oidc-edge-worker`: the oidc-edge Cloudflare Worker, one application with two features.
//!
//! - The `client_credentials` token proxy (`POST /oauth2/token`) with primary/secondary
//!   failover, a breaker per upstream, optional token cache and rate limits ([`proxy`]).
//! - Edge verification of bearer tokens from either region (`POST /verify`, key mirrors, a
//!   protected route to an origin with signed identity headers) ([`edge`]).
//!
//! One pipeline serves both ([`app`]): one route table with a body limit per route
//! ([`routes`]), one validated configuration ([`config`]), one response builder ([`http`]),
//! one log-line format ([`log`]), one I/O trait ([`io`]) and `GET /healthz` ([`health`]).
//! Both features share the regions ([`regions`]), the client records and index entries in KV
//! ([`records`]) and the rotating record keys ([`keyring`]).
//!
//! Size: JSON is always parsed with `serde_json::from_slice` (never `from_str`, which would
//! compile a second copy of the parser into the wasm), and the glue calls KV and the
//! rate-limit bindings without workers-rs's serde_wasm_bindgen conversions (`glue`).
//!
//! Everything that decides is plain Rust with no `worker` types and runs natively under
//! `cargo test` against one set of fakes. The glue (`glue`, wasm32 only) has the one
//! `#[event(fetch)]`: it builds the [`app::App`] once per isolate, implements [`io::Io`] over
//! `worker` (Fetch with time limits and streaming size caps, KV, the Cache API, rate-limit
//! bindings), reads request bodies under each route's limit, and forwards the protected
//! route's requests to the origin.

#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod app;
pub mod codec;
pub mod config;
pub mod edge;
pub mod fleet;
pub mod health;
pub mod http;
pub mod io;
pub mod keyring;
pub mod log;
pub mod proxy;
pub mod records;
pub mod regions;
pub mod routes;

#[cfg(target_arch = "wasm32")]
mod glue;

// Talc instead of the standard library's dlmalloc: less code, and an isolate runs one thread.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(test)]
pub(crate) mod testing;
