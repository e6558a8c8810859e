//! `sensor.toml`: every setting of the SSH and Telnet honeypots, each with a default, so `apiary sensor` runs with
//! no file at all.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The whole sensor configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SensorConfig {
    /// The sensor's name in every event; defaults to the real host's name.
    pub name: String,
    /// The SSH honeypot.
    pub ssh: SshConfig,
    /// The Telnet honeypot.
    pub telnet: TelnetConfig,
    /// Where state, logs, recordings and captured files go.
    pub log: LogConfig,
    /// Which credentials open a shell.
    pub auth: AuthConfig,
    /// Bounds under hostile load.
    pub limits: Limits,
    /// Downloads made for the attacker.
    pub capture: CaptureConfig,
    /// The Apiary server (or an old MHN) to publish events to over hpfeeds; none means the local log only.
    pub server: Option<ServerConfig>,
}

impl Default for SensorConfig {
    fn default() -> Self {
        SensorConfig {
            name: default_name(),
            ssh: SshConfig::default(),
            telnet: TelnetConfig::default(),
            log: LogConfig::default(),
            auth: AuthConfig::default(),
            limits: Limits::default(),
            capture: CaptureConfig::default(),
            server: None,
        }
    }
}

/// The real host's name, or `sensor` when it cannot be read.
fn default_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "sensor".to_owned())
}

impl SensorConfig {
    /// Reads a TOML file; errors name the file and the bad setting.
    pub fn load(path: &Path) -> anyhow::Result<SensorConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read sensor config {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Parses TOML text.
    pub fn parse(text: &str) -> anyhow::Result<SensorConfig> {
        toml::from_str(text).map_err(|e| anyhow::anyhow!("invalid sensor config: {e}"))
    }
}

/// `[ssh]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SshConfig {
    /// Whether to listen at all.
    pub enabled: bool,
    /// Addresses to listen on.
    pub listen: Vec<SocketAddr>,
    /// The identification line without CR LF, as Debian 12's OpenSSH sends it.
    pub version: String,
    /// `MaxAuthTries`: authentication attempts per connection before the disconnect.
    pub max_auth_tries: u32,
    /// Delay before a failed authentication is answered (OpenSSH waits a few seconds).
    #[serde(with = "secs")]
    pub auth_fail_delay: Duration,
    /// Record port-forwarding requests and answer them as refused (always; forwarding is never done).
    pub record_direct_tcpip: bool,
}

impl Default for SshConfig {
    fn default() -> Self {
        SshConfig {
            enabled: true,
            listen: vec![SocketAddr::from(([0, 0, 0, 0], 2222))],
            version: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10".to_owned(),
            max_auth_tries: 6,
            auth_fail_delay: Duration::from_secs(2),
            record_direct_tcpip: true,
        }
    }
}

/// `[telnet]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelnetConfig {
    /// Whether to listen at all.
    pub enabled: bool,
    /// Addresses to listen on.
    pub listen: Vec<SocketAddr>,
    /// Failed logins before the connection closes, as `login` does.
    pub max_tries: u32,
    /// Delay before `Login incorrect` (`FAIL_DELAY` in Debian's `/etc/login.defs`).
    #[serde(with = "secs")]
    pub fail_delay: Duration,
}

impl Default for TelnetConfig {
    fn default() -> Self {
        TelnetConfig {
            enabled: true,
            listen: vec![SocketAddr::from(([0, 0, 0, 0], 2323))],
            max_tries: 5,
            fail_delay: Duration::from_secs(3),
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// The data folder: host keys, persona, logs, recordings, captured files.
    pub dir: PathBuf,
    /// Also write Cowrie's JSON log (`cowrie.json`, its event ids and fields) for existing pipelines.
    pub cowrie_json: bool,
    /// Record interactive sessions and exec commands as asciicast v2 files.
    pub record: bool,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            dir: PathBuf::from("apiary-data"),
            cowrie_json: false,
            record: true,
        }
    }
}

/// `[auth]`: the rules that decide which credentials log in.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Rules in order; the first that matches decides. No match means the attempt fails.
    pub rules: Vec<AuthRule>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        // A real host only knows its own accounts (the rules apply to those alone); among them, any non-empty
        // password opens the shell, so bots that try one password per connection get in and show what they do.
        AuthConfig {
            rules: vec![
                AuthRule {
                    user: "*".into(),
                    password: "".into(),
                    accept: false,
                    after: 0,
                },
                AuthRule {
                    user: "*".into(),
                    password: "*".into(),
                    accept: true,
                    after: 0,
                },
            ],
        }
    }
}

/// One rule: `user` and `password` are patterns where `*` matches any run of characters.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AuthRule {
    /// Username pattern.
    pub user: String,
    /// Password pattern (`*` alone also matches public keys).
    #[serde(default = "star")]
    pub password: String,
    /// Whether a match logs in (`true`) or is refused (`false`).
    #[serde(default = "yes")]
    pub accept: bool,
    /// The rule only matches from this attempt number (1-based, per connection) on; 0 or 1 means always.
    #[serde(default)]
    pub after: u32,
}

