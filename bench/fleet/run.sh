#!/usr/bin/env bash
# The fleet simulation (bench/fleet/sim.rs, README.md): a release build of the worker crate's
# `fleet` benchmark, then one run (a few seconds). Its last line is the summary:
#   fleet: waited on primary: with shared health W1, without W0 (ratio R); failback after F s
# Arguments: fleet request rates (req/s) to simulate; the last one is summarised.
# A benchmark, not a test: nothing asserts on the figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
# Thin LTO and parallel codegen: the simulation needs speed, not the worker's smallest code.
export CARGO_PROFILE_BENCH_LTO=thin CARGO_PROFILE_BENCH_CODEGEN_UNITS=16
cargo bench --quiet -p oidc-edge-worker --bench fleet -- "$@"
