//! The worker's secrets (`wrangler secret put`; `.dev.vars` locally). Values are never
//! echoed: problems name the secret only.
//!
//! | secret | required | what |
//! | --- | --- | --- |
//! | `CLIENT_ENC_KEY` | yes | 32 bytes: AES-256-GCM key of the upstream secrets in the client records |
//! | `CLIENT_ENC_KEY_PREVIOUS` | during a rotation | the key being retired (still decrypts) |
//! | `CLIENT_HASH_KEY` | yes | >= 32 bytes: HMAC-SHA-256 key of the stored application-secret digests |
//! | `CLIENT_HASH_KEY_PREVIOUS` | during a rotation | the key being retired (digests under it are rehashed on use) |
//! | `TOKEN_CACHE_KEY` | with `TOKEN_CACHE=on` | >= 32 bytes: HMAC key of token-cache entries |
//! | `HEALTH_TOKEN` | no | >= 32 characters: `/healthz` shows hosts and breakers to `Authorization: Bearer <it>` |
//! | `ORIGIN_SIGNING_KEY` | with `PROTECT_ORIGIN` | >= 32 bytes: HMAC key of `X-Auth-Signature`, shared with the origin |
//! | `ORIGIN_SIGNING_KEY_NEXT` | during a rotation | a second signature is sent with it |
//! | `DPOP_NONCE_KEY` | no | >= 32 bytes: turns DPoP server nonces on (HMAC key of the nonces, the same in every isolate) |

use std::vec::Vec;

use super::vars::Vars;
use crate::keyring::Keyring;

/// Decoded secrets.
#[derive(Clone)]
pub struct Secrets {
    /// Record encryption keys.
    pub enc: Keyring,
    /// Application-secret digest keys.
    pub hash: Keyring,
    /// Token-cache entry key (only with the cache on).
    pub cache_key: Option<Vec<u8>>,
    /// The operator's `/healthz` token.
    pub health_token: Option<String>,
    /// Origin-proof keys: the current one, then the next one during a rotation.
    pub origin_keys: Vec<Vec<u8>>,
    /// DPoP nonce key: nonces are on when it is set.
    pub dpop_nonce_key: Option<Vec<u8>>,
}

impl core::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

/// Shortest accepted `HEALTH_TOKEN`.
pub const MIN_HEALTH_TOKEN: usize = 32;

/// `HEALTH_TOKEN` alone, when usable: read even when the rest of the configuration is broken,
/// since that is when the operator needs `/healthz` most.
pub fn health_token(get: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    Vars::new(get)
        .value("HEALTH_TOKEN")
        .filter(|t| t.len() >= MIN_HEALTH_TOKEN)
}

impl Secrets {
    /// Reads the secrets. `cache_on`: `TOKEN_CACHE_KEY` is required; `protect_on`:
    /// `ORIGIN_SIGNING_KEY` is. `None` when a required one is missing or invalid (problems
    /// go to `v`).
    pub fn read(v: &mut Vars<'_>, cache_on: bool, protect_on: bool) -> Option<Secrets> {
        let enc = v.key("CLIENT_ENC_KEY", true, Some(32));
        let enc_previous = v.key("CLIENT_ENC_KEY_PREVIOUS", false, Some(32));
        let hash = v.key("CLIENT_HASH_KEY", true, None);
        let hash_previous = v.key("CLIENT_HASH_KEY_PREVIOUS", false, None);
        let cache_key = if cache_on {
            v.key("TOKEN_CACHE_KEY", true, None)
        } else {
            None
        };
        let health_token = v.value("HEALTH_TOKEN");
        if health_token
            .as_ref()
            .is_some_and(|t| t.len() < MIN_HEALTH_TOKEN)
        {
            v.problem(format!(
                "secret HEALTH_TOKEN must be at least {MIN_HEALTH_TOKEN} characters"
            ));
        }
        let origin_keys: Vec<Vec<u8>> = [
            v.key("ORIGIN_SIGNING_KEY", protect_on, None),
            v.key("ORIGIN_SIGNING_KEY_NEXT", false, None),
        ]
        .into_iter()
        .flatten()
        .collect();
        let dpop_nonce_key = v.key("DPOP_NONCE_KEY", false, None);
        Some(Secrets {
            dpop_nonce_key,
            enc: Keyring::new(enc?, enc_previous),
            hash: Keyring::new(hash?, hash_previous),
            cache_key,
            health_token,
            origin_keys,
        })
    }
}
