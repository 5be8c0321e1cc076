//! The core against a real OpenID provider (`oidc-provider`, OpenID Certified), started by
//! `node tests/support/cli.mjs serve` on 127.0.0.1: real ID tokens (authorization code flow,
//! scripted login) and real RFC 9068 `at+jwt` client_credentials tokens, verified with the
//! keys the provider publishes.
//!
//! Needs `node` and the root `node_modules` (`npm ci`). It never skips: without them it fails
//! and says so.

use core::time::Duration;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex, Weak};

use oidc_edge::{ErrorKind, JwkSet, Profile, Verifier, VerifyOptions, DEFAULT_CLOCK_TOLERANCE};
use serde_json::{json, Value};

const API_AUDIENCE: &str = "https://api.example.test";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------------
// The provider process: one per test binary while any test holds it; killed on drop (also when a
// test panics, as its Arc is dropped while unwinding). The child also exits on its own when its
// stdin closes (`--exit-with-stdin`), so even a killed test binary leaves nothing behind.

struct Providers {
    child: Mutex<Child>,
    _stdin: Mutex<Option<ChildStdin>>,
    control: String,
    info: Value,
}

impl Drop for Providers {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

static SHARED: Mutex<Weak<Providers>> = Mutex::new(Weak::new());

fn providers() -> Arc<Providers> {
    let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = slot.upgrade() {
        return p;
    }
    let p = Arc::new(start_providers());
    *slot = Arc::downgrade(&p);
    p
}

fn check_prerequisites(root: &Path) {
    let node = Command::new("node").arg("--version").output();
    match node {
        Ok(out) if out.status.success() => {}
        _ => panic!(
            "`node` was not found on PATH: this test runs a real OpenID provider under Node.js \
             (20.19+). Install Node, then run `npm ci` in {}",
            root.display()
        ),
    }
    for pkg in ["oidc-provider", "jose"] {
        if !root
            .join("node_modules")
            .join(pkg)
            .join("package.json")
            .is_file()
        {
            panic!(
                "node_modules/{pkg} is missing: run `npm ci` in {} (this test needs the real \
                 OpenID provider from the root package.json's devDependencies)",
                root.display()
            );
        }
    }
}

fn start_providers() -> Providers {
    let root = repo_root();
    check_prerequisites(&root);
    let mut child = Command::new("node")
        .arg(root.join("tests/support/cli.mjs"))
        .args(["serve", "--no-proxy", "--exit-with-stdin"])
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn node tests/support/cli.mjs serve");
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().expect("child stdout");

    // First stdout line = the info document; wait at most 60 s (2 busy cores).
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let r = reader.read_line(&mut line).map(|_| line);
        let _ = tx.send(r);
        // keep draining so the child never blocks on a full pipe
        let mut sink = Vec::new();
        let _ = reader.read_to_end(&mut sink);
    });
    let line = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Ok(line)) if !line.trim().is_empty() => line,
        other => {
            let _ = child.kill();
            let status = child.wait().ok();
            panic!(
                "cli.mjs serve did not print its info line ({other:?}, exit {status:?}); \
                 see its stderr above. If modules are missing, run `npm ci`."
            );
        }
    };
    let info: Value = match serde_json::from_str(line.trim()) {
        Ok(v) => v,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cli.mjs serve printed no JSON ({e}): {line}");
        }
    };
    let control = info["control"].as_str().expect("info.control").to_owned();
    Providers {
        child: Mutex::new(child),
        _stdin: Mutex::new(stdin),
        control,
        info,
    }
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client (std only, 127.0.0.1 only)

struct Response {
    status: u16,
    body: String,
}

