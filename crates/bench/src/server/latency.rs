//! API latency on the prefilled store: each query many times in a row after a warm-up, one request at a time,
//! timed from send to last body byte; reported as p50/p99/max.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::apiary::Api;
use super::gen::{IpPool, PASSWORDS};

/// Longest one query's series may take before it stops with what it has.
const MAX_SERIES: Duration = Duration::from_secs(120);

/// The queries measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    /// `GET /api/v1/top/attackers?hours=24`.
    TopAttackers,
    /// `GET /api/v1/attackers/<ip>`.
    Attacker,
    /// `GET /api/v1/sessions?country=CN&proto=ssh&limit=50`.
    SessionsCountry,
    /// `GET /api/v1/sessions?src=<ip>/24&limit=50`.
    SessionsSrc,
    /// `GET /api/v1/sessions?password=<pw>&limit=50`: a password top list's entry clicked through (each of the
    /// prefill's ten passwords is in about a tenth of its sessions).
    SessionsPassword,
    /// `GET /api/v1/feed?limit=50`: the raw feed's newest page.
    Feed,
    /// `GET /api/v1/feed?src=<ip>&limit=50`: one address's raw events.
    FeedSrc,
    /// The twelve requests the dashboard's overview page sends at once (totals, series, ten top-N), last 24 h.
    Overview24h,
    /// The same for the last 30 days.
    Overview30d,
}

/// The top-N dimensions the overview page shows, in its order.
const OVERVIEW_TOPS: [&str; 10] = [
    "attackers",
    "countries",
    "asns",
    "ports",
    "usernames",
    "passwords",
    "credentials",
    "commands",
    "urls",
    "hashes",
];

impl Query {
    /// All of them, in report order.
    pub const ALL: [Query; 9] = [
        Query::TopAttackers,
        Query::Attacker,
        Query::SessionsCountry,
        Query::SessionsSrc,
        Query::SessionsPassword,
        Query::Feed,
        Query::FeedSrc,
        Query::Overview24h,
        Query::Overview30d,
    ];

    /// The request as the report shows it.
    pub fn label(self) -> &'static str {
        match self {
            Query::TopAttackers => "GET /api/v1/top/attackers?hours=24",
            Query::Attacker => "GET /api/v1/attackers/<ip>",
            Query::SessionsCountry => "GET /api/v1/sessions?country=CN&proto=ssh&limit=50",
            Query::SessionsSrc => "GET /api/v1/sessions?src=<ip>/24&limit=50",
            Query::SessionsPassword => "GET /api/v1/sessions?password=<pw>&limit=50",
            Query::Feed => "GET /api/v1/feed?limit=50",
            Query::FeedSrc => "GET /api/v1/feed?src=<ip>&limit=50",
            Query::Overview24h => "overview page data, 24 h (12 requests at once)",
            Query::Overview30d => "overview page data, 30 d (12 requests at once)",
        }
    }

    /// The p99 target in milliseconds.
    pub fn target_p99_ms(self) -> f64 {
        match self {
            Query::TopAttackers | Query::Attacker => 50.0,
            Query::SessionsCountry | Query::SessionsSrc | Query::SessionsPassword => 100.0,
            // No target of its own: held to the session search's.
            Query::Feed | Query::FeedSrc => 100.0,
            // Issue 5: the overview page ready in 1 s; its data is most of that.
            Query::Overview24h | Query::Overview30d => 1000.0,
        }
    }

    /// The paths requested together for this query (one for all but the overview).
    fn paths(self, ip: IpAddr) -> Vec<String> {
        let hours = match self {
            Query::Overview24h => 24,
            Query::Overview30d => 720,
            _ => return vec![self.path(ip)],
        };
        let bucket = if hours > 48 { "hour" } else { "minute" };
        let mut v = vec![
            format!("/api/v1/totals?hours={hours}"),
            format!("/api/v1/series?hours={hours}&bucket={bucket}"),
        ];
        v.extend(
            OVERVIEW_TOPS
                .iter()
                .map(|d| format!("/api/v1/top/{d}?hours={hours}&limit=10")),
        );
        v
    }

    fn path(self, ip: IpAddr) -> String {
        match self {
            Query::TopAttackers => "/api/v1/top/attackers?hours=24".into(),
            Query::Attacker => format!("/api/v1/attackers/{ip}"),
            Query::SessionsCountry => "/api/v1/sessions?country=CN&proto=ssh&limit=50".into(),
            Query::SessionsSrc => match ip {
                IpAddr::V4(a) => {
                    let o = a.octets();
                    format!("/api/v1/sessions?src={}.{}.{}.0/24&limit=50", o[0], o[1], o[2])
                }
                IpAddr::V6(a) => format!("/api/v1/sessions?src={a}/120&limit=50"),
            },
            Query::SessionsPassword => {
                // The drawn address picks which of the prefill's passwords (percent-encoded: `P@ssw0rd`).
                let h = match ip {
                    IpAddr::V4(a) => u128::from(u32::from(a)),
                    IpAddr::V6(a) => u128::from(a),
                };
                let pw = PASSWORDS[usize::try_from(h % PASSWORDS.len() as u128).unwrap_or(0)];
                format!("/api/v1/sessions?password={}&limit=50", pw.replace('@', "%40"))
            }
            Query::Feed => "/api/v1/feed?limit=50".into(),
            Query::FeedSrc => format!("/api/v1/feed?src={ip}&limit=50"),
            Query::Overview24h | Query::Overview30d => String::new(),
        }
    }
}

