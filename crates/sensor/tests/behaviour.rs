//! The behaviour suite: the same command lines over SSH against the honeypot and against a real Debian 12 `sshd` +
//! bash 5.2 (a throwaway config on a loopback port, a test account made for it), comparing stdout, stderr and exit
//! status byte for byte. Only lines whose output does not depend on the machine's identity are compared; the
//! persona-dependent ones are covered by the shell crate's tests against the persona.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use common::{have, openssh, real_sshd, start};
use russh::client;
use russh::keys::PublicKeyOrCertificate;
use russh::ChannelMsg;

/// The test account on the real host.
const USER: &str = "apiarytest";
/// Its password (loopback only, throwaway).
const PASSWORD: &str = "apiary-behaviour-pw";

/// Lines whose stdout, stderr and status must match real bash run by a real sshd.
const LINES: &[&str] = &[
    "echo hello",
    r"echo -e '\x41\x42\x7fELF\x01'",
    r"echo -e 'a\tb\nc'",
    "echo $((6*7)) $((10/3)) $((2**10))",
    "x=1; echo ${x:-u} ${y:-u} ${#x}",
    "true && echo yes || echo no",
    "false; echo $?",
    "nosuchcommand",
    "nosuchcommand --flag; echo $?",
    "/nonexistent/binary",
    "cat /nonexistent",
    "cd /nonexistent",
    "ls /nonexistent",
    "ls -d /tmp /etc",
    "exit 3",
    "echo a | cat -",
    "printf '%s-%d\\n' a 1 b 2",
    "printf '%05.1f|%x|%o\\n' 3.14159 255 8",
    "seq 3",
    "echo one two three | wc -w",
    "echo abc | tr a-z A-Z",
    "echo a,b,c | cut -d, -f2",
    "printf 'b\\na\\nb\\n' | sort | uniq -c",
    "echo hello | sha256sum",
    "echo hello | md5sum",
    "echo aGVsbG8= | base64 -d",
    "echo hello | base64",
    "printf 'x\\ny\\n' | grep -c y",
    "printf 'x\\ny\\n' | grep z; echo $?",
    "echo hello | sed 's/l/L/g'",
    "head -c 5 /dev/zero | wc -c",
    "basename /usr/bin/ls; dirname /usr/bin/ls",
    "type cd",
    "echo $SHELL",
    "uname -s; uname -m; uname -o",
    "cd /tmp && pwd",
    "echo a > /tmp/apiary-behaviour-f && cat /tmp/apiary-behaviour-f && rm /tmp/apiary-behaviour-f",
    "mkdir /tmp/apiary-behaviour-d && rmdir /tmp/apiary-behaviour-d; echo $?",
    "kill -9 999999",
    "sleep abc",
    "echo `echo nested` $(echo also)",
    "echo a;;",
    "echo 'unterminated",
    "x=$(nosuch); echo after",
    "echo 'a b c' | awk '{print $2, NF}'",
    "printf 'x 1\\ny 2\\n' | awk '$2 > 1 {print $1}'",
    "tar",
    "tar -xf /nonexistent.tar",
    "tar xzf /nonexistent.tgz",
    "tar -cf /tmp/apiary-behaviour.tar",
    "tar tf /etc/hostname",
    "tar tzf /etc/hostname",
    "tar xf - < /dev/null",
    "tar --version | head -1",
    "tar -xqf x",
    "echo hi > /tmp/apiary-behaviour-t && tar czf - /tmp/apiary-behaviour-t | tar tzf -; rm /tmp/apiary-behaviour-t",
    "tar cf - /etc/hostname | tar t",
];

/// Makes the real test account once per run (root only: CI runs as root; elsewhere the suite skips unless `CI` is
/// set).
fn ensure_user() -> bool {
    static MADE: OnceLock<bool> = OnceLock::new();
    *MADE.get_or_init(make_user)
}

