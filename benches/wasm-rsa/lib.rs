//! wasm32 benchmark exports for the core's RSA (driven by `run.mjs`). Byte buffers are passed
//! through linear memory: JS asks for a buffer with `buf`, writes into it, then calls `setup`.

use std::cell::RefCell;

use oidc_edge::rsa::{Hash, RsaPublicKey};

struct State {
    key: RsaPublicKey,
    msg: Vec<u8>,
    sig: Vec<u8>,
}

thread_local! {
    static BUFS: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// Allocates buffer number `i` (0..4) of `len` octets and returns its address.
#[no_mangle]
pub extern "C" fn buf(i: usize, len: usize) -> *mut u8 {
    BUFS.with(|b| {
        let mut b = b.borrow_mut();
        while b.len() <= i {
            b.push(Vec::new());
        }
        b[i] = vec![0u8; len];
        b[i].as_mut_ptr()
    })
}

/// Buffers 0..4 hold n, e, message, signature. Returns 1 if the key parses and the signature
/// verifies.
#[no_mangle]
pub extern "C" fn setup() -> i32 {
    let (n, e, msg, sig) = BUFS.with(|b| {
        let b = b.borrow();
        (b[0].clone(), b[1].clone(), b[2].clone(), b[3].clone())
    });
    let Ok(key) = RsaPublicKey::from_components(&n, &e) else {
        return -1;
    };
    let ok = key.verify_pkcs1v15(Hash::Sha256, &msg, &sig);
    STATE.with(|s| *s.borrow_mut() = Some(State { key, msg, sig }));
    i32::from(ok)
}

/// Runs `iters` full RS256 verifications (hash + exponentiation + compare); returns how many
/// verified.
#[no_mangle]
pub extern "C" fn verify_loop(iters: u32) -> u32 {
    STATE.with(|s| {
        let s = s.borrow();
        let Some(st) = s.as_ref() else { return 0 };
        (0..iters)
            .filter(|_| st.key.verify_pkcs1v15(Hash::Sha256, &st.msg, &st.sig))
            .count() as u32
    })
}

/// Runs `iters` raw public-key operations (sig^e mod n only).
#[no_mangle]
pub extern "C" fn raw_loop(iters: u32) -> u32 {
    STATE.with(|s| {
        let s = s.borrow();
        let Some(st) = s.as_ref() else { return 0 };
        (0..iters)
            .filter(|_| st.key.raw_public_op(&st.sig).is_some())
            .count() as u32
    })
}

/// Runs `iters` raw public-key operations with an explicit limb width: 0 = 32-bit limbs
/// (what `RsaPublicKey` uses on wasm32), otherwise 64-bit limbs (emulated 128-bit products).
#[no_mangle]
pub extern "C" fn alt_loop(which: u32, iters: u32) -> u32 {
    STATE.with(|s| {
        let s = s.borrow();
        let Some(st) = s.as_ref() else { return 0 };
        let alt = if which == 0 {
            st.key.limb32()
        } else {
            st.key.limb64()
        };
        let Some(alt) = alt else { return 0 };
        (0..iters)
            .filter(|_| alt.raw_public_op(&st.sig).is_some())
            .count() as u32
    })
}

/// Parses the key `iters` times (Montgomery precomputation cost).
#[no_mangle]
pub extern "C" fn parse_loop(iters: u32) -> u32 {
    let (n, e) = BUFS.with(|b| {
        let b = b.borrow();
        (b[0].clone(), b[1].clone())
    });
    (0..iters)
        .filter(|_| RsaPublicKey::from_components(&n, &e).is_ok())
        .count() as u32
}
