//! Statistics and the final table: medians across rounds per scenario and broker, ratios against the reference,
//! the targets from the issue, and whether our broker lost, duplicated or reordered anything.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::brokers::BrokerKind;
use super::scenarios::{Outcome, Scenario};
use crate::common::median;

/// Nearest-rank percentile `p` (0–100] of an ascending slice; 0 for an empty one.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Targets from the issue, for our broker.
const RATIO_1_TO_1: f64 = 25.0;
const RATIO_FAN_OUT: f64 = 50.0;
const RATIO_FAN_IN: f64 = 25.0;
const P99_MAX_US: f64 = 150.0;
const RSS_MAX_MIB: f64 = 30.0;

/// One scenario on one broker, summarised over its rounds.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    /// Rounds run.
    pub runs: usize,
    /// Rounds that produced no figure.
    pub failed: usize,
    /// Median rate.
    pub rate: Option<f64>,
    /// Median p50, p99 and max latency in µs.
    pub lat_us: Option<(f64, f64, f64)>,
    /// Median RSS and baseline RSS in MiB.
    pub rss_mib: Option<(f64, f64)>,
    /// Totals across rounds.
    pub lost: u64,
    /// Totals across rounds.
    pub dup: u64,
    /// Totals across rounds.
    pub reordered: u64,
    /// Totals across rounds.
    pub corrupt: u64,
    /// Distinct errors across rounds.
    pub errors: Vec<String>,
}

impl Summary {
    /// Summarises the rounds of one scenario on one broker.
    pub fn of(outcomes: &[Outcome]) -> Summary {
        let mut s = Summary {
            runs: outcomes.len(),
            ..Summary::default()
        };
        for o in outcomes {
            if o.rate.is_none() && o.latency.is_none() && o.rss_kib.is_none() {
                s.failed += 1;
            }
            s.lost += o.lost;
            s.dup += o.dup;
            s.reordered += o.reordered;
            s.corrupt += o.corrupt;
            for e in &o.errors {
                if !s.errors.contains(e) {
                    s.errors.push(e.clone());
                }
            }
        }
        s.rate = median(outcomes.iter().filter_map(|o| o.rate));
        let lats: Vec<_> = outcomes.iter().filter_map(|o| o.latency).collect();
        if !lats.is_empty() {
            let us = |f: fn(&super::scenarios::LatencyStats) -> u64| median(lats.iter().map(|l| f(l) as f64 / 1e3));
            s.lat_us = Some((
                us(|l| l.p50).unwrap_or_default(),
                us(|l| l.p99).unwrap_or_default(),
                us(|l| l.max).unwrap_or_default(),
            ));
        }
        let mib = |k: u64| k as f64 / 1024.0;
        let rss = median(outcomes.iter().filter_map(|o| o.rss_kib.map(mib)));
        let base = median(outcomes.iter().filter_map(|o| o.rss_base_kib.map(mib)));
        s.rss_mib = rss.map(|r| (r, base.unwrap_or_default()));
        s
    }

    /// Whether every round delivered everything exactly once, in order, without errors.
    pub fn clean(&self) -> bool {
        self.lost + self.dup + self.reordered + self.corrupt == 0 && self.errors.is_empty() && self.failed == 0
    }

    fn integrity(&self) -> String {
        if self.runs == 0 {
            return "-".into();
        }
        format!("{}/{}/{}/{}", self.lost, self.dup, self.reordered, self.corrupt)
    }
}

/// Every outcome, by scenario and broker, in the order they were run.
#[derive(Debug, Default)]
pub struct Results {
    runs: BTreeMap<(Scenario, BrokerKind), Vec<Outcome>>,
}

/// Groups digits in threes: 1234567 → "1,234,567".
fn thousands(v: f64) -> String {
    let s = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "PASS"/"MISS" for a measured value against a target, "-" when there is nothing to judge.
fn verdict(ok: Option<bool>) -> &'static str {
    match ok {
        Some(true) => "PASS",
        Some(false) => "MISS",
        None => "-",
    }
}

impl Results {
    /// Records one run.
    pub fn add(&mut self, sc: Scenario, kind: BrokerKind, o: Outcome) {
        self.runs.entry((sc, kind)).or_default().push(o);
    }

    /// The summary of one scenario on one broker (empty if it never ran).
    pub fn summary(&self, sc: Scenario, kind: BrokerKind) -> Summary {
        self.runs.get(&(sc, kind)).map(|v| Summary::of(v)).unwrap_or_default()
    }

    /// Whether our broker had any loss, duplicate, reorder, corruption or error in any run.
    pub fn apiary_failed(&self) -> bool {
        self.runs
            .iter()
            .any(|((_, k), v)| *k == BrokerKind::Apiary && v.iter().any(|o| !o.clean()))
    }

