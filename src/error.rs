//! Errors: one taxonomy shared by Rust, JS and HTTP, defined by the tables of this module.
//!
//! Every token error has a stable [`ErrorKind`] (snake_case, fine-grained), a `code` (panva/jose's
//! string where jose has one) and, where a claim or header parameter is at fault, its wire name.
//! Caller misuse is a separate type, [`ConfigError`], so it can never be mistaken for a bad token.

use alloc::borrow::Cow;
use alloc::string::String;
use core::fmt;

/// What went wrong, as a stable machine-readable kind.
///
/// Everything else about a kind (wire name, jose code, HTTP status, the check it belongs to,
/// default claim and message) is one row of [`ErrorKind::ALL`]'s table, read through
/// [`ErrorKind::info`]: the TypeScript types, the worker's HTTP mapping, the demo page and the
/// docs are derived from that table or tested against it.
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
    /// The key's `use`, `key_ops` or `alg` forbid this verification, it is not of the kind
    /// the `alg` needs, or its members do not encode a key (a point not on its curve, ...).
    KeyUnusable,
    /// The key breaks the key policy: an RSA modulus outside 2048..=8192 bits or a bad
    /// exponent, an Ed25519 point of small order.
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
    /// A required scope or role is missing (the token is valid, but may not do this: HTTP 403).
    InsufficientScope,
    /// The token is bound to a DPoP key (`cnf.jkt`) and no proof of possession was checked.
    DpopRequired,
    /// A DPoP proof (RFC 9449) fails a check, or does not match its access token: the claim
    /// names the part (`typ`, `alg`, `jwk`, `signature`, `htm`, `htu`, `iat`, `jti`, `ath`,
    /// `nonce`, or `cnf` for the binding of the token to the proof's key).
    DpopInvalid,
}

/// One verification step, in the order the verifier runs them; every error belongs to one
/// ([`Error::check`]). The demo page lists these steps and marks the failing one.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Check {
    /// Compact JWS: size limit, three strict base64url segments, JSON header.
    Structure,
    /// Header: `alg` in the allow-list, `crit`, `typ`.
    Header,
    /// The key from the issuer's set: `kid`, `use` / `key_ops` / `alg`, key policy.
    Key,
    /// The signature over the exact `header.payload`.
    Signature,
    /// The payload is a JSON object and claims have their JSON types.
    Payload,
    /// `iss` equals the issuer.
    Issuer,
    /// `aud` contains the client id or audience, and no untrusted audience.
    Audience,
    /// `azp`: present with several audiences, and the client.
    AuthorizedParty,
    /// The client of an access token (`client_id`, Cognito's `token_use`).
    Client,
    /// `exp` with the clock tolerance.
    Expiry,
    /// `nbf` with the clock tolerance.
    NotBefore,
    /// `iat` not in the future, and the maximum token age.
    IssuedAt,
    /// `nonce` equals the one sent.
    Nonce,
    /// `auth_time` within `max_age`.
    AuthTime,
    /// `acr` among the accepted values.
    Acr,
    /// `at_hash` / `c_hash` against the access token / code.
    Hashes,
    /// Required claims present (`sub`, the profile's, the caller's) and the expected `sub`.
    Required,
    /// Sender constraint: a token bound to a key (`cnf`) passes only with a valid DPoP proof
    /// of that key, never as a bearer token.
    Sender,
    /// The required scopes and roles (the last check: a 403, never before a 401).
    Scope,
}

/// A row of the check table: see [`Check::info`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckInfo {
    /// The check.
    pub check: Check,
    /// Stable id (`"structure"`, `"iss"`, ...), as the demo page and JS use it.
    pub id: &'static str,
    /// Where the specifications ask for it.
    pub spec: &'static str,
    /// One line on what is checked.
    pub description: &'static str,
}

impl Check {
    /// Every check, in the order the verifier runs them.
    pub const ALL: [Check; 19] = [
        Check::Structure,
        Check::Header,
        Check::Key,
        Check::Signature,
        Check::Payload,
        Check::Issuer,
        Check::Audience,
        Check::AuthorizedParty,
        Check::Client,
        Check::Expiry,
        Check::NotBefore,
        Check::IssuedAt,
        Check::Nonce,
        Check::AuthTime,
        Check::Acr,
        Check::Hashes,
        Check::Required,
        Check::Sender,
        Check::Scope,
    ];

