//! The two documents of fleet health, as JSON.
//!
//! Report (isolate to Durable Object), the outcomes an isolate saw since its last report, in
//! order, per upstream (`s` success, `f` failure that counts against the upstream, and when),
//! at most [`MAX_OUTCOMES`] each (the most recent):
//!
//! ```json
//! {"v":1,"primary":[["f",1764000003000],["s",1764000004100]],"secondary":[]}
//! ```
//!
//! Verdict (Durable Object to isolates, also kept in the Cache API):
//!
//! ```json
//! {"v":1,"at":1764000000000,
//!  "primary":{"until":1764000006000,"recovered":0},
//!  "secondary":{"until":0,"recovered":1763999000000},
//!  "epoch":3,"revoked":["app_123"]}
//! ```
//!
//! `at` is when the object issued it; `until` > `at` says "degraded until then" (0: healthy);
//! `recovered` is when a probe last found the upstream healthy again after it was degraded;
//! `epoch` counts revocations and `revoked` lists the client ids revoked recently.

use std::string::{String, ToString};
use std::vec::Vec;

use serde_json::{json, Value};

use crate::regions::Region;

/// Most outcomes per upstream in one report (older ones are dropped: the breaker decides on
/// the recent run of outcomes).
pub const MAX_OUTCOMES: usize = 64;
/// Most client ids on the revocation list (the oldest are dropped first).
pub const MAX_REVOKED: usize = 1000;

/// One outcome an isolate saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The upstream answered (`false`: a failure that counts against it).
    pub ok: bool,
    /// When (the isolate's clock).
    pub at_ms: u64,
}

/// One isolate's batch of outcomes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Per upstream ([`Region::index`]), oldest first.
    pub outcomes: [Vec<Seen>; 2],
}

impl Report {
    /// Adds one outcome, dropping the oldest beyond [`MAX_OUTCOMES`].
    pub fn push(&mut self, region: Region, ok: bool, at_ms: u64) {
        let v = &mut self.outcomes[region.index()];
        if v.len() == MAX_OUTCOMES {
            v.remove(0);
        }
        v.push(Seen { ok, at_ms });
    }

    /// Whether there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.outcomes.iter().all(Vec::is_empty)
    }

    /// One upstream's outcomes, without their times.
    pub fn oks(&self, region: Region) -> Vec<bool> {
        self.outcomes[region.index()].iter().map(|s| s.ok).collect()
    }

    /// The JSON document.
    pub fn to_json(&self) -> String {
        let list = |r: Region| -> Vec<Value> {
            self.outcomes[r.index()]
                .iter()
                .map(|s| json!([if s.ok { "s" } else { "f" }, s.at_ms]))
                .collect()
        };
        json!({"v": 1, "primary": list(Region::Primary), "secondary": list(Region::Secondary)})
            .to_string()
    }

    /// Parses a report; `None` for anything malformed (the object ignores it).
    pub fn parse(doc: &[u8]) -> Option<Report> {
        let v: Value = serde_json::from_slice(doc).ok()?;
        if v.get("v")?.as_u64()? != 1 {
            return None;
        }
        let mut out = Report::default();
        for r in Region::BOTH {
            let Some(list) = v.get(r.as_str()) else {
                continue;
            };
            let list = list.as_array()?;
            if list.len() > MAX_OUTCOMES {
                return None;
            }
            for e in list {
                let ok = match e.get(0)?.as_str()? {
                    "s" => true,
                    "f" => false,
                    _ => return None,
                };
                out.push(r, ok, e.get(1)?.as_u64()?);
            }
        }
        Some(out)
    }
}

/// One upstream's part of a verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Health {
    /// Degraded until then (0: healthy).
    pub until_ms: u64,
    /// When a probe last found it healthy again after it was degraded (0: never).
    pub recovered_ms: u64,
}

/// What the Durable Object says about the fleet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// When it was issued (the object's clock).
    pub at_ms: u64,
    /// Per upstream ([`Region::index`]).
    pub upstreams: [Health; 2],
    /// Revocations so far.
    pub epoch: u64,
    /// Client ids revoked recently (presented ids, as in the record key).
    pub revoked: Vec<String>,
}

impl Verdict {
    /// Whether the verdict says `region` is degraded at `now_ms`.
    pub fn degraded(&self, region: Region, now_ms: u64) -> bool {
        now_ms < self.upstreams[region.index()].until_ms
    }

