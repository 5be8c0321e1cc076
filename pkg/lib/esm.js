// The ES module face of the package: binds the API to the `--target web` glue. The entry files
// (src/node.mjs, src/browser.mjs, src/workerd.mjs, src/edge-light.mjs, each bundled with this
// file into pkg/dist/ by scripts/build-pkg.sh) initialise the wasm module first.
// Named imports, not `import * as`: the bundler then leaves out what the API never calls (the
// glue's fetch-based `default` initialiser in the Node entry, the tests' reference check).
import {
  WasmDpopReplay,
  WasmFailure,
  WasmKeyCache,
  WasmKeys,
  WasmTrustBuilder,
  WasmVerifier,
  adapterFailure,
  cognitoUserPool as glueCognitoUserPool,
  jwkThumbprint as glueJwkThumbprint,
  tokenKeyId,
} from '../dist/oidc_edge_wasm.js';
import { createApi } from './api.js';

const glue = {
  WasmDpopReplay,
  WasmFailure,
  WasmKeyCache,
  WasmKeys,
  WasmTrustBuilder,
  WasmVerifier,
  adapterFailure,
  cognitoUserPool: glueCognitoUserPool,
  jwkThumbprint: glueJwkThumbprint,
  tokenKeyId,
};

export const {
  OidcEdgeError,
  BearerError,
  JwkSet,
  verifyAccessToken,
  verifyAccessTokenAsync,
  verifyIdToken,
  verifyIdTokenAsync,
  verifyDpopProof,
  DpopReplayCache,
  jwkThumbprint,
  createVerifier,
  createTrustSet,
  createRemoteJWKSet,
  discover,
  cognitoUserPool,
  workersCacheStorage,
  bearerToken,
  challenge,
  inspect,
  originCanonical,
  verifyOriginSignature,
  verifyOriginRequest,
} = createApi(glue);
