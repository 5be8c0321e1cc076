//! EMSA-PKCS1-v1_5 encoding (RFC 8017 section 9.2), for comparison only.
//!
//! Verification builds the one block a valid signature can decrypt to and compares it with the
//! decrypted block as a whole; the decrypted block is never parsed. The DigestInfo is the DER
//! form with the explicit NULL parameter (RFC 8017 section 9.2, note 1): the variant without
//! NULL (Wycheproof's `MissingNull`, "acceptable") is rejected, as OpenSSL does.

use alloc::vec::Vec;

use super::Hash;

/// DER `DigestInfo` prefix (algorithm identifier with NULL parameters, then the OCTET STRING
/// header) for each hash, RFC 8017 section 9.2 note 1.
fn digest_info_prefix(hash: Hash) -> &'static [u8] {
    match hash {
        Hash::Sha256 => &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ],
        Hash::Sha384 => &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x02, 0x05, 0x00, 0x04, 0x30,
        ],
        Hash::Sha512 => &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x03, 0x05, 0x00, 0x04, 0x40,
        ],
    }
}

/// The encoded message `00 01 FF..FF 00 DigestInfo(hash, digest)` of exactly `k` octets, or
/// `None` when `k` is too short (fewer than 8 octets of `FF` would fit).
pub fn encode(hash: Hash, digest: &[u8], k: usize) -> Option<Vec<u8>> {
    let prefix = digest_info_prefix(hash);
    let t_len = prefix.len() + digest.len();
    if k < t_len + 11 {
        return None;
    }
    let mut em = Vec::with_capacity(k);
    em.push(0x00);
    em.push(0x01);
    em.resize(k - t_len - 1, 0xff);
    em.push(0x00);
    em.extend_from_slice(prefix);
    em.extend_from_slice(digest);
    debug_assert_eq!(em.len(), k);
    Some(em)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let d = [0xabu8; 32];
        let em = encode(Hash::Sha256, &d, 256).unwrap();
        assert_eq!(em.len(), 256);
        assert_eq!(&em[..2], &[0, 1]);
        assert!(em[2..256 - 52].iter().all(|&b| b == 0xff));
        assert_eq!(em[256 - 52], 0);
        assert_eq!(&em[256 - 32..], &d);
        assert!(encode(Hash::Sha512, &[0u8; 64], 93).is_none());
        assert!(encode(Hash::Sha512, &[0u8; 64], 94).is_some());
    }
}
