# Sourced by the other scripts: tool locations for offline worker/wasm builds.
# worker-build would otherwise try to download wasm-bindgen and wasm-opt, which fails offline.
OIDC_EDGE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$OIDC_EDGE_ROOT/node_modules/.bin:$PATH"
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$HOME/.cargo/bin/wasm-bindgen}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$OIDC_EDGE_ROOT/node_modules/.bin/wasm-opt}"
export ESBUILD_BIN="${ESBUILD_BIN:-$OIDC_EDGE_ROOT/node_modules/.bin/esbuild}"
export WRANGLER_SEND_METRICS=false
export CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
# wasm-opt's optimisation flags for every module we ship or measure (scripts/build-pkg.sh,
# scripts/build-worker.sh, bench/size-parts.sh): size first (-Oz), and a function with a single
# caller is inlined into it only when small. V8 and workerd compile wasm lazily, a function on
# its first call: binaryen's default (inline every single-caller function) merged each curve's
# verification into the one signature-check function, so an RS256 token's first verify compiled
# P-256, P-384 and Ed25519 code too. 500 B: 2.4 KB smaller (brotli) and ~1 ms less to the first
# verify than the default (BENCHMARKS.md, "Cold start").
WASM_OPT_FLAGS=(-Oz --one-caller-inline-max-function-size=500)
