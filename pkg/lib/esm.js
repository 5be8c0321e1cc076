// The ES module face of the package: binds the API to the `--target web` glue. The entry files
// (node.mjs, browser.mjs, workerd.mjs, edge-light.mjs) initialise the wasm module first.
import * as glue from '../oidc_edge_wasm.js';
import { createApi } from './api.js';

export const {
  OidcEdgeError,
  JwkSet,
  verifyIdToken,
  verifyIdTokenAsync,
  createVerifier,
  createTrustSet,
  createRemoteJWKSet,
  discover,
  inspect,
} = createApi(glue);
