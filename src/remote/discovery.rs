//! OpenID Connect Discovery 1.0: the provider metadata, and its one rule that matters for
//! verification: the document's `issuer` must equal the configured issuer exactly (section
//! 4.3), else the configuration is wrong (a [`ConfigError`], not a key error).
//!
//! An Entra ID template (`{tenantid}`) has no metadata URL of its own: fetch the metadata of
//! `/common` or `/organizations` with [`ProviderMetadata::discover_at`], which publish the
//! template itself as their `issuer`, so the same equality holds verbatim.

use core::fmt;
use std::string::String;

use serde_json::Value;

use super::http;
use crate::error::{ConfigError, Error, ErrorKind};
use crate::issuer::TENANT_PLACEHOLDER;
use crate::keycache::KeyCachePolicy;

/// What discovery tells a verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderMetadata {
    /// The issuer, equal to the configured one.
    pub issuer: String,
    /// The JWK Set URL.
    pub jwks_uri: String,
}

/// Why discovery failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiscoveryError {
    /// The configuration is wrong: a URL the fetch policy refuses, or a document naming another
    /// issuer than the configured one.
    Config(ConfigError),
    /// The document could not be had or is not provider metadata (`jwks_unavailable` /
    /// `jwks_timeout`): the configuration may be fine, retry later.
    Unavailable(Error),
}

impl fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoveryError::Config(e) => e.fmt(f),
            DiscoveryError::Unavailable(e) => write!(f, "discovery failed: {e}"),
        }
    }
}

impl core::error::Error for DiscoveryError {}

impl From<ConfigError> for DiscoveryError {
    fn from(e: ConfigError) -> DiscoveryError {
        DiscoveryError::Config(e)
    }
}

impl ProviderMetadata {
    /// Fetches `<issuer>/.well-known/openid-configuration` (a trailing `/` of the issuer is
    /// dropped first, as the specification says) and checks it.
    pub fn discover(issuer: &str) -> Result<ProviderMetadata, DiscoveryError> {
        if issuer.contains(TENANT_PLACEHOLDER) {
            return Err(DiscoveryError::Config(ConfigError::new(
                "an issuer template has no discovery URL: use discover_at with the metadata URL",
            )));
        }
        let url = alloc::format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        ProviderMetadata::discover_at(&url, issuer)
    }

    /// Fetches the metadata at `url` and checks that its `issuer` equals `issuer` exactly
    /// (for a template, verbatim) and that `jwks_uri` may be fetched.
    pub fn discover_at(url: &str, issuer: &str) -> Result<ProviderMetadata, DiscoveryError> {
        http::check_url(url)?;
        let policy = KeyCachePolicy::default();
        let client = http::Client::new(policy.timeout_ms, policy.max_response_bytes);
        let fetched = client.get(url).map_err(|e| {
            DiscoveryError::Unavailable(Error::new(match e {
                http::FetchError::Timeout => ErrorKind::JwksTimeout,
                http::FetchError::Failed => ErrorKind::JwksUnavailable,
            }))
        })?;
        ProviderMetadata::from_document(&fetched.body, issuer)
    }

    /// Checks a fetched metadata document against the configured `issuer`.
    pub fn from_document(body: &[u8], issuer: &str) -> Result<ProviderMetadata, DiscoveryError> {
        let unusable = |message: &'static str| {
            DiscoveryError::Unavailable(
                Error::new(ErrorKind::JwksUnavailable).with_message(message),
            )
        };
        let doc = crate::json::parse_object(body)
            .map_err(|_| unusable("the discovery document is not a JSON object"))?;
        let published = match doc.get("issuer") {
            Some(Value::String(s)) => s.as_str(),
            _ => return Err(unusable("the discovery document has no issuer")),
        };
        if published != issuer {
            return Err(DiscoveryError::Config(ConfigError::new(alloc::format!(
                "the discovery document names another issuer ({published}) than the configured one"
            ))));
        }
        let jwks_uri = match doc.get("jwks_uri") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(unusable("the discovery document has no jwks_uri")),
        };
        http::check_url(&jwks_uri)?;
        Ok(ProviderMetadata {
            issuer: issuer.into(),
            jwks_uri,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISS: &str = "https://op.example";

    #[test]
    fn issuer_must_match() {
        let doc = br#"{"issuer":"https://op.example","jwks_uri":"https://op.example/keys"}"#;
        let m = ProviderMetadata::from_document(doc, ISS).unwrap();
        assert_eq!(m.jwks_uri, "https://op.example/keys");
        for other in ["https://op.example/", "https://OP.example", "https://evil"] {
            assert!(matches!(
                ProviderMetadata::from_document(doc, other),
                Err(DiscoveryError::Config(_))
            ));
        }
        let tpl = "https://login.microsoftonline.com/{tenantid}/v2.0";
        let entra = br#"{"issuer":"https://login.microsoftonline.com/{tenantid}/v2.0",
            "jwks_uri":"https://login.microsoftonline.com/common/discovery/v2.0/keys"}"#;
        assert!(ProviderMetadata::from_document(entra, tpl).is_ok());
        assert!(matches!(
            ProviderMetadata::discover(tpl),
            Err(DiscoveryError::Config(_))
        ));
    }

    #[test]
    fn unusable_documents() {
        for doc in [
            &b"[]"[..],
            br#"{"jwks_uri":"https://op.example/keys"}"#,
            br#"{"issuer":"https://op.example"}"#,
            br#"{"issuer":"https://op.example","jwks_uri":5}"#,
        ] {
            assert!(matches!(
                ProviderMetadata::from_document(doc, ISS),
                Err(DiscoveryError::Unavailable(_))
            ));
        }
        let plain = br#"{"issuer":"https://op.example","jwks_uri":"http://op.example/keys"}"#;
        assert!(matches!(
            ProviderMetadata::from_document(plain, ISS),
            Err(DiscoveryError::Config(_))
        ));
    }
}
