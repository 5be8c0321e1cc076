// Node (CommonJS `require`): the `--target nodejs` glue reads the same shared .wasm
// synchronously (from `__dirname`, pkg/dist/ where the built entry is).
//
// Source of the built entry `pkg/dist/index.cjs`: scripts/build-pkg.sh bundles this file, the
// glue and the API (converted to CommonJS) into that one minified file. The API is required as
// dist/api.mjs, lib/api.js and its modules bundled into one ES module by the build first: a
// `require` of an ES module graph makes esbuild wrap every module of it for lazy evaluation,
// one module costs one wrapper.
'use strict';

module.exports = require('../dist/api.mjs').createApi(require('../dist/oidc_edge_wasm.cjs'));