    /// The final table, then every distinct error.
    pub fn render(&self, scenarios: &[Scenario], s: &super::scenarios::Settings) -> String {
        let mut rows: Vec<[String; 9]> = vec![[
            "scenario".into(),
            "metric".into(),
            "apiary".into(),
            "python".into(),
            "ratio".into(),
            "target".into(),
            "verdict".into(),
            "apiary l/d/r/c".into(),
            "python l/d/r/c".into(),
        ]];
        for &sc in scenarios {
            let a = self.summary(sc, BrokerKind::Apiary);
            let p = self.summary(sc, BrokerKind::Python);
            let (name, metric, av, pv, ratio, target, ok) = match sc {
                Scenario::OneToOne | Scenario::FanOut | Scenario::FanIn => {
                    let (name, metric, want) = match sc {
                        Scenario::OneToOne => ("1→1".to_string(), "msgs/s", RATIO_1_TO_1),
                        Scenario::FanOut => (format!("1→{} fan-out", s.subscribers), "deliveries/s", RATIO_FAN_OUT),
                        _ => (format!("{}→1 fan-in", s.publishers), "msgs/s", RATIO_FAN_IN),
                    };
                    let ratio = a.rate.zip(p.rate).map(|(a, p)| a / p);
                    (
                        name,
                        metric.to_string(),
                        a.rate.map_or("-".into(), thousands),
                        p.rate.map_or("-".into(), thousands),
                        ratio.map_or("-".into(), |r| format!("{r:.1}×")),
                        format!("≥{want}× python"),
                        ratio.map(|r| r >= want),
                    )
                }
                Scenario::Latency => {
                    let fmt =
                        |l: Option<(f64, f64, f64)>| l.map_or("-".into(), |(a, b, c)| format!("{a:.0}/{b:.0}/{c:.0}"));
                    let ratio = a.lat_us.zip(p.lat_us).map(|(a, p)| p.1 / a.1);
                    (
                        format!("latency @{}/s", thousands(s.latency_rate)),
                        "p50/p99/max µs".into(),
                        fmt(a.lat_us),
                        fmt(p.lat_us),
                        ratio.map_or("-".into(), |r| format!("p99 {r:.1}× lower")),
                        format!("p99 ≤{P99_MAX_US} µs"),
                        a.lat_us.map(|l| l.1 <= P99_MAX_US),
                    )
                }
                Scenario::IdleRss => {
                    let fmt = |r: Option<(f64, f64)>| r.map_or("-".into(), |(r, b)| format!("{r:.1} (idle {b:.1})"));
                    let ratio = a.rss_mib.zip(p.rss_mib).map(|(a, p)| p.0 / a.0);
                    (
                        format!("{} idle conns", thousands(s.idle_conns as f64)),
                        "VmRSS MiB".into(),
                        fmt(a.rss_mib),
                        fmt(p.rss_mib),
                        ratio.map_or("-".into(), |r| format!("{r:.1}× smaller")),
                        format!("≤{RSS_MAX_MIB} MiB"),
                        a.rss_mib.map(|r| r.0 <= RSS_MAX_MIB),
                    )
                }
            };
            let v = if a.runs > 0 && !a.clean() { "FAIL" } else { verdict(ok) };
            rows.push([
                name,
                metric,
                av,
                pv,
                ratio,
                target,
                v.into(),
                a.integrity(),
                p.integrity(),
            ]);
        }
        let widths: Vec<usize> = (0..9)
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for (n, r) in rows.iter().enumerate() {
            let line: Vec<String> = r
                .iter()
                .zip(&widths)
                .map(|(c, &w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
                .collect();
            let _ = writeln!(out, "{}", line.join("  ").trim_end());
            if n == 0 {
                let _ = writeln!(
                    out,
                    "{}",
                    widths.iter().map(|&w| "-".repeat(w)).collect::<Vec<_>>().join("  ")
                );
            }
        }
        let _ = writeln!(
            out,
            "\nl/d/r/c = lost/duplicated/reordered/corrupt, summed over all rounds; figures are medians over rounds.\n\
             Target for every scenario: 0/0/0/0 on apiary (FAIL otherwise)."
        );
        let floor = self.summary(Scenario::Latency, BrokerKind::Floor);
        if let Some((p50, p99, max)) = floor.lat_us {
            let _ = writeln!(
                out,
                "Machine floor in the same rounds (a thread-per-connection relay with no auth, queue or checks): \
                 p50/p99/max {p50:.0}/{p99:.0}/{max:.0} µs; a broker's latency cannot beat it."
            );
        }
        for &sc in scenarios {
            for kind in [BrokerKind::Apiary, BrokerKind::Python, BrokerKind::Floor] {
                let s = self.summary(sc, kind);
                if s.failed > 0 {
                    let _ = writeln!(
                        out,
                        "{sc} on {kind}: {} of {} rounds produced no figure",
                        s.failed, s.runs
                    );
                }
                for e in s.errors.iter().take(6) {
                    let _ = writeln!(out, "{sc} on {kind}: {e}");
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 99.0), 99);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&v, 0.0), 1);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
        let v: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile(&v, 99.0), 990);
    }

    #[test]
    fn medians() {
        assert_eq!(median([3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median([4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(Vec::<f64>::new()), None);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(1234567.0), "1,234,567");
    }

    #[test]
    fn summary_sums_integrity_and_takes_medians() {
        let o = |rate, lost| Outcome {
            rate: Some(rate),
            lost,
            ..Outcome::default()
        };
        let s = Summary::of(&[o(10.0, 0), o(30.0, 2), o(20.0, 1)]);
        assert_eq!(s.rate, Some(20.0));
        assert_eq!(s.lost, 3);
        assert!(!s.clean());
        let mut r = Results::default();
        r.add(Scenario::OneToOne, BrokerKind::Python, o(1.0, 5));
        assert!(!r.apiary_failed());
        r.add(Scenario::OneToOne, BrokerKind::Apiary, o(1.0, 0));
        assert!(!r.apiary_failed());
        r.add(Scenario::FanIn, BrokerKind::Apiary, Outcome::failed("boom".into()));
        assert!(r.apiary_failed());
    }
}
