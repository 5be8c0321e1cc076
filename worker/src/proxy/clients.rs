//! Client records (KV) and caller authentication.
//!
//! KV key: `client:<presented client id>`. Value (JSON, version 1):
//!
//! ```json
//! {
//!   "v": 1,
//!   "mode": "concealed" | "passthrough",
//!   "client_id": "<the id the caller presents>",
//!   "secret_hashes": ["<base64url HMAC-SHA-256>", "<optional second, during rotation>"],
//!   "primary":   { "client_id": "<real id>", "secret": "v1.<base64url nonce>.<base64url ciphertext+tag>" },
//!   "secondary": { "client_id": "<real id>", "secret": "v1.<...>.<...>" },
//!   "created_at": "<ISO 8601, informational>"
//! }
//! ```
//!
//! - Concealed: `client_id` is an application id issued by the provisioning command, and
//!   `secret_hashes` hold digests of the application secret(s).
//! - Pass-through: `client_id` equals `primary.client_id`, and `secret_hashes` hold the digest
//!   of the real primaryClientSecret, so a caller must know it before anything is forwarded.
//!
//! Digest = HMAC-SHA-256(`CLIENT_HASH_KEY`, `"oidc-edge/client-secret/v1" 0x00 u32be(len id) id secret`).
//! Upstream secrets: AES-256-GCM under `CLIENT_ENC_KEY`, 96-bit random nonce, AAD =
//! `"oidc-edge/upstream-secret/v1" 0x00 u32be(len id) id 0x00 region 0x00 u32be(len upstream id) upstream id`,
//! binding each ciphertext to its record, region and upstream client id.
//! `scripts/client-add.mjs` writes the same format (tests check both sides agree).

use std::string::String;
use std::vec::Vec;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::{Choice, ConstantTimeEq};

use super::failover::Credentials;
use super::upstream::Region;
use crate::codec::{base64url_decode, base64url_encode};

/// Records are stored under this prefix plus the presented client id.
pub const KV_PREFIX: &str = "client:";

/// The KV key of a client id.
pub fn kv_key(client_id: &str) -> String {
    std::format!("{KV_PREFIX}{client_id}")
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

/// One region's real credentials, secret still encrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// Upstream client id.
    pub client_id: String,
    /// `v1.<nonce>.<ciphertext>`.
    pub secret: String,
}

/// A parsed record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Mode.
    pub mode: Mode,
    /// The id callers present.
    pub client_id: String,
    /// 1 or 2 secret digests (32 bytes each).
    pub secret_hashes: Vec<[u8; 32]>,
    /// Primary credentials.
    pub primary: Sealed,
    /// Secondary credentials.
    pub secondary: Sealed,
}

/// Why a stored record could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadRecord(pub &'static str);

fn length_prefixed(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// The keyed digest of a client secret, bound to the client id.
pub fn secret_digest(hash_key: &[u8], client_id: &str, secret: &str) -> [u8; 32] {
    let mut msg = Vec::with_capacity(40 + client_id.len() + secret.len());
    msg.extend_from_slice(b"oidc-edge/client-secret/v1\0");
    length_prefixed(&mut msg, client_id);
    msg.extend_from_slice(secret.as_bytes());
    hmac_sha256(hash_key, &msg)
}

/// HMAC-SHA-256.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(msg);
    mac.finalize().into_bytes().into()
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

/// Encrypts an upstream secret (tests, and the reference for the provisioning script).
pub fn seal(
    enc_key: &[u8; 32],
    nonce: &[u8; 12],
    record_id: &str,
    region: Region,
    upstream_id: &str,
    secret: &str,
) -> String {
    let cipher = Aes256Gcm::new(enc_key.into());
    let aad = seal_aad(record_id, region, upstream_id);
    let ct = cipher
        .encrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: secret.as_bytes(),
                aad: &aad,
            },
        )
        .unwrap_or_default();
    std::format!("v1.{}.{}", base64url_encode(nonce), base64url_encode(&ct))
}

