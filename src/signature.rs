//! The signature seam: how a verifier checks a signature over a JWS signing input, and the
//! [`SignatureVerdict`] that carries the outcome to [`crate::Verifier::finish`].
//!
//! [`BuiltinVerifier`] uses this crate's own verification ([`PublicKey::verify`]: the
//! verify-only RSA of [`crate::rsa`], ECDSA on P-256 and P-384, Ed25519). Another
//! implementation (host crypto in JavaScript, a hardware module, a test double) implements
//! [`SignatureVerifier`]. [`MemoVerifier`] wraps any of them with a bounded memo of
//! successful verifications, for callers that see the same token many times.
//!
//! A verdict is never a bare `bool`: it is made by [`crate::Pending::check_signature`] (with
//! any [`SignatureVerifier`]), by [`MemoVerifier::recall`], or, for a signature checked outside
//! Rust, by the one explicitly named constructor [`SignatureVerdict::from_host_crypto`]. Each
//! verdict is bound to the pending token it was made for; [`crate::Verifier::finish`] refuses a
//! verdict made for another token.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::fmt;

use crate::hash::Sha256;

use crate::alg::Algorithm;
use crate::key::PublicKey;
use crate::verify::Pending;

/// Checks one signature. Implementations must return `false` for anything but a valid
/// signature of `signing_input` under `key` with `alg`, and must not panic on any input. The
/// verifier only ever passes a key of the kind `alg` needs ([`Algorithm::key_kind`]) and a
/// signature of the key's exact length ([`PublicKey::signature_len`]).
pub trait SignatureVerifier {
    /// Whether `signature` is a valid `alg` signature of `signing_input` (the exact received
    /// `header.payload` octets) under `key`.
    fn verify(
        &self,
        alg: Algorithm,
        key: &PublicKey,
        signing_input: &[u8],
        signature: &[u8],
    ) -> bool;
}

impl<V: SignatureVerifier + ?Sized> SignatureVerifier for &V {
    fn verify(
        &self,
        alg: Algorithm,
        key: &PublicKey,
        signing_input: &[u8],
        signature: &[u8],
    ) -> bool {
        (**self).verify(alg, key, signing_input, signature)
    }
}

/// The outcome of the signature check of one [`Pending`] token, bound to that token.
///
/// Only this crate makes verdicts, except [`SignatureVerdict::from_host_crypto`], which a
/// caller uses when it verified the signature itself (WebCrypto, node:crypto). A verdict
/// presented with another token than the one it was made for counts as a bad signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub struct SignatureVerdict {
    valid: bool,
    binding: Binding,
}

/// Which token a verdict is for: where its signing input and signature live. A moved
/// [`Pending`] keeps both (they are borrowed or heap data), so the binding survives moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Binding {
    signing_input: (usize, usize),
    signature: (usize, usize),
}

impl Binding {
    fn of(pending: &Pending<'_>) -> Binding {
        let at = |s: &[u8]| (s.as_ptr() as usize, s.len());
        Binding {
            signing_input: at(pending.signing_input()),
            signature: at(pending.signature()),
        }
    }
}

impl SignatureVerdict {
    /// A verdict computed by this crate for `pending` (its signature checkers, the memo).
    pub(crate) fn checked(pending: &Pending<'_>, valid: bool) -> SignatureVerdict {
        SignatureVerdict {
            valid,
            binding: Binding::of(pending),
        }
    }

    /// The verdict of host crypto: the caller asserts that it verified
    /// [`Pending::signature`] over [`Pending::signing_input`] with [`Pending::algorithm`] and
    /// the selected key ([`Pending::public_jwk`]), and that `valid` is that check's answer.
    ///
    /// This is the one door for signatures checked outside this crate (the npm package's
    /// WebCrypto and node:crypto paths use it). Anything else should call
    /// [`Pending::check_signature`] with a [`SignatureVerifier`].
    pub fn from_host_crypto(pending: &Pending<'_>, valid: bool) -> SignatureVerdict {
        SignatureVerdict::checked(pending, valid)
    }

    /// Whether the signature was found valid.
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// Whether this is a valid verdict for `pending` (and not for another token).
    pub(crate) fn accepts(&self, pending: &Pending<'_>) -> bool {
        self.valid && self.binding == Binding::of(pending)
    }
}

/// The crate's own verification ([`PublicKey::verify`]): RSASSA-PKCS1-v1_5 for
/// RS256/RS384/RS512, RSASSA-PSS (salt length = hash length, MGF1 with the same hash) for
/// PS256/PS384/PS512, ECDSA (`r || s`) for ES256/ES384, Ed25519 for EdDSA/Ed25519.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BuiltinVerifier;

