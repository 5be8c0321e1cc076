//! Plain HTTP values shared by the pure handlers and the glue, and the one response builder.
//! No `worker` types here, so every handler runs natively under `cargo test`.

use std::string::{String, ToString};
use std::vec::Vec;

use serde_json::Value;

/// The first header with this name (case-insensitive) in a list of `(name, value)` pairs.
pub fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The origin (`scheme://host[:port]`), path and query (without `?`) of a request URL as the
/// runtime serialises it (WHATWG URL: an absolute URL whose path starts with the first `/` after
/// the host, and whose path and query hold `?` and `#` only percent-encoded). The fragment is
/// dropped. Splitting the runtime's own serialisation here keeps a URL parser (and its Unicode
/// tables) out of the worker's wasm.
pub fn split_url(url: &str) -> (&str, &str, &str) {
    let url = url.split_once('#').map_or(url, |(u, _)| u);
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let path_start = url[after_scheme..]
        .find(['/', '?'])
        .map_or(url.len(), |i| after_scheme + i);
    let (origin, rest) = url.split_at(path_start);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    (origin, if path.is_empty() { "/" } else { path }, query)
}

/// An incoming request, as the glue hands it over.
#[derive(Clone, Debug, Default)]
pub struct HttpRequest {
    /// Upper-case method (`POST`).
    pub method: String,
    /// `scheme://host[:port]` of the request URL, as the client addressed the worker (a DPoP
    /// proof's `htu` is checked against it and the path).
    pub origin: String,
    /// The URL path as received, percent-encoding kept (`/oauth2/token`).
    pub path: String,
    /// The raw query string without `?`, empty when absent.
    pub query: String,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, read under the route's limit (see [`crate::routes`]). `None` when it was
    /// larger than the limit (reading stopped there). Routes that do not read bodies get an
    /// empty one.
    pub body: Option<Vec<u8>>,
}

impl HttpRequest {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// How many headers carry this name.
    pub fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }
}

/// Value of `X-Oidc-Edge-Upstream`: who produced the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    /// The primary token endpoint.
    Primary,
    /// The secondary token endpoint.
    Secondary,
    /// The isolate's token cache.
    Cache,
    /// The worker itself (validation, authentication, verification, 503, 404, ...).
    None,
}

impl Served {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Served::Primary => "primary",
            Served::Secondary => "secondary",
            Served::Cache => "cache",
            Served::None => "none",
        }
    }
}

/// A response the worker builds. Every one starts in [`HttpResponse::new`], so the fixed
/// headers cannot be forgotten on any route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header names as sent.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

/// The header naming who answered.
pub const UPSTREAM_HEADER: &str = "X-Oidc-Edge-Upstream";

impl HttpResponse {
    /// An empty JSON response with the headers every response carries: `Content-Type`
    /// (JSON), `Cache-Control: no-store`, `Pragma: no-cache`, `X-Content-Type-Options:
    /// nosniff`, `X-Request-Id` and `X-Oidc-Edge-Upstream: none`.
    pub fn new(status: u16, request_id: &str) -> Self {
        let fixed = [
            ("Content-Type", "application/json;charset=UTF-8"),
            ("Cache-Control", "no-store"),
            ("Pragma", "no-cache"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Request-Id", request_id),
            (UPSTREAM_HEADER, Served::None.as_str()),
        ];
        HttpResponse {
            status,
            headers: fixed
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
        }
    }

    /// A JSON response.
    pub fn json(status: u16, body: &Value, request_id: &str) -> Self {
        Self::new(status, request_id).with_body(serde_json::to_vec(body).unwrap_or_default())
    }

    /// An OAuth 2.0 error response (RFC 6749 section 5.2).
    pub fn oauth_error(
        status: u16,
        error: &str,
        description: Option<&str>,
        request_id: &str,
    ) -> Self {
        let mut map = serde_json::Map::new();
        map.insert("error".into(), error.into());
        if let Some(d) = description {
            map.insert("error_description".into(), d.into());
        }
        Self::json(status, &Value::Object(map), request_id)
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// Says who answered.
    pub fn served(self, served: Served) -> Self {
        self.set_header(UPSTREAM_HEADER, served.as_str())
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets a header, replacing any with the same name.
    pub fn set_header(self, name: &str, value: &str) -> Self {
        self.without_header(name).with_header(name, value)
    }

    /// Removes every header with this name.
    pub fn without_header(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Who answered, read back from the header.
    pub fn served_by(&self) -> Served {
        match self.header(UPSTREAM_HEADER) {
            Some("primary") => Served::Primary,
            Some("secondary") => Served::Secondary,
            Some("cache") => Served::Cache,
            _ => Served::None,
        }
    }

    /// The body parsed as JSON (tests, and the token cache).
    pub fn json_body(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_urls_split_as_the_runtime_serialises_them() {
        for (url, want) in [
            (
                "https://edge.example/api/x?a=1&b=/c#frag",
                ("https://edge.example", "/api/x", "a=1&b=/c"),
            ),
            (
                "http://127.0.0.1:8787/verify",
                ("http://127.0.0.1:8787", "/verify", ""),
            ),
            ("https://edge.example", ("https://edge.example", "/", "")),
            ("https://edge.example?q", ("https://edge.example", "/", "q")),
            (
                "https://edge.example/a%3F%23b?c?d",
                ("https://edge.example", "/a%3F%23b", "c?d"),
            ),
        ] {
            assert_eq!(split_url(url), want, "{url}");
        }
    }

    #[test]
    fn every_response_starts_with_the_fixed_headers() {
        let r = HttpResponse::oauth_error(400, "invalid_request", Some("x"), "rid")
            .served(Served::Secondary)
            .set_header("Cache-Control", "public, max-age=5");
        assert_eq!(r.header("x-request-id"), Some("rid"));
        assert_eq!(r.header("pragma"), Some("no-cache"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.served_by(), Served::Secondary);
        assert_eq!(r.header("cache-control"), Some("public, max-age=5"));
        assert_eq!(
            r.headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("cache-control"))
                .count(),
            1
        );
        assert_eq!(r.json_body().unwrap()["error_description"], "x");
        assert_eq!(HttpResponse::new(204, "r").served_by(), Served::None);
    }
}
