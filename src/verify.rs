//! Token verification: [`VerifyOptions`] (the caller's policy), [`Verifier`] (a checked policy)
//! and the split form [`Verifier::begin`] / [`Verifier::finish`] for host crypto.
//!
//! Order of checks (the first failure wins; each step is a [`crate::Check`]):
//!
//! 1. size limit, exactly three segments, strict base64url, header a strict JSON object
//!    ([`UntrustedToken::parse`]);
//! 2. header: `alg` in the allow-list (compared, never chosen from the token), `crit`
//!    refused (we implement no extension), `typ` per profile; `jwk`, `jku`, `x5u`, `x5c` are
//!    never used;
//! 3. key selection from the caller's set only ([`JwkSet::select`]): a key of the kind the
//!    `alg` needs; without an explicit allow-list, `alg` must also be on the selected key's
//!    default allow-list ([`JwkSet::select_default`]);
//! 4. signature: exactly the key's signature length ([`PublicKey::signature_len`]), then the
//!    check over the received `header.payload`;
//! 5. payload a strict JSON object, typed claims of the right JSON type ([`Claims::from_map`]);
//! 6. claims, in the order of OIDC Core 1.0 section 3.1.3.7: `iss` (step 2, exact or an Entra
//!    tenant template, see [`crate::issuer`]); audience, which depends on the profile (steps
//!    3-5; Cognito: `token_use`, `client_id`; RFC 9068 and `jwt`: `aud`, then the client, see
//!    [`crate::access`]); `exp` (step 9), `nbf`, `iat` (step 10) with the clock tolerance,
//!    maximum token age; `nonce` (step 11); `auth_time` with `max_age` (step 13); `acr` (step
//!    12); `at_hash` / `c_hash` (sections 3.1.3.8 / 3.3.2.11); `sub`; required claims;
//! 7. access-token profiles: the sender constraint (`cnf`, [`crate::access::check_sender`],
//!    with the thumbprint of a verified DPoP proof in [`VerifyOptions::dpop_jkt`]);
//! 8. last, the required scopes and roles ([`crate::access::check_scopes`]): the only check
//!    whose failure is a 403 (`insufficient_scope`), so a token that fails anything else gets
//!    its 401 error first.

use alloc::string::String;
use alloc::vec::Vec;

use crate::hash::Sha256;
use serde_json::{Map, Value};

use crate::access;
use crate::alg::Algorithm;
use crate::base64url;
use crate::claims::{Claims, NumericDate};
use crate::error::{ConfigError, Error, ErrorKind};
use crate::issuer::Issuers;
use crate::jwk::{Jwk, JwkSet};
use crate::key::PublicKey;
use crate::signature::{BuiltinVerifier, SignatureVerdict, SignatureVerifier};
use crate::timing::TimeRules;
use crate::token::{UntrustedToken, DEFAULT_MAX_TOKEN_SIZE};

/// What kind of token is verified: decides the `typ` rule, the audience rule and the
/// required claims.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Profile {
    /// OpenID Connect ID token (default): `typ` absent, `JWT` or `application/jwt`; `aud`
    /// contains a client id; `iss`, `sub`, `aud`, `exp`, `iat` required.
    #[default]
    IdToken,
    /// JWT access token (RFC 9068): `typ` `at+jwt` (or `application/at+jwt`) required; `aud`
    /// contains one of the configured audiences; `iss`, `exp`, `aud`, `sub`, `client_id`,
    /// `iat`, `jti` required.
    AtJwt,
    /// Amazon Cognito access token: `token_use` must be `access`; `client_id` one of the
    /// configured client ids; no `aud`; `typ` absent or `JWT`.
    CognitoAccess,
    /// JWT access token as the mainstream providers issue it (Auth0, Okta, Entra ID, Keycloak,
    /// any RFC 9068 issuer): `typ` absent, `JWT`, `at+jwt` or `application/at+jwt` (any other
    /// `typ` names another kind of JWT and is refused, RFC 8725 3.11); `aud` contains one of
    /// the configured audiences; `iss`, `exp`, `aud` required, `iat` checked when present;
    /// the client read from `client_id`, `azp`, `cid` or `appid` (see [`crate::access`])
    /// when client ids are given.
    Jwt,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 4] = [
        Profile::IdToken,
        Profile::AtJwt,
        Profile::CognitoAccess,
        Profile::Jwt,
    ];

    /// The wire name: `id_token`, `at_jwt`, `cognito_access` or `jwt`.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::IdToken => "id_token",
            Profile::AtJwt => "at_jwt",
            Profile::CognitoAccess => "cognito_access",
            Profile::Jwt => "jwt",
        }
    }

    /// Recognises a wire name.
    pub fn from_name(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// Whether this profile verifies access tokens (everything but `id_token`): these refuse
    /// sender-constrained (`cnf`) tokens.
    pub fn is_access_token(self) -> bool {
        self != Profile::IdToken
    }
}