impl SignatureVerifier for BuiltinVerifier {
    fn verify(
        &self,
        alg: Algorithm,
        key: &PublicKey,
        signing_input: &[u8],
        signature: &[u8],
    ) -> bool {
        key.verify(alg, signing_input, signature)
    }
}

/// Default number of remembered verifications of a [`MemoVerifier`].
pub const DEFAULT_MEMO_ENTRIES: usize = 256;
/// Default cap on the signing-input and signature octets a [`MemoVerifier`] stores.
pub const DEFAULT_MEMO_BYTES: usize = 1 << 20;

/// A bounded memo of successful verifications in front of another [`SignatureVerifier`].
///
/// An entry is keyed by SHA-256 over the signing input and the signature (with the length of
/// the signing input in front, so the split point is part of the hash), together with the
/// algorithm and the key's [`PublicKey::fingerprint`]. A hit additionally compares the
/// stored signing input and signature octets, so a hash collision can never turn into a
/// false accept. Only successes are remembered: a failed verification is recomputed each time
/// (and an attacker cannot fill the memo with garbage). When full (entry count or stored
/// octets), the least recently used entries are dropped. Call [`MemoVerifier::clear`] when the
/// key set changes (a key's fingerprint already separates keys; clearing also frees memory).
///
/// Interior mutability is a [`RefCell`]: a `MemoVerifier` is for one thread (a wasm instance,
/// a Worker isolate); it is `Send` but not `Sync`.
pub struct MemoVerifier<V> {
    inner: V,
    max_entries: usize,
    max_bytes: usize,
    state: RefCell<MemoState>,
}

struct MemoState {
    /// Oldest (least recently used) first.
    entries: VecDeque<MemoEntry>,
    bytes: usize,
}

struct MemoEntry {
    digest: [u8; 32],
    fingerprint: [u8; 32],
    alg: Algorithm,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
}

impl MemoEntry {
    fn bytes(&self) -> usize {
        self.signing_input.len() + self.signature.len()
    }
}

impl<V> MemoVerifier<V> {
    /// A memo of [`DEFAULT_MEMO_ENTRIES`] entries and at most [`DEFAULT_MEMO_BYTES`] stored
    /// octets in front of `inner`.
    pub fn new(inner: V) -> MemoVerifier<V> {
        MemoVerifier::with_limits(inner, DEFAULT_MEMO_ENTRIES, DEFAULT_MEMO_BYTES)
    }

    /// A memo of at most `max_entries` entries holding at most `max_bytes` octets of signing
    /// inputs and signatures (a larger token is verified but not remembered). Zero for either
    /// limit disables memoization.
    pub fn with_limits(inner: V, max_entries: usize, max_bytes: usize) -> MemoVerifier<V> {
        MemoVerifier {
            inner,
            max_entries,
            max_bytes,
            state: RefCell::new(MemoState {
                entries: VecDeque::new(),
                bytes: 0,
            }),
        }
    }

    /// Forgets every remembered verification.
    pub fn clear(&self) {
        let mut st = self.state.borrow_mut();
        st.entries.clear();
        st.entries.shrink_to_fit();
        st.bytes = 0;
    }

