//! Differential tests of the verify-only RSA against references.
//!
//! 1. Modular exponentiation (`raw_public_op`, RSAVP1) against `num_bigint::BigUint::modpow` on
//!    random odd moduli (2048, 3072, 4096, 8192 bits and random, often odd, bit lengths in
//!    between), random bases below the modulus plus edge bases, and exponents 65537, 3, other
//!    2^k + 1 values, 2^32 - 1 and random odd 32-bit values. Both limb widths are checked on
//!    every target: the key's own back end (64-bit limbs on 64-bit targets), and explicitly
//!    32-bit limbs (the wasm32 arithmetic) and 64-bit limbs. Moduli need not be RSA moduli:
//!    the arithmetic only needs n odd. Key generation would be far too slow for this many keys.
//!
//!    Size: `OIDC_EDGE_DIFF_ITERS` (default 1500, the CI share; the documented large run is
//!    `OIDC_EDGE_DIFF_ITERS=100000 cargo test --release --test rsa_differential`), seed
//!    `OIDC_EDGE_DIFF_SEED` (default fixed, printed so a failure can be replayed).
//!
//! 2. Full signatures: the `rsa` crate signs under fixed test keys (`tests/vectors/keys/rsa/`:
//!    2048, 2048 with e = 3, 2049 (odd length, PSS emLen = k - 1), 3072, 4096 bits) for all
//!    six JWS algorithms; ours must accept, and ours and the `rsa` crate must both reject
//!    corrupted signatures and messages, the wrong algorithm and the wrong key.

use std::path::PathBuf;

use num_bigint::BigUint;
use oidc_edge::alg::Algorithm;
use oidc_edge::rsa::{Hash, RsaPublicKey};
use oidc_edge::signature::{BuiltinVerifier, SignatureVerifier};
use oidc_edge::{KeyKind, PublicKey};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, Pss, RsaPrivateKey};
use sha2::{Digest, Sha256, Sha384, Sha512};

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number")),
        Err(_) => default,
    }
}

/// A random odd number of exactly `bits` bits, as big-endian octets.
fn random_modulus(rng: &mut StdRng, bits: usize) -> Vec<u8> {
    let k = bits.div_ceil(8);
    let mut n = vec![0u8; k];
    rng.fill_bytes(&mut n);
    let top_bits = bits - 8 * (k - 1); // 1..=8 bits used in n[0]
    n[0] &= 0xffu8 >> (8 - top_bits);
    n[0] |= 1 << (top_bits - 1);
    n[k - 1] |= 1;
    n
}

/// Left-pads to `k` octets.
fn pad(x: &BigUint, k: usize) -> Vec<u8> {
    let b = x.to_bytes_be();
    assert!(b.len() <= k);
    let mut out = vec![0u8; k - b.len()];
    out.extend_from_slice(&b);
    out
}

fn pick_bits(rng: &mut StdRng) -> usize {
    match rng.gen_range(0..10) {
        0..=2 => 2048,
        3 => 3072,
        4 => 4096,
        5 => 8192,
        6 => rng.gen_range(2048..=2112),
        7 => rng.gen_range(4033..=4160),
        _ => rng.gen_range(2048..=8192),
    }
}

fn pick_exponent(rng: &mut StdRng) -> u32 {
    match rng.gen_range(0..10) {
        0..=3 => 65537,
        4 => 3,
        5 => [5, 17, 257, (1 << 31) + 1][rng.gen_range(0..4)],
        6 => u32::MAX,
        _ => (rng.gen::<u32>() | 1).max(3),
    }
}

