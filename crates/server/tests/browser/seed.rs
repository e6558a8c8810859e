//! What the browser test stores before it looks: ordinary attacks for the charts and tables, and the XSS corpus as
//! usernames, passwords, commands, download URLs, client versions and HTTP paths, queries and headers.

use chrono::{DateTime, Duration, Utc};
use event::{AuthMethod, Event, FileInfo, Kind};
use store::{Batch, Blob, Geo, Record};

/// Every payload either sets `window.__xss` or changes `document.title` if it ever runs; all must show as text.
pub const XSS: &[&str] = &[
    "<script>window.__xss=1</script>",
    "<img src=x onerror=\"window.__xss=1\">",
    "\"><svg/onload=window.__xss=1>",
    "'><svg onload=document.title='XSS'>",
    "javascript:window.__xss=1",
    "JaVaScRiPt:document.title='XSS'",
    "</script><script>window.__xss=1</script>",
    "{{constructor.constructor('window.__xss=1')()}}",
    "${window.__xss=1}",
    "<iframe src=\"javascript:window.__xss=1\"></iframe>",
    "<body onload=window.__xss=1>",
    "<details open ontoggle=window.__xss=1>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "<a href=\"javascript:window.__xss=1\">click</a>",
    "<input autofocus onfocus=window.__xss=1>",
    "<video><source onerror=window.__xss=1></video>",
    "<audio src=x onerror=window.__xss=1>",
    "<marquee onstart=window.__xss=1>",
    "<object data=\"javascript:window.__xss=1\"></object>",
    "<embed src=\"javascript:window.__xss=1\">",
    "<svg><script>window.__xss=1</script></svg>",
    "<style>@import 'javascript:window.__xss=1';</style>",
    "<link rel=stylesheet href=\"javascript:window.__xss=1\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__xss=1\">",
    "<base href=\"javascript:window.__xss=1//\">",
    "<form action=\"javascript:window.__xss=1\"><button>go</button></form>",
    "<div style=\"background:url(javascript:window.__xss=1)\">",
    "<img src=\"x\" onerror=&#x77;indow.__xss=1>",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    "%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E",
    "\\u003cscript\\u003ewindow.__xss=1\\u003c/script\\u003e",
    "<scr<script>ipt>window.__xss=1</scr</script>ipt>",
    "<<script>script>window.__xss=1<</script>/script>",
    "<img \"\"\"><script>window.__xss=1</script>\">",
    "<svg><animate onbegin=window.__xss=1 attributeName=x dur=1s>",
    "<select autofocus onfocus=window.__xss=1>",
    "<textarea autofocus onfocus=window.__xss=1>",
    "<noscript><p title=\"</noscript><img src=x onerror=window.__xss=1>\">",
    "<template><img src=x onerror=window.__xss=1></template>",
    "<x onclick=window.__xss=1>click me",
    "\" onmouseover=\"window.__xss=1",
    "' onfocus='window.__xss=1' autofocus='",
    "data:text/html,<script>window.__xss=1</script>",
    "vbscript:msgbox(document.title)",
    "<svg><a xlink:href=\"javascript:window.__xss=1\"><text x=20 y=20>X</text></a></svg>",
    "<img src=x onerror=eval('window.__xss=1')>",
    "{{7*7}}",
    "<%= 7*7 %>",
    "#{7*7}",
    "<!--<img src=\"--><img src=x onerror=window.__xss=1//\">",
    "]]><script>window.__xss=1</script>",
    "';window.__xss=1;//",
    "\";document.title='XSS';//",
    "<script src=/api/v1/me></script>",
    "<img srcset=\",,,,,x\" onerror=window.__xss=1>",
    "<body><svg/onload=document.title='XSS'//",
    "<img src=x:alert(1) onerror=window.__xss=1>",
    "<svg><foreignObject><img src=x onerror=window.__xss=1></foreignObject></svg>",
];

/// A reverse DNS name stored for the first XSS address (the collector would refuse it; the page must not run it).
pub const XSS_HOSTNAME: &str = "<img src=x onerror=document.title='XSS'>.example.net";

/// Payloads per attacker address (the attacker page lists at most 50 values per kind).
pub const CHUNK: usize = 30;
/// The one stored sample (admins may download it).
pub const SAMPLE: &[u8] = b"#!/bin/sh\necho apiary-test-sample\n";
/// Sensor of every seeded event.
pub const SENSOR: &str = "sensor-eu";

/// The address that sent payload chunk `i`.
pub fn xss_ip(i: usize) -> String {
    format!("198.51.100.{}", 10 + i)
}

/// The session (store key `sensor/session`) that holds chunk `i`'s SSH events.
pub fn xss_ssh_session(i: usize) -> String {
    format!("{SENSOR}/xss-ssh-{i}")
}

/// The session that holds chunk `i`'s HTTP requests.
pub fn xss_http_session(i: usize) -> String {
    format!("{SENSOR}/xss-http-{i}")
}

