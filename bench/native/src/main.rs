//! Native rows of `bench/run.sh`: the core's `Verifier::verify` on the benchmark's ID tokens
//! (base64url, JSON, key selection, RS256, claims; no memo) and the raw RSA public-key operation
//! (RSAVP1, `sig^e mod n`) on their signatures. A benchmark, not a test.
//!
//! Usage: `oidc-edge-bench-native <fixture.txt>`; then, on stdin, one command per line:
//! `warm <seconds>` or `round <seconds>`. For each `round` it prints one JSON line per row with
//! the operations counted and the CPU seconds (user + system) of this process they took.
//!
//! Fixture (written by bench/js/suite.mjs): line 1 `now` (Unix seconds), line 2 issuer, line 3
//! client id, line 4 the JWK Set JSON, then one token per line.

use std::hint::black_box;
use std::io::{BufRead, Write};

use oidc_edge::jwk::JwkSet;
use oidc_edge::verify::{Verifier, VerifyOptions};

/// CPU time of this process (single-threaded) in seconds: `/proc/self/schedstat` (nanoseconds
/// on CPU), else `/proc/self/stat` (user + system ticks of 10 ms).
fn cpu_seconds() -> f64 {
    if let Ok(s) = std::fs::read_to_string("/proc/self/schedstat") {
        if let Some(ns) = s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()) {
            return ns as f64 / 1e9;
        }
    }
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let rest = &stat[stat.rfind(')').expect("stat") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

/// Runs `op(i)` in batches until `secs` CPU seconds have passed: (operations, CPU seconds).
fn measure(secs: f64, mut op: impl FnMut(usize)) -> (u64, f64) {
    let start = cpu_seconds();
    let mut n: u64 = 0;
    loop {
        for _ in 0..16 {
            op(n as usize);
            n += 1;
        }
        let used = cpu_seconds() - start;
        if used >= secs {
            return (n, used);
        }
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: oidc-edge-bench-native <fixture.txt>");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let mut lines = text.lines();
    let now: i64 = lines.next().unwrap().trim().parse().expect("now");
    let issuer = lines.next().unwrap().to_string();
    let client = lines.next().unwrap().to_string();
    let keys = JwkSet::from_json(lines.next().unwrap()).expect("JWK Set");
    let tokens: Vec<String> = lines.filter(|l| !l.is_empty()).map(String::from).collect();
    assert!(!tokens.is_empty(), "no tokens");

    let verifier = Verifier::new(VerifyOptions {
        issuer: vec![issuer],
        client_ids: vec![client],
        ..VerifyOptions::default()
    })
    .expect("options");
    // Sanity: every token verifies; the raw operation succeeds on every signature.
    let key = keys.keys()[0].rsa_key().expect("RSA key").clone();
    let signatures: Vec<Vec<u8>> = tokens
        .iter()
        .map(|t| {
            verifier.verify(t, &keys, now).expect("token verifies");
            let sig = oidc_edge::base64url::decode(t.rsplit('.').next().unwrap().as_bytes()).expect("b64");
            assert!(key.raw_public_op(&sig).is_some());
            sig
        })
        .collect();
    let mask = tokens.len() - 1;
    assert!(tokens.len().is_power_of_two());

    let mut full = |i: usize| {
        black_box(verifier.verify(black_box(&tokens[i & mask]), &keys, now).is_ok());
    };
    let mut raw = |i: usize| {
        black_box(key.raw_public_op(black_box(&signatures[i & mask])));
    };

    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        let mut words = line.split_whitespace();
        let cmd = words.next().unwrap_or("");
        let secs: f64 = words.next().and_then(|s| s.parse().ok()).unwrap_or(1.0);
        match cmd {
            "warm" => {
                measure(secs / 2.0, &mut full);
                measure(secs / 2.0, &mut raw);
                writeln!(out, "{{\"warm\":true}}").unwrap();
            }
            "round" => {
                let (n, s) = measure(secs, &mut full);
                writeln!(out, "{{\"row\":\"native-token\",\"ops\":{n},\"cpu\":{s}}}").unwrap();
                let (n, s) = measure(secs, &mut raw);
                writeln!(out, "{{\"row\":\"native-raw\",\"ops\":{n},\"cpu\":{s}}}").unwrap();
            }
            _ => break,
        }
        out.flush().unwrap();
    }
}