/// The default clock tolerance in seconds: a token from a provider whose clock is up to 30 s
/// ahead or behind is accepted (docs/ARCHITECTURE.md, "Decisions", compares it with other
/// libraries' defaults).
pub const DEFAULT_CLOCK_TOLERANCE: u64 = 30;

/// The caller's verification policy. Build it with struct update syntax from
/// [`VerifyOptions::default`], then check it with [`Verifier::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The kind of token.
    pub profile: Profile,
    /// The accepted issuers (at least one, unless a [`crate::trust::TrustSet`] supplies
    /// them): `iss` must equal one exactly, or match an Entra ID template containing
    /// `{tenantid}` (see [`crate::issuer`]; a template needs `allowed_tenants` or
    /// `any_tenant`).
    pub issuer: Vec<String>,
    /// With an issuer template: the tenant ids (GUIDs) accepted in `tid`.
    pub allowed_tenants: Vec<String>,
    /// With an issuer template: accept any tenant (an explicit opt-in; a template alone is a
    /// [`ConfigError`]).
    pub any_tenant: bool,
    /// `id_token`: the client's ids; `aud` must contain one and `azp`, when present, must be
    /// one (required, at least one). `cognito_access`: the allowed `client_id` values
    /// (required). `at_jwt`: when not empty, `client_id` must be one of them. `jwt`: when not
    /// empty, the token's client (`client_id`, `azp`, `cid` or `appid`, the first present)
    /// must be one of them.
    pub client_ids: Vec<String>,
    /// `id_token`: further audiences the client trusts (any other `aud` value is
    /// `aud_untrusted`). `at_jwt` and `jwt`: the resource server's identifiers; `aud` must
    /// contain one (required).
    pub audience: Vec<String>,
    /// Allowed algorithms. Empty means each key's default allow-list
    /// ([`crate::Jwk::default_allows`]): `RS256` for RSA keys (and the RSA algorithm a key
    /// declares in its `alg`), `ES256` for P-256 keys, `ES384` for P-384 keys, `EdDSA` and
    /// `Ed25519` for Ed25519 keys. A list, when given, always wins.
    pub algorithms: Vec<Algorithm>,
    /// Clock tolerance in seconds for `exp`, `nbf`, `iat`, `auth_time` (default
    /// [`DEFAULT_CLOCK_TOLERANCE`], 30).
    pub clock_tolerance: u64,
    /// Maximum age of the token in seconds, counted from `iat` (`iat` then required).
    pub max_token_age: Option<u64>,
    /// The nonce sent in the authentication request: the token must carry the same.
    pub nonce: Option<String>,
    /// The `max_age` sent in the authentication request, in seconds: `auth_time` then
    /// required and no older than this.
    pub max_age: Option<u64>,
    /// Accepted `acr` values; when not empty, `acr` must be one of them.
    pub acr_values: Vec<String>,
    /// Claims that must be present (besides those the profile requires).
    pub required_claims: Vec<String>,
    /// The expected `sub`, when given.
    pub subject: Option<String>,
    /// When set, `typ` is required and must equal this media type (case-insensitive, the
    /// `application/` prefix optional), instead of the profile's rule.
    pub typ: Option<String>,
    /// The access token issued with the ID token: checks `at_hash` when present.
    pub access_token: Option<String>,
    /// Makes `at_hash` required (implicit and hybrid flows issuing an access token).
    pub require_at_hash: bool,
    /// The authorization code issued with the ID token: checks `c_hash` when present.
    pub code: Option<String>,
    /// Makes `c_hash` required (hybrid flows issuing a code).
    pub require_c_hash: bool,
    /// Largest accepted token in bytes (default 16 KiB), checked before anything else.
    pub max_token_size: usize,
    /// Scopes the token must grant, all of them (read from `scope` and `scp`, see
    /// [`crate::access`]); checked last, `insufficient_scope` (HTTP 403) when one is missing.
    pub required_scopes: Vec<String>,
    /// Roles the token must carry in `roles`, all of them (Entra ID app-only tokens); checked
    /// with the scopes.
    pub required_roles: Vec<String>,
    /// Access-token profiles: the RFC 7638 thumbprint (base64url) of the key of a DPoP proof
    /// presented with the token and verified ([`crate::dpop::verify_proof`], its
    /// [`crate::dpop::DpopProof::jkt`]). A token with `cnf.jkt` then must name exactly this
    /// key (else `dpop_invalid`, claim `cnf`), and a token without `cnf.jkt` is refused (a
    /// proof with a bearer token, `dpop_invalid`). `None`: a token with `cnf.jkt` is
    /// `dpop_required`.
    pub dpop_jkt: Option<String>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            profile: Profile::IdToken,
            issuer: Vec::new(),
            allowed_tenants: Vec::new(),
            any_tenant: false,
            client_ids: Vec::new(),
            audience: Vec::new(),
            algorithms: Vec::new(),
            clock_tolerance: DEFAULT_CLOCK_TOLERANCE,
            max_token_age: None,
            nonce: None,
            max_age: None,
            acr_values: Vec::new(),
            required_claims: Vec::new(),
            subject: None,
            typ: None,
            access_token: None,
            require_at_hash: false,
            code: None,
            require_c_hash: false,
            max_token_size: DEFAULT_MAX_TOKEN_SIZE,
            required_scopes: Vec::new(),
            required_roles: Vec::new(),
            dpop_jkt: None,
        }
    }
}