/// Where ordinary attackers come from: address, country, lat, lon, ASN.
const ORIGINS: [(&str, &str, f64, f64, u32); 4] = [
    ("203.0.113.7", "CN", 39.9, 116.4, 4134),
    ("203.0.113.8", "BR", -23.5, -46.6, 28573),
    ("192.0.2.44", "US", 37.8, -122.4, 16509),
    ("2001:db8::5", "RU", 55.7, 37.6, 12389),
];

fn record(session: &str, ip: &str, proto: &str, port: u16, ts: DateTime<Utc>, kind: Kind, geo: &Geo) -> Record {
    Record {
        event: Event {
            id: event::id::new_id(),
            ts,
            sensor: SENSOR.into(),
            honeypot: format!("apiary-{proto}"),
            session: session.into(),
            proto: proto.into(),
            src_ip: ip.parse().unwrap_or(std::net::IpAddr::from([192, 0, 2, 1])),
            src_port: 40000,
            dst_ip: None,
            dst_port: port,
            kind,
        },
        received: ts,
        channel: event::CHANNEL_EVENTS.into(),
        ident: "sensor-eu".into(),
        geo: geo.clone(),
    }
}

fn geo(cc: &str, lat: f64, lon: f64, asn: u32) -> Geo {
    Geo {
        country: Some(cc.into()),
        city: None,
        lat: Some(lat),
        lon: Some(lon),
        asn: Some(asn),
        as_org: Some(format!("Example AS{asn}")),
    }
}

fn start(client: &str) -> Kind {
    Kind::SessionStart {
        client_version: Some(client.into()),
        hassh: None,
        hassh_algorithms: None,
    }
}

/// One password login attempt.
pub fn auth(user: &str, pass: &str, ok: bool) -> Kind {
    Kind::Auth {
        username: user.into(),
        password: Some(pass.into()),
        key_fingerprint: None,
        method: AuthMethod::Password,
        success: ok,
    }
}

fn end() -> Kind {
    Kind::SessionEnd {
        duration_ms: 4000,
        bytes_in: 100,
        bytes_out: 200,
        reason: "client closed".into(),
        recordings: vec![],
    }
}

/// Ordinary traffic over the last `hours`: SSH and Telnet logins, commands, a download, HTTP requests.
pub fn ordinary(now: DateTime<Utc>, hours: i64) -> Batch {
    let mut records = Vec::new();
    let mut n = 0;
    for h in 0..hours {
        for (k, (ip, cc, lat, lon, asn)) in ORIGINS.iter().enumerate() {
            let g = geo(cc, *lat, *lon, *asn);
            let at = now - Duration::hours(h) - Duration::minutes(1 + 7 * k as i64);
            let (proto, port) = if k % 2 == 0 { ("ssh", 22) } else { ("telnet", 23) };
            let s = format!("plain-{h}-{k}");
            records.push(record(&s, ip, proto, port, at, start("SSH-2.0-Go"), &g));
            for (i, (u, p)) in [("root", "123456"), ("admin", "admin"), ("root", "root")]
                .iter()
                .enumerate()
            {
                let ok = i == 2;
                records.push(record(
                    &s,
                    ip,
                    proto,
                    port,
                    at + Duration::seconds(1 + i as i64),
                    auth(u, p, ok),
                    &g,
                ));
            }
            let cmd = Kind::Command {
                input: "uname -a".into(),
                recognized: true,
            };
            records.push(record(&s, ip, proto, port, at + Duration::seconds(5), cmd, &g));
            if h % 3 == 0 {
                let f = FileInfo {
                    url: Some("http://203.0.113.99/bins/x86".into()),
                    sha256: Some(format!("{:064x}", 0xabcdef_u64 + k as u64)),
                    size: 1024,
                    mime: Some("application/x-executable".into()),
                    ..FileInfo::default()
                };
                records.push(record(
                    &s,
                    ip,
                    proto,
                    port,
                    at + Duration::seconds(6),
                    Kind::FileDownload(f),
                    &g,
                ));
            }
            records.push(record(&s, ip, proto, port, at + Duration::seconds(8), end(), &g));
            n += 1;
            let hs = format!("web-{h}-{k}");
            let req = http("GET", "/wp-login.php", "", &[("User-Agent", "curl/8.0")]);
            records.push(record(&hs, ip, "http", 80, at + Duration::seconds(9), req, &g));
        }
    }
    assert!(n > 0);
    Batch {
        records,
        blobs: vec![Blob {
            bytes: bytes::Bytes::from_static(SAMPLE),
            received: now - Duration::minutes(50),
            mime: Some("text/x-shellscript".into()),
        }],
    }
}

fn http(method: &str, path: &str, query: &str, headers: &[(&str, &str)]) -> Kind {
    Kind::HttpRequest {
        method: method.into(),
        path: path.into(),
        query: query.into(),
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: String::new(),
        classification: vec!["xss".into()],
    }
}

