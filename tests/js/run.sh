#!/usr/bin/env bash
# Builds pkg/ (skipped when up to date) and runs every suite of the npm package:
#   tests/js/*.test.mjs      packaging (npm pack -> consumer project in $TMPDIR, import/require,
#                            exports map, tsc), vectors, API and errors, access tokens, provider
#                            token shapes beside jose, bearer helpers, real providers and remote
#                            keys, key set storage, differential vs jose, Workers (wrangler bundle
#                            in workerd via miniflare), Deno and Bun
#   tests/js/middleware/     the README's middleware examples: Express, Hono on workerd, Deno.serve
#   tests/browser/*.test.mjs chromium via playwright-core: plain page, Vite build, www/ page
#
# Needs (from a fresh clone): `npm ci`, the wasm32 target and wasm-bindgen CLI 0.2.130
# (scripts/setup.sh), chromium at /usr/bin/chromium (or CHROMIUM_PATH).
# Deno and Bun come from the npm registry into a cache directory; if that install fails their
# two tests are skipped (and say so), everything else still runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

bash scripts/build-pkg.sh

RUNTIMES="${OIDC_EDGE_RUNTIMES_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/oidc-edge-runtimes}"
if [[ ! -x "$RUNTIMES/node_modules/.bin/deno" || ! -x "$RUNTIMES/node_modules/.bin/bun" ]]; then
  mkdir -p "$RUNTIMES"
  [[ -f "$RUNTIMES/package.json" ]] || echo '{"private":true}' > "$RUNTIMES/package.json"
  echo "run.sh: installing deno and bun from the npm registry into $RUNTIMES"
  (cd "$RUNTIMES" && npm install --no-audit --no-fund --loglevel=error deno@2.9.6 bun@1.4.5) \
    || echo "run.sh: WARNING: deno/bun install failed; their tests will be skipped"
fi
export OIDC_EDGE_RUNTIMES_DIR="$RUNTIMES"

# One packed-and-installed consumer project shared by all suites.
OIDC_EDGE_CONSUMER="$(node --input-type=module -e "import { consumerDir } from './tests/js/helpers.mjs'; console.log(consumerDir());")"
export OIDC_EDGE_CONSUMER
echo "run.sh: consumer project: $OIDC_EDGE_CONSUMER"

export WRANGLER_SEND_METRICS=false
node --test --test-concurrency=2 tests/js/*.test.mjs tests/js/middleware/*.test.mjs tests/browser/*.test.mjs
