#!/usr/bin/env bash
# The worker's end-to-end suites, in one command:
#   1. build it (scripts/build-worker.sh: the same build wrangler, the demo and the benchmarks use)
#      and print the bundle sizes (raw / gzip -9);
#   2. run the node suites: every wrangler.toml environment checked and dry-run deployed
#      (config.test.mjs), the token proxy and its modes in real workerd (miniflare) against two
#      oidc-provider regions, and the provisioning commands (provision.test.mjs).
# Needs what scripts/setup.sh installs.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh

bash scripts/build-worker.sh
build="${OIDC_EDGE_WORKER_BUILD:-$PWD/worker/build}"
wasm_raw=$(wc -c < "$build/index_bg.wasm"); wasm_gz=$(gzip -9 -c "$build/index_bg.wasm" | wc -c)
js_raw=$(wc -c < "$build/index.js"); js_gz=$(gzip -9 -c "$build/index.js" | wc -c)
echo "== bundle: index_bg.wasm ${wasm_raw} B (gzip -9 ${wasm_gz} B), index.js ${js_raw} B (gzip -9 ${js_gz} B)"

echo "== node --test tests/worker"
# One file at a time: each starts providers and workerd instances; the machine has 2 cores.
exec node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=tap tests/worker/*.test.mjs
