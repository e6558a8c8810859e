//! Cowrie's native JSON event stream (`output_jsonlog` lines), one `{"eventid":"cowrie.…"}` object per message, on
//! the channels `cowrie`, `cowrie.events` or `cowrie.json`.
//!
//! Each message is mapped alone (no state): `session.connect`, `client.version` and `client.kex` each become a
//! session.start carrying what that line knows (version, HASSH), so one Cowrie session yields up to three
//! session.start events with the same session id. `command.failed` repeats the line of the preceding
//! `command.input`, and `client.size`, `session.params`, `telnet.option`, `log.closed` carry nothing the model
//! holds: those become `raw` events saying so, never dropped.

use event::{AuthMethod, FileInfo, Kind};
use serde_json::{Map, Value};

use super::build::{Ctx, Envelope, Out};
use super::parse;

/// Maps one Cowrie JSON event.
pub(crate) fn normalize(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let m = parse::object(ctx.payload)?;
    let eventid = parse::need_str(&m, "eventid")?;
    let ts = parse::time(&m, "timestamp")?;
    let src_ip = parse::need_ip(&m, "src_ip")?;
    let src_port = parse::port(&m, "src_port")?;
    let dst_port = parse::port(&m, "dst_port")?;
    let env = Envelope {
        sensor: parse::str_field(&m, "sensor").map_or_else(|| ctx.ident.to_string(), |s| parse::truncate(s, 128)),
        honeypot: "cowrie",
        session: match parse::str_field(&m, "session") {
            Some(s) => parse::truncate(s, 128),
            None => parse::conn_session(src_ip, src_port, dst_port, ts),
        },
        proto: parse::truncate(
            &parse::str_field(&m, "protocol").unwrap_or("ssh").to_ascii_lowercase(),
            32,
        ),
        src_ip,
        src_port,
        dst_ip: parse::str_field(&m, "dst_ip").map(parse::ip).transpose()?,
        dst_port,
    };
    let kind = kind(eventid, &m)?;
    out.push(&env, ts, kind);
    Ok(())
}

/// The kind for one eventid, or why it has none.
fn kind(eventid: &str, m: &Map<String, Value>) -> Result<Kind, String> {
    let s = |k: &str| parse::str_field(m, k).map(|v| parse::truncate(v, 4096));
    let start = |client_version, hassh, hassh_algorithms| Kind::SessionStart {
        client_version,
        hassh,
        hassh_algorithms,
    };
    let auth = |success| Kind::Auth {
        username: s("username").unwrap_or_default(),
        password: s("password"),
        key_fingerprint: None,
        method: AuthMethod::Password,
        success,
    };
    Ok(match eventid {
        "cowrie.session.connect" => start(None, None, None),
        "cowrie.client.version" => start(s("version"), None, None),
        "cowrie.client.kex" => start(None, s("hassh"), s("hasshAlgorithms")),
        "cowrie.login.failed" => auth(false),
        "cowrie.login.success" => auth(true),
        "cowrie.client.fingerprint" => Kind::Auth {
            username: s("username").unwrap_or_default(),
            password: None,
            key_fingerprint: s("fingerprint").map(|f| match s("type") {
                Some(t) => format!("{t} {f}"),
                None => f,
            }),
            method: AuthMethod::Publickey,
            success: false,
        },
        "cowrie.command.input" => Kind::Command {
            input: s("input").unwrap_or_default(),
            recognized: true,
        },
        "cowrie.session.file_download" => Kind::FileDownload(FileInfo {
            url: s("url"),
            filename: s("outfile"),
            sha256: s("shasum").map(|h| h.to_ascii_lowercase()),
            stored: s("shasum").is_some(),
            ..FileInfo::default()
        }),
        "cowrie.session.file_download.failed" => Kind::FileDownload(FileInfo {
            url: s("url"),
            stored: false,
            reason: Some("download failed".to_string()),
            ..FileInfo::default()
        }),
        "cowrie.session.file_upload" => Kind::FileUpload(FileInfo {
            filename: s("filename").or_else(|| s("outfile")),
            sha256: s("shasum").map(|h| h.to_ascii_lowercase()),
            stored: s("shasum").is_some(),
            ..FileInfo::default()
        }),
        "cowrie.direct-tcpip.request" => Kind::TcpipRequest {
            target_host: s("dst_ip").unwrap_or_default(),
            target_port: parse::port(m, "dst_port")?,
            first_bytes: String::new(),
            origin_host: s("src_ip"),
            origin_port: None,
        },
        "cowrie.session.closed" => Kind::SessionEnd {
            duration_ms: duration_ms(m),
            bytes_in: 0,
            bytes_out: 0,
            reason: "connection lost".to_string(),
            recordings: Vec::new(),
        },
        "cowrie.command.failed" => {
            return Err("cowrie.command.failed repeats the line of its cowrie.command.input".to_string())
        }
        other => {
            return Err(format!(
                "cowrie eventid {:?} has no Apiary kind",
                parse::truncate(other, 64)
            ))
        }
    })
}

/// `duration_ms` (Cowrie 3) or `duration` in seconds (older Cowrie, a number or a string).
fn duration_ms(m: &Map<String, Value>) -> u64 {
    if let Some(ms) = m.get("duration_ms").and_then(Value::as_u64) {
        return ms;
    }
    let secs = match m.get("duration") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    secs.filter(|d| d.is_finite() && *d >= 0.0)
        .map_or(0, |d| (d * 1000.0).min(1e15) as u64)
}
