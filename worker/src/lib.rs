//! The oidc-edge Cloudflare Worker (filled in by the worker work).
