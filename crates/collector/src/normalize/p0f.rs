//! `p0f.events`: MHN's p0f fork, one observation per message (`mod` = syn, mtu, uptime, http request, ...) →
//! fingerprint, which the store keeps per IP. Every observation value is a string; `???` means unknown.

use event::{Fingerprint, Kind};
use serde_json::{Map, Value};

use super::build::{Ctx, Envelope, Out};
use super::parse;

/// Maps one observation; the attacker is the client (`subject` tells which side p0f described).
pub(crate) fn normalize(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let m = parse::object(ctx.payload)?;
    let ts = parse::time(&m, "timestamp")?;
    let src_ip = parse::need_ip(&m, "client_ip")?;
    let src_port = parse::port(&m, "client_port")?;
    let dst_port = parse::port(&m, "server_port")?;
    let env = Envelope {
        sensor: parse::str_field(&m, "sensor").map_or_else(|| ctx.ident.to_string(), |s| parse::truncate(s, 128)),
        honeypot: "p0f",
        session: parse::conn_session(src_ip, src_port, dst_port, ts),
        proto: parse::by_port(dst_port, "tcp"),
        src_ip,
        src_port,
        dst_ip: parse::str_field(&m, "server_ip").map(parse::ip).transpose()?,
        dst_port,
    };
    let fp = Fingerprint {
        tool: "p0f".to_string(),
        os: known(&m, "os"),
        link: known(&m, "link"),
        uptime: known(&m, "uptime"),
        distance: known(&m, "dist").and_then(|d| d.parse().ok()),
        app: known(&m, "app"),
        raw_sig: known(&m, "raw_sig"),
    };
    out.push(&env, ts, Kind::Fingerprint(fp));
    Ok(())
}

/// A string observation, absent when empty or p0f's `???`.
fn known(m: &Map<String, Value>, key: &str) -> Option<String> {
    parse::str_field(m, key)
        .filter(|s| !s.is_empty() && *s != "???")
        .map(|s| parse::truncate(s, 1024))
}
