//! The public form of a fetched key set: what the key mirrors publish and the Cache API keeps.
//!
//! A JWK Set should hold public keys only, but a misconfigured issuer can publish private
//! members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`) or symmetric keys (`kty` `oct`, member `k`).
//! The worker never passes those on: each key keeps only the members of [`PUBLIC_MEMBERS`],
//! symmetric keys are dropped, and so is every member of the set but `keys`.

use serde_json::{Map, Value};

/// JWK members that are public for every key type (RFC 7517 4, RFC 7518 6.2.1 and 6.3.1,
/// RFC 8037 2): everything else is dropped.
pub const PUBLIC_MEMBERS: &[&str] = &[
    "kty", "use", "key_ops", "alg", "kid", "x5u", "x5c", "x5t", "x5t#S256", "n", "e", "crv", "x",
    "y",
];

/// The public form of a JWK Set document, and whether anything was removed (when nothing was,
/// the document is kept as received, byte for byte). `None` when the document is not a JSON
/// object with a `keys` array (the key cache reports that itself).
pub fn public_jwks(raw: &[u8]) -> Option<(String, bool)> {
    let doc: Value = serde_json::from_slice(raw).ok()?;
    let obj = doc.as_object()?;
    let keys = obj.get("keys")?.as_array()?;
    let mut removed = obj.len() != 1;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let Some(k) = key.as_object() else {
            removed = true;
            continue;
        };
        if k.get("kty").and_then(Value::as_str) == Some("oct") {
            removed = true;
            continue;
        }
        // Inserted one by one: collecting into the map would sort first, code the wasm need not
        // carry (the members come out of a map, already in order).
        let mut public = Map::new();
        for (name, v) in k {
            if PUBLIC_MEMBERS.contains(&name.as_str()) {
                public.insert(name.clone(), v.clone());
            }
        }
        removed |= public.len() != k.len();
        out.push(Value::Object(public));
    }
    if !removed {
        return Some((String::from_utf8(raw.to_vec()).ok()?, false));
    }
    let mut set = Map::new();
    set.insert("keys".into(), Value::Array(out));
    Some((Value::Object(set).to_string(), true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_members_and_symmetric_keys_never_leave() {
        let raw = br#"{"keys":[
            {"kty":"RSA","kid":"a","use":"sig","alg":"RS256","n":"AQAB","e":"AQAB",
             "d":"SECRET-D","p":"SECRET-P","q":"SECRET-Q","dp":"x","dq":"y","qi":"z","oth":[]},
            {"kty":"oct","kid":"h","k":"SECRET-K"},
            {"kty":"EC","kid":"e","crv":"P-256","x":"X","y":"Y","d":"SECRET-EC"},
            "not a key"
        ],"extra":"dropped"}"#;
        let (doc, removed) = public_jwks(raw).unwrap();
        assert!(removed);
        assert!(!doc.contains("SECRET"), "{doc}");
        let v: Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 1);
        let keys = v["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(
            keys[0],
            serde_json::json!({"kty":"RSA","kid":"a","use":"sig","alg":"RS256","n":"AQAB","e":"AQAB"})
        );
        assert_eq!(
            keys[1],
            serde_json::json!({"kty":"EC","kid":"e","crv":"P-256","x":"X","y":"Y"})
        );
    }

    #[test]
    fn a_public_set_is_kept_as_is() {
        let raw = br#"{"keys":[{"kty":"RSA","kid":"a","n":"AQAB","e":"AQAB","x5c":["MII"]}]}"#;
        let (doc, removed) = public_jwks(raw).unwrap();
        assert!(!removed);
        assert_eq!(doc.as_bytes(), raw);
        for bad in [&b"[]"[..], b"{}", b"{\"keys\":{}}", b"not json"] {
            assert!(public_jwks(bad).is_none());
        }
    }
}