/// Serde default for patterns.
fn star() -> String {
    "*".to_owned()
}

/// Serde default for `accept`.
fn yes() -> bool {
    true
}

/// `[limits]`: bounds that keep a flood from exhausting the sensor.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Open connections, SSH and Telnet together.
    pub max_sessions: usize,
    /// Open connections from one source IP (IPv6 by /64).
    pub max_per_ip: usize,
    /// Time to log in (OpenSSH's `LoginGraceTime`).
    #[serde(with = "secs")]
    pub auth_timeout: Duration,
    /// Time without input before the connection closes.
    #[serde(with = "secs")]
    pub idle_timeout: Duration,
    /// Longest a connection may last.
    #[serde(with = "secs")]
    pub session_timeout: Duration,
    /// Longest command line; longer input is cut.
    pub max_line: usize,
    /// Bytes written into the session's filesystem and captured per connection.
    pub max_capture_bytes: u64,
    /// Bytes of a recording, after which it stops.
    pub max_recording_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_sessions: 4096,
            max_per_ip: 64,
            auth_timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(300),
            session_timeout: Duration::from_secs(3600),
            max_line: 64 * 1024,
            max_capture_bytes: 32 * 1024 * 1024,
            max_recording_bytes: 8 * 1024 * 1024,
        }
    }
}

/// `[capture]`: files fetched for the attacker.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaptureConfig {
    /// Largest file fetched or stored.
    pub max_bytes: u64,
    /// Longest a fetch may take.
    #[serde(with = "secs")]
    pub timeout: Duration,
    /// Allow fetches to loopback and private ranges (tests only; never on an exposed sensor).
    pub allow_private: bool,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        CaptureConfig {
            max_bytes: 10 * 1024 * 1024,
            timeout: Duration::from_secs(30),
            allow_private: false,
        }
    }
}

/// `[server]`: where events go over hpfeeds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// `host:port` of the broker.
    pub addr: String,
    /// hpfeeds ident.
    pub ident: String,
    /// hpfeeds secret.
    pub secret: String,
    /// Also publish Cowrie's `cowrie.sessions` summary, so an old MHN can consume this sensor.
    #[serde(default)]
    pub cowrie_sessions: bool,
}

/// Durations written as seconds (integer or fractional) in the TOML file.
mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    /// Reads a number of seconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let v = f64::deserialize(d)?;
        if !(0.0..=31_536_000.0).contains(&v) {
            return Err(serde::de::Error::custom("expected seconds between 0 and one year"));
        }
        Ok(Duration::from_secs_f64(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_the_defaults() {
        let c = SensorConfig::parse("").unwrap();
        assert_eq!(c.ssh.listen, vec!["0.0.0.0:2222".parse().unwrap()]);
        assert_eq!(c.telnet.listen, vec!["0.0.0.0:2323".parse().unwrap()]);
        assert_eq!(c.log.dir, PathBuf::from("apiary-data"));
        assert_eq!(c.ssh.max_auth_tries, 6);
        assert!(c.server.is_none());
    }

    #[test]
    fn the_example_file_states_the_defaults() {
        let example = SensorConfig::parse(include_str!("../sensor.example.toml")).unwrap();
        let d = SensorConfig::default();
        assert_eq!(format!("{:?}", example.ssh), format!("{:?}", d.ssh));
        assert_eq!(format!("{:?}", example.telnet), format!("{:?}", d.telnet));
        assert_eq!(format!("{:?}", example.log), format!("{:?}", d.log));
        assert_eq!(example.auth.rules, d.auth.rules);
        assert_eq!(format!("{:?}", example.limits), format!("{:?}", d.limits));
        assert_eq!(format!("{:?}", example.capture), format!("{:?}", d.capture));
    }

    #[test]
    fn settings_and_errors() {
        let c = SensorConfig::parse(
            "name = \"s1\"\n[ssh]\nlisten = [\"127.0.0.1:0\"]\nauth_fail_delay = 0.5\n[[auth.rules]]\nuser = \"root\"\n\
             password = \"12*\"\n[server]\naddr = \"127.0.0.1:10000\"\nident = \"a\"\nsecret = \"b\"\n",
        )
        .unwrap();
        assert_eq!(c.name, "s1");
        assert_eq!(c.ssh.auth_fail_delay, Duration::from_millis(500));
        assert_eq!(c.auth.rules.len(), 1);
        assert!(c.auth.rules[0].accept);
        assert_eq!(c.server.unwrap().ident, "a");
        let e = SensorConfig::parse("[ssh]\nlisen = []\n").unwrap_err().to_string();
        assert!(e.contains("lisen"), "{e}");
    }
}
