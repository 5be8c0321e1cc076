//! Reading variables and secrets: one reader for every setting, collecting problems instead
//! of stopping at the first, so a misconfigured deployment is told everything at once.
//! Problems name variables, never their values (some are secrets).

use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use crate::codec::base64_any_decode;

/// Reads variables through the glue's lookup function and collects problems.
pub struct Vars<'a> {
    get: &'a dyn Fn(&str) -> Option<String>,
    /// Everything wrong so far, in reading order.
    pub problems: Vec<String>,
}

impl<'a> Vars<'a> {
    /// A reader over `get` (the glue: `env.var` / `env.secret`; tests: a map).
    pub fn new(get: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Vars {
            get,
            problems: Vec::new(),
        }
    }

    /// Adds a problem.
    pub fn problem(&mut self, p: impl Into<String>) {
        self.problems.push(p.into());
    }

    /// The trimmed value; an empty one counts as unset.
    pub fn value(&self, name: &str) -> Option<String> {
        (self.get)(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// An integer in `min..=max`, or `default` when unset.
    pub fn num(&mut self, name: &str, default: u64, min: u64, max: u64) -> u64 {
        match self.value(name) {
            None => default,
            Some(v) => match v.parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => n,
                _ => {
                    self.problem(format!("{name} must be an integer in {min}..={max}"));
                    default
                }
            },
        }
    }

    /// One of the names in `table`. Unset: `default`, or a problem when there is none
    /// (a required choice). The problem lists the accepted names from the table itself.
    pub fn choice<T: Copy>(
        &mut self,
        name: &str,
        table: &[(&str, T)],
        default: Option<T>,
    ) -> Option<T> {
        let names = || {
            table
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(" | ")
        };
        match self.value(name) {
            None if default.is_some() => default,
            None => {
                let p = format!("{name} is not set ({}; it is never guessed)", names());
                self.problem(p);
                None
            }
            Some(v) => match table.iter().find(|(n, _)| *n == v) {
                Some((_, t)) => Some(*t),
                None => {
                    let p = format!("{name} must be one of {}", names());
                    self.problem(p);
                    None
                }
            },
        }
    }

    /// `on` / `off` (default `default`).
    pub fn flag(&mut self, name: &str, default: bool) -> bool {
        self.choice(name, &[("on", true), ("off", false)], Some(default))
            .unwrap_or(default)
    }

    /// A list given with commas and/or spaces (empty when unset).
    pub fn list(&self, name: &str) -> Vec<String> {
        self.value(name).map(|v| split_list(&v)).unwrap_or_default()
    }

    /// A required endpoint URL (see [`check_endpoint`]).
    pub fn endpoint(&mut self, name: &str) -> String {
        let Some(u) = self.value(name) else {
            self.problem(format!("{name} is not set"));
            return String::new();
        };
        if let Err(e) = check_endpoint(&u) {
            self.problem(format!("{name} {e}"));
        }
        u
    }

    /// A secret key, base64 or base64url, at least 32 octets (exactly `exact` when given).
    /// `None` when unset (a problem only if `required`) or invalid (always a problem).
    pub fn key(&mut self, name: &str, required: bool, exact: Option<usize>) -> Option<Vec<u8>> {
        let Some(v) = self.value(name) else {
            if required {
                self.problem(format!("secret {name} is not set"));
            }
            return None;
        };
        match base64_any_decode(&v) {
            Some(k) if exact.is_none_or(|n| k.len() == n) && k.len() >= 32 => Some(k),
            _ => {
                let size = match exact {
                    Some(n) => format!("exactly {n}"),
                    None => "at least 32".to_string(),
                };
                self.problem(format!("secret {name} must be base64 of {size} bytes"));
                None
            }
        }
    }
}

/// Splits a list given with commas and/or spaces.
pub fn split_list(v: &str) -> Vec<String> {
    v.split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Is this host a loopback name or address (plain http allowed for local development)?
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host == "[::1]"
        || host.strip_prefix("127.").is_some_and(|rest| {
            rest.split('.').count() == 3 && rest.split('.').all(|p| p.parse::<u8>().is_ok())
        })
}

/// Checks an endpoint URL: absolute, `https` (or `http` to a loopback host), no credentials,
/// query or fragment.
pub fn check_endpoint(url: &str) -> Result<(), &'static str> {
    let (scheme, rest) = url.split_once("://").ok_or("is not an absolute URL")?;
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty() {
        return Err("has no host");
    }
    if authority.contains('@') {
        return Err("must not contain credentials");
    }
    if url.contains('?') || url.contains('#') {
        return Err("must not have a query or fragment");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains whitespace");
    }
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or(authority)
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    match scheme {
        "https" => Ok(()),
        "http" if is_loopback(&host.to_ascii_lowercase()) => Ok(()),
        "http" => Err("must use https (plain http only to a loopback host)"),
        _ => Err("must be an https URL"),
    }
}

/// The authority (host and port) of an endpoint URL, for health output and the origin proof.
pub fn endpoint_host(url: &str) -> &str {
    url.split_once("://")
        .map(|(_, r)| r.split('/').next().unwrap_or(""))
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        for ok in [
            "https://a.example/oauth2/token",
            "https://a.example:8443/t",
            "http://127.0.0.1:8080/token",
            "http://localhost/token",
            "http://[::1]:9/token",
        ] {
            assert_eq!(check_endpoint(ok), Ok(()), "{ok}");
        }
        for bad in [
            "a.example/oauth2/token",
            "http://a.example/token",
            "http://127.0.0.1.evil.example/token",
            "http://localhost.evil.example/token",
            "ftp://a.example/token",
            "https://user:pw@a.example/token",
            "https://a.example/token?x=1",
            "https:///token",
            "https://a.example/to ken",
        ] {
            assert!(check_endpoint(bad).is_err(), "{bad}");
        }
        assert_eq!(endpoint_host("https://a.example:8443/t"), "a.example:8443");
    }

    #[test]
    fn readers_collect_problems_without_values() {
        let get = |n: &str| match n {
            "N" => Some(" 7 ".to_string()),
            "BAD" => Some("x".to_string()),
            "CHOICE" => Some("b".to_string()),
            "KEY" => Some("c2hvcnQ".to_string()),
            "EMPTY" => Some("  ".to_string()),
            _ => None,
        };
        let mut v = Vars::new(&get);
        assert_eq!(v.num("N", 1, 0, 10), 7);
        assert_eq!(v.num("BAD", 3, 0, 10), 3);
        assert_eq!(v.num("EMPTY", 4, 0, 10), 4);
        assert_eq!(v.choice("CHOICE", &[("a", 1), ("b", 2)], None), Some(2));
        assert_eq!(v.choice("UNSET", &[("a", 1)], None), None);
        assert_eq!(v.choice("BAD", &[("a", 1), ("b", 2)], Some(1)), None);
        assert!(v.key("KEY", true, None).is_none());
        assert!(v.key("UNSET_KEY", false, None).is_none());
        assert_eq!(
            v.problems,
            [
                "BAD must be an integer in 0..=10",
                "UNSET is not set (a; it is never guessed)",
                "BAD must be one of a | b",
                "secret KEY must be base64 of at least 32 bytes",
            ]
        );
        assert!(v.problems.iter().all(|p| !p.contains("c2hvcnQ")));
    }
}
