//! EMSA-PSS verification (RFC 8017 section 9.1.2) with the JWS parameters (RFC 7518 section
//! 3.5): MGF1 with the message hash, salt length equal to the hash length, trailer `BC`.

use alloc::vec::Vec;

use super::Hash;

/// Checks an encoded message `em` (`em_len` = ceil(em_bits / 8) octets) against the message
/// digest `m_hash`. Steps numbered as in RFC 8017 9.1.2.
pub fn verify(hash: Hash, m_hash: &[u8], em: &[u8], em_bits: usize) -> bool {
    let h_len = hash.output_len();
    let s_len = h_len;
    let em_len = em.len();
    if em_len != em_bits.div_ceil(8) {
        return false;
    }
    // 3. emLen < hLen + sLen + 2 -> inconsistent
    if em_len < h_len + s_len + 2 {
        return false;
    }
    // 4. the rightmost octet must be 0xbc
    let Some((&0xbc, rest)) = em.split_last() else {
        return false;
    };
    // 5. maskedDB (emLen - hLen - 1 octets) || H (hLen octets)
    let db_len = em_len - h_len - 1;
    let Some((masked_db, h)) = rest.split_at_checked(db_len) else {
        return false;
    };
    // 6. the leftmost 8 * emLen - emBits bits of maskedDB must be zero
    let unused = 8 * em_len - em_bits; // 0..=7
    let top_mask: u8 = !(0xffu8 >> unused);
    if masked_db.first().is_none_or(|&b| b & top_mask != 0) {
        return false;
    }
    // 7-8. DB = maskedDB xor MGF1(H, emLen - hLen - 1)
    let mut db: Vec<u8> = masked_db.to_vec();
    mgf1_xor(hash, h, &mut db);
    // 9. clear the unused top bits
    if let Some(b) = db.first_mut() {
        *b &= !top_mask;
    }
    // 10. DB = PS (emLen - hLen - sLen - 2 zero octets) || 0x01 || salt (sLen octets)
    let ps_len = em_len - h_len - s_len - 2;
    let Some((ps, tail)) = db.split_at_checked(ps_len) else {
        return false;
    };
    let Some((&0x01, salt)) = tail.split_first() else {
        return false;
    };
    if ps.iter().any(|&b| b != 0) || salt.len() != s_len {
        return false;
    }
    // 11-13. H' = Hash(00 x 8 || mHash || salt)
    let h2 = hash.digest_parts(&[&[0u8; 8], m_hash, salt]);
    // 14.
    h2.as_slice() == h
}

/// `out ^= MGF1(seed, out.len())` with the given hash.
fn mgf1_xor(hash: Hash, seed: &[u8], out: &mut [u8]) {
    for (counter, chunk) in out.chunks_mut(hash.output_len()).enumerate() {
        let c = (counter as u32).to_be_bytes();
        let block = hash.digest_parts(&[seed, &c]);
        for (o, m) in chunk.iter_mut().zip(block.as_slice()) {
            *o ^= m;
        }
    }
}
