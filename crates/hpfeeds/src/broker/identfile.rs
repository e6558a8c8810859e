//! The reference broker's `idents.json` format: parsing with the reference's validation, and safe editing.
//!
//! The file maps each ident to `{"owner", "secret", "pubchans", "subchans"}`, so the Python broker and ours can
//! share one file. Edits go through [`add`] and [`remove`], which keep fields they do not know and replace the
//! file atomically (temporary file, fsync, rename), so a broker polling it never reads half a file.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::auth::Ident;
use crate::wire::MAX_PREFIXED;

/// The four keys every entry must have, as the reference checks.
const REQUIRED_KEYS: [&str; 4] = ["owner", "secret", "pubchans", "subchans"];

/// Idents by name, as loaded from a file.
pub type IdentMap = HashMap<String, Arc<Ident>>;

/// What went wrong reading or editing an idents file.
#[derive(Debug, thiserror::Error)]
pub enum IdentFileError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not JSON in the reference format; the reason says which entry and field.
    #[error("{path}: {reason}; fix the file (format: {{\"IDENT\": {{\"owner\": \"..\", \"secret\": \"..\", \"pubchans\": [..], \"subchans\": [..]}}}})")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `add` found the ident already present.
    #[error("ident {0:?} already exists; remove it first to change it")]
    Exists(String),
    /// `remove` did not find the ident.
    #[error("ident {0:?} not found")]
    NotFound(String),
    /// A name or channel the protocol cannot carry.
    #[error("{0}")]
    BadValue(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> IdentFileError + '_ {
    move |source| IdentFileError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Parses file contents with the reference's checks; `Err` holds the reason, for the log.
pub fn parse(bytes: &[u8]) -> Result<IdentMap, String> {
    let root: Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Object(root) = root else {
        return Err("the root is not a mapping".into());
    };
    let mut out = HashMap::with_capacity(root.len());
    for (name, entry) in root {
        let ident = parse_entry(&name, &entry)?;
        out.insert(name, Arc::new(ident));
    }
    Ok(out)
}

fn parse_entry(name: &str, entry: &Value) -> Result<Ident, String> {
    let Value::Object(map) = entry else {
        return Err(format!("entry for {name:?} is not a mapping"));
    };
    for key in REQUIRED_KEYS {
        if !map.contains_key(key) {
            return Err(format!("entry for {name:?} is missing key {key:?}"));
        }
    }
    let owner = match &map["owner"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let Value::String(secret) = &map["secret"] else {
        return Err(format!("entry for {name:?} has a secret that is not a string"));
    };
    let chans = |key: &str| -> Result<Vec<String>, String> {
        let Value::Array(items) = &map[key] else {
            return Err(format!(
                "entry for {name:?} has wrong type for {key:?} field (expected list)"
            ));
        };
        items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                _ => Err(format!("entry for {name:?} has a non-string channel in {key:?}")),
            })
            .collect()
    };
    Ok(Ident {
        name: name.to_owned(),
        owner,
        secret: secret.clone(),
        pubchans: chans("pubchans")?,
        subchans: chans("subchans")?,
    })
}

/// Reads and validates a file.
pub fn load(path: &Path) -> Result<IdentMap, IdentFileError> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    parse(&bytes).map_err(|reason| IdentFileError::Invalid {
        path: path.to_owned(),
        reason,
    })
}

/// All idents in a file, sorted by name.
pub fn list(path: &Path) -> Result<Vec<Arc<Ident>>, IdentFileError> {
    let mut v: Vec<_> = load(path)?.into_values().collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(v)
}

/// Reads the file as a raw JSON map (an absent file is an empty map), refusing files the broker would reject.
fn read_raw(path: &Path) -> Result<Map<String, Value>, IdentFileError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
        Err(e) => return Err(io_err(path)(e)),
    };
    let invalid = |reason| IdentFileError::Invalid {
        path: path.to_owned(),
        reason,
    };
    parse(&bytes).map_err(invalid)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(invalid("the root is not a mapping".into())),
    }
}

