//! Web honeypots that publish one HTTP request per message → http.request: `glastopf.events`,
//! `shockpot.events`, `elastichoney.events`.

use event::{FileInfo, Kind};
use serde_json::{Map, Value};

use super::build::{Ctx, Envelope, Out};
use super::parse;

/// At most this many headers are kept from one request.
const MAX_HEADERS: usize = 128;

/// Glastopf, both shapes: 3.1.2 (`source` = [ip, port], 6 keys) and HEAD (adds `source_ip`, `sensorid`,
/// `sensor_port`, ...). `time` is naive UTC; `request_raw` is the whole request, parsed for method, headers, body.
pub(crate) fn normalize_glastopf(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let m = parse::object(ctx.payload)?;
    let ts = parse::time(&m, "time")?;
    let source = m.get("source").and_then(Value::as_array);
    let src_ip = match parse::str_field(&m, "source_ip").or_else(|| source.and_then(|s| s.first()?.as_str())) {
        Some(ip) => parse::ip(ip)?,
        None => return Err("no source address (`source_ip` or `source`)".to_string()),
    };
    let src_port = match m.get("source_port") {
        Some(_) => parse::port(&m, "source_port")?,
        None => source
            .and_then(|s| s.get(1)?.as_u64())
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(0),
    };
    let dst_port = match parse::port(&m, "sensor_port")? {
        0 => 80,
        p => p,
    };
    let env = Envelope {
        sensor: parse::str_field(&m, "sensorid").map_or_else(|| ctx.ident.to_string(), |s| parse::truncate(s, 128)),
        honeypot: "glastopf",
        session: parse::conn_session(src_ip, src_port, dst_port, ts),
        proto: "http".to_string(),
        src_ip,
        src_port,
        dst_ip: parse::str_field(&m, "sensor_ip").map(parse::ip).transpose()?,
        dst_port,
    };
    let raw = parse::str_field(&m, "request_raw").unwrap_or("");
    let (method, target, headers, body) = parse_raw_request(raw);
    let url = parse::str_field(&m, "request_url").unwrap_or(&target);
    let (path, query) = parse::split_url(url);
    let classification = parse::str_field(&m, "pattern")
        .map(|p| vec![parse::truncate(p, 64)])
        .unwrap_or_default();
    out.push(
        &env,
        ts,
        Kind::HttpRequest {
            method,
            path,
            query,
            headers,
            body,
            classification,
        },
    );
    Ok(())
}

