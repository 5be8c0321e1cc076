//! wasm-bindgen glue for the `oidc-edge` npm package (filled in by the npm package work).