    /// This check's row of the table.
    pub fn info(self) -> &'static CheckInfo {
        let row = CHECKS.get(self as usize);
        // The table is in declaration order (a unit test pins it), so the lookup always hits.
        row.unwrap_or(&CHECKS[0])
    }

    /// The stable id (`"structure"`, `"iss"`, ...).
    pub fn id(self) -> &'static str {
        self.info().id
    }
}

/// The check table, in [`Check`] declaration order.
const CHECKS: [CheckInfo; 19] = {
    const fn row(
        check: Check,
        id: &'static str,
        spec: &'static str,
        description: &'static str,
    ) -> CheckInfo {
        CheckInfo {
            check,
            id,
            spec,
            description,
        }
    }
    [
        row(
            Check::Structure,
            "structure",
            "RFC 7515 7.1; OIDC Core 3.1.3.7 step 1",
            "compact JWS: size limit, three strict base64url segments, JSON header",
        ),
        row(
            Check::Header,
            "header",
            "RFC 8725 3.1, 3.11; RFC 7515 4.1.11",
            "alg in the allow-list (never none or HMAC), crit, typ for the profile",
        ),
        row(
            Check::Key,
            "key",
            "OIDC Core 3.1.3.7 step 6; RFC 7517",
            "the key from the issuer's set: kid, use / key_ops / alg, key policy",
        ),
        row(
            Check::Signature,
            "signature",
            "OIDC Core 3.1.3.7 step 6; RFC 7515 5.2",
            "signature over the exact header.payload",
        ),
        row(
            Check::Payload,
            "payload",
            "RFC 7519 7.2",
            "payload is a JSON object; claims have their JSON types",
        ),
        row(
            Check::Issuer,
            "iss",
            "OIDC Core 3.1.3.7 step 2",
            "iss equals the issuer exactly",
        ),
        row(
            Check::Audience,
            "aud",
            "OIDC Core 3.1.3.7 step 3; RFC 9068 4",
            "aud contains the client id or audience, and no untrusted audience",
        ),
        row(
            Check::AuthorizedParty,
            "azp",
            "OIDC Core 3.1.3.7 steps 4-5",
            "azp present with several audiences, and equal to the client id",
        ),
        row(
            Check::Client,
            "client",
            "RFC 9068 2.2; Amazon Cognito access tokens",
            "the access token's client (client_id) is allowed; token_use",
        ),
        row(
            Check::Expiry,
            "exp",
            "OIDC Core 3.1.3.7 step 9",
            "not expired (exp, with the clock tolerance)",
        ),
        row(
            Check::NotBefore,
            "nbf",
            "RFC 7519 4.1.5",
            "not before nbf (with the clock tolerance)",
        ),
        row(
            Check::IssuedAt,
            "iat",
            "OIDC Core 3.1.3.7 step 10",
            "iat not in the future; maximum token age",
        ),
        row(
            Check::Nonce,
            "nonce",
            "OIDC Core 3.1.3.7 step 11",
            "nonce equals the one sent",
        ),
        row(
            Check::AuthTime,
            "auth_time",
            "OIDC Core 3.1.3.7 step 13",
            "auth_time within max_age",
        ),
        row(
            Check::Acr,
            "acr",
            "OIDC Core 3.1.3.7 step 12",
            "acr among the requested values",
        ),
        row(
            Check::Hashes,
            "hashes",
            "OIDC Core 3.1.3.8, 3.2.2.9, 3.3.2.11",
            "at_hash / c_hash against the access token / code",
        ),
        row(
            Check::Required,
            "required",
            "OIDC Core 2; RFC 9068 2.2",
            "required claims present; the expected sub",
        ),
        row(
            Check::Sender,
            "cnf",
            "RFC 9449 4.3, 6.1, 7.1; RFC 8705 3.1; RFC 7800",
            "a key-bound token (cnf) needs a valid DPoP proof of that key, never bearer use",
        ),
        row(
            Check::Scope,
            "scope",
            "RFC 6750 3.1; RFC 9068 2.2.3",
            "the required scopes (scope / scp) and roles are granted",
        ),
    ]
};

