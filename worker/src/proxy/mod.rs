//! The `client_credentials` token proxy: pure decision logic.

pub mod breaker;
pub mod config;
pub mod failover;
pub mod upstream;

#[cfg(test)]
mod failover_tests;
