//! The result table of `bench ssh`: medians over repetitions, both honeypots side by side, the ratio (how many
//! times better ours is, whichever way "better" points) and the targets; as Markdown and as JSON.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use super::peers::{Kind, Paths, COWRIE_VERSION};
use super::scenarios::{quantile, Latency, Logins, Memory};
use super::Sizes;

/// One throughput + latency repetition of one honeypot.
#[derive(Debug, Default)]
pub struct Run {
    /// The login throughput run.
    pub logins: Option<Logins>,
    /// `uname -a` round trips on one session.
    pub latency_one: Option<Latency>,
    /// `uname -a` round trips on several sessions at once.
    pub latency_many: Option<Latency>,
    /// What went wrong.
    pub errors: Vec<String>,
}

/// Everything measured, for rendering.
#[derive(Debug)]
pub struct Report {
    sizes: Sizes,
    apiary: String,
    venv: String,
    age: String,
    load_start: String,
    load_end: String,
    elapsed: Duration,
    runs: BTreeMap<Kind, Vec<Run>>,
    memory: BTreeMap<Kind, Result<Memory, String>>,
}

/// Picks one figure out of a repetition's login results.
type LoginFigure = fn(&Logins) -> f64;

/// Which way a figure is better, for the ratio column.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Better {
    Higher,
    Lower,
    Neither,
}

/// One table row.
#[derive(Debug)]
struct Row {
    label: String,
    apiary: Option<f64>,
    cowrie: Option<f64>,
    decimals: usize,
    better: Better,
    target: &'static str,
    /// Whether the target is met, when it can be judged.
    met: Option<bool>,
}

/// Median of the finite values among `v` (a failed repetition's NaN or infinity is left out).
fn median(v: Vec<f64>) -> Option<f64> {
    crate::common::median(v.into_iter().filter(|x| x.is_finite()))
}

impl Report {
    /// An empty report for these sizes and programs.
    pub fn new(sizes: Sizes, paths: &Paths, age: String, load_start: String) -> Report {
        Report {
            sizes,
            apiary: paths.apiary.display().to_string(),
            venv: paths.venv.display().to_string(),
            age,
            load_start,
            load_end: String::new(),
            elapsed: Duration::ZERO,
            runs: BTreeMap::new(),
            memory: BTreeMap::new(),
        }
    }

    /// Records one repetition.
    pub fn add(&mut self, k: Kind, r: Run) {
        self.runs.entry(k).or_default().push(r);
    }

    /// Records the memory scenario.
    pub fn set_memory(&mut self, k: Kind, m: Result<Memory, String>) {
        self.memory.insert(k, m);
    }

    /// Records the end of the run.
    pub fn finish(&mut self, elapsed: Duration, load_end: String) {
        self.elapsed = elapsed;
        self.load_end = load_end;
    }

    /// The lines describing the setup.
    pub fn header(&self) -> String {
        let z = &self.sizes;
        format!(
            "SSH honeypot benchmark: apiary sensor vs Cowrie {COWRIE_VERSION} (127.0.0.1, russh client)\n\
             machine: {} cores; apiary: {} ({}); cowrie venv: {}\n\
             reps: {}; logins/run: {} by {} clients (≤ {} s); uname -a: {} round trips on 1 session and spread over \
             {} sessions; RSS: {} interactive sessions (opening ≤ {} s, 1 KB writes ≤ {} s and ≤ {} MiB)",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            self.apiary,
            self.age,
            self.venv,
            z.reps,
            z.logins,
            z.clients,
            z.login_secs,
            z.round_trips,
            z.latency_sessions,
            z.sessions,
            z.open_secs,
            z.write_secs,
            z.max_rss_mib
        )
    }

    fn runs(&self, k: Kind) -> &[Run] {
        self.runs.get(&k).map_or(&[], |v| v.as_slice())
    }

    /// Median over repetitions of `f`.
    fn med(&self, k: Kind, f: impl Fn(&Run) -> Option<f64>) -> Option<f64> {
        median(self.runs(k).iter().filter_map(f).collect())
    }

