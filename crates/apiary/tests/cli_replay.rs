//! `apiary replay` through the built binary, on recordings written by the sensor's own recorder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use sensor::record::{CastWriter, Header, Recording, DEFAULT_CAP};

fn apiary(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apiary"))
        .args(args)
        .output()
        .expect("run apiary")
}

fn arg(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn header() -> Header {
    Header {
        width: 80,
        height: 24,
        timestamp: Some(1_764_320_000),
        term: Some("xterm".into()),
        shell: Some("/bin/bash".into()),
        ..Header::default()
    }
}

/// A short session: banner, a prompt, typed input (not replayed), a resize, a split UTF-8 character, a long pause.
fn record(dir: &Path) -> PathBuf {
    let mut r = Recording::create(dir, "0193a1b2-replay", &header(), DEFAULT_CAP).unwrap();
    let w: &mut CastWriter<_> = r.writer();
    w.output(Duration::from_millis(10), b"Linux srv01\r\nroot@srv01:~# ")
        .unwrap();
    w.input(Duration::from_millis(500), b"echo caf\xc3\xa9\r").unwrap();
    w.output(Duration::from_millis(510), b"echo caf\xc3").unwrap();
    w.resize(Duration::from_millis(520), 100, 30).unwrap();
    w.output(Duration::from_millis(530), b"\xa9\r\ncaf\xc3\xa9 \xff\r\n")
        .unwrap();
    w.output(Duration::from_secs(100), b"root@srv01:~# exit\r\n").unwrap();
    let path = r.path().to_owned();
    r.finish().unwrap();
    path
}

const SHOWN: &str = "Linux srv01\r\nroot@srv01:~# echo caf\u{e9}\r\ncaf\u{e9} \u{fffd}\r\nroot@srv01:~# exit\r\n";

#[test]
fn raw_dumps_the_output_bytes_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path());
    let started = Instant::now();
    let out = apiary(&["replay", "--raw", arg(&path)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, SHOWN.as_bytes());
    assert!(started.elapsed() < Duration::from_secs(20), "--raw must not wait");
}

#[test]
fn timed_playback_caps_idle_and_scales_speed() {
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path());
    let started = Instant::now();
    // Output gaps 0.01 + 0.5 + 0.02 + min(99.47, 1) = 1.53 s, at speed 2: about 0.77 s.
    let out = apiary(&["replay", "--speed", "2", "--idle-limit", "1", arg(&path)]);
    let took = started.elapsed();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, SHOWN.as_bytes());
    assert!(took >= Duration::from_millis(700), "played too fast: {took:?}");
    assert!(took < Duration::from_secs(30), "idle limit ignored: {took:?}");
}

#[test]
fn a_recording_cut_mid_line_plays_up_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.cast");
    std::fs::write(
        &path,
        "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"one\\r\\n\"]\n[0.2, \"o\", \"tw",
    )
    .unwrap();
    let out = apiary(&["replay", "--raw", arg(&path)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, b"one\r\n");
}

#[test]
fn mistakes_exit_non_zero_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.cast");
    let out = apiary(&["replay", "--raw", arg(&missing)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot open") && err.contains("missing.cast"), "{err}");

    let path = record(dir.path());
    let out = apiary(&["replay", "--speed", "0", arg(&path)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--speed must be a positive number"));

    let bad = dir.path().join("bad.cast");
    std::fs::write(&bad, "not json\n").unwrap();
    let out = apiary(&["replay", "--raw", arg(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an asciicast v2 recording"));
    assert!(out.stdout.is_empty());
}
