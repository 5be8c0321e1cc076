//! Worker secrets that protect client records, with rotation: a current key and, during a
//! rotation, the previous one. Every stored value names the key that made it by a short key
//! id, so the worker picks the right key and the operator can count what is still left under
//! the old one (`scripts/client-keys.mjs status`).
//!
//! Key id = the first 6 octets of SHA-256(`"oidc-edge/key-id/v1" 0x00 key`), base64url (8
//! characters): it names a key without revealing anything about it.

use std::string::String;
use std::vec::Vec;

use oidc_edge::hash::Sha256;

use crate::codec::base64url_encode;

/// The id of a key (see the module docs).
pub fn key_id(key: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"oidc-edge/key-id/v1\0");
    h.update(key);
    base64url_encode(&h.finalize()[..6])
}

/// One key and its id.
#[derive(Clone)]
pub struct Key {
    /// The key id.
    pub id: String,
    /// The key octets.
    pub bytes: Vec<u8>,
}

impl Key {
    /// A key and its computed id.
    pub fn new(bytes: Vec<u8>) -> Key {
        Key {
            id: key_id(&bytes),
            bytes,
        }
    }
}

impl core::fmt::Debug for Key {
    // Only the id: never a key's octets, even in test failures.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Key({})", self.id)
    }
}

/// The current key and, during a rotation, the previous one.
#[derive(Clone, Debug)]
pub struct Keyring {
    current: Key,
    previous: Option<Key>,
}

impl Keyring {
    /// A keyring. A previous key equal to the current one is dropped.
    pub fn new(current: Vec<u8>, previous: Option<Vec<u8>>) -> Keyring {
        let current = Key::new(current);
        let previous = previous.map(Key::new).filter(|p| p.bytes != current.bytes);
        Keyring { current, previous }
    }

    /// The key new values are made with.
    pub fn current(&self) -> &Key {
        &self.current
    }

    /// The key being retired, if a rotation is in progress.
    pub fn previous(&self) -> Option<&Key> {
        self.previous.as_ref()
    }

    /// The key with this id, if it is one of ours.
    pub fn get(&self, id: &str) -> Option<&Key> {
        core::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .find(|k| k.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_keys() {
        let a = Keyring::new(vec![1; 32], Some(vec![2; 32]));
        assert_eq!(a.current().id.len(), 8);
        assert_ne!(a.current().id, a.previous().unwrap().id);
        assert_eq!(a.get(&key_id(&[2; 32])).unwrap().bytes, vec![2; 32]);
        assert!(a.get("AAAAAAAA").is_none());
        // scripts/lib/records.mjs computes the same ids: records::tests reads its fixture.
        assert!(Keyring::new(vec![1; 32], Some(vec![1; 32]))
            .previous()
            .is_none());
        assert_eq!(
            std::format!("{:?}", a.current()),
            std::format!("Key({})", a.current().id)
        );
    }
}
