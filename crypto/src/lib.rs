//! # oidc-edge-crypto
//!
//! The signature arithmetic of the `oidc-edge` crate, which re-exports what is public here
//! ([`hash`], [`rsa`]) and wraps the curves in its key policy: verification only, `no_std`
//! with `alloc`, no dependencies, nothing secret, so variable time by design.
//!
//! - [`hash`]: SHA-256, SHA-384, SHA-512 and HMAC-SHA-256.
//! - [`rsa`] (feature `rsa`): RSASSA-PKCS1-v1_5 and RSASSA-PSS with public keys.
//! - [`ec`] (features `es256`, `es384`): ECDSA on P-256 and P-384.
//! - [`ed25519`] (feature `eddsa`): Ed25519 (RFC 8032, strict).
//!
//! A crate of its own for one reason: the builds judged on size (the npm package's wasm, the
//! worker) compile it for speed and the rest of the core for size, and Cargo's profiles choose
//! optimisation per crate. The whole crate denies `unwrap`, `expect`, `panic!` and unchecked
//! indexing outside tests, like the core.
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

pub mod hash;

#[cfg(feature = "rsa")]
pub mod rsa;

// Ed25519 alone uses only part of it (the arithmetic modulo its group order).
#[cfg(any(feature = "es256", feature = "es384", feature = "eddsa"))]
#[cfg_attr(not(any(feature = "es256", feature = "es384")), allow(dead_code))]
mod field;
#[cfg(any(feature = "es256", feature = "es384", feature = "eddsa"))]
mod window;

#[cfg(any(feature = "es256", feature = "es384"))]
pub mod ec;

#[cfg(feature = "eddsa")]
pub mod ed25519;
