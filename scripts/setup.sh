#!/usr/bin/env bash
# Installs everything oidc-edge needs on a bare machine of this kind (Debian 12, rustup, Node 20).
# Idempotent: each step is skipped when what it installs is already there at the pinned version.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen crate pin (=0.2.130) in wasm/ and worker/
WORKER_BUILD_VERSION=0.8.7     # must match the worker crate's major.minor (0.8)

step() { printf '\n== setup: %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

step "Rust toolchain and targets (rust-toolchain.toml)"
rustup show active-toolchain
rustup target add wasm32-unknown-unknown thumbv7em-none-eabi

step "Debian chromium + chromedriver (browser tests)"
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
fi

step "cargo tools: wasm-bindgen-cli $WASM_BINDGEN_VERSION, worker-build $WORKER_BUILD_VERSION"
installed="$(cargo install --list)"
need=()
grep -q "^wasm-bindgen-cli v$WASM_BINDGEN_VERSION:" <<<"$installed" || need+=("wasm-bindgen-cli@$WASM_BINDGEN_VERSION")
grep -q "^worker-build v$WORKER_BUILD_VERSION:" <<<"$installed" || need+=("worker-build@$WORKER_BUILD_VERSION")
if ((${#need[@]})); then
  # One shared target dir for both builds; no --locked (wasm-bindgen-cli's lockfile names a
  # webpki-roots version the crate registry does not serve).
  tools_target="$(mktemp -d)"
  CARGO_TARGET_DIR="$tools_target" cargo install "${need[@]}"
  rm -rf "$tools_target"
fi

step "npm packages (package-lock.json)"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

step "Deno and Bun from the npm registry (the npm package's tests run in them too)"
RUNTIMES="${OIDC_EDGE_RUNTIMES_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/oidc-edge-runtimes}"
if [[ ! -x "$RUNTIMES/node_modules/.bin/deno" || ! -x "$RUNTIMES/node_modules/.bin/bun" ]]; then
  mkdir -p "$RUNTIMES"
  [[ -f "$RUNTIMES/package.json" ]] || echo '{"private":true}' > "$RUNTIMES/package.json"
  (cd "$RUNTIMES" && npm install --no-audit --no-fund --loglevel=error deno@2.9.6 bun@1.4.5)
fi

step "done"
