//! The real OpenID providers the Rust tests run against (`oidc-provider`, OpenID Certified):
//! `node tests/support/cli.mjs serve` on 127.0.0.1, two regions, driven through its control API
//! (tests/support/README.md) with a small std-only HTTP/1.1 client. One provider process per
//! test binary while any test holds it. Needs `node` and the root `node_modules` (`npm ci`); it
//! never skips: without them it fails and says so.
#![allow(dead_code)]

use core::time::Duration;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex, Weak};

use oidc_edge::{ErrorKind, JwkSet};
use serde_json::{json, Value};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------------
// The provider process: one per test binary while any test holds it; killed on drop (also when a
// test panics, as its Arc is dropped while unwinding). The child also exits on its own when its
// stdin closes (`--exit-with-stdin`), so even a killed test binary leaves nothing behind.

pub struct Providers {
    child: Mutex<Child>,
    _stdin: Mutex<Option<ChildStdin>>,
    control: String,
    pub info: Value,
    /// The `--config` file written for this process, removed on drop.
    config_file: Option<PathBuf>,
}

impl Drop for Providers {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
        if let Some(path) = &self.config_file {
            let _ = std::fs::remove_file(path);
        }
    }
}

static SHARED: Mutex<Weak<Providers>> = Mutex::new(Weak::new());

pub fn providers() -> Arc<Providers> {
    let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = slot.upgrade() {
        return p;
    }
    let p = Arc::new(start_providers(None));
    *slot = Arc::downgrade(&p);
    p
}

/// Providers of their own (not shared) started with `serve --config` and this configuration
/// (`{"regions": {name: startProvider options}}`, tests/support/README.md).
pub fn providers_with_config(config: &Value) -> Providers {
    use core::sync::atomic::{AtomicUsize, Ordering};
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "oidc-edge-provider-{}-{n}.json",
        std::process::id()
    ));
    std::fs::write(&path, config.to_string()).expect("write the provider configuration");
    start_providers(Some(path))
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

fn start_providers(config_file: Option<PathBuf>) -> Providers {
    let root = repo_root();
    check_prerequisites(&root);
    let config_args = match &config_file {
        Some(path) => vec!["--config".into(), path.clone().into_os_string()],
        None => Vec::new(),
    };
    let mut child = Command::new("node")
        .arg(root.join("tests/support/cli.mjs"))
        .args(["serve", "--no-proxy", "--exit-with-stdin"])
        .args(config_args)
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
        config_file,
    }
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client (std only, 127.0.0.1 only)

pub struct Response {
    pub status: u16,
    pub body: String,
}

pub fn http(method: &str, url: &str, body: Option<&str>) -> Response {
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
    pub fn post(&self, route: &str, body: Value) -> Value {
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

    /// The control API's base URL (`http://127.0.0.1:C/control`).
    pub fn control_url(&self) -> &str {
        &self.control
    }

    pub fn region(&self, region: &str) -> &Value {
        &self.info["regions"][region]
    }

    pub fn issuer(&self, region: &str) -> String {
        self.region(region)["issuer"]
            .as_str()
            .expect("issuer")
            .to_owned()
    }

    pub fn client(&self, region: &str, role: &str) -> String {
        self.region(region)["clients"][role]["clientId"]
            .as_str()
            .expect("clientId")
            .to_owned()
    }

    /// The JWK Set, fetched from the provider's own jwks_uri (as a relying party would).
    pub fn jwks_text(&self, region: &str) -> String {
        let url = self.region(region)["jwksUri"].as_str().expect("jwksUri");
        let r = http("GET", url, None);
        assert_eq!(r.status, 200, "GET {url}: {}", r.body);
        r.body
    }

    pub fn keys(&self, region: &str) -> JwkSet {
        JwkSet::from_json(&self.jwks_text(region)).expect("the provider's JWKS parses")
    }

    pub fn id_token(&self, region: &str, nonce: &str) -> (String, Value) {
        let v = self.post("/id-token", json!({ "region": region, "nonce": nonce }));
        let token = v["idToken"].as_str().expect("idToken").to_owned();
        (token, v["claims"].clone())
    }

    pub fn cc_token(&self, region: &str) -> (String, Value, Value) {
        self.cc_token_with(region, json!({}))
    }

    /// A client_credentials token with extra request members (`scope`, `resource`, ...).
    pub fn cc_token_with(&self, region: &str, extra: Value) -> (String, Value, Value) {
        let mut body = json!({ "region": region });
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        let v = self.post("/cc-token", body);
        let token = v["access_token"].as_str().expect("access_token").to_owned();
        (token, v["header"].clone(), v["claims"].clone())
    }
}

pub fn num(claims: &Value, name: &str) -> i64 {
    claims[name]
        .as_i64()
        .unwrap_or_else(|| panic!("claim {name} is not an integer: {claims}"))
}

/// The error kind of a result that must be an error.
pub fn kind_of<T>(r: Result<T, oidc_edge::Error>) -> ErrorKind {
    match r {
        Ok(_) => panic!("expected an error, the token verified"),
        Err(e) => e.kind(),
    }
}

/// Asserts that `r` is a refusal of `kind`.
#[track_caller]
pub fn assert_refused<T>(r: Result<T, oidc_edge::Error>, kind: ErrorKind) {
    assert_eq!(kind_of(r), kind);
}
