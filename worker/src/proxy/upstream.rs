//! The token request the proxy sends upstream: `grant_type`, `scope` and the mapped
//! credentials, nothing from the caller. Sent through [`crate::io::Io::fetch`].

use std::string::{String, ToString};

use crate::codec::{base64_encode, form_encode};
use crate::config::proxy::UpstreamAuth;
use crate::io::{Method, Outbound};

/// Largest upstream token response read (a token response is a few KiB); a larger one is a
/// failed attempt.
pub const MAX_TOKEN_RESPONSE: usize = 64 * 1024;

impl Outbound {
    /// Builds the request for `client_credentials` with the region's real credentials.
    pub fn client_credentials(
        url: &str,
        auth: UpstreamAuth,
        client_id: &str,
        client_secret: &str,
        scope: Option<&str>,
    ) -> Outbound {
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
        Outbound {
            method: Method::Post,
            url: url.to_string(),
            headers,
            body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::base64_decode;

    #[test]
    fn basic_request_encodes_credentials_per_rfc6749() {
        let r = Outbound::client_credentials(
            "https://u/t",
            UpstreamAuth::Basic,
            "id:1",
            "s e+c/ret",
            Some("a b"),
        );
        assert_eq!(r.body, "grant_type=client_credentials&scope=a+b");
        let auth = &r.header("Authorization").unwrap();
        let raw = base64_decode(auth.strip_prefix("Basic ").unwrap()).unwrap();
        assert_eq!(core::str::from_utf8(&raw).unwrap(), "id%3A1:s+e%2Bc%2Fret");
        assert!(!std::format!("{r:?}").contains("Basic"));
    }

    #[test]
    fn post_request_has_no_authorization() {
        let r = Outbound::client_credentials("https://u/t", UpstreamAuth::Post, "id", "s&x", None);
        assert_eq!(
            r.body,
            "grant_type=client_credentials&client_id=id&client_secret=s%26x"
        );
        assert!(r.headers.iter().all(|(n, _)| n != "Authorization"));
    }
}