/// Creates the account (if missing) and sets its password.
fn make_user() -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        assert!(std::env::var_os("CI").is_none(), "the behaviour suite needs root in CI");
        eprintln!("skipping: not root, cannot create the test account");
        return false;
    }
    let exists = std::process::Command::new("id")
        .arg(USER)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !exists {
        let ok = std::process::Command::new("useradd")
            .args(["-m", "-s", "/bin/bash", USER])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "useradd failed");
    }
    let mut chpasswd = std::process::Command::new("chpasswd")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    chpasswd
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{USER}:{PASSWORD}\n").as_bytes())
        .unwrap();
    assert!(chpasswd.wait().unwrap().success(), "chpasswd failed");
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_lines_behave_as_real_bash_over_real_sshd() {
    if !have("ssh") || !have("sshpass") || !ensure_user() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some((_sshd, real_port)) = real_sshd(dir.path()) else {
        return;
    };
    let s = start(|_| {}).await;
    let env = ["-o", "SendEnv=-LC_* -LANG"];
    let mut mismatches = Vec::new();
    for line in LINES {
        let real = openssh(real_port, USER, PASSWORD, &env, line).await;
        let ours = openssh(s.ssh_port(), "root", "pw", &env, line).await;
        if real != ours {
            mismatches.push(format!("{line:?}\n   real: {real:?}\n   ours: {ours:?}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} lines differ from real bash:\n{}",
        mismatches.len(),
        LINES.len(),
        mismatches.join("\n")
    );
}

/// A russh client that accepts any host key (both servers make theirs up).
struct AnyKey;

impl client::Handler for AnyKey {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// Runs `command` on an exec channel and returns the channel messages the client saw, in order (runs of data
/// merged): what `window adjust, success, data, EOF, exit-status, close` look like from the wire.
async fn channel_messages(port: u16, user: &str, password: &str, command: &str) -> Vec<String> {
    let config = Arc::new(client::Config::default());
    let mut h = client::connect(config, ("127.0.0.1", port), AnyKey)
        .await
        .expect("connect");
    assert!(h.authenticate_password(user, password).await.expect("auth").success());
    let mut ch = h.channel_open_session().await.expect("session channel");
    ch.exec(true, command).await.expect("exec");
    let mut seen: Vec<String> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, ch.wait()).await {
        let name = match msg {
            ChannelMsg::Data { .. } => "data".to_string(),
            ChannelMsg::ExtendedData { ext, .. } => format!("extended-data {ext}"),
            ChannelMsg::Eof => "eof".into(),
            ChannelMsg::Close => "close".into(),
            ChannelMsg::Success => "success".into(),
            ChannelMsg::Failure => "failure".into(),
            ChannelMsg::ExitStatus { exit_status } => format!("exit-status {exit_status}"),
            ChannelMsg::WindowAdjusted { .. } => "window-adjust".into(),
            other => format!("{other:?}"),
        };
        if seen.last() != Some(&name) || !name.contains("data") {
            seen.push(name);
        }
    }
    let _ = h.disconnect(russh::Disconnect::ByApplication, "", "en").await;
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_channel_messages_come_in_sshd_order() {
    if !ensure_user() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some((_sshd, real_port)) = real_sshd(dir.path()) else {
        return;
    };
    let s = start(|_| {}).await;
    // sshd reads the child's output and its exit on separate events, so where exit-status falls among the data and
    // EOF varies between runs (more so under load); everything else is fixed. Compared: the sequence without
    // exit-status (data runs merged), the status, and exit-status coming after the reply and before close.
    for command in ["echo out; exit 3", "echo err >&2", "true", "head -c 100000 /dev/zero"] {
        let mut real = BTreeSet::new();
        for _ in 0..3 {
            real.insert(fixed_order(&channel_messages(real_port, USER, PASSWORD, command).await));
        }
        assert_eq!(
            real.len(),
            1,
            "{command:?}: the real sshd's fixed order varied: {real:?}"
        );
        for _ in 0..3 {
            let ours = channel_messages(s.ssh_port(), "root", "pw", command).await;
            let fixed = fixed_order(&ours);
            assert!(real.contains(&fixed), "{command:?}: ours {ours:?}, real sshd {real:?}");
        }
    }
}

/// The order sshd always keeps: the messages without exit-status (runs of data merged again), and the exit status,
/// checked to come after the request's reply and before close.
fn fixed_order(seen: &[String]) -> (Vec<String>, Vec<String>) {
    let status: Vec<String> = seen.iter().filter(|m| m.starts_with("exit-status")).cloned().collect();
    if let Some(at) = seen.iter().position(|m| m.starts_with("exit-status")) {
        let reply = seen.iter().position(|m| m == "success" || m == "failure");
        let close = seen.iter().position(|m| m == "close");
        assert!(
            reply < Some(at) && Some(at) < close,
            "exit-status out of place: {seen:?}"
        );
    }
    let mut rest: Vec<String> = Vec::new();
    for m in seen.iter().filter(|m| !m.starts_with("exit-status")) {
        if rest.last() != Some(m) || !m.contains("data") {
            rest.push(m.clone());
        }
    }
    (rest, status)
}
