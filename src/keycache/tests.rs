use super::*;
use alloc::format;
use alloc::string::String;

const T0: i64 = 1_700_000_000;

/// A JWK Set with RSA keys of the given kids (key material is not checked by the cache).
fn jwks(kids: &[&str]) -> String {
    let keys: alloc::vec::Vec<String> = kids
        .iter()
        .map(|k| format!(r#"{{"kty":"RSA","kid":"{k}","n":"sXch","e":"AQAB"}}"#))
        .collect();
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

fn kids(cache: &KeyCache, now: i64) -> alloc::vec::Vec<String> {
    cache
        .usable(now)
        .map(|s| {
            s.keys()
                .iter()
                .filter_map(|k| k.key_id().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn fetched(kids_: &[&str], cc: Option<&str>) -> KeyCache {
    let mut c = KeyCache::default();
    assert_eq!(c.decide(T0, None), CacheDecision::Fetch);
    c.on_fetch_ok(T0, jwks(kids_).as_bytes(), cc).unwrap();
    c
}

#[test]
fn empty_cache_fetches_then_serves_while_fresh() {
    let c = fetched(&["a"], None);
    assert_eq!(c.decide(T0, Some("a")), CacheDecision::Serve);
    assert_eq!(c.decide(T0 + 599, Some("a")), CacheDecision::Serve);
    assert_eq!(c.decide(T0 + 600, Some("a")), CacheDecision::Fetch);
    assert_eq!(kids(&c, T0 + 1), ["a"]);
}

#[test]
fn unknown_kid_refetches_at_most_once_per_cooldown() {
    let mut c = fetched(&["a"], None);
    // Just fetched: an unknown kid waits out the cooldown.
    assert_eq!(c.decide(T0 + 29, Some("b")), CacheDecision::Serve);
    assert_eq!(c.decide(T0 + 30, Some("b")), CacheDecision::Fetch);
    c.on_fetch_ok(T0 + 30, jwks(&["a"]).as_bytes(), None)
        .unwrap();
    // Still unknown after the refetch: no new fetch for another 30 s.
    assert_eq!(c.decide(T0 + 31, Some("b")), CacheDecision::Serve);
    assert_eq!(c.decide(T0 + 59, Some("b")), CacheDecision::Serve);
    assert_eq!(c.decide(T0 + 60, Some("b")), CacheDecision::Fetch);
    // No kid in the token never forces a fetch while fresh.
    assert_eq!(c.decide(T0 + 60, None), CacheDecision::Serve);
}

#[test]
fn a_successful_fetch_replaces_the_set() {
    let mut c = fetched(&["old", "cur"], None);
    c.on_fetch_ok(T0 + 40, jwks(&["cur", "new"]).as_bytes(), None)
        .unwrap();
    assert_eq!(kids(&c, T0 + 41), ["cur", "new"]);
}

#[test]
fn failed_refresh_serves_stale_until_the_stale_limit() {
    let mut c = fetched(&["a"], None);
    let expiry = T0 + 600;
    assert_eq!(c.decide(expiry, None), CacheDecision::Fetch);
    c.on_fetch_error(expiry, false);
    assert_eq!(kids(&c, expiry), ["a"]);
    // Within the cooldown after the failure: serve stale, no fetch.
    assert_eq!(c.decide(expiry + 29, None), CacheDecision::Serve);
    assert_eq!(c.decide(expiry + 30, None), CacheDecision::Fetch);
    c.on_fetch_error(expiry + 30, true);
    assert!(c.usable(expiry + 3_599).is_ok());
    let err = c.usable(expiry + 3_600).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::JwksTimeout);
    c.on_fetch_error(expiry + 3_630, false);
    assert_eq!(
        c.usable(expiry + 3_630).unwrap_err().kind(),
        ErrorKind::JwksUnavailable
    );
    // A later success recovers.
    c.on_fetch_ok(expiry + 4_000, jwks(&["b"]).as_bytes(), None)
        .unwrap();
    assert_eq!(kids(&c, expiry + 4_000), ["b"]);
}

#[test]
fn cold_cache_failure_reports_and_does_not_hammer() {
    let mut c = KeyCache::default();
    assert_eq!(c.decide(T0, None), CacheDecision::Fetch);
    c.on_fetch_error(T0, true);
    assert_eq!(c.usable(T0).unwrap_err().kind(), ErrorKind::JwksTimeout);
    assert_eq!(c.decide(T0 + 10, None), CacheDecision::Serve);
    assert_eq!(
        c.usable(T0 + 10).unwrap_err().kind(),
        ErrorKind::JwksTimeout
    );
    assert_eq!(c.decide(T0 + 30, None), CacheDecision::Fetch);
}

#[test]
fn server_max_age_is_clamped() {
    let cases: &[(Option<&str>, i64)] = &[
        (Some("public, max-age=5"), 30),
        (Some("max-age=300"), 300),
        (Some("Max-Age=\"120\", must-revalidate"), 120),
        (Some("max-age=99999999999999999999999"), 86_400),
        (Some("no-store"), 30),
        (Some("no-cache, max-age=900"), 30),
        (Some("max-age=-1"), 600),
        (Some("max-age=abc"), 600),
        (Some("public"), 600),
        (None, 600),
    ];
    for (cc, ttl) in cases {
        let c = fetched(&["a"], *cc);
        assert_eq!(c.freshness(), Some((T0, T0 + ttl)), "{cc:?}");
        assert_eq!(c.decide(T0 + ttl - 1, None), CacheDecision::Serve, "{cc:?}");
        assert_eq!(c.decide(T0 + ttl, None), CacheDecision::Fetch, "{cc:?}");
    }
}

#[test]
fn oversized_or_invalid_responses_keep_the_previous_set() {
    let mut c = fetched(&["a"], None);
    let big = alloc::vec![b' '; 64 * 1024 + 1];
    let err = c.on_fetch_ok(T0 + 700, &big, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::JwksUnavailable);
    assert_eq!(kids(&c, T0 + 700), ["a"]);
    for bad in [&b"{\"nokeys\":1}"[..], b"not json", b"\xff\xfe", b"[]"] {
        let err = c.on_fetch_ok(T0 + 700, bad, None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::JwksInvalid);
        assert_eq!(kids(&c, T0 + 700), ["a"]);
    }
    // The failures count as attempts: the cooldown applies before the next fetch.
    assert_eq!(c.decide(T0 + 710, None), CacheDecision::Serve);
    assert_eq!(c.decide(T0 + 730, None), CacheDecision::Fetch);
}

#[test]
fn restore_keeps_original_times_and_never_goes_back() {
    let mut c = KeyCache::default();
    let set = JwkSet::from_json(&jwks(&["x"])).unwrap();
    c.restore(set, T0 - 100, T0 + 500);
    assert_eq!(c.decide(T0, None), CacheDecision::Serve);
    assert_eq!(c.decide(T0 + 500, None), CacheDecision::Fetch);
    let older = JwkSet::from_json(&jwks(&["old"])).unwrap();
    c.restore(older, T0 - 200, T0 + 400);
    assert_eq!(kids(&c, T0), ["x"]);
}
