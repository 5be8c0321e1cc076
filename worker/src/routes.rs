//! The route table: every path the worker answers, the methods each allows, and how much of
//! a request body each may read. The glue reads the body under the route's limit (streaming,
//! before anything is buffered), then the pipeline ([`crate::app`]) dispatches on [`Route`].

use crate::regions::Region;

/// What the router decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST /oauth2/token`: the client_credentials proxy.
    Token,
    /// `GET /healthz`.
    Health,
    /// `POST /verify`: edge verification.
    Verify,
    /// `GET /.well-known/jwks/{primary,secondary}.json`: a key mirror.
    Mirror(Region),
    /// `POST /fleet/revoke`: the operator revokes a client fleet-wide.
    Revoke,
    /// Any method under `PROTECT_PREFIX`: verify, apply the policy, forward to the origin.
    Protected,
    /// Known path, wrong method: 405 with this `Allow` value.
    MethodNotAllowed(&'static str),
    /// Unknown path: 404.
    NotFound,
}

/// How much of a request body a route reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyLimit {
    /// Nothing: the body is not read.
    Ignore,
    /// At most this many octets, counted while streaming (a declared `Content-Length` above
    /// it is refused without reading).
    Read(usize),
    /// Not read by the worker: streamed to the origin untouched.
    PassThrough,
}

/// Largest token request body (a form with an id, a secret and a scope).
pub const TOKEN_BODY_LIMIT: usize = 8 * 1024;
/// Largest `/fleet/revoke` body (`{"client_id":"..."}`).
pub const REVOKE_BODY_LIMIT: usize = 1024;
/// Largest `/verify` body (a 16 KiB token in JSON, with room).
pub const VERIFY_BODY_LIMIT: usize = 20 * 1024;

/// Path of the primary key mirror.
pub const MIRROR_PRIMARY: &str = "/.well-known/jwks/primary.json";
/// Path of the secondary key mirror.
pub const MIRROR_SECONDARY: &str = "/.well-known/jwks/secondary.json";

/// One fixed route.
struct Entry {
    path: &'static str,
    allow: &'static str,
    route: Route,
    edge: bool,
}

/// The fixed routes; the protected prefix comes from configuration.
const TABLE: &[Entry] = &[
    Entry {
        path: "/oauth2/token",
        allow: "POST",
        route: Route::Token,
        edge: false,
    },
    Entry {
        path: "/healthz",
        allow: "GET, HEAD",
        route: Route::Health,
        edge: false,
    },
    Entry {
        path: "/fleet/revoke",
        allow: "POST",
        route: Route::Revoke,
        edge: false,
    },
    Entry {
        path: "/verify",
        allow: "POST",
        route: Route::Verify,
        edge: true,
    },
    Entry {
        path: MIRROR_PRIMARY,
        allow: "GET, HEAD",
        route: Route::Mirror(Region::Primary),
        edge: true,
    },
    Entry {
        path: MIRROR_SECONDARY,
        allow: "GET, HEAD",
        route: Route::Mirror(Region::Secondary),
        edge: true,
    },
];

/// Every fixed path (the protected prefix may not overlap them; deployments route them all).
pub fn fixed_paths() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|e| e.path)
}

/// Chooses the route. Paths match exactly (no trailing-slash variants). Edge routes exist only
/// when edge verification is on; `protect_prefix` is the protected route's prefix, if any.
pub fn route(method: &str, path: &str, edge_on: bool, protect_prefix: Option<&str>) -> Route {
    if let Some(e) = TABLE
        .iter()
        .find(|e| e.path == path && (edge_on || !e.edge))
    {
        return if e.allow.split(", ").any(|m| m == method) {
            e.route
        } else {
            Route::MethodNotAllowed(e.allow)
        };
    }
    match protect_prefix {
        Some(prefix) if edge_on && path.starts_with(prefix) => Route::Protected,
        _ => Route::NotFound,
    }
}

impl Route {
    /// How much of the body this route reads.
    pub fn body_limit(self) -> BodyLimit {
        match self {
            Route::Token => BodyLimit::Read(TOKEN_BODY_LIMIT),
            Route::Verify => BodyLimit::Read(VERIFY_BODY_LIMIT),
            Route::Revoke => BodyLimit::Read(REVOKE_BODY_LIMIT),
            Route::Protected => BodyLimit::PassThrough,
            _ => BodyLimit::Ignore,
        }
    }

    /// The route's name in log lines.
    pub fn name(self) -> &'static str {
        match self {
            Route::Token => "token",
            Route::Health => "health",
            Route::Verify => "verify",
            Route::Revoke => "revoke",
            Route::Mirror(_) => "mirror",
            Route::Protected => "protected",
            Route::MethodNotAllowed(_) => "method_not_allowed",
            Route::NotFound => "not_found",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let r = |m, p| route(m, p, true, Some("/api/"));
        assert_eq!(r("POST", "/oauth2/token"), Route::Token);
        assert_eq!(r("GET", "/oauth2/token"), Route::MethodNotAllowed("POST"));
        assert_eq!(r("post", "/oauth2/token"), Route::MethodNotAllowed("POST"));
        assert_eq!(r("GET", "/healthz"), Route::Health);
        assert_eq!(r("HEAD", "/healthz"), Route::Health);
        assert_eq!(r("POST", "/healthz"), Route::MethodNotAllowed("GET, HEAD"));
        assert_eq!(r("POST", "/verify"), Route::Verify);
        assert_eq!(r("POST", "/fleet/revoke"), Route::Revoke);
        assert_eq!(r("GET", "/fleet/revoke"), Route::MethodNotAllowed("POST"));
        assert_eq!(route("POST", "/fleet/revoke", false, None), Route::Revoke);
        assert_eq!(r("GET", "/verify"), Route::MethodNotAllowed("POST"));
        assert_eq!(r("GET", MIRROR_PRIMARY), Route::Mirror(Region::Primary));
        assert_eq!(
            r("HEAD", MIRROR_SECONDARY),
            Route::Mirror(Region::Secondary)
        );
        assert_eq!(r("DELETE", "/api/x"), Route::Protected);
        assert_eq!(r("POST", "/oauth2/token/"), Route::NotFound);
        assert_eq!(r("GET", "/apix"), Route::NotFound);
        assert_eq!(r("GET", "/"), Route::NotFound);
        // Edge verification off: its paths are unknown, the token proxy's stay.
        assert_eq!(route("POST", "/verify", false, None), Route::NotFound);
        assert_eq!(
            route("GET", "/api/x", false, Some("/api/")),
            Route::NotFound
        );
        assert_eq!(route("POST", "/oauth2/token", false, None), Route::Token);
    }

    #[test]
    fn body_limits() {
        assert_eq!(Route::Token.body_limit(), BodyLimit::Read(8192));
        assert_eq!(Route::Verify.body_limit(), BodyLimit::Read(20480));
        assert_eq!(Route::Revoke.body_limit(), BodyLimit::Read(1024));
        assert_eq!(Route::Protected.body_limit(), BodyLimit::PassThrough);
        for r in [
            Route::Health,
            Route::Mirror(Region::Primary),
            Route::NotFound,
            Route::MethodNotAllowed("GET"),
        ] {
            assert_eq!(r.body_limit(), BodyLimit::Ignore, "{r:?}");
        }
    }
}
