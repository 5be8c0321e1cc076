//! wasm-bindgen glue for the `oidc-edge` npm package (`pkg/`).
//!
//! Translation only: JS strings and numbers in, the core's types out, and every outcome
//! returned as a value. No token semantics live here; every check is the core's. No export
//! throws: a fallible call returns either its value or a [`WasmFailure`] record (or
//! `undefined` for success), and the JS side (`pkg/lib/errors.js`) turns records into
//! `OidcEdgeError` / `TypeError`. Time is always an argument (`now`, Unix seconds as an `f64`
//! so no BigInt crosses the boundary); nothing here reads a clock.
//!
//! The hand-written TypeScript declarations of the public API are in `pkg/index.d.ts`; these
//! exports are internal to the package.
//!
//! | module | holds |
//! | --- | --- |
//! | `failure` | [`WasmFailure`], the record of every failure; [`adapter_failure`] |
//! | `options` | the options JSON of `pkg/lib/options.js` into the core's `VerifyOptions` |
//! | `keys` | [`WasmKeys`]: a JWK Set and the memo of signatures verified with it |
//! | `host` | the host-check seam: [`HostChecker`] and the verifier behind each memo |
//! | `verifier` | [`WasmVerifier`] (one call, or [`WasmHostCheck`] between `begin` and `finish`) |
//! | `trust` | [`WasmTrustBuilder`], [`WasmTrustSet`]: entries, routing, verification with an entry's keys |
//! | `keycache` | [`WasmKeyCache`] for remote keys, [`token_key_id`] |
//! | `cognito` | [`cognito_user_pool`]: a Cognito pool's issuers and JWKS URL |
//! | `result` | an accepted token's payload and header as one JSON string |
//! | `dpop` | [`WasmDpopReplay`]: DPoP proofs checked by the core, through a `jti` memory; [`jwk_thumbprint`] |
//! | `signature` | [`core_signature_check`]: one raw signature by the core (the tests' reference) |

mod cognito;
mod dpop;
mod failure;
mod host;
mod keycache;
mod keys;
mod options;
mod result;
mod signature;
mod trust;
mod verifier;

pub use cognito::cognito_user_pool;
pub use dpop::{jwk_thumbprint, WasmDpopReplay};
pub use failure::{adapter_failure, WasmFailure};
pub use host::HostChecker;
pub use keycache::{token_key_id, WasmKeyCache};
pub use keys::WasmKeys;
pub use signature::core_signature_check;
pub use trust::{WasmTrustBuilder, WasmTrustSet};
pub use verifier::{WasmHostCheck, WasmVerifier};

// Talc instead of the standard library's dlmalloc: about 6 KB less code in the module, and
// the package is single-threaded (no `atomics`), which is the case this allocator is for.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// `now` from JS (whole Unix seconds as a number) for the core.
fn unix(now: f64) -> i64 {
    if now.is_finite() {
        // `as` saturates for out-of-range floats; fine for a timestamp.
        now.floor() as i64
    } else {
        0
    }
}
