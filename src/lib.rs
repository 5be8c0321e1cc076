//! # oidc-edge
//!
//! OpenID Connect ID token and JWT access token verification for RSA-signed tokens
//! (RS256, RS384, RS512, PS256, PS384, PS512): `no_std` + `alloc`, no I/O, no clock (time is
//! always an argument), never panics on input. One core for Rust, WebAssembly and Cloudflare
//! Workers.
//!
//! The order of checks follows DESIGN.md section 3 and OpenID Connect Core 1.0 section 3.1.3.7;
//! the first failing check wins and yields one [`Error`] with a stable [`ErrorKind`] and a
//! jose-compatible code. Options that cannot describe a valid policy are a [`ConfigError`].
//!
//! Features: `std` (default) adds nothing to the logic; `cli` builds the `oidc-edge` binary.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod alg;
pub mod error;

// Temporary private stand-in for the `rsa` module until src/rsa/ lands (owned by the RSA work).
mod rsa {
    /// Hash functions used by the RSA algorithms.
    #[allow(dead_code)]
    pub enum Hash {
        Sha256,
        Sha384,
        Sha512,
    }
}

pub use alg::Algorithm;
pub use error::{ConfigError, Error, ErrorKind};
