//! The JWS algorithms this crate verifies: the RSA family of RFC 7518 (RS256 ... PS512).
//!
//! The algorithm is always *compared* with the caller's allow-list, never chosen from the
//! token: [`Algorithm::from_name`] only recognises a name, and `none`, `HS*`, `ES*` and
//! anything else are not representable.

use core::fmt;

use crate::rsa::Hash;

/// An RSA JWS algorithm (RFC 7518 sections 3.3 and 3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256, salt length 32.
    PS256,
    /// RSASSA-PSS with SHA-384, MGF1 with SHA-384, salt length 48.
    PS384,
    /// RSASSA-PSS with SHA-512, MGF1 with SHA-512, salt length 64.
    PS512,
}

impl Algorithm {
    /// Every supported algorithm, in a fixed order.
    pub const ALL: [Algorithm; 6] = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
    ];

    /// The JOSE name (`"RS256"`, ...), as it appears in a header `alg` or a JWK `alg`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
        }
    }

    /// Recognises a JOSE name, exactly (case-sensitive). `None` for anything else,
    /// including `none` and the HMAC algorithms.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The hash function of the algorithm (also the MGF1 hash for PSS).
    pub fn hash(self) -> Hash {
        match self {
            Algorithm::RS256 | Algorithm::PS256 => Hash::Sha256,
            Algorithm::RS384 | Algorithm::PS384 => Hash::Sha384,
            Algorithm::RS512 | Algorithm::PS512 => Hash::Sha512,
        }
    }

    /// Whether this is an RSASSA-PSS algorithm (otherwise RSASSA-PKCS1-v1_5).
    pub fn is_pss(self) -> bool {
        matches!(self, Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512)
    }

    /// Output length of the algorithm's hash in octets (32, 48 or 64).
    pub fn hash_len(self) -> usize {
        match self {
            Algorithm::RS256 | Algorithm::PS256 => 32,
            Algorithm::RS384 | Algorithm::PS384 => 48,
            Algorithm::RS512 | Algorithm::PS512 => 64,
        }
    }

    /// The hash of `data` with the algorithm's hash function, written to the front of `out`;
    /// returns the number of octets written ([`Algorithm::hash_len`]).
    pub fn digest(self, data: &[u8], out: &mut [u8; 64]) -> usize {
        use sha2::Digest;
        let len = self.hash_len();
        match self {
            Algorithm::RS256 | Algorithm::PS256 => {
                copy_prefix(out, &sha2::Sha256::digest(data));
            }
            Algorithm::RS384 | Algorithm::PS384 => {
                copy_prefix(out, &sha2::Sha384::digest(data));
            }
            Algorithm::RS512 | Algorithm::PS512 => {
                copy_prefix(out, &sha2::Sha512::digest(data));
            }
        }
        len
    }
}

fn copy_prefix(out: &mut [u8; 64], src: &[u8]) {
    for (o, s) in out.iter_mut().zip(src) {
        *o = *s;
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(a.name()), Some(a));
        }
        for bad in ["none", "None", "HS256", "rs256", "ES256", "RS256 ", ""] {
            assert_eq!(Algorithm::from_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn pss_and_hash_len() {
        assert!(!Algorithm::RS256.is_pss());
        assert!(Algorithm::PS384.is_pss());
        assert_eq!(Algorithm::RS384.hash_len(), 48);
        let mut out = [0u8; 64];
        assert_eq!(Algorithm::PS512.digest(b"abc", &mut out), 64);
        assert_eq!(Algorithm::RS256.digest(b"abc", &mut out), 32);
        assert_eq!(out[0], 0xba);
    }
}
