//! The worker as one application: the state of an isolate and the request pipeline. The glue
//! reads the configuration once per isolate into an [`App`], routes each request
//! ([`App::route`]), reads its body under the route's limit, and calls [`App::handle`]; all
//! decisions are here and below, and run natively under `cargo test`.
//!
//! Every route goes through the same steps: route, body limit, configuration, handler,
//! response builder ([`HttpResponse::new`]), log line ([`LogLine`]).

use serde_json::json;

use crate::config::secrets::health_token;
use crate::config::vars::Vars;
use crate::config::{proxy::ProxyConfig, Config};
use crate::edge::origin::Forward;
use crate::edge::respond as edge_respond;
use crate::edge::verify::{self as edge, EdgeState};
use crate::fleet::revoke;
use crate::health::{health, is_operator};
use crate::http::{HttpRequest, HttpResponse};
use crate::io::Io;
use crate::log::LogLine;
use crate::proxy::token::{self, ProxyState};
use crate::routes::{self, Route};

/// What the glue should do with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Send this response.
    Respond(HttpResponse),
    /// Send the caller's request (method, body) to the origin as described, and pass the
    /// origin's answer back.
    Forward(Forward),
}

impl Outcome {
    /// The response, if this is one.
    pub fn response(&self) -> Option<&HttpResponse> {
        match self {
            Outcome::Respond(r) => Some(r),
            Outcome::Forward(_) => None,
        }
    }
}

/// One isolate's application: its configuration (or every problem with it) and its state.
pub struct App {
    config: Result<Config, Vec<String>>,
    health_token: Option<String>,
    proxy: ProxyState,
    edge: Option<EdgeState>,
}

impl App {
    /// The application for the variables and secrets `get` reads (the glue: the `Env`).
    pub fn from_env(get: &dyn Fn(&str) -> Option<String>) -> App {
        let mut app = App::new(Config::from_env(get));
        app.health_token = health_token(get);
        app
    }

    /// The application for a configuration as read by [`Config::from_env`] (the operator's
    /// `/healthz` token is the configuration's; see [`App::from_env`] for a broken one).
    pub fn new(config: Result<Config, Vec<String>>) -> App {
        let proxy = match &config {
            Ok(c) => ProxyState::new(&c.proxy),
            // Never used to serve (every route but /healthz answers 500); the defaults give
            // /healthz something to read.
            Err(_) => ProxyState::new(&ProxyConfig::read(&mut Vars::new(&|_| None))),
        };
        let edge = config.as_ref().ok().and_then(|c| {
            let key = c.secrets.dpop_nonce_key.as_deref();
            c.edge.as_ref().map(|e| EdgeState::new(e, key))
        });
        App {
            health_token: config
                .as_ref()
                .ok()
                .and_then(|c| c.secrets.health_token.clone()),
            config,
            proxy,
            edge,
        }
    }

    /// The same application with one more configuration problem (the glue's own checks, such
    /// as a missing binding).
    pub fn with_problem(self, problem: String) -> App {
        let problems = match self.config {
            Ok(_) => vec![problem],
            Err(mut ps) => {
                ps.push(problem);
                ps
            }
        };
        App {
            health_token: self.health_token,
            ..App::new(Err(problems))
        }
    }

    /// The token proxy's isolate state: its breakers and the fleet view, which the glue
    /// warms and refreshes ([`crate::fleet::refresh`]).
    pub fn proxy(&self) -> &ProxyState {
        &self.proxy
    }

    /// The configuration, or its problems.
    pub fn config(&self) -> &Result<Config, Vec<String>> {
        &self.config
    }

    /// The route of a request. With a broken configuration every path is routed as if edge
    /// verification were on, so its requests are told the worker is misconfigured.
    pub fn route(&self, method: &str, path: &str) -> Route {
        let (edge_on, prefix) = match &self.config {
            Ok(c) => (c.edge.is_some(), c.protect().map(|p| p.prefix.as_str())),
            Err(_) => (true, None),
        };
        routes::route(method, path, edge_on, prefix)
    }

