//! Errors: one taxonomy shared by Rust, JS and HTTP (DESIGN.md section 4).
//!
//! Every token error has a stable [`ErrorKind`] (snake_case, fine-grained), a `code` (panva/jose's
//! string where jose has one) and, where a claim or header parameter is at fault, its wire name.
//! Caller misuse is a separate type, [`ConfigError`], so it can never be mistaken for a bad token.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use alloc::borrow::Cow;
use alloc::string::String;
use core::fmt;

/// What went wrong, as a stable machine-readable kind.
///
/// [`ErrorKind::as_str`] gives the wire name used in JSON, JS and HTTP bodies.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Not a compact JWS, bad base64url, header or payload not a JSON object, duplicate names.
    Malformed,
    /// The token is over the size limit.
    TokenTooLarge,
    /// `alg` is outside the caller's allow-list (`none`, `HS*`, ...).
    AlgNotAllowed,
    /// `crit` names an extension we do not process.
    UnsupportedCrit,
    /// `typ` is not allowed for the profile.
    InvalidTyp,
    /// No key with that `kid`.
    KeyNotFound,
    /// No `kid` and several usable keys (or several keys share the `kid`).
    KeyAmbiguous,
    /// The key's `use`, `key_ops` or `alg` forbid this verification (or it is not an RSA key).
    KeyUnusable,
    /// The key's modulus is outside 2048..=8192 bits or its exponent breaks the policy.
    KeyTooWeak,
    /// The key set is not a JWK Set.
    JwksInvalid,
    /// The signature does not verify.
    BadSignature,
    /// A required claim is absent.
    ClaimMissing,
    /// A claim has the wrong JSON type or an unusable value.
    ClaimInvalid,
    /// `iss` is not the expected issuer.
    IssMismatch,
    /// `aud` does not contain the client id (or the expected audience).
    AudMismatch,
    /// `aud` contains an audience the client does not trust.
    AudUntrusted,
    /// `azp` is required (several audiences) but absent.
    AzpMissing,
    /// `azp` is present and is not the client id.
    AzpMismatch,
    /// `now >= exp + tolerance`.
    Expired,
    /// `now < nbf - tolerance`.
    NotYetValid,
    /// `iat` is later than `now + tolerance`.
    IatInFuture,
    /// Older than the maximum token age (from `iat`).
    TooOld,
    /// A nonce was sent but the token has none.
    NonceMissing,
    /// The token's nonce differs from the one sent.
    NonceMismatch,
    /// `max_age` was requested but the token has no `auth_time`.
    AuthTimeMissing,
    /// The end-user authenticated longer ago than `max_age` allows.
    AuthTimeTooOld,
    /// `acr` is not one of the accepted values.
    AcrNotAllowed,
    /// `at_hash` does not match the access token (a required but absent `at_hash` is
    /// `claim_missing`).
    AtHashMismatch,
    /// `c_hash` does not match the code (a required but absent `c_hash` is `claim_missing`).
    CHashMismatch,
    /// Cognito profile: `token_use` is not `access`.
    TokenUseMismatch,
    /// Remote key fetch timed out (adapters only).
    JwksTimeout,
    /// Remote key fetch failed otherwise (adapters only).
    JwksUnavailable,
}

