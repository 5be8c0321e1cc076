// Node (ESM), Deno and Bun: read the shared .wasm next to the entry and instantiate it
// synchronously.
//
// Source of the built entry `pkg/dist/node.mjs`: scripts/build-pkg.sh bundles this file with the
// glue and the API into that one minified module (one file for Node's ES loader instead of
// five). Relative URLs below are relative to the built entry in pkg/dist/, where the .wasm is;
// imports are resolved from here at build time.
import { initSync } from '../dist/oidc_edge_wasm.js';

// node:fs from `process.getBuiltinModule` where the runtime has it (Node >= 20.16): a static
// `import 'node:fs'` costs ~1.5 ms more at import in Node 20. Elsewhere a dynamic import.
const fs = globalThis.process?.getBuiltinModule?.('node:fs') ?? (await import('node:fs'));

initSync({ module: fs.readFileSync(new URL('./oidc_edge_wasm_bg.wasm', import.meta.url)) });

export * from '../lib/esm.js';
