//! The key slots over the fake I/O: fetch, restore, rotation, outage, floods.

use core::cell::RefCell;

use oidc_edge::keycache::{CacheDecision, KeyCachePolicy};
use oidc_edge::ErrorKind;

use super::*;
use crate::testing::{block_on, hang, join_all, network, reply, FakeIo};

/// A JWK Set with one (policy-breaking, hence unusable, but listed) key `a1`.
const JWKS_A: &str = r#"{"keys":[{"kty":"RSA","kid":"a1","n":"AQAB","e":"AQAB"}]}"#;
/// The same after a rotation: `b1` added.
const JWKS_B: &str = r#"{"keys":[{"kty":"RSA","kid":"a1","n":"AQAB","e":"AQAB"},{"kty":"RSA","kid":"b1","n":"AQAB","e":"AQAB"}]}"#;
const P: &str = "https://p/jwks";
const S: &str = "https://s/jwks";

fn policy() -> KeyCachePolicy {
    KeyCachePolicy {
        cooldown: 30,
        ..KeyCachePolicy::default()
    }
}

fn slot(urls: &[&str]) -> RefCell<KeySlot> {
    RefCell::new(KeySlot::new(
        "primary",
        "https://iss",
        urls.iter().map(|s| s.to_string()).collect(),
        policy(),
    ))
}

fn fetches(io: &FakeIo) -> usize {
    io.calls.borrow().len()
}

/// A slot over the primary URL that fetched `JWKS_A` at t = 1000 s.
fn warm() -> (FakeIo, RefCell<KeySlot>) {
    let io = FakeIo::at_s(1_000);
    io.serve(P, 200, JWKS_A);
    let s = slot(&[P]);
    assert_eq!(block_on(ensure(&s, &io, Some("a1"))), KeyEvent::Fetched);
    (io, s)
}

#[test]
fn cold_fetch_then_serve_then_rotation_refetches_once() {
    let io = FakeIo::at_s(1_000);
    io.serve(P, 200, JWKS_A);
    let s = slot(&[P]);
    assert_eq!(block_on(ensure(&s, &io, Some("a1"))), KeyEvent::Fetched);
    assert!(s.borrow().usable(1_000).is_ok());
    let call = io.calls.borrow()[0].clone();
    assert_eq!((call.max_body, call.timeout_ms), (65_536, 5_000));
    assert_eq!(call.method, crate::io::Method::Get);
    assert!(call.header("accept").unwrap().contains("jwk-set+json"));
    // Known kid: no fetch.
    assert_eq!(block_on(ensure(&s, &io, Some("a1"))), KeyEvent::Served);
    // Persisted for other isolates.
    assert_eq!(io.cache.borrow().len(), 1);
    // Rotation: unknown kid after the cooldown -> exactly one fetch, then served.
    io.set_now_s(1_031);
    io.serve(P, 200, JWKS_B);
    assert_eq!(block_on(ensure(&s, &io, Some("b1"))), KeyEvent::Fetched);
    assert_eq!(block_on(ensure(&s, &io, Some("b1"))), KeyEvent::Served);
    assert!(s
        .borrow()
        .current()
        .unwrap()
        .keys()
        .iter()
        .any(|k| k.key_id() == Some("b1")));
    // An unknown kid within the cooldown: no fetch.
    assert_eq!(block_on(ensure(&s, &io, Some("zz"))), KeyEvent::Served);
    assert_eq!(fetches(&io), 2);
}

#[test]
fn a_flood_of_unknown_kids_costs_one_fetch_per_cooldown() {
    let (io, s) = warm();
    io.set_now_s(1_031);
    // 50 concurrent requests, each with another unknown kid; the fetch takes a while, so
    // they all arrive while it is in flight.
    io.script(P, &[reply(40, 200, JWKS_A).yielding(5)]);
    let kids: Vec<String> = (0..50).map(|i| std::format!("x{i}")).collect();
    let events = join_all(kids.iter().map(|k| ensure(&s, &io, Some(k))).collect());
    assert_eq!(fetches(&io), 2, "one fetch for the whole flood");
    assert_eq!(
        events.iter().filter(|e| **e == KeyEvent::Fetched).count(),
        1
    );
    assert_eq!(
        events.iter().filter(|e| **e == KeyEvent::Waited).count(),
        49
    );
    // And none until the cooldown has passed since that fetch.
    let events = join_all(kids.iter().map(|k| ensure(&s, &io, Some(k))).collect());
    assert!(events.iter().all(|e| *e == KeyEvent::Served));
    io.advance(30_000);
    join_all(kids.iter().map(|k| ensure(&s, &io, Some(k))).collect());
    assert_eq!(fetches(&io), 3);
}

