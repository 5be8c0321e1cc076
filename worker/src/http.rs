//! Plain HTTP request/response values shared by the pure handlers and the `worker` glue.
//! No `worker` types here, so every handler can run natively under `cargo test`.

use std::string::{String, ToString};
use std::vec::Vec;

/// An incoming request, already read into memory by the glue.
#[derive(Clone, Debug, Default)]
pub struct HttpRequest {
    /// Upper-case method (`POST`).
    pub method: String,
    /// The URL path (`/oauth2/token`).
    pub path: String,
    /// The raw query string without `?`, empty when absent.
    pub query: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body; `None` when the glue refused to read it because it was too large.
    pub body: Option<Vec<u8>>,
}

impl HttpRequest {
    /// The first header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// How many headers carry this name.
    pub fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }
}

/// An outgoing response. Every response the worker builds goes through [`HttpResponse::json`]
/// so the fixed headers cannot be forgotten.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header names as sent.
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: Vec<u8>,
}

/// Value of `X-Oidc-Edge-Upstream` on a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    /// Answered by the primary token endpoint.
    Primary,
    /// Answered by the secondary token endpoint.
    Secondary,
    /// Answered from the isolate's token cache.
    Cache,
    /// Answered by the worker itself (validation, authentication, 503, 404, ...).
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

impl HttpResponse {
    /// A JSON response with `Content-Type`, `Cache-Control: no-store`, `Pragma: no-cache`,
    /// `X-Request-Id` and `X-Oidc-Edge-Upstream` already set.
    pub fn json(status: u16, body: Vec<u8>, request_id: &str, served: Served) -> Self {
        HttpResponse {
            status,
            headers: std::vec![
                (
                    "Content-Type".to_string(),
                    "application/json;charset=UTF-8".to_string()
                ),
                ("Cache-Control".to_string(), "no-store".to_string()),
                ("Pragma".to_string(), "no-cache".to_string()),
                ("X-Content-Type-Options".to_string(), "nosniff".to_string()),
                ("X-Request-Id".to_string(), request_id.to_string()),
                (
                    "X-Oidc-Edge-Upstream".to_string(),
                    served.as_str().to_string()
                ),
            ],
            body,
        }
    }

    /// An OAuth 2.0 error response (RFC 6749 section 5.2).
    pub fn oauth_error(
        status: u16,
        error: &str,
        description: Option<&str>,
        request_id: &str,
        served: Served,
    ) -> Self {
        let mut map = serde_json::Map::new();
        map.insert("error".into(), error.into());
        if let Some(d) = description {
            map.insert("error_description".into(), d.into());
        }
        let body = serde_json::to_vec(&serde_json::Value::Object(map)).unwrap_or_default();
        Self::json(status, body, request_id, served)
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (tests and cache use it).
    pub fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}