fn http(method: &str, url: &str, body: Option<&str>) -> Response {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("not an http URL: {url}"));
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    assert!(
        authority.starts_with("127.0.0.1:"),
        "only 127.0.0.1 is allowed: {url}"
    );
    let mut stream = TcpStream::connect(authority).unwrap_or_else(|e| panic!("connect {url}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    stream
        .set_write_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let body = body.unwrap_or("");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nAccept: application/json\r\nConnection: close\r\n"
    );
    if method != "GET" {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream
        .write_all(req.as_bytes())
        .unwrap_or_else(|e| panic!("write {url}: {e}"));
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("read {url}: {e}"));

    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP header end from {url}"));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut payload = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line from {url}: {status_line}"));
    let mut chunked = false;
    let mut length = None;
    for h in lines {
        if let Some((k, v)) = h.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked") {
                chunked = true;
            }
            if k == "content-length" {
                length = v.parse::<usize>().ok();
            }
        }
    }
    if chunked {
        payload = dechunk(&payload);
    } else if let Some(n) = length {
        payload.truncate(n);
    }
    Response {
        status,
        body: String::from_utf8(payload).expect("UTF-8 body"),
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .expect("chunk size");
        data = &data[eol + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

impl Providers {
    fn post(&self, route: &str, body: Value) -> Value {
        let url = format!("{}{route}", self.control);
        let r = http("POST", &url, Some(&body.to_string()));
        assert!(
            r.status == 200,
            "POST {route} {body} -> HTTP {}: {}",
            r.status,
            r.body
        );
        serde_json::from_str(&r.body).expect("JSON from the control API")
    }

    fn region(&self, region: &str) -> &Value {
        &self.info["regions"][region]
    }

    fn issuer(&self, region: &str) -> String {
        self.region(region)["issuer"]
            .as_str()
            .expect("issuer")
            .to_owned()
    }

    fn client(&self, region: &str, role: &str) -> String {
        self.region(region)["clients"][role]["clientId"]
            .as_str()
            .expect("clientId")
            .to_owned()
    }

    /// The JWK Set, fetched from the provider's own jwks_uri (as a relying party would).
    fn jwks_text(&self, region: &str) -> String {
        let url = self.region(region)["jwksUri"].as_str().expect("jwksUri");
        let r = http("GET", url, None);
        assert_eq!(r.status, 200, "GET {url}: {}", r.body);
        r.body
    }

    fn keys(&self, region: &str) -> JwkSet {
        JwkSet::from_json(&self.jwks_text(region)).expect("the provider's JWKS parses")
    }

    fn id_token(&self, region: &str, nonce: &str) -> (String, Value) {
        let v = self.post("/id-token", json!({ "region": region, "nonce": nonce }));
        let token = v["idToken"].as_str().expect("idToken").to_owned();
        (token, v["claims"].clone())
    }

    fn cc_token(&self, region: &str) -> (String, Value, Value) {
        let v = self.post("/cc-token", json!({ "region": region }));
        let token = v["access_token"].as_str().expect("access_token").to_owned();
        (token, v["header"].clone(), v["claims"].clone())
    }
}

fn num(claims: &Value, name: &str) -> i64 {
    claims[name]
        .as_i64()
        .unwrap_or_else(|| panic!("claim {name} is not an integer: {claims}"))
}

fn id_token_verifier(issuer: &str, client_id: &str, nonce: &str) -> Verifier {
    Verifier::new(VerifyOptions {
        issuer: vec![issuer.to_owned()],
        client_ids: vec![client_id.to_owned()],
        nonce: Some(nonce.to_owned()),
        ..VerifyOptions::default()
    })
    .expect("valid options")
}

fn at_jwt_verifier(issuer: &str) -> Verifier {
    Verifier::new(VerifyOptions {
        profile: Profile::AtJwt,
        issuer: vec![issuer.to_owned()],
        audience: vec![API_AUDIENCE.to_owned()],
        ..VerifyOptions::default()
    })
    .expect("valid options")
}

fn kind_of<T>(r: Result<T, oidc_edge::Error>) -> ErrorKind {
    match r {
        Ok(_) => panic!("expected an error, the token verified"),
        Err(e) => e.kind(),
    }
}

// ---------------------------------------------------------------------------------------------

#[test]
fn id_token_from_each_region_is_valid_as_issued() {
    let p = providers();
    for region in ["primary", "secondary"] {
        let nonce = format!("nonce-{region}-1");
        let (token, claims) = p.id_token(region, &nonce);
        let keys = p.keys(region);
        let issuer = p.issuer(region);
        let client = p.client(region, "authorizationCode");
        let v = id_token_verifier(&issuer, &client, &nonce);
        let now = num(&claims, "iat");
        let verified = v.verify(&token, &keys, now).unwrap_or_else(|e| {
            panic!(
                "{region}: a real ID token must verify: {} ({})",
                e.kind().as_str(),
                e.message()
            )
        });
        assert_eq!(verified.header["alg"], "RS256");
        assert_eq!(verified.header["kid"], p.region(region)["kid"]);
        assert_eq!(verified.claims.nonce.as_deref(), Some(nonce.as_str()));
        assert_eq!(verified.claims.iss.as_deref(), Some(issuer.as_str()));
        assert_eq!(verified.claims.sub.as_deref(), Some("user-1234"));
        // also valid a little before expiry
        let exp = num(&claims, "exp");
        v.verify(&token, &keys, exp - 1)
            .expect("valid until exp - 1");
    }
}

#[test]
fn id_token_any_single_byte_change_is_rejected() {
    let p = providers();
    let nonce = "nonce-tamper";
    let (token, claims) = p.id_token("primary", nonce);
    let keys = p.keys("primary");
    let v = id_token_verifier(
        &p.issuer("primary"),
        &p.client("primary", "authorizationCode"),
        nonce,
    );
    let now = num(&claims, "iat");
    v.verify(&token, &keys, now)
        .expect("untouched token verifies");

    let bytes = token.as_bytes();
    let mut kinds = std::collections::BTreeMap::<&'static str, usize>::new();
    let mut checked = 0usize;
    for i in 0..bytes.len() {
        // every position with a base64url substitute; every 7th also with characters that are
        // not base64url at all
        let mut subs = vec![if bytes[i] == b'A' { b'B' } else { b'A' }];
        if i % 7 == 0 {
            subs.extend_from_slice(b"*=. ");
        }
        for s in subs {
            if s == bytes[i] {
                continue;
            }
            let mut t = bytes.to_vec();
            t[i] = s;
            let t = String::from_utf8(t).expect("ASCII");
            match v.verify(&t, &keys, now) {
                Ok(_) => panic!(
                    "changing byte {i} ({:?} -> {:?}) still verified",
                    bytes[i] as char, s as char
                ),
                Err(e) => *kinds.entry(e.kind().as_str()).or_default() += 1,
            }
            checked += 1;
        }
    }
    assert!(checked > bytes.len());
    eprintln!(
        "{checked} single-byte changes of a {}-byte ID token, all rejected: {kinds:?}",
        bytes.len()
    );
}

#[test]
fn id_token_wrong_nonce_is_nonce_mismatch() {
    let p = providers();
    let (token, claims) = p.id_token("primary", "the-real-nonce");
    let keys = p.keys("primary");
    let v = id_token_verifier(
        &p.issuer("primary"),
        &p.client("primary", "authorizationCode"),
        "another-nonce",
    );
    assert_eq!(
        kind_of(v.verify(&token, &keys, num(&claims, "iat"))),
        ErrorKind::NonceMismatch
    );
}

#[test]
fn id_token_for_another_client_is_aud_mismatch() {
    let p = providers();
    let nonce = "nonce-aud";
    let (token, claims) = p.id_token("primary", nonce);
    let keys = p.keys("primary");
    let now = num(&claims, "iat");
    // the secondary region's client id (same logical application, other region)
    let other = p.client("secondary", "authorizationCode");
    let v = id_token_verifier(&p.issuer("primary"), &other, nonce);
    assert_eq!(
        kind_of(v.verify(&token, &keys, now)),
        ErrorKind::AudMismatch
    );
    // and the machine client of the same region is not the relying party either
    let v = id_token_verifier(
        &p.issuer("primary"),
        &p.client("primary", "clientCredentials"),
        nonce,
    );
    assert_eq!(
        kind_of(v.verify(&token, &keys, now)),
        ErrorKind::AudMismatch
    );
}

#[test]
fn id_token_at_exp_is_expired() {
    let p = providers();
    let nonce = "nonce-exp";
    let (token, claims) = p.id_token("secondary", nonce);
    let keys = p.keys("secondary");
    let v = id_token_verifier(
        &p.issuer("secondary"),
        &p.client("secondary", "authorizationCode"),
        nonce,
    );
    let exp = num(&claims, "exp");
    // The default clock tolerance (30 s) keeps it valid until exp + 30.
    let tol = DEFAULT_CLOCK_TOLERANCE as i64;
    v.verify(&token, &keys, exp + tol - 1)
        .expect("valid within the clock tolerance");
    assert_eq!(
        kind_of(v.verify(&token, &keys, exp + tol)),
        ErrorKind::Expired
    );
    assert_eq!(
        kind_of(v.verify(&token, &keys, exp + 3600)),
        ErrorKind::Expired
    );
}

#[test]
fn regions_do_not_trust_each_other() {
    let p = providers();
    let nonce = "nonce-cross";
    let (token, claims) = p.id_token("primary", nonce);
    let now = num(&claims, "iat");
    let client = p.client("primary", "authorizationCode");
    // the secondary's keys do not know the primary's kid
    let v = id_token_verifier(&p.issuer("primary"), &client, nonce);
    assert_eq!(
        kind_of(v.verify(&token, &p.keys("secondary"), now)),
        ErrorKind::KeyNotFound
    );
    // with the right keys but the secondary's issuer expected
    let v = id_token_verifier(&p.issuer("secondary"), &client, nonce);
    assert_eq!(
        kind_of(v.verify(&token, &p.keys("primary"), now)),
        ErrorKind::IssMismatch
    );
}

#[test]
fn client_credentials_at_jwt_is_valid_with_the_at_jwt_profile() {
    let p = providers();
    for region in ["primary", "secondary"] {
        let (token, header, claims) = p.cc_token(region);
        assert_eq!(
            header["typ"], "at+jwt",
            "{region}: the provider issues RFC 9068 tokens"
        );
        let keys = p.keys(region);
        let v = at_jwt_verifier(&p.issuer(region));
        let now = num(&claims, "iat");
        let verified = v.verify(&token, &keys, now).unwrap_or_else(|e| {
            panic!(
                "{region}: a real at+jwt must verify: {} ({})",
                e.kind().as_str(),
                e.message()
            )
        });
        assert_eq!(verified.header["typ"], "at+jwt");
        assert_eq!(
            claims["client_id"],
            Value::String(p.client(region, "clientCredentials"))
        );
        assert_eq!(
            kind_of(v.verify(
                &token,
                &keys,
                num(&claims, "exp") + DEFAULT_CLOCK_TOLERANCE as i64
            )),
            ErrorKind::Expired
        );

        // restricted to the region's machine client: fine; to another client: rejected
        let only = |ids: Vec<String>| {
            Verifier::new(VerifyOptions {
                profile: Profile::AtJwt,
                issuer: vec![p.issuer(region)],
                audience: vec![API_AUDIENCE.to_owned()],
                client_ids: ids,
                ..VerifyOptions::default()
            })
            .expect("valid options")
        };
        only(vec![p.client(region, "clientCredentials")])
            .verify(&token, &keys, now)
            .expect("own client");
        assert!(only(vec!["someone-else".to_owned()])
            .verify(&token, &keys, now)
            .is_err());
        // another resource server
        let other_api = Verifier::new(VerifyOptions {
            profile: Profile::AtJwt,
            issuer: vec![p.issuer(region)],
            audience: vec!["https://other.example.test".to_owned()],
            ..VerifyOptions::default()
        })
        .expect("valid options");
        assert_eq!(
            kind_of(other_api.verify(&token, &keys, now)),
            ErrorKind::AudMismatch
        );
    }
}

#[test]
fn client_credentials_at_jwt_is_invalid_typ_as_an_id_token() {
    let p = providers();
    let (token, _header, claims) = p.cc_token("primary");
    let keys = p.keys("primary");
    let client = p.client("primary", "clientCredentials");
    let v = Verifier::new(VerifyOptions {
        profile: Profile::IdToken,
        issuer: vec![p.issuer("primary")],
        client_ids: vec![client],
        ..VerifyOptions::default()
    })
    .expect("valid options");
    assert_eq!(
        kind_of(v.verify(&token, &keys, num(&claims, "iat"))),
        ErrorKind::InvalidTyp
    );

    // and the other way round: an ID token is not an access token
    let (id_token, id_claims) = p.id_token("primary", "nonce-typ");
    let at = at_jwt_verifier(&p.issuer("primary"));
    assert_eq!(
        kind_of(at.verify(&id_token, &keys, num(&id_claims, "iat"))),
        ErrorKind::InvalidTyp
    );
}

#[test]
fn key_rotation_new_kid_needs_the_new_key_set() {
    let p = providers();
    // the only test that rotates, and only the secondary (keepOld: the old key stays published,
    // so tokens other tests fetch concurrently keep verifying against a later JWKS)
    let before_text = p.jwks_text("secondary");
    let before = JwkSet::from_json(&before_text).expect("JWKS");
    let rot = p.post("/rotate", json!({ "region": "secondary", "keepOld": true }));
    let new_kid = rot["kid"].as_str().expect("kid").to_owned();
    assert_ne!(Some(new_kid.as_str()), rot["previousKid"].as_str());

    let nonce = "nonce-rotated";
    let (token, claims) = p.id_token("secondary", nonce);
    let after = p.keys("secondary");
    assert!(after.len() > before.len(), "old key kept, new key added");
    let v = id_token_verifier(
        &p.issuer("secondary"),
        &p.client("secondary", "authorizationCode"),
        nonce,
    );
    let now = num(&claims, "iat");
    let verified = v
        .verify(&token, &after, now)
        .expect("verifies with the new key set");
    assert_eq!(verified.header["kid"], Value::String(new_kid));
    assert_eq!(
        kind_of(v.verify(&token, &before, now)),
        ErrorKind::KeyNotFound
    );
}
