// Node (CommonJS `require`): the `--target nodejs` glue reads the same shared .wasm
// synchronously (from `__dirname`, the package root where the built entry is).
//
// Source of the built entry `pkg/index.cjs`: scripts/build-pkg.sh bundles this file, the
// glue and lib/api.js (converted to CommonJS) into that one minified file.
'use strict';

module.exports = require('../lib/api.js').createApi(require('../oidc_edge_wasm.cjs'));