/// Shockpot: a request with `headers` as [name, value] pairs, `command` when the Shellshock payload ran one, and
/// `command_data` = what Shockpot itself fetched for it (kept as the body of a file.download for `wget`/`curl`).
pub(crate) fn normalize_shockpot(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let m = parse::object(ctx.payload)?;
    let ts = parse::time(&m, "timestamp")?;
    let src_ip = parse::need_ip(&m, "source_ip")?;
    let dst_port = parse::port(&m, "dest_port")?;
    let env = Envelope {
        sensor: parse::str_field(&m, "sensor").map_or_else(|| ctx.ident.to_string(), |s| parse::truncate(s, 128)),
        honeypot: "shockpot",
        session: parse::conn_session(src_ip, 0, dst_port, ts),
        proto: "http".to_string(),
        src_ip,
        src_port: 0,
        dst_ip: parse::str_field(&m, "dest_host").and_then(|h| parse::ip(h).ok()),
        dst_port,
    };
    let headers: Vec<(String, String)> = m
        .get("headers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|h| Some((h.get(0)?.as_str()?, h.get(1)?.as_str()?)))
        .take(MAX_HEADERS)
        .map(|(k, v)| (parse::truncate(k, 256), parse::truncate(v, 4096)))
        .collect();
    let mut classification = Vec::new();
    if m.get("is_shellshock").and_then(Value::as_bool) == Some(true) {
        classification.push("shellshock".to_string());
    }
    out.push(
        &env,
        ts,
        Kind::HttpRequest {
            method: parse::truncate(parse::str_field(&m, "method").unwrap_or("GET"), 16),
            path: parse::truncate(parse::str_field(&m, "path").unwrap_or("/"), 4096),
            query: parse::truncate(parse::str_field(&m, "query_string").unwrap_or(""), 4096),
            headers,
            body: String::new(),
            classification,
        },
    );
    if let Some(command) = parse::str_field(&m, "command").filter(|c| !c.is_empty()) {
        out.push(
            &env,
            ts,
            Kind::Command {
                input: parse::truncate(command, 4096),
                recognized: true,
            },
        );
    }
    Ok(())
}

/// Elastichoney: compact Go JSON; `url` has no scheme (`host:9200/path?query`), `@timestamp` is RFC 3339 with
/// nanoseconds, no ports (9200 assumed). `type` recon/attack; an attack's fetched payload gives a file.download.
pub(crate) fn normalize_elastichoney(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let m = parse::object(ctx.payload)?;
    let ts = parse::time(&m, "@timestamp")?;
    let src_ip = parse::need_ip(&m, "source")?;
    let env = Envelope {
        sensor: parse::str_field(&m, "sensor").map_or_else(|| ctx.ident.to_string(), |s| parse::truncate(s, 128)),
        honeypot: "elastichoney",
        session: parse::conn_session(src_ip, 0, 9200, ts),
        proto: "elasticsearch".to_string(),
        src_ip,
        src_port: 0,
        dst_ip: parse::str_field(&m, "honeypot").and_then(|h| parse::ip(h).ok()),
        dst_port: 9200,
    };
    let url = parse::str_field(&m, "url").unwrap_or("/");
    let target = match url.contains("://") {
        true => url,
        false => url.find('/').map_or("/", |i| &url[i..]),
    };
    let (path, query) = parse::split_url(target);
    let empty = Map::new();
    let hdrs = m.get("headers").and_then(Value::as_object).unwrap_or(&empty);
    let headers = hdrs
        .iter()
        .filter_map(|(k, v)| Some((k, v.as_str()?)))
        .filter(|(_, v)| !v.is_empty())
        .take(MAX_HEADERS)
        .map(|(k, v)| (parse::truncate(k, 256), parse::truncate(v, 4096)))
        .collect();
    let classification = parse::str_field(&m, "type")
        .map(|t| vec![parse::truncate(t, 64)])
        .unwrap_or_default();
    out.push(
        &env,
        ts,
        Kind::HttpRequest {
            method: parse::truncate(parse::str_field(&m, "method").unwrap_or("GET"), 16),
            path,
            query,
            headers,
            body: parse::truncate(parse::str_field(&m, "payload").unwrap_or(""), 64 * 1024),
            classification,
        },
    );
    if let Some(md5) = parse::str_field(&m, "payloadMd5").filter(|h| !h.is_empty()) {
        let info = FileInfo {
            url: parse::str_field(&m, "payloadResource")
                .filter(|r| !r.is_empty())
                .map(|r| parse::truncate(r, 4096)),
            md5: Some(parse::truncate(&md5.to_ascii_lowercase(), 64)),
            stored: false,
            reason: Some("elastichoney sends the payload base64 in its event; not stored".to_string()),
            ..FileInfo::default()
        };
        out.push(&env, ts, Kind::FileDownload(info));
    }
    Ok(())
}

/// Method, request target, headers and body of a raw HTTP/1 request; lenient, bounded, never fails.
fn parse_raw_request(raw: &str) -> (String, String, Vec<(String, String)>, String) {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = parse::truncate(first.next().filter(|m| !m.is_empty()).unwrap_or("GET"), 16);
    let target = parse::truncate(first.next().unwrap_or("/"), 4096);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .take(MAX_HEADERS)
        .map(|(k, v)| (parse::truncate(k.trim(), 256), parse::truncate(v.trim(), 4096)))
        .collect();
    (method, target, headers, parse::truncate(body, 64 * 1024))
}
