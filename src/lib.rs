//! # oidc-edge
//!
//! OpenID Connect ID token and JWT access token verification for RSA-, EC- and EdDSA-signed
//! tokens (RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA / Ed25519), and DPoP
//! proofs (RFC 9449, [`dpop`]): `no_std` + `alloc`, no I/O, no clock (time is always an
//! argument), never panics on input. One core for Rust, WebAssembly and Cloudflare Workers.
//!
//! The order of checks is documented in [`verify`] and follows OpenID Connect Core 1.0
//! section 3.1.3.7; the first failing check wins and yields one [`Error`] with a stable [`ErrorKind`] and a
//! jose-compatible code. Options that cannot describe a valid policy are a [`ConfigError`].
//!
//! ```no_run
//! use oidc_edge::{JwkSet, Verifier, VerifyOptions};
//! # fn main() -> Result<(), Box<dyn core::error::Error>> {
//! # let (jwks_json, id_token, now) = ("", "", 0);
//! let keys = JwkSet::from_json(jwks_json)?; // the issuer's JWK Set, fetched by the caller
//! let verifier = Verifier::new(VerifyOptions {
//!     issuer: vec!["https://server.example.com".into()],
//!     client_ids: vec!["s6BhdRkqt3".into()],
//!     nonce: Some("n-0S6_WzA2Mj".into()),
//!     ..VerifyOptions::default()
//! })?;
//! let verified = verifier.verify(id_token, &keys, now)?; // now: Unix seconds
//! println!("{:?}", verified.claims.sub);
//! # Ok(())
//! # }
//! ```
//!
//! Features: `std` (default) adds nothing to the logic; `rsa`, `es256`, `es384` and `eddsa`
//! (default: all) are the algorithm families, so a build can leave one out (a key of a
//! family left out is unusable, see [`key`]); `remote` adds the module `remote`, remote JWK
//! Sets and discovery for Rust services (blocking HTTPS, driven by [`keycache`]); `cli` builds
//! the `oidc-edge` binary (with `remote`).
//!
//! The whole crate denies `unwrap`, `expect`, `panic!` and unchecked indexing outside tests
//! (clippy, declared once here), so malformed input cannot reach a panic.
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

pub mod access;
pub mod alg;
pub mod base64url;
pub mod claims;
pub mod cognito;
pub mod dpop;
pub mod error;
pub mod issuer;
pub mod json;
pub mod jwk;
pub mod key;
pub mod keycache;
#[cfg(feature = "remote")]
pub mod remote;
/// SHA-256, SHA-384, SHA-512 and HMAC-SHA-256 (the crate's own, from `oidc-edge-crypto`).
pub use oidc_edge_crypto::hash;
/// Verify-only RSA (from `oidc-edge-crypto`).
#[cfg(feature = "rsa")]
pub use oidc_edge_crypto::rsa;
pub mod signature;
pub mod timing;
pub mod token;
pub mod trust;
pub mod verify;

pub use alg::Algorithm;
pub use claims::{Audience, Claims, NumericDate};
pub use error::{Check, ConfigError, Error, ErrorKind};
pub use jwk::{Jwk, JwkSet};
pub use key::{KeyKind, PublicKey};
pub use signature::{BuiltinVerifier, SignatureVerdict, SignatureVerifier};
pub use trust::{Routed, TrustSet, TrustedIssuer, TrustedToken};
pub use verify::{Pending, Profile, Verified, Verifier, VerifyOptions, DEFAULT_CLOCK_TOLERANCE};
