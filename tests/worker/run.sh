#!/usr/bin/env bash
# The worker's build + end-to-end test sequence, in one command:
#   1. `wrangler deploy --dry-run --env production --outdir <tmp>`: runs the [build] command
#      (worker-build --release in worker/, writing worker/build/) and proves the production bundle
#      (placeholders included) without an account;
#   2. prints the bundle sizes (raw / gzip -9);
#   3. runs the node suites in real workerd (miniflare) against two oidc-provider regions.
# Needs: `npm ci`, worker-build 0.8.7 and wasm-bindgen-cli 0.2.130 in ~/.cargo/bin (see TOOLCHAIN).
# OIDC_EDGE_WORKER_PREBUILT=1 skips step 1 and uses worker/build as it is.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$HOME/.cargo/bin/wasm-bindgen}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$ROOT/node_modules/.bin/wasm-opt}"
export ESBUILD_BIN="${ESBUILD_BIN:-$ROOT/node_modules/.bin/esbuild}"
export WRANGLER_SEND_METRICS=false
export PATH="$HOME/.cargo/bin:$PATH"

for tool in "$WASM_BINDGEN_BIN" "$WASM_OPT_BIN" "$ESBUILD_BIN" "$ROOT/node_modules/.bin/wrangler"; do
  [ -x "$tool" ] || { echo "tests/worker/run.sh: missing $tool (npm ci; cargo install wasm-bindgen-cli@0.2.130 worker-build@0.8.7)" >&2; exit 1; }
done
command -v worker-build >/dev/null || { echo "tests/worker/run.sh: worker-build not on PATH (cargo install worker-build@0.8.7)" >&2; exit 1; }

if [ "${OIDC_EDGE_WORKER_PREBUILT:-0}" != 1 ]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
  echo "== wrangler deploy --dry-run --env production (builds the worker)"
  if ! node_modules/.bin/wrangler deploy --dry-run --env production --outdir "$out" > "$out/log" 2>&1; then
    cat "$out/log" >&2
    echo "tests/worker/run.sh: wrangler deploy --dry-run failed" >&2
    exit 1
  fi
  grep -E 'Total Upload' "$out/log" || true
  ls "$out"/*.wasm >/dev/null && test -s "$out/index.js"
fi
test -s worker/build/index.js && test -s worker/build/index_bg.wasm
wasm_raw=$(wc -c < worker/build/index_bg.wasm); wasm_gz=$(gzip -9 -c worker/build/index_bg.wasm | wc -c)
js_raw=$(wc -c < worker/build/index.js); js_gz=$(gzip -9 -c worker/build/index.js | wc -c)
echo "== bundle: index_bg.wasm ${wasm_raw} B (gzip -9 ${wasm_gz} B), index.js ${js_raw} B (gzip -9 ${js_gz} B)"

echo "== node --test tests/worker"
exec node --test --test-concurrency=1 --test-reporter=tap \
  tests/worker/token-proxy.test.mjs tests/worker/modes.test.mjs tests/worker/records.test.mjs
