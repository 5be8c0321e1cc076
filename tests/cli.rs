//! The `oidc-edge` binary (feature `cli`): exit codes and JSON output.

mod mint;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use mint::{claims, id_token, with, CLIENT, ISS, NOW};
use serde_json::{json, Value};

fn jwks_file() -> String {
    mint::vectors()
        .join("keys/core/public-jwks.json")
        .to_string_lossy()
        .into_owned()
}

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oidc-edge"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn base_args(jwks: &str) -> Vec<String> {
    [
        "verify",
        "--jwks",
        jwks,
        "--issuer",
        ISS,
        "--client-id",
        CLIENT,
        "--now",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([NOW.to_string()])
    .collect()
}

#[test]
fn valid_token_exit_0_with_header_and_claims() {
    let jwks = jwks_file();
    let token = id_token(&claims());
    let mut args = base_args(&jwks);
    args.push(token.clone());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args, None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = stdout_json(&out);
    assert_eq!(v["valid"], true);
    assert_eq!(v["header"]["kid"], "test-a");
    assert_eq!(v["claims"], claims());
    // the same through stdin, with "-" and with no token argument
    let mut args2: Vec<&str> = args[..args.len() - 1].to_vec();
    let out = run(&args2, Some(&format!("{token}\n")));
    assert_eq!(out.status.code(), Some(0));
    args2.push("-");
    let out = run(&args2, Some(&token));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout_json(&out)["valid"], true);
}

#[test]
fn invalid_token_exit_1_with_kind_code_claim() {
    let jwks = jwks_file();
    let expired = id_token(&with(claims(), json!({"exp": NOW - 30})));
    let mut args = base_args(&jwks);
    args.push(expired);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args, None);
    assert_eq!(out.status.code(), Some(1));
    let v = stdout_json(&out);
    assert_eq!(v["valid"], false);
    assert_eq!(v["error"]["kind"], "expired");
    assert_eq!(v["error"]["code"], "ERR_JWT_EXPIRED");
    assert_eq!(v["error"]["claim"], "exp");
    assert!(v["error"]["message"].is_string());
    // the nonce option is wired
    let mut args = base_args(&jwks);
    args.extend(["--nonce".into(), "other".into(), id_token(&claims())]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args, None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["error"]["kind"], "nonce_mismatch");
    // garbage
    let mut args = base_args(&jwks);
    args.push("not.a.token".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args, None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["error"]["kind"], "malformed");
    assert_eq!(stdout_json(&out)["error"]["claim"], Value::Null);
}

#[test]
fn usage_errors_exit_2() {
    let jwks = jwks_file();
    let token = id_token(&claims());
    let cases: Vec<Vec<&str>> = vec![
        // missing client id for the id_token profile
        vec!["verify", "--jwks", &jwks, "--issuer", ISS, &token],
        // missing issuer
        vec!["verify", "--jwks", &jwks, "--client-id", CLIENT, &token],
        // missing jwks / unreadable jwks file
        vec!["verify", "--issuer", ISS, "--client-id", CLIENT, &token],
        vec![
            "verify",
            "--jwks",
            "/nonexistent/jwks.json",
            "--issuer",
            ISS,
            "--client-id",
            CLIENT,
            &token,
        ],
        // cognito profile without allowed client ids; at_jwt without audience
        vec![
            "verify",
            "--jwks",
            &jwks,
            "--issuer",
            ISS,
            "--profile",
            "cognito_access",
            &token,
        ],
        vec![
            "verify",
            "--jwks",
            &jwks,
            "--issuer",
            ISS,
            "--profile",
            "at_jwt",
            &token,
        ],
        // bad values and unknown things
        vec![
            "verify",
            "--jwks",
            &jwks,
            "--issuer",
            ISS,
            "--client-id",
            CLIENT,
            "--alg",
            "HS256",
            &token,
        ],
        vec![
            "verify",
            "--jwks",
            &jwks,
            "--issuer",
            ISS,
            "--client-id",
            CLIENT,
            "--now",
            "soon",
            &token,
        ],
        vec![
            "verify",
            "--jwks",
            &jwks,
            "--issuer",
            ISS,
            "--client-id",
            CLIENT,
            "--bogus",
            &token,
        ],
        vec![
            "verify",
            "--jwks",
            &jwks,
            "--issuer",
            ISS,
            "--client-id",
            CLIENT,
            "--profile",
            "x",
            &token,
        ],
        vec![
            "verify",
            "--jwks",
            &jwks,
            "--issuer",
            ISS,
            "--client-id",
            CLIENT,
            &token,
            &token,
        ],
        vec!["verify", "--jwks"],
        vec!["frobnicate"],
        vec![],
    ];
    for args in cases {
        let out = run(&args, Some(""));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn other_profiles_and_options_are_wired() {
    let jwks = jwks_file();
    let at = mint::mint(
        oidc_edge::Algorithm::RS256,
        "test-a",
        &json!({"alg":"RS256","kid":"test-a","typ":"at+jwt"}),
        &json!({"iss": ISS, "sub": "s", "aud": "api", "exp": NOW + 60, "iat": NOW, "jti": "j", "client_id": "c"}),
    );
    let now = NOW.to_string();
    let base = [
        "verify",
        "--jwks",
        &jwks,
        "--issuer",
        ISS,
        "--now",
        &now,
        "--profile",
        "at_jwt",
    ];
    let ok = run(&[&base[..], &["--audience", "api", &at]].concat(), None);
    assert_eq!(ok.status.code(), Some(0));
    let wrong = run(
        &[
            &base[..],
            &["--audience", "api", "--allowed-client-id", "d", &at],
        ]
        .concat(),
        None,
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert_eq!(stdout_json(&wrong)["error"]["claim"], "client_id");
    let ps = run(
        &[&base[..], &["--audience", "api", "--alg", "PS256", &at]].concat(),
        None,
    );
    assert_eq!(stdout_json(&ps)["error"]["kind"], "alg_not_allowed");
}

#[test]
fn inspect_decodes_and_says_unverified() {
    let token = id_token(&claims());
    let out = run(&["inspect", &token], None);
    assert_eq!(out.status.code(), Some(0));
    let v = stdout_json(&out);
    assert_eq!(v["verified"], false);
    assert!(v["warning"].as_str().unwrap().contains("NOT VERIFIED"));
    assert_eq!(v["claims"], claims());
    assert_eq!(v["header"]["alg"], "RS256");
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOT verified"));
    // an expired token with a broken signature still decodes: nothing is checked
    let (input, _) = token.rsplit_once('.').unwrap();
    let out = run(&["inspect"], Some(&format!("{input}.AAAA\n")));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout_json(&out)["verified"], false);
    let out = run(&["inspect", "nope"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["error"]["kind"], "malformed");
}
