#!/usr/bin/env bash
# Runs every test of the project: formatting and lints, the Rust suites (core, worker logic,
# a real OpenID provider), the no_std proof, the npm package in Node, browsers and workerd, the
# worker end to end in workerd, and the edge verification end to end.
# Needs what scripts/setup.sh installs. Prints one closing line: "summary: N passed, M failed".
#
# Usage: bash scripts/test.sh [SUITE...]    (no SUITE: every suite; --list names them)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# Every suite, in the order they run (each is one `step` below).
SUITES=(fmt clippy clippy-wasm32 clippy-no-std harness rust no-std-thumbv7em no-std-wasm32
  wasm-rsa docs js worker edge)
if [ "${1:-}" = --list ]; then printf '%s\n' "${SUITES[@]}"; exit 0; fi
for s in "$@"; do
  [[ " ${SUITES[*]} " == *" $s "* ]] || { echo "scripts/test.sh: unknown suite '$s' (--list names them)" >&2; exit 2; }
done
selected=("$@")

# On a fresh machine this installs everything first (idempotent; seconds when all is there).
if [ "${OIDC_EDGE_SKIP_SETUP:-0}" != 1 ]; then bash scripts/setup.sh || exit 1; fi

log_dir="${OIDC_EDGE_TEST_LOGS:-$(mktemp -d)}"
mkdir -p "$log_dir" artifacts
failed_steps=()

# Runs one step (when selected), teeing its output to a log that the summary counts from.
step() {
  local name="$1"; shift
  if ((${#selected[@]})) && [[ " ${selected[*]} " != *" $name "* ]]; then return 0; fi
  printf '\n== test: %s\n' "$name"
  local start=$SECONDS
  if "$@" 2>&1 | tee "$log_dir/$name.log"; then
    printf '== test: %s ok (%ss)\n' "$name" $((SECONDS - start))
  else
    printf '== test: %s FAILED (%ss)\n' "$name" $((SECONDS - start))
    failed_steps+=("$name")
  fi
}

step fmt cargo fmt --all -- --check
step clippy cargo clippy --workspace --all-targets --features oidc-edge/cli -- -D warnings
step clippy-wasm32 cargo clippy -p oidc-edge-worker -p oidc-edge-wasm --target wasm32-unknown-unknown -- -D warnings
# no_std: every algorithm family on, only `std` off.
NO_STD_FEATURES=(--no-default-features --features rsa,es256,es384,eddsa)
step clippy-no-std cargo clippy -p oidc-edge "${NO_STD_FEATURES[@]}" --lib -- -D warnings
step harness node --test tests/support/
step rust cargo test --workspace --features oidc-edge/cli
step no-std-thumbv7em cargo build -p oidc-edge "${NO_STD_FEATURES[@]}" --target thumbv7em-none-eabi
step no-std-wasm32 cargo build -p oidc-edge "${NO_STD_FEATURES[@]}" --target wasm32-unknown-unknown
step wasm-rsa bash tests/wasm-rsa/run.sh
step docs env RUSTDOCFLAGS=-Dwarnings cargo doc -p oidc-edge -p oidc-edge-crypto --no-deps
step js bash tests/js/run.sh
step worker bash tests/worker/run.sh
# The edge suite reuses the bundle the worker suite just built (same worker, same build).
step edge env OIDC_EDGE_WORKER_BUILD="$PWD/worker/build" bash tests/edge/run.sh

# Count what the runners reported: cargo's "test result:" lines and node --test's "# pass/# fail".
passed=0; failed=0
while read -r p f; do passed=$((passed + p)); failed=$((failed + f)); done < <(
  cat "$log_dir"/*.log | sed -n \
    -e 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' \
    -e 's/^# pass \([0-9]*\)$/\1 0/p' \
    -e 's/^# fail \([0-9]*\)$/0 \1/p')
if ((${#failed_steps[@]})); then
  printf '\nfailed steps: %s\n' "${failed_steps[*]}"
  ((failed == 0)) && failed=${#failed_steps[@]}
fi
printf '\nsummary: %d passed, %d failed\n' "$passed" "$failed"
((${#failed_steps[@]} == 0))
