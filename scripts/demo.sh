#!/usr/bin/env bash
# The one-command demo: installs what is missing (scripts/setup.sh), builds the npm package and
# the worker (scripts/build-worker.sh, the build wrangler.toml uses too), then starts two local
# OpenID providers, the worker in workerd (wrangler dev), an origin for its protected route, and
# the demo page with its worker panel, and prints ready-to-paste curl commands.
# Everything listens on 127.0.0.1; Ctrl-C stops all of it. Arguments go to scripts/demo/main.mjs
# (--worker-port N, --control-port N).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

if [ "${OIDC_EDGE_SKIP_SETUP:-0}" != 1 ]; then bash scripts/setup.sh; fi

echo "== demo: building the npm package (skipped when up to date)"
if [ -f scripts/build-pkg.sh ]; then bash scripts/build-pkg.sh; fi

echo "== demo: building the worker (skipped when up to date)"
bash scripts/build-worker.sh

echo "== demo: starting"
exec node scripts/demo/main.mjs "$@"
