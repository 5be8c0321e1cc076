// Sizes of the built package: the .wasm (raw cargo output when found, after wasm-bindgen is
// printed by scripts/build-pkg.sh, after wasm-opt -Oz as shipped), gzip -9 and brotli (max), and
// the JS glue and wrapper files.  Usage: scripts/build-pkg.sh && node bench/js/size.mjs
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
const raw = path.join(target, 'wasm32-unknown-unknown/release/oidc_edge_wasm.wasm');
if (fs.existsSync(raw)) row('cargo output oidc_edge_wasm.wasm', fs.readFileSync(raw));
for (const f of ['oidc_edge_wasm_bg.wasm', 'oidc_edge_wasm.js', 'oidc_edge_wasm.cjs', 'lib/api.js', 'lib/api.cjs', 'lib/esm.js',
  'node.mjs', 'browser.mjs', 'workerd.mjs', 'index.cjs', 'index.d.ts']) {
  const p = path.join(ROOT, 'pkg', f);
  if (fs.existsSync(p)) row(`pkg/${f}`, fs.readFileSync(p));
}
