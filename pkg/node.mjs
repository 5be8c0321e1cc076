// Node (ESM), Deno and Bun: read the shared .wasm next to this file and instantiate it synchronously.
import { readFileSync } from 'node:fs';
import { initSync } from './oidc_edge_wasm.js';

initSync({ module: readFileSync(new URL('./oidc_edge_wasm_bg.wasm', import.meta.url)) });

export * from './lib/esm.js';