impl ErrorKind {
    /// The stable snake_case name (`"malformed"`, `"token_too_large"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Malformed => "malformed",
            ErrorKind::TokenTooLarge => "token_too_large",
            ErrorKind::AlgNotAllowed => "alg_not_allowed",
            ErrorKind::UnsupportedCrit => "unsupported_crit",
            ErrorKind::InvalidTyp => "invalid_typ",
            ErrorKind::KeyNotFound => "key_not_found",
            ErrorKind::KeyAmbiguous => "key_ambiguous",
            ErrorKind::KeyUnusable => "key_unusable",
            ErrorKind::KeyTooWeak => "key_too_weak",
            ErrorKind::JwksInvalid => "jwks_invalid",
            ErrorKind::BadSignature => "bad_signature",
            ErrorKind::ClaimMissing => "claim_missing",
            ErrorKind::ClaimInvalid => "claim_invalid",
            ErrorKind::IssMismatch => "iss_mismatch",
            ErrorKind::AudMismatch => "aud_mismatch",
            ErrorKind::AudUntrusted => "aud_untrusted",
            ErrorKind::AzpMissing => "azp_missing",
            ErrorKind::AzpMismatch => "azp_mismatch",
            ErrorKind::Expired => "expired",
            ErrorKind::NotYetValid => "not_yet_valid",
            ErrorKind::IatInFuture => "iat_in_future",
            ErrorKind::TooOld => "too_old",
            ErrorKind::NonceMissing => "nonce_missing",
            ErrorKind::NonceMismatch => "nonce_mismatch",
            ErrorKind::AuthTimeMissing => "auth_time_missing",
            ErrorKind::AuthTimeTooOld => "auth_time_too_old",
            ErrorKind::AcrNotAllowed => "acr_not_allowed",
            ErrorKind::AtHashMismatch => "at_hash_mismatch",
            ErrorKind::CHashMismatch => "c_hash_mismatch",
            ErrorKind::TokenUseMismatch => "token_use_mismatch",
            ErrorKind::JwksTimeout => "jwks_timeout",
            ErrorKind::JwksUnavailable => "jwks_unavailable",
        }
    }

    /// The jose error code this kind maps to by default (DESIGN.md section 4). A malformed
    /// *payload* uses `ERR_JWT_INVALID` instead, see [`Error::malformed_payload`].
    pub fn default_code(self) -> &'static str {
        match self {
            ErrorKind::Malformed | ErrorKind::TokenTooLarge => "ERR_JWS_INVALID",
            ErrorKind::AlgNotAllowed => "ERR_JOSE_ALG_NOT_ALLOWED",
            ErrorKind::UnsupportedCrit => "ERR_JOSE_NOT_SUPPORTED",
            ErrorKind::KeyNotFound | ErrorKind::KeyUnusable => "ERR_JWKS_NO_MATCHING_KEY",
            ErrorKind::KeyAmbiguous => "ERR_JWKS_MULTIPLE_MATCHING_KEYS",
            ErrorKind::KeyTooWeak => "ERR_JWK_INVALID",
            ErrorKind::JwksInvalid => "ERR_JWKS_INVALID",
            ErrorKind::BadSignature => "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
            ErrorKind::Expired | ErrorKind::TooOld => "ERR_JWT_EXPIRED",
            ErrorKind::JwksTimeout => "ERR_JWKS_TIMEOUT",
            ErrorKind::JwksUnavailable => "ERR_JWKS_UNAVAILABLE",
            ErrorKind::InvalidTyp
            | ErrorKind::ClaimMissing
            | ErrorKind::ClaimInvalid
            | ErrorKind::IssMismatch
            | ErrorKind::AudMismatch
            | ErrorKind::AudUntrusted
            | ErrorKind::AzpMissing
            | ErrorKind::AzpMismatch
            | ErrorKind::NotYetValid
            | ErrorKind::IatInFuture
            | ErrorKind::NonceMissing
            | ErrorKind::NonceMismatch
            | ErrorKind::AuthTimeMissing
            | ErrorKind::AuthTimeTooOld
            | ErrorKind::AcrNotAllowed
            | ErrorKind::AtHashMismatch
            | ErrorKind::CHashMismatch
            | ErrorKind::TokenUseMismatch => "ERR_JWT_CLAIM_VALIDATION_FAILED",
        }
    }

    /// The claim (or header parameter) a kind is always about, if any.
    fn default_claim(self) -> Option<&'static str> {
        match self {
            ErrorKind::InvalidTyp => Some("typ"),
            ErrorKind::IssMismatch => Some("iss"),
            ErrorKind::AudMismatch | ErrorKind::AudUntrusted => Some("aud"),
            ErrorKind::AzpMissing | ErrorKind::AzpMismatch => Some("azp"),
            ErrorKind::Expired => Some("exp"),
            ErrorKind::NotYetValid => Some("nbf"),
            ErrorKind::IatInFuture | ErrorKind::TooOld => Some("iat"),
            ErrorKind::NonceMissing | ErrorKind::NonceMismatch => Some("nonce"),
            ErrorKind::AuthTimeMissing | ErrorKind::AuthTimeTooOld => Some("auth_time"),
            ErrorKind::AcrNotAllowed => Some("acr"),
            ErrorKind::AtHashMismatch => Some("at_hash"),
            ErrorKind::CHashMismatch => Some("c_hash"),
            ErrorKind::TokenUseMismatch => Some("token_use"),
            _ => None,
        }
    }

    fn default_message(self) -> &'static str {
        match self {
            ErrorKind::Malformed => "token is not a well-formed compact JWS",
            ErrorKind::TokenTooLarge => "token is larger than the size limit",
            ErrorKind::AlgNotAllowed => "alg is not in the allowed algorithms",
            ErrorKind::UnsupportedCrit => "crit names an unsupported extension",
            ErrorKind::InvalidTyp => "typ is not allowed for this profile",
            ErrorKind::KeyNotFound => "no key matches the token's kid",
            ErrorKind::KeyAmbiguous => "several keys match the token",
            ErrorKind::KeyUnusable => "the selected key may not verify this token",
            ErrorKind::KeyTooWeak => "the selected key breaks the RSA key policy",
            ErrorKind::JwksInvalid => "the key set is not a JWK Set",
            ErrorKind::BadSignature => "signature verification failed",
            ErrorKind::ClaimMissing => "a required claim is missing",
            ErrorKind::ClaimInvalid => "a claim has an invalid value",
            ErrorKind::IssMismatch => "unexpected iss",
            ErrorKind::AudMismatch => "aud does not contain the expected audience",
            ErrorKind::AudUntrusted => "aud contains an untrusted audience",
            ErrorKind::AzpMissing => "azp is required when aud has several values",
            ErrorKind::AzpMismatch => "azp is not the client id",
            ErrorKind::Expired => "token has expired",
            ErrorKind::NotYetValid => "token is not yet valid",
            ErrorKind::IatInFuture => "iat is in the future",
            ErrorKind::TooOld => "token is older than the maximum token age",
            ErrorKind::NonceMissing => "nonce is missing",
            ErrorKind::NonceMismatch => "nonce does not match",
            ErrorKind::AuthTimeMissing => "auth_time is required when max_age is set",
            ErrorKind::AuthTimeTooOld => "authentication is older than max_age",
            ErrorKind::AcrNotAllowed => "acr is not one of the accepted values",
            ErrorKind::AtHashMismatch => "at_hash does not match the access token",
            ErrorKind::CHashMismatch => "c_hash does not match the code",
            ErrorKind::TokenUseMismatch => "token_use is not access",
            ErrorKind::JwksTimeout => "fetching the key set timed out",
            ErrorKind::JwksUnavailable => "the key set is unavailable",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A token (or key set) error: kind, jose code, claim at fault and a short message.
///
/// Messages are short and never echo the token or a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    code: &'static str,
    claim: Option<Cow<'static, str>>,
    message: Cow<'static, str>,
}

