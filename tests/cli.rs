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

fn args_of(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
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
    let jwks = jwks_file();
    let now = NOW.to_string();
    let token = access_token(
        json!({"iss": ISS, "aud": "api", "exp": NOW + 60, "azp": "app",
        "scp": "read write", "roles": ["admin"]}),
    );
    let base = |cmd: &str| -> Vec<String> {
        [
            cmd,
            "--jwks",
            &jwks,
            "--issuer",
            "https://other.example",
            "--issuer",
            ISS,
            "--now",
            &now,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    // verify-access defaults to the jwt profile; verify needs --profile jwt.
    let mut a = base("verify-access");
    a.extend(
        [
            "--audience",
            "api",
            "--client-id",
            "app",
            "--required-scope",
            "read",
        ]
        .map(String::from),
    );
    a.extend(["--required-role", "admin", &token].map(String::from));
    let out = run(&args_of(&a), None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let mut a = base("verify");
    a.extend(["--profile", "jwt", "--audience", "api", &token].map(String::from));
    assert_eq!(run(&args_of(&a), None).status.code(), Some(0));
    // The same token as an ID token (verify's default profile) is refused.
    let mut a = base("verify");
    a.extend(["--client-id", "app", &token].map(String::from));
    assert_eq!(run(&args_of(&a), None).status.code(), Some(1));
    // A missing scope: exit 1 with insufficient_scope.
    let mut a = base("verify-access");
    a.extend(["--audience", "api", "--required-scope", "delete", &token].map(String::from));
    let out = run(&args_of(&a), None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["error"]["kind"], "insufficient_scope");
    assert_eq!(stdout_json(&out)["error"]["claim"], "scope");
    let mut a = base("verify-access");
    a.extend(["--audience", "api", "--required-role", "root", &token].map(String::from));
    assert_eq!(
        stdout_json(&run(&args_of(&a), None))["error"]["claim"],
        "roles"
    );
    // Another client.
    let mut a = base("verify-access");
    a.extend(["--audience", "api", "--client-id", "other", &token].map(String::from));
    assert_eq!(
        stdout_json(&run(&args_of(&a), None))["error"]["claim"],
        "azp"
    );
    // Without an audience: usage error.
    let mut a = base("verify-access");
    a.push(token.clone());
    assert_eq!(run(&args_of(&a), None).status.code(), Some(2));
}

#[test]
fn tenant_templates_and_the_default_clock_tolerance() {
    let jwks = jwks_file();
    let tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
    let iss = format!("https://login.microsoftonline.com/{tid}/v2.0");
    // iat 20 s in the future: fine by default (30 s), refused with --clock-tolerance 0.
    let token = access_token(
        json!({"iss": iss, "tid": tid, "aud": "api", "exp": NOW + 60, "iat": NOW + 20}),
    );
    let now = NOW.to_string();
    let run_with = |extra: &[&str]| {
        let mut a: Vec<String> = [
            "verify-access",
            "--jwks",
            &jwks,
            "--now",
            &now,
            "--audience",
            "api",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a.push(token.clone());
        run(&args_of(&a), None)
    };
    let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
    assert_eq!(
        run_with(&["--issuer", template, "--allowed-tenant", tid])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run_with(&["--issuer", template, "--any-tenant"])
            .status
            .code(),
        Some(0)
    );
    let out = run_with(&[
        "--issuer",
        template,
        "--allowed-tenant",
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["error"]["claim"], "tid");
    // A template alone would accept every tenant: usage error.
    assert_eq!(run_with(&["--issuer", template]).status.code(), Some(2));
    let out = run_with(&[
        "--issuer",
        template,
        "--any-tenant",
        "--clock-tolerance",
        "0",
    ]);
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
    let now = NOW.to_string();
    // `verify` with these key source flags and this issuer, at NOW.
    let verify_with = |source: &[&str], issuer: &str| {
        let mut a = vec!["verify"];
        a.extend_from_slice(source);
        a.extend([
            "--issuer",
            issuer,
            "--client-id",
            CLIENT,
            "--now",
            &now,
            &token,
        ]);
        run(&a, None)
    };
    let url = format!("{origin}/keys");
    for source in [vec!["--jwks-url", url.as_str()], vec!["--discover"]] {
        let out = verify_with(&source, &issuer);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{source:?}: {stderr}");
    }
    // A discovery document naming another issuer is a configuration error (exit 2).
    let out = verify_with(&["--discover"], &format!("{origin}/liar"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another issuer"));
    // A URL that answers 404: the keys are unavailable (exit 1), not a usage error.
    let missing = format!("{origin}/nope");
    let out = verify_with(&["--jwks-url", &missing], &issuer);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["error"]["kind"], "jwks_unavailable");
    // Plain http to a non-loopback host is a usage error; so are two key sources, discovery
    // of several issuers, and no key source at all.
    let two_issuers = format!("{issuer}2");
    for (source, issuer) in [
        (
            vec!["--jwks-url", "http://example.test/keys"],
            issuer.as_str(),
        ),
        (vec!["--jwks-url", &url, "--jwks", "x.json"], &issuer),
        (vec!["--discover", "--issuer", &two_issuers], &issuer),
        (vec![], &issuer),
    ] {
        assert_eq!(
            verify_with(&source, issuer).status.code(),
            Some(2),
            "{source:?}"
        );
    }
}

/// `verify` with the base arguments and `extra`.
fn verify_with(jwks: &str, extra: &[&str]) -> Output {
    let mut args = base_args(jwks);
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args, None)
}

#[test]
fn ec_and_eddsa_tokens_verify_with_each_keys_default() {
    use oidc_edge::Algorithm;
    let jwks = jwks_file();
    for alg in [
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
        Algorithm::Ed25519,
    ] {
        let kid = mint::signer(alg);
        let token = mint::mint(alg, kid, &mint::header_alg(alg, kid), &claims());
        let out = verify_with(&jwks, &[&token]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{alg}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let v = stdout_json(&out);
        assert_eq!(v["header"]["alg"], alg.name());
        assert_eq!(v["claims"], claims());
        // --alg restricts: another algorithm only is alg_not_allowed; a changed signature is
        // bad_signature.
        let bad = mint::corrupt_signature(&token);
        for (args, kind) in [
            (["--alg", "RS256", &token], "alg_not_allowed"),
            (["--alg", alg.name(), &bad], "bad_signature"),
        ] {
            let out = verify_with(&jwks, &args);
            assert_eq!(out.status.code(), Some(1), "{alg}");
            assert_eq!(stdout_json(&out)["error"]["kind"], kind);
        }
    }
    // An unknown algorithm name is a usage error that lists the supported ones.
    let out = verify_with(&jwks, &["--alg", "ES512", &id_token(&claims())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("EdDSA"));
}