/// A row of the error table: see [`ErrorKind::info`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindInfo {
    /// The kind.
    pub kind: ErrorKind,
    /// Stable snake_case wire name, as in JSON, JS and HTTP bodies.
    pub name: &'static str,
    /// panva/jose's error code (a malformed *payload* uses `ERR_JWT_INVALID` instead).
    pub code: &'static str,
    /// HTTP status of an API that refuses a request over this error: 401 when the token is
    /// bad, 403 when it is valid but lacks a required scope or role, 503 when the keys to
    /// check it could not be had (the token may be fine).
    pub status: u16,
    /// The check the kind belongs to (for a few kinds the claim refines it: [`Error::check`]).
    pub check: Check,
    /// The claim or header parameter the kind is always about, if any.
    pub claim: Option<&'static str>,
    /// jose's reason for a claim failure: `"missing"` (the claim is absent), `"invalid"` (it
    /// has the wrong type or an unusable value) or `"check_failed"` (it is there but fails the
    /// check); `None` for errors that are not about a claim.
    pub reason: Option<&'static str>,
    /// Default message: one short line, never echoing a token or a secret.
    pub description: &'static str,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 35] = [
        ErrorKind::Malformed,
        ErrorKind::TokenTooLarge,
        ErrorKind::AlgNotAllowed,
        ErrorKind::UnsupportedCrit,
        ErrorKind::InvalidTyp,
        ErrorKind::KeyNotFound,
        ErrorKind::KeyAmbiguous,
        ErrorKind::KeyUnusable,
        ErrorKind::KeyTooWeak,
        ErrorKind::JwksInvalid,
        ErrorKind::BadSignature,
        ErrorKind::ClaimMissing,
        ErrorKind::ClaimInvalid,
        ErrorKind::IssMismatch,
        ErrorKind::AudMismatch,
        ErrorKind::AudUntrusted,
        ErrorKind::AzpMissing,
        ErrorKind::AzpMismatch,
        ErrorKind::Expired,
        ErrorKind::NotYetValid,
        ErrorKind::IatInFuture,
        ErrorKind::TooOld,
        ErrorKind::NonceMissing,
        ErrorKind::NonceMismatch,
        ErrorKind::AuthTimeMissing,
        ErrorKind::AuthTimeTooOld,
        ErrorKind::AcrNotAllowed,
        ErrorKind::AtHashMismatch,
        ErrorKind::CHashMismatch,
        ErrorKind::TokenUseMismatch,
        ErrorKind::JwksTimeout,
        ErrorKind::JwksUnavailable,
        ErrorKind::InsufficientScope,
        ErrorKind::DpopRequired,
        ErrorKind::DpopInvalid,
    ];

    /// This kind's row of the error table.
    pub fn info(self) -> &'static KindInfo {
        let row = KINDS.get(self as usize);
        // The table is in declaration order (a unit test pins it), so the lookup always hits.
        row.unwrap_or(&KINDS[0])
    }

    /// The stable snake_case name (`"malformed"`, `"token_too_large"`, ...).
    pub fn as_str(self) -> &'static str {
        self.info().name
    }

    /// Recognises a wire name.
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The jose error code this kind maps to by default. A malformed *payload* uses
    /// `ERR_JWT_INVALID` instead, see [`Error::malformed_payload`].
    pub fn default_code(self) -> &'static str {
        self.info().code
    }

    /// The HTTP status for a request refused over this kind (401, 403 or 503).
    pub fn http_status(self) -> u16 {
        self.info().status
    }
}

