// Browsers and bundlers (Vite, webpack, esbuild): fetch the .wasm next to the entry (bundlers
// rewrite the URL to their emitted asset) and wait for it with top-level await.
//
// Source of the built entry `pkg/browser.mjs` (one minified module, see node.mjs here): the
// URL is relative to the built entry at the package root.
import init from '../oidc_edge_wasm.js';

await init({ module_or_path: new URL('./oidc_edge_wasm_bg.wasm', import.meta.url) });

export * from '../lib/esm.js';
