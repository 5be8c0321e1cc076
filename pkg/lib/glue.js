// The members of the wasm-bindgen glue that the API calls, for the ES entries: re-exported by
// name, so that the bundler leaves out the rest of the glue (the fetch-based `default`
// initialiser in the Node entry, the tests' reference check).
export {
  WasmDpopReplay,
  WasmFailure,
  WasmKeyCache,
  WasmKeys,
  WasmTrustBuilder,
  WasmVerifier,
  adapterFailure,
  cognitoUserPool,
  jwkThumbprint,
  tokenKeyId,
} from '../dist/oidc_edge_wasm.js';
