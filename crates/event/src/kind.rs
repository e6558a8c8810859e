//! One variant per event kind, with the fields `design.md` lists for it.
//!
//! The JSON tag is the `kind` field (`session.start`, `auth`, ...), flattened into the envelope, so a consumer
//! switches on one string and the compiler checks every producer.

use serde::{Deserialize, Serialize};

/// What happened. Each variant carries only the fields that kind needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Kind {
    /// A connection began.
    #[serde(rename = "session.start")]
    SessionStart {
        /// The client's version string (SSH banner, HTTP user agent), if it sent one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_version: Option<String>,
        /// HASSH of the client's SSH KEXINIT, when the protocol is SSH.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hassh: Option<String>,
        /// The string HASSH hashes (`kex;ciphers;macs;compression`, client to server), for `cowrie.client.kex`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hassh_algorithms: Option<String>,
    },
    /// A connection ended.
    #[serde(rename = "session.end")]
    SessionEnd {
        /// Wall time from start to end, in milliseconds.
        duration_ms: u64,
        /// Bytes received from the attacker.
        bytes_in: u64,
        /// Bytes sent to the attacker.
        bytes_out: u64,
        /// Why it ended (`client closed`, `idle timeout`, `limit`, ...).
        reason: String,
        /// asciicast recordings of the connection's shells and commands, relative to the sensor's data folder.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        recordings: Vec<String>,
    },
    /// One login attempt.
    #[serde(rename = "auth")]
    Auth {
        /// The username as sent (attackers send anything, `<script>` included).
        username: String,
        /// The password, for password-like methods.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password: Option<String>,
        /// Public-key type and SHA-256 fingerprint, for key auth.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_fingerprint: Option<String>,
        /// How the attacker authenticated.
        method: AuthMethod,
        /// Whether the honeypot let them in.
        success: bool,
    },
    /// A command line typed or sent for execution.
    #[serde(rename = "command")]
    Command {
        /// The input line, verbatim.
        input: String,
        /// Whether the fake shell knew every command in it.
        recognized: bool,
    },
    /// A file fetched by the attacker from somewhere (wget, curl, tftp, ...).
    #[serde(rename = "file.download")]
    FileDownload(FileInfo),
    /// A file pushed by the attacker (scp, SFTP, or written inside the session).
    #[serde(rename = "file.upload")]
    FileUpload(FileInfo),
    /// A port-forwarding request, recorded and not forwarded.
    #[serde(rename = "tcpip.request")]
    TcpipRequest {
        /// The requested destination host (named `target_*` so it never collides with the envelope's `dst_*`).
        target_host: String,
        /// The requested destination port.
        target_port: u16,
        /// The first bytes sent on the channel, escaped as lossy UTF-8.
        #[serde(default)]
        first_bytes: String,
        /// The originator address the client claimed in the channel request (Cowrie's `orig_ip`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        origin_host: Option<String>,
        /// The originator port the client claimed (Cowrie's `orig_port`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        origin_port: Option<u16>,
    },
    /// One HTTP request to a web honeypot.
    #[serde(rename = "http.request")]
    HttpRequest {
        /// Method, verbatim.
        method: String,
        /// Path without the query.
        path: String,
        /// Query string without `?`.
        #[serde(default)]
        query: String,
        /// Headers in arrival order (names as sent).
        #[serde(default)]
        headers: Vec<(String, String)>,
        /// The body, capped by the sensor.
        #[serde(default)]
        body: String,
        /// Attack classes recognised (`scanner`, `sqli`, `lfi`, `rce`, `shellshock`, `log4shell`, ...).
        #[serde(default)]
        classification: Vec<String>,
    },
    /// A port scan seen by the detector.
    #[serde(rename = "scan")]
    Scan {
        /// Ports touched in the window.
        ports: Vec<u16>,
        /// The detection window, in milliseconds.
        window_ms: u64,
        /// `syn`, `connect`, `udp`, ...
        scan_type: String,
    },
    /// An IDS alert (Suricata, Snort).
    #[serde(rename = "alert")]
    Alert {
        /// Signature id.
        signature_id: u64,
        /// Signature message.
        message: String,
        /// Severity as the IDS numbers it.
        severity: u8,
        /// Category text.
        #[serde(default)]
        category: String,
    },
    /// A passive fingerprint of the source host (p0f): the store keeps the latest per IP as metadata.
    #[serde(rename = "fingerprint")]
    Fingerprint(Fingerprint),
    /// A protocol-level request to a low-interaction honeypot (Modbus, S7, IPMI, ...), for protocols with no
    /// richer kind.
    #[serde(rename = "request")]
    Request {
        /// What was asked, as text (function code, request repr, ...).
        request: String,
        /// What the honeypot answered, as text, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        response: Option<String>,
    },
    /// A feed no normalizer knows, or one that failed to parse: kept, never dropped.
    #[serde(rename = "raw")]
    Raw {
        /// The hpfeeds channel it arrived on.
        channel: String,
        /// The payload, as lossy UTF-8.
        payload: String,
        /// Why it is raw (`unknown channel`, or the parse error).
        reason: String,
    },
}

/// How an attacker tried to log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMethod {
    /// SSH `password` or a Telnet/HTTP/FTP password prompt.
    Password,
    /// SSH `keyboard-interactive`.
    KeyboardInteractive,
    /// SSH `publickey`.
    Publickey,
    /// SSH `none` (scanners probing for open accounts).
    None,
}

/// A captured or attempted file transfer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// Source URL, for downloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// File name, for uploads and in-session writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// SHA-256 of the content, lowercase hex, when any content was received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// MD5 of the content, when the producer gave it (Dionaea reports MD5 and SHA-512 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    /// SHA-1 of the content, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
    /// Bytes received.
    pub size: u64,
    /// MIME type guessed from the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    /// Whether the content was stored.
    pub stored: bool,
    /// Why it was not stored (size cap, timeout, private address, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Kind {
    /// The JSON tag of this kind, for metrics and tables keyed by kind.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::SessionStart { .. } => "session.start",
            Kind::SessionEnd { .. } => "session.end",
            Kind::Auth { .. } => "auth",
            Kind::Command { .. } => "command",
            Kind::FileDownload(_) => "file.download",
            Kind::FileUpload(_) => "file.upload",
            Kind::TcpipRequest { .. } => "tcpip.request",
            Kind::HttpRequest { .. } => "http.request",
            Kind::Scan { .. } => "scan",
            Kind::Alert { .. } => "alert",
            Kind::Fingerprint(_) => "fingerprint",
            Kind::Request { .. } => "request",
            Kind::Raw { .. } => "raw",
        }
    }
}

/// What passive fingerprinting (p0f) learned about a host; every field optional, as each p0f module reports a part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The tool (`p0f`).
    pub tool: String,
    /// Operating system guess.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// Link type guessed from the MTU (`Ethernet or modem`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Uptime as the tool words it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime: Option<String>,
    /// Network distance in hops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<u32>,
    /// Application guess (HTTP user agent family, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The raw signature, for analysts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_sig: Option<String>,
}
