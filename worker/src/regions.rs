//! The two regions, and how their issuers relate. The token proxy names the upstream that
//! answered with a [`Region`]; edge verification names the issuer that signed.

/// One of the two regions (an upstream token endpoint and, for edge verification, an issuer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Region {
    /// `OAUTH_HOST_PRIMARY`, `ISSUER_PRIMARY`.
    Primary,
    /// `OAUTH_HOST_SECONDARY`, `ISSUER_SECONDARY`.
    Secondary,
}

impl Region {
    /// Both, primary first.
    pub const BOTH: [Region; 2] = [Region::Primary, Region::Secondary];

    /// `primary` / `secondary`: in record fields, KV index keys, headers and logs.
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

/// How the two regions' issuers relate (`REGION_MODE`, never guessed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionMode {
    /// Two issuers, two key sets, per-region client ids.
    Separate,
    /// One issuer (e.g. Cognito multi-Region replication); one key set fetched from whichever
    /// region's JWKS URL answers.
    Shared,
}

impl RegionMode {
    /// `separate` / `shared`.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionMode::Separate => "separate",
            RegionMode::Shared => "shared",
        }
    }
}
