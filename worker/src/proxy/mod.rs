//! The `client_credentials` token proxy (`POST /oauth2/token`): the request checks
//! ([`request`]), caller authentication and the flow ([`token`]), failed-attempt lock-outs
//! ([`lockout`]), the failover policy ([`failover`]) with a breaker per upstream
//! ([`breaker`]), the optional token cache ([`cache`]) and the upstream request ([`upstream`]).

pub mod breaker;
pub mod cache;
pub mod failover;
pub mod lockout;
pub mod request;
pub mod token;
pub mod upstream;

#[cfg(test)]
mod failover_tests;
#[cfg(test)]
mod token_tests;
