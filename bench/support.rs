//! What the cargo benchmarks share: how they measure (calls per CPU-second of this process,
//! what `openssl speed` reports too, so both sides of a side-by-side row are measured the same
//! way on a shared machine) and the ID token they verify. Not a test: nothing asserts on time.

use core::time::Duration;
use std::time::Instant;

/// CPU time (user + system) of this process in seconds, from `/proc/self/stat` (Linux; 10 ms
/// ticks), or `None` elsewhere. `openssl speed` also divides by CPU (user) time by default,
/// so on a shared machine both sides are measured the same way.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

/// Calls `f` repeatedly for about `secs` seconds of CPU time; returns calls per CPU-second
/// (per wall-clock second where CPU time is not available).
pub fn rate(secs: f64, mut f: impl FnMut()) -> f64 {
    // warm-up
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(100) {
        f();
    }
    let mut n = 0u64;
    let wall = Instant::now();
    let cpu0 = cpu_seconds();
    loop {
        for _ in 0..16 {
            f();
        }
        n += 16;
        let elapsed = match (cpu0, cpu_seconds()) {
            (Some(a), Some(b)) => b - a,
            _ => wall.elapsed().as_secs_f64(),
        };
        if elapsed >= secs {
            return n as f64 / elapsed;
        }
    }
}

/// Seconds per measurement from the environment variable `var` (default 2).
pub fn seconds(var: &str) -> f64 {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0)
}

/// Which clock [`rate`] divides by: "CPU" where the process CPU time can be read.
pub fn clock() -> &'static str {
    if cpu_seconds().is_some() {
        "CPU"
    } else {
        "wall-clock"
    }
}

/// A fixed "now" for the benchmark tokens (2026-01-01T00:00:00Z).
pub const NOW: i64 = 1_767_225_600;

/// The claims of the benchmarks' ID token (iss `https://issuer.example.com/realms/main`, aud
/// and azp `s6BhdRkqt3`, nonce `n-0S6_WzA2Mj`): about 600 octets, as a provider issues them.
pub fn id_token_claims() -> String {
    format!(
        concat!(
            r#"{{"iss":"https://issuer.example.com/realms/main","sub":"248289761001","#,
            r#""aud":"s6BhdRkqt3","nonce":"n-0S6_WzA2Mj","exp":{},"iat":{},"auth_time":{},"#,
            r#""name":"Jane Doe","given_name":"Jane","family_name":"Doe","#,
            r#""email":"janedoe@example.com","email_verified":true,"#,
            r#""picture":"https://example.com/janedoe/me.jpg","locale":"en-US","#,
            r#""at_hash":"77QmUPtjPfzWtF2AnpK9RQ","sid":"08a5019c-17e1-4977-8f42-65a12843ea02","#,
            r#""acr":"urn:mace:incommon:iap:silver","amr":["pwd","otp"],"#,
            r#""azp":"s6BhdRkqt3","jti":"d5c8a3e4-5b0f-4c1e-9a4b-2f0c7e9b1a6d"}}"#
        ),
        NOW + 3600,
        NOW,
        NOW - 60
    )
}

/// Verification options for [`id_token_claims`].
pub fn id_token_options() -> oidc_edge::VerifyOptions {
    oidc_edge::VerifyOptions {
        issuer: vec!["https://issuer.example.com/realms/main".into()],
        client_ids: vec!["s6BhdRkqt3".into()],
        nonce: Some("n-0S6_WzA2Mj".into()),
        ..oidc_edge::VerifyOptions::default()
    }
}
