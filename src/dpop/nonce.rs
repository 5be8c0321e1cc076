//! Stateless DPoP nonces (RFC 9449 section 8): the nonce of a time window is an HMAC-SHA256,
//! under a key the caller keeps secret, of the window's number. Every process or isolate
//! holding the key issues the same nonce in the same window and checks any other's, with no
//! shared state. A nonce is accepted in its window and the next, so it lives between one and
//! two windows: a proof cannot be made in advance for longer than that.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::base64url;
use crate::error::ConfigError;
use crate::hash::hmac_sha256;
use crate::verify::ct_eq;

/// Shortest accepted nonce key in octets (256 bits).
pub const MIN_NONCE_KEY_LEN: usize = 32;

/// Domain separation: the key may be used for nothing else, but if it is, these MACs differ.
const LABEL: &[u8] = b"oidc-edge dpop nonce v1\0";

/// Issues and checks stateless DPoP nonces (module docs). The key never appears in `Debug`.
#[derive(Clone)]
pub struct NonceIssuer {
    key: Vec<u8>,
    window: u64,
}

impl NonceIssuer {
    /// An issuer with `key` (at least [`MIN_NONCE_KEY_LEN`] random octets, the same in every
    /// process that checks the nonces) and windows of `window` seconds (at least 1).
    pub fn new(key: &[u8], window: u64) -> Result<NonceIssuer, ConfigError> {
        if key.len() < MIN_NONCE_KEY_LEN {
            return Err(ConfigError::new(
                "the DPoP nonce key must have at least 32 octets",
            ));
        }
        if window == 0 || i64::try_from(window).is_err() {
            return Err(ConfigError::new(
                "the DPoP nonce window must be between 1 s and i64::MAX s",
            ));
        }
        Ok(NonceIssuer {
            key: key.to_vec(),
            window,
        })
    }

    /// The window length in seconds.
    pub fn window(&self) -> u64 {
        self.window
    }

    /// The nonce for the window holding `now` (send it in `DPoP-Nonce`).
    pub fn issue(&self, now: i64) -> String {
        self.nonce_of(self.window_of(now))
    }

    /// Whether `nonce` is the nonce of the window holding `now` or of the one before.
    pub fn check(&self, nonce: &str, now: i64) -> bool {
        let current = self.window_of(now);
        let previous = current.checked_sub(1);
        let matches = |w: i64| ct_eq(nonce.as_bytes(), self.nonce_of(w).as_bytes());
        // Both are computed, so the time taken does not say which window matched.
        let now_ok = matches(current);
        let before_ok = previous.is_some_and(matches);
        now_ok | before_ok
    }

    fn window_of(&self, now: i64) -> i64 {
        // `window` fits an i64 (checked in `new`) and is at least 1.
        now.div_euclid(i64::try_from(self.window).unwrap_or(i64::MAX))
    }

    fn nonce_of(&self, window: i64) -> String {
        base64url::encode(&hmac_sha256(&self.key, &[LABEL, &window.to_be_bytes()]))
    }
}

impl fmt::Debug for NonceIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonceIssuer")
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn current_and_previous_window_only() {
        let n = NonceIssuer::new(&KEY, 300).unwrap();
        let t = 1_767_225_600; // a multiple of 300
        let nonce = n.issue(t);
        assert_eq!(nonce.len(), 43);
        assert_eq!(n.issue(t + 299), nonce);
        assert_ne!(n.issue(t + 300), nonce);
        assert!(n.check(&nonce, t));
        assert!(n.check(&nonce, t + 599));
        assert!(!n.check(&nonce, t + 600));
        assert!(!n.check(&nonce, t - 1), "a nonce of the future window");
        assert!(!n.check("", t));
        assert!(!n.check(&nonce[1..], t));
        // Another key (another deployment) issues other nonces.
        let other = NonceIssuer::new(&[8; 32], 300).unwrap();
        assert!(!other.check(&nonce, t));
        // Negative and extreme times neither panic nor collide.
        for now in [i64::MIN, -1, 0, i64::MAX] {
            assert!(n.check(&n.issue(now), now));
        }
        assert_ne!(n.issue(-1), n.issue(0));
    }

    #[test]
    fn configuration() {
        assert!(NonceIssuer::new(&[0; 31], 60).is_err());
        assert!(NonceIssuer::new(&KEY, 0).is_err());
        assert!(NonceIssuer::new(&KEY, u64::MAX).is_err());
        let n = NonceIssuer::new(&KEY, 1).unwrap();
        assert_eq!(n.window(), 1);
        assert!(!alloc::format!("{n:?}").contains("7, 7"));
    }
}
