//! The protected route's request to the origin: the path check, the headers (incoming
//! identity headers stripped in every spelling, the worker's own added), and the origin proof
//! `X-Auth-Signature`.
//!
//! Origin proof (docs/EDGE.md specifies it for origins in any language):
//!
//! ```text
//! X-Auth-Signature: t=<unix seconds>,v1=<base64url HMAC-SHA256(key, canonical)>[,v1=<with the next key>]
//! canonical = "v1" LF method LF host LF path-and-query LF subject LF client LF region LF request-id LF t
//! ```
//!
//! `host` is the origin's authority as configured (`PROTECT_ORIGIN`, lower case), the value a
//! fetch sends as `Host`; `path-and-query` is the request target the origin receives; the
//! identity values are the `X-Auth-Subject`, `X-Auth-Client` and `X-Auth-Region` headers and
//! the request id is `X-Request-Id`. During a key rotation (`ORIGIN_SIGNING_KEY_NEXT` set) a
//! second `v1` made with the next key follows, so the origin can switch keys before or after
//! the worker does.

use crate::codec::base64url_encode;
use crate::config::Protect;
use crate::records::hmac_sha256;

/// Incoming headers whose name starts with this (ignoring case, and with `_` read as `-`) are
/// dropped: origins built on CGI conventions (PHP, Rack, some WSGI servers) read `X_Auth_Client`
/// and `X-Auth-Client` as the same variable.
pub const IDENTITY_PREFIX: &str = "x-auth-";

/// Hop-by-hop and framing headers, never passed on (the runtime sets its own).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// What the origin is told about the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// `sub` of the verified token.
    pub subject: String,
    /// The logical application id (the same for both regions).
    pub client: String,
    /// `primary`, `secondary` or `shared`.
    pub region: String,
}

/// The request for the origin: the caller's method and body go with it (the glue streams the
/// body untouched).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forward {
    /// Origin URL with path and query.
    pub url: String,
    /// Exactly the headers to send.
    pub headers: Vec<(String, String)>,
}

/// Whether a header name is an identity header in any spelling.
pub fn is_identity_header(name: &str) -> bool {
    name.len() >= IDENTITY_PREFIX.len()
        && name
            .bytes()
            .zip(IDENTITY_PREFIX.bytes())
            .all(|(a, b)| a.to_ascii_lowercase() == b || (a == b'_' && b == b'-'))
}

/// Whether a value can be sent as a header value as is (visible ASCII and spaces, no CR/LF).
pub fn header_safe(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 1024
        && v.bytes()
            .all(|b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b))
}

/// Checks a path under the protected prefix before it is forwarded as received. Refused:
/// percent-encoded slashes and backslashes, backslashes, and dot segments, encoded or not.
/// Normalising for the match but forwarding the raw path would let `/api/..%2F..%2Fadmin`
/// reach `/admin` on an origin that decodes before routing.
pub fn check_path(path: &str) -> Result<(), &'static str> {
    let lower = path.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") || path.contains('\\') {
        return Err("the path contains an encoded slash or a backslash");
    }
    let dot_segment = path.split('/').any(|segment| {
        let s = segment.to_ascii_lowercase().replace("%2e", ".");
        s == "." || s == ".."
    });
    if dot_segment {
        return Err("the path contains a dot segment");
    }
    Ok(())
}

/// The string the origin proof signs (module docs).
#[allow(clippy::too_many_arguments)]
pub fn canonical(
    method: &str,
    host: &str,
    path_and_query: &str,
    id: &Identity,
    request_id: &str,
    t: i64,
) -> String {
    [
        "v1",
        method,
        host,
        path_and_query,
        &id.subject,
        &id.client,
        &id.region,
        request_id,
        &t.to_string(),
    ]
    .join("\n")
}

/// `X-Auth-Signature`'s value: `t=<t>` then one `v1=` per key, in order.
pub fn signature(keys: &[Vec<u8>], canonical: &str, t: i64) -> String {
    let mut out = format!("t={t}");
    for key in keys {
        out.push_str(",v1=");
        out.push_str(&base64url_encode(&hmac_sha256(key, canonical.as_bytes())));
    }
    out
}