/// A verified token: its protected header and its claims.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    /// The protected header as received.
    pub header: Map<String, Value>,
    /// The claims.
    pub claims: Claims,
}

/// A token that passed checks 1-3 and waits for its signature check (split verification).
///
/// Get a [`SignatureVerdict`] with [`Pending::check_signature`] (or, when host crypto checked
/// [`Pending::signing_input`] with [`Pending::algorithm`] and the selected key, with
/// [`SignatureVerdict::from_host_crypto`]), then pass both to [`Verifier::finish`].
#[derive(Clone, Debug)]
pub struct Pending<'a> {
    token: UntrustedToken<'a>,
    alg: Algorithm,
    key: &'a Jwk,
    public: &'a PublicKey,
}

impl<'a> Pending<'a> {
    /// The token's algorithm (already checked against the allow-list).
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The exact received `header.payload` octets the signature covers.
    pub fn signing_input(&self) -> &[u8] {
        self.token.signing_input().as_bytes()
    }

    /// The decoded signature.
    pub fn signature(&self) -> &[u8] {
        self.token.signature()
    }

    /// The selected key (usable for [`Pending::algorithm`]).
    pub fn key(&self) -> &'a Jwk {
        self.key
    }

    /// The selected key's parsed public key (of the kind [`Pending::algorithm`] needs).
    pub fn public_key(&self) -> &'a PublicKey {
        self.public
    }

    /// The selected key's parsed RSA public key, when it is an RSA key.
    #[cfg(feature = "rsa")]
    pub fn rsa_key(&self) -> Option<&'a crate::rsa::RsaPublicKey> {
        self.public.as_rsa()
    }

    /// The selected key's public members as a minimal JWK (`{"e":..,"kty":"RSA","n":..}`,
    /// `{"crv":"P-256","kty":"EC","x":..,"y":..}`, `{"crv":"Ed25519","kty":"OKP","x":..}`),
    /// what a host crypto key import (WebCrypto `importKey("jwk", ..)`, node:crypto
    /// `createPublicKey({ format: "jwk" })`) needs.
    pub fn public_jwk(&self) -> String {
        // The selected key passed `check_usable`, so its members are there.
        self.key.public_jwk().unwrap_or_default()
    }

    /// The protected header (not yet verified).
    pub fn header(&self) -> &Map<String, Value> {
        self.token.header()
    }

    /// Whether the signature has exactly the key's signature length in octets (check 4
    /// requires it): the modulus length for RSA, 64 for ES256, 96 for ES384, 64 for Ed25519.
    pub fn signature_length_ok(&self) -> bool {
        self.signature().len() == self.public.signature_len()
    }

    /// Check 4 with `sig`, which never sees a signature of the wrong length.
    pub fn check_signature(&self, sig: &dyn SignatureVerifier) -> SignatureVerdict {
        let valid = self.signature_length_ok()
            && sig.verify(
                self.alg,
                self.public,
                self.signing_input(),
                self.signature(),
            );
        SignatureVerdict::checked(self, valid)
    }
}

