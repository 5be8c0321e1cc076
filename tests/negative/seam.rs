//! The split API and the signature seam: verdicts bound to their token.

use super::*;
use oidc_edge::{BuiltinVerifier, SignatureVerdict};

struct Always(bool);
impl SignatureVerifier for Always {
    fn verify(&self, _: Algorithm, _: &PublicKey, _: &[u8], _: &[u8]) -> bool {
        self.0
    }
}

#[test]
fn split_api_and_verify_with() {
    let t = id_token(&claims());
    let v = verifier(options());
    let set = keys();
    let p = v.begin(&t, &set).unwrap();
    assert_eq!(p.algorithm(), Algorithm::RS256);
    assert_eq!(p.key().key_id(), Some("test-a"));
    assert_eq!(p.signing_input(), t.rsplit_once('.').unwrap().0.as_bytes());
    let (n, e) = p.key().rsa_components().unwrap();
    assert_eq!((n.len(), e), (256, &[1u8, 0, 1][..]));
    let no = SignatureVerdict::from_host_crypto(&p, false);
    assert!(!no.is_valid());
    assert_eq!(
        v.finish(p, no, NOW).unwrap_err().kind(),
        ErrorKind::BadSignature
    );
    let p = v.begin(&t, &set).unwrap();
    let yes = SignatureVerdict::from_host_crypto(&p, true);
    assert!(v.finish(p, yes, NOW).is_ok());
    // The crate's own check of the same token.
    let p = v.begin(&t, &set).unwrap();
    let checked = p.check_signature(&BuiltinVerifier);
    assert!(checked.is_valid());
    assert!(v.finish(p, checked, NOW).is_ok());
    // A valid verdict made for another token (even the same text, parsed again) is refused.
    let (p1, p2) = (v.begin(&t, &set).unwrap(), v.begin(&t, &set).unwrap());
    let for_p1 = SignatureVerdict::from_host_crypto(&p1, true);
    assert_eq!(
        v.finish(p2, for_p1, NOW).unwrap_err().kind(),
        ErrorKind::BadSignature
    );
    assert!(v.finish(p1, for_p1, NOW).is_ok());
    // A host that says "valid" for a signature of the wrong length is overruled.
    let (input, _) = t.rsplit_once('.').unwrap();
    let short = format!("{input}.{}", b64(&[1u8; 255]));
    let p = v.begin(&short, &set).unwrap();
    let lie = SignatureVerdict::from_host_crypto(&p, true);
    assert_eq!(
        v.finish(p, lie, NOW).unwrap_err().kind(),
        ErrorKind::BadSignature
    );
    assert_eq!(
        v.verify_with(&short, &set, NOW, &Always(true))
            .unwrap_err()
            .kind(),
        ErrorKind::BadSignature
    );
    // verify_with really uses the given verifier
    let forged = format!("{input}.{}", b64(&[1u8; 256]));
    assert!(v.verify_with(&forged, &set, NOW, &Always(true)).is_ok());
    assert_eq!(
        v.verify(&forged, &set, NOW).unwrap_err().kind(),
        ErrorKind::BadSignature
    );
    assert_eq!(
        v.verify_with(&t, &set, NOW, &Always(false))
            .unwrap_err()
            .kind(),
        ErrorKind::BadSignature
    );
}

#[test]
fn whitespace_in_signed_json_is_kept_exactly() {
    let h = "{\"alg\":\"RS256\",\r\n \"kid\":\"test-a\"}";
    let p = format!(
        "{{\r\n \"iss\":\"{ISS}\",\r\n \"aud\":\"{CLIENT}\",\"sub\":\"s\",\"exp\":{},\"iat\":{}}}",
        NOW + 10,
        NOW
    );
    ok(options(), &mint_raw(Algorithm::RS256, "test-a", h, &p), NOW);
}