/// The corpus: one session per payload that logs in with it (username, password, client version); per chunk of
/// payloads one SSH session with every payload as username, password, command and download URL, and one HTTP
/// session with every payload as path, query and header value.
pub fn corpus(now: DateTime<Utc>) -> Batch {
    let mut records = Vec::new();
    let at0 = now - Duration::minutes(30);
    for (i, p) in XSS.iter().enumerate() {
        let ip = xss_ip(i / CHUNK);
        let g = geo("NL", 52.37, 4.89, 64500);
        let s = format!("xss-login-{i}");
        let at = at0 + Duration::seconds(i as i64);
        records.push(record(&s, &ip, "ssh", 22, at, start(p), &g));
        records.push(record(&s, &ip, "ssh", 22, at, auth(p, p, true), &g));
        records.push(record(&s, &ip, "ssh", 22, at, end(), &g));
    }
    for (c, chunk) in XSS.chunks(CHUNK).enumerate() {
        let ip = xss_ip(c);
        let g = geo("NL", 52.37, 4.89, 64500);
        let ssh = format!("xss-ssh-{c}");
        let web = format!("xss-http-{c}");
        let at = at0 + Duration::minutes(5 + c as i64);
        records.push(record(&ssh, &ip, "ssh", 22, at, start("SSH-2.0-xss"), &g));
        for (j, p) in chunk.iter().enumerate() {
            let t = at + Duration::milliseconds(10 * j as i64 + 1);
            records.push(record(&ssh, &ip, "ssh", 22, t, auth(p, p, false), &g));
            let cmd = Kind::Command {
                input: p.to_string(),
                recognized: false,
            };
            records.push(record(&ssh, &ip, "ssh", 22, t, cmd, &g));
            let f = FileInfo {
                url: Some(p.to_string()),
                filename: Some(p.to_string()),
                size: 0,
                ..FileInfo::default()
            };
            records.push(record(&ssh, &ip, "ssh", 22, t, Kind::FileDownload(f), &g));
            let req = http("GET", p, p, &[("User-Agent", p), ("X-Payload", p)]);
            records.push(record(&web, &ip, "http", 80, t, req, &g));
        }
    }
    Batch { records, blobs: vec![] }
}

/// One SSH login arriving while the browser watches the live map.
pub fn live_login(now: DateTime<Utc>, user: &str) -> Record {
    let g = geo("JP", 35.68, 139.69, 2497);
    record(
        "live-1",
        "192.0.2.200",
        "ssh",
        22,
        now,
        auth(user, "hunter2", false),
        &g,
    )
}

/// Login number `n` of a load test, from a spread of places (deterministic).
pub fn spread_login(now: DateTime<Utc>, n: usize) -> Record {
    let lat = ((n * 37) % 140) as f64 - 60.0;
    let lon = ((n * 73) % 360) as f64 - 180.0;
    let g = geo("ZZ", lat, lon, 64501);
    let ip = format!("192.0.2.{}", n % 250 + 1);
    let user = format!("load-{n}");
    record(
        &format!("load-{}", n / 4),
        &ip,
        "ssh",
        22,
        now,
        auth(&user, "pw", false),
        &g,
    )
}

/// The name of the one seeded recording (of [`xss_ssh_session`]`(0)`).
pub const RECORDING: &str = "recordings/xss-ssh-0-0.cast";

/// A recorded shell of [`xss_ssh_session`]`(0)`: a coloured prompt, `uname -a`, an XSS payload echoed back (which
/// the player must draw as text), a 28 s idle gap (capped to 2 s by default: 5 s played in all), then `logout`.
pub fn recording(now: DateTime<Utc>) -> store::NewRecording {
    let prompt = "\u{1b}[1;32mroot@srv01\u{1b}[0m:~# ";
    let events: Vec<(f64, &str, String)> = vec![
        (0.2, "o", prompt.to_string()),
        (1.0, "i", "uname -a\r".to_string()),
        (
            1.1,
            "o",
            format!("uname -a\r\nLinux srv01 6.1.0-18-amd64 #1 SMP x86_64 GNU/Linux\r\n{prompt}"),
        ),
        (2.0, "o", format!("echo '{x}'\r\n{x}\r\n{prompt}", x = XSS[0])),
        (30.0, "o", format!("cat /etc/issue\r\nDebian GNU/Linux 12\r\n{prompt}")),
        (31.0, "o", "exit\r\nlogout\r\n".to_string()),
    ];
    let mut cast = String::from("{\"version\": 2, \"width\": 100, \"height\": 12, \"title\": \"seeded\"}\n");
    for (t, code, data) in events {
        cast.push_str(&serde_json::json!([t, code, data]).to_string());
        cast.push('\n');
    }
    store::NewRecording {
        session_id: xss_ssh_session(0),
        name: RECORDING.into(),
        size: cast.len() as u64,
        bytes: bytes::Bytes::from(cast),
        truncated: false,
        received: now,
    }
}
