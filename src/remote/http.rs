//! The HTTP side of remote keys: which URLs may be fetched, and one bounded GET.
//!
//! - `https://` anywhere; `http://` only to a loopback host (`localhost`, `127.0.0.0/8`,
//!   `[::1]`), for local development and tests; no user info in the URL.
//! - One GET with a time limit on the whole exchange (connect, headers, body), no redirects
//!   followed (a 3xx is a failed fetch, as in jose), and a size cap enforced while the body is
//!   read, so an endless or huge response never fills memory.

use core::net::IpAddr;
use core::time::Duration;
use std::string::{String, ToString};
use std::vec::Vec;

use crate::error::ConfigError;

/// Checks that `url` may be fetched: https, or http to a loopback host.
pub(crate) fn check_url(url: &str) -> Result<(), ConfigError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| ConfigError::new("a key or discovery URL must be absolute (https://...)"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(ConfigError::new(
            "a key or discovery URL needs a host and no user info",
        ));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if is_loopback(authority) => Ok(()),
        "http" => Err(ConfigError::new(
            "plain http is allowed only to a loopback address (use https)",
        )),
        _ => Err(ConfigError::new("a key or discovery URL must use https")),
    }
}

/// Whether the authority (`host[:port]`) names a loopback host.
fn is_loopback(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A 2xx answer: its body (within the cap) and `Cache-Control`.
pub(crate) struct Fetched {
    pub(crate) body: Vec<u8>,
    pub(crate) cache_control: Option<String>,
}

/// Why a fetch failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FetchError {
    /// The time limit passed.
    Timeout,
    /// Anything else: no connection, TLS, a non-2xx status, a body over the cap.
    Failed,
}

/// A blocking HTTP client with the fetch policy built in.
#[derive(Debug)]
pub(crate) struct Client {
    agent: ureq::Agent,
    max_bytes: u64,
}

impl Client {
    /// A client whose every fetch takes at most `timeout_ms` and reads at most `max_bytes`.
    pub(crate) fn new(timeout_ms: u32, max_bytes: usize) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_millis(u64::from(timeout_ms))))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(concat!("oidc-edge/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: config.into(),
            max_bytes: u64::try_from(max_bytes).unwrap_or(u64::MAX),
        }
    }

    /// One GET of `url` (already checked by [`check_url`]).
    pub(crate) fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        let mut response = self
            .agent
            .get(url)
            .header("Accept", "application/json")
            .call()
            .map_err(classify)?;
        if !response.status().is_success() {
            return Err(FetchError::Failed);
        }
        let cache_control = response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .map(ToString::to_string);
        let body = response
            .body_mut()
            .with_config()
            .limit(self.max_bytes)
            .read_to_vec()
            .map_err(classify)?;
        Ok(Fetched {
            body,
            cache_control,
        })
    }
}

fn classify(e: ureq::Error) -> FetchError {
    match e {
        ureq::Error::Timeout(_) => FetchError::Timeout,
        _ => FetchError::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_policy() {
        for ok in [
            "https://login.example.com/keys",
            "HTTPS://example.com",
            "http://127.0.0.1:8080/jwks",
            "http://127.9.9.9/x",
            "http://localhost:3000",
            "http://[::1]:9000/jwks",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/jwks",
            "http://10.0.0.1/jwks",
            "http://127.0.0.1.evil.example/jwks",
            "http://localhost.evil.example/",
            "http://[::2]/x",
            "ftp://example.com/x",
            "https://user:pw@example.com/x",
            "http://evil.example@127.0.0.1/x",
            "/relative",
            "https:///nohost",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