/// A checked policy, reusable for any number of tokens.
#[derive(Clone, Debug)]
pub struct Verifier {
    options: VerifyOptions,
    algorithms: Vec<Algorithm>,
    /// `None` only inside a trust set, which checks the issuer per entry.
    issuers: Option<Issuers>,
}

impl Verifier {
    /// Checks the options: every profile needs an `issuer` (templates with their tenant
    /// options, see [`crate::issuer`]); `id_token` and `cognito_access` need at least one
    /// client id, `at_jwt` and `jwt` at least one audience; `require_at_hash` needs the access
    /// token and `require_c_hash` the code; no empty strings where a value is compared, no
    /// space inside a required scope (scopes are space-separated tokens).
    pub fn new(options: VerifyOptions) -> Result<Verifier, ConfigError> {
        let issuers = Issuers::new(
            &options.issuer,
            &options.allowed_tenants,
            options.any_tenant,
        )?;
        let mut verifier = Self::new_unchecked_issuer(options)?;
        verifier.issuers = Some(issuers);
        Ok(verifier)
    }

    /// Everything [`Verifier::new`] checks but the issuer.
    pub(crate) fn new_unchecked_issuer(options: VerifyOptions) -> Result<Verifier, ConfigError> {
        match options.profile {
            Profile::IdToken if options.client_ids.is_empty() => {
                return Err(ConfigError::new(
                    "the id_token profile requires a client id",
                ))
            }
            Profile::CognitoAccess if options.client_ids.is_empty() => {
                return Err(ConfigError::new(
                    "the cognito_access profile requires the allowed client ids",
                ))
            }
            Profile::AtJwt | Profile::Jwt if options.audience.is_empty() => {
                return Err(ConfigError::new(alloc::format!(
                    "the {} profile requires an audience",
                    options.profile.as_str()
                )))
            }
            _ => {}
        }
        let lists = [
            ("client id", &options.client_ids),
            ("audience", &options.audience),
            ("acr value", &options.acr_values),
            ("required claim", &options.required_claims),
            ("required scope", &options.required_scopes),
            ("required role", &options.required_roles),
        ];
        for (what, list) in lists {
            if list.iter().any(String::is_empty) {
                return Err(ConfigError::new(alloc::format!("empty {what}")));
            }
        }
        let singles = [
            ("nonce", &options.nonce),
            ("subject", &options.subject),
            ("typ", &options.typ),
            ("access token", &options.access_token),
            ("code", &options.code),
        ];
        for (what, value) in singles {
            if value.as_deref() == Some("") {
                return Err(ConfigError::new(alloc::format!("empty {what}")));
            }
        }
        if options.required_scopes.iter().any(|s| s.contains(' ')) {
            return Err(ConfigError::new(
                "a required scope holds no space (give each scope as its own entry)",
            ));
        }
        if options.require_at_hash && options.access_token.is_none() {
            return Err(ConfigError::new("require_at_hash needs the access token"));
        }
        if options.require_c_hash && options.code.is_none() {
            return Err(ConfigError::new("require_c_hash needs the code"));
        }
        if options.max_token_size == 0 {
            return Err(ConfigError::new("max_token_size must not be zero"));
        }
        check_dpop_jkt(&options)?;
        // Sorted and without repeats, by filtering `Algorithm::ALL`, which is in `Ord` order (no
        // sort code: a generic sort was 3.4 KB of the npm package's .wasm).
        let algorithms = Algorithm::ALL
            .into_iter()
            .filter(|a| options.algorithms.contains(a))
            .collect();
        Ok(Verifier {
            options,
            algorithms,
            issuers: None,
        })
    }

    /// The options this verifier was built from.
    pub fn options(&self) -> &VerifyOptions {
        &self.options
    }

