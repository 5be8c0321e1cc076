#!/usr/bin/env bash
# Builds the npm package `oidc-edge`: everything it generates goes into pkg/dist/, a folder of
# its own, so no generated file sits beside a hand-written one:
#   cargo (wasm32, profile pkg) -> wasm-bindgen --target web + --target nodejs -> wasm-opt -Oz
#   -> pkg/dist/oidc_edge_wasm_bg.wasm (ONE .wasm shared by every entry),
#      pkg/dist/oidc_edge_wasm.js (ES glue) and oidc_edge_wasm.cjs (CommonJS glue), and
#      pkg/dist/api.mjs (pkg/lib/*.js as one ES module, for the CommonJS entry): build inputs,
#   then esbuild bundles each entry source pkg/src/X with the glue and pkg/lib/*.js into one
#   minified file pkg/dist/X: node.mjs, browser.mjs, workerd.mjs, edge-light.mjs, index.cjs
#   (+ .map with the readable sources); and pkg/dist/index.d.cts and the licences.
# The hand-written files (package.json, src/*, lib/*.js, index.d.ts, README.md) are tracked;
# pkg/dist/ is build output (pkg/.gitignore), rebuilt from scratch by every build.
#
# Needs: the wasm32-unknown-unknown target, wasm-bindgen CLI 0.2.130 (= the crate pin),
# `npm ci` at the repo root (binaryen's wasm-opt, esbuild). NOT Debian's binaryen: its wasm-opt
# emits modules that crash at init.
#
# Usage: scripts/build-pkg.sh [--force]   (skips the build when the inputs have not changed)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/env.sh
PKG="$ROOT/pkg"
DIST="$PKG/dist"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

WASM_BINDGEN="${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen || echo "$HOME/.cargo/bin/wasm-bindgen")}"
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
ESBUILD="$ROOT/node_modules/.bin/esbuild"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WANT_BINDGEN="0.2.130"

for tool in "$WASM_BINDGEN" "$WASM_OPT" "$ESBUILD"; do
  [[ -x "$tool" ]] || { echo "build-pkg: missing $tool (see README: tool installs, npm ci)" >&2; exit 1; }
done
have="$("$WASM_BINDGEN" --version | awk '{print $2}')"
[[ "$have" == "$WANT_BINDGEN" ]] || { echo "build-pkg: wasm-bindgen $have found, $WANT_BINDGEN needed" >&2; exit 1; }

# Layouts before pkg/dist/ wrote their output into pkg/ itself: remove it from old checkouts.
(cd "$PKG" && rm -f oidc_edge_wasm* node.mjs* browser.mjs* workerd.mjs* edge-light.mjs* index.cjs* \
  index.d.cts lib/api.cjs LICENSE-MIT LICENSE-APACHE .build-stamp)

# Up-to-date check: a hash of every input.
stamp_of_inputs() {
  {
    git ls-files -co --exclude-standard -- src crypto wasm Cargo.toml Cargo.lock pkg/lib pkg/src pkg/index.d.ts pkg/types scripts/build-pkg.sh scripts/env.sh 2>/dev/null \
      | LC_ALL=C sort | while read -r f; do [[ -f "$f" ]] && sha256sum "$f"; done
    echo "$have"
  } | sha256sum | cut -d' ' -f1
}
STAMP_FILE="$DIST/.build-stamp"
stamp="$(stamp_of_inputs)"
ENTRIES=(node.mjs browser.mjs workerd.mjs edge-light.mjs index.cjs)
outputs=(oidc_edge_wasm_bg.wasm "${ENTRIES[@]}" index.d.cts LICENSE-MIT LICENSE-APACHE)
if [[ $FORCE == 0 && -f "$STAMP_FILE" && "$(cat "$STAMP_FILE")" == "$stamp" ]]; then
  missing=0
  for o in "${outputs[@]}"; do [[ -f "$DIST/$o" ]] || missing=1; done
  if [[ $missing == 0 ]]; then echo "build-pkg: pkg/dist/ is up to date"; exit 0; fi
fi