/// Decrypts an upstream secret; `None` if the key, the binding or the data is wrong.
pub fn open(
    enc_key: &[u8; 32],
    record_id: &str,
    region: Region,
    sealed: &Sealed,
) -> Option<String> {
    let mut parts = sealed.secret.split('.');
    let (Some("v1"), Some(nonce), Some(ct), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let nonce = base64url_decode(nonce)?;
    let ct = base64url_decode(ct)?;
    if nonce.len() != 12 {
        return None;
    }
    let aad = seal_aad(record_id, region, &sealed.client_id);
    let cipher = Aes256Gcm::new(enc_key.into());
    let plain = cipher
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

fn sealed(v: &serde_json::Value) -> Result<Sealed, BadRecord> {
    let id = v
        .get("client_id")
        .and_then(|x| x.as_str())
        .filter(|s| !s.is_empty());
    let secret = v.get("secret").and_then(|x| x.as_str());
    match (id, secret) {
        (Some(id), Some(secret)) => Ok(Sealed {
            client_id: id.into(),
            secret: secret.into(),
        }),
        _ => Err(BadRecord("upstream credentials missing")),
    }
}

impl Record {
    /// Parses a stored record.
    pub fn parse(json: &str) -> Result<Record, BadRecord> {
        let v: serde_json::Value = serde_json::from_str(json).map_err(|_| BadRecord("not JSON"))?;
        if v.get("v").and_then(|x| x.as_u64()) != Some(1) {
            return Err(BadRecord("unknown record version"));
        }
        let mode = match v.get("mode").and_then(|x| x.as_str()) {
            Some("concealed") => Mode::Concealed,
            Some("passthrough") => Mode::Passthrough,
            _ => return Err(BadRecord("unknown mode")),
        };
        let client_id = v
            .get("client_id")
            .and_then(|x| x.as_str())
            .ok_or(BadRecord("client_id missing"))?;
        let hashes = v
            .get("secret_hashes")
            .and_then(|x| x.as_array())
            .ok_or(BadRecord("secret_hashes missing"))?;
        if hashes.is_empty() || hashes.len() > 2 {
            return Err(BadRecord("secret_hashes must hold one or two digests"));
        }
        let mut secret_hashes = Vec::with_capacity(2);
        for h in hashes {
            let d = h
                .as_str()
                .and_then(base64url_decode)
                .ok_or(BadRecord("bad digest"))?;
            secret_hashes
                .push(<[u8; 32]>::try_from(d.as_slice()).map_err(|_| BadRecord("bad digest"))?);
        }
        let primary = sealed(v.get("primary").ok_or(BadRecord("primary missing"))?)?;
        let secondary = sealed(v.get("secondary").ok_or(BadRecord("secondary missing"))?)?;
        if mode == Mode::Passthrough && primary.client_id != client_id {
            return Err(BadRecord(
                "pass-through record: client_id must equal primary.client_id",
            ));
        }
        Ok(Record {
            mode,
            client_id: client_id.into(),
            secret_hashes,
            primary,
            secondary,
        })
    }

    /// Constant-time check of a presented secret's digest against every stored digest.
    pub fn secret_matches(&self, digest: &[u8; 32]) -> bool {
        let hit = self
            .secret_hashes
            .iter()
            .fold(Choice::from(0), |acc, h| acc | h.ct_eq(digest));
        bool::from(hit)
    }

    /// Decrypts one region's credentials.
    pub fn credentials(&self, enc_key: &[u8; 32], region: Region) -> Option<Credentials> {
        let sealed = match region {
            Region::Primary => &self.primary,
            Region::Secondary => &self.secondary,
        };
        let client_secret = open(enc_key, &self.client_id, region, sealed)?;
        Some(Credentials {
            client_id: sealed.client_id.clone(),
            client_secret,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const ENC: [u8; 32] = [0x11; 32];
    pub(crate) const HASH: &[u8] = b"test hash key, at least 32 bytes long";

    /// A record as the provisioning script writes it.
    pub(crate) fn record_json(
        mode: Mode,
        id: &str,
        secrets: &[&str],
        p: (&str, &str),
        s: (&str, &str),
    ) -> String {
        let hashes: Vec<String> = secrets
            .iter()
            .map(|x| base64url_encode(&secret_digest(HASH, id, x)))
            .collect();
        serde_json::json!({
            "v": 1,
            "mode": mode.as_str(),
            "client_id": id,
            "secret_hashes": hashes,
            "primary": {"client_id": p.0, "secret": seal(&ENC, &[1; 12], id, Region::Primary, p.0, p.1)},
            "secondary": {"client_id": s.0, "secret": seal(&ENC, &[2; 12], id, Region::Secondary, s.0, s.1)},
            "created_at": "2026-11-26T00:00:00Z"
        })
        .to_string()
    }

    #[test]
    fn concealed_round_trip_and_rotation() {
        let json = record_json(
            Mode::Concealed,
            "oe_app",
            &["old", "new"],
            ("p-id", "p-sec"),
            ("s-id", "s-sec"),
        );
        let r = Record::parse(&json).unwrap();
        assert_eq!(r.mode, Mode::Concealed);
        assert!(r.secret_matches(&secret_digest(HASH, "oe_app", "old")));
        assert!(r.secret_matches(&secret_digest(HASH, "oe_app", "new")));
        assert!(!r.secret_matches(&secret_digest(HASH, "oe_app", "other")));
        assert!(!r.secret_matches(&secret_digest(
            b"another key..............................",
            "oe_app",
            "new"
        )));
        // The digest is bound to the client id.
        assert!(!r.secret_matches(&secret_digest(HASH, "oe_app2", "new")));
        let p = r.credentials(&ENC, Region::Primary).unwrap();
        assert_eq!(
            (p.client_id.as_str(), p.client_secret.as_str()),
            ("p-id", "p-sec")
        );
        let s = r.credentials(&ENC, Region::Secondary).unwrap();
        assert_eq!(
            (s.client_id.as_str(), s.client_secret.as_str()),
            ("s-id", "s-sec")
        );
        assert!(
            r.credentials(&[0x12; 32], Region::Primary).is_none(),
            "wrong key"
        );
    }

    #[test]
    fn ciphertexts_are_bound_to_their_slot() {
        let json = record_json(
            Mode::Concealed,
            "oe_app",
            &["x"],
            ("p-id", "p-sec"),
            ("s-id", "s-sec"),
        );
        let mut r = Record::parse(&json).unwrap();
        // Swapping the regions' ciphertexts breaks both.
        core::mem::swap(&mut r.primary.secret, &mut r.secondary.secret);
        assert!(r.credentials(&ENC, Region::Primary).is_none());
        assert!(r.credentials(&ENC, Region::Secondary).is_none());
        // Moving a ciphertext to another record id breaks it.
        let mut r = Record::parse(&json).unwrap();
        r.client_id = "oe_other".into();
        assert!(r.credentials(&ENC, Region::Primary).is_none());
        // Changing the upstream id breaks it.
        let mut r = Record::parse(&json).unwrap();
        r.primary.client_id = "p-id2".into();
        assert!(r.credentials(&ENC, Region::Primary).is_none());
        // Tampering.
        let mut r = Record::parse(&json).unwrap();
        r.secondary.secret.push('A');
        assert!(r.credentials(&ENC, Region::Secondary).is_none());
        for bad in [
            "v2.AAAAAAAAAAAAAAAA.AAAA",
            "v1.AAAA.AAAA",
            "v1..",
            "v1.a.b.c",
            "",
        ] {
            let mut r = Record::parse(&json).unwrap();
            r.primary.secret = bad.into();
            assert!(r.credentials(&ENC, Region::Primary).is_none(), "{bad}");
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
        );
        let r = Record::parse(&json).unwrap();
        assert_eq!(r.mode, Mode::Passthrough);
        assert!(r.secret_matches(&secret_digest(HASH, "p-id", "p-sec")));
        let bad = record_json(
            Mode::Passthrough,
            "x-id",
            &["p-sec"],
            ("p-id", "p-sec"),
            ("s-id", "s-sec"),
        );
        assert!(Record::parse(&bad).is_err());
    }

    #[test]
    fn malformed_records() {
        let good: serde_json::Value = serde_json::from_str(&record_json(
            Mode::Concealed,
            "a",
            &["x"],
            ("p", "1"),
            ("s", "2"),
        ))
        .unwrap();
        type Edit = (&'static str, fn(&mut serde_json::Value));
        let edits: Vec<Edit> = std::vec![
            ("version", |v| v["v"] = 2.into()),
            ("mode", |v| v["mode"] = "other".into()),
            ("no hashes", |v| v["secret_hashes"] = serde_json::json!([])),
            ("three hashes", |v| v["secret_hashes"] =
                serde_json::json!([
                    v["secret_hashes"][0],
                    v["secret_hashes"][0],
                    v["secret_hashes"][0]
                ])),
            ("short hash", |v| v["secret_hashes"] =
                serde_json::json!(["AAAA"])),
            ("no primary", |v| {
                v.as_object_mut().unwrap().remove("primary");
            }),
            ("no secondary id", |v| {
                v["secondary"].as_object_mut().unwrap().remove("client_id");
            }),
        ];
        for (name, edit) in edits {
            let mut v = good.clone();
            edit(&mut v);
            assert!(Record::parse(&v.to_string()).is_err(), "{name}");
        }
        assert!(Record::parse("not json").is_err());
        assert!(Record::parse(&good.to_string()).is_ok());
    }

    /// The record written by `scripts/lib/clients.mjs` (tests/worker/fixtures/record-v1.json,
    /// regenerated and compared byte for byte by tests/worker/records.test.mjs) is accepted here
    /// and the Rust side produces the very same digests and ciphertexts.
    #[test]
    fn agrees_with_the_provisioning_script() {
        let f: serde_json::Value = serde_json::from_str(include_str!(
            "../../../tests/worker/fixtures/record-v1.json"
        ))
        .unwrap();
        let hex = |s: &serde_json::Value| -> Vec<u8> {
            let s = s.as_str().unwrap();
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let inputs = &f["inputs"];
        let enc: [u8; 32] = hex(&inputs["keys"]["enc"]).try_into().unwrap();
        let hash = hex(&inputs["keys"]["hash"]);
        let s = |v: &serde_json::Value| v.as_str().unwrap().to_string();
        let (p_id, p_secret) = (
            s(&inputs["primary"]["clientId"]),
            s(&inputs["primary"]["clientSecret"]),
        );
        let (s_id, s_secret) = (
            s(&inputs["secondary"]["clientId"]),
            s(&inputs["secondary"]["clientSecret"]),
        );
        let nonces: [[u8; 12]; 2] = [
            hex(&inputs["nonces"]["primary"]).try_into().unwrap(),
            hex(&inputs["nonces"]["secondary"]).try_into().unwrap(),
        ];
        for (which, id, secret) in [
            (
                "concealed",
                s(&inputs["clientId"]),
                s(&inputs["clientSecret"]),
            ),
            ("passthrough", p_id.clone(), p_secret.clone()),
        ] {
            let json = f[which].to_string();
            let r = Record::parse(&json).unwrap();
            assert_eq!(r.client_id, id, "{which}");
            assert!(
                r.secret_matches(&secret_digest(&hash, &id, &secret)),
                "{which}"
            );
            assert!(
                !r.secret_matches(&secret_digest(&hash, &id, "other")),
                "{which}"
            );
            assert_eq!(
                f[which]["secret_hashes"][0],
                base64url_encode(&secret_digest(&hash, &id, &secret))
            );
            let p = r.credentials(&enc, Region::Primary).unwrap();
            assert_eq!(
                (p.client_id.as_str(), p.client_secret.as_str()),
                (p_id.as_str(), p_secret.as_str())
            );
            let c = r.credentials(&enc, Region::Secondary).unwrap();
            assert_eq!(
                (c.client_id.as_str(), c.client_secret.as_str()),
                (s_id.as_str(), s_secret.as_str())
            );
            assert_eq!(
                f[which]["primary"]["secret"],
                seal(&enc, &nonces[0], &id, Region::Primary, &p_id, &p_secret)
            );
            assert_eq!(
                f[which]["secondary"]["secret"],
                seal(&enc, &nonces[1], &id, Region::Secondary, &s_id, &s_secret)
            );
        }
    }

    #[test]
    fn digest_vector() {
        // Fixed vector, also asserted by tests/worker/records.test.mjs for the JS side.
        let d = secret_digest(b"0123456789abcdef0123456789abcdef", "oe_example", "s3cret");
        assert_eq!(base64url_encode(&d).len(), 43);
        assert_eq!(
            secret_digest(b"0123456789abcdef0123456789abcdef", "oe_example", "s3cret"),
            d
        );
    }
}
