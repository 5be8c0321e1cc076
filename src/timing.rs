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

/// `x` rounded down, for the guesses of [`TimeRules::window`] (core has no `f64::floor` without
/// std; through `i64`, which saturates: exact for the whole seconds the window covers).
fn floor(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// `x` rounded up (see [`floor`]).
fn ceil(x: f64) -> f64 {
    -floor(-x)
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
        #[cfg(test)]
        tests::HOLDS.with(|n| n.set(n.get() + 1));
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
    /// rule holds for the claims, given that they hold at `now`; `None` if they do not.
    ///
    /// [`TimeRules::hold`] decides every second: each bound is first guessed from the claims
    /// (the arithmetic of the rules solved for `now`), then confirmed with `hold` on both sides
    /// of it (four evaluations in all); where a guess is off (f64 rounding at extreme values),
    /// the bound is found by bisection with `hold` (about 55 evaluations per bound).
    pub fn window(&self, c: &Claims, now: i64) -> Option<(i64, i64)> {
        if !(-WINDOW_LIMIT..=WINDOW_LIMIT).contains(&now) || !self.hold(c, now) {
            return None;
        }
        // Largest second that holds in [now, LIMIT], smallest in [-LIMIT, now].
        let (from_guess, until_guess) = self.guess(c);
        let until = self.edge(c, now, WINDOW_LIMIT, until_guess);
        let from = self.edge(c, now, -WINDOW_LIMIT, from_guess);
        Some((from, until))
    }

    /// The bounds the rules' arithmetic gives, as whole seconds (a guess: [`TimeRules::edge`]
    /// checks it). Lower: `nbf - tol`, `iat - tol` rounded up; upper: the last second before
    /// `exp + tol`, `iat + tol + max_token_age` and `auth_time + tol + max_age` rounded down.
    fn guess(&self, c: &Claims) -> (f64, f64) {
        let tol = self.tol();
        let mut from = f64::NEG_INFINITY;
        let mut until = f64::INFINITY;
        if let Some(exp) = c.exp {
            until = until.min(ceil(exp.as_f64() + tol) - 1.0);
        }
        if let Some(nbf) = c.nbf {
            from = from.max(ceil(nbf.as_f64() - tol));
        }
        if let Some(iat) = c.iat {
            from = from.max(ceil(iat.as_f64() - tol));
            if let Some(max) = self.max_token_age {
                until = until.min(floor(iat.as_f64() + tol + max as f64));
            }
        }
        if let (Some(at), Some(max)) = (c.auth_time, self.max_age) {
            until = until.min(floor(at.as_f64() + tol + max as f64));
        }
        (from, until)
    }

    /// The second farthest from `inside` towards `limit` at which the rules hold, knowing they
    /// hold at `inside` and form one interval; `guess` is tried first.
    fn edge(&self, c: &Claims, inside: i64, limit: i64, guess: f64) -> i64 {
        let step = if limit > inside { 1 } else { -1 };
        // The guess as a second strictly between `inside` and `limit` (else: no use).
        let g = guess.clamp(-(WINDOW_LIMIT as f64), WINDOW_LIMIT as f64) as i64;
        let between = if step > 0 {
            inside <= g && g < limit
        } else {
            limit < g && g <= inside
        };
        if between && self.hold(c, g) && !self.hold(c, g + step) {
            return g;
        }
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

    std::thread_local! {
        /// How many times [`TimeRules::hold`] ran on this thread.
        pub(super) static HOLDS: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
    }

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

    /// The bisection alone, as before the guesses: the reference for the property test.
    fn bisected(rules: TimeRules, c: &Claims, now: i64) -> Option<(i64, i64)> {
        if !rules.hold(c, now) {
            return None;
        }
        let nan = f64::NAN;
        Some((
            rules.edge(c, now, -WINDOW_LIMIT, nan),
            rules.edge(c, now, WINDOW_LIMIT, nan),
        ))
    }

    #[test]
    fn the_guessed_window_is_the_bisected_one() {
        // Seeded: claims and rules of every shape, integral and fractional, small and near the
        // limits of f64's whole seconds.
        use rand::{rngs::StdRng, Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(0x7153);
        let value = |rng: &mut StdRng, base: f64| {
            let whole = rng.gen_range(-10_000i64..10_000) as f64;
            let frac = if rng.gen_ratio(1, 3) {
                rng.gen_range(0..1000) as f64 / 1000.0
            } else {
                0.0
            };
            base + whole + frac
        };
        let mut checked = 0;
        for _ in 0..20_000 {
            let base = match rng.gen_range(0..4) {
                0 => 1_700_000_000.0,
                1 => 0.0,
                2 => 4.0e15,
                _ => -1.0e9,
            };
            let mut doc = serde_json::Map::new();
            for name in ["exp", "nbf", "iat", "auth_time"] {
                if name == "exp" || !rng.gen_ratio(1, 3) {
                    doc.insert(name.into(), json!(value(&mut rng, base)));
                }
            }
            let c = Claims::from_map(doc).unwrap();
            let rules = TimeRules {
                tolerance: rng.gen_range(0..120),
                max_token_age: rng.gen_bool(0.5).then(|| rng.gen_range(0..5_000)),
                max_age: rng.gen_bool(0.5).then(|| rng.gen_range(0..5_000)),
            };
            let now = (base as i64).saturating_add(rng.gen_range(-10_000..10_000));
            let got = rules.window(&c, now);
            assert_eq!(got, bisected(rules, &c, now), "{c:?} {rules:?} at {now}");
            checked += usize::from(got.is_some());
        }
        assert!(checked > 1_000, "too few accepted cases: {checked}");
    }

    #[test]
    fn a_typical_token_costs_five_evaluations() {
        let c = claims(
            json!({ "exp": 1_700_003_600, "iat": 1_700_000_000, "nbf": 1_700_000_000,
                               "auth_time": 1_699_999_000 }),
        );
        let rules = TimeRules {
            tolerance: 30,
            max_token_age: None,
            max_age: Some(3_600),
        };
        HOLDS.with(|n| n.set(0));
        let w = rules.window(&c, 1_700_000_100);
        assert_eq!(w, Some((1_699_999_970, 1_700_002_630)));
        assert_eq!(
            HOLDS.with(|n| n.get()),
            5,
            "now, then both sides of each guessed bound"
        );
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
