//! Edge verification of bearer tokens across two regions (DESIGN.md section 6b).
//!
//! - `POST /verify`: the token (Authorization: Bearer, or the body) -> 200 with the verified
//!   claims, the logical client and the region; 401 / 503 per DESIGN.md section 4.
//! - `GET /.well-known/jwks/{primary,secondary}.json`: each issuer's own cached key set.
//! - `PROTECT_PREFIX` (when `PROTECT_ORIGIN` is set): verify, apply the route policy, strip
//!   incoming `X-Auth-*`, forward to the origin with `X-Auth-Subject`, `X-Auth-Client`,
//!   `X-Auth-Region`.
//!
//! Everything that decides is here and runs natively: [`config`] (variables, the two region
//! modes), [`bearer`] (where the token is), [`keys`] (the core's key cache policy per issuer,
//! Cache API persistence), [`clients`] (logical client mapping through the client records),
//! [`policy`] (`cnf`, scopes, allowed clients), [`forward`] (origin headers), [`respond`]
//! (errors to HTTP) and [`handler`] (the flow over the [`io::EdgeIo`] trait). The `glue`
//! module (wasm32 only) implements [`io::EdgeIo`] over `worker` and converts requests.

pub mod bearer;
pub mod clients;
pub mod config;
pub mod forward;
pub mod handler;
pub mod io;
pub mod keys;
pub mod policy;
pub mod respond;

#[cfg(target_arch = "wasm32")]
pub mod glue;

#[cfg(test)]
mod handler_tests;
#[cfg(test)]
pub(crate) mod testing;
