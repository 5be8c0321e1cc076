//! Result encoding: what an accepted token's verification returns to JS, as one string.

use oidc_edge::error::Error;
use wasm_bindgen::JsValue;

use crate::failure::WasmFailure;

/// The JS value of a verification: the accepted token's [`result_json`] (a string), else the
/// failure record.
pub(crate) fn accepted<T>(token: &str, r: Result<T, Error>) -> JsValue {
    match r {
        Ok(_) => JsValue::from_str(&result_json(token)),
        Err(e) => WasmFailure::from(e).into(),
    }
}

/// `{"payload":<payload>,"protectedHeader":<header>}` of a token the core has accepted: its
/// first two segments decoded (canonical base64url of duplicate-free JSON objects, checked by
/// the core), so the JS side reads exactly what was verified with one `JSON.parse`. Empty if
/// that is not possible (the JS side then decodes the segments itself).
pub(crate) fn result_json(token: &str) -> String {
    let mut parts = token.splitn(3, '.');
    let (Some(h), Some(p)) = (parts.next(), parts.next()) else {
        return String::new();
    };
    let mut out = Vec::with_capacity((h.len() + p.len()) / 4 * 3 + 40);
    out.extend_from_slice(b"{\"payload\":");
    if !decode_verified_b64url(p.as_bytes(), &mut out) {
        return String::new();
    }
    out.extend_from_slice(b",\"protectedHeader\":");
    if !decode_verified_b64url(h.as_bytes(), &mut out) {
        return String::new();
    }
    out.push(b'}');
    String::from_utf8(out).unwrap_or_default()
}

/// Value of each base64url character, 0xff for any other octet.
const B64URL: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Appends the octets of unpadded base64url `text` that the core has already decoded and
/// checked (canonical); a plain table decoder, several times faster in wasm than the core's
/// checking one. `false` (with `out` partly written) on anything that is not base64url.
fn decode_verified_b64url(text: &[u8], out: &mut Vec<u8>) -> bool {
    let v = |c: u8| u32::from(B64URL[usize::from(c)]);
    let mut chunks = text.chunks_exact(4);
    for c in &mut chunks {
        let (a, b, x, y) = (v(c[0]), v(c[1]), v(c[2]), v(c[3]));
        if (a | b | x | y) > 63 {
            return false;
        }
        let n = (a << 18) | (b << 12) | (x << 6) | y;
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    match *chunks.remainder() {
        [] => true,
        [a, b] => {
            let (a, b) = (v(a), v(b));
            if (a | b) > 63 {
                return false;
            }
            out.push(((a << 2) | (b >> 4)) as u8);
            true
        }
        [a, b, x] => {
            let (a, b, x) = (v(a), v(b), v(x));
            if (a | b | x) > 63 {
                return false;
            }
            let n = (a << 18) | (b << 12) | (x << 6);
            out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8]);
            true
        }
        _ => false,
    }
}
