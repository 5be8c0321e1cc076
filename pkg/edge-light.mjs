// Vercel Edge (edge-light): like Workers, wasm must arrive as a module; Vercel's bundler uses
// the `?module` suffix for that.
import wasmModule from './oidc_edge_wasm_bg.wasm?module';
import { initSync } from './oidc_edge_wasm.js';

initSync({ module: wasmModule });

export * from './lib/esm.js';
