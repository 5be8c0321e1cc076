//! Client records and the edge's index entries in KV (binding `CLIENTS`), as both features
//! read them. `scripts/lib/records.mjs` writes the same formats (a committed fixture checks
//! that both sides agree byte for byte).
//!
//! Record, under `client:<the id the caller presents>`:
//!
//! ```json
//! {
//!   "v": 2,
//!   "mode": "concealed" | "passthrough",
//!   "client_id": "<the id the caller presents>",
//!   "secret_hashes": ["<hash key id>.<base64url HMAC-SHA-256>", "<a second one, during a rotation>"],
//!   "primary":   { "client_id": "<upstream id>", "secret": "<enc key id>.<base64url nonce>.<base64url ciphertext+tag>" },
//!   "secondary": { "client_id": "<upstream id>", "secret": "<enc key id>.<...>.<...>" },
//!   "shared_upstream": true,
//!   "created_at": "<ISO 8601, informational>"
//! }
//! ```
//!
//! - Concealed: `client_id` is an application id issued by provisioning, and `secret_hashes`
//!   hold digests of the application secret(s). Pass-through: `client_id` equals
//!   `primary.client_id`, and the digest is of the real primary secret, so a caller must know
//!   it before anything is forwarded.
//! - Digest = HMAC-SHA-256(hash key, `"oidc-edge/client-secret/v1" 0x00 u32be(len id) id secret`).
//! - Upstream secrets: AES-256-GCM under an encryption key, 96-bit random nonce, AAD =
//!   `"oidc-edge/upstream-secret/v1" 0x00 u32be(len id) id 0x00 region 0x00 u32be(len upstream id) upstream id`,
//!   binding each ciphertext to its record, region and upstream client id.
//! - Key ids ([`crate::keyring`]) name the key of each digest and ciphertext, so two keys
//!   work during a rotation; a digest under the previous hash key is rehashed under the
//!   current one when its secret is next presented ([`Record::rehashed`]).
//! - `shared_upstream` (optional): this record uses upstream ids whose edge index entries
//!   belong to another application (see below). Provisioning sets it only when asked.
//! - `one_pair` (optional, `true`): the record holds ONE upstream credential pair, under
//!   `primary` (sealed for the primary region), and `secondary` is absent: the same pair is sent
//!   to both regions' token hosts. This is Amazon Cognito multi-Region replication, which copies
//!   machine-to-machine app clients, secrets included, to the replica with the same user pool id
//!   (docs/EDGE.md). Without it: one pair per region, as above.
//!
//! Index entry, under `upstream:<region>:<upstream client id>`: `{"v":1,"client":"<application id>"}`.
//! Edge verification maps a token's region and `client_id` to one application through it.
//! The index only points; the record decides ([`Record::confirms`]): a deleted record stops
//! mapping at once, and a stale or forged entry maps nothing. Each upstream id maps to at most
//! one application: provisioning refuses to point an entry at a second one.

use std::string::String;
use std::vec::Vec;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use serde_json::Value;
use subtle::{Choice, ConstantTimeEq};

use crate::codec::{base64url_decode, base64url_encode};
use crate::keyring::{Key, Keyring};
use crate::regions::Region;

/// Records are stored under this prefix plus the presented client id.
pub const RECORD_PREFIX: &str = "client:";
/// Index entries are stored under this prefix plus `<region>:<upstream id>`.
pub const INDEX_PREFIX: &str = "upstream:";
/// The record format version.
pub const RECORD_VERSION: u64 = 2;
/// Longest client id the worker looks up: KV keys are at most 512 octets, and no issuer's ids
/// come near this. A longer one is refused like an unknown client.
pub const MAX_CLIENT_ID_LEN: usize = 256;

/// The KV key of a client's record.
pub fn record_key(client_id: &str) -> String {
    std::format!("{RECORD_PREFIX}{client_id}")
}

