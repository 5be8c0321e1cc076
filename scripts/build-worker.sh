#!/usr/bin/env bash
# The one way to build the worker: worker-build --profile worker in worker/ -> worker/build/
# (index.js + index_bg.wasm). wrangler.toml's [build] runs it (so `wrangler dev` and `wrangler
# deploy` build the same way), and so do the test runners, the demo and the benchmarks.
# Skips the build when the bundle is newer than every input (the worker, the core crate, the
# lock file and the build settings).
#   bash scripts/build-worker.sh                 # OIDC_EDGE_WORKER_BUILD=DIR builds into DIR
#   OIDC_EDGE_FORCE_BUILD=1 bash scripts/build-worker.sh
#   OIDC_EDGE_WORKER_KEEP_NAMES=1 ...            # keep the name section (size profiles)
#   OIDC_EDGE_WORKER_CRATE=DIR ...               # another workers-rs crate (with a `worker` profile)
# Needs the pinned tools of scripts/setup.sh (worker-build 0.8.7, wasm-bindgen-cli 0.2.130, npm's
# binaryen and esbuild); scripts/env.sh points worker-build at them, so nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

out="${OIDC_EDGE_WORKER_BUILD:-$PWD/worker/build}"
# Another workers-rs crate with a `worker` profile (bench/worker-start's baseline) builds the same way.
crate="${OIDC_EDGE_WORKER_CRATE:-worker}"
inputs=("$crate" worker/src worker/Cargo.toml src Cargo.toml Cargo.lock .cargo/config.toml rust-toolchain.toml scripts/build-worker.sh scripts/env.sh)

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

echo "build-worker: worker-build --profile worker ($crate) -> $out"
(cd "$crate" && worker-build --profile worker --out-dir "$out")
test -s "$out/index.js" && test -s "$out/index_bg.wasm"

# Size, not speed, is what a Worker's wasm pays on every cold start: -Oz, and no name section
# (worker-build's own wasm-opt step keeps it; worker/Cargo.toml turns that step off). The
# features are those the module was built with (its target_features section) and workerd runs.
# OIDC_EDGE_WORKER_KEEP_NAMES=1 keeps the names, for a size profile (twiggy top worker/build/index_bg.wasm).
wasm="$out/index_bg.wasm"
strip=(--strip-debug --strip-producers)
[ "${OIDC_EDGE_WORKER_KEEP_NAMES:-0}" = 1 ] && strip=(-g)
"$WASM_OPT_BIN" "$wasm" -o "$wasm.opt" "${WASM_OPT_FLAGS[@]}" "${strip[@]}" \
  --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int \
  --enable-bulk-memory --enable-multivalue --enable-reference-types --enable-exception-handling \
  --enable-simd
mv "$wasm.opt" "$wasm"
echo "build-worker: $(wc -c <"$wasm") B wasm ($(gzip -9c "$wasm" | wc -c) B gzip)"
