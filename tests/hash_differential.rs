//! The crate's own SHA-2 and HMAC-SHA-256 (`oidc_edge::hash`) against the `sha2` and `hmac`
//! crates, on random messages fed in random pieces (every padding case: lengths around the
//! block boundaries come up often with these sizes) and random keys (shorter and longer than
//! the block).

use hmac::Mac;
use oidc_edge::hash::{hmac_sha256, Sha256, Sha384, Sha512};
use proptest::prelude::*;
use sha2::Digest;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn sha2_agrees_in_any_pieces(data in prop::collection::vec(any::<u8>(), 0..400), cut in any::<prop::sample::Index>()) {
        let (a, b) = data.split_at(cut.index(data.len() + 1));
        let mut h256 = Sha256::new();
        h256.update(a).update(b);
        prop_assert_eq!(h256.finalize().to_vec(), sha2::Sha256::digest(&data).to_vec());
        let mut h384 = Sha384::new();
        h384.update(a).update(b);
        prop_assert_eq!(h384.finalize().to_vec(), sha2::Sha384::digest(&data).to_vec());
        let mut h512 = Sha512::new();
        h512.update(a).update(b);
        prop_assert_eq!(h512.finalize().to_vec(), sha2::Sha512::digest(&data).to_vec());
    }

    #[test]
    fn hmac_agrees(key in prop::collection::vec(any::<u8>(), 0..200), msg in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut reference = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        reference.update(&msg);
        let (a, b) = msg.split_at(msg.len() / 3);
        prop_assert_eq!(hmac_sha256(&key, &[a, b]).to_vec(), reference.finalize().into_bytes().to_vec());
    }
}
