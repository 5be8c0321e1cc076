// The ES module face of the package: binds the API to the `--target web` glue. The entry files
// (src/node.mjs, src/browser.mjs, src/workerd.mjs, src/edge-light.mjs, each bundled with this
// file into pkg/dist/ by scripts/build-pkg.sh) initialise the wasm module first.
import * as glue from './glue.js';
import { createApi } from './api.js';

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