impl Error {
    /// An error of `kind` with its default code, claim and message.
    pub fn new(kind: ErrorKind) -> Error {
        Error {
            kind,
            code: kind.default_code(),
            claim: kind.default_claim().map(Cow::Borrowed),
            message: Cow::Borrowed(kind.default_message()),
        }
    }

    /// A `malformed` error about the payload (code `ERR_JWT_INVALID`).
    pub fn malformed_payload(message: &'static str) -> Error {
        Error {
            code: "ERR_JWT_INVALID",
            ..Error::new(ErrorKind::Malformed).with_message(message)
        }
    }

    /// Replaces the message (keep it short; never put a token or secret in it).
    #[must_use]
    pub fn with_message(mut self, message: impl Into<Cow<'static, str>>) -> Error {
        self.message = message.into();
        self
    }

    /// Sets the claim (or header parameter) at fault.
    #[must_use]
    pub fn with_claim(mut self, claim: impl Into<Cow<'static, str>>) -> Error {
        self.claim = Some(claim.into());
        self
    }

    /// The stable kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The jose error code, e.g. `"ERR_JWT_EXPIRED"`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The wire name of the claim or header parameter at fault (`"exp"`, `"typ"`, ...).
    pub fn claim(&self) -> Option<&str> {
        self.claim.as_deref()
    }

    /// A short human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error::new(kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.kind.as_str(),
            self.code,
            self.message
        )?;
        if let Some(claim) = &self.claim {
            write!(f, " [claim {claim}]")?;
        }
        Ok(())
    }
}

impl core::error::Error for Error {}

/// Caller misuse: options that cannot describe a valid policy (missing issuer, missing client
/// id for the profile, ...). Distinct from [`Error`], which is always about the token or keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    message: Cow<'static, str>,
}

impl ConfigError {
    /// A configuration error with a message naming the option at fault.
    pub fn new(message: impl Into<Cow<'static, str>>) -> ConfigError {
        ConfigError {
            message: message.into(),
        }
    }

    /// What is wrong with the options.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<String> for ConfigError {
    fn from(message: String) -> ConfigError {
        ConfigError::new(message)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid verifier configuration: {}", self.message)
    }
}

impl core::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_design_table() {
        assert_eq!(Error::new(ErrorKind::Expired).code(), "ERR_JWT_EXPIRED");
        assert_eq!(Error::new(ErrorKind::Expired).claim(), Some("exp"));
        assert_eq!(Error::new(ErrorKind::TooOld).code(), "ERR_JWT_EXPIRED");
        assert_eq!(Error::new(ErrorKind::TooOld).claim(), Some("iat"));
        assert_eq!(Error::new(ErrorKind::Malformed).code(), "ERR_JWS_INVALID");
        assert_eq!(Error::malformed_payload("x").code(), "ERR_JWT_INVALID");
        assert_eq!(Error::malformed_payload("x").kind(), ErrorKind::Malformed);
        assert_eq!(
            Error::new(ErrorKind::KeyUnusable).code(),
            "ERR_JWKS_NO_MATCHING_KEY"
        );
        assert_eq!(ErrorKind::CHashMismatch.as_str(), "c_hash_mismatch");
    }
}
