//! The content-addressed store for captured files: `dir/<sha256[0..2]>/<sha256>`, written atomically (temp file and
//! rename), read-only (mode 0444, never executable), deduplicated, with SHA-256, SHA-1 and MD5 and a small type guess.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Distinguishes temp files of concurrent writers in one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A directory of captured files named by their SHA-256.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

/// One stored file: its hashes, size, where it is, and what it looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Lowercase hex SHA-256 (also the file name).
    pub sha256: String,
    /// Lowercase hex SHA-1.
    pub sha1: String,
    /// Lowercase hex MD5.
    pub md5: String,
    /// Bytes.
    pub size: u64,
    /// Path of the stored copy.
    pub path: PathBuf,
    /// Guessed MIME type (`application/x-executable`, `text/x-shellscript`, `application/gzip`…).
    pub mime: String,
    /// Short human description (`ELF 32-bit LSB executable, ARM`, `POSIX shell script`…).
    pub description: String,
    /// Whether this call wrote it (false: it was already stored).
    pub fresh: bool,
}

impl FileStore {
    /// Opens (creating if needed) the store at `dir`.
    pub fn open(dir: impl AsRef<Path>) -> io::Result<FileStore> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir)?;
        Ok(FileStore { dir })
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stores `data` (once per content) and describes it.
    pub fn put(&self, data: &[u8]) -> io::Result<StoredFile> {
        let sha256 = hex::encode(Sha256::digest(data));
        let sha1 = hex::encode(Sha1::digest(data));
        let md5 = hex::encode(Md5::digest(data));
        let shard = self.dir.join(sha256.get(..2).unwrap_or("00"));
        fs::create_dir_all(&shard)?;
        let path = shard.join(&sha256);
        let fresh = if path.exists() {
            false
        } else {
            let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let tmp = shard.join(format!(".tmp-{sha256}-{}-{n}", std::process::id()));
            let written = (|| {
                let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
                f.write_all(data)?;
                f.sync_all()?;
                fs::set_permissions(&tmp, fs::Permissions::from_mode(0o444))?;
                fs::rename(&tmp, &path)
            })();
            if written.is_err() {
                let _ = fs::remove_file(&tmp);
            }
            written?;
            true
        };
        let (mime, description) = guess(data);
        Ok(StoredFile {
            sha256,
            sha1,
            md5,
            size: data.len() as u64,
            path,
            mime: mime.to_owned(),
            description,
            fresh,
        })
    }
}

/// A small `file(1)`: MIME type and description of `data`.
pub fn guess(data: &[u8]) -> (&'static str, String) {
    if data.starts_with(b"\x7fELF") {
        return ("application/x-executable", elf(data));
    }
    if data.starts_with(&[0x1f, 0x8b]) {
        return ("application/gzip", "gzip compressed data".to_owned());
    }
    if data.starts_with(b"PK\x03\x04") {
        return ("application/zip", "Zip archive data".to_owned());
    }
    if data.starts_with(b"BZh") {
        return ("application/x-bzip2", "bzip2 compressed data".to_owned());
    }
    if data.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        return ("application/x-xz", "XZ compressed data".to_owned());
    }
    if data.get(257..262) == Some(b"ustar") {
        return ("application/x-tar", "POSIX tar archive".to_owned());
    }
    if data.starts_with(b"#!") {
        let line = data.split(|&b| b == b'\n').next().unwrap_or_default();
        let line = String::from_utf8_lossy(line);
        let kind = if line.contains("python") {
            ("text/x-script.python", "Python script")
        } else if line.contains("perl") {
            ("text/x-perl", "Perl script")
        } else if line.contains("bash") {
            ("text/x-shellscript", "Bourne-Again shell script")
        } else {
            ("text/x-shellscript", "POSIX shell script")
        };
        return (kind.0, format!("{}, ASCII text executable", kind.1));
    }
    let sample = data.get(..data.len().min(8192)).unwrap_or_default();
    let texty = !sample.is_empty()
        && sample
            .iter()
            .all(|&b| b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80)
        && std::str::from_utf8(sample).is_ok();
    if data.is_empty() {
        ("application/x-empty", "empty".to_owned())
    } else if texty {
        ("text/plain", "ASCII text".to_owned())
    } else {
        ("application/octet-stream", "data".to_owned())
    }
}

