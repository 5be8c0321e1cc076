# Sourced by the other scripts: tool locations for offline worker/wasm builds.
# worker-build would otherwise try to download wasm-bindgen and wasm-opt, which fails offline.
OIDC_EDGE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$OIDC_EDGE_ROOT/node_modules/.bin:$PATH"
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$HOME/.cargo/bin/wasm-bindgen}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$OIDC_EDGE_ROOT/node_modules/.bin/wasm-opt}"
export ESBUILD_BIN="${ESBUILD_BIN:-$OIDC_EDGE_ROOT/node_modules/.bin/esbuild}"
export WRANGLER_SEND_METRICS=false
export CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
