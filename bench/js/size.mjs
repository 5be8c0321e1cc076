// Sizes of the built package: the .wasm (raw cargo output when found, after wasm-bindgen is
// printed by scripts/build-pkg.sh, after wasm-opt -Oz as shipped), gzip -9 and brotli (max), and
// the entry files (each the glue and the API bundled and minified), with the totals.
// Usage: scripts/build-pkg.sh && node bench/js/size.mjs
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { ROOT } from '../../tests/js/helpers.mjs';

const row = (name, buf) => {
  const gz = zlib.gzipSync(buf, { level: 9 }).length;
  const br = zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  console.log(`${name.padEnd(44)} ${String(buf.length).padStart(8)} B   gzip ${String(gz).padStart(7)} B   brotli ${String(br).padStart(7)} B`);
};
const target = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target');
const raw = path.join(target, 'wasm32-unknown-unknown/pkg/oidc_edge_wasm.wasm');
if (fs.existsSync(raw)) row('cargo output oidc_edge_wasm.wasm', fs.readFileSync(raw));
// Each entry is one self-contained module (glue + API, minified) besides the .wasm, so what one
// runtime loads is the .wasm plus its entry.
// Paths in pkg/: the build's output is in dist/, the hand-written declarations beside it.
const files = ['dist/oidc_edge_wasm_bg.wasm', 'dist/node.mjs', 'dist/browser.mjs', 'dist/workerd.mjs', 'dist/edge-light.mjs', 'dist/index.cjs', 'index.d.ts'];
const bufs = {};
for (const f of files) {
  const p = path.join(ROOT, 'pkg', f);
  if (fs.existsSync(p)) row(`pkg/${f}`, (bufs[f] = fs.readFileSync(p)));
}
const sum = (names) => names.reduce((acc, f) => {
  const b = bufs[f];
  if (!b) return acc;
  acc.raw += b.length;
  acc.gz += zlib.gzipSync(b, { level: 9 }).length;
  acc.br += zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  return acc;
}, { raw: 0, gz: 0, br: 0 });
for (const [label, names] of [
  ['Node ESM load (.wasm + node.mjs)', ['dist/oidc_edge_wasm_bg.wasm', 'dist/node.mjs']],
  ['browser load (.wasm + browser.mjs)', ['dist/oidc_edge_wasm_bg.wasm', 'dist/browser.mjs']],
  ['all wasm + JS files', files.filter((f) => !f.endsWith('.d.ts'))],
]) {
  const t = sum(names);
  console.log(`${label.padEnd(44)} ${String(t.raw).padStart(8)} B   gzip ${String(t.gz).padStart(7)} B   brotli ${String(t.br).padStart(7)} B`);
}
