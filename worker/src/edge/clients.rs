//! Logical clients: which application a token belongs to, whichever region minted it.
//!
//! A token carries its region's upstream client id (`client_id`). The client records (KV,
//! `client:<application id>`, see [`crate::proxy::clients`]) hold both regions' upstream ids;
//! the provisioning command also writes one index entry per region:
//!
//! ```text
//! upstream:<region>:<upstream client id>  ->  {"v":1,"client":"<application id>"}
//! ```
//!
//! The index only points; the record decides. A token maps to application `A` for region `R`
//! only when the record `client:A` exists and its `R` upstream id equals the token's
//! `client_id`. So a deleted record stops mapping at once (up to the memo lifetime below), a
//! stale or forged index entry maps nothing, and a token mixing one region's issuer with the
//! other region's client id maps nothing (the index is per region).

use std::collections::BTreeMap;

use oidc_edge::{Error, ErrorKind};

use super::config::RegionMode;
use crate::proxy::clients::{kv_key, Record};
use crate::proxy::upstream::Region;

/// KV prefix of the per-region index.
pub const INDEX_PREFIX: &str = "upstream:";

/// The index key of a region's upstream client id.
pub fn index_key(region: Region, upstream_id: &str) -> String {
    format!("{INDEX_PREFIX}{}:{upstream_id}", region.as_str())
}

/// The application id an index entry points to.
pub fn parse_index(json: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    if v.get("v").and_then(|x| x.as_u64()) != Some(1) {
        return None;
    }
    v.get("client")
        .and_then(|c| c.as_str())
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

/// The KV key of an application's record.
pub fn record_key(application: &str) -> String {
    kv_key(application)
}

/// Whether `record` (stored under `client:<application>`) really holds `upstream_id` for `region`.
pub fn record_confirms(
    application: &str,
    record_json: &str,
    region: Region,
    upstream_id: &str,
) -> bool {
    let Ok(record) = Record::parse(record_json) else {
        return false;
    };
    let id = match region {
        Region::Primary => &record.primary.client_id,
        Region::Secondary => &record.secondary.client_id,
    };
    record.client_id == application && id == upstream_id
}

/// A token's logical client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogicalClient {
    /// The application id (the record's `client_id`): the same for both regions.
    pub id: String,
    /// `primary`, `secondary`, or `shared` (shared mode, same upstream id in both regions).
    pub region: &'static str,
}

/// The regions whose index to consult for a token, in order.
/// `separate`: the region of the token's issuer only. `shared`: both (one issuer, the client
/// id tells the region).
pub fn regions_to_try(mode: RegionMode, issuer_region: Region) -> &'static [Region] {
    match (mode, issuer_region) {
        (RegionMode::Separate, Region::Primary) => &[Region::Primary],
        (RegionMode::Separate, Region::Secondary) => &[Region::Secondary],
        (RegionMode::Shared, _) => &[Region::Primary, Region::Secondary],
    }
}

/// The region label for a confirmed match.
pub fn region_label(mode: RegionMode, matched: Region, record_json: &str) -> &'static str {
    if mode == RegionMode::Shared {
        if let Ok(r) = Record::parse(record_json) {
            if r.primary.client_id == r.secondary.client_id {
                return "shared";
            }
        }
    }
    matched.as_str()
}

/// The error for a token whose `client_id` maps to no application of its issuer's region
/// (unknown client, or a mixed-region token): the core's own kind for a client id outside
/// the allowed set.
pub fn unknown_client() -> Error {
    Error::new(ErrorKind::AudMismatch)
        .with_claim("client_id")
        .with_message("client_id is not a known client of this issuer")
}

/// Isolate-memory memo of lookups, so a warm isolate does not read KV per request.
/// Positive answers live `ttl_s`, negative ones `negative_ttl_s`; at most `cap` entries.
#[derive(Debug)]
pub struct ClientMemo {
    entries: BTreeMap<(Region, String), (Option<LogicalClient>, i64)>,
    /// Lifetime of a found mapping (seconds).
    pub ttl_s: i64,
    /// Lifetime of a "no such client" answer (seconds).
    pub negative_ttl_s: i64,
    /// Entry limit.
    pub cap: usize,
}

impl Default for ClientMemo {
    fn default() -> Self {
        ClientMemo {
            entries: BTreeMap::new(),
            ttl_s: 60,
            negative_ttl_s: 10,
            cap: 1024,
        }
    }
}

impl ClientMemo {
    /// A remembered answer: `Some(Some(client))`, `Some(None)` (known unknown), or `None`.
    pub fn get(
        &self,
        now: i64,
        region: Region,
        upstream_id: &str,
    ) -> Option<Option<LogicalClient>> {
        let (answer, until) = self.entries.get(&(region, upstream_id.to_string()))?;
        (now < *until).then(|| answer.clone())
    }

