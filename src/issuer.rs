//! Accepted issuers: exact identifiers and Microsoft Entra ID tenant templates.
//!
//! An issuer is either exact (`iss` must equal it, octet for octet) or a template containing
//! [`TENANT_PLACEHOLDER`] once, as Entra ID's multi-tenant metadata publishes it
//! (`https://login.microsoftonline.com/{tenantid}/v2.0`). A template accepts a token by
//! Microsoft's documented rule for multi-tenant applications: the token's `tid` must be a GUID,
//! the template with `{tenantid}` replaced by that `tid` must equal `iss` exactly, and the
//! tenant must be one the caller allows. A template on its own would accept every tenant of
//! the cloud, an attacker's included, so it needs either a list of allowed tenants or an
//! explicit opt-in to any tenant ([`crate::VerifyOptions::any_tenant`]); without one of them
//! the options are a [`ConfigError`].
//!
//! Failures: an `iss` that neither an exact issuer nor a template's shape accepts is
//! `iss_mismatch`; for a template, a missing `tid` is `claim_missing` (`tid`), a `tid` that is
//! not a GUID is `claim_invalid` (`tid`), a `tid` that differs from the tenant in `iss` is
//! `iss_mismatch` (`iss`) and a tenant that is not allowed is `iss_mismatch` (`tid`).

use alloc::string::String;
use alloc::vec::Vec;

use crate::claims::Claims;
use crate::error::{ConfigError, Error, ErrorKind};

/// The placeholder of an issuer template: replaced by the token's `tid`.
pub const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// A template split around its placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Template {
    prefix: String,
    suffix: String,
}

impl Template {
    /// Whether `iss` has this template's shape: prefix, a GUID, suffix.
    fn tenant_in<'a>(&self, iss: &'a str) -> Option<&'a str> {
        let middle = iss
            .strip_prefix(self.prefix.as_str())?
            .strip_suffix(self.suffix.as_str())?;
        is_guid(middle).then_some(middle)
    }
}

/// Which tenants a template accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tenants {
    /// Any tenant (the caller opted in).
    Any,
    /// Only these tenant ids (GUIDs, compared case-insensitively).
    Allowed(Vec<String>),
}

/// The accepted issuers of one policy, checked once by [`Issuers::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Issuers {
    exact: Vec<String>,
    templates: Vec<Template>,
    tenants: Tenants,
}

impl Issuers {
    /// Checks the configured issuers and tenant options: at least one issuer, none empty, a
    /// template holds the placeholder exactly once; templates need `allowed_tenants` (GUIDs)
    /// or `any_tenant`, and those two options make sense only with a template and not
    /// together.
    pub(crate) fn new(
        issuers: &[String],
        allowed_tenants: &[String],
        any_tenant: bool,
    ) -> Result<Issuers, ConfigError> {
        if issuers.is_empty() {
            return Err(ConfigError::new("issuer is required"));
        }
        let mut exact = Vec::new();
        let mut templates = Vec::new();
        for issuer in issuers {
            if issuer.is_empty() {
                return Err(ConfigError::new("issuer must not be empty"));
            }
            match issuer.split_once(TENANT_PLACEHOLDER) {
                None => exact.push(issuer.clone()),
                Some((prefix, suffix)) if !suffix.contains(TENANT_PLACEHOLDER) => {
                    templates.push(Template {
                        prefix: prefix.into(),
                        suffix: suffix.into(),
                    })
                }
                Some(_) => {
                    return Err(ConfigError::new(
                        "an issuer template holds {tenantid} exactly once",
                    ))
                }
            }
        }
        if let Some(bad) = allowed_tenants.iter().find(|t| !is_guid(t)) {
            return Err(ConfigError::new(alloc::format!(
                "allowed tenant '{bad}' is not a tenant id (GUID)"
            )));
        }
        let tenants = match (templates.is_empty(), allowed_tenants.is_empty(), any_tenant) {
            (true, true, false) => Tenants::Allowed(Vec::new()),
            (true, _, _) => {
                return Err(ConfigError::new(
                    "allowed tenants and any_tenant need an issuer template with {tenantid}",
                ))
            }
            (false, true, false) => {
                return Err(ConfigError::new(
                    "an issuer template with {tenantid} needs allowed tenants or any_tenant \
                     (otherwise every tenant would be accepted)",
                ))
            }
            (false, false, true) => {
                return Err(ConfigError::new(
                    "give either allowed tenants or any_tenant, not both",
                ))
            }
            (false, false, false) => Tenants::Allowed(allowed_tenants.to_vec()),
            (false, true, true) => Tenants::Any,
        };
        Ok(Issuers {
            exact,
            templates,
            tenants,
        })
    }