    /// The caller's allow-list, sorted and without repeats; empty when the options name none
    /// (then each key's default allow-list applies, see [`VerifyOptions::algorithms`]).
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// This verifier with another [`VerifyOptions::dpop_jkt`]: the thumbprint of the DPoP
    /// proof verified for one request (`None` for a request without a proof). Cheaper than
    /// [`Verifier::new`] per request: nothing else is checked again.
    pub fn with_dpop_jkt(&self, dpop_jkt: Option<String>) -> Result<Verifier, ConfigError> {
        let mut verifier = self.clone();
        verifier.options.dpop_jkt = dpop_jkt;
        check_dpop_jkt(&verifier.options)?;
        Ok(verifier)
    }

    /// Full verification with the crate's own RSA. `now` is Unix seconds.
    pub fn verify(&self, token: &str, keys: &JwkSet, now: i64) -> Result<Verified, Error> {
        self.verify_with(token, keys, now, &BuiltinVerifier)
    }

    /// Full verification with another signature implementation.
    pub fn verify_with(
        &self,
        token: &str,
        keys: &JwkSet,
        now: i64,
        sig: &dyn SignatureVerifier,
    ) -> Result<Verified, Error> {
        let pending = self.begin(token, keys)?;
        let verdict = pending.check_signature(sig);
        self.finish(pending, verdict, now)
    }

    /// Checks 1-3: parses the token, checks its header and selects the key.
    pub fn begin<'a>(&self, token: &'a str, keys: &'a JwkSet) -> Result<Pending<'a>, Error> {
        let token = UntrustedToken::parse(token, self.options.max_token_size)?;
        self.begin_parsed(token, keys)
    }

