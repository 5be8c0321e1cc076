//! wasm32 benchmark exports for the core's RSA (driven by `run.mjs`). Byte buffers are passed
//! through linear memory: JS asks for a buffer with `buf`, writes into it, then calls `setup`.

use std::cell::RefCell;

use oidc_edge::rsa::internals::AltKey;
use oidc_edge::rsa::{Hash, RsaPublicKey};

struct State {
    key: RsaPublicKey,
    msg: Vec<u8>,
    sig: Vec<u8>,
    /// The same key per back end: 32-bit limbs, 64-bit limbs, 28-bit columns (if it fits).
    alts: Vec<Option<AltKey>>,
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
    let alts = vec![key.limb32(), key.limb64(), key.limb28()];
    STATE.with(|s| {
        *s.borrow_mut() = Some(State {
            key,
            msg,
            sig,
            alts,
        })
    });
    i32::from(ok)
}

/// `f` of the state `setup` made (0 before `setup`).
fn with_state(f: impl FnOnce(&State) -> u32) -> u32 {
    STATE.with(|s| s.borrow().as_ref().map_or(0, f))
}

/// How many of `iters` runs of `op` succeed.
fn times(iters: u32, op: impl Fn() -> bool) -> u32 {
    (0..iters).filter(|_| op()).count() as u32
}

/// Runs `iters` full RS256 verifications (hash + exponentiation + compare); returns how many
/// verified.
#[no_mangle]
pub extern "C" fn verify_loop(iters: u32) -> u32 {
    with_state(|st| {
        times(iters, || {
            st.key.verify_pkcs1v15(Hash::Sha256, &st.msg, &st.sig)
        })
    })
}

/// Runs `iters` raw public-key operations (sig^e mod n only).
#[no_mangle]
pub extern "C" fn raw_loop(iters: u32) -> u32 {
    with_state(|st| times(iters, || st.key.raw_public_op(&st.sig).is_some()))
}

/// Builds the back end once, then runs `iters` raw public-key operations with it: 0 = 32-bit
/// limbs, 1 = 64-bit limbs (emulated 128-bit products), otherwise 28-bit SIMD columns (what
/// `RsaPublicKey` uses on wasm32 with SIMD); returns 0 if that back end does not take the key.
#[no_mangle]
pub extern "C" fn alt_loop(which: u32, iters: u32) -> u32 {
    with_state(|st| {
        let alt = match which {
            0 => st.key.limb32(),
            1 => st.key.limb64(),
            _ => st.key.limb28(),
        };
        alt.map_or(0, |alt| {
            times(iters, || alt.raw_public_op(&st.sig).is_some())
        })
    })
}

/// Runs `iters` raw public-key operations with a back end built once in `setup` (0 = 32-bit
/// limbs, 1 = 64-bit limbs, 2 = 28-bit columns); returns 0 if that back end does not take the key.
#[no_mangle]
pub extern "C" fn kept_loop(which: u32, iters: u32) -> u32 {
    with_state(|st| match st.alts.get(which as usize) {
        Some(Some(alt)) => times(iters, || alt.raw_public_op(&st.sig).is_some()),
        _ => 0,
    })
}

/// Parses the key `iters` times (Montgomery precomputation cost).
#[no_mangle]
pub extern "C" fn parse_loop(iters: u32) -> u32 {
    let (n, e) = BUFS.with(|b| {
        let b = b.borrow();
        (b[0].clone(), b[1].clone())
    });
    times(iters, || RsaPublicKey::from_components(&n, &e).is_ok())
}

/// RSAVP1 for the differential test (`tests/wasm-rsa`): buffer 0 = modulus, 1 = exponent,
/// 3 = base (as many octets as the modulus), both big-endian; the result goes to buffer 4.
/// Returns 1 on success, 0 if the base is refused (not below the modulus), -1 if the key is.
#[no_mangle]
pub extern "C" fn modpow() -> i32 {
    BUFS.with(|b| {
        let mut b = b.borrow_mut();
        while b.len() < 5 {
            b.push(Vec::new());
        }
        let Ok(key) = RsaPublicKey::from_components(&b[0], &b[1]) else {
            return -1;
        };
        match key.raw_public_op(&b[3]) {
            Some(out) => {
                b[4] = out;
                1
            }
            None => 0,
        }
    })
}

/// Address of buffer `i` (after `modpow`, buffer 4 holds the result).
#[no_mangle]
pub extern "C" fn buf_ptr(i: usize) -> *const u8 {
    BUFS.with(|b| b.borrow().get(i).map_or(std::ptr::null(), |v| v.as_ptr()))
}

/// The column kernel's worst-case overflow check for a `k`-limb modulus (1 = the sums agree).
#[no_mangle]
pub extern "C" fn worst_case_columns(k: usize) -> i32 {
    i32::from(oidc_edge::rsa::internals::worst_case_columns_agree(k))
}