    /// The JSON document.
    pub fn to_json(&self) -> String {
        let h = |r: Region| {
            let u = self.upstreams[r.index()];
            json!({"until": u.until_ms, "recovered": u.recovered_ms})
        };
        json!({
            "v": 1,
            "at": self.at_ms,
            "primary": h(Region::Primary),
            "secondary": h(Region::Secondary),
            "epoch": self.epoch,
            "revoked": self.revoked,
        })
        .to_string()
    }

    /// Parses a verdict; `None` for anything malformed (the isolate keeps what it had).
    pub fn parse(doc: &[u8]) -> Option<Verdict> {
        let v: Value = serde_json::from_slice(doc).ok()?;
        if v.get("v")?.as_u64()? != 1 {
            return None;
        }
        let mut upstreams = [Health::default(); 2];
        for r in Region::BOTH {
            let h = v.get(r.as_str())?;
            upstreams[r.index()] = Health {
                until_ms: h.get("until")?.as_u64()?,
                recovered_ms: h.get("recovered")?.as_u64()?,
            };
        }
        let revoked = v.get("revoked")?.as_array()?;
        if revoked.len() > MAX_REVOKED {
            return None;
        }
        Some(Verdict {
            at_ms: v.get("at")?.as_u64()?,
            upstreams,
            epoch: v.get("epoch")?.as_u64()?,
            revoked: revoked
                .iter()
                .map(|c| c.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_round_trips_and_keeps_the_most_recent() {
        let mut r = Report::default();
        assert!(r.is_empty());
        r.push(Region::Primary, false, 1);
        for t in 0..MAX_OUTCOMES as u64 {
            r.push(Region::Primary, true, 2 + t);
        }
        r.push(Region::Secondary, false, 99);
        assert_eq!(r.outcomes[0].len(), MAX_OUTCOMES);
        assert!(
            r.oks(Region::Primary).iter().all(|&ok| ok),
            "the oldest failure was dropped"
        );
        assert_eq!(r.outcomes[0][0].at_ms, 2);
        let back = Report::parse(r.to_json().as_bytes()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn malformed_reports_are_refused() {
        for doc in [
            &b"{"[..],
            br#"{"v":2,"primary":[]}"#,
            br#"{"v":1,"primary":[["x",1]]}"#,
            br#"{"v":1,"primary":[["s",-1]]}"#,
            br#"{"v":1,"primary":"s"}"#,
            br#"[1]"#,
        ] {
            assert_eq!(Report::parse(doc), None, "{}", String::from_utf8_lossy(doc));
        }
        let many = std::vec![r#"["s",1]"#; MAX_OUTCOMES + 1].join(",");
        let long = std::format!(r#"{{"v":1,"primary":[{many}]}}"#);
        assert_eq!(Report::parse(long.as_bytes()), None);
        assert_eq!(
            Report::parse(br#"{"v":1}"#),
            Some(Report::default()),
            "an upstream without outcomes may be left out"
        );
    }

    #[test]
    fn verdict_round_trips_and_says_degraded_until_its_time() {
        let v = Verdict {
            at_ms: 1000,
            upstreams: [
                Health {
                    until_ms: 5000,
                    recovered_ms: 0,
                },
                Health {
                    until_ms: 0,
                    recovered_ms: 700,
                },
            ],
            epoch: 2,
            revoked: std::vec!["a".into(), "b\"c".into()],
        };
        let back = Verdict::parse(v.to_json().as_bytes()).unwrap();
        assert_eq!(back, v);
        assert!(v.degraded(Region::Primary, 4999));
        assert!(!v.degraded(Region::Primary, 5000));
        assert!(!v.degraded(Region::Secondary, 1000));
    }

    #[test]
    fn malformed_verdicts_are_refused() {
        let good = Verdict::default().to_json();
        assert!(Verdict::parse(good.as_bytes()).is_some());
        for bad in [
            good.replace("\"v\":1", "\"v\":9"),
            good.replace("\"epoch\":0", "\"epoch\":-1"),
            good.replace("\"revoked\":[]", "\"revoked\":[1]"),
            good.replace("\"until\":0", "\"until\":\"0\""),
            "null".into(),
        ] {
            assert_eq!(Verdict::parse(bad.as_bytes()), None, "{bad}");
        }
    }
}
