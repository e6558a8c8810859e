//! `cowrie.sessions`: Cowrie's one-summary-per-session (`output_hpfeeds3`) → session.start, one auth per failed
//! credential and for the `loggedin` success, one command per entry, one file.download per url/hash, session.end.

use event::{AuthMethod, FileInfo, Kind};
use serde_json::Value;

use super::build::{Ctx, Envelope, Out};
use super::parse;

/// Expands one session summary into its events.
pub(crate) fn normalize(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let m = parse::object(ctx.payload)?;
    let start = parse::time(&m, "startTime")?;
    let end = parse::time(&m, "endTime")?;
    let src_ip = parse::need_ip(&m, "peerIP")?;
    let src_port = parse::port(&m, "peerPort")?;
    let dst_ip = parse::str_field(&m, "hostIP").map(parse::ip).transpose()?;
    let dst_port = parse::port(&m, "hostPort")?;
    let env = Envelope {
        sensor: parse::str_field(&m, "sensor").unwrap_or(ctx.ident).to_string(),
        honeypot: "cowrie",
        session: match parse::str_field(&m, "session") {
            Some(s) => s.to_string(),
            None => parse::conn_session(src_ip, src_port, dst_port, start),
        },
        proto: parse::str_field(&m, "protocol").unwrap_or("ssh").to_ascii_lowercase(),
        src_ip,
        src_port,
        dst_ip,
        dst_port,
    };
    let client_version = parse::str_field(&m, "version").map(str::to_string);
    out.push(
        &env,
        start,
        Kind::SessionStart {
            client_version,
            hassh: None,
            hassh_algorithms: None,
        },
    );
    for pair in list(&m, "credentials") {
        let (username, password) = cred(pair);
        out.push(&env, start, auth(username, password, false));
    }
    if let Some(pair) = m.get("loggedin").filter(|v| !v.is_null()) {
        let (username, password) = cred(pair);
        out.push(&env, start, auth(username, password, true));
    }
    let unknown: Vec<&str> = list(&m, "unknownCommands")
        .filter_map(Value::as_str)
        .map(str::trim)
        .collect();
    for input in list(&m, "commands").filter_map(Value::as_str) {
        let recognized = !unknown.contains(&input.trim());
        out.push(
            &env,
            start,
            Kind::Command {
                input: input.to_string(),
                recognized,
            },
        );
    }
    let urls: Vec<&str> = list(&m, "urls").filter_map(Value::as_str).collect();
    let hashes: Vec<&str> = list(&m, "hashes").filter_map(Value::as_str).collect();
    for i in 0..urls.len().max(hashes.len()) {
        let info = FileInfo {
            url: urls.get(i).map(|s| s.to_string()),
            sha256: hashes.get(i).map(|s| s.to_ascii_lowercase()),
            stored: hashes.get(i).is_some(),
            ..FileInfo::default()
        };
        out.push(&env, start, Kind::FileDownload(info));
    }
    let duration_ms = match (start, end) {
        (Some(s), Some(e)) => u64::try_from((e - s).num_milliseconds()).unwrap_or(0),
        _ => 0,
    };
    out.push(
        &env,
        end.or(start),
        Kind::SessionEnd {
            duration_ms,
            bytes_in: 0,
            bytes_out: 0,
            reason: "session closed".to_string(),
            recordings: Vec::new(),
        },
    );
    Ok(())
}

/// The array under `key`, or nothing.
fn list<'a>(m: &'a serde_json::Map<String, Value>, key: &str) -> impl Iterator<Item = &'a Value> {
    m.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// A `[user, pass]` pair; nulls and missing entries become empty / absent.
fn cred(pair: &Value) -> (String, Option<String>) {
    let get = |i: usize| pair.get(i).and_then(Value::as_str).map(str::to_string);
    (get(0).unwrap_or_default(), get(1))
}

/// A password auth event.
fn auth(username: String, password: Option<String>, success: bool) -> Kind {
    Kind::Auth {
        username,
        password,
        key_fingerprint: None,
        method: AuthMethod::Password,
        success,
    }
}
