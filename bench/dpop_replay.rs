//! The DPoP replay memory (`dpop::ReplayCache`) in steady state: proofs arriving at a fixed
//! rate, each remembered for 65 s (the default `max_age` of 60 s plus 5 s of tolerance), in a
//! cache of the default 10,000 entries: below capacity at 100 proofs/s, evicting on every
//! proof at 1,000 and 5,000/s. A benchmark, not a test: nothing here asserts on time.
//!
//! Run: `cargo bench --bench dpop_replay`.

use core::hint::black_box;
use std::time::Instant;

use oidc_edge::dpop::{DpopProof, ReplayCache, DEFAULT_REPLAY_CAPACITY};

/// Proofs checked per row.
const PROOFS: u64 = 200_000;

fn proof(i: u64, expires_at: i64) -> DpopProof {
    DpopProof {
        jkt: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs".into(),
        header: Default::default(),
        claims: Default::default(),
        jti: format!("jti-{i}"),
        iat: expires_at - 65,
        expires_at,
    }
}

fn main() {
    println!("oidc-edge DPoP replay memory ({DEFAULT_REPLAY_CAPACITY} entries, 65 s per proof)");
    for rate in [100u64, 1_000, 5_000] {
        let at = |i: u64| 1_000 + (i / rate) as i64;
        let proofs: Vec<DpopProof> = (0..PROOFS).map(|i| proof(i, at(i) + 65)).collect();
        let mut cache = ReplayCache::default();
        let start = Instant::now();
        for (i, p) in (0..PROOFS).zip(&proofs) {
            black_box(cache.check_and_remember(p, at(i)).is_ok());
        }
        let us = start.elapsed().as_secs_f64() / PROOFS as f64 * 1e6;
        println!(
            "{rate:>5} proofs/s: {us:.2} us per check (SHA-256 of the key included), {} remembered",
            cache.len()
        );
    }
}
