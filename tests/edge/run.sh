#!/usr/bin/env bash
# Edge verification end to end: builds the worker (scripts/build-worker.sh; nothing to do when the
# worker suite just built it), then runs the suites in workerd against real oidc-provider regions,
# the demo harness, and the demo page in chromium.
#   OIDC_EDGE_EDGE_SUITES="verify"  run only some suites (file stems)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh

bash scripts/build-worker.sh
# The demo page (demo.test.mjs) imports the npm package: build it too (skipped when up to date).
bash scripts/build-pkg.sh

suites=()
for f in tests/edge/*.test.mjs; do
  stem="$(basename "$f" .test.mjs)"
  if [ -z "${OIDC_EDGE_EDGE_SUITES:-}" ] || [[ " $OIDC_EDGE_EDGE_SUITES " == *" $stem "* ]]; then suites+=("$f"); fi
done
# One suite at a time: each starts providers and workerd instances; the machine has 2 cores.
node --test --test-concurrency=1 --test-timeout=300000 "${suites[@]}"
