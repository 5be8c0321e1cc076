//! Amazon Cognito user pools: the issuers and JWKS URL of a pool, computed by the core
//! ([`oidc_edge::cognito::UserPool`]) so the formats exist once.

use oidc_edge::cognito::UserPool;
use wasm_bindgen::prelude::*;

use crate::failure::WasmFailure;

/// `[jwksUrl, ...issuers]` (an array of strings) of the pool, or a `"config"` failure for a
/// malformed Region or pool id.
#[wasm_bindgen(js_name = cognitoUserPool)]
pub fn cognito_user_pool(region: &str, pool_id: &str, primary_region: Option<String>) -> JsValue {
    match UserPool::new(region, pool_id, primary_region.as_deref()) {
        Ok(pool) => {
            let mut out = vec![pool.jwks_url()];
            out.extend(pool.issuers());
            JsValue::from(out)
        }
        Err(e) => WasmFailure::from(e).into(),
    }
}
