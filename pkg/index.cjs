// Node (CommonJS `require`): the `--target nodejs` glue reads the same shared .wasm synchronously.
'use strict';

module.exports = require('./lib/api.cjs').createApi(require('./oidc_edge_wasm.cjs'));