    /// Median over repetitions of a latency quantile, in µs.
    fn lat(&self, k: Kind, many: bool, q: f64) -> Option<f64> {
        self.med(k, |r| {
            let l = if many {
                r.latency_many.as_ref()
            } else {
                r.latency_one.as_ref()
            }?;
            quantile(&l.samples, q).map(|ns| ns as f64 / 1e3)
        })
    }

    fn mem(&self, k: Kind) -> Option<&Memory> {
        self.memory.get(&k).and_then(|m| m.as_ref().ok())
    }

    /// A memory-derived figure of both honeypots.
    fn mem_pair(&self, f: impl Fn(&Memory) -> Option<f64>) -> (Option<f64>, Option<f64>) {
        (self.mem(Kind::Apiary).and_then(&f), self.mem(Kind::Cowrie).and_then(&f))
    }

    fn rows(&self) -> Vec<Row> {
        let z = &self.sizes;
        let mut rows = Vec::new();
        let a = self.med(Kind::Apiary, |r| r.logins.as_ref().map(Logins::rate));
        let c = self.med(Kind::Cowrie, |r| r.logins.as_ref().map(Logins::rate));
        rows.push(Row {
            label: format!("logins/s, {} concurrent clients", z.clients),
            apiary: a,
            cowrie: c,
            decimals: 1,
            better: Better::Higher,
            target: "≥ 20× Cowrie",
            met: a.zip(c).map(|(a, c)| a >= 20.0 * c),
        });
        let cpu = |k: Kind, f: LoginFigure| {
            self.med(k, |r| {
                r.logins
                    .as_ref()
                    .filter(|l| l.done > 0)
                    .map(|l| f(l) * 1e3 / l.done as f64)
            })
        };
        let cpu_rows: [(&str, LoginFigure, Better); 2] = [
            ("honeypot CPU per login (ms)", |l| l.server_cpu, Better::Lower),
            ("load generator CPU per login (ms)", |l| l.client_cpu, Better::Neither),
        ];
        for (label, f, better) in cpu_rows {
            rows.push(Row {
                label: label.into(),
                apiary: cpu(Kind::Apiary, f),
                cowrie: cpu(Kind::Cowrie, f),
                decimals: 2,
                better,
                target: "",
                met: None,
            });
        }
        for (many, who) in [
            (false, "1 session".to_string()),
            (true, format!("{} sessions", z.latency_sessions)),
        ] {
            for (q, name) in [(0.5, "p50"), (0.99, "p99")] {
                let a = self.lat(Kind::Apiary, many, q);
                let one_p99 = !many && name == "p99";
                rows.push(Row {
                    label: format!("`uname -a` round trip {name}, {who} (µs)"),
                    apiary: a,
                    cowrie: self.lat(Kind::Cowrie, many, q),
                    decimals: 0,
                    better: Better::Lower,
                    target: if one_p99 { "≤ 2 ms" } else { "" },
                    met: if one_p99 { a.map(|a| a <= 2000.0) } else { None },
                });
            }
        }
        let (a, c) = self.mem_pair(|m| Some(m.reached as f64));
        rows.push(Row {
            label: format!("interactive sessions reached (of {})", z.sessions),
            apiary: a,
            cowrie: c,
            decimals: 0,
            better: Better::Higher,
            target: "",
            met: None,
        });
        let mib = |f: fn(&Memory) -> u64| move |m: &Memory| Some(f(m) as f64 / 1024.0);
        for (label, f) in [
            ("RSS baseline (MiB)", mib(|m| m.baseline)),
            ("RSS with the sessions idle (MiB)", mib(|m| m.idle)),
            ("RSS after each wrote 1 KB (MiB)", mib(|m| m.written)),
            ("RSS after all closed (MiB)", mib(|m| m.closed)),
        ] {
            let (a, c) = self.mem_pair(f);
            rows.push(Row {
                label: label.into(),
                apiary: a,
                cowrie: c,
                decimals: 1,
                better: Better::Lower,
                target: "",
                met: None,
            });
        }
        let (a, c) = self.mem_pair(|m| Some(m.wrote as f64));
        rows.push(Row {
            label: "sessions that wrote 1 KB".into(),
            apiary: a,
            cowrie: c,
            decimals: 0,
            better: Better::Neither,
            target: "",
            met: None,
        });
        let (a, c) = self.mem_pair(Memory::per_idle);
        rows.push(Row {
            label: "RSS per idle session (KB)".into(),
            apiary: a,
            cowrie: c,
            decimals: 1,
            better: Better::Lower,
            target: "≤ 20 KB (Cowrie ~91 KB)",
            met: a.map(|a| a <= 20.0),
        });
        let (a, c) = self.mem_pair(Memory::per_written);
        rows.push(Row {
            label: "RSS per session after its 1 KB write (KB)".into(),
            apiary: a,
            cowrie: c,
            decimals: 1,
            better: Better::Lower,
            target: "≤ 64 KB (Cowrie ~7.7 MB)",
            met: a.map(|a| a <= 64.0),
        });
        let (a, c) = self.mem_pair(|m| {
            let peak = m.written.max(m.idle) as f64;
            let grown = peak - m.baseline as f64;
            (grown > 0.0).then(|| (peak - m.closed as f64) / grown * 100.0)
        });
        rows.push(Row {
            label: "after close: share of the growth given back (%)".into(),
            apiary: a,
            cowrie: c,
            decimals: 0,
            better: Better::Higher,
            target: "",
            met: None,
        });
        let (a, c) = self
            .mem_pair(|m| (m.baseline > 0).then(|| (m.closed as f64 - m.baseline as f64) / m.baseline as f64 * 100.0));
        rows.push(Row {
            label: "after close: RSS above baseline (%)".into(),
            apiary: a,
            cowrie: c,
            decimals: 1,
            better: Better::Neither,
            target: "≤ 10%",
            met: a.map(|a| a <= 10.0),
        });
        rows
    }