/// The KV key of a region's upstream client id in the edge's index.
pub fn index_key(region: Region, upstream_id: &str) -> String {
    std::format!("{INDEX_PREFIX}{}:{upstream_id}", region.as_str())
}

/// The application an index entry points to.
pub fn parse_index(json: &str) -> Option<String> {
    let v: Value = serde_json::from_slice(json.as_bytes()).ok()?;
    if v.get("v").and_then(Value::as_u64) != Some(1) {
        return None;
    }
    v.get("client")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

/// Record mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Application-issued id and secret.
    Concealed,
    /// The caller presents the primary credentials.
    Passthrough,
}

impl Mode {
    /// Name used in records and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Concealed => "concealed",
            Mode::Passthrough => "passthrough",
        }
    }
}

/// One region's upstream credentials, secret still encrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// Upstream client id.
    pub client_id: String,
    /// `<key id>.<nonce>.<ciphertext>`.
    pub secret: String,
}

/// An upstream's real credentials, decrypted for one request.
pub struct Credentials {
    /// Upstream client id.
    pub client_id: String,
    /// Upstream client secret.
    pub client_secret: String,
}

/// One stored digest and the id of the key that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDigest {
    /// Hash key id.
    pub key_id: String,
    /// HMAC-SHA-256 output.
    pub digest: [u8; 32],
}

/// A parsed record.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Mode.
    pub mode: Mode,
    /// The id callers present.
    pub client_id: String,
    /// 1 or 2 secret digests.
    pub secret_hashes: Vec<StoredDigest>,
    /// Primary credentials.
    pub primary: Sealed,
    /// Secondary credentials.
    pub secondary: Sealed,
    /// Whether another application owns these upstream ids at the edge.
    pub shared_upstream: bool,
    /// One credential pair for both regions (`secondary` is a copy of `primary`).
    pub one_pair: bool,
    /// The stored document (written back, other fields untouched, after a rehash).
    raw: Value,
}

/// Why a stored record could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadRecord(pub &'static str);

/// A presented secret matched a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticated {
    /// Which stored digest matched.
    pub index: usize,
    /// The secret's digest under the current hash key (cache keys use it).
    pub current_digest: [u8; 32],
    /// The match was under the previous hash key: [`Record::rehashed`] should be written.
    pub needs_rehash: bool,
}

fn length_prefixed(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// HMAC-SHA-256 (the core's, `oidc_edge::hash`).
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    oidc_edge::hash::hmac_sha256(key, &[msg])
}

/// The keyed digest of a client secret, bound to the client id.
pub fn secret_digest(hash_key: &[u8], client_id: &str, secret: &str) -> [u8; 32] {
    let mut msg = Vec::with_capacity(40 + client_id.len() + secret.len());
    msg.extend_from_slice(b"oidc-edge/client-secret/v1\0");
    length_prefixed(&mut msg, client_id);
    msg.extend_from_slice(secret.as_bytes());
    hmac_sha256(hash_key, &msg)
}

/// A stored digest string: `<key id>.<base64url digest>`.
pub fn digest_string(key: &Key, digest: &[u8; 32]) -> String {
    std::format!("{}.{}", key.id, base64url_encode(digest))
}

/// Additional authenticated data for one upstream secret.
pub fn seal_aad(record_id: &str, region: Region, upstream_id: &str) -> Vec<u8> {
    let mut aad = Vec::new();
    aad.extend_from_slice(b"oidc-edge/upstream-secret/v1\0");
    length_prefixed(&mut aad, record_id);
    aad.push(0);
    aad.extend_from_slice(region.as_str().as_bytes());
    aad.push(0);
    length_prefixed(&mut aad, upstream_id);
    aad
}