    /// Handles one request on `route`. The log line is complete but for a forwarded
    /// request's status, which the glue sets ([`LogLine::finish`]).
    pub async fn handle<I: Io>(
        &self,
        io: &I,
        route: Route,
        req: &HttpRequest,
        request_id: &str,
    ) -> (Outcome, LogLine) {
        let start = io.now_ms();
        let mut log = LogLine {
            request_id: request_id.into(),
            ts_ms: start,
            method: req.method.clone(),
            path: req.path.clone(),
            route: route.name(),
            ..LogLine::default()
        };
        let outcome = self.dispatch(io, route, req, request_id, &mut log).await;
        if let Outcome::Respond(r) = &outcome {
            log.finish(r.status, r.served_by(), io.now_ms());
        }
        (outcome, log)
    }

    async fn dispatch<I: Io>(
        &self,
        io: &I,
        route: Route,
        req: &HttpRequest,
        id: &str,
        log: &mut LogLine,
    ) -> Outcome {
        let respond = Outcome::Respond;
        match route {
            Route::Health => {
                log.outcome = "health";
                let operator = is_operator(self.health_token.as_deref(), req);
                return respond(health(&self.config, &self.proxy, operator, io.now_ms(), id));
            }
            Route::MethodNotAllowed(allow) => {
                log.outcome = "method_not_allowed";
                return respond(
                    HttpResponse::oauth_error(
                        405,
                        "invalid_request",
                        Some("method not allowed"),
                        id,
                    )
                    .with_header("Allow", allow),
                );
            }
            Route::NotFound => {
                log.outcome = "not_found";
                return respond(HttpResponse::oauth_error(404, "not_found", None, id));
            }
            _ => {}
        }
        let config = match &self.config {
            Ok(c) => c,
            Err(problems) => {
                log.outcome = "misconfigured";
                log.error = Some("server_error".into());
                log.problems = problems.clone();
                return respond(HttpResponse::oauth_error(
                    500,
                    "server_error",
                    Some("the worker is not configured"),
                    id,
                ));
            }
        };
        if req.body.is_none() {
            log.outcome = "too_large";
            return respond(match route {
                Route::Token => HttpResponse::oauth_error(
                    413,
                    "invalid_request",
                    Some("request body too large"),
                    id,
                ),
                _ => edge_respond::too_large(id),
            });
        }
        if route == Route::Revoke {
            let operator = is_operator(self.health_token.as_deref(), req);
            return respond(revoke::route(&self.proxy, io, operator, req, id, log).await);
        }
        let (edge_cfg, edge_state) = match (&config.edge, &self.edge) {
            (Some(c), Some(s)) => (c, s),
            _ if route == Route::Token => {
                return respond(token::handle(config, &self.proxy, io, req, id, log).await)
            }
            _ => {
                log.outcome = "not_found";
                return respond(HttpResponse::oauth_error(404, "not_found", None, id));
            }
        };
        match route {
            Route::Token => respond(token::handle(config, &self.proxy, io, req, id, log).await),
            Route::Verify => {
                let isolate = edge::Isolate {
                    edge: edge_state,
                    fleet: &self.proxy.fleet,
                };
                respond(edge::verify_route(edge_cfg, isolate, io, req, id, log).await)
            }
            Route::Mirror(region) => {
                let mut r = edge::mirror_route(edge_cfg, edge_state, io, region, id, log).await;
                if req.method == "HEAD" {
                    r.body.clear();
                }
                respond(r)
            }
            Route::Protected => {
                let isolate = edge::Isolate {
                    edge: edge_state,
                    fleet: &self.proxy.fleet,
                };
                edge::protected_route(edge_cfg, &config.secrets, isolate, io, req, id, log).await
            }
            _ => respond(HttpResponse::json(
                500,
                &json!({"error": "server_error"}),
                id,
            )),
        }
    }
}

#[cfg(test)]
mod tests;
