//! Logical clients: which application a verified token belongs to, whichever region minted
//! it. A token carries its region's upstream client id (`client_id`); the index entry
//! `upstream:<region>:<id>` names the application, and that application's record must confirm
//! it ([`crate::records`]). A token mixing one region's issuer with the other region's client
//! id maps nothing (the index is per region).

use std::collections::BTreeMap;

use oidc_edge::{Error, ErrorKind};

use crate::io::{Io, StoreError};
use crate::records::{index_key, parse_index, record_key, Record};
use crate::regions::{Region, RegionMode};

/// A token's logical client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogicalClient {
    /// The application id (the record's `client_id`): the same for both regions.
    pub id: String,
    /// `primary`, `secondary`, or `shared` (shared mode, same upstream id in both regions).
    pub region: &'static str,
}

/// The regions whose index to consult for a token, in order. `separate`: the region of the
/// token's issuer only. `shared`: both (one issuer; the client id tells the region).
pub fn regions_to_try(mode: RegionMode, issuer_region: Region) -> &'static [Region] {
    match (mode, issuer_region) {
        (RegionMode::Separate, Region::Primary) => &[Region::Primary],
        (RegionMode::Separate, Region::Secondary) => &[Region::Secondary],
        (RegionMode::Shared, _) => &Region::BOTH,
    }
}

/// The region label for a confirmed match.
fn region_label(mode: RegionMode, matched: Region, record: &Record) -> &'static str {
    if mode == RegionMode::Shared && record.primary.client_id == record.secondary.client_id {
        return "shared";
    }
    matched.as_str()
}

/// The error for a token whose `client_id` maps to no application of its issuer's region
/// (unknown client, or a mixed-region token): the core's kind for a client id outside the
/// allowed set.
pub fn unknown_client() -> Error {
    refused_client("client_id is not a known client of this issuer")
}

/// The error for a token whose application was revoked fleet-wide (the fleet's revocation
/// list, [`crate::fleet::FleetView::is_revoked`]): refused as a client outside the allowed set,
/// before its record's deletion has reached every location.
pub fn revoked_client() -> Error {
    refused_client("client_id belongs to a revoked client")
}

/// A client id outside the allowed set, with why.
fn refused_client(message: &'static str) -> Error {
    Error::new(ErrorKind::AudMismatch)
        .with_claim("client_id")
        .with_message(message)
}

/// Looks one region's upstream id up in KV: index entry, then the record that must confirm it.
async fn lookup<I: Io>(
    mode: RegionMode,
    region: Region,
    upstream_id: &str,
    io: &I,
) -> Result<Option<LogicalClient>, StoreError> {
    let Some(index) = io.kv_get(&index_key(region, upstream_id)).await? else {
        return Ok(None);
    };
    let Some(app) = parse_index(&index) else {
        return Ok(None);
    };
    let Some(record) = io.kv_get(&record_key(&app)).await? else {
        return Ok(None);
    };
    Ok(Record::parse(&record)
        .ok()
        .filter(|r| r.confirms(&app, region, upstream_id))
        .map(|r| LogicalClient {
            region: region_label(mode, region, &r),
            id: app,
        }))
}

/// Isolate-memory memo of lookups, so a warm isolate does not read KV per request.
/// Positive answers live `ttl_s`, negative ones `negative_ttl_s`; at most `cap` entries.
#[derive(Debug)]
pub struct ClientMemo {
    entries: BTreeMap<(Region, String), (Option<LogicalClient>, i64)>,
    /// Lifetime of a found mapping (seconds): how long a revoked client may still map here.
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

/// Maps a verified token's issuer region and `client_id` to its application.
/// `Err(None)`: no application (401); `Err(Some(StoreError))`: KV did not answer (503).
pub async fn logical_client<I: Io>(
    memo: &core::cell::RefCell<ClientMemo>,
    mode: RegionMode,
    issuer_region: Region,
    client_id: &str,
    io: &I,
) -> Result<LogicalClient, Option<StoreError>> {
    if client_id.is_empty() || client_id.len() > crate::records::MAX_CLIENT_ID_LEN {
        return Err(None);
    }
    for &region in regions_to_try(mode, issuer_region) {
        let remembered = memo.borrow().get(io.now_s(), region, client_id);
        let found = match remembered {
            Some(answer) => answer,
            None => {
                let found = lookup(mode, region, client_id, io).await.map_err(Some)?;
                memo.borrow_mut()
                    .put(io.now_s(), region, client_id, found.clone());
                found
            }
        };
        if let Some(c) = found {
            return Ok(c);
        }
    }
    Err(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{block_on, FakeIo};
    use core::cell::RefCell;

    fn record(app: &str, p: &str, s: &str) -> String {
        serde_json::json!({
            "v": 2, "mode": "concealed", "client_id": app,
            "secret_hashes": ["k.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
            "primary": {"client_id": p, "secret": "k.x.y"},
            "secondary": {"client_id": s, "secret": "k.x.y"},
        })
        .to_string()
    }

    fn io() -> FakeIo {
        let io = FakeIo::at_s(1_000);
        io.kv_put("client:oe_a", &record("oe_a", "p-id", "s-id"));
        io.kv_put("upstream:primary:p-id", r#"{"v":1,"client":"oe_a"}"#);
        io.kv_put("upstream:secondary:s-id", r#"{"v":1,"client":"oe_a"}"#);
        io
    }

    fn map(
        io: &FakeIo,
        mode: RegionMode,
        region: Region,
        id: &str,
    ) -> Result<LogicalClient, Option<StoreError>> {
        block_on(logical_client(
            &RefCell::new(ClientMemo::default()),
            mode,
            region,
            id,
            io,
        ))
    }

    #[test]
    fn the_record_decides() {
        let io = io();
        let sep = RegionMode::Separate;
        assert_eq!(map(&io, sep, Region::Primary, "p-id").unwrap().id, "oe_a");
        assert_eq!(
            map(&io, sep, Region::Secondary, "s-id").unwrap().region,
            "secondary"
        );
        // Mixed region: the other region's id maps nothing.
        assert_eq!(map(&io, sep, Region::Primary, "s-id"), Err(None));
        // A forged index entry pointing at a record that does not confirm it.
        io.kv_put("upstream:primary:evil", r#"{"v":1,"client":"oe_a"}"#);
        assert_eq!(map(&io, sep, Region::Primary, "evil"), Err(None));
        // A deleted record maps nothing.
        io.kv.borrow_mut().remove("client:oe_a");
        assert_eq!(map(&io, sep, Region::Primary, "p-id"), Err(None));
        // Over-long ids are not looked up.
        let long = "x".repeat(300);
        let reads = io.kv_reads.borrow().len();
        assert_eq!(map(&io, sep, Region::Primary, &long), Err(None));
        assert_eq!(io.kv_reads.borrow().len(), reads);
        io.kv_down.set(true);
        assert_eq!(
            map(&io, sep, Region::Secondary, "s-id"),
            Err(Some(StoreError))
        );
    }

    #[test]
    fn shared_mode_tries_both_regions() {
        let io = io();
        assert_eq!(
            map(&io, RegionMode::Shared, Region::Primary, "s-id")
                .unwrap()
                .region,
            "secondary"
        );
        io.kv_put("client:oe_b", &record("oe_b", "same", "same"));
        io.kv_put("upstream:primary:same", r#"{"v":1,"client":"oe_b"}"#);
        assert_eq!(
            map(&io, RegionMode::Shared, Region::Primary, "same")
                .unwrap()
                .region,
            "shared"
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