/// Encrypts an upstream secret (tests; `scripts/lib/records.mjs` is the production writer).
pub fn seal(
    key: &Key,
    nonce: &[u8; 12],
    record_id: &str,
    region: Region,
    upstream_id: &str,
    secret: &str,
) -> String {
    let ct = Aes256Gcm::new_from_slice(&key.bytes)
        .ok()
        .and_then(|c| {
            let aad = seal_aad(record_id, region, upstream_id);
            c.encrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: &aad,
                },
            )
            .ok()
        })
        .unwrap_or_default();
    std::format!(
        "{}.{}.{}",
        key.id,
        base64url_encode(nonce),
        base64url_encode(&ct)
    )
}

/// Decrypts an upstream secret; `None` if the key is not ours or the binding or data is wrong.
pub fn open(keys: &Keyring, record_id: &str, region: Region, sealed: &Sealed) -> Option<String> {
    let mut parts = sealed.secret.split('.');
    let (Some(key_id), Some(nonce), Some(ct), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let key = keys.get(key_id)?;
    let nonce = base64url_decode(nonce)?;
    let ct = base64url_decode(ct)?;
    if nonce.len() != 12 {
        return None;
    }
    let aad = seal_aad(record_id, region, &sealed.client_id);
    let plain = Aes256Gcm::new_from_slice(&key.bytes)
        .ok()?
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &ct,
                aad: &aad,
            },
        )
        .ok()?;
    String::from_utf8(plain).ok()
}