/// Codes of panva/jose used by the table.
mod code {
    pub const JWS_INVALID: &str = "ERR_JWS_INVALID";
    pub const ALG: &str = "ERR_JOSE_ALG_NOT_ALLOWED";
    pub const NOT_SUPPORTED: &str = "ERR_JOSE_NOT_SUPPORTED";
    pub const NO_KEY: &str = "ERR_JWKS_NO_MATCHING_KEY";
    pub const MANY_KEYS: &str = "ERR_JWKS_MULTIPLE_MATCHING_KEYS";
    pub const JWK_INVALID: &str = "ERR_JWK_INVALID";
    pub const JWKS_INVALID: &str = "ERR_JWKS_INVALID";
    pub const SIGNATURE: &str = "ERR_JWS_SIGNATURE_VERIFICATION_FAILED";
    pub const CLAIM: &str = "ERR_JWT_CLAIM_VALIDATION_FAILED";
    pub const EXPIRED: &str = "ERR_JWT_EXPIRED";
    pub const TIMEOUT: &str = "ERR_JWKS_TIMEOUT";
    /// jose's code for a failed remote key set fetch (it has no dedicated one).
    pub const GENERIC: &str = "ERR_JOSE_GENERIC";
    /// oidc-edge's own: jose has no DPoP-bound token check, so no code to borrow.
    pub const DPOP_REQUIRED: &str = "ERR_DPOP_REQUIRED";
    /// oidc-edge's own: jose verifies no DPoP proofs.
    pub const DPOP_INVALID: &str = "ERR_DPOP_INVALID";
}

/// jose's `reason` values of a claim failure (`JWTClaimValidationFailed.reason`).
mod reason {
    pub const MISSING: Option<&str> = Some("missing");
    pub const INVALID: Option<&str> = Some("invalid");
    pub const FAILED: Option<&str> = Some("check_failed");
}

