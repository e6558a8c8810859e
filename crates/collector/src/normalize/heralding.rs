//! Heralding: `heralding.auth` (one message per login attempt) → auth; `heralding.session` → session.start while
//! `session_ended` is false, and its auth attempts plus session.end when true.

use std::net::IpAddr;

use chrono::{DateTime, TimeDelta, Utc};
use event::{AuthMethod, Kind};
use serde_json::{Map, Value};

use super::build::{Ctx, Envelope, Out};
use super::parse;

/// One login attempt; Heralding never lets anyone in, so `success` is false.
pub(crate) fn normalize_auth(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let m = parse::object(ctx.payload)?;
    let ts = parse::time(&m, "timestamp")?;
    let env = envelope(ctx, &m, ts)?;
    out.push(&env, ts, auth(&m));
    Ok(())
}

/// A session record: start, or end with its attempts.
pub(crate) fn normalize_session(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let m = parse::object(ctx.payload)?;
    let start = parse::time(&m, "timestamp")?;
    let env = envelope(ctx, &m, start)?;
    let ended = m.get("session_ended").and_then(Value::as_bool).unwrap_or(false);
    if !ended {
        let client_version = m
            .get("auxiliary_data")
            .and_then(|a| a.get("client_version"))
            .and_then(Value::as_str)
            .map(str::to_string);
        out.push(
            &env,
            start,
            Kind::SessionStart {
                client_version,
                hassh: None,
                hassh_algorithms: None,
            },
        );
        return Ok(());
    }
    for attempt in m.get("auth_attempts").and_then(Value::as_array).into_iter().flatten() {
        let Some(a) = attempt.as_object() else { continue };
        let ts = parse::time(a, "timestamp")?.or(start);
        out.push(&env, ts, auth(a));
    }
    let secs = m
        .get("duration")
        .and_then(Value::as_f64)
        .filter(|d| d.is_finite() && *d >= 0.0);
    let duration_ms = secs.map_or(0, |d| (d * 1000.0).min(1e15) as u64);
    let end = start.and_then(|s| s.checked_add_signed(TimeDelta::milliseconds(duration_ms as i64)));
    out.push(
        &env,
        end,
        Kind::SessionEnd {
            duration_ms,
            bytes_in: 0,
            bytes_out: 0,
            reason: "session ended".to_string(),
            recordings: Vec::new(),
        },
    );
    Ok(())
}

/// The envelope both Heralding channels share.
fn envelope(ctx: &Ctx<'_>, m: &Map<String, Value>, ts: Option<DateTime<Utc>>) -> Result<Envelope, String> {
    let src_ip: IpAddr = parse::need_ip(m, "source_ip")?;
    let src_port = parse::port(m, "source_port")?;
    let dst_port = parse::port(m, "destination_port")?;
    Ok(Envelope {
        sensor: parse::str_field(m, "sensor").unwrap_or(ctx.ident).to_string(),
        honeypot: "heralding",
        session: match parse::str_field(m, "session_id") {
            Some(s) => parse::truncate(s, 128),
            None => parse::conn_session(src_ip, src_port, dst_port, ts),
        },
        proto: parse::truncate(
            &parse::str_field(m, "protocol")
                .unwrap_or("unknown")
                .to_ascii_lowercase(),
            32,
        ),
        src_ip,
        src_port,
        dst_ip: parse::str_field(m, "destination_ip").map(parse::ip).transpose()?,
        dst_port,
    })
}

/// An auth from `username`/`password` (either may be null: VNC has no username, an uncracked DES response no
/// password).
fn auth(m: &Map<String, Value>) -> Kind {
    Kind::Auth {
        username: parse::str_field(m, "username").unwrap_or("").to_string(),
        password: parse::str_field(m, "password").map(str::to_string),
        key_fingerprint: None,
        method: AuthMethod::Password,
        success: false,
    }
}
