//! File contents on disk under `files/<aa>/<bb>/<sha256>`, written atomically (temp + rename), never executable.

use std::io::Write;
use std::path::{Path, PathBuf};

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::StoreError;

/// The three hashes of a blob, lowercase hex.
pub(crate) struct Hashes {
    /// SHA-256.
    pub sha256: String,
    /// SHA-1.
    pub sha1: String,
    /// MD5.
    pub md5: String,
}

/// Hashes the bytes.
pub(crate) fn hashes(b: &[u8]) -> Hashes {
    Hashes {
        sha256: hex::encode(Sha256::digest(b)),
        sha1: hex::encode(Sha1::digest(b)),
        md5: hex::encode(Md5::digest(b)),
    }
}

/// Where a blob lives; `None` unless `sha256` is 64 hex digits (so no path can be smuggled in).
pub(crate) fn path(dir: &Path, sha256: &str) -> Option<PathBuf> {
    if sha256.len() != 64 || !sha256.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let s = sha256.to_ascii_lowercase();
    Some(dir.join("files").join(&s[0..2]).join(&s[2..4]).join(&s))
}

/// Writes the blob if absent.
pub(crate) fn write(dir: &Path, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
    let Some(dest) = path(dir, sha256) else {
        return Err(StoreError::Invalid(format!("not a sha256: {sha256:?}")));
    };
    if dest.exists() {
        return Ok(());
    }
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| StoreError::Io { path: p, source }
    };
    let parent = dest.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let tmp = parent.join(format!(".tmp-{sha256}-{}", rand::random::<u64>()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o640);
    let mut f = opts.open(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, &dest).map_err(io(&dest))
}

/// Removes a blob; absent is fine.
pub(crate) fn remove(dir: &Path, sha256: &str) {
    if let Some(p) = path(dir, sha256) {
        let _ = std::fs::remove_file(p);
    }
}
