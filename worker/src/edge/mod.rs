//! Edge verification of bearer tokens across two regions.
//!
//! - `POST /verify`: the token (`Authorization: Bearer` or `DPoP` with its proof, or the
//!   body) -> 200 with the verified claims, the logical client and the region; otherwise the
//!   error kind's status (401, or 503 when the keys could not be had).
//! - `GET /.well-known/jwks/{primary,secondary}.json`: each issuer's own set, public members
//!   only.
//! - `PROTECT_PREFIX` (with `PROTECT_ORIGIN`): path check, verification, the route policy, then
//!   the request goes to the origin with signed identity headers.
//!
//! [`verify`] holds the three routes and the trust-set flow; [`bearer`] finds the token (and
//! its DPoP proof, which [`dpop`] checks);
//! [`keys`] keeps each issuer's set on the core's key cache policy ([`public`]: the form that
//! is published and kept); [`clients`] maps a token to its application; [`policy`] holds the
//! route policy; [`origin`] makes the origin request and its proof; [`respond`] turns outcomes
//! into HTTP.

pub mod bearer;
pub mod clients;
pub mod dpop;
pub mod keys;
pub mod origin;
pub mod policy;
pub mod public;
pub mod respond;
pub mod verify;

#[cfg(test)]
mod dpop_tests;
#[cfg(test)]
mod verify_tests;