/// One query's latencies.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Latency {
    /// The request.
    pub query: &'static str,
    /// Timed requests (warm-up not counted).
    pub requests: usize,
    /// Answers that were 404 (an address the prefill never drew), timed like the others.
    pub not_found: usize,
    /// Median, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Slowest, ms.
    pub max_ms: f64,
    /// The p99 target, ms.
    pub target_p99_ms: f64,
    /// The first failure (non-2xx other than 404, transport error), if any.
    pub error: Option<String>,
}

/// Nearest-rank percentile `p` (0–100] of an ascending slice; 0 for an empty one.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied().unwrap_or(0)
}

/// Sends `paths` at once, as a page does; the answer is the worst status (and its body) once all are back.
async fn fetch_all(api: &Api, paths: Vec<String>) -> anyhow::Result<(u16, bytes::Bytes)> {
    let mut set = tokio::task::JoinSet::new();
    for p in paths {
        let api = api.clone();
        set.spawn(async move { api.fetch(&p).await });
    }
    let mut worst = (0u16, bytes::Bytes::new());
    while let Some(r) = set.join_next().await {
        let (s, b) = r??;
        if s > worst.0 {
            worst = (s, b);
        }
    }
    Ok(worst)
}

/// Times `warmup + n` sequential requests of each query; IPs are drawn from `pool` as the prefill drew them.
pub async fn run(api: &Api, pool: Arc<IpPool>, warmup: usize, n: usize) -> Vec<Latency> {
    let mut rng = StdRng::seed_from_u64(99);
    let mut out = Vec::new();
    for q in Query::ALL {
        let mut us: Vec<u64> = Vec::with_capacity(n);
        let mut not_found = 0;
        let mut error = None;
        let start = Instant::now();
        for i in 0..warmup + n {
            if start.elapsed() > MAX_SERIES {
                error.get_or_insert_with(|| format!("stopped after {MAX_SERIES:?}"));
                break;
            }
            // The first timed requests hit the ten heaviest attackers, then Zipf draws.
            let ip = match pool
                .ips
                .get(i.wrapping_sub(warmup))
                .filter(|_| i >= warmup && i < warmup + 10)
            {
                Some(ip) => *ip,
                None => pool.draw(&mut rng),
            };
            let paths = q.paths(ip);
            let path = paths.join(" + ");
            let t = Instant::now();
            let r = fetch_all(api, paths).await;
            let el = t.elapsed();
            match r {
                Ok((s, _)) if (200..300).contains(&s) || s == 404 => {
                    if i >= warmup {
                        us.push(el.as_micros() as u64);
                        not_found += usize::from(s == 404);
                    }
                }
                Ok((s, body)) => {
                    error.get_or_insert_with(|| {
                        format!("{path}: {s}: {}", String::from_utf8_lossy(&body[..body.len().min(200)]))
                    });
                }
                Err(e) => {
                    error.get_or_insert_with(|| format!("{e:#}"));
                }
            }
        }
        us.sort_unstable();
        let ms = |p: f64| percentile(&us, p) as f64 / 1000.0;
        out.push(Latency {
            query: q.label(),
            requests: us.len(),
            not_found,
            p50_ms: ms(50.0),
            p99_ms: ms(99.0),
            max_ms: us.last().map_or(0.0, |&v| v as f64 / 1000.0),
            target_p99_ms: q.target_p99_ms(),
            error,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=200).collect();
        assert_eq!(percentile(&v, 50.0), 100);
        assert_eq!(percentile(&v, 99.0), 198);
        assert_eq!(percentile(&[], 99.0), 0);
    }

    #[test]
    fn src_query_uses_the_slash_24() {
        let ip: IpAddr = "203.0.113.77".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert_eq!(
            Query::SessionsSrc.path(ip),
            "/api/v1/sessions?src=203.0.113.0/24&limit=50"
        );
        assert_eq!(Query::Attacker.path(ip), "/api/v1/attackers/203.0.113.77");
    }
}
