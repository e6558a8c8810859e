//! `dionaea.connections`: one message per connection Dionaea saw. `accept` → session.start, `reject` (pcap saw a
//! closed port) → a one-port scan, `connect` (Dionaea's own download client) → tcpip.request toward the remote.
//! The feed has no time (the receive time is used) and no session id (one is derived from the connection).

use event::Kind;

use super::build::{Ctx, Envelope, Out};
use super::parse;

/// Maps one connection record.
pub(crate) fn normalize(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let m = parse::object(ctx.payload)?;
    let src_ip = parse::need_ip(&m, "remote_host")?;
    let src_port = parse::port(&m, "remote_port")?;
    let dst_ip = parse::str_field(&m, "local_host").map(parse::ip).transpose()?;
    let dst_port = parse::port(&m, "local_port")?;
    let transport = parse::str_field(&m, "connection_transport").unwrap_or("tcp");
    let service = parse::str_field(&m, "connection_protocol").unwrap_or("");
    let env = Envelope {
        sensor: parse::str_field(&m, "sensor").unwrap_or(ctx.ident).to_string(),
        honeypot: "dionaea",
        session: parse::conn_session(src_ip, src_port, dst_port, Some(ctx.received)),
        proto: proto(service, transport),
        src_ip,
        src_port,
        dst_ip,
        dst_port,
    };
    let kind = match parse::str_field(&m, "connection_type").unwrap_or("accept") {
        "reject" => Kind::Scan {
            ports: vec![dst_port],
            window_ms: 0,
            scan_type: format!("{transport} reject"),
        },
        "connect" => Kind::TcpipRequest {
            target_host: match parse::str_field(&m, "remote_hostname") {
                Some(h) if !h.is_empty() => h.to_string(),
                _ => src_ip.to_string(),
            },
            target_port: src_port,
            first_bytes: String::new(),
            origin_host: None,
            origin_port: None,
        },
        _ => Kind::SessionStart {
            client_version: None,
            hassh: None,
            hassh_algorithms: None,
        },
    };
    out.push(&env, None, kind);
    Ok(())
}

/// Dionaea's service names (`smbd`, `httpd`, `FTPCtrl`, ...) to protocol names; `pcap` (no service) is the transport.
pub(crate) fn proto(service: &str, transport: &str) -> String {
    let s = service.to_ascii_lowercase();
    let p = match s.as_str() {
        "" | "pcap" => transport,
        "smbd" => "smb",
        "httpd" => "http",
        "mssqld" => "mssql",
        "mysqld" => "mysql",
        "ftpd" | "ftpctrl" | "ftpdata" | "ftpdatacon" | "ftpdatalisten" => "ftp",
        "tftpd" => "tftp",
        "sipsession" | "sipd" => "sip",
        "epmapper" => "epmap",
        "mqttd" => "mqtt",
        "memcache" => "memcached",
        "pptpd" => "pptp",
        "upnpd" => "upnp",
        other => other,
    };
    parse::truncate(p, 32)
}