    /// Number of remembered verifications.
    pub fn len(&self) -> usize {
        self.state.borrow().entries.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Octets of signing inputs and signatures currently stored.
    pub fn stored_bytes(&self) -> usize {
        self.state.borrow().bytes
    }

    /// The wrapped verifier.
    pub fn inner(&self) -> &V {
        &self.inner
    }

    /// A valid verdict for `pending` if this memo remembers its signature as verified (and
    /// marks the entry as recently used); `None` otherwise. Never calls the inner verifier.
    pub fn recall(&self, pending: &Pending<'_>) -> Option<SignatureVerdict> {
        let hit = self.lookup(
            pending.algorithm(),
            pending.public_key(),
            pending.signing_input(),
            pending.signature(),
        );
        hit.then(|| SignatureVerdict::checked(pending, true))
    }

    /// Remembers `pending`'s signature as verified when `verdict` is a valid verdict for it
    /// (e.g. one from [`SignatureVerdict::from_host_crypto`]); anything else is ignored.
    pub fn remember(&self, pending: &Pending<'_>, verdict: &SignatureVerdict) {
        if verdict.accepts(pending) && pending.signature_length_ok() {
            self.insert(
                pending.algorithm(),
                pending.public_key(),
                pending.signing_input(),
                pending.signature(),
            );
        }
    }

    /// Whether the memo holds this verification; a hit becomes the most recently used entry.
    fn lookup(
        &self,
        alg: Algorithm,
        key: &PublicKey,
        signing_input: &[u8],
        signature: &[u8],
    ) -> bool {
        let digest = memo_digest(signing_input, signature);
        let fingerprint = key.fingerprint();
        let mut st = self.state.borrow_mut();
        let hit = st.entries.iter().position(|m| {
            m.digest == digest
                && &m.fingerprint == fingerprint
                && m.alg == alg
                && bytes_eq(&m.signing_input, signing_input)
                && bytes_eq(&m.signature, signature)
        });
        let Some(i) = hit else {
            return false;
        };
        // most recently used goes to the back
        if i + 1 != st.entries.len() {
            if let Some(e) = st.entries.remove(i) {
                st.entries.push_back(e);
            }
        }
        true
    }

    /// Stores a verified signature, evicting the least recently used entries to stay within
    /// the limits (a verification larger than the byte limit is not stored).
    fn insert(&self, alg: Algorithm, key: &PublicKey, signing_input: &[u8], signature: &[u8]) {
        let size = signing_input.len() + signature.len();
        if self.max_entries == 0 || size > self.max_bytes {
            return;
        }
        let entry = MemoEntry {
            digest: memo_digest(signing_input, signature),
            fingerprint: *key.fingerprint(),
            alg,
            signing_input: signing_input.to_vec(),
            signature: signature.to_vec(),
        };
        let mut st = self.state.borrow_mut();
        while st.entries.len() >= self.max_entries || st.bytes + size > self.max_bytes {
            match st.entries.pop_front() {
                Some(old) => st.bytes -= old.bytes(),
                None => break,
            }
        }
        st.bytes += size;
        st.entries.push_back(entry);
    }
}

impl<V: SignatureVerifier> SignatureVerifier for MemoVerifier<V> {
    fn verify(
        &self,
        alg: Algorithm,
        key: &PublicKey,
        signing_input: &[u8],
        signature: &[u8],
    ) -> bool {
        if self.lookup(alg, key, signing_input, signature) {
            return true;
        }
        // No borrow is held here: the inner verifier may be slow or even re-enter.
        if !self.inner.verify(alg, key, signing_input, signature) {
            return false;
        }
        self.insert(alg, key, signing_input, signature);
        true
    }
}

impl<V: fmt::Debug> fmt::Debug for MemoVerifier<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoVerifier")
            .field("inner", &self.inner)
            .field("entries", &self.len())
            .field("max_entries", &self.max_entries)
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

/// Equality of two octet strings, eight octets at a time (on wasm32 a slice `==` becomes a
/// byte-by-byte `memcmp` loop, and a memo hit compares about a kilobyte). Not constant time:
/// nothing compared here is secret.
fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (wa, wb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tails_equal = wa.remainder() == wb.remainder();
    tails_equal
        && wa.zip(wb).all(
            |(x, y)| match (<[u8; 8]>::try_from(x), <[u8; 8]>::try_from(y)) {
                (Ok(x), Ok(y)) => u64::from_ne_bytes(x) == u64::from_ne_bytes(y),
                _ => false, // never: the chunks are eight octets
            },
        )
}

/// SHA-256(len(signing_input) as 8 big-endian octets || signing_input || signature).
fn memo_digest(signing_input: &[u8], signature: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(&(signing_input.len() as u64).to_be_bytes())
        .update(signing_input)
        .update(signature);
    h.finalize()
}

#[cfg(all(test, feature = "rsa"))]
mod tests {
    use super::*;
    use alloc::vec;
    use core::cell::Cell;

    /// Accepts exactly the signatures that start with `0x01`; counts its calls.
    #[derive(Default)]
    struct Counting {
        calls: Cell<usize>,
    }

    impl SignatureVerifier for Counting {
        fn verify(&self, _: Algorithm, _: &PublicKey, _: &[u8], sig: &[u8]) -> bool {
            self.calls.set(self.calls.get() + 1);
            sig.first() == Some(&1)
        }
    }

    #[test]
    fn bytes_eq_sees_every_difference() {
        for len in 0..40usize {
            let a: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            assert!(bytes_eq(&a, &a.clone()));
            for pos in 0..len {
                let mut b = a.clone();
                b[pos] ^= 0x80;
                assert!(!bytes_eq(&a, &b), "len {len}, pos {pos}");
            }
            assert!(!bytes_eq(&a, &a[..len.saturating_sub(1)]) || len == 0);
        }
    }

    fn key(last: u8) -> PublicKey {
        let mut n = vec![0xc5u8; 256];
        n[255] = last;
        PublicKey::Rsa(crate::rsa::RsaPublicKey::from_components(&n, &[1, 0, 1]).unwrap())
    }

