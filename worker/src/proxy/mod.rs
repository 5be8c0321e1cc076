//! The `client_credentials` token proxy: pure decision logic.

pub mod breaker;
pub mod cache;
pub mod clients;
pub mod config;
pub mod failover;
pub mod health;
pub mod log;
pub mod request;
pub mod token;
pub mod upstream;

#[cfg(test)]
mod failover_tests;
#[cfg(test)]
mod token_tests;
