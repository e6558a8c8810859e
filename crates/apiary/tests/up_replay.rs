//! Session recordings end to end through the built binary: `apiary up` on free loopback ports, an interactive shell
//! by OpenSSH's client (`sshpass`, a forced TTY) typing a few commands, then the recording travels sensor ->
//! `apiary.ttylog` -> broker -> collector -> store and is listed by the session's detail and `/api/v1/recordings`,
//! and served by `/api/v1/recordings/{sha256}` as asciicast v2 holding the commands' output.
//! Skips without `ssh`/`sshpass` unless `CI` is set.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, terminate, wait_listening};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

/// True if `prog` runs.
fn have(prog: &str) -> bool {
    Command::new(prog)
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Starts `apiary up` with its data in `dir`; returns the child, the HTTP and SSH ports, and the admin password.
fn start(dir: &Path) -> (Child, u16, u16, String) {
    let (http, broker, ssh, telnet) = (free_port(), free_port(), free_port(), free_port());
    let addr = |p: u16| format!("127.0.0.1:{p}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_apiary"))
        .arg("up")
        .arg("--data")
        .arg(dir)
        .args(["--http", &addr(http), "--broker", &addr(broker)])
        .args(["--ssh", &addr(ssh), "--telnet", &addr(telnet)])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start apiary up");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    wait_listening(addr(http).parse().unwrap(), &mut child);
    wait_listening(addr(ssh).parse().unwrap(), &mut child);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            if let Some(pw) = l
                .trim()
                .strip_prefix("Login:")
                .and_then(|r| r.split_whitespace().nth(1))
            {
                return (child, http, ssh, pw.to_owned());
            }
            seen.push(l);
        }
    }
    let _ = terminate(&mut child, "apiary up", Duration::from_secs(20));
    panic!("apiary up printed no login line: {seen:?}");
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
    let (mut child, http_port, ssh_port, password) = start(&dir.path().join("data"));
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
        let _ = terminate(&mut child, "apiary up", Duration::from_secs(20));
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
    let status = terminate(&mut child, "apiary up", Duration::from_secs(20));
    assert!(status.success(), "apiary up exited with {status}");
}
