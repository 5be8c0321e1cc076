//! The crate's own curve arithmetic against references, on random keys, messages and
//! signatures: ES256 and ES384 against RustCrypto's `p256` / `p384`, EdDSA against
//! `ed25519-dalek`'s `verify_strict`. Every signature a reference makes verifies here, and for
//! any tampered or random signature this crate and the reference's verifier give the same
//! answer. Wycheproof's edge cases are in `wycheproof_curves.rs`; this
//! covers the ordinary path with many keys (the curve arithmetic is not specialised per key,
//! but the points, and so the additions' special cases, are).

mod mint;

use oidc_edge::signature::{BuiltinVerifier, SignatureVerifier};
use oidc_edge::{Algorithm, Jwk};
use proptest::prelude::*;

fn ours(alg: Algorithm, crv: &str, x: &[u8], y: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let jwk = Jwk::from_value(&if crv == "Ed25519" {
        serde_json::json!({"kty": "OKP", "crv": crv, "x": mint::b64(x)})
    } else {
        serde_json::json!({"kty": "EC", "crv": crv, "x": mint::b64(x), "y": mint::b64(y)})
    });
    let key = jwk
        .check_usable(alg)
        .expect("a reference key meets the key policy");
    sig.len() == key.signature_len() && BuiltinVerifier.verify(alg, key, msg, sig)
}

/// Flips bit `bit` of `bytes` (modulo its length) when `flip` is set.
fn tamper(bytes: &[u8], flip: bool, bit: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if flip && !out.is_empty() {
        let i = bit % (out.len() * 8);
        out[i / 8] ^= 1 << (i % 8);
    }
    out
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The agreement property for one NIST curve: `$curve` is its RustCrypto crate.
macro_rules! ecdsa_agrees {
    ($name:ident, $curve:ident, $alg:expr, $crv:expr, $len:expr) => {
        proptest! {
            #![proptest_config(config())]

            #[test]
            fn $name(
                secret in any::<[u8; $len]>(),
                msg in prop::collection::vec(any::<u8>(), 0..200),
                flip_sig in any::<bool>(),
                flip_msg in any::<bool>(),
                bit in any::<usize>(),
            ) {
                use $curve::ecdsa::signature::{Signer, Verifier};
                let Ok(sk) = $curve::ecdsa::SigningKey::from_slice(&secret) else { return Ok(()) };
                let point = sk.verifying_key().to_encoded_point(false);
                let (x, y) = (point.x().unwrap().to_vec(), point.y().unwrap().to_vec());
                let sig: $curve::ecdsa::Signature = sk.sign(&msg);
                let sig_bytes = sig.to_bytes().to_vec();
                prop_assert!(ours($alg, $crv, &x, &y, &msg, &sig_bytes));
                let (sig2, msg2) =
                    (tamper(&sig_bytes, flip_sig, bit), tamper(&msg, flip_msg, bit / 7));
                let reference = $curve::ecdsa::Signature::from_slice(&sig2)
                    .is_ok_and(|s| sk.verifying_key().verify(&msg2, &s).is_ok());
                prop_assert_eq!(ours($alg, $crv, &x, &y, &msg2, &sig2), reference);
            }
        }
    };
}

ecdsa_agrees!(es256_agrees_with_p256, p256, Algorithm::ES256, "P-256", 32);
ecdsa_agrees!(es384_agrees_with_p384, p384, Algorithm::ES384, "P-384", 48);

proptest! {
    #![proptest_config(config())]

    /// Random `r || s` under a real key: both refuse (a forgery by chance is out of reach), and
    /// neither panics on values at or above the order.
    #[test]
    fn random_es256_signatures_agree(
        secret in any::<[u8; 32]>(),
        sig in any::<[u8; 64]>(),
        msg in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        use p256::ecdsa::signature::Verifier;
        let Ok(sk) = p256::ecdsa::SigningKey::from_slice(&secret) else { return Ok(()) };
        let point = sk.verifying_key().to_encoded_point(false);
        let (x, y) = (point.x().unwrap().to_vec(), point.y().unwrap().to_vec());
        let reference = p256::ecdsa::Signature::from_slice(&sig)
            .is_ok_and(|s| sk.verifying_key().verify(&msg, &s).is_ok());
        prop_assert_eq!(ours(Algorithm::ES256, "P-256", &x, &y, &msg, &sig), reference);
    }

    #[test]
    fn eddsa_agrees_with_ed25519_dalek(
        secret in any::<[u8; 32]>(),
        msg in prop::collection::vec(any::<u8>(), 0..200),
        flip_sig in any::<bool>(),
        flip_msg in any::<bool>(),
        bit in any::<usize>(),
    ) {
        use ed25519_dalek::Signer;
        let sk = ed25519_dalek::SigningKey::from_bytes(&secret);
        let x = sk.verifying_key().to_bytes();
        let sig_bytes = sk.sign(&msg).to_bytes().to_vec();
        prop_assert!(ours(Algorithm::EdDSA, "Ed25519", &x, &[], &msg, &sig_bytes));
        let (sig2, msg2) = (tamper(&sig_bytes, flip_sig, bit), tamper(&msg, flip_msg, bit / 7));
        let reference = ed25519_dalek::Signature::from_slice(&sig2)
            .is_ok_and(|s| sk.verifying_key().verify_strict(&msg2, &s).is_ok());
        prop_assert_eq!(ours(Algorithm::EdDSA, "Ed25519", &x, &[], &msg2, &sig2), reference);
    }

    /// Random `R || S` under a real key, `S` often at or above the group order: both refuse.
    #[test]
    fn random_eddsa_signatures_agree(
        secret in any::<[u8; 32]>(),
        sig in any::<[u8; 64]>(),
        msg in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let sk = ed25519_dalek::SigningKey::from_bytes(&secret);
        let x = sk.verifying_key().to_bytes();
        let reference = ed25519_dalek::Signature::from_slice(&sig)
            .is_ok_and(|s| sk.verifying_key().verify_strict(&msg, &s).is_ok());
        prop_assert_eq!(ours(Algorithm::EdDSA, "Ed25519", &x, &[], &msg, &sig), reference);
    }
}
