// Vercel Edge (edge-light): like Workers, wasm must arrive as a module; Vercel's bundler uses
// the `?module` suffix for that.
//
// Source of the built entry `pkg/edge-light.mjs` (one minified module, see node.mjs here):
// the .wasm import stays an import, relative to the built entry at the package root.
import wasmModule from './oidc_edge_wasm_bg.wasm?module';
import { initSync } from '../oidc_edge_wasm.js';

initSync({ module: wasmModule });

export * from '../lib/esm.js';
