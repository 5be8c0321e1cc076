//! The one thing the proxy asks of the outside world: send one token request to one upstream,
//! within a time limit. The glue implements it over `worker::Fetch` (AbortController + Delay);
//! tests implement it with scripted fakes.

use std::string::{String, ToString};
use std::vec::Vec;

use super::config::UpstreamAuth;
use crate::codec::{base64_encode, form_encode};

/// Which upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Region {
    /// `OAUTH_HOST_PRIMARY`.
    Primary,
    /// `OAUTH_HOST_SECONDARY`.
    Secondary,
}

impl Region {
    /// `primary` / `secondary`.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Primary => "primary",
            Region::Secondary => "secondary",
        }
    }

    /// Array index (primary 0, secondary 1).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A token request to one upstream. It carries only what the issue allows: `grant_type`,
/// `scope` and the mapped credentials; never a caller header.
#[derive(Clone, PartialEq, Eq)]
pub struct UpstreamRequest {
    /// Full token endpoint URL from configuration.
    pub url: String,
    /// Headers to send (`Content-Type`, `Accept`, maybe `Authorization`).
    pub headers: Vec<(String, String)>,
    /// Form body.
    pub body: String,
}

impl core::fmt::Debug for UpstreamRequest {
    // Never print credentials, even in test failures.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UpstreamRequest")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl UpstreamRequest {
    /// Builds the request for `client_credentials` with the region's real credentials.
    pub fn client_credentials(
        url: &str,
        auth: UpstreamAuth,
        client_id: &str,
        client_secret: &str,
        scope: Option<&str>,
    ) -> Self {
        let mut headers = std::vec![
            (
                "Content-Type".to_string(),
                "application/x-www-form-urlencoded".to_string()
            ),
            ("Accept".to_string(), "application/json".to_string()),
        ];
        let mut body = String::from("grant_type=client_credentials");
        if let Some(scope) = scope {
            body.push_str("&scope=");
            body.push_str(&form_encode(scope));
        }
        match auth {
            UpstreamAuth::Basic => {
                // RFC 6749 2.3.1: form-urlencode id and secret, then Basic.
                let pair =
                    std::format!("{}:{}", form_encode(client_id), form_encode(client_secret));
                headers.push((
                    "Authorization".to_string(),
                    std::format!("Basic {}", base64_encode(pair.as_bytes())),
                ));
            }
            UpstreamAuth::Post => {
                body.push_str("&client_id=");
                body.push_str(&form_encode(client_id));
                body.push_str("&client_secret=");
                body.push_str(&form_encode(client_secret));
            }
        }
        UpstreamRequest {
            url: url.to_string(),
            headers,
            body,
        }
    }
}

/// What came back (headers reduced to the two the proxy reads).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamReply {
    /// HTTP status (3xx stays 3xx: redirects are not followed).
    pub status: u16,
    /// `Retry-After`, if sent.
    pub retry_after: Option<String>,
    /// The whole body (read within the same per-try timeout).
    pub body: Vec<u8>,
}

/// Why no reply arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// The per-try timeout passed before the headers and the whole body arrived.
    Timeout,
    /// Connection refused, reset, DNS, TLS: anything the fetch reported as an error.
    Network,
}

/// Sends one request. `timeout_ms` covers headers and body together.
///
/// No `Send` bound: futures in Workers are `!Send`.
#[allow(async_fn_in_trait)]
pub trait Upstream {
    /// One attempt, never retried by the implementation.
    async fn send(
        &self,
        request: &UpstreamRequest,
        timeout_ms: u64,
    ) -> Result<UpstreamReply, Transport>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::base64_decode;

    #[test]
    fn basic_request_encodes_credentials_per_rfc6749() {
        let r = UpstreamRequest::client_credentials(
            "https://u/t",
            UpstreamAuth::Basic,
            "id:1",
            "s e+c/ret",
            Some("a b"),
        );
        assert_eq!(r.body, "grant_type=client_credentials&scope=a+b");
        let auth = &r
            .headers
            .iter()
            .find(|(n, _)| n == "Authorization")
            .unwrap()
            .1;
        let raw = base64_decode(auth.strip_prefix("Basic ").unwrap()).unwrap();
        assert_eq!(core::str::from_utf8(&raw).unwrap(), "id%3A1:s+e%2Bc%2Fret");
        assert!(!std::format!("{r:?}").contains("Basic"));
    }

    #[test]
    fn post_request_has_no_authorization() {
        let r = UpstreamRequest::client_credentials(
            "https://u/t",
            UpstreamAuth::Post,
            "id",
            "s&x",
            None,
        );
        assert_eq!(
            r.body,
            "grant_type=client_credentials&client_id=id&client_secret=s%26x"
        );
        assert!(r.headers.iter().all(|(n, _)| n != "Authorization"));
    }
}