    pub(crate) fn begin_parsed<'a>(
        &self,
        token: UntrustedToken<'a>,
        keys: &'a JwkSet,
    ) -> Result<Pending<'a>, Error> {
        let alg = self.check_header(token.header())?;
        let kid = match token.header().get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.as_str()),
            Some(_) => return Err(malformed_header("kid", "kid is not a string")),
        };
        let (key, public) = keys.select_key(kid, alg, self.algorithms.is_empty())?;
        Ok(Pending {
            token,
            alg,
            key,
            public,
        })
    }

    /// Checks 4 (with the verdict of the signature check; a verdict made for another token,
    /// or a signature that is not exactly the key's signature length, fails whatever the
    /// verdict says), then 5 to 8.
    pub fn finish(
        &self,
        pending: Pending<'_>,
        verdict: SignatureVerdict,
        now: i64,
    ) -> Result<Verified, Error> {
        if !verdict.accepts(&pending) || !pending.signature_length_ok() {
            return Err(Error::new(ErrorKind::BadSignature));
        }
        let payload = pending.token.payload_json()?;
        let claims = Claims::from_map(payload)?;
        self.check_claims(&claims, pending.alg, now)?;
        Ok(Verified {
            header: pending.token.into_header(),
            claims,
        })
    }

    /// Check 2: `alg`, `crit`, `typ`. Returns the token's algorithm.
    pub(crate) fn check_header(&self, header: &Map<String, Value>) -> Result<Algorithm, Error> {
        let name = match header.get("alg") {
            Some(Value::String(name)) => name,
            Some(_) => return Err(malformed_header("alg", "alg is not a string")),
            None => return Err(malformed_header("alg", "alg is missing")),
        };
        // Without an explicit list every algorithm passes here: the selected key's default
        // allow-list decides at check 3.
        let alg = Algorithm::from_name(name)
            .filter(|a| self.algorithms.is_empty() || self.algorithms.contains(a))
            .ok_or_else(|| Error::new(ErrorKind::AlgNotAllowed).with_claim("alg"))?;
        if let Some(crit) = header.get("crit") {
            let well_formed = crit.as_array().is_some_and(|c| {
                !c.is_empty() && c.iter().all(|n| n.as_str().is_some_and(|s| !s.is_empty()))
            });
            if !well_formed {
                return Err(malformed_header(
                    "crit",
                    "crit must be a non-empty array of names",
                ));
            }
            // No extension is implemented, so every named extension is unknown.
            return Err(Error::new(ErrorKind::UnsupportedCrit).with_claim("crit"));
        }
        let typ = match header.get("typ") {
            None => None,
            Some(Value::String(t)) => Some(t.as_str()),
            Some(_) => {
                return Err(Error::new(ErrorKind::InvalidTyp).with_message("typ is not a string"))
            }
        };
        let ok = match (&self.options.typ, self.options.profile) {
            (Some(expected), _) => typ.is_some_and(|t| media_type_eq(t, expected)),
            (None, Profile::IdToken | Profile::CognitoAccess) => {
                typ.is_none_or(|t| media_type_eq(t, "jwt"))
            }
            (None, Profile::AtJwt) => typ.is_some_and(|t| media_type_eq(t, "at+jwt")),
            (None, Profile::Jwt) => {
                typ.is_none_or(|t| media_type_eq(t, "jwt") || media_type_eq(t, "at+jwt"))
            }
        };
        if !ok {
            return Err(Error::new(ErrorKind::InvalidTyp));
        }
        Ok(alg)
    }

    /// The time rules of this policy (clock tolerance, maximum token age, `max_age`).
    pub fn time_rules(&self) -> TimeRules {
        TimeRules {
            tolerance: self.options.clock_tolerance,
            max_token_age: self.options.max_token_age,
            max_age: self.options.max_age,
        }
    }

    /// For claims this verifier accepted at `now`: the whole seconds `(from, until)`, both
    /// inclusive, at which it would accept them too. Every other check is independent of the
    /// time, so the same token, keys and policy are accepted exactly within this window
    /// ([`TimeRules::window`]); `None` if the time rules fail at `now`.
    pub fn accepted_window(&self, claims: &Claims, now: i64) -> Option<(i64, i64)> {
        self.time_rules().window(claims, now)
    }

    /// Checks 6 to 8: the claims, the sender constraint, the scopes (module docs).
    pub(crate) fn check_claims(&self, c: &Claims, alg: Algorithm, now: i64) -> Result<(), Error> {
        let o = &self.options;
        // OIDC Core 3.1.3.7 step 2: iss exact, or an Entra ID tenant template.
        if let Some(issuers) = &self.issuers {
            issuers.check(c)?;
        }
        // Steps 3-5, per profile.
        match o.profile {
            Profile::IdToken => self.check_id_token_audience(c)?,
            Profile::AtJwt => {
                let aud = c.aud.as_ref().ok_or_else(|| missing("aud"))?;
                if !o.audience.iter().any(|a| aud.contains(a)) {
                    return Err(Error::new(ErrorKind::AudMismatch));
                }
                let client_id = c
                    .get_str("client_id")?
                    .ok_or_else(|| missing("client_id"))?;
                if !o.client_ids.is_empty() && !o.client_ids.iter().any(|id| id == client_id) {
                    return Err(client_id_not_allowed());
                }
            }
            Profile::Jwt => {
                let aud = c.aud.as_ref().ok_or_else(|| missing("aud"))?;
                if !o.audience.iter().any(|a| aud.contains(a)) {
                    return Err(Error::new(ErrorKind::AudMismatch));
                }
                if !o.client_ids.is_empty() {
                    let (claim, client) = access::client(c)?.ok_or_else(|| missing("client_id"))?;
                    if !o.client_ids.iter().any(|id| id == client) {
                        return Err(Error::new(ErrorKind::AudMismatch)
                            .with_claim(claim)
                            .with_message("the token's client is not an allowed client"));
                    }
                }
            }
            Profile::CognitoAccess => {
                match c.get_str("token_use")? {
                    None => return Err(missing("token_use")),
                    Some("access") => {}
                    Some(_) => return Err(Error::new(ErrorKind::TokenUseMismatch)),
                }
                let client_id = c
                    .get_str("client_id")?
                    .ok_or_else(|| missing("client_id"))?;
                if !o.client_ids.iter().any(|id| id == client_id) {
                    return Err(client_id_not_allowed());
                }
                if c.get("aud").is_some() {
                    return Err(Error::new(ErrorKind::AudUntrusted)
                        .with_message("a Cognito access token carries no aud"));
                }
            }
        }
        // Step 9: exp, with tolerance; now >= exp + tolerance is expired. The time rules
        // themselves are `TimeRules`' (also asked by `accepted_window`).
        let now_f = now as f64;
        let rules = self.time_rules();
        let exp = c.exp.ok_or_else(|| missing("exp"))?;
        if rules.expired(exp, now_f) {
            return Err(Error::new(ErrorKind::Expired));
        }
        if let Some(nbf) = c.nbf {
            if rules.not_yet_valid(nbf, now_f) {
                return Err(Error::new(ErrorKind::NotYetValid));
            }
        }
        // Step 10: iat (required by the ID token and RFC 9068 profiles).
        let iat = match (c.iat, o.profile) {
            (Some(iat), _) => Some(iat),
            (None, Profile::IdToken | Profile::AtJwt) => return Err(missing("iat")),
            (None, Profile::CognitoAccess | Profile::Jwt) => None,
        };
        if let Some(iat) = iat {
            if rules.issued_in_future(iat, now_f) {
                return Err(Error::new(ErrorKind::IatInFuture));
            }
        }
        if let Some(max) = o.max_token_age {
            let iat: NumericDate = iat.ok_or_else(|| missing("iat"))?;
            if rules.too_old(iat, max, now_f) {
                return Err(Error::new(ErrorKind::TooOld));
            }
        }
        // Step 11: nonce.
        if let Some(expected) = &o.nonce {
            let nonce = c
                .nonce
                .as_deref()
                .ok_or_else(|| Error::new(ErrorKind::NonceMissing))?;
            if !ct_eq(nonce.as_bytes(), expected.as_bytes()) {
                return Err(Error::new(ErrorKind::NonceMismatch));
            }
        }
        // Step 13: auth_time with max_age.
        if let Some(max_age) = o.max_age {
            let auth_time = c
                .auth_time
                .ok_or_else(|| Error::new(ErrorKind::AuthTimeMissing))?;
            if rules.auth_too_old(auth_time, max_age, now_f) {
                return Err(Error::new(ErrorKind::AuthTimeTooOld));
            }
        }
        // Step 12: acr.
        if !o.acr_values.is_empty() {
            let ok = c.acr.as_ref().is_some_and(|acr| o.acr_values.contains(acr));
            if !ok {
                return Err(Error::new(ErrorKind::AcrNotAllowed));
            }
        }
        // Sections 3.1.3.8 / 3.2.2.9 and 3.3.2.11: at_hash and c_hash.
        check_hash(
            c,
            alg,
            "at_hash",
            o.access_token.as_deref(),
            o.require_at_hash,
        )?;
        check_hash(c, alg, "c_hash", o.code.as_deref(), o.require_c_hash)?;
        // The expected subject.
        if let Some(expected) = &o.subject {
            match &c.sub {
                None => return Err(missing("sub")),
                Some(sub) if sub != expected => {
                    return Err(Error::new(ErrorKind::ClaimInvalid)
                        .with_claim("sub")
                        .with_message("unexpected sub"))
                }
                Some(_) => {}
            }
        }
        // Required claims: the profile's, then the caller's.
        let profile_required: &[&str] = match o.profile {
            Profile::IdToken => &["sub"],
            Profile::AtJwt => &["sub", "jti"],
            Profile::CognitoAccess => &["sub"],
            Profile::Jwt => &[],
        };
        for name in profile_required {
            if c.get(name).is_none() {
                return Err(missing(name));
            }
        }
        for name in &o.required_claims {
            if c.get(name).is_none() {
                return Err(Error::new(ErrorKind::ClaimMissing).with_claim(name.clone()));
            }
        }
        // A key-bound token is not a bearer token (access-token profiles).
        if o.profile.is_access_token() {
            access::check_sender(c, o.dpop_jkt.as_deref())?;
        }
        // Last: a valid token lacking a scope or role is a 403, never before a 401.
        access::check_scopes(c, &o.required_scopes, &o.required_roles)
    }

    /// OIDC Core 3.1.3.7 steps 3-5 for ID tokens.
    fn check_id_token_audience(&self, c: &Claims) -> Result<(), Error> {
        let o = &self.options;
        let aud = c.aud.as_ref().ok_or_else(|| missing("aud"))?;
        if !o.client_ids.iter().any(|id| aud.contains(id)) {
            return Err(Error::new(ErrorKind::AudMismatch));
        }
        let trusted = |a: &str| o.client_ids.iter().chain(&o.audience).any(|t| t == a);
        if !aud.iter().all(trusted) {
            return Err(Error::new(ErrorKind::AudUntrusted));
        }
        match &c.azp {
            None if aud.len() > 1 => Err(Error::new(ErrorKind::AzpMissing)),
            None => Ok(()),
            Some(azp) if !o.client_ids.contains(azp) => Err(Error::new(ErrorKind::AzpMismatch)),
            Some(_) => Ok(()),
        }
    }
}

