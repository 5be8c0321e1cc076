// Browsers and bundlers (Vite, webpack, esbuild): fetch the .wasm next to the entry (bundlers
// rewrite the URL to their emitted asset) and wait for it with top-level await.
//
// Source of the built entry `pkg/dist/browser.mjs` (one minified module, see node.mjs here): the
// URL is relative to the built entry in pkg/dist/.
import init from '../dist/oidc_edge_wasm.js';

await init({ module_or_path: new URL('./oidc_edge_wasm_bg.wasm', import.meta.url) });

export * from '../lib/esm.js';