fn write_raw(path: &Path, map: Map<String, Value>) -> Result<(), IdentFileError> {
    let mut text = serde_json::to_string_pretty(&Value::Object(map)).map_err(|e| IdentFileError::Invalid {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    text.push('\n');
    write_atomic(path, text.as_bytes()).map_err(io_err(path))
}

/// Checks that a name or channel fits the protocol: not empty, at most 255 bytes (one length byte).
fn check_value(what: &str, v: &str) -> Result<(), IdentFileError> {
    if v.is_empty() || v.len() > MAX_PREFIXED {
        return Err(IdentFileError::BadValue(format!(
            "{what} {v:?} must be 1 to {MAX_PREFIXED} bytes long"
        )));
    }
    Ok(())
}

/// Adds an ident, creating the file if needed; fails if the name exists so a typo never overwrites a secret.
pub fn add(path: &Path, ident: &Ident) -> Result<(), IdentFileError> {
    check_value("ident", &ident.name)?;
    for c in ident.pubchans.iter().chain(&ident.subchans) {
        check_value("channel", c)?;
    }
    let mut map = read_raw(path)?;
    if map.contains_key(&ident.name) {
        return Err(IdentFileError::Exists(ident.name.clone()));
    }
    let entry = serde_json::json!({
        "owner": ident.owner,
        "secret": ident.secret,
        "pubchans": ident.pubchans,
        "subchans": ident.subchans,
    });
    map.insert(ident.name.clone(), entry);
    write_raw(path, map)
}

/// Removes an ident; fails if it is not there.
pub fn remove(path: &Path, name: &str) -> Result<(), IdentFileError> {
    let mut map = read_raw(path)?;
    if map.remove(name).is_none() {
        return Err(IdentFileError::NotFound(name.to_owned()));
    }
    write_raw(path, map)
}

/// Replaces `path` with `bytes` atomically: a reader sees the old or the new file, never a mix.
/// A new file is created owner-only (0600) since it holds secrets; an existing file keeps its mode.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.tmp.{}", std::process::id()));
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o600);
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)?;
        f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(&dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(name: &str) -> Ident {
        Ident {
            name: name.into(),
            owner: "o".into(),
            secret: "s".into(),
            pubchans: vec!["a".into()],
            subchans: vec!["b".into(), "c".into()],
        }
    }

    #[test]
    fn parses_the_reference_format() {
        let m = parse(br#"{"bob": {"owner": "bob", "secret": "x", "pubchans": ["c1"], "subchans": []}}"#).unwrap();
        let bob = &m["bob"];
        assert_eq!(
            (bob.secret.as_str(), bob.pubchans.as_slice()),
            ("x", &["c1".to_string()][..])
        );
    }

    #[test]
    fn rejects_what_the_reference_rejects() {
        assert!(parse(b"[]").unwrap_err().contains("root is not a mapping"));
        assert!(parse(br#"{"a": 1}"#).unwrap_err().contains("not a mapping"));
        let missing = parse(br#"{"a": {"owner": "o", "secret": "s", "pubchans": []}}"#).unwrap_err();
        assert!(missing.contains("missing key \"subchans\""), "{missing}");
        let wrong = parse(br#"{"a": {"owner": "o", "secret": "s", "pubchans": "x", "subchans": []}}"#).unwrap_err();
        assert!(wrong.contains("expected list"), "{wrong}");
        assert!(parse(b"{").unwrap_err().contains("not valid JSON"));
    }

    #[test]
    fn add_list_remove_keep_unknown_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("idents.json");
        std::fs::write(
            &path,
            r#"{"old": {"owner": "o", "secret": "s", "pubchans": [], "subchans": [], "note": "keep me"}}"#,
        )
        .unwrap();
        add(&path, &ident("new")).unwrap();
        assert!(matches!(add(&path, &ident("new")), Err(IdentFileError::Exists(_))));
        let names: Vec<_> = list(&path).unwrap().iter().map(|i| i.name.clone()).collect();
        assert_eq!(names, ["new", "old"]);
        remove(&path, "new").unwrap();
        assert!(matches!(remove(&path, "new"), Err(IdentFileError::NotFound(_))));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("keep me"), "{text}");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn new_file_is_owner_only_and_bad_file_is_not_clobbered() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("idents.json");
        add(&path, &ident("a")).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::write(&path, "{broken").unwrap();
        assert!(matches!(add(&path, &ident("b")), Err(IdentFileError::Invalid { .. })));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{broken");
    }

    #[test]
    fn refuses_names_the_protocol_cannot_carry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("idents.json");
        assert!(matches!(add(&path, &ident("")), Err(IdentFileError::BadValue(_))));
        let mut long = ident("x");
        long.pubchans = vec!["c".repeat(256)];
        assert!(matches!(add(&path, &long), Err(IdentFileError::BadValue(_))));
        assert!(!path.exists());
    }
}