/// The error table, in [`ErrorKind`] declaration order.
#[rustfmt::skip]
const KINDS: [KindInfo; 35] = {
    use code::*;
    use reason::*;
    use Check as C;
    use ErrorKind as K;
    // One argument per column keeps each row of the table on one line.
    #[allow(clippy::too_many_arguments)]
    const fn row(kind: ErrorKind, name: &'static str, code: &'static str, status: u16, check: Check, claim: Option<&'static str>, reason: Option<&'static str>, description: &'static str) -> KindInfo {
        KindInfo { kind, name, code, status, check, claim, reason, description }
    }
    [
        row(K::Malformed, "malformed", JWS_INVALID, 401, C::Structure, None, None, "token is not a well-formed compact JWS"),
        row(K::TokenTooLarge, "token_too_large", JWS_INVALID, 401, C::Structure, None, None, "token is larger than the size limit"),
        row(K::AlgNotAllowed, "alg_not_allowed", ALG, 401, C::Header, None, None, "alg is not in the allowed algorithms"),
        row(K::UnsupportedCrit, "unsupported_crit", NOT_SUPPORTED, 401, C::Header, None, None, "crit names an unsupported extension"),
        row(K::InvalidTyp, "invalid_typ", CLAIM, 401, C::Header, Some("typ"), FAILED, "typ is not allowed for this profile"),
        row(K::KeyNotFound, "key_not_found", NO_KEY, 401, C::Key, None, None, "no key matches the token's kid"),
        row(K::KeyAmbiguous, "key_ambiguous", MANY_KEYS, 401, C::Key, None, None, "several keys match the token"),
        row(K::KeyUnusable, "key_unusable", NO_KEY, 401, C::Key, None, None, "the selected key may not verify this token"),
        row(K::KeyTooWeak, "key_too_weak", JWK_INVALID, 401, C::Key, None, None, "the selected key breaks the key policy"),
        row(K::JwksInvalid, "jwks_invalid", JWKS_INVALID, 503, C::Key, None, None, "the key set is not a JWK Set"),
        row(K::BadSignature, "bad_signature", SIGNATURE, 401, C::Signature, None, None, "signature verification failed"),
        row(K::ClaimMissing, "claim_missing", CLAIM, 401, C::Required, None, MISSING, "a required claim is missing"),
        row(K::ClaimInvalid, "claim_invalid", CLAIM, 401, C::Payload, None, INVALID, "a claim has an invalid value"),
        row(K::IssMismatch, "iss_mismatch", CLAIM, 401, C::Issuer, Some("iss"), FAILED, "unexpected iss"),
        row(K::AudMismatch, "aud_mismatch", CLAIM, 401, C::Audience, Some("aud"), FAILED, "aud does not contain the expected audience"),
        row(K::AudUntrusted, "aud_untrusted", CLAIM, 401, C::Audience, Some("aud"), FAILED, "aud contains an untrusted audience"),
        row(K::AzpMissing, "azp_missing", CLAIM, 401, C::AuthorizedParty, Some("azp"), MISSING, "azp is required when aud has several values"),
        row(K::AzpMismatch, "azp_mismatch", CLAIM, 401, C::AuthorizedParty, Some("azp"), FAILED, "azp is not the client id"),
        row(K::Expired, "expired", EXPIRED, 401, C::Expiry, Some("exp"), FAILED, "token has expired"),
        row(K::NotYetValid, "not_yet_valid", CLAIM, 401, C::NotBefore, Some("nbf"), FAILED, "token is not yet valid"),
        row(K::IatInFuture, "iat_in_future", CLAIM, 401, C::IssuedAt, Some("iat"), FAILED, "iat is in the future"),
        row(K::TooOld, "too_old", EXPIRED, 401, C::IssuedAt, Some("iat"), FAILED, "token is older than the maximum token age"),
        row(K::NonceMissing, "nonce_missing", CLAIM, 401, C::Nonce, Some("nonce"), MISSING, "nonce is missing"),
        row(K::NonceMismatch, "nonce_mismatch", CLAIM, 401, C::Nonce, Some("nonce"), FAILED, "nonce does not match"),
        row(K::AuthTimeMissing, "auth_time_missing", CLAIM, 401, C::AuthTime, Some("auth_time"), MISSING, "auth_time is required when max_age is set"),
        row(K::AuthTimeTooOld, "auth_time_too_old", CLAIM, 401, C::AuthTime, Some("auth_time"), FAILED, "authentication is older than max_age"),
        row(K::AcrNotAllowed, "acr_not_allowed", CLAIM, 401, C::Acr, Some("acr"), FAILED, "acr is not one of the accepted values"),
        row(K::AtHashMismatch, "at_hash_mismatch", CLAIM, 401, C::Hashes, Some("at_hash"), FAILED, "at_hash does not match the access token"),
        row(K::CHashMismatch, "c_hash_mismatch", CLAIM, 401, C::Hashes, Some("c_hash"), FAILED, "c_hash does not match the code"),
        row(K::TokenUseMismatch, "token_use_mismatch", CLAIM, 401, C::Client, Some("token_use"), FAILED, "token_use is not access"),
        row(K::JwksTimeout, "jwks_timeout", TIMEOUT, 503, C::Key, None, None, "fetching the key set timed out"),
        row(K::JwksUnavailable, "jwks_unavailable", GENERIC, 503, C::Key, None, None, "the key set is unavailable"),
        row(K::InsufficientScope, "insufficient_scope", CLAIM, 403, C::Scope, Some("scope"), FAILED, "a required scope or role is missing"),
        row(K::DpopRequired, "dpop_required", DPOP_REQUIRED, 401, C::Sender, Some("cnf"), FAILED, "the token is DPoP-bound; a bearer token was expected"),
        row(K::DpopInvalid, "dpop_invalid", DPOP_INVALID, 401, C::Sender, None, FAILED, "the DPoP proof is invalid or does not match the token"),
    ]
};

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// jose's code for a payload that is not a JWT claims set.
const MALFORMED_PAYLOAD_CODE: &str = "ERR_JWT_INVALID";

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
            code: kind.info().code,
            claim: kind.info().claim.map(Cow::Borrowed),
            message: Cow::Borrowed(kind.info().description),
        }
    }

    /// A `malformed` error about the payload (code `ERR_JWT_INVALID`).
    pub fn malformed_payload(message: &'static str) -> Error {
        Error {
            code: MALFORMED_PAYLOAD_CODE,
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

    /// jose's reason for a claim failure (`"missing"`, `"invalid"` or `"check_failed"`), the
    /// kind's [`KindInfo::reason`]; `None` when the error is not about a claim.
    pub fn reason(&self) -> Option<&'static str> {
        self.kind.info().reason
    }

    /// The verification step this error stopped at. Mostly the kind's ([`KindInfo::check`]);
    /// the claim refines it where one kind serves several steps (a malformed header parameter,
    /// a malformed payload, a missing `iss`, a disallowed `client_id`, ...).
    pub fn check(&self) -> Check {
        let claim = self.claim();
        match self.kind {
            ErrorKind::Malformed if self.code == MALFORMED_PAYLOAD_CODE => Check::Payload,
            ErrorKind::Malformed if claim.is_some() => Check::Header,
            ErrorKind::ClaimInvalid => match claim {
                Some("sub") => Check::Required,
                Some("tid") => Check::Issuer,
                Some("cnf") => Check::Sender,
                Some("scope" | "scp" | "roles") => Check::Scope,
                _ => Check::Payload,
            },
            ErrorKind::AudMismatch if claim.is_some_and(is_client_claim) => Check::Client,
            ErrorKind::ClaimMissing => match claim {
                Some("iss" | "tid") => Check::Issuer,
                Some("aud") => Check::Audience,
                Some(c) if c == "token_use" || is_client_claim(c) => Check::Client,
                Some("exp") => Check::Expiry,
                Some("iat") => Check::IssuedAt,
                Some("at_hash" | "c_hash") => Check::Hashes,
                _ => Check::Required,
            },
            kind => kind.info().check,
        }
    }
}

