#!/usr/bin/env bash
# The benchmark suite (see BENCHMARKS.md): builds the release package (scripts/build-pkg.sh,
# skipped when up to date) and the native driver (bench/native), then runs every row in its own
# process side by side (bench/js/suite.mjs) and writes bench/results/latest.md (+ latest.json).
# Takes about 4-5 minutes (BENCH_ROUNDS x BENCH_SECONDS x 20 rows, plus builds).
# A benchmark, not a test: nothing asserts on time.
#
# Usage: bash bench/run.sh
# env:   BENCH_ROUNDS (default 5), BENCH_SECONDS (CPU seconds per row and round, default 2),
#        BENCH_ROWS (comma-separated row ids, default all: native, wasm-sync, host-async, memo,
#        memo-async, jose, fast-jwt, fast-jwt-cache, aws, node-raw, openssl, and KIND@ES256 /
#        KIND@EdDSA for wasm-sync, host-async, jose, fast-jwt),
#        CARGO_TARGET_DIR (default: target/ of the repository)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

bash scripts/build-pkg.sh
echo "bench: cargo build --release (bench/native)"
CARGO_TARGET_DIR="$TARGET_DIR" cargo build --release --quiet --manifest-path bench/native/Cargo.toml
node bench/js/suite.mjs --native "$TARGET_DIR/release/oidc-edge-bench-native"
