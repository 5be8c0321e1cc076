// Cloudflare Workers (workerd): the runtime forbids compiling wasm from bytes, so the .wasm is
// imported as a module (wrangler / miniflare turn it into a compiled WebAssembly.Module).
//
// Source of the built entry `pkg/dist/workerd.mjs` (one minified module, see node.mjs here): the
// .wasm import stays an import, relative to the built entry in pkg/dist/.
import wasmModule from './oidc_edge_wasm_bg.wasm';
import { initSync } from '../dist/oidc_edge_wasm.js';

initSync({ module: wasmModule });

export * from '../lib/esm.js';