    /// The report as Markdown: header, table, errors.
    pub fn markdown(&self) -> String {
        let mut s = format!("{}\n", self.header());
        s += &format!(
            "finished in {:.0} s; load average at start {}, at end {}\n\n",
            self.elapsed.as_secs_f64(),
            self.load_start,
            self.load_end
        );
        s += "| metric | apiary | cowrie | ratio (× better) | target | met |\n|---|---:|---:|---:|---|---|\n";
        let fmt = |v: Option<f64>, d: usize| v.map_or_else(|| "—".to_string(), |v| format!("{v:.d$}"));
        for r in self.rows() {
            let ratio = match (r.better, r.apiary, r.cowrie) {
                (Better::Higher, Some(a), Some(c)) if c > 0.0 => format!("{:.1}×", a / c),
                (Better::Lower, Some(a), Some(c)) if a > 0.0 => format!("{:.1}×", c / a),
                _ => String::new(),
            };
            let met = match r.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "",
            };
            s += &format!(
                "| {} | {} | {} | {ratio} | {} | {met} |\n",
                r.label,
                fmt(r.apiary, r.decimals),
                fmt(r.cowrie, r.decimals),
                r.target
            );
        }
        s += "\nRatio: apiary/cowrie for rates, cowrie/apiary for times and memory (so > 1 means apiary is better). \
              RSS is VmRSS summed over the honeypot's process tree, KB = KiB; per-session figures are \
              (stage − baseline) / sessions reached (after the write: idle share + write-phase growth / sessions that wrote); the baseline is taken after one warm-up session. \
              Medians over the repetitions; the load generator shares the machine's cores with the honeypot.\n";
        for k in [Kind::Apiary, Kind::Cowrie] {
            if let Some(n) = self
                .runs(k)
                .iter()
                .filter_map(|r| r.logins.as_ref())
                .map(|l| &l.negotiated)
                .next()
            {
                s += &format!("\n{k}: negotiated {n}");
            }
            if let Some(m) = self.mem(k) {
                s += &format!(
                    "\n{k}: {} sessions opened in {:.1} s; {} wrote the 1 KB file in {:.1} s{}; `ls -l /tmp/f` in one: {:?}; \
                     open fds baseline/idle/after close: {}/{}/{}",
                    m.reached,
                    m.open_secs,
                    m.wrote,
                    m.write_secs,
                    m.stopped.as_ref().map_or_else(String::new, |w| format!(" (stopped early: {w})")),
                    m.check,
                    m.fds[0],
                    m.fds[1],
                    m.fds[2]
                );
            }
        }
        s += "\n";
        let mut errors = Vec::new();
        for k in [Kind::Apiary, Kind::Cowrie] {
            for (i, r) in self.runs(k).iter().enumerate() {
                for e in &r.errors {
                    errors.push(format!("- {k} rep {}: {e}", i + 1));
                }
            }
            match self.memory.get(&k) {
                Some(Ok(m)) => errors.extend(m.errors.iter().map(|e| format!("- {k} memory: {e}"))),
                Some(Err(e)) => errors.push(format!("- {k} memory: {e}")),
                None => {}
            }
        }
        if !errors.is_empty() {
            s += "\nerrors:\n";
            for e in errors {
                s += &e.replace('\n', " ");
                s += "\n";
            }
        }
        s
    }

    /// The report as JSON: the table rows and the raw per-run figures.
    pub fn json(&self) -> serde_json::Value {
        let rows: Vec<_> = self
            .rows()
            .into_iter()
            .map(|r| json!({"metric": r.label, "apiary": r.apiary, "cowrie": r.cowrie, "target": r.target, "met": r.met}))
            .collect();
        let mut raw = serde_json::Map::new();
        for k in [Kind::Apiary, Kind::Cowrie] {
            let runs: Vec<_> = self
                .runs(k)
                .iter()
                .map(|r| {
                    let lat = |l: Option<&Latency>| {
                        l.map(|l| {
                            json!({
                                "samples": l.samples.len(),
                                "p50_us": quantile(&l.samples, 0.5).map(|v| v as f64 / 1e3),
                                "p99_us": quantile(&l.samples, 0.99).map(|v| v as f64 / 1e3),
                                "max_us": l.samples.last().map(|&v| v as f64 / 1e3),
                            })
                        })
                    };
                    json!({
                        "logins_done": r.logins.as_ref().map(|l| l.done),
                        "logins_failed": r.logins.as_ref().map(|l| l.failed),
                        "logins_secs": r.logins.as_ref().map(|l| l.elapsed.as_secs_f64()),
                        "logins_per_sec": r.logins.as_ref().map(Logins::rate),
                        "logins_server_cpu_secs": r.logins.as_ref().map(|l| l.server_cpu),
                        "logins_client_cpu_secs": r.logins.as_ref().map(|l| l.client_cpu),
                        "negotiated": r.logins.as_ref().map(|l| l.negotiated.clone()),
                        "uname_1_session": lat(r.latency_one.as_ref()),
                        "uname_concurrent": lat(r.latency_many.as_ref()),
                        "errors": r.errors,
                    })
                })
                .collect();
            let mem = match self.memory.get(&k) {
                Some(Ok(m)) => json!({
                    "wanted": m.wanted, "reached": m.reached, "wrote": m.wrote, "open_secs": m.open_secs,
                    "rss_kib": {"baseline": m.baseline, "idle": m.idle, "written": m.written, "closed": m.closed},
                    "check": m.check, "errors": m.errors, "write_secs": m.write_secs,
                    "stopped": m.stopped, "fds": m.fds,
                }),
                Some(Err(e)) => json!({"error": e}),
                None => serde_json::Value::Null,
            };
            raw.insert(k.to_string(), json!({"runs": runs, "memory": mem}));
        }
        json!({
            "benchmark": "ssh",
            "cowrie_version": COWRIE_VERSION,
            "elapsed_secs": self.elapsed.as_secs_f64(),
            "load_start": self.load_start,
            "load_end": self.load_end,
            "rows": rows,
            "raw": raw,
        })
    }

    /// Whether any run of ours failed outright or lost logins.
    pub fn apiary_failed(&self) -> bool {
        let runs = self.runs(Kind::Apiary);
        let bad_run = runs
            .iter()
            .any(|r| !r.errors.is_empty() || r.logins.as_ref().is_some_and(|l| l.failed > 0) || r.logins.is_none());
        let bad_mem = matches!(self.memory.get(&Kind::Apiary), Some(Err(_)));
        (self.runs.contains_key(&Kind::Apiary) && bad_run) || bad_mem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(vec![f64::NAN, 1.0, f64::INFINITY, 3.0]), Some(2.0));
        assert_eq!(median(vec![]), None);
    }
}
