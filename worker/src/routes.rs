//! The route table. Adding an endpoint (e.g. `/verify` for edge verification) is one line
//! here plus one arm in the glue's dispatch.

/// What the router decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST /oauth2/token`: the client_credentials proxy.
    Token,
    /// `GET /healthz`.
    Health,
    /// Known path, wrong method: 405 with this `Allow` value.
    MethodNotAllowed(&'static str),
    /// Unknown path: 404.
    NotFound,
}

/// (path, allowed methods as sent in `Allow`, route).
const ROUTES: &[(&str, &str, Route)] = &[
    ("/oauth2/token", "POST", Route::Token),
    ("/healthz", "GET, HEAD", Route::Health),
];

/// Chooses the route for a method and path. Paths match exactly (no trailing slash variants).
pub fn route(method: &str, path: &str) -> Route {
    for &(p, allow, r) in ROUTES {
        if p == path {
            return if allow.split(", ").any(|m| m == method) {
                r
            } else {
                Route::MethodNotAllowed(allow)
            };
        }
    }
    Route::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(route("POST", "/oauth2/token"), Route::Token);
        assert_eq!(
            route("GET", "/oauth2/token"),
            Route::MethodNotAllowed("POST")
        );
        assert_eq!(
            route("OPTIONS", "/oauth2/token"),
            Route::MethodNotAllowed("POST")
        );
        assert_eq!(route("GET", "/healthz"), Route::Health);
        assert_eq!(route("HEAD", "/healthz"), Route::Health);
        assert_eq!(
            route("POST", "/healthz"),
            Route::MethodNotAllowed("GET, HEAD")
        );
        assert_eq!(route("POST", "/oauth2/token/"), Route::NotFound);
        assert_eq!(route("GET", "/"), Route::NotFound);
        assert_eq!(
            route("post", "/oauth2/token"),
            Route::MethodNotAllowed("POST")
        );
    }
}