    /// Remembers an answer.
    pub fn put(
        &mut self,
        now: i64,
        region: Region,
        upstream_id: &str,
        answer: Option<LogicalClient>,
    ) {
        if self.entries.len() >= self.cap {
            self.entries.retain(|_, (_, until)| *until > now);
            if self.entries.len() >= self.cap {
                self.entries.clear();
            }
        }
        let ttl = if answer.is_some() {
            self.ttl_s
        } else {
            self.negative_ttl_s
        };
        self.entries.insert(
            (region, upstream_id.to_string()),
            (answer, now.saturating_add(ttl)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(app: &str, p: &str, s: &str) -> String {
        json!({
            "v": 1, "mode": "concealed", "client_id": app,
            "secret_hashes": ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
            "primary": {"client_id": p, "secret": "v1.x.y"},
            "secondary": {"client_id": s, "secret": "v1.x.y"},
        })
        .to_string()
    }

    #[test]
    fn index_entries() {
        assert_eq!(
            index_key(Region::Primary, "app-primary-id"),
            "upstream:primary:app-primary-id"
        );
        assert_eq!(index_key(Region::Secondary, "x"), "upstream:secondary:x");
        assert_eq!(
            parse_index(r#"{"v":1,"client":"oe_a"}"#),
            Some("oe_a".into())
        );
        for bad in [
            r#"{"v":2,"client":"oe_a"}"#,
            r#"{"v":1,"client":""}"#,
            r#"{"v":1}"#,
            "oe_a",
            "",
        ] {
            assert_eq!(parse_index(bad), None, "{bad}");
        }
        assert_eq!(record_key("oe_a"), "client:oe_a");
    }

    #[test]
    fn the_record_decides() {
        let r = record("oe_a", "p-id", "s-id");
        assert!(record_confirms("oe_a", &r, Region::Primary, "p-id"));
        assert!(record_confirms("oe_a", &r, Region::Secondary, "s-id"));
        // Mixed region: the other region's id does not confirm.
        assert!(!record_confirms("oe_a", &r, Region::Primary, "s-id"));
        assert!(!record_confirms("oe_a", &r, Region::Secondary, "p-id"));
        // A record stored under another key, or a broken one, confirms nothing.
        assert!(!record_confirms("oe_b", &r, Region::Primary, "p-id"));
        assert!(!record_confirms("oe_a", "{}", Region::Primary, "p-id"));
    }

    #[test]
    fn regions_by_mode() {
        assert_eq!(
            regions_to_try(RegionMode::Separate, Region::Primary),
            &[Region::Primary]
        );
        assert_eq!(
            regions_to_try(RegionMode::Separate, Region::Secondary),
            &[Region::Secondary]
        );
        assert_eq!(
            regions_to_try(RegionMode::Shared, Region::Primary),
            &[Region::Primary, Region::Secondary]
        );
        let same = record("oe_a", "id", "id");
        let diff = record("oe_a", "p", "s");
        assert_eq!(
            region_label(RegionMode::Shared, Region::Primary, &same),
            "shared"
        );
        assert_eq!(
            region_label(RegionMode::Shared, Region::Secondary, &diff),
            "secondary"
        );
        assert_eq!(
            region_label(RegionMode::Separate, Region::Primary, &same),
            "primary"
        );
    }

    #[test]
    fn memo_lifetimes() {
        let mut m = ClientMemo::default();
        let c = LogicalClient {
            id: "oe_a".into(),
            region: "primary",
        };
        assert_eq!(m.get(0, Region::Primary, "p"), None);
        m.put(100, Region::Primary, "p", Some(c.clone()));
        m.put(100, Region::Primary, "q", None);
        assert_eq!(m.get(159, Region::Primary, "p"), Some(Some(c.clone())));
        assert_eq!(m.get(160, Region::Primary, "p"), None);
        assert_eq!(m.get(109, Region::Primary, "q"), Some(None));
        assert_eq!(m.get(110, Region::Primary, "q"), None);
        assert_eq!(m.get(101, Region::Secondary, "p"), None, "per region");
        m.cap = 2;
        m.put(200, Region::Primary, "r", None);
        assert!(m.entries.len() <= 2);
        assert_eq!(m.get(200, Region::Primary, "r"), Some(None));
        let e = unknown_client();
        assert_eq!(
            (e.kind(), e.claim()),
            (ErrorKind::AudMismatch, Some("client_id"))
        );
    }
}