#[test]
fn modexp_matches_num_bigint() {
    let iters = env_u64("OIDC_EDGE_DIFF_ITERS", 1500);
    let seed = env_u64("OIDC_EDGE_DIFF_SEED", 0x6f69_6463_2d65_6467);
    println!("modexp differential: {iters} moduli, seed {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut checked = 0u64;
    let mut by_bits = [0u64; 4]; // 2048, 3072, 4096, 8192 exactly
    let mut odd_lengths = 0u64;
    for iter in 0..iters {
        let bits = pick_bits(&mut rng);
        let e = pick_exponent(&mut rng);
        let n_be = random_modulus(&mut rng, bits);
        let n = BigUint::from_bytes_be(&n_be);
        assert_eq!(n.bits() as usize, bits);
        let key = RsaPublicKey::from_components(&n_be, &e.to_be_bytes())
            .unwrap_or_else(|err| panic!("iter {iter}: {bits}-bit key refused: {err:?}"));
        let alts = [
            ("32-bit limbs", key.limb32().expect("32-bit key")),
            ("64-bit limbs", key.limb64().expect("64-bit key")),
            ("28-bit columns", key.limb28().expect("28-bit key")),
        ];
        assert_eq!(key.bits(), bits);
        assert_eq!(key.modulus_be(), n_be);
        let k = key.size();
        match bits {
            2048 => by_bits[0] += 1,
            3072 => by_bits[1] += 1,
            4096 => by_bits[2] += 1,
            8192 => by_bits[3] += 1,
            _ => {}
        }
        if bits % 2 == 1 {
            odd_lengths += 1;
        }

        // bases: two random ones below n, and on some iterations an edge value
        let mut bases = Vec::new();
        for _ in 0..2 {
            let mut x = vec![0u8; k];
            rng.fill_bytes(&mut x);
            bases.push(BigUint::from_bytes_be(&x) % &n);
        }
        match iter % 8 {
            0 => bases.push(BigUint::from(0u32)),
            1 => bases.push(BigUint::from(1u32)),
            2 => bases.push(&n - 1u32),
            3 => bases.push(&n - 2u32),
            4 => bases.push(BigUint::from(2u32)),
            5 => bases.push((BigUint::from(1u32) << (bits - 1)) - 1u32),
            _ => {}
        }
        let e_big = BigUint::from(e);
        for x in &bases {
            let want = pad(&x.modpow(&e_big, &n), k);
            let sig = pad(x, k);
            let got = key.raw_public_op(&sig);
            assert_eq!(
                got.as_deref(),
                Some(&want[..]),
                "iter {iter}: {bits} bits, e = {e}, seed {seed}, native back end"
            );
            for (name, alt) in &alts {
                assert_eq!(
                    alt.raw_public_op(&sig).as_deref(),
                    Some(&want[..]),
                    "iter {iter}: {bits} bits, e = {e}, seed {seed}, {name}"
                );
            }
            checked += 1;
        }

        // out of range: n itself, and n + small when it still fits in k octets; wrong length
        assert_eq!(key.raw_public_op(&n_be), None);
        for (name, alt) in &alts {
            assert_eq!(alt.raw_public_op(&n_be), None, "{name}: n itself");
        }
        let above = &n + BigUint::from(rng.gen_range(1u32..1000));
        if above.bits() as usize <= 8 * k {
            assert_eq!(key.raw_public_op(&pad(&above, k)), None);
        }
        let mut long = vec![0u8];
        long.extend_from_slice(&pad(&bases[0], k));
        assert_eq!(key.raw_public_op(&long), None);
        assert_eq!(key.raw_public_op(&long[2..]), None);
    }
    println!(
        "modexp differential: {checked} exponentiations x 3 back ends agree \
         ({} x 2048, {} x 3072, {} x 4096, {} x 8192 bits, {odd_lengths} odd bit lengths)",
        by_bits[0], by_bits[1], by_bits[2], by_bits[3]
    );
    assert!(
        iters < 50 || by_bits.iter().all(|&c| c > 0),
        "every size drawn"
    );
}

// ---------------------------------------------------------------------------------------------
// Full signatures under fixed keys

fn keys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/keys/rsa")
}

fn load(name: &str) -> RsaPrivateKey {
    let pem = std::fs::read_to_string(keys_dir().join(name)).expect("test key");
    RsaPrivateKey::from_pkcs8_pem(&pem).expect("PKCS#8 PEM")
}

fn public(sk: &RsaPrivateKey) -> RsaPublicKey {
    RsaPublicKey::from_components(&sk.n().to_bytes_be(), &sk.e().to_bytes_be()).expect("policy")
}

fn digest(alg: Algorithm, msg: &[u8]) -> Vec<u8> {
    match alg.hash() {
        Hash::Sha256 => Sha256::digest(msg).to_vec(),
        Hash::Sha384 => Sha384::digest(msg).to_vec(),
        Hash::Sha512 => Sha512::digest(msg).to_vec(),
    }
}

fn sign(sk: &RsaPrivateKey, alg: Algorithm, msg: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let d = digest(alg, msg);
    match alg {
        Algorithm::RS256 => sk.sign(Pkcs1v15Sign::new::<Sha256>(), &d),
        Algorithm::RS384 => sk.sign(Pkcs1v15Sign::new::<Sha384>(), &d),
        Algorithm::RS512 => sk.sign(Pkcs1v15Sign::new::<Sha512>(), &d),
        Algorithm::PS256 => sk.sign_with_rng(rng, Pss::new_with_salt::<Sha256>(32), &d),
        Algorithm::PS384 => sk.sign_with_rng(rng, Pss::new_with_salt::<Sha384>(48), &d),
        Algorithm::PS512 => sk.sign_with_rng(rng, Pss::new_with_salt::<Sha512>(64), &d),
        _ => unreachable!("RSA algorithms only"),
    }
    .expect("sign")
}

