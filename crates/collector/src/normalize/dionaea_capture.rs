//! `dionaea.capture`: Dionaea finished fetching or receiving a file → file.download with its MD5 (Dionaea gives
//! MD5 and SHA-512, no SHA-256; the bytes arrive separately on `mwbinary.dionaea.sensorunique`).

use event::{FileInfo, Kind};

use super::build::{Ctx, Envelope, Out};
use super::parse;

/// Maps one capture record; ports arrive as strings, `time` may be missing (MHN's handler).
pub(crate) fn normalize(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let m = parse::object(ctx.payload)?;
    let ts = parse::time(&m, "time")?;
    let src_ip = parse::need_ip(&m, "saddr")?;
    let src_port = parse::port(&m, "sport")?;
    let dst_ip = parse::str_field(&m, "daddr").map(parse::ip).transpose()?;
    let dst_port = parse::port(&m, "dport")?;
    let url = parse::str_field(&m, "url").filter(|u| !u.is_empty());
    let proto = match url.and_then(|u| u.split_once("://")) {
        Some((scheme, _)) => parse::truncate(&scheme.to_ascii_lowercase(), 16),
        None => parse::by_port(dst_port, "tcp"),
    };
    let env = Envelope {
        sensor: parse::str_field(&m, "sensor").unwrap_or(ctx.ident).to_string(),
        honeypot: "dionaea",
        session: parse::conn_session(src_ip, src_port, dst_port, ts),
        proto,
        src_ip,
        src_port,
        dst_ip,
        dst_port,
    };
    let info = FileInfo {
        url: url.map(str::to_string),
        md5: parse::str_field(&m, "md5").map(str::to_ascii_lowercase),
        stored: false,
        reason: Some("dionaea.capture carries hashes only; the bytes come on mwbinary.dionaea.sensorunique".into()),
        ..FileInfo::default()
    };
    out.push(&env, ts, Kind::FileDownload(info));
    Ok(())
}
