//! `wordpot.events`: MHN's WordPress honeypot, one message per plugin hit (badlogin, commonfiles,
//! userenumeration, timthumb) → http.request classified by plugin, plus an auth for badlogin credentials.
//! The feed has no time (the receive time is used) and no method: badlogin is a POST to wp-login.php, the others
//! GETs. `dest_port` arrives as a string.

use event::{AuthMethod, Kind};

use super::build::{Ctx, Envelope, Out};
use super::parse;

/// Maps one plugin hit.
pub(crate) fn normalize(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let m = parse::object(ctx.payload)?;
    let src_ip = parse::need_ip(&m, "source_ip")?;
    let src_port = parse::port(&m, "source_port")?;
    let dst_port = parse::port(&m, "dest_port")?;
    let env = Envelope {
        sensor: parse::str_field(&m, "sensor").map_or_else(|| ctx.ident.to_string(), |s| parse::truncate(s, 128)),
        honeypot: "wordpot",
        session: parse::conn_session(src_ip, src_port, dst_port, Some(ctx.received)),
        proto: "http".to_string(),
        src_ip,
        src_port,
        dst_ip: parse::str_field(&m, "dest_ip").map(parse::ip).transpose()?,
        dst_port,
    };
    let plugin = parse::str_field(&m, "plugin").unwrap_or("unknown");
    let url = parse::str_field(&m, "url").unwrap_or("/");
    let (path, query) = parse::split_url(url);
    let mut headers = Vec::new();
    if let Some(ua) = parse::str_field(&m, "user_agent").filter(|u| !u.is_empty()) {
        headers.push(("User-Agent".to_string(), parse::truncate(ua, 1024)));
    }
    out.push(
        &env,
        None,
        Kind::HttpRequest {
            method: if plugin == "badlogin" { "POST" } else { "GET" }.to_string(),
            path,
            query,
            headers,
            body: String::new(),
            classification: vec![parse::truncate(plugin, 64)],
        },
    );
    if let Some(username) = parse::str_field(&m, "username") {
        out.push(
            &env,
            None,
            Kind::Auth {
                username: parse::truncate(username, 1024),
                password: parse::str_field(&m, "password").map(|p| parse::truncate(p, 1024)),
                key_fingerprint: None,
                method: AuthMethod::Password,
                success: false,
            },
        );
    }
    Ok(())
}
