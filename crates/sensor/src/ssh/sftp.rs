//! The `sftp` subsystem (what `scp` uses since OpenSSH 9.0, and what `sftp` and most bots' upload code speak),
//! served from the connection's fake filesystem: listings and reads show the fake machine, uploads land in the
//! overlay (visible to later commands) and are reported as `file.upload` events when the file is closed.

use std::collections::HashMap;
use std::sync::Arc;

use russh_sftp::protocol::{Attrs, Data, File, FileAttributes, Handle, Name, OpenFlags, Status, StatusCode, Version};
use shell::fs::{Kind as FsKind, Stat, WriteMode};

use crate::events::Conn;
use crate::interactive::SharedShell;

/// Most handles open at once.
const MAX_HANDLES: usize = 64;

/// Most bytes one read returns (OpenSSH asks for 32 KiB).
const MAX_READ: u32 = 64 * 1024;

/// An open handle.
enum Open {
    /// A file being written: path and the bytes so far.
    Write {
        /// Absolute path in the fake filesystem.
        path: String,
        /// Content written so far.
        data: Vec<u8>,
    },
    /// A file being read: its content at open time.
    Read(Arc<[u8]>),
    /// A directory listing, handed out once.
    Dir(Option<Vec<File>>),
}

/// The SFTP server of one channel.
pub struct Sftp {
    /// The connection's shell (filesystem, user, clock).
    shell: SharedShell,
    /// Where upload events go.
    conn: Conn,
    /// Open handles.
    handles: HashMap<String, Open>,
    /// Next handle number.
    next: u64,
    /// Most bytes uploaded through this channel.
    cap: u64,
    /// Bytes accepted so far.
    used: u64,
}

impl Sftp {
    /// A server on the connection's filesystem; `cap` bounds the bytes accepted.
    pub fn new(shell: SharedShell, conn: Conn, cap: u64) -> Sftp {
        Sftp {
            shell,
            conn,
            handles: HashMap::new(),
            next: 0,
            cap,
            used: 0,
        }
    }

    /// Runs `f` on the session, answering `Failure` if the lock is poisoned.
    fn with<T>(&self, f: impl FnOnce(&mut shell::exec::Session) -> Result<T, StatusCode>) -> Result<T, StatusCode> {
        let mut s = self.shell.lock().map_err(|_| StatusCode::Failure)?;
        s.set_now(crate::machine::unix_now());
        f(&mut s)
    }

    /// A new handle name.
    fn handle(&mut self, open: Open) -> Result<String, StatusCode> {
        if self.handles.len() >= MAX_HANDLES {
            return Err(StatusCode::Failure);
        }
        self.next += 1;
        let name = self.next.to_string();
        self.handles.insert(name.clone(), open);
        Ok(name)
    }
}

/// SFTP attributes of a fake file.
fn attrs(st: &Stat) -> FileAttributes {
    let kind = match st.kind {
        FsKind::Dir => 0o040000,
        FsKind::File => 0o100000,
        FsKind::Symlink => 0o120000,
        FsKind::CharDevice => 0o020000,
        FsKind::BlockDevice => 0o060000,
    };
    FileAttributes {
        size: Some(st.size),
        uid: Some(st.uid),
        user: None,
        gid: Some(st.gid),
        group: None,
        permissions: Some(kind | st.mode),
        atime: Some(st.mtime.clamp(0, u32::MAX as i64) as u32),
        mtime: Some(st.mtime.clamp(0, u32::MAX as i64) as u32),
    }
}

/// Maps the fake filesystem's errors to SFTP status codes as OpenSSH's sftp-server does.
fn status(e: shell::fs::Errno) -> StatusCode {
    match e {
        shell::fs::Errno::Enoent => StatusCode::NoSuchFile,
        shell::fs::Errno::Eacces => StatusCode::PermissionDenied,
        _ => StatusCode::Failure,
    }
}

/// An `Ok` status reply.
fn ok(id: u32) -> Status {
    Status {
        id,
        status_code: StatusCode::Ok,
        error_message: "Success".to_owned(),
        language_tag: "".to_owned(),
    }
}