/// The claims an access token names its client with (see `Profile::Jwt`).
fn is_client_claim(claim: &str) -> bool {
    matches!(claim, "client_id" | "azp" | "cid" | "appid")
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

    #[test]
    fn tables_are_in_declaration_order() {
        for (i, kind) in ErrorKind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, i);
            assert_eq!(KINDS[i].kind, kind);
            assert_eq!(ErrorKind::from_name(kind.as_str()), Some(kind));
        }
        for (i, check) in Check::ALL.into_iter().enumerate() {
            assert_eq!(check as usize, i);
            assert_eq!(CHECKS[i].check, check);
        }
        assert_eq!(ErrorKind::from_name("Malformed"), None);
    }

    #[test]
    fn statuses() {
        assert_eq!(ErrorKind::Expired.http_status(), 401);
        assert_eq!(ErrorKind::JwksTimeout.http_status(), 503);
        assert_eq!(ErrorKind::JwksUnavailable.http_status(), 503);
        assert_eq!(
            ErrorKind::JwksUnavailable.default_code(),
            "ERR_JOSE_GENERIC"
        );
    }

    #[test]
    fn checks_refined_by_claim() {
        let e = |k| Error::new(k);
        assert_eq!(e(ErrorKind::Malformed).check(), Check::Structure);
        assert_eq!(
            e(ErrorKind::Malformed).with_claim("kid").check(),
            Check::Header
        );
        assert_eq!(Error::malformed_payload("x").check(), Check::Payload);
        assert_eq!(
            e(ErrorKind::ClaimMissing).with_claim("iss").check(),
            Check::Issuer
        );
        assert_eq!(
            e(ErrorKind::ClaimMissing).with_claim("jti").check(),
            Check::Required
        );
        assert_eq!(
            e(ErrorKind::ClaimMissing).with_claim("c_hash").check(),
            Check::Hashes
        );
        assert_eq!(
            e(ErrorKind::ClaimInvalid).with_claim("exp").check(),
            Check::Payload
        );
        assert_eq!(
            e(ErrorKind::ClaimInvalid).with_claim("sub").check(),
            Check::Required
        );
        assert_eq!(e(ErrorKind::AudMismatch).check(), Check::Audience);
        assert_eq!(
            e(ErrorKind::AudMismatch).with_claim("client_id").check(),
            Check::Client
        );
        assert_eq!(e(ErrorKind::TooOld).check(), Check::IssuedAt);
        assert_eq!(e(ErrorKind::JwksTimeout).check(), Check::Key);
    }
}
