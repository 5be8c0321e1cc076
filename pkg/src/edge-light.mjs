// Vercel Edge (edge-light): like Workers, wasm must arrive as a module; Vercel's bundler uses
// the `?module` suffix for that.
//
// Source of the built entry `pkg/dist/edge-light.mjs` (one minified module, see node.mjs here):
// the .wasm import stays an import, relative to the built entry in pkg/dist/.
import wasmModule from './oidc_edge_wasm_bg.wasm?module';
import { initSync } from '../dist/oidc_edge_wasm.js';

initSync({ module: wasmModule });

export * from '../lib/esm.js';