#[test]
fn a_known_kid_is_served_while_a_refresh_is_in_flight() {
    let (_, s) = warm();
    s.borrow_mut().fetching_since = Some(1_700);
    // Expired, refresh in flight: the known kid is served, an unknown one must wait.
    assert_eq!(s.borrow().decide(1_701, Some("a1")), CacheDecision::Serve);
    assert_eq!(s.borrow().decide(1_701, Some("zz")), CacheDecision::Fetch);
    assert!(s.borrow().in_flight(1_701));
    // A refresh that started longer than a timeout ago no longer counts.
    assert!(!s.borrow().in_flight(1_706));
    assert_eq!(s.borrow().decide(1_706, Some("a1")), CacheDecision::Fetch);
}

#[test]
fn new_isolate_restores_from_the_cache_api() {
    let io = FakeIo::at_s(1_000);
    io.serve(P, 200, JWKS_A);
    block_on(ensure(&slot(&[P]), &io, Some("a1")));
    let second = slot(&[P]);
    io.set_now_s(1_010);
    assert_eq!(
        block_on(ensure(&second, &io, Some("a1"))),
        KeyEvent::Restored
    );
    assert_eq!(fetches(&io), 1, "no refetch");
    // The restored set keeps its times: the mirror's remaining freshness counts from 1000.
    let (doc, left) = second
        .borrow()
        .mirror(1_010)
        .map(|(d, l)| (d.to_string(), l))
        .unwrap();
    assert_eq!(doc, JWKS_A);
    assert_eq!(left, 590);
    // Past its lifetime the restored set is refreshed from the network.
    io.set_now_s(1_700);
    assert_eq!(
        block_on(ensure(&second, &io, Some("a1"))),
        KeyEvent::Fetched
    );
}

#[test]
fn restored_sets_are_checked_again_and_their_lifetime_capped() {
    let p = policy();
    let now = 10_000;
    // A stored entry claiming a day of life gets the configured maximum age (600 s).
    let doc = persist_doc(JWKS_A, now - 10, now + 86_400);
    let r = parse_persisted(&doc, now, &p).unwrap();
    assert_eq!((r.fetched_at, r.expires_at), (now - 10, now - 10 + 600));
    // Private members in a stored entry are dropped, as from a fetch.
    let leaky = r#"{"keys":[{"kty":"RSA","kid":"a1","n":"AQAB","e":"AQAB","d":"SECRET"}]}"#;
    let r = parse_persisted(&persist_doc(leaky, now, now + 60), now, &p).unwrap();
    assert!(!r.public.contains("SECRET"));
    // Refused: fetched in the future, no lifetime, too large, not a set, another version.
    let big = std::format!(
        r#"{{"keys":[{{"kty":"RSA","kid":"{}"}}]}}"#,
        "a".repeat(p.max_response_bytes)
    );
    for bad in [
        persist_doc(JWKS_A, now + 3_600, now + 4_000),
        persist_doc(JWKS_A, now, now),
        persist_doc(&big, now, now + 60),
        persist_doc("[]", now, now + 60),
        persist_doc(JWKS_A, now, now + 60).replace("\"v\":2", "\"v\":1"),
        String::new(),
    ] {
        assert!(parse_persisted(&bad, now, &p).is_none(), "{bad:.80}");
    }
}

