#!/usr/bin/env bash
# What one runtime of the npm package loads, by algorithm families and by part. For each build
# (RSA only; RSA + ES256 + EdDSA; all four families, as shipped) it builds the wasm crate
# (profile pkg, wasm32), runs wasm-bindgen and wasm-opt exactly as scripts/build-pkg.sh does, and
# prints the .wasm raw / gzip -9 / brotli 11 plus the Node ESM load (+ pkg/dist/node.mjs, which
# is the same for every build); then a size profile of each, twiggy's per-function sizes of the
# same build with the name section kept (wasm-opt -g), grouped into parts by
# bench/js/size-parts.mjs. A benchmark, not a test.
#
# Usage: scripts/build-pkg.sh && bash bench/size-parts.sh
# Needs: twiggy 0.8 (`cargo install twiggy`), the tools of scripts/build-pkg.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/env.sh
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

[[ -f pkg/dist/node.mjs ]] || { echo "size-parts: run scripts/build-pkg.sh first" >&2; exit 1; }
command -v twiggy > /dev/null || { echo "size-parts: twiggy missing (cargo install twiggy)" >&2; exit 1; }

for build in "rsa:" "rsa+es256+eddsa:es256,eddsa" "all four (shipped):es256,es384,eddsa"; do
  name="${build%%:*}"
  features="${build#*:}"
  echo "size-parts: cargo build ($name)" >&2
  CARGO_TARGET_DIR="$TARGET_DIR" cargo build --quiet --profile pkg --target wasm32-unknown-unknown \
    -p oidc-edge-wasm --no-default-features ${features:+--features "$features"}
  dir="$TMP/$name"
  mkdir -p "$dir"
  wasm-bindgen --target web --out-dir "$dir" "$TARGET_DIR/wasm32-unknown-unknown/pkg/oidc_edge_wasm.wasm"
  wasm-opt "${WASM_OPT_FLAGS[@]}" --strip-producers --strip-target-features "$dir/oidc_edge_wasm_bg.wasm" -o "$dir/shipped.wasm"
  wasm-opt "${WASM_OPT_FLAGS[@]}" -g --strip-producers --strip-target-features "$dir/oidc_edge_wasm_bg.wasm" -o "$dir/named.wasm"
  twiggy top -n 1000000 -f json "$dir/named.wasm" > "$dir/top.json"
done
node bench/js/size-parts.mjs "$TMP" pkg/dist/node.mjs
