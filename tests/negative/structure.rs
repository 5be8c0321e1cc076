//! Check 1: structure, strict base64url, the size limit.

use super::*;

#[test]
fn malformed_structure_header_and_base64() {
    let good = id_token(&claims());
    let (h, rest) = good.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    let cases = [
        String::new(),
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}=.{p}.{s}"),
        format!("{h}.{p}.{s}="),
        format!("{h}.{p} .{s}"),
        format!("{h}.{p}.{s}\n"),
        format!("{h}.{}+.{s}", &p[..p.len() - 1]),
        format!("{}.{p}.{s}", b64(b"[\"alg\"]")),
        format!("{}.{p}.{s}", b64(b"{\"alg\":\"RS256\",\"alg\":\"RS256\"}")),
        format!("{}.{p}.{s}", b64(b"{\"alg\":\"RS256\"")),
        format!("{}.{p}.{s}", b64(b"{\"alg\":\"RS256\",\"kid\":\"\xff\"}")),
        format!("{}.{p}.{s}", b64(b"{\"kid\":\"test-a\"}")),
        format!("{}.{p}.{s}", b64(b"{\"alg\":256}")),
        format!("{}.{p}.{s}", b64(b"{\"alg\":\"RS256\",\"kid\":7}")),
    ];
    for (i, t) in cases.iter().enumerate() {
        let e = err(options(), t);
        assert_eq!(e.kind(), ErrorKind::Malformed, "case {i}: {e}");
        assert_eq!(e.code(), "ERR_JWS_INVALID", "case {i}");
    }
    check(
        &err(options(), &cases[12]),
        ErrorKind::Malformed,
        "ERR_JWS_INVALID",
        Some("alg"),
    );
    check(
        &err(options(), &cases[14]),
        ErrorKind::Malformed,
        "ERR_JWS_INVALID",
        Some("kid"),
    );
}

#[test]
fn non_canonical_final_base64_bits_are_malformed() {
    let good = id_token(&claims());
    let (input, sig) = good.rsplit_once('.').unwrap();
    // 256 octets encode to 342 characters with 2 unused bits at the end: set one of them.
    let last = sig.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let idx = alphabet.find(last).unwrap();
    let tweaked = alphabet.chars().nth(idx ^ 1).unwrap();
    let t = format!("{input}.{}{tweaked}", &sig[..sig.len() - 1]);
    check(
        &err(options(), &t),
        ErrorKind::Malformed,
        "ERR_JWS_INVALID",
        None,
    );
}

#[test]
fn token_too_large_comes_first() {
    let mut o = options();
    o.max_token_size = 100;
    let t = "x".repeat(101);
    check(
        &err(o.clone(), &t),
        ErrorKind::TokenTooLarge,
        "ERR_JWS_INVALID",
        None,
    );
    // default 16 KiB: a valid-looking token with a huge claim
    let big = id_token(&with(claims(), json!({"pad": "a".repeat(16 * 1024)})));
    check(
        &err(options(), &big),
        ErrorKind::TokenTooLarge,
        "ERR_JWS_INVALID",
        None,
    );
}