impl russh_sftp::server::Handler for Sftp {
    type Error = StatusCode;

    fn unimplemented(&self) -> Self::Error {
        StatusCode::OpUnsupported
    }

    async fn init(&mut self, _version: u32, _extensions: HashMap<String, String>) -> Result<Version, Self::Error> {
        Ok(Version::new())
    }

    async fn realpath(&mut self, id: u32, path: String) -> Result<Name, Self::Error> {
        let path = self.with(|s| {
            let p = if path.is_empty() { "." } else { path.as_str() };
            s.fs().canonicalize(s.cwd(), p).map_err(status)
        })?;
        Ok(Name {
            id,
            files: vec![File::dummy(path)],
        })
    }

    async fn stat(&mut self, id: u32, path: String) -> Result<Attrs, Self::Error> {
        let st = self.with(|s| s.fs().stat(s.cwd(), &path).map_err(status))?;
        Ok(Attrs { id, attrs: attrs(&st) })
    }

    async fn lstat(&mut self, id: u32, path: String) -> Result<Attrs, Self::Error> {
        let st = self.with(|s| s.fs().lstat(s.cwd(), &path).map_err(status))?;
        Ok(Attrs { id, attrs: attrs(&st) })
    }

    async fn fstat(&mut self, id: u32, handle: String) -> Result<Attrs, Self::Error> {
        let size = match self.handles.get(&handle) {
            Some(Open::Write { data, .. }) => data.len() as u64,
            Some(Open::Read(data)) => data.len() as u64,
            _ => return Err(StatusCode::Failure),
        };
        Ok(Attrs {
            id,
            attrs: FileAttributes {
                size: Some(size),
                permissions: Some(0o100644),
                ..FileAttributes::default()
            },
        })
    }

    async fn setstat(&mut self, id: u32, path: String, attrs: FileAttributes) -> Result<Status, Self::Error> {
        self.with(|s| {
            let cwd = s.cwd().to_owned();
            if let Some(mode) = attrs.permissions {
                s.fs_mut().chmod(&cwd, &path, mode & 0o7777).map_err(status)?;
            }
            Ok(())
        })?;
        Ok(ok(id))
    }

    async fn fsetstat(&mut self, id: u32, _handle: String, _attrs: FileAttributes) -> Result<Status, Self::Error> {
        Ok(ok(id))
    }

    async fn open(
        &mut self,
        id: u32,
        filename: String,
        pflags: OpenFlags,
        _attrs: FileAttributes,
    ) -> Result<Handle, Self::Error> {
        let writing = pflags.intersects(OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::APPEND);
        let open = self.with(|s| {
            let cwd = s.cwd().to_owned();
            if writing {
                // Create it now (as open(2) would), so permission and missing-folder errors come back here.
                let path = s
                    .fs()
                    .canonicalize(&cwd, ".")
                    .map(|_| ())
                    .map_err(status)
                    .and_then(|_| {
                        s.fs_mut()
                            .write(&cwd, &filename, b"", WriteMode::Append)
                            .map_err(status)?;
                        s.fs().canonicalize(&cwd, &filename).map_err(status)
                    })?;
                Ok(Open::Write { path, data: Vec::new() })
            } else {
                let bytes = s.read_file(&filename).map_err(status)?;
                Ok(Open::Read(bytes.into()))
            }
        })?;
        Ok(Handle {
            id,
            handle: self.handle(open)?,
        })
    }

    async fn write(&mut self, id: u32, handle: String, offset: u64, data: Vec<u8>) -> Result<Status, Self::Error> {
        let Some(Open::Write { data: buf, .. }) = self.handles.get_mut(&handle) else {
            return Err(StatusCode::Failure);
        };
        let end = offset.checked_add(data.len() as u64).ok_or(StatusCode::Failure)?;
        let grow = end.saturating_sub(buf.len() as u64);
        if self.used + grow > self.cap {
            // A full disk, as the attacker would see it.
            return Err(StatusCode::Failure);
        }
        self.used += grow;
        let start = offset as usize;
        if buf.len() < end as usize {
            buf.resize(end as usize, 0);
        }
        buf[start..start + data.len()].copy_from_slice(&data);
        Ok(ok(id))
    }