/// The request target: path and query as received.
fn path_and_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// The origin request: same method, path, query and body; incoming identity, hop-by-hop and
/// (unless `PROTECT_FORWARD_TOKEN=on`) `Authorization` headers dropped; the identity headers,
/// `X-Request-Id` and `X-Auth-Signature` added.
#[allow(clippy::too_many_arguments)]
pub fn forward(
    protect: &Protect,
    method: &str,
    path: &str,
    query: &str,
    incoming: &[(String, String)],
    id: &Identity,
    request_id: &str,
    keys: &[Vec<u8>],
    now_s: i64,
) -> Forward {
    let target = path_and_query(path, query);
    let mut headers: Vec<(String, String)> = incoming
        .iter()
        .filter(|(n, _)| {
            let lower = n.to_ascii_lowercase();
            !is_identity_header(n)
                && !HOP_BY_HOP.contains(&lower.as_str())
                && lower != "x-request-id"
                && (protect.forward_token || lower != "authorization")
        })
        .cloned()
        .collect();
    let proof = signature(
        keys,
        &canonical(method, &protect.origin_host, &target, id, request_id, now_s),
        now_s,
    );
    for (name, value) in [
        ("X-Auth-Subject", id.subject.as_str()),
        ("X-Auth-Client", id.client.as_str()),
        ("X-Auth-Region", id.region.as_str()),
        ("X-Request-Id", request_id),
        ("X-Auth-Signature", proof.as_str()),
    ] {
        headers.push((name.into(), value.into()));
    }
    Forward {
        url: format!("{}{target}", protect.origin),
        headers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn protect(forward_token: bool) -> Protect {
        Protect {
            origin: "http://127.0.0.1:8999".into(),
            origin_host: "127.0.0.1:8999".into(),
            prefix: "/api/".into(),
            required_scopes: vec![],
            required_roles: vec![],
            allowed_clients: vec![],
            forward_token,
        }
    }

    fn id() -> Identity {
        Identity {
            subject: "app-primary-id".into(),
            client: "oe_demo".into(),
            region: "primary".into(),
        }
    }

    #[test]
    fn identity_headers_are_stripped_in_every_spelling() {
        let incoming = h(&[
            ("accept", "application/json"),
            ("x-auth-client", "oe_evil"),
            ("X-AUTH-SUBJECT", "root"),
            ("X_Auth_Client", "spoofed"),
            ("x_auth_region", "secondary"),
            ("X-Auth_Signature", "t=1,v1=forged"),
            ("x-auth-anything", "1"),
            ("x-authorization-note", "kept"),
            ("x_authx", "kept"),
            ("connection", "close"),
            ("host", "worker.example"),
            ("x-request-id", "caller's"),
            ("authorization", "Bearer a.b.c"),
        ]);
        let f = forward(
            &protect(false),
            "GET",
            "/api/x",
            "",
            &incoming,
            &id(),
            "rid",
            &[vec![1; 32]],
            5,
        );
        let names: Vec<&str> = f.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "accept",
                "x-authorization-note",
                "x_authx",
                "X-Auth-Subject",
                "X-Auth-Client",
                "X-Auth-Region",
                "X-Request-Id",
                "X-Auth-Signature"
            ]
        );
        let value = |n: &str| {
            f.headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(value("X-Auth-Client"), Some("oe_demo"));
        assert_eq!(value("X-Request-Id"), Some("rid"));
        assert_eq!(f.url, "http://127.0.0.1:8999/api/x");
        // The bearer token reaches the origin only when asked.
        let f = forward(
            &protect(true),
            "GET",
            "/api/x",
            "a=1",
            &incoming,
            &id(),
            "rid",
            &[vec![1; 32]],
            5,
        );
        assert!(f.headers.iter().any(|(n, _)| n == "authorization"));
        assert_eq!(f.url, "http://127.0.0.1:8999/api/x?a=1");
        assert!(is_identity_header("X_AUTH_"));
        assert!(!is_identity_header("x-auth"));
        assert!(!is_identity_header("x-authority"));
    }

    #[test]
    fn paths_that_could_escape_the_prefix_are_refused() {
        for ok in [
            "/api/x",
            "/api/a.b/c",
            "/api/...",
            "/api/x%20y",
            "/api/.well",
            "/api/",
        ] {
            assert_eq!(check_path(ok), Ok(()), "{ok}");
        }
        for bad in [
            "/api/..%2F..%2Fadmin",
            "/api/..%2f..%2fadmin",
            "/api/%2e%2e/admin",
            "/api/%2E%2e/admin",
            "/api/.%2e/admin",
            "/api/../admin",
            "/api/./x",
            "/api/x/..",
            "/api/x%5cy",
            "/api/x\\..\\y",
            "/api/%2e/x",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }

    /// The committed vectors (tests/fixtures/origin-signature.json), which the reference
    /// origin-side check and the npm package's checker are tested against.
    #[test]
    fn the_signer_reproduces_the_committed_vectors() {
        let fx: serde_json::Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/origin-signature.json"
        ))
        .unwrap();
        let key = |name: &serde_json::Value| {
            let b64 = fx["keys"][name.as_str().unwrap()].as_str().unwrap();
            crate::codec::base64url_decode(b64).unwrap()
        };
        let vectors = fx["vectors"].as_array().unwrap();
        assert!(vectors.len() >= 3);
        for v in vectors {
            let r = &v["request"];
            let s = |n: &str| r[n].as_str().unwrap().to_string();
            let id = Identity {
                subject: s("subject"),
                client: s("client"),
                region: s("region"),
            };
            let t = r["t"].as_i64().unwrap();
            let c = canonical(
                &s("method"),
                &s("host"),
                &s("pathAndQuery"),
                &id,
                &s("requestId"),
                t,
            );
            assert_eq!(c, v["canonical"].as_str().unwrap(), "{}", v["name"]);
            let keys: Vec<Vec<u8>> = v["signed_with"]
                .as_array()
                .unwrap()
                .iter()
                .map(key)
                .collect();
            assert_eq!(
                signature(&keys, &c, t),
                v["header"].as_str().unwrap(),
                "{}",
                v["name"]
            );
        }
    }

    #[test]
    fn signature_over_the_canonical_string() {
        let c = canonical(
            "POST",
            "origin.example",
            "/api/x?a=1",
            &id(),
            "rid",
            1_700_000_000,
        );
        assert_eq!(
            c,
            "v1\nPOST\norigin.example\n/api/x?a=1\napp-primary-id\noe_demo\nprimary\nrid\n1700000000"
        );
        let one = signature(&[vec![7; 32]], &c, 1_700_000_000);
        let mac = base64url_encode(&hmac_sha256(&[7; 32], c.as_bytes()));
        assert_eq!(one, format!("t=1700000000,v1={mac}"));
        let two = signature(&[vec![7; 32], vec![8; 32]], &c, 1_700_000_000);
        assert!(two.starts_with(&one) && two.matches(",v1=").count() == 2);
        assert!(header_safe("app-primary-id"));
        assert!(!header_safe("a\r\nX-Auth-Client: evil"));
        assert!(!header_safe(""));
        assert!(!header_safe("é"));
    }
}
