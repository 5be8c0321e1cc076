//! The request the protected route sends to the origin: same method, path, query and body;
//! incoming `X-Auth-*` and hop-by-hop headers dropped; the identity headers added.

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

/// Whether a value can be sent as a header value as is (visible ASCII and spaces, no CR/LF).
pub fn header_safe(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 1024
        && v.bytes()
            .all(|b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b))
}

/// The origin URL for a request path and query.
pub fn origin_url(origin: &str, path: &str, query: &str) -> String {
    if query.is_empty() {
        format!("{origin}{path}")
    } else {
        format!("{origin}{path}?{query}")
    }
}

/// The headers for the origin: every incoming header but `X-Auth-*` (whatever the case) and
/// hop-by-hop ones, then `X-Auth-Subject`, `X-Auth-Client`, `X-Auth-Region`.
pub fn origin_headers(incoming: &[(String, String)], id: &Identity) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = incoming
        .iter()
        .filter(|(n, _)| {
            let n = n.to_ascii_lowercase();
            !n.starts_with("x-auth-") && !HOP_BY_HOP.contains(&n.as_str())
        })
        .cloned()
        .collect();
    out.push(("X-Auth-Subject".into(), id.subject.clone()));
    out.push(("X-Auth-Client".into(), id.client.clone()));
    out.push(("X-Auth-Region".into(), id.region.clone()));
    out
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

    #[test]
    fn spoofed_identity_headers_are_dropped() {
        let id = Identity {
            subject: "app-primary-id".into(),
            client: "oe_demo".into(),
            region: "primary".into(),
        };
        let incoming = h(&[
            ("accept", "application/json"),
            ("x-auth-client", "oe_evil"),
            ("X-AUTH-SUBJECT", "root"),
            ("x-auth-region", "secondary"),
            ("x-auth-anything", "1"),
            ("x-authorization-note", "kept"),
            ("connection", "close"),
            ("host", "worker.example"),
            ("authorization", "Bearer a.b.c"),
        ]);
        let out = origin_headers(&incoming, &id);
        let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "accept",
                "x-authorization-note",
                "authorization",
                "X-Auth-Subject",
                "X-Auth-Client",
                "X-Auth-Region"
            ]
        );
        assert_eq!(out[4].1, "oe_demo");
        assert_eq!(
            out.iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("x-auth-client"))
                .count(),
            1
        );
    }

    #[test]
    fn urls_and_values() {
        assert_eq!(
            origin_url("http://127.0.0.1:9", "/api/x", ""),
            "http://127.0.0.1:9/api/x"
        );
        assert_eq!(
            origin_url("http://127.0.0.1:9", "/api/x", "a=1"),
            "http://127.0.0.1:9/api/x?a=1"
        );
        assert!(header_safe("app-primary-id"));
        assert!(!header_safe("a\r\nX-Auth-Client: evil"));
        assert!(!header_safe(""));
        assert!(!header_safe("é"));
    }
}