    async fn read(&mut self, id: u32, handle: String, offset: u64, len: u32) -> Result<Data, Self::Error> {
        let Some(Open::Read(bytes)) = self.handles.get(&handle) else {
            return Err(StatusCode::Failure);
        };
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        if start >= bytes.len() {
            return Err(StatusCode::Eof);
        }
        let end = bytes.len().min(start + len.min(MAX_READ) as usize);
        Ok(Data {
            id,
            data: bytes[start..end].to_vec(),
        })
    }

    async fn close(&mut self, id: u32, handle: String) -> Result<Status, Self::Error> {
        match self.handles.remove(&handle) {
            Some(Open::Write { path, data }) => {
                self.with(|s| s.fs_mut().write("/", &path, &data, WriteMode::Truncate).map_err(status))?;
                if !data.is_empty() {
                    self.conn.capture_upload(&path, Arc::from(data), None).await;
                }
                Ok(ok(id))
            }
            Some(_) => Ok(ok(id)),
            None => Err(StatusCode::Failure),
        }
    }

    async fn opendir(&mut self, id: u32, path: String) -> Result<Handle, Self::Error> {
        let files = self.with(|s| {
            let entries = s.fs().list(s.cwd(), &path).map_err(status)?;
            Ok(entries
                .into_iter()
                .map(|e| File::new(e.name.clone(), attrs(&e.stat)))
                .collect::<Vec<_>>())
        })?;
        Ok(Handle {
            id,
            handle: self.handle(Open::Dir(Some(files)))?,
        })
    }

    async fn readdir(&mut self, id: u32, handle: String) -> Result<Name, Self::Error> {
        match self.handles.get_mut(&handle) {
            Some(Open::Dir(files)) => match files.take() {
                Some(files) => Ok(Name { id, files }),
                None => Err(StatusCode::Eof),
            },
            _ => Err(StatusCode::Failure),
        }
    }

    async fn mkdir(&mut self, id: u32, path: String, _attrs: FileAttributes) -> Result<Status, Self::Error> {
        self.with(|s| {
            let cwd = s.cwd().to_owned();
            s.fs_mut().mkdir(&cwd, &path, 0o755).map_err(status)
        })?;
        Ok(ok(id))
    }

    async fn rmdir(&mut self, id: u32, path: String) -> Result<Status, Self::Error> {
        self.with(|s| {
            let cwd = s.cwd().to_owned();
            s.fs_mut().rmdir(&cwd, &path).map_err(status)
        })?;
        Ok(ok(id))
    }

    async fn remove(&mut self, id: u32, filename: String) -> Result<Status, Self::Error> {
        self.with(|s| {
            let cwd = s.cwd().to_owned();
            s.fs_mut().unlink(&cwd, &filename).map_err(status)
        })?;
        Ok(ok(id))
    }

    async fn rename(&mut self, id: u32, oldpath: String, newpath: String) -> Result<Status, Self::Error> {
        self.with(|s| {
            let cwd = s.cwd().to_owned();
            s.fs_mut().rename(&cwd, &oldpath, &newpath).map_err(status)
        })?;
        Ok(ok(id))
    }

    async fn readlink(&mut self, id: u32, path: String) -> Result<Name, Self::Error> {
        let target = self.with(|s| s.fs().read_link(s.cwd(), &path).map_err(status))?;
        Ok(Name {
            id,
            files: vec![File::dummy(target.to_string())],
        })
    }

    async fn symlink(&mut self, id: u32, linkpath: String, targetpath: String) -> Result<Status, Self::Error> {
        self.with(|s| {
            let cwd = s.cwd().to_owned();
            s.fs_mut().symlink(&cwd, &targetpath, &linkpath).map_err(status)
        })?;
        Ok(ok(id))
    }
}