    #[test]
    fn hit_skips_the_inner_verifier() {
        let m = MemoVerifier::new(Counting::default());
        let k = key(0x3b);
        assert!(m.verify(Algorithm::RS256, &k, b"h.p", &[1, 2, 3]));
        assert!(m.verify(Algorithm::RS256, &k, b"h.p", &[1, 2, 3]));
        assert!(m.verify(Algorithm::RS256, &k, b"h.p", &[1, 2, 3]));
        assert_eq!(m.inner().calls.get(), 1);
        assert_eq!(m.len(), 1);
        assert_eq!(m.stored_bytes(), 6);
    }

    #[test]
    fn any_change_misses() {
        let m = MemoVerifier::new(Counting::default());
        let k = key(0x3b);
        let other = key(0x3d);
        assert!(m.verify(Algorithm::RS256, &k, b"h.p", &[1, 2, 3]));
        assert_eq!(m.inner().calls.get(), 1);
        // another signing input, signature, algorithm or key: each goes to the inner verifier
        assert!(m.verify(Algorithm::RS256, &k, b"h.q", &[1, 2, 3]));
        assert!(m.verify(Algorithm::RS256, &k, b"h.p", &[1, 2, 4]));
        assert!(m.verify(Algorithm::RS256, &k, b"h.p", &[1, 2, 3, 0]));
        assert!(m.verify(Algorithm::PS256, &k, b"h.p", &[1, 2, 3]));
        assert!(m.verify(Algorithm::RS256, &other, b"h.p", &[1, 2, 3]));
        assert_eq!(m.inner().calls.get(), 6);
        // a moved split point between input and signature is a different entry
        assert!(m.verify(Algorithm::RS256, &k, b"h.", &[1, 1, 2]));
        assert!(m.verify(Algorithm::RS256, &k, b"h.\x01", &[1, 2]));
        assert_eq!(m.inner().calls.get(), 8);
    }

    #[test]
    fn failures_are_not_memoized() {
        let m = MemoVerifier::new(Counting::default());
        let k = key(0x3b);
        assert!(!m.verify(Algorithm::RS256, &k, b"h.p", &[0, 2, 3]));
        assert!(!m.verify(Algorithm::RS256, &k, b"h.p", &[0, 2, 3]));
        assert_eq!(m.inner().calls.get(), 2);
        assert!(m.is_empty());
    }

    #[test]
    fn bounded_by_entries_lru() {
        let m = MemoVerifier::with_limits(Counting::default(), 3, 1 << 20);
        let k = key(0x3b);
        for i in 0..3u8 {
            assert!(m.verify(Algorithm::RS256, &k, &[i], &[1]));
        }
        // touch entry 0, so entry 1 is now the least recently used
        assert!(m.verify(Algorithm::RS256, &k, &[0], &[1]));
        assert_eq!(m.inner().calls.get(), 3);
        assert!(m.verify(Algorithm::RS256, &k, &[3], &[1]));
        assert_eq!(m.len(), 3);
        assert!(m.verify(Algorithm::RS256, &k, &[0], &[1]));
        assert_eq!(m.inner().calls.get(), 4, "0 kept");
        assert!(m.verify(Algorithm::RS256, &k, &[1], &[1]));
        assert_eq!(m.inner().calls.get(), 5, "1 evicted");
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn bounded_by_bytes_and_clear() {
        let m = MemoVerifier::with_limits(Counting::default(), 100, 10);
        let k = key(0x3b);
        assert!(m.verify(Algorithm::RS256, &k, &[0; 4], &[1]));
        assert!(m.verify(Algorithm::RS256, &k, &[1; 4], &[1]));
        assert_eq!(m.stored_bytes(), 10);
        assert!(m.verify(Algorithm::RS256, &k, &[2; 4], &[1]));
        assert_eq!(m.len(), 2);
        assert!(m.stored_bytes() <= 10);
        // too large to store at all: verified, not remembered
        assert!(m.verify(Algorithm::RS256, &k, &[3; 20], &[1]));
        assert!(m.verify(Algorithm::RS256, &k, &[3; 20], &[1]));
        assert_eq!(m.inner().calls.get(), 5);
        assert_eq!(m.len(), 2);
        m.clear();
        assert!(m.is_empty());
        assert_eq!(m.stored_bytes(), 0);
        assert!(m.verify(Algorithm::RS256, &k, &[2; 4], &[1]));
        assert_eq!(m.inner().calls.get(), 6);
        let off = MemoVerifier::with_limits(Counting::default(), 0, 10);
        assert!(off.verify(Algorithm::RS256, &k, &[2; 4], &[1]));
        assert!(off.verify(Algorithm::RS256, &k, &[2; 4], &[1]));
        assert_eq!(off.inner().calls.get(), 2);
    }
}
