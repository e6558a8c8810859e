//! Session recordings end to end through the built binary: `apiary up` on free loopback ports, an interactive shell
//! by OpenSSH's client (`sshpass`, a forced TTY) typing a few commands, then the recording travels sensor ->
//! `apiary.ttylog` -> broker -> collector -> store and is listed by the session's detail and `/api/v1/recordings`,
//! and served by `/api/v1/recordings/{sha256}` as asciicast v2 holding the commands' output.
//! Skips without `ssh`/`sshpass` unless `CI` is set.

mod common;
#[path = "common/up.rs"]
mod up_harness;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::terminate;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use up_harness::{have, Up};

/// The admin password `apiary up` printed on its first start (`Login: admin <password>`).
fn printed_password(banner: &[String]) -> String {
    banner
        .iter()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Login:")
                .and_then(|r| r.split_whitespace().nth(1))
        })
        .unwrap_or_else(|| panic!("apiary up printed no login line: {banner:?}"))
        .to_owned()
}

/// GETs `url` with the cookie and parses JSON (Null on any failure).
async fn get_json(http: &reqwest::Client, url: &str, cookie: &str) -> Value {
    match http.get(url).header("cookie", cookie).send().await {
        Ok(r) if r.status().is_success() => r.json().await.unwrap_or_default(),
        _ => Value::Null,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ssh_shell_recording_reaches_the_api() {
    if !have("ssh") || !have("sshpass") {
        assert!(std::env::var_os("CI").is_none(), "ssh and sshpass are needed in CI");
        eprintln!("skipping: ssh or sshpass missing");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut up = Up::start(&dir.path().join("data"));
    let password = printed_password(&up.banner());
    let (http_port, ssh_port) = (up.http.port(), up.ssh.port());
    let base = format!("http://127.0.0.1:{http_port}");
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({ "username": "admin", "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    // An interactive shell with a TTY, typing like a person: a marker, uname, exit.
    let marker = format!("replay-marker-{}", std::process::id());
    let mut ssh = tokio::process::Command::new("sshpass")
        .args(["-p", "hunter2", "ssh", "-tt", "-p", &ssh_port.to_string()])
        .args(["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"])
        .args([
            "-o",
            "PreferredAuthentications=password",
            "-o",
            "PubkeyAuthentication=no",
        ])
        .args(["-o", "ConnectTimeout=10", "-o", "NumberOfPasswordPrompts=1"])
        .arg("root@127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("run sshpass");
    let mut stdin = ssh.stdin.take().expect("ssh stdin");
    tokio::time::sleep(Duration::from_secs(2)).await;
    for line in [format!("echo {marker}\r"), "uname -a\r".to_owned(), "exit\r".to_owned()] {
        stdin.write_all(line.as_bytes()).await.expect("type into ssh");
        stdin.flush().await.expect("flush ssh stdin");
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    let ended = tokio::time::timeout(Duration::from_secs(20), ssh.wait()).await;
    drop(stdin);
    assert!(ended.is_ok(), "the ssh session did not end after `exit`");

    // The session's detail lists the recording once the server has it.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut found: Option<(String, String, String)> = None;
    while found.is_none() && Instant::now() < deadline {
        let list = get_json(&http, &format!("{base}/api/v1/sessions?proto=ssh&limit=20"), &cookie).await;
        for s in list["items"].as_array().into_iter().flatten() {
            let Some(id) = s["id"].as_str() else { continue };
            let q = [("session", id)];
            let url = reqwest::Url::parse_with_params(&format!("{base}/api/v1/recordings"), q).unwrap();
            let recs = get_json(&http, url.as_str(), &cookie).await;
            let first = &recs["recordings"][0];
            if let (Some(name), Some(sha)) = (first["name"].as_str(), first["sha256"].as_str()) {
                found = Some((id.to_owned(), name.to_owned(), sha.to_owned()));
                break;
            }
        }
        if found.is_none() {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    let Some((id, name, sha)) = found else {
        let _ = terminate(&mut up.child, "apiary up", Duration::from_secs(20));
        panic!("no recording reached /api/v1/recordings within 20 s");
    };
    assert!(name.starts_with("recordings/") && name.ends_with(".cast"), "{name}");
    let detail_url = format!("{base}/api/v1/sessions/{}", id.replace('/', "%2F"));
    let detail = get_json(&http, &detail_url, &cookie).await;
    assert_eq!(
        detail["recordings"],
        json!([name]),
        "the detail lists what the server holds"
    );

    // The cast itself: asciicast v2 with the commands' output (not merely their echo).
    let url = format!("{base}/api/v1/recordings/{sha}");
    let r = http.get(url).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/x-asciicast");
    let cast = r.text().await.unwrap();
    let mut lines = cast.lines();
    let header: Value = serde_json::from_str(lines.next().unwrap_or_default()).expect("a JSON header line");
    assert_eq!(header["version"], 2);
    let output: String = lines
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e[1] == "o")
        .filter_map(|e| e[2].as_str().map(str::to_owned))
        .collect();
    assert!(output.contains(&marker), "the marker is in the output: {output}");
    assert!(
        output.contains("GNU/Linux"),
        "uname -a's output is in the recording: {output}"
    );
    assert!(
        output.contains("logout"),
        "the shell's exit is in the recording: {output}"
    );
    up.stop();
}
