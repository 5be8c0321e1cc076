#!/usr/bin/env bash
# Edge verification end to end: builds the worker (worker-build --release, into its own
# directory so it never races another suite's worker/build), then runs the suites in workerd
# against real oidc-provider regions, the demo harness, and the demo page in chromium.
#   OIDC_EDGE_WORKER_BUILD=DIR  use/put the build there (default target/edge-worker)
#   OIDC_EDGE_EDGE_SUITES="verify"  run only some suites (file stems)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh

out="${OIDC_EDGE_WORKER_BUILD:-$PWD/target/edge-worker}"
export OIDC_EDGE_WORKER_BUILD="$out"

# Rebuild when any input is newer than the bundle.
stale=1
if [ -f "$out/index.js" ]; then
  newer="$(find worker/src worker/Cargo.toml src Cargo.toml Cargo.lock -newer "$out/index.js" -print -quit 2>/dev/null || true)"
  [ -z "$newer" ] && stale=0
fi
if [ "$stale" = 1 ]; then
  echo "== edge: building the worker into $out"
  (cd worker && worker-build --release --out-dir "$out")
fi

suites=()
for f in tests/edge/*.test.mjs; do
  stem="$(basename "$f" .test.mjs)"
  if [ -z "${OIDC_EDGE_EDGE_SUITES:-}" ] || [[ " $OIDC_EDGE_EDGE_SUITES " == *" $stem "* ]]; then suites+=("$f"); fi
done
# One suite at a time: each starts providers and workerd instances; the machine has 2 cores.
node --test --test-concurrency=1 --test-timeout=300000 "${suites[@]}"