/// `dpop_jkt`, when set, is not empty and belongs to an access-token profile.
fn check_dpop_jkt(o: &VerifyOptions) -> Result<(), ConfigError> {
    match &o.dpop_jkt {
        Some(jkt) if jkt.is_empty() => Err(ConfigError::new("empty dpop_jkt")),
        Some(_) if !o.profile.is_access_token() => Err(ConfigError::new(
            "dpop_jkt applies to access tokens (an access-token profile)",
        )),
        _ => Ok(()),
    }
}

fn missing(claim: &'static str) -> Error {
    Error::new(ErrorKind::ClaimMissing).with_claim(claim)
}

fn malformed_header(claim: &'static str, message: &'static str) -> Error {
    Error::new(ErrorKind::Malformed)
        .with_claim(claim)
        .with_message(message)
}

fn client_id_not_allowed() -> Error {
    Error::new(ErrorKind::AudMismatch)
        .with_claim("client_id")
        .with_message("client_id is not an allowed client")
}

/// Media type comparison for `typ` (RFC 7515 section 4.1.9): case-insensitive, and
/// `application/` may be omitted.
pub(crate) fn media_type_eq(a: &str, b: &str) -> bool {
    fn strip(s: &str) -> &str {
        match s.get(..12) {
            Some(p) if p.eq_ignore_ascii_case("application/") => s.get(12..).unwrap_or(""),
            _ => s,
        }
    }
    strip(a).eq_ignore_ascii_case(strip(b))
}