echo "build-pkg: cargo build (profile pkg, wasm32-unknown-unknown)"
# Profile `pkg` (Cargo.toml): the policy code optimised for size, the signature arithmetic
# (crate oidc-edge-crypto) for speed.
CARGO_TARGET_DIR="$TARGET_DIR" cargo build --profile pkg --target wasm32-unknown-unknown -p oidc-edge-wasm
RAW="$TARGET_DIR/wasm32-unknown-unknown/pkg/oidc_edge_wasm.wasm"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$WASM_BINDGEN" --target web --out-dir "$TMP/web" "$RAW"
"$WASM_BINDGEN" --target nodejs --out-dir "$TMP/node" "$RAW"
# One .wasm for every target: wasm-bindgen emits identical modules for web and nodejs.
if ! cmp -s "$TMP/web/oidc_edge_wasm_bg.wasm" "$TMP/node/oidc_edge_wasm_bg.wasm"; then
  echo "build-pkg: the web and nodejs .wasm differ; the package relies on one shared module" >&2
  exit 1
fi

echo "build-pkg: wasm-opt ${WASM_OPT_FLAGS[*]}"
# The `producers` and `target_features` custom sections are for tools; no runtime reads them
# (-0.2 KB brotli).
"$WASM_OPT" "${WASM_OPT_FLAGS[@]}" --strip-producers --strip-target-features \
  "$TMP/web/oidc_edge_wasm_bg.wasm" -o "$TMP/opt.wasm"

rm -rf "$DIST"
mkdir -p "$DIST"
cp "$TMP/opt.wasm" "$DIST/oidc_edge_wasm_bg.wasm"
cp "$TMP/web/oidc_edge_wasm.js" "$DIST/oidc_edge_wasm.js"
cp "$TMP/node/oidc_edge_wasm.js" "$DIST/oidc_edge_wasm.cjs"
# The API as one ES module for src/index.cjs (see there); its source map carries lib/*.js on.
"$ESBUILD" "$PKG/lib/api.js" --bundle --format=esm --sourcemap --log-level=warning --outfile="$DIST/api.mjs"
# One minified module per entry (Node's ES loader pays per module: ~1.5 ms less at import than
# the five modules this replaced). The .wasm stays outside: a URL, a read, or (Workers, Vercel
# Edge) an import the platform's bundler resolves, relative to the entry in pkg/dist/.
for entry in "${ENTRIES[@]}"; do
  format=esm platform=neutral
  [[ "$entry" == *.cjs ]] && format=cjs platform=node   # the nodejs glue requires fs and path
  "$ESBUILD" "$PKG/src/$entry" --bundle --format="$format" --platform="$platform" --minify \
    --external:node:fs --external:'*.wasm' --external:'*.wasm?module' \
    --sourcemap --log-level=warning --outfile="$DIST/$entry"
done
# One declaration file for `require` consumers: index.d.ts with its parts (types/*.d.ts) inlined,
# since a CommonJS declaration cannot re-export the package's ES-module ones.
node -e '
  const fs = require("node:fs"), path = require("node:path");
  const [pkg, out] = process.argv.slice(1);
  const part = (f) => fs.readFileSync(path.join(pkg, "types", f + ".d.ts"), "utf8")
    .replace(/^import type [^;]+ from "..\/index.js";\n/gm, "").replace(/^import type [^;]+ from \x27..\/index.js\x27;\n/gm, "");
  const text = fs.readFileSync(path.join(pkg, "index.d.ts"), "utf8")
    .replace(/^import type [^;]+ from \x27.\/types\/[a-z]+.js\x27;\n/gm, "")
    .replace(/^export \* from \x27.\/types\/([a-z]+).js\x27;\n/gm, (_, name) => part(name) + "\n");
  if (/types\//.test(text.replace(/^\/\/.*$/gm, ""))) throw new Error("index.d.cts still refers to types/");
  fs.writeFileSync(out, text);
' "$PKG" "$DIST/index.d.cts"
cp "$ROOT/LICENSE-MIT" "$ROOT/LICENSE-APACHE" "$DIST/"
echo "$stamp" > "$STAMP_FILE"

raw_size=$(stat -c %s "$TMP/web/oidc_edge_wasm_bg.wasm")
opt_size=$(stat -c %s "$DIST/oidc_edge_wasm_bg.wasm")
echo "build-pkg: done: .wasm ${raw_size} B after wasm-bindgen, ${opt_size} B after wasm-opt"
