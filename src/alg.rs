//! The JWS algorithms this crate verifies (RFC 7518 sections 3.3 to 3.5, RFC 8037, and the
//! fully specified `Ed25519` of the JOSE algorithm registry).
//!
//! The algorithm is always *compared* with the caller's allow-list, never chosen from the
//! token: [`Algorithm::from_name`] only recognises a name, and `none`, `HS*` and anything else
//! are not representable. Each algorithm needs a key of one kind ([`Algorithm::key_kind`]):
//! an algorithm only ever meets a key of its own type and curve.

use core::fmt;

use crate::key::KeyKind;

/// A JWS algorithm with an asymmetric public key.
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
    /// ECDSA on P-256 with SHA-256; the signature is `r || s`, 64 octets.
    ES256,
    /// ECDSA on P-384 with SHA-384; the signature is `r || s`, 96 octets.
    ES384,
    /// EdDSA (RFC 8037) with a key whose `crv` is `Ed25519` (the only curve verified here).
    EdDSA,
    /// Ed25519, the fully specified name of EdDSA on Ed25519.
    Ed25519,
}

impl Algorithm {
    /// Every supported algorithm, in `Ord` order (the verifier relies on it).
    pub const ALL: [Algorithm; 10] = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
        Algorithm::Ed25519,
    ];

    /// The JOSE name (`"RS256"`, `"EdDSA"`, ...), as it appears in a header `alg` or a JWK
    /// `alg`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
            Algorithm::Ed25519 => "Ed25519",
        }
    }

    /// Recognises a JOSE name, exactly (case-sensitive). `None` for anything else,
    /// including `none` and the HMAC algorithms.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The kind of key the algorithm needs: RSA for `RS*` / `PS*`, P-256 for `ES256`, P-384
    /// for `ES384`, Ed25519 for `EdDSA` and `Ed25519`.
    pub fn key_kind(self) -> KeyKind {
        match self {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => KeyKind::Rsa,
            Algorithm::ES256 => KeyKind::P256,
            Algorithm::ES384 => KeyKind::P384,
            Algorithm::EdDSA | Algorithm::Ed25519 => KeyKind::Ed25519,
        }
    }

    /// Whether this build verifies the algorithm (its family's crate feature is on).
    pub fn is_supported(self) -> bool {
        self.key_kind().is_supported()
    }

    /// The RSA hash function of the algorithm (also the MGF1 hash for PSS); for the others,
    /// the SHA-2 function of the same size ([`Algorithm::hash_len`]).
    pub fn hash(self) -> crate::hash::Hash {
        use crate::hash::Hash;
        match self.hash_len() {
            32 => Hash::Sha256,
            48 => Hash::Sha384,
            _ => Hash::Sha512,
        }
    }

    /// Whether this is an RSASSA-PSS algorithm.
    pub fn is_pss(self) -> bool {
        matches!(self, Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512)
    }

    /// Output length in octets of the algorithm's hash (32, 48 or 64), the one `at_hash` and
    /// `c_hash` use (OIDC Core 3.1.3.6). EdDSA with Ed25519 uses SHA-512, as OpenID providers
    /// (oidc-provider) and relying parties agree for Ed25519.
    pub fn hash_len(self) -> usize {
        match self {
            Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 => 32,
            Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 => 48,
            Algorithm::RS512 | Algorithm::PS512 | Algorithm::EdDSA | Algorithm::Ed25519 => 64,
        }
    }

    /// The hash of `data` with the algorithm's hash function ([`Algorithm::hash_len`]),
    /// written to the front of `out`; returns the number of octets written.
    pub fn digest(self, data: &[u8], out: &mut [u8; 64]) -> usize {
        let digest = self.hash().digest_parts(&[data]);
        out.iter_mut()
            .zip(digest.as_slice())
            .for_each(|(o, &d)| *o = d);
        digest.as_slice().len()
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
        for bad in [
            "none", "None", "HS256", "rs256", "es256", "ES512", "EDDSA", "ed25519", "RS256 ", "",
        ] {
            assert_eq!(Algorithm::from_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn all_is_sorted() {
        assert!(Algorithm::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn key_kinds_and_hashes() {
        assert!(!Algorithm::RS256.is_pss());
        assert!(Algorithm::PS384.is_pss());
        assert_eq!(Algorithm::RS384.hash_len(), 48);
        assert_eq!(Algorithm::ES384.hash_len(), 48);
        assert_eq!(Algorithm::EdDSA.hash_len(), 64);
        assert_eq!(Algorithm::ES256.key_kind(), KeyKind::P256);
        assert_eq!(Algorithm::Ed25519.key_kind(), KeyKind::Ed25519);
        assert_eq!(Algorithm::PS512.key_kind(), KeyKind::Rsa);
        let mut out = [0u8; 64];
        assert_eq!(Algorithm::PS512.digest(b"abc", &mut out), 64);
        assert_eq!(Algorithm::RS256.digest(b"abc", &mut out), 32);
        assert_eq!(out[0], 0xba);
    }
}
