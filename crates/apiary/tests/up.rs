//! `apiary up` through the built binary: the first start prints the dashboard URL and a one-time admin password;
//! a login through the API works with it; an SSH login attempt by OpenSSH's client (with `sshpass`) travels
//! sensor -> broker -> collector -> store and shows up in `/api/v1/feed` and on the `/api/v1/live` stream within
//! seconds; the local sensor's heartbeat shows its version and reported address on `/api/v1/sensors`; a second
//! start prints the URL but no password. Skips without `ssh`/`sshpass` unless `CI` is set.

mod common;
#[path = "common/up.rs"]
mod up_harness;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use up_harness::{have, Up};

/// Polls `f` every 200 ms for up to `wait`.
async fn eventually<F, Fut>(wait: Duration, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_serves_the_dashboard_and_shows_an_ssh_attempt_live() {
    if !have("ssh") || !have("sshpass") {
        assert!(std::env::var_os("CI").is_none(), "ssh and sshpass are needed in CI");
        eprintln!("skipping: ssh or sshpass missing");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let up = Up::start(&data);
    let banner = up.banner();
    let base = format!("http://{}", up.http);
    assert!(
        banner.iter().any(|l| l.contains(&format!("Dashboard: {base}/"))),
        "{banner:?}"
    );
    let login = banner
        .iter()
        .find_map(|l| l.trim().strip_prefix("Login:"))
        .unwrap_or_else(|| panic!("no login line: {banner:?}"));
    let mut words = login.split_whitespace();
    let (user, password) = (words.next().unwrap(), words.next().unwrap());
    assert_eq!(user, "admin");
    assert!(password.len() >= 16, "{password}");

    // Log in through the API with the printed password.
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({ "username": user, "password": password }))
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
    let page = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));

    // The local sensor's heartbeat (sent at start, and again once connected) lists it with its version, its SSH
    // listener and the address it reports (its end of the loopback connection), before any event.
    let sensors_url = format!("{base}/api/v1/sensors");
    let ssh_port = up.ssh.port();
    let last = std::sync::Arc::new(std::sync::Mutex::new(Value::Null));
    let heartbeat = eventually(Duration::from_secs(10), || {
        let (http, url, cookie, last) = (http.clone(), sensors_url.clone(), cookie.clone(), last.clone());
        async move {
            let Ok(r) = http.get(url).header("cookie", cookie).send().await else {
                return false;
            };
            let v: Value = r.json().await.unwrap_or_default();
            let found = v["items"].as_array().is_some_and(|items| {
                items.iter().any(|s| {
                    s["version"] == env!("CARGO_PKG_VERSION")
                        && s["heartbeat"].is_string()
                        && s["address"] == "127.0.0.1"
                        && s["listen"].as_array().is_some_and(|l| {
                            l.iter().any(|l| {
                                l["honeypot"] == "apiary-ssh"
                                    && l["addr"].as_str().is_some_and(|a| a.ends_with(&format!(":{ssh_port}")))
                            })
                        })
                })
            });
            *last.lock().unwrap() = v;
            found
        }
    })
    .await;
    assert!(
        heartbeat,
        "/api/v1/sensors never showed the local sensor's version, listener and address 127.0.0.1: {}",
        last.lock().unwrap()
    );

    // Open the live stream before the attack.
    let mut live = http
        .get(format!("{base}/api/v1/live"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), reqwest::StatusCode::OK);

    // The attack: OpenSSH's client with a password, as a newcomer would try it.
    let user_name = format!("upcheck{}", std::process::id());
    let started = Instant::now();
    let ssh = tokio::process::Command::new("sshpass")
        .args(["-p", "x", "ssh", "-p", &up.ssh.port().to_string()])
        .args(["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"])
        .args([
            "-o",
            "PreferredAuthentications=password,keyboard-interactive",
            "-o",
            "PubkeyAuthentication=no",
        ])
        .args(["-o", "ConnectTimeout=10", "-o", "NumberOfPasswordPrompts=1"])
        .arg(format!("{user_name}@127.0.0.1"))
        .arg("true")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("run sshpass");

    // It reaches the store: the feed lists the login attempt.
    let feed_url = format!("{base}/api/v1/feed?kind=auth&limit=50");
    let in_feed = eventually(Duration::from_secs(10), || {
        let (http, url, cookie, name) = (http.clone(), feed_url.clone(), cookie.clone(), user_name.clone());
        async move {
            let Ok(r) = http.get(url).header("cookie", cookie).send().await else {
                return false;
            };
            let v: Value = r.json().await.unwrap_or_default();
            v["items"]
                .as_array()
                .is_some_and(|items| items.iter().any(|i| i["event"]["username"] == name.as_str()))
        }
    })
    .await;
    assert!(in_feed, "the SSH attempt never reached /api/v1/feed");
    eprintln!("in the feed {:?} after the attempt began", started.elapsed());
    let mut ssh = ssh;
    let _ = tokio::time::timeout(Duration::from_secs(30), ssh.wait()).await;

    // And the live stream carried it.
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && !text.contains(&user_name) {
        if let Ok(Ok(Some(c))) = tokio::time::timeout(Duration::from_secs(1), live.chunk()).await {
            text.push_str(&String::from_utf8_lossy(&c));
        }
    }
    assert!(
        text.contains(&user_name),
        "the live stream never showed the attempt: {text}"
    );
    assert!(text.contains("event: events"));
    drop(live);
    up.stop();

    // `apiary user add` on the same data folder, password piped on stdin.
    let mut add = Command::new(env!("CARGO_BIN_EXE_apiary"))
        .args(["user", "add", "reader", "--role", "read-only", "--data"])
        .arg(&data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut add.stdin.take().unwrap(), b"reader password 1\n").unwrap();
    let out = add.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "a piped password is not printed");
    let list = Command::new(env!("CARGO_BIN_EXE_apiary"))
        .args(["user", "list", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout).to_string();
    assert!(
        list.contains("admin\tadmin") && list.contains("reader\tread-only"),
        "{list}"
    );

    // A second start keeps the users: the URL is printed, no password; the reader signs in and cannot write.
    let again = Up::start(&data);
    let banner = again.banner();
    assert!(banner.iter().any(|l| l.contains("Dashboard:")), "{banner:?}");
    assert!(
        !banner.iter().any(|l| l.contains(password)),
        "the password was printed again"
    );
    let base = format!("http://{}", again.http);
    let r = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({ "username": "reader", "password": "reader password 1" }))
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
    let csrf = r.json::<Value>().await.unwrap()["csrf"].as_str().unwrap().to_owned();
    let r = http
        .post(format!("{base}/api/v1/apikeys"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "nope" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    again.stop();
}
