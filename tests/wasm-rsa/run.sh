#!/usr/bin/env bash
# Builds the helper crate tests/wasm-rsa/crate for wasm32 (with the repo's .cargo/config.toml: SIMD on, as the
# package and the worker are built) and runs the BigInt differential test of the wasm RSA.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# The helper crate is its own workspace: name the target dir, or cargo would use its own.
CARGO_TARGET_DIR="$TARGET_DIR" cargo build --release --quiet --target wasm32-unknown-unknown \
  --manifest-path tests/wasm-rsa/crate/Cargo.toml
WASM="$TARGET_DIR/wasm32-unknown-unknown/release/oidc_edge_rsa_wasm_bench.wasm"
# the module must really contain the SIMD kernel (else this test would not test it)
node -e '
const b = require("fs").readFileSync(process.argv[1]);
const ok = WebAssembly.validate(b) && b.includes(Buffer.from([0xfd, 0xde, 0x01])) /* i64x2.extmul_low_i32x4_u */;
if (!ok) { console.error("wasm-rsa: the module has no i64x2.extmul (SIMD kernel missing)"); process.exit(1); }
' "$WASM"
node tests/wasm-rsa/diff.mjs "$WASM" "${1:-}"