/// The `rsa` crate's verdict (salt length fixed to the hash length for PSS, as JWS requires).
fn reference_verify(sk: &RsaPrivateKey, alg: Algorithm, msg: &[u8], sig: &[u8]) -> bool {
    let pk = sk.to_public_key();
    let d = digest(alg, msg);
    match alg {
        Algorithm::RS256 => pk.verify(Pkcs1v15Sign::new::<Sha256>(), &d, sig),
        Algorithm::RS384 => pk.verify(Pkcs1v15Sign::new::<Sha384>(), &d, sig),
        Algorithm::RS512 => pk.verify(Pkcs1v15Sign::new::<Sha512>(), &d, sig),
        Algorithm::PS256 => pk.verify(Pss::new_with_salt::<Sha256>(32), &d, sig),
        Algorithm::PS384 => pk.verify(Pss::new_with_salt::<Sha384>(48), &d, sig),
        Algorithm::PS512 => pk.verify(Pss::new_with_salt::<Sha512>(64), &d, sig),
        _ => unreachable!("RSA algorithms only"),
    }
    .is_ok()
}

/// The crate's verdict through its public seam.
fn ours(alg: Algorithm, key: &RsaPublicKey, msg: &[u8], sig: &[u8]) -> bool {
    BuiltinVerifier.verify(alg, &PublicKey::Rsa(key.clone()), msg, sig)
}

const KEY_FILES: [&str; 5] = [
    "rsa2048.pem",
    "rsa2048_e3.pem",
    "rsa2049.pem",
    "rsa3072.pem",
    "rsa4096.pem",
];

#[test]
fn full_signatures_against_the_rsa_crate() {
    let mut rng = StdRng::seed_from_u64(7);
    let keys: Vec<(RsaPrivateKey, RsaPublicKey)> = KEY_FILES
        .iter()
        .map(|f| {
            let sk = load(f);
            let pk = public(&sk);
            (sk, pk)
        })
        .collect();
    assert_eq!(keys[1].1.exponent(), 3);
    assert_eq!(keys[2].1.bits(), 2049);
    let messages: [&[u8]; 3] = [
        b"",
        b"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIn0",
        &[0xa5; 1500],
    ];
    let mut accepted = 0;
    let mut rejected = 0;
    for (ki, (sk, pk)) in keys.iter().enumerate() {
        let other = &keys[(ki + 1) % keys.len()].1;
        for alg in Algorithm::ALL
            .into_iter()
            .filter(|a| a.key_kind() == KeyKind::Rsa)
        {
            for msg in messages {
                let sig = sign(sk, alg, msg, &mut rng);
                let ctx = format!("{} {alg} msg len {}", KEY_FILES[ki], msg.len());
                assert_eq!(sig.len(), pk.size(), "{ctx}");
                assert!(reference_verify(sk, alg, msg, &sig), "{ctx}: reference");
                assert!(ours(alg, pk, msg, &sig), "{ctx}: ours");
                accepted += 1;

                let mut reject =
                    |what: &str, m: &[u8], s: &[u8], a: Algorithm, key: &RsaPublicKey| {
                        assert!(!ours(a, key, m, s), "{ctx}: ours accepted {what}");
                        rejected += 1;
                    };
                // corrupted signature: random single-bit flips, a zeroed octet, truncation,
                // extension, the signature plus n (same value mod n, out of range or too long)
                for _ in 0..4 {
                    let mut bad = sig.clone();
                    let i = rng.gen_range(0..bad.len());
                    bad[i] ^= 1 << rng.gen_range(0..8);
                    assert!(
                        !reference_verify(sk, alg, msg, &bad),
                        "{ctx}: reference, flip"
                    );
                    reject("a flipped signature bit", msg, &bad, alg, pk);
                }
                let mut bad = sig.clone();
                bad[0] = bad[0].wrapping_add(1);
                reject("a changed top octet", msg, &bad, alg, pk);
                reject("a truncated signature", msg, &sig[1..], alg, pk);
                let mut long = vec![0u8];
                long.extend_from_slice(&sig);
                reject("a signature with a leading zero", msg, &long, alg, pk);
                let plus_n =
                    BigUint::from_bytes_be(&sig) + BigUint::from_bytes_be(&pk.modulus_be());
                let plus_n = plus_n.to_bytes_be();
                reject("signature + n", msg, &plus_n, alg, pk);
                // corrupted message: a flipped bit, an appended octet
                let mut bad_msg = msg.to_vec();
                if bad_msg.is_empty() {
                    bad_msg.push(0);
                } else {
                    let i = rng.gen_range(0..bad_msg.len());
                    bad_msg[i] ^= 1 << rng.gen_range(0..8);
                }
                assert!(
                    !reference_verify(sk, alg, &bad_msg, &sig),
                    "{ctx}: reference, msg"
                );
                reject("a corrupted message", &bad_msg, &sig, alg, pk);
                let mut longer = msg.to_vec();
                longer.push(b'.');
                reject("an extended message", &longer, &sig, alg, pk);
                // every other algorithm, and another key
                for other_alg in Algorithm::ALL {
                    if other_alg != alg {
                        reject("another algorithm", msg, &sig, other_alg, pk);
                    }
                }
                reject("another key", msg, &sig, alg, other);
            }
        }
    }
    println!("full signatures: {accepted} accepted, {rejected} corruptions rejected");
    assert_eq!(accepted, KEY_FILES.len() * 6 * 3);
}
