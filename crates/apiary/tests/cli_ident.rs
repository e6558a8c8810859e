//! `apiary ident add|list|remove` through the built binary, on a file the reference broker can read.

use std::path::Path;
use std::process::{Command, Output};

fn apiary(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apiary"))
        .args(args)
        .output()
        .expect("run apiary")
}

fn auth_arg(p: &Path) -> String {
    p.to_str().expect("utf-8 temp path").to_owned()
}

#[test]
fn add_list_remove_round_trip_in_the_reference_format() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("idents.json");
    let f = auth_arg(&file);
    let out = apiary(&[
        "ident",
        "add",
        "sensor1",
        "--secret",
        "s3cret",
        "--owner",
        "ops",
        "--publish",
        "apiary.events,apiary.files",
        "--auth",
        &f,
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "a given secret is not echoed");
    let out = apiary(&[
        "ident",
        "add",
        "collector",
        "--subscribe",
        "apiary.events",
        "--auth",
        &f,
    ]);
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(generated.len() >= 32, "generated secret printed alone: {generated:?}");

    // The reference format, exactly: owner, secret, pubchans, subchans.
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        json["sensor1"],
        serde_json::json!({"owner": "ops", "secret": "s3cret", "pubchans": ["apiary.events", "apiary.files"], "subchans": []})
    );
    assert_eq!(json["collector"]["secret"], generated.as_str());
    assert_eq!(json["collector"]["owner"], "collector");

    let out = apiary(&["ident", "list", "--auth", &f]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("sensor1\tops\tapiary.events,apiary.files\t"), "{text}");
    assert!(text.contains("collector\tcollector\t\tapiary.events"), "{text}");
    assert!(
        !text.contains("s3cret") && !text.contains(&generated),
        "list must not print secrets: {text}"
    );

    let out = apiary(&["ident", "remove", "sensor1", "--auth", &f]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert!(json.get("sensor1").is_none() && json.get("collector").is_some());
    // Atomic replace leaves no temporary file.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn mistakes_exit_non_zero_with_a_message_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("idents.json");
    let f = auth_arg(&file);
    assert!(apiary(&["ident", "add", "a", "--secret", "x", "--auth", &f])
        .status
        .success());
    let before = std::fs::read(&file).unwrap();

    let out = apiary(&["ident", "add", "a", "--secret", "y", "--auth", &f]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));

    let out = apiary(&["ident", "remove", "ghost", "--auth", &f]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));

    let long = "c".repeat(300);
    let out = apiary(&["ident", "add", "b", "--publish", &long, "--auth", &f]);
    assert!(!out.status.success());
    assert_eq!(std::fs::read(&file).unwrap(), before);

    let out = apiary(&["ident", "list", "--auth", &auth_arg(&dir.path().join("missing.json"))]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));
}