fn sealed(v: &Value) -> Result<Sealed, BadRecord> {
    let id = v
        .get("client_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let secret = v.get("secret").and_then(Value::as_str);
    match (id, secret) {
        (Some(id), Some(secret)) => Ok(Sealed {
            client_id: id.into(),
            secret: secret.into(),
        }),
        _ => Err(BadRecord("upstream credentials missing")),
    }
}

fn stored_digest(v: &Value) -> Result<StoredDigest, BadRecord> {
    let bad = BadRecord("bad digest");
    let (key_id, b64) = v.as_str().and_then(|s| s.split_once('.')).ok_or(bad)?;
    let digest = base64url_decode(b64)
        .and_then(|d| <[u8; 32]>::try_from(d.as_slice()).ok())
        .ok_or(bad)?;
    Ok(StoredDigest {
        key_id: key_id.into(),
        digest,
    })
}

impl Record {
    /// Parses a stored record.
    pub fn parse(json: &str) -> Result<Record, BadRecord> {
        let v: Value =
            serde_json::from_slice(json.as_bytes()).map_err(|_| BadRecord("not JSON"))?;
        if v.get("v").and_then(Value::as_u64) != Some(RECORD_VERSION) {
            return Err(BadRecord("unknown record version"));
        }
        let mode = match v.get("mode").and_then(Value::as_str) {
            Some("concealed") => Mode::Concealed,
            Some("passthrough") => Mode::Passthrough,
            _ => return Err(BadRecord("unknown mode")),
        };
        let client_id = v
            .get("client_id")
            .and_then(Value::as_str)
            .ok_or(BadRecord("client_id missing"))?;
        let hashes = v
            .get("secret_hashes")
            .and_then(Value::as_array)
            .ok_or(BadRecord("secret_hashes missing"))?;
        if hashes.is_empty() || hashes.len() > 2 {
            return Err(BadRecord("secret_hashes must hold one or two digests"));
        }
        let secret_hashes = hashes
            .iter()
            .map(stored_digest)
            .collect::<Result<Vec<_>, _>>()?;
        let primary = sealed(v.get("primary").ok_or(BadRecord("primary missing"))?)?;
        let one_pair = match v.get("one_pair") {
            None | Some(Value::Bool(false)) => false,
            Some(Value::Bool(true)) => true,
            Some(_) => return Err(BadRecord("one_pair must be a boolean")),
        };
        let secondary = match (one_pair, v.get("secondary")) {
            (true, None) => primary.clone(),
            (true, Some(_)) => return Err(BadRecord("one_pair record: secondary must be absent")),
            (false, s) => sealed(s.ok_or(BadRecord("secondary missing"))?)?,
        };
        if mode == Mode::Passthrough && primary.client_id != client_id {
            return Err(BadRecord(
                "pass-through record: client_id must equal primary.client_id",
            ));
        }
        let shared_upstream = match v.get("shared_upstream") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(BadRecord("shared_upstream must be a boolean")),
        };
        Ok(Record {
            mode,
            client_id: client_id.into(),
            secret_hashes,
            primary,
            secondary,
            shared_upstream,
            one_pair,
            raw: v,
        })
    }

    /// Checks a presented secret against every stored digest, in constant time per digest,
    /// each under the key its id names (digests under a key we no longer hold never match).
    pub fn authenticate(&self, keys: &Keyring, secret: &str) -> Option<Authenticated> {
        let current = keys.current();
        let current_digest = secret_digest(&current.bytes, &self.client_id, secret);
        let previous = keys
            .previous()
            .map(|k| (k, secret_digest(&k.bytes, &self.client_id, secret)));
        let mut hit = None;
        for (i, stored) in self.secret_hashes.iter().enumerate() {
            let candidate = if stored.key_id == current.id {
                Some(&current_digest)
            } else {
                previous
                    .as_ref()
                    .filter(|(k, _)| k.id == stored.key_id)
                    .map(|(_, d)| d)
            };
            let Some(candidate) = candidate else { continue };
            let eq: Choice = stored.digest.ct_eq(candidate);
            if bool::from(eq) && hit.is_none() {
                hit = Some(i);
            }
        }
        let index = hit?;
        Some(Authenticated {
            index,
            needs_rehash: self.secret_hashes[index].key_id != current.id,
            current_digest,
        })
    }

    /// The record document with digest `index` replaced by `current_digest` under the current
    /// hash key: written back after an authentication under the previous key, so the old key
    /// can be retired once every client has been seen (or rotated its secret).
    pub fn rehashed(&self, keys: &Keyring, auth: &Authenticated) -> String {
        let mut doc = self.raw.clone();
        if let Some(Value::Array(hashes)) = doc.get_mut("secret_hashes") {
            if let Some(slot) = hashes.get_mut(auth.index) {
                *slot = Value::String(digest_string(keys.current(), &auth.current_digest));
            }
        }
        doc.to_string()
    }

    /// One region's sealed credentials.
    pub fn sealed(&self, region: Region) -> &Sealed {
        match region {
            Region::Primary => &self.primary,
            Region::Secondary => &self.secondary,
        }
    }

    /// Decrypts one region's credentials (a one-pair record's pair, sealed for the primary,
    /// for either region).
    pub fn credentials(&self, keys: &Keyring, region: Region) -> Option<Credentials> {
        let sealed = self.sealed(region);
        let sealed_for = if self.one_pair {
            Region::Primary
        } else {
            region
        };
        let client_secret = open(keys, &self.client_id, sealed_for, sealed)?;
        Some(Credentials {
            client_id: sealed.client_id.clone(),
            client_secret,
        })
    }

    /// Whether this record, stored under `client:<application>`, really holds `upstream_id`
    /// for `region` (an index entry pointing here is believed only then).
    pub fn confirms(&self, application: &str, region: Region, upstream_id: &str) -> bool {
        self.client_id == application && self.sealed(region).client_id == upstream_id
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const ENC: [u8; 32] = [0x11; 32];
    pub(crate) const HASH: &[u8] = b"test hash key, at least 32 bytes long";

    pub(crate) fn enc() -> Keyring {
        Keyring::new(ENC.to_vec(), None)
    }
    pub(crate) fn hash() -> Keyring {
        Keyring::new(HASH.to_vec(), None)
    }

    /// A record as provisioning writes it, under the given keys.
    pub(crate) fn record_json(
        mode: Mode,
        id: &str,
        secrets: &[&str],
        p: (&str, &str),
        s: (&str, &str),
        enc: &Keyring,
        hash: &Keyring,
    ) -> String {
        let hk = hash.current();
        let ek = enc.current();
        let hashes: Vec<String> = secrets
            .iter()
            .map(|x| digest_string(hk, &secret_digest(&hk.bytes, id, x)))
            .collect();
        serde_json::json!({
            "v": 2,
            "mode": mode.as_str(),
            "client_id": id,
            "secret_hashes": hashes,
            "primary": {"client_id": p.0, "secret": seal(ek, &[1; 12], id, Region::Primary, p.0, p.1)},
            "secondary": {"client_id": s.0, "secret": seal(ek, &[2; 12], id, Region::Secondary, s.0, s.1)},
            "created_at": "2026-11-26T00:00:00Z"
        })
        .to_string()
    }

    fn concealed(secrets: &[&str]) -> String {
        record_json(
            Mode::Concealed,
            "oe_app",
            secrets,
            ("p-id", "p-sec"),
            ("s-id", "s-sec"),
            &enc(),
            &hash(),
        )
    }

    #[test]
    fn concealed_round_trip_and_secret_rotation() {
        let r = Record::parse(&concealed(&["old", "new"])).unwrap();
        assert_eq!(r.mode, Mode::Concealed);
        assert_eq!(r.authenticate(&hash(), "old").unwrap().index, 0);
        assert_eq!(r.authenticate(&hash(), "new").unwrap().index, 1);
        assert!(r.authenticate(&hash(), "other").is_none());
        let other = Keyring::new(b"another key..............................".to_vec(), None);
        assert!(r.authenticate(&other, "new").is_none());
        let p = r.credentials(&enc(), Region::Primary).unwrap();
        assert_eq!(
            (p.client_id.as_str(), p.client_secret.as_str()),
            ("p-id", "p-sec")
        );
        let s = r.credentials(&enc(), Region::Secondary).unwrap();
        assert_eq!(
            (s.client_id.as_str(), s.client_secret.as_str()),
            ("s-id", "s-sec")
        );
        assert!(r
            .credentials(&Keyring::new(vec![0x12; 32], None), Region::Primary)
            .is_none());
        assert!(r.confirms("oe_app", Region::Primary, "p-id"));
        assert!(!r.confirms("oe_app", Region::Primary, "s-id"));
        assert!(!r.confirms("oe_other", Region::Secondary, "s-id"));
    }

    #[test]
    fn digests_are_bound_to_the_client_id() {
        let mut v: Value = serde_json::from_str(&concealed(&["x"])).unwrap();
        v["client_id"] = "oe_app2".into();
        let r = Record::parse(&v.to_string()).unwrap();
        assert!(r.authenticate(&hash(), "x").is_none());
    }

    #[test]
    fn key_rotation_old_keys_work_and_digests_are_rehashed() {
        let old_enc = enc();
        let old_hash = hash();
        let json = concealed(&["sec"]);
        // Rotation in progress: new current keys, the old ones as previous.
        let new_enc = Keyring::new(vec![0x22; 32], Some(ENC.to_vec()));
        let new_hash = Keyring::new(vec![0x33; 32], Some(HASH.to_vec()));
        let r = Record::parse(&json).unwrap();
        assert_eq!(
            r.credentials(&new_enc, Region::Primary)
                .unwrap()
                .client_secret,
            "p-sec"
        );
        let auth = r.authenticate(&new_hash, "sec").unwrap();
        assert!(auth.needs_rehash);
        assert_eq!(
            auth.current_digest,
            secret_digest(&[0x33; 32], "oe_app", "sec")
        );
        let rehashed = Record::parse(&r.rehashed(&new_hash, &auth)).unwrap();
        assert_eq!(rehashed.secret_hashes[0].key_id, new_hash.current().id);
        assert!(
            !rehashed
                .authenticate(&new_hash, "sec")
                .unwrap()
                .needs_rehash
        );
        // Other fields are kept as they were.
        assert_eq!(rehashed.primary, r.primary);
        // Once the old keys are gone, what still names them no longer works.
        let only_new_hash = Keyring::new(vec![0x33; 32], None);
        assert!(r.authenticate(&only_new_hash, "sec").is_none());
        assert!(rehashed.authenticate(&only_new_hash, "sec").is_some());
        assert!(r
            .credentials(&Keyring::new(vec![0x22; 32], None), Region::Primary)
            .is_none());
        assert!(r.authenticate(&old_hash, "sec").is_some());
        assert!(r.credentials(&old_enc, Region::Primary).is_some());
    }

    #[test]
    fn ciphertexts_are_bound_to_their_slot() {
        let json = concealed(&["x"]);
        let mut r = Record::parse(&json).unwrap();
        core::mem::swap(&mut r.primary.secret, &mut r.secondary.secret);
        assert!(r.credentials(&enc(), Region::Primary).is_none());
        assert!(r.credentials(&enc(), Region::Secondary).is_none());
        let mut r = Record::parse(&json).unwrap();
        r.client_id = "oe_other".into();
        assert!(r.credentials(&enc(), Region::Primary).is_none());
        let mut r = Record::parse(&json).unwrap();
        r.primary.client_id = "p-id2".into();
        assert!(r.credentials(&enc(), Region::Primary).is_none());
        let mut r = Record::parse(&json).unwrap();
        r.secondary.secret.push('A');
        assert!(r.credentials(&enc(), Region::Secondary).is_none());
        let kid = enc().current().id.clone();
        for bad in [
            "AAAAAAAA.AAAAAAAAAAAAAAAA.AAAA".to_string(),
            std::format!("{kid}.AAAA.AAAA"),
            std::format!("{kid}.."),
            std::format!("{kid}.a.b.c"),
            String::new(),
        ] {
            let mut r = Record::parse(&json).unwrap();
            r.primary.secret = bad.clone();
            assert!(r.credentials(&enc(), Region::Primary).is_none(), "{bad}");
        }
    }

    #[test]
    fn passthrough_records() {
        let json = record_json(
            Mode::Passthrough,
            "p-id",
            &["p-sec"],
            ("p-id", "p-sec"),
            ("s-id", "s-sec"),
            &enc(),
            &hash(),
        );
        let r = Record::parse(&json).unwrap();
        assert_eq!(r.mode, Mode::Passthrough);
        assert!(r.authenticate(&hash(), "p-sec").is_some());
        // A pass-through record's id is its primary upstream id.
        let mut v: Value = serde_json::from_str(&json).unwrap();
        v["client_id"] = "x-id".into();
        assert!(Record::parse(&v.to_string()).is_err());
    }

    /// A one-pair record (Cognito multi-Region replication): the pair under `primary` only.
    pub(crate) fn one_pair_json(id: &str, secret: &str, pair: (&str, &str)) -> String {
        let mut v: Value = serde_json::from_slice(
            record_json(Mode::Concealed, id, &[secret], pair, pair, &enc(), &hash()).as_bytes(),
        )
        .unwrap();
        let m = v.as_object_mut().unwrap();
        m.remove("secondary");
        m.insert("one_pair".into(), Value::Bool(true));
        v.to_string()
    }

    #[test]
    fn one_pair_records_send_the_same_pair_to_both_regions() {
        let doc = one_pair_json("oe_one", "app-secret", ("pool-client", "pool-secret"));
        let r = Record::parse(&doc).unwrap();
        assert!(r.one_pair);
        for region in Region::BOTH {
            let c = r.credentials(&enc(), region).unwrap();
            assert_eq!(
                (c.client_id.as_str(), c.client_secret.as_str()),
                ("pool-client", "pool-secret")
            );
            assert!(r.confirms("oe_one", region, "pool-client"));
        }
        // A secondary beside one_pair is ambiguous; one_pair must be a boolean.
        let mut v: Value = serde_json::from_slice(doc.as_bytes()).unwrap();
        v["secondary"] = v["primary"].clone();
        assert_eq!(
            Record::parse(&v.to_string()).unwrap_err(),
            BadRecord("one_pair record: secondary must be absent")
        );
        v.as_object_mut().unwrap().remove("secondary");
        v["one_pair"] = Value::from("yes");
        assert_eq!(
            Record::parse(&v.to_string()).unwrap_err(),
            BadRecord("one_pair must be a boolean")
        );
        // Without one_pair the secondary is required, as before.
        v.as_object_mut().unwrap().remove("one_pair");
        assert_eq!(
            Record::parse(&v.to_string()).unwrap_err(),
            BadRecord("secondary missing")
        );
    }

    #[test]
    fn malformed_records() {
        let good: Value = serde_json::from_str(&concealed(&["x"])).unwrap();
        type Edit = (&'static str, fn(&mut Value));
        let edits: Vec<Edit> = std::vec![
            ("version 1", |v| v["v"] = 1.into()),
            ("mode", |v| v["mode"] = "other".into()),
            ("no hashes", |v| v["secret_hashes"] = serde_json::json!([])),
            ("three hashes", |v| v["secret_hashes"] =
                serde_json::json!([
                    v["secret_hashes"][0],
                    v["secret_hashes"][0],
                    v["secret_hashes"][0]
                ])),
            ("short hash", |v| v["secret_hashes"] =
                serde_json::json!(["k.AAAA"])),
            ("hash without key id", |v| v["secret_hashes"] =
                serde_json::json!([
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                ])),
            ("no primary", |v| {
                v.as_object_mut().unwrap().remove("primary");
            }),
            ("no secondary id", |v| {
                v["secondary"].as_object_mut().unwrap().remove("client_id");
            }),
            ("shared_upstream not a boolean", |v| v["shared_upstream"] =
                "yes".into()),
        ];
        for (name, edit) in edits {
            let mut v = good.clone();
            edit(&mut v);
            assert!(Record::parse(&v.to_string()).is_err(), "{name}");
        }
        assert!(Record::parse("not json").is_err());
        let mut shared = good.clone();
        shared["shared_upstream"] = true.into();
        assert!(Record::parse(&shared.to_string()).unwrap().shared_upstream);
        assert!(!Record::parse(&good.to_string()).unwrap().shared_upstream);
    }

    /// The records `scripts/lib/records.mjs` writes (tests/worker/fixtures/record-v2.json; the
    /// JS tests check the script reproduces the file byte for byte).
    #[test]
    fn records_written_by_the_provisioning_script_are_read() {
        let fx: Value =
            serde_json::from_str(include_str!("../../tests/worker/fixtures/record-v2.json"))
                .unwrap();
        let hex = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let input = &fx["inputs"];
        let enc = Keyring::new(hex(input["keys"]["enc"].as_str().unwrap()), None);
        let hash = Keyring::new(hex(input["keys"]["hash"].as_str().unwrap()), None);
        assert_eq!(fx["key_ids"]["enc"], enc.current().id.as_str());
        assert_eq!(fx["key_ids"]["hash"], hash.current().id.as_str());
        let s = |v: &Value| v.as_str().unwrap().to_string();
        let concealed = Record::parse(&fx["concealed"].to_string()).unwrap();
        assert_eq!(concealed.client_id, s(&input["clientId"]));
        assert!(concealed
            .authenticate(&hash, &s(&input["clientSecret"]))
            .is_some_and(|a| !a.needs_rehash));
        let passthrough = Record::parse(&fx["passthrough"].to_string()).unwrap();
        assert!(passthrough
            .authenticate(&hash, &s(&input["primary"]["clientSecret"]))
            .is_some());
        for r in [&concealed, &passthrough] {
            for region in Region::BOTH {
                let c = r.credentials(&enc, region).unwrap();
                let want = &input[region.as_str()];
                assert_eq!(c.client_id, s(&want["clientId"]));
                assert_eq!(c.client_secret, s(&want["clientSecret"]));
            }
        }
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
}