/// Equality whose timing does not depend on where the values differ: both sides are hashed,
/// and the digests are compared without an early exit.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    let (da, db) = (Sha256::digest(a), Sha256::digest(b));
    da.iter()
        .zip(db.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// `at_hash` / `c_hash`: base64url of the left half of the hash (the alg's hash) of the ASCII
/// value.
fn check_hash(
    c: &Claims,
    alg: Algorithm,
    claim: &'static str,
    value: Option<&str>,
    required: bool,
) -> Result<(), Error> {
    let Some(value) = value else {
        return Ok(());
    };
    let kind = if claim == "at_hash" {
        ErrorKind::AtHashMismatch
    } else {
        ErrorKind::CHashMismatch
    };
    match c.get_str(claim)? {
        None if required => Err(missing(claim)),
        None => Ok(()),
        Some(got) => {
            let mut digest = [0u8; 64];
            let len = alg.digest(value.as_bytes(), &mut digest);
            let half = digest.get(..len / 2).unwrap_or(&[]);
            if ct_eq(got.as_bytes(), base64url::encode(half).as_bytes()) {
                Ok(())
            } else {
                Err(Error::new(kind))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn allow_list_is_sorted_without_repeats() {
        // `Verifier::new` relies on `Algorithm::ALL` being in `Ord` order.
        assert!(Algorithm::ALL.windows(2).all(|w| w[0] < w[1]));
        let options = VerifyOptions {
            issuer: vec!["https://op.example".into()],
            client_ids: vec!["c".into()],
            algorithms: vec![
                Algorithm::PS512,
                Algorithm::RS256,
                Algorithm::PS512,
                Algorithm::RS384,
            ],
            ..VerifyOptions::default()
        };
        let v = Verifier::new(options).unwrap();
        assert_eq!(
            v.algorithms(),
            &[Algorithm::RS256, Algorithm::RS384, Algorithm::PS512][..]
        );
    }

    #[test]
    fn media_types() {
        assert!(media_type_eq("JWT", "jwt"));
        assert!(media_type_eq("application/jwt", "JWT"));
        assert!(media_type_eq("Application/AT+JWT", "at+jwt"));
        assert!(!media_type_eq("at+jwt", "jwt"));
        assert!(!media_type_eq("application/", "jwt"));
        assert!(!media_type_eq("jwt ", "jwt"));
    }

    #[test]
    fn constant_time_eq() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"abcd"));
    }

    #[test]
    fn profile_names() {
        for p in Profile::ALL {
            assert_eq!(Profile::from_name(p.as_str()), Some(p));
        }
        assert_eq!(Profile::from_name("ID_TOKEN"), None);
    }
}
