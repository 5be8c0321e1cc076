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

/// Asserts the exit code, showing both streams (and `what`) when it differs.
#[track_caller]
fn exited(out: &Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The argument list of `line`, split at spaces, with the fixture values put in: `$JWKS` (the
/// key set file), `$ISS`, `$CLIENT`, `$NOW`, and `$TOKEN` (`token`). One line per command
/// keeps each case readable at a glance.
fn words(line: &str, token: &str) -> Vec<String> {
    let jwks = jwks_file();
    let now = NOW.to_string();
    line.split_whitespace()
        .map(|w| match w {
            "$JWKS" => jwks.clone(),
            "$ISS" => ISS.to_string(),
            "$CLIENT" => CLIENT.to_string(),
            "$NOW" => now.clone(),
            "$TOKEN" => token.to_string(),
            other => other.to_string(),
        })
        .collect()
}

/// Runs the binary with `words(line, token)`.
fn cli(line: &str, token: &str, stdin: Option<&str>) -> Output {
    let args = words(line, token);
    run(&args_of(&args), stdin)
}

fn args_of(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The ID-token command every test starts from: the key file, the issuer, the client, NOW.
const VERIFY: &str = "verify --jwks $JWKS --issuer $ISS --client-id $CLIENT --now $NOW";

#[test]
fn valid_token_exit_0_with_header_and_claims() {
    let token = id_token(&claims());
    let out = cli(&format!("{VERIFY} $TOKEN"), &token, None);
    exited(&out, 0, "");
    let v = stdout_json(&out);
    assert_eq!(v["valid"], true);
    assert_eq!(v["header"]["kid"], "test-a");
    assert_eq!(v["claims"], claims());
    // the same through stdin, with no token argument and with "-"
    let out = cli(VERIFY, &token, Some(&format!("{token}\n")));
    assert_eq!(out.status.code(), Some(0));
    let out = cli(&format!("{VERIFY} -"), &token, Some(&token));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout_json(&out)["valid"], true);
}

#[test]
fn invalid_token_exit_1_with_kind_code_claim() {
    let expired = id_token(&with(claims(), json!({"exp": NOW - 30})));
    let out = cli(&format!("{VERIFY} $TOKEN"), &expired, None);
    assert_eq!(out.status.code(), Some(1));
    let v = stdout_json(&out);
    assert_eq!(v["valid"], false);
    assert_eq!(v["error"]["kind"], "expired");
    assert_eq!(v["error"]["code"], "ERR_JWT_EXPIRED");
    assert_eq!(v["error"]["claim"], "exp");
    assert!(v["error"]["message"].is_string());
    // the nonce option is wired
    let out = cli(
        &format!("{VERIFY} --nonce other $TOKEN"),
        &id_token(&claims()),
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["error"]["kind"], "nonce_mismatch");
    // garbage
    let out = cli(&format!("{VERIFY} $TOKEN"), "not.a.token", None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["error"]["kind"], "malformed");
    assert_eq!(stdout_json(&out)["error"]["claim"], Value::Null);
}

#[test]
fn usage_errors_exit_2() {
    let token = id_token(&claims());
    let cases = [
        // missing client id for the id_token profile; missing issuer; missing key set
        "verify --jwks $JWKS --issuer $ISS $TOKEN",
        "verify --jwks $JWKS --client-id $CLIENT $TOKEN",
        "verify --issuer $ISS --client-id $CLIENT $TOKEN",
        // an unreadable key set file
        "verify --jwks /nonexistent/jwks.json --issuer $ISS --client-id $CLIENT $TOKEN",
        // cognito profile without allowed client ids; at_jwt without audience
        "verify --jwks $JWKS --issuer $ISS --profile cognito_access $TOKEN",
        "verify --jwks $JWKS --issuer $ISS --profile at_jwt $TOKEN",
        // bad values and unknown things
        "verify --jwks $JWKS --issuer $ISS --client-id $CLIENT --alg HS256 $TOKEN",
        "verify --jwks $JWKS --issuer $ISS --client-id $CLIENT --now soon $TOKEN",
        "verify --jwks $JWKS --issuer $ISS --client-id $CLIENT --bogus $TOKEN",
        "verify --jwks $JWKS --issuer $ISS --client-id $CLIENT --profile x $TOKEN",
        // two tokens; a flag without its value; an unknown command; nothing at all
        "verify --jwks $JWKS --issuer $ISS --client-id $CLIENT $TOKEN $TOKEN",
        "verify --jwks",
        "frobnicate",
        "",
    ];
    for line in cases {
        let out = cli(line, &token, Some(""));
        assert_eq!(out.status.code(), Some(2), "{line}");
        assert!(!out.stderr.is_empty(), "{line}");
        assert!(out.stdout.is_empty(), "{line}");
    }
}

#[test]
fn other_profiles_and_options_are_wired() {
    let at = mint::mint(
        oidc_edge::Algorithm::RS256,
        "test-a",
        &json!({"alg":"RS256","kid":"test-a","typ":"at+jwt"}),
        &json!({"iss": ISS, "sub": "s", "aud": "api", "exp": NOW + 60, "iat": NOW, "jti": "j", "client_id": "c"}),
    );
    let base = "verify --jwks $JWKS --issuer $ISS --now $NOW --profile at_jwt --audience api";
    let ok = cli(&format!("{base} $TOKEN"), &at, None);
    assert_eq!(ok.status.code(), Some(0));
    let wrong = cli(&format!("{base} --allowed-client-id d $TOKEN"), &at, None);
    assert_eq!(wrong.status.code(), Some(1));
    assert_eq!(stdout_json(&wrong)["error"]["claim"], "client_id");
    let ps = cli(&format!("{base} --alg PS256 $TOKEN"), &at, None);
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

fn access_token(claims: Value) -> String {
    mint::mint(
        oidc_edge::Algorithm::RS256,
        "test-a",
        &json!({"alg": "RS256", "kid": "test-a", "typ": "JWT"}),
        &claims,
    )
}

#[test]
fn verify_access_takes_the_jwt_profile_scopes_roles_and_issuer_lists() {
    let token = access_token(
        json!({"iss": ISS, "aud": "api", "exp": NOW + 60, "azp": "app",
        "scp": "read write", "roles": ["admin"]}),
    );
    // Two trusted issuers, the token's second; `cmd` is verify or verify-access.
    let keys = "--jwks $JWKS --issuer https://other.example --issuer $ISS --now $NOW";
    let access = |rest: &str| cli(&format!("verify-access {keys} {rest} $TOKEN"), &token, None);
    // verify-access defaults to the jwt profile; verify needs --profile jwt.
    let out = access("--audience api --client-id app --required-scope read --required-role admin");
    exited(&out, 0, "");
    let verify = |rest: &str| cli(&format!("verify {keys} {rest} $TOKEN"), &token, None);
    assert_eq!(
        verify("--profile jwt --audience api").status.code(),
        Some(0)
    );
    // The same token as an ID token (verify's default profile) is refused.
    assert_eq!(verify("--client-id app").status.code(), Some(1));
    // A missing scope or role, another client: exit 1, with the claim at fault.
    for (rest, kind, claim) in [
        (
            "--required-scope delete",
            Some("insufficient_scope"),
            "scope",
        ),
        ("--required-role root", None, "roles"),
        ("--client-id other", None, "azp"),
    ] {
        let out = access(&format!("--audience api {rest}"));
        assert_eq!(out.status.code(), Some(1), "{rest}");
        let error = &stdout_json(&out)["error"];
        assert_eq!(error["claim"], claim, "{rest}");
        if let Some(kind) = kind {
            assert_eq!(error["kind"], kind, "{rest}");
        }
    }
    // Without an audience: usage error.
    assert_eq!(access("").status.code(), Some(2));
}

#[test]
fn tenant_templates_and_the_default_clock_tolerance() {
    let tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
    let iss = format!("https://login.microsoftonline.com/{tid}/v2.0");
    // iat 20 s in the future: fine by default (30 s), refused with --clock-tolerance 0.
    let token = access_token(
        json!({"iss": iss, "tid": tid, "aud": "api", "exp": NOW + 60, "iat": NOW + 20}),
    );
    let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
    let run_with = |extra: &str| {
        let line = format!("verify-access --jwks $JWKS --now $NOW --audience api --issuer {template} {extra} $TOKEN");
        cli(&line, &token, None)
    };
    let code = |extra: &str| run_with(extra).status.code();
    assert_eq!(code(&format!("--allowed-tenant {tid}")), Some(0));
    assert_eq!(code("--any-tenant"), Some(0));
    let out = run_with("--allowed-tenant 72f988bf-86f1-41af-91ab-2d7cd011db47");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["error"]["claim"], "tid");
    // A template alone would accept every tenant: usage error.
    assert_eq!(code(""), Some(2));
    let out = run_with("--any-tenant --clock-tolerance 0");
    assert_eq!(stdout_json(&out)["error"]["kind"], "iat_in_future");
}

/// A one-thread HTTP server on 127.0.0.1 (port 0) answering GETs from a table of paths, which
/// `routes` builds from the server's own origin; it runs until the test binary ends. Returns
/// the origin.
fn serve(routes: impl FnOnce(&str) -> Vec<(String, String)>) -> String {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let routes = routes(&origin);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split(' ').nth(1).unwrap_or("").to_string();
            // Drain the request headers.
            let mut h = String::new();
            while reader.read_line(&mut h).is_ok_and(|n| n > 2) {
                h.clear();
            }
            let (status, body) = match routes.iter().find(|(p, _)| *p == path) {
                Some((_, body)) => ("200 OK", body.clone()),
                None => ("404 Not Found", "{}".to_string()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    origin
}

#[test]
fn jwks_url_and_discover_fetch_the_keys() {
    let jwks = std::fs::read_to_string(jwks_file()).unwrap();
    // The issuer is the server itself, so discovery's issuer check can pass.
    let origin = serve(|origin| {
        let meta = json!({"issuer": origin, "jwks_uri": format!("{origin}/keys")});
        let lying =
            json!({"issuer": "https://elsewhere.example", "jwks_uri": format!("{origin}/keys")});
        vec![
            ("/keys".into(), jwks.clone()),
            ("/.well-known/openid-configuration".into(), meta.to_string()),
            (
                "/liar/.well-known/openid-configuration".into(),
                lying.to_string(),
            ),
        ]
    });
    let issuer = origin.clone();
    let token = id_token(&with(claims(), json!({"iss": issuer})));
    // `verify` with these key source flags and this issuer, at NOW.
    let verify_with = |source: &str, issuer: &str| {
        let line =
            format!("verify {source} --issuer {issuer} --client-id $CLIENT --now $NOW $TOKEN");
        cli(&line, &token, None)
    };
    let url = format!("{origin}/keys");
    for source in [format!("--jwks-url {url}"), "--discover".into()] {
        let out = verify_with(&source, &issuer);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{source}: {stderr}");
    }
    // A discovery document naming another issuer is a configuration error (exit 2).
    let out = verify_with("--discover", &format!("{origin}/liar"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another issuer"));
    // A URL that answers 404: the keys are unavailable (exit 1), not a usage error.
    let out = verify_with(&format!("--jwks-url {origin}/nope"), &issuer);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["error"]["kind"], "jwks_unavailable");
    // Plain http to a non-loopback host is a usage error; so are two key sources, discovery
    // of several issuers, and no key source at all.
    for source in [
        "--jwks-url http://example.test/keys".to_string(),
        format!("--jwks-url {url} --jwks x.json"),
        format!("--discover --issuer {issuer}2"),
        String::new(),
    ] {
        let code = verify_with(&source, &issuer).status.code();
        assert_eq!(code, Some(2), "{source}");
    }
}

/// `verify` with the base arguments and `extra` (then `$TOKEN` is `token`).
fn verify_with(extra: &str, token: &str) -> Output {
    cli(&format!("{VERIFY} {extra}"), token, None)
}

#[test]
fn ec_and_eddsa_tokens_verify_with_each_keys_default() {
    use oidc_edge::Algorithm;
    for alg in [
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
        Algorithm::Ed25519,
    ] {
        let kid = mint::signer(alg);
        let token = mint::mint(alg, kid, &mint::header_alg(alg, kid), &claims());
        let out = verify_with("$TOKEN", &token);
        exited(&out, 0, alg.name());
        let v = stdout_json(&out);
        assert_eq!(v["header"]["alg"], alg.name());
        assert_eq!(v["claims"], claims());
        // --alg restricts: another algorithm only is alg_not_allowed; a changed signature is
        // bad_signature.
        let bad = mint::corrupt_signature(&token);
        for (extra, token, kind) in [
            ("--alg RS256 $TOKEN".to_string(), &token, "alg_not_allowed"),
            (
                format!("--alg {} $TOKEN", alg.name()),
                &bad,
                "bad_signature",
            ),
        ] {
            let out = verify_with(&extra, token);
            assert_eq!(out.status.code(), Some(1), "{alg}");
            assert_eq!(stdout_json(&out)["error"]["kind"], kind);
        }
    }
    // An unknown algorithm name is a usage error that lists the supported ones.
    let out = verify_with("--alg ES512 $TOKEN", &id_token(&claims()));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("EdDSA"));
}
