#!/usr/bin/env bash
# The one way to build the worker: worker-build --release in worker/ -> worker/build/
# (index.js + index_bg.wasm). wrangler.toml's [build] runs it (so `wrangler dev` and `wrangler
# deploy` build the same way), and so do the test runners, the demo and the benchmarks.
# Skips the build when the bundle is newer than every input (the worker, the core crate, the
# lock file and the build settings).
#   bash scripts/build-worker.sh                 # OIDC_EDGE_WORKER_BUILD=DIR builds into DIR
#   OIDC_EDGE_FORCE_BUILD=1 bash scripts/build-worker.sh
# Needs the pinned tools of scripts/setup.sh (worker-build 0.8.7, wasm-bindgen-cli 0.2.130, npm's
# binaryen and esbuild); scripts/env.sh points worker-build at them, so nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

out="${OIDC_EDGE_WORKER_BUILD:-$PWD/worker/build}"
inputs=(worker/src worker/Cargo.toml src Cargo.toml Cargo.lock .cargo/config.toml rust-toolchain.toml)

if [ "${OIDC_EDGE_FORCE_BUILD:-0}" != 1 ] && [ -s "$out/index.js" ] && [ -s "$out/index_bg.wasm" ] \
  && [ -z "$(find "${inputs[@]}" -newer "$out/index.js" -print -quit 2>/dev/null)" ]; then
  echo "build-worker: $out is up to date"
  exit 0
fi

missing=()
command -v worker-build >/dev/null || missing+=("worker-build (cargo install worker-build@0.8.7)")
for tool in "$WASM_BINDGEN_BIN" "$WASM_OPT_BIN" "$ESBUILD_BIN"; do
  [ -x "$tool" ] || missing+=("$tool")
done
if ((${#missing[@]})); then
  printf 'build-worker: missing %s\n' "${missing[@]}" >&2
  echo "build-worker: run bash scripts/setup.sh (it installs the pinned tools)" >&2
  exit 1
fi

echo "build-worker: worker-build --release -> $out"
(cd worker && worker-build --release --out-dir "$out")
test -s "$out/index.js" && test -s "$out/index_bg.wasm"
