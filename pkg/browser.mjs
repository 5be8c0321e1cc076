// Browsers and bundlers (Vite, webpack, esbuild): fetch the .wasm next to this file (bundlers
// rewrite the URL to their emitted asset) and wait for it with top-level await.
import init from './oidc_edge_wasm.js';

await init({ module_or_path: new URL('./oidc_edge_wasm_bg.wasm', import.meta.url) });

export * from './lib/esm.js';
