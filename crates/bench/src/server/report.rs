//! The result of `bench server`: ingest figures, prefill rate and API latencies beside the targets, as
//! Markdown (printed and written) and as JSON.

use std::fmt::Write as _;

use serde_json::json;

use super::ingest::Ingest;
use super::latency::Latency;
use super::prefill::Prefill;

/// Idle RSS target, MiB.
const RSS_IDLE_MIB: f64 = 100.0;
/// RSS under load target, MiB.
const RSS_LOAD_MIB: f64 = 300.0;

/// Everything one run measured.
#[derive(Debug, Default)]
pub struct Report {
    /// Header lines (machine, load, binary age, options).
    pub header: Vec<(String, String)>,
    /// Ingest per backend.
    pub ingest: Vec<Ingest>,
    /// Prefill per backend.
    pub prefill: Vec<Prefill>,
    /// API latencies per backend.
    pub latency: Vec<(&'static str, Vec<Latency>)>,
    /// Failures that cut a part short.
    pub errors: Vec<String>,
}

/// The ingest rate target for a backend, events/s.
fn rate_target(backend: &str) -> f64 {
    if backend == "postgres" {
        50_000.0
    } else {
        100_000.0
    }
}

fn met(ok: bool) -> &'static str {
    if ok {
        "yes"
    } else {
        "**no**"
    }
}

impl Report {
    /// Whether the run is clean: nothing lost, no failures (targets are judged in the table, not here).
    pub fn clean(&self) -> bool {
        self.errors.is_empty()
            && self.ingest.iter().all(|i| i.lost == 0 && i.errors.is_empty())
            && self.latency.iter().all(|(_, l)| l.iter().all(|q| q.error.is_none()))
    }

    /// The Markdown report.
    pub fn markdown(&self) -> String {
        let mut s = String::from("# bench server: ingest and API latency of `apiary server`\n\n");
        for (k, v) in &self.header {
            let _ = writeln!(s, "- {k}: {v}");
        }
        for i in &self.ingest {
            let t = rate_target(i.backend);
            let _ = writeln!(
                s,
                "\n## Ingest, {} ({} publishers, {:.1} s publishing)\n\n| figure | value | target | met |\n|---|---:|---:|---|",
                i.backend, i.publishers, i.publish_secs
            );
            let rows = [
                ("events published", format!("{}", i.published), String::new(), None),
                ("events stored", format!("{}", i.stored), String::new(), None),
                ("events lost", format!("{}", i.lost), "0".into(), Some(i.lost == 0)),
                (
                    "sustained events/s (stored / first publish → last stored)",
                    format!("{:.0}", i.sustained_per_s),
                    format!("≥ {t:.0}"),
                    Some(i.sustained_per_s >= t),
                ),
                (
                    "time to last stored, s",
                    format!("{:.1}", i.stored_secs),
                    String::new(),
                    None,
                ),
                (
                    "stored events/s, lowest second",
                    format!("{:.0}", i.per_s_min),
                    String::new(),
                    None,
                ),
                (
                    "stored events/s, median second",
                    format!("{:.0}", i.per_s_median),
                    String::new(),
                    None,
                ),
                (
                    "RSS idle, MiB",
                    format!("{:.1}", i.rss_idle_mib),
                    format!("≤ {RSS_IDLE_MIB:.0}"),
                    Some(i.rss_idle_mib <= RSS_IDLE_MIB),
                ),
                (
                    "RSS max under load, MiB",
                    format!("{:.1}", i.rss_max_mib),
                    format!("≤ {RSS_LOAD_MIB:.0}"),
                    Some(i.rss_max_mib <= RSS_LOAD_MIB),
                ),
                (
                    "CPU, server / bench (% of one core, first publish → drained)",
                    format!("{:.0} / {:.0}", i.server_cpu_pct, i.bench_cpu_pct),
                    String::new(),
                    None,
                ),
            ];
            for (name, v, target, ok) in rows {
                let _ = writeln!(s, "| {name} | {v} | {target} | {} |", ok.map_or("", met));
            }
            for e in &i.errors {
                let _ = writeln!(s, "\npublisher error: {e}");
            }
        }
        if !self.prefill.is_empty() {
            s.push_str(
                "\n## Prefill (`Store::insert` from the bench, 10k-event batches)\n\n\
                 | backend | sessions | events | seconds | events/s |\n|---|---:|---:|---:|---:|\n",
            );
            for p in &self.prefill {
                let _ = writeln!(
                    s,
                    "| {} | {}{}{} | {} | {:.1} | {:.0} |",
                    p.backend,
                    p.sessions,
                    if p.cut_short { " (cut short)" } else { "" },
                    match (p.reused, p.finished) {
                        (true, Some(t)) => format!(" (reused, written {})", t.format("%Y-%m-%d %H:%M UTC")),
                        (true, None) => " (reused)".to_owned(),
                        _ => String::new(),
                    },
                    p.events,
                    p.secs,
                    p.events_per_s
                );
            }
        }
        for (backend, lat) in &self.latency {
            let sessions = self
                .prefill
                .iter()
                .find(|p| p.backend == *backend)
                .map_or(0, |p| p.sessions);
            let _ = writeln!(
                s,
                "\n## API latency, {backend} ({sessions} sessions; sequential requests after warm-up)\n\n\
                 | query | requests | 404 | p50 ms | p99 ms | max ms | p99 target | met |\n|---|---:|---:|---:|---:|---:|---:|---|"
            );
            for q in lat {
                let _ = writeln!(
                    s,
                    "| `{}` | {} | {} | {:.2} | {:.2} | {:.2} | ≤ {:.0} | {} |",
                    q.query,
                    q.requests,
                    q.not_found,
                    q.p50_ms,
                    q.p99_ms,
                    q.max_ms,
                    q.target_p99_ms,
                    met(q.requests > 0 && q.p99_ms <= q.target_p99_ms)
                );
            }
            for q in lat.iter().filter(|q| q.error.is_some()) {
                let _ = writeln!(s, "\n{}: {}", q.query, q.error.as_deref().unwrap_or_default());
            }
        }
        if !self.errors.is_empty() {
            s.push_str("\n## Failures\n\n");
            for e in &self.errors {
                let _ = writeln!(s, "- {e}");
            }
        }
        s
    }

    /// The JSON report.
    pub fn json(&self) -> serde_json::Value {
        let latency: serde_json::Map<String, serde_json::Value> =
            self.latency.iter().map(|(b, l)| ((*b).to_string(), json!(l))).collect();
        json!({
            "header": self.header.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "ingest": self.ingest,
            "prefill": self.prefill,
            "latency": latency,
            "targets": {
                "ingest_per_s": {"sqlite": rate_target("sqlite"), "postgres": rate_target("postgres")},
                "rss_idle_mib": RSS_IDLE_MIB,
                "rss_load_mib": RSS_LOAD_MIB,
                "p99_ms": {"top_and_attacker": 50.0, "session_search": 100.0},
            },
            "errors": self.errors,
        })
    }
}
