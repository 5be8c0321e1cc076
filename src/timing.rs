//! The time rules of verification (`exp`, `nbf`, `iat`, the maximum token age, `auth_time`
//! with `max_age`), written once: [`crate::verify::Verifier`] applies them one by one, each
//! with its own error, and [`TimeRules::window`] asks them for the whole seconds at which an
//! accepted token stays accepted, so a cache of verified tokens (the npm package's) can check
//! the time of a later call without repeating the rules.
//!
//! Each rule compares a non-decreasing function of `now` (f64 arithmetic rounds monotonically)
//! with a constant of the token, so the seconds at which all of them hold form one interval.

use crate::claims::{Claims, NumericDate};

/// The time rules of one policy: the clock tolerance and the maximum ages, in seconds.
#[derive(Clone, Copy, Debug)]
pub struct TimeRules {
    /// Clock tolerance, in seconds.
    pub tolerance: u64,
    /// Maximum age counted from `iat`, if any.
    pub max_token_age: Option<u64>,
    /// Maximum age counted from `auth_time` (`max_age`), if any.
    pub max_age: Option<u64>,
}

/// The bound of [`TimeRules::window`]: whole seconds a JavaScript number holds exactly, far past
/// any clock (a `Date` reaches 8.64e12 seconds).
const WINDOW_LIMIT: i64 = 1 << 53;

impl TimeRules {
    fn tol(&self) -> f64 {
        self.tolerance as f64
    }

    /// Step 9: expired at `now` (`now >= exp + tolerance`).
    pub fn expired(&self, exp: NumericDate, now: f64) -> bool {
        now >= exp.as_f64() + self.tol()
    }

    /// `nbf` still ahead at `now`.
    pub fn not_yet_valid(&self, nbf: NumericDate, now: f64) -> bool {
        now + self.tol() < nbf.as_f64()
    }

    /// Step 10: `iat` in the future at `now`.
    pub fn issued_in_future(&self, iat: NumericDate, now: f64) -> bool {
        iat.as_f64() > now + self.tol()
    }

    /// Older than `max` seconds counted from `iat` at `now`.
    pub fn too_old(&self, iat: NumericDate, max: u64, now: f64) -> bool {
        now - iat.as_f64() - self.tol() > max as f64
    }

    /// Step 13: the authentication older than `max_age` at `now`.
    pub fn auth_too_old(&self, auth_time: NumericDate, max_age: u64, now: f64) -> bool {
        now - self.tol() > auth_time.as_f64() + max_age as f64
    }

    /// Whether every time rule holds for the claims at `now` (the claims' presence is checked
    /// elsewhere: an absent `exp`, or an absent `iat` / `auth_time` that a maximum age needs,
    /// is "does not hold").
    pub fn hold(&self, c: &Claims, now: i64) -> bool {
        let now = now as f64;
        c.exp.is_some_and(|exp| !self.expired(exp, now))
            && c.nbf.is_none_or(|nbf| !self.not_yet_valid(nbf, now))
            && c.iat.is_none_or(|iat| !self.issued_in_future(iat, now))
            && self
                .max_token_age
                .is_none_or(|max| c.iat.is_some_and(|iat| !self.too_old(iat, max, now)))
            && self.max_age.is_none_or(|max| {
                c.auth_time
                    .is_some_and(|at| !self.auth_too_old(at, max, now))
            })
    }

    /// The whole seconds `(from, until)`, both inclusive and within +-2^53, at which every time
    /// rule holds for the claims, given that they hold at `now`; `None` if they do not. Found by
    /// bisection with [`TimeRules::hold`] itself (about 110 evaluations).
    pub fn window(&self, c: &Claims, now: i64) -> Option<(i64, i64)> {
        if !(-WINDOW_LIMIT..=WINDOW_LIMIT).contains(&now) || !self.hold(c, now) {
            return None;
        }
        // Largest second that holds in [now, LIMIT], smallest in [-LIMIT, now].
        let until = self.edge(c, now, WINDOW_LIMIT);
        let from = self.edge(c, now, -WINDOW_LIMIT);
        Some((from, until))
    }

    /// The second farthest from `inside` towards `limit` at which the rules hold, knowing they
    /// hold at `inside` and form one interval.
    fn edge(&self, c: &Claims, inside: i64, limit: i64) -> i64 {
        if self.hold(c, limit) {
            return limit;
        }
        let (mut good, mut bad) = (inside, limit);
        while (bad - good).abs() > 1 {
            let mid = good + (bad - good) / 2;
            if self.hold(c, mid) {
                good = mid;
            } else {
                bad = mid;
            }
        }
        good
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: serde_json::Value) -> Claims {
        Claims::from_map(v.as_object().unwrap().clone()).unwrap()
    }

    const RULES: TimeRules = TimeRules {
        tolerance: 0,
        max_token_age: None,
        max_age: None,
    };

    /// The window agrees with `hold` at every second around each bound.
    fn check_edges(rules: TimeRules, c: &Claims, now: i64) -> (i64, i64) {
        let (from, until) = rules.window(c, now).unwrap();
        assert!(from <= now && now <= until);
        for t in [from, until] {
            assert!(rules.hold(c, t));
        }
        if until < WINDOW_LIMIT {
            assert!(!rules.hold(c, until + 1));
        }
        if from > -WINDOW_LIMIT {
            assert!(!rules.hold(c, from - 1));
        }
        (from, until)
    }

    #[test]
    fn exp_alone_bounds_above_only() {
        let c = claims(json!({ "exp": 1000 }));
        assert_eq!(check_edges(RULES, &c, 10), (-WINDOW_LIMIT, 999));
    }

    #[test]
    fn every_rule_narrows_the_window() {
        let c = claims(json!({ "exp": 1000, "nbf": 100, "iat": 90, "auth_time": 80 }));
        let rules = TimeRules {
            tolerance: 5,
            max_token_age: Some(500),
            max_age: Some(300),
        };
        // nbf - tol = 95; iat - tol = 85; min(exp + tol - 1, iat + 500 + tol, auth + 300 + tol).
        assert_eq!(check_edges(rules, &c, 200), (95, 385));
    }

    #[test]
    fn fractional_claims_round_as_the_rules_do() {
        let c = claims(json!({ "exp": 1000.5, "nbf": 99.5 }));
        assert_eq!(check_edges(RULES, &c, 500), (100, 1000));
    }

    #[test]
    fn no_window_where_the_rules_fail() {
        let c = claims(json!({ "exp": 1000 }));
        assert_eq!(RULES.window(&c, 1000), None);
        assert_eq!(RULES.window(&claims(json!({})), 0), None);
        let rules = TimeRules {
            max_age: Some(10),
            ..RULES
        };
        assert_eq!(rules.window(&c, 0), None, "max_age without auth_time");
    }
}