/// `ELF 32-bit LSB executable, ARM` from the ELF header.
fn elf(data: &[u8]) -> String {
    let bits = match data.get(4) {
        Some(1) => "32-bit",
        Some(2) => "64-bit",
        _ => "invalid class",
    };
    let little = data.get(5) != Some(&2);
    let half = |at: usize| {
        let b = [
            data.get(at).copied().unwrap_or(0),
            data.get(at + 1).copied().unwrap_or(0),
        ];
        if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    };
    let kind = match half(16) {
        1 => "relocatable",
        2 => "executable",
        3 => "shared object",
        4 => "core file",
        _ => "unknown type",
    };
    let arch = match half(18) {
        2 => "SPARC",
        3 => "Intel 80386",
        4 => "Motorola m68k",
        8 => "MIPS",
        20 => "PowerPC",
        21 => "64-bit PowerPC",
        22 => "IBM S/390",
        40 => "ARM",
        42 => "Renesas SH",
        43 => "SPARC V9",
        62 => "x86-64",
        183 => "ARM aarch64",
        243 => "RISC-V",
        _ => "unknown arch",
    };
    format!("ELF {bits} {} {kind}, {arch}", if little { "LSB" } else { "MSB" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_once_read_only_with_known_hashes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FileStore::open(dir.path().join("files")).expect("open");
        let a = store.put(b"abc").expect("put");
        assert_eq!(
            a.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(a.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(a.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(a.size, 3);
        assert!(a.fresh);
        assert_eq!(a.path, dir.path().join("files/ba").join(&a.sha256));
        assert_eq!(fs::read(&a.path).expect("read"), b"abc");
        let mode = fs::metadata(&a.path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o444);
        let b = store.put(b"abc").expect("again");
        assert!(!b.fresh);
        assert_eq!(b.path, a.path);
        let shard: Vec<_> = fs::read_dir(dir.path().join("files/ba")).expect("list").collect();
        assert_eq!(shard.len(), 1);
        let empty = store.put(b"").expect("empty");
        assert_eq!(
            empty.sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(empty.mime, "application/x-empty");
    }

    #[test]
    fn guesses_types() {
        let mut arm = vec![0x7f, b'E', b'L', b'F', 1, 1, 1, 0];
        arm.resize(16, 0);
        arm.extend_from_slice(&[2, 0, 40, 0]);
        assert_eq!(
            guess(&arm),
            ("application/x-executable", "ELF 32-bit LSB executable, ARM".to_owned())
        );
        let mut mips = vec![0x7f, b'E', b'L', b'F', 1, 2, 1, 0];
        mips.resize(16, 0);
        mips.extend_from_slice(&[0, 2, 0, 8]);
        assert_eq!(guess(&mips).1, "ELF 32-bit MSB executable, MIPS");
        assert_eq!(guess(b"\x7fELF").1, "ELF invalid class LSB unknown type, unknown arch");
        assert_eq!(
            guess(b"#!/bin/sh\nwget x\n"),
            (
                "text/x-shellscript",
                "POSIX shell script, ASCII text executable".to_owned()
            )
        );
        assert_eq!(guess(b"\x1f\x8b\x08\0").0, "application/gzip");
        assert_eq!(guess(b"PK\x03\x04rest").0, "application/zip");
        assert_eq!(
            guess(b"cd /tmp; wget http://x/y\n"),
            ("text/plain", "ASCII text".to_owned())
        );
        assert_eq!(guess(&[0, 1, 2, 3]), ("application/octet-stream", "data".to_owned()));
    }
}
