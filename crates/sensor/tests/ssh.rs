//! The SSH honeypot against real clients: OpenSSH's `ssh` (with `sshpass`), paramiko and asyncssh from PyPI, and a
//! real Debian `sshd` for the algorithm lists. Everything runs on 127.0.0.1.

mod common;

use common::{have, openssh, python_peer, start, venv_python};
use shell::persona::{render, Persona};

/// The persona the sensor generated and saved.
fn persona(dir: &std::path::Path) -> Persona {
    serde_json::from_slice(&std::fs::read(dir.join("persona.json")).expect("persona.json")).expect("persona")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_exec_matches_the_persona_and_bash() {
    if !have("ssh") || !have("sshpass") {
        return;
    }
    let s = start(|_| {}).await;
    let port = s.ssh_port();
    let p = persona(s.dir.path());
    let (out, err, code) = openssh(port, "root", "hunter2", &[], "uname -a; whoami").await;
    assert_eq!(out, format!("{}\nroot\n", render::uname(&p).all()), "stderr: {err}");
    assert_eq!(code, 0);
    // stderr travels as extended data, the exit status as exit-status; `exit` in `bash -c` prints nothing.
    let (out, err, code) = openssh(port, "root", "hunter2", &[], "echo out; echo err >&2; exit 3").await;
    assert_eq!((out.as_str(), err.as_str(), code), ("out\n", "err\n", 3));
    let (out, err, code) = openssh(port, "root", "hunter2", &[], "xmrig -o pool:3333").await;
    assert_eq!(
        (out.as_str(), err.as_str(), code),
        ("", "bash: line 1: xmrig: command not found\n", 127)
    );

    let ev = s
        .wait_event(|e| e["kind"] == "command" && e["input"] == "xmrig -o pool:3333")
        .await;
    let start = ev.iter().find(|e| e["kind"] == "session.start").expect("session.start");
    assert!(start["client_version"]
        .as_str()
        .unwrap()
        .starts_with("SSH-2.0-OpenSSH_"));
    assert_eq!(start["hassh"].as_str().map(str::len), Some(32), "{start}");
    let cmd = ev.iter().find(|e| e["input"] == "xmrig -o pool:3333").unwrap();
    assert_eq!(cmd["recognized"], false);
    let auth = ev.iter().find(|e| e["kind"] == "auth").unwrap();
    assert_eq!(
        (&auth["username"], &auth["password"], &auth["success"]),
        (&"root".into(), &"hunter2".into(), &true.into())
    );
    s.wait_event(|e| e["kind"] == "session.end").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_host_key_algorithm_sshd_offers_verifies_in_openssh() {
    if !have("ssh") || !have("sshpass") {
        return;
    }
    let s = start(|_| {}).await;
    // RSA signatures go through ring (third_party/russh/src/ring_rsa.rs); the client checks each one.
    for alg in ["rsa-sha2-512", "rsa-sha2-256", "ecdsa-sha2-nistp256", "ssh-ed25519"] {
        let opt = format!("HostKeyAlgorithms={alg}");
        let (out, err, code) = openssh(s.ssh_port(), "root", "pw", &["-o", &opt], "echo ok").await;
        assert_eq!((out.as_str(), err.as_str(), code), ("ok\n", "", 0), "{alg}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_users_and_empty_passwords_are_refused_like_openssh() {
    if !have("ssh") || !have("sshpass") {
        return;
    }
    let s = start(|_| {}).await;
    let (_, err, code) = openssh(s.ssh_port(), "oracle", "oracle", &[], "id").await;
    assert_eq!(code, 5, "sshpass: wrong password; {err}");
    assert!(err.contains("Permission denied"), "{err}");
    let ev = s.wait_event(|e| e["kind"] == "auth" && e["username"] == "oracle").await;
    let a = ev.iter().find(|e| e["kind"] == "auth").unwrap();
    assert_eq!(a["success"], false);
    assert_eq!(a["password"], "oracle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paramiko_channels_share_one_filesystem_and_the_next_connection_is_pristine() {
    let Some(py) = venv_python() else { return };
    let s = start(|_| {}).await;
    let port = s.ssh_port();
    let r = python_peer(&py, "paramiko", "channels", port, "root", "pw").await;
    assert_eq!(r["exec0"]["stdout"], "0\n");
    assert_eq!(r["exec1"]["stdout"], "persisted\n/root\n", "{r}");
    assert_eq!(r["exec2"]["stderr"], "cat: /nope: No such file or directory\n");
    assert_eq!(r["exec2"]["status"], 1);
    // A new connection: the file is gone.
    let r = python_peer(&py, "paramiko", "channels", port, "root", "pw").await;
    assert_eq!(
        r["exec1"]["stdout"], "persisted\n/root\n",
        "written again by this connection only"
    );
    let ev = s.wait_event(|e| e["kind"] == "file.upload").await;
    let up = ev.iter().find(|e| e["kind"] == "file.upload").unwrap();
    assert_eq!(up["filename"], "/tmp/p");
    assert_eq!(up["size"], 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paramiko_interactive_shell_has_motd_prompt_continuation_and_exit() {
    let Some(py) = venv_python() else { return };
    let s = start(|_| {}).await;
    let p = persona(s.dir.path());
    let host = p.hostname.split('.').next().unwrap().to_owned();
    let r = python_peer(&py, "paramiko", "shell", s.ssh_port(), "root", "pw").await;
    let banner = r["banner"].as_str().unwrap();
    assert!(
        banner.starts_with(&format!("Linux {host} {}", p.kernel.release)),
        "{banner:?}"
    );
    assert!(
        banner.contains("\r\nDebian GNU/Linux comes with ABSOLUTELY NO WARRANTY"),
        "{banner:?}"
    );
    assert!(banner.ends_with(&format!("root@{host}:~# ")), "{banner:?}");
    assert_eq!(
        r["first"],
        format!("echo one; cat /tmp/p\r\none\r\ncat: /tmp/p: No such file or directory\r\nroot@{host}:~# ")
    );
    assert_eq!(r["continuation"], "echo 'open\r\n> ");
    assert_eq!(r["closed"], format!("quote'\r\nopen\r\nquote\r\nroot@{host}:~# "));
    assert_eq!(r["exit"], "exit 7\r\nlogout\r\n");
    assert_eq!(r["status"], 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asyncssh_exec_and_server_version() {
    let Some(py) = venv_python() else { return };
    let s = start(|_| {}).await;
    let r = python_peer(&py, "asyncssh", "exec", s.ssh_port(), "root", "pw").await;
    assert_eq!(r["server_version"], "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
    assert!(r["stdout"].as_str().unwrap().ends_with("\nroot\n"), "{r}");
    assert_eq!(r["stderr"], "err\n");
    assert_eq!(r["status"], 4);
    let r = python_peer(&py, "asyncssh", "exec", s.ssh_port(), "nosuch", "pw").await;
    assert_eq!(r["auth"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scp_and_sftp_uploads_land_in_the_fake_filesystem_and_are_captured() {
    if !have("scp") || !have("sftp") || !have("sshpass") {
        return;
    }
    use sha2::Digest;
    let s = start(|_| {}).await;
    let port = s.ssh_port().to_string();
    let local = s.dir.path().join("payload.bin");
    let payload: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&local, &payload).unwrap();
    let sha = format!("{:x}", sha2::Sha256::digest(&payload));
    let opts = [
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
    ];
    // scp (SFTP mode, OpenSSH 9's default).
    let out = tokio::process::Command::new("timeout")
        .args(["20", "sshpass", "-p", "pw", "scp"])
        .args(opts)
        .args(["-P", &port])
        .arg(&local)
        .arg("root@127.0.0.1:/tmp/dropped")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "scp: {}", String::from_utf8_lossy(&out.stderr));
    let ev = s
        .wait_event(|e| e["kind"] == "file.upload" && e["filename"] == "/tmp/dropped")
        .await;
    let up = ev.iter().find(|e| e["filename"] == "/tmp/dropped").unwrap();
    assert_eq!(up["sha256"], sha.as_str());
    assert_eq!(up["size"], 5000);
    // sftp batch: the upload is listed and readable in the same connection.
    let batch = s.dir.path().join("batch");
    let fetched = s.dir.path().join("passwd.copy");
    let script = format!(
        "put {} up.bin\nls -l up.bin\nget /etc/passwd {}\nbye\n",
        local.display(),
        fetched.display()
    );
    std::fs::write(&batch, script).unwrap();
    let out = tokio::process::Command::new("timeout")
        .args(["20", "sshpass", "-p", "pw", "sftp"])
        .args(opts)
        .args(["-o", "BatchMode=no"])
        .args(["-P", &port, "-b"])
        .arg(&batch)
        .arg("root@127.0.0.1")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "sftp: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(" 5000 "), "{stdout}");
    let passwd = std::fs::read_to_string(&fetched).expect("sftp get of the fake /etc/passwd");
    assert!(passwd.starts_with("root:x:0:0:root:/root:/bin/bash\n"), "{passwd}");
    s.wait_event(|e| e["kind"] == "file.upload" && e["filename"] == "/root/up.bin")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_scp_uploads_are_captured() {
    if !have("scp") || !have("sshpass") {
        return;
    }
    let s = start(|_| {}).await;
    let local = s.dir.path().join("legacy.sh");
    std::fs::write(&local, b"#!/bin/sh\necho pwned\n").unwrap();
    let out = tokio::process::Command::new("timeout")
        .args(["20", "sshpass", "-p", "pw", "scp", "-O"])
        .args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
        ])
        .args(["-P", &s.ssh_port().to_string()])
        .arg(&local)
        .arg("root@127.0.0.1:/tmp/")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "scp -O: {}", String::from_utf8_lossy(&out.stderr));
    let ev = s
        .wait_event(|e| e["kind"] == "file.upload" && e["filename"] == "/tmp/legacy.sh")
        .await;
    let up = ev.iter().find(|e| e["filename"] == "/tmp/legacy.sh").unwrap();
    assert_eq!(up["size"], 21);
    let uploads = ev.iter().filter(|e| e["kind"] == "file.upload").count();
    assert_eq!(uploads, 1, "reported once, not again at session end: {ev:#?}");
    assert!(
        ev.iter()
            .any(|e| e["kind"] == "command" && e["input"] == "scp -t /tmp/"),
        "{ev:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_logs_in_is_cut_at_the_login_grace_time() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = start(|c| c.limits.auth_timeout = std::time::Duration::from_millis(700)).await;
    let mut c = tokio::net::TcpStream::connect(("127.0.0.1", s.ssh_port()))
        .await
        .unwrap();
    c.write_all(b"SSH-2.0-slowloris\r\n").await.unwrap();
    let started = std::time::Instant::now();
    let mut buf = vec![0u8; 65536];
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(10), c.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(_)) => continue,
            Err(_) => panic!("still open after 10 s"),
        }
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let ev = s.wait_event(|e| e["kind"] == "session.end").await;
    let end = ev.iter().find(|e| e["kind"] == "session.end").unwrap();
    assert_eq!(end["reason"], "auth timeout");
    let start = ev.iter().find(|e| e["kind"] == "session.start").unwrap();
    assert_eq!(start["client_version"], "SSH-2.0-slowloris");
}