#[test]
fn another_issuers_persisted_set_is_not_restored() {
    let a = store_key("primary", "https://iss-a", &["https://p/jwks".into()]);
    let b = store_key("primary", "https://iss-b", &["https://p/jwks".into()]);
    let c = store_key("primary", "https://iss-a", &["https://q/jwks".into()]);
    assert_ne!(a, b);
    assert_ne!(a, c);
    assert!(a.starts_with("https://oidc-edge.invalid/jwks/v2/primary/"));
}

#[test]
fn shared_mode_fails_over_to_the_second_url() {
    for first in [
        network(0),
        hang(),
        reply(0, 200, "{\"not\":\"a set\"}"),
        reply(0, 503, "{}"),
    ] {
        let io = FakeIo::at_s(1_000);
        io.script(P, &[first]);
        io.serve(S, 200, JWKS_A);
        let s = slot(&[P, S]);
        assert_eq!(block_on(ensure(&s, &io, Some("a1"))), KeyEvent::Fetched);
        assert_eq!(fetches(&io), 2);
        assert!(s.borrow().usable(io.now_s()).is_ok());
    }
}

#[test]
fn outages_are_remembered_until_a_fetch_succeeds() {
    let io = FakeIo::at_s(1_000);
    io.script(P, &[hang()]);
    io.script(S, &[hang()]);
    let s = slot(&[P, S]);
    assert_eq!(block_on(ensure(&s, &io, Some("a1"))), KeyEvent::Failed);
    assert_eq!(
        s.borrow().usable(io.now_s()).unwrap_err().kind(),
        ErrorKind::JwksTimeout
    );
    assert_eq!(s.borrow().outage(), Some(ErrorKind::JwksTimeout));
    let io = FakeIo::at_s(1_000);
    io.script(P, &[hang()]);
    io.serve(S, 503, "{}");
    let s = slot(&[P, S]);
    block_on(ensure(&s, &io, Some("a1")));
    assert_eq!(s.borrow().outage(), Some(ErrorKind::JwksUnavailable));
    assert!(io.cache.borrow().is_empty(), "nothing persisted");
    io.advance(31_000);
    io.serve(P, 200, JWKS_A);
    block_on(ensure(&s, &io, Some("a1")));
    assert_eq!(s.borrow().outage(), None);
}

#[test]
fn oversized_key_sets_are_not_read() {
    let io = FakeIo::at_s(1_000);
    let big = std::format!(r#"{{"keys":[],"x":"{}"}}"#, "a".repeat(70_000));
    io.serve(P, 200, &big);
    let s = slot(&[P]);
    assert_eq!(block_on(ensure(&s, &io, None)), KeyEvent::Failed);
    assert_eq!(s.borrow().outage(), Some(ErrorKind::JwksUnavailable));
}

#[test]
fn host_down_keeps_serving_cached_keys_until_the_stale_limit() {
    let (io, s) = warm();
    io.script(P, &[network(0)]);
    io.set_now_s(1_000 + 600 + 10);
    assert_eq!(block_on(ensure(&s, &io, Some("a1"))), KeyEvent::Failed);
    assert!(
        s.borrow().usable(io.now_s()).is_ok(),
        "stale but within the limit"
    );
    io.set_now_s(1_000 + 600 + 3_600);
    block_on(ensure(&s, &io, Some("a1")));
    assert_eq!(
        s.borrow().usable(io.now_s()).unwrap_err().kind(),
        ErrorKind::JwksUnavailable
    );
}

#[test]
fn mirrors_and_the_cache_api_get_the_public_form_only() {
    let io = FakeIo::at_s(1_000);
    io.serve(
        P,
        200,
        r#"{"keys":[{"kty":"RSA","kid":"a1","n":"AQAB","e":"AQAB","d":"SECRET","p":"SECRET"}]}"#,
    );
    let s = slot(&[P]);
    block_on(ensure(&s, &io, Some("a1")));
    let (doc, _) = s
        .borrow()
        .mirror(1_000)
        .map(|(d, l)| (d.to_string(), l))
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(
        doc,
        serde_json::from_str::<serde_json::Value>(JWKS_A).unwrap()
    );
    assert!(io.cache.borrow().values().all(|d| !d.contains("SECRET")));
}
