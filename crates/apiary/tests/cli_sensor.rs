//! `apiary sensor` through the built binary: it re-executes itself once with glibc's malloc cache tunable (so the
//! heap can be given back after a burst of sessions), serves SSH banners, and stops cleanly on SIGTERM.

mod common;

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{free_port, terminate, wait_listening};

/// Starts the sensor on a loopback SSH port (Telnet off), with `GLIBC_TUNABLES` set to `tunables` if given.
fn start(dir: &std::path::Path, tunables: Option<&str>) -> (Child, SocketAddr) {
    let port = free_port();
    let config = dir.join("sensor.toml");
    std::fs::write(
        &config,
        format!(
            "[ssh]\nlisten = [\"127.0.0.1:{port}\"]\n[telnet]\nenabled = false\n[log]\ndir = {:?}\n",
            dir.join("data")
        ),
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_apiary"));
    cmd.args(["sensor", "--config"])
        .arg(&config)
        .env_remove("APIARY_MALLOC_TUNED")
        .env_remove("GLIBC_TUNABLES")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(t) = tunables {
        cmd.env("GLIBC_TUNABLES", t);
    }
    let mut child = cmd.spawn().expect("start apiary sensor");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_listening(addr, &mut child);
    (child, addr)
}

/// `NAME=value` pairs of a live process's environment.
fn environ(pid: u32) -> Vec<String> {
    let raw = std::fs::read(format!("/proc/{pid}/environ")).expect("read the sensor's environment");
    raw.split(|b| *b == 0)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

/// Sends SIGTERM and waits (bounded) for a clean exit.
fn stop(mut child: Child) {
    let status = terminate(&mut child, "sensor", Duration::from_secs(15));
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    assert!(status.success(), "sensor exited with {status}: {err}");
}

/// Reads the server's identification line.
fn banner(addr: SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while !line.ends_with(b"\r\n") && line.len() < 256 {
        if s.read(&mut b).unwrap() == 0 {
            break;
        }
        line.push(b[0]);
    }
    String::from_utf8_lossy(&line).into_owned()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn sensor_runs_with_a_one_chunk_malloc_cache_in_the_same_process() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = start(dir.path(), None);
    let env = environ(child.id());
    assert!(
        env.iter().any(|v| v == "GLIBC_TUNABLES=glibc.malloc.tcache_count=1"),
        "the re-executed sensor (same pid) carries the tunable: {env:?}"
    );
    let name = std::fs::read_to_string(format!("/proc/{}/comm", child.id())).unwrap();
    assert_eq!(
        name.trim(),
        "apiary",
        "the re-executed sensor keeps its name for ps and pgrep"
    );
    assert!(banner(addr).starts_with("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u"));
    stop(child);
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn tunables_the_user_set_are_kept_and_extended() {
    let dir = tempfile::tempdir().unwrap();
    let (child, _) = start(dir.path(), Some("glibc.malloc.arena_max=1"));
    let env = environ(child.id());
    // glibc tokenises the variable in place at start, so /proc shows its `:` as NUL: look at the pieces.
    let at = env
        .iter()
        .position(|v| v == "GLIBC_TUNABLES=glibc.malloc.arena_max=1")
        .unwrap_or_else(|| panic!("the user's tunable is kept: {env:?}"));
    assert_eq!(
        env.get(at + 1).map(String::as_str),
        Some("glibc.malloc.tcache_count=1"),
        "{env:?}"
    );
    stop(child);

    let dir = tempfile::tempdir().unwrap();
    let (child, _) = start(dir.path(), Some("glibc.malloc.tcache_count=3"));
    let env = environ(child.id());
    assert!(
        env.iter().any(|v| v == "GLIBC_TUNABLES=glibc.malloc.tcache_count=3"),
        "the user's own tcache setting wins: {env:?}"
    );
    assert!(
        !env.iter().any(|v| v.starts_with("APIARY_MALLOC_TUNED=")),
        "no re-exec: {env:?}"
    );
    stop(child);
}