    /// Whether `iss` is one of these issuers by shape (exact, or a template's prefix, a GUID
    /// and its suffix): what a trust set routes by, before anything is verified.
    pub(crate) fn names(&self, iss: &str) -> bool {
        self.exact.iter().any(|e| e == iss)
            || self.templates.iter().any(|t| t.tenant_in(iss).is_some())
    }

    /// OIDC Core 3.1.3.7 step 2, with Microsoft's rule for templates (module docs).
    pub(crate) fn check(&self, claims: &Claims) -> Result<(), Error> {
        let iss = claims
            .iss
            .as_deref()
            .ok_or_else(|| Error::new(ErrorKind::ClaimMissing).with_claim("iss"))?;
        if self.exact.iter().any(|e| e == iss) {
            return Ok(());
        }
        if !self.templates.iter().any(|t| t.tenant_in(iss).is_some()) {
            return Err(Error::new(ErrorKind::IssMismatch));
        }
        let tid = claims
            .get_str("tid")?
            .ok_or_else(|| Error::new(ErrorKind::ClaimMissing).with_claim("tid"))?;
        if !is_guid(tid) {
            return Err(Error::new(ErrorKind::ClaimInvalid)
                .with_claim("tid")
                .with_message("tid is not a tenant id (GUID)"));
        }
        if !self.templates.iter().any(|t| t.tenant_in(iss) == Some(tid)) {
            return Err(Error::new(ErrorKind::IssMismatch)
                .with_message("iss is not the issuer template filled with tid"));
        }
        match &self.tenants {
            Tenants::Any => Ok(()),
            Tenants::Allowed(list) if list.iter().any(|t| t.eq_ignore_ascii_case(tid)) => Ok(()),
            Tenants::Allowed(_) => Err(Error::new(ErrorKind::IssMismatch)
                .with_claim("tid")
                .with_message("the tenant is not allowed")),
        }
    }
}

/// Whether `s` is a GUID in its canonical text form: 8-4-4-4-12 hexadecimal digits.
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    const T: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

    #[test]
    fn guids() {
        assert!(is_guid(T));
        assert!(is_guid(&T.to_uppercase()));
        assert!(!is_guid("9188040d6c674c5bb11236a304b66dad"));
        assert!(!is_guid("9188040d-6c67-4c5b-b112-36a304b66da"));
        assert!(!is_guid("9188040d-6c67-4c5b-b112-36a304b66dag"));
        assert!(!is_guid("common"));
    }

    #[test]
    fn shapes() {
        let i = Issuers::new(
            &["https://login.microsoftonline.com/{tenantid}/v2.0".to_string()],
            &[],
            true,
        )
        .unwrap();
        let iss = alloc::format!("https://login.microsoftonline.com/{T}/v2.0");
        assert!(i.names(&iss));
        assert!(!i.names("https://login.microsoftonline.com/common/v2.0"));
        assert!(!i.names("https://login.microsoftonline.com/{tenantid}/v2.0"));
        assert!(!i.names(&alloc::format!("{iss}/")));
    }

    #[test]
    fn config() {
        let tpl = vec!["https://sts.windows.net/{tenantid}/".to_string()];
        let exact = vec!["https://op.example".to_string()];
        assert!(Issuers::new(&[], &[], false).is_err());
        assert!(Issuers::new(&["".into()], &[], false).is_err());
        assert!(Issuers::new(&tpl, &[], false).is_err());
        assert!(Issuers::new(&tpl, &[T.into()], true).is_err());
        assert!(Issuers::new(&tpl, &["contoso".into()], false).is_err());
        assert!(Issuers::new(&exact, &[T.into()], false).is_err());
        assert!(Issuers::new(&exact, &[], true).is_err());
        assert!(Issuers::new(&["a{tenantid}{tenantid}".into()], &[], true).is_err());
        assert!(Issuers::new(&tpl, &[T.into()], false).is_ok());
        assert!(Issuers::new(&exact, &[], false).is_ok());
    }
}
