//! The worker's one configuration: every variable and secret is read and checked once per
//! isolate, and every problem is reported together (by `/healthz` to the operator, and in the
//! log line of each refused request). A worker with any problem serves no route but
//! `/healthz`: a half-valid configuration is never guessed into a working one.
//!
//! [`vars`] reads values; [`proxy`], [`edge`] and [`secrets`] hold each part's settings.

pub mod edge;
pub mod proxy;
pub mod secrets;
pub mod vars;

use std::string::String;
use std::vec::Vec;

pub use edge::{EdgeConfig, Protect};
pub use proxy::ProxyConfig;
pub use secrets::Secrets;
use vars::Vars;

/// The validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The token proxy.
    pub proxy: ProxyConfig,
    /// Edge verification, when configured.
    pub edge: Option<EdgeConfig>,
    /// Secrets.
    pub secrets: Secrets,
}

impl Config {
    /// Reads and checks everything through `get` (the glue: `env.var` and `env.secret`).
    /// `Err`: every problem found (names only, never a value).
    pub fn from_env(get: &dyn Fn(&str) -> Option<String>) -> Result<Config, Vec<String>> {
        let mut v = Vars::new(get);
        let proxy = ProxyConfig::read(&mut v);
        let edge = EdgeConfig::read(&mut v);
        let protect_on = edge.as_ref().is_some_and(|e| e.protect.is_some());
        let secrets = Secrets::read(&mut v, proxy.cache.is_some(), protect_on);
        match secrets {
            Some(secrets) if v.problems.is_empty() => Ok(Config {
                proxy,
                edge,
                secrets,
            }),
            _ => Err(v.problems),
        }
    }

    /// The protected route, when there is one.
    pub fn protect(&self) -> Option<&Protect> {
        self.edge.as_ref().and_then(|e| e.protect.as_ref())
    }
}

#[cfg(test)]
mod tests;
