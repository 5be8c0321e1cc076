//! Amazon Cognito user pools: the issuers and the JWKS URL of a pool, built from its id and
//! region.
//!
//! Accepted formats, exactly (from the Cognito API reference, `IssuerConfigurationType` and
//! `UserPoolId`):
//!
//! - regional ("original") issuer: `https://cognito-idp.<region>.amazonaws.com/<poolId>`;
//! - multi-Region ("updated") issuer of a pool replicated across Regions:
//!   `https://issuer-cognito-idp.<primary-region>.amazonaws.com/<poolId>`, where
//!   `<primary-region>` is the pool's primary Region, whichever Region the service runs in;
//! - the domain is `amazonaws.com.cn` instead of `amazonaws.com` in the China Regions
//!   (`cn-*`);
//! - pool id: `<prefix>_<suffix>`, the prefix of letters, digits, `_` and `-`, the suffix of
//!   letters and digits, 55 characters at most (`[\w-]+_[0-9a-zA-Z]+`);
//! - Region: lowercase words and a number joined by `-` (`us-east-1`, `us-gov-west-1`,
//!   `eu-central-2`), 5 to 32 characters.
//!
//! The Region is always given, never derived from the pool id's prefix: the replicas of a
//! multi-Region pool share one pool id, so the prefix names the Region the pool was created in,
//! not the one a service verifies in.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::error::ConfigError;

/// A Cognito user pool, by Region and pool id (and, for a replicated pool, its primary Region).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserPool {
    region: String,
    pool_id: String,
    primary_region: Option<String>,
}

impl UserPool {
    /// A pool in `region`; `primary_region` when the pool uses the multi-Region issuer (a pool
    /// replicated across Regions). Malformed values are a [`ConfigError`].
    pub fn new(
        region: &str,
        pool_id: &str,
        primary_region: Option<&str>,
    ) -> Result<UserPool, ConfigError> {
        check_region("region", region)?;
        if let Some(primary) = primary_region {
            check_region("primary region", primary)?;
        }
        if !is_pool_id(pool_id) {
            return Err(ConfigError::new(
                "user pool id must look like <region>_<id> ([\\w-]+_[0-9a-zA-Z]+, 55 characters at most)",
            ));
        }
        Ok(UserPool {
            region: region.into(),
            pool_id: pool_id.into(),
            primary_region: primary_region.map(String::from),
        })
    }

    /// The regional issuer: `https://cognito-idp.<region>.<domain>/<poolId>`.
    pub fn regional_issuer(&self) -> String {
        format!(
            "https://cognito-idp.{}.{}/{}",
            self.region,
            domain(&self.region),
            self.pool_id
        )
    }

    /// The multi-Region issuer, when a primary Region was given:
    /// `https://issuer-cognito-idp.<primary-region>.<domain>/<poolId>`.
    pub fn multi_region_issuer(&self) -> Option<String> {
        self.primary_region.as_deref().map(|primary| {
            format!(
                "https://issuer-cognito-idp.{primary}.{}/{}",
                domain(primary),
                self.pool_id
            )
        })
    }

    /// Every issuer a token of this pool may carry: the regional one, then the multi-Region
    /// one when a primary Region was given. Pass them as [`crate::VerifyOptions::issuer`].
    pub fn issuers(&self) -> Vec<String> {
        let mut out = vec![self.regional_issuer()];
        out.extend(self.multi_region_issuer());
        out
    }

    /// The JWKS URL, `<issuer>/.well-known/jwks.json`: of the multi-Region issuer when there
    /// is one (it serves the same keys from every Region of the pool), else of the regional
    /// issuer.
    pub fn jwks_url(&self) -> String {
        let issuer = self
            .multi_region_issuer()
            .unwrap_or_else(|| self.regional_issuer());
        format!("{issuer}/.well-known/jwks.json")
    }
}

fn domain(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

/// `word(-word)+-number`, lowercase, 5 to 32 characters.
fn check_region(what: &str, region: &str) -> Result<(), ConfigError> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = (5..=32).contains(&region.len())
        && parts.len() >= 3
        && parts.split_last().is_some_and(|(last, words)| {
            !last.is_empty()
                && last.bytes().all(|b| b.is_ascii_digit())
                && words
                    .iter()
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        });
    if ok {
        Ok(())
    } else {
        Err(ConfigError::new(format!(
            "{what} must be an AWS Region such as us-east-1"
        )))
    }
}

/// `[\w-]+_[0-9a-zA-Z]+`, 1 to 55 characters.
fn is_pool_id(id: &str) -> bool {
    let Some((prefix, suffix)) = id.rsplit_once('_') else {
        return false;
    };
    id.len() <= 55
        && !prefix.is_empty()
        && !suffix.is_empty()
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let p = UserPool::new("eu-west-1", "us-east-1_AbC123", None).unwrap();
        assert_eq!(
            p.issuers(),
            ["https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC123"]
        );
        assert_eq!(
            p.jwks_url(),
            "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC123/.well-known/jwks.json"
        );
        let m = UserPool::new("eu-west-1", "us-east-1_AbC123", Some("us-east-1")).unwrap();
        assert_eq!(
            m.issuers(),
            [
                "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC123",
                "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123"
            ]
        );
        assert!(m
            .jwks_url()
            .starts_with("https://issuer-cognito-idp.us-east-1."));
        let cn = UserPool::new("cn-north-1", "cn-north-1_X1", None).unwrap();
        assert_eq!(
            cn.regional_issuer(),
            "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_X1"
        );
    }

    #[test]
    fn malformed() {
        for (region, id, primary) in [
            ("us-east-1", "nounderscore", None),
            ("us-east-1", "us-east-1_", None),
            ("us-east-1", "_abc", None),
            ("us-east-1", "us-east-1_a/b", None),
            ("us-east-1", "us-east-1_a.b", None),
            ("US-EAST-1", "us-east-1_a", None),
            ("us-east", "us-east-1_a", None),
            ("us-east-1.evil.com/x", "us-east-1_a", None),
            ("us-east-1", "us-east-1_a", Some("useast1")),
            ("", "us-east-1_a", None),
        ] {
            assert!(UserPool::new(region, id, primary).is_err(), "{region} {id}");
        }
        let long = format!("us-east-1_{}", "a".repeat(50));
        assert!(UserPool::new("us-east-1", &long, None).is_err());
        // The regex allows `_` and `-` before the last `_`.
        assert!(UserPool::new("us-gov-west-1", "us-gov-west-1_Ab-c_D", None).is_ok());
        assert!(UserPool::new("us-gov-west-1", "us-gov-west-1_AbcD", None).is_ok());
    }
}
