//! `-x` for one member at a time, as GNU's `extract_archive` does it: directories, files (or stdout with `-O`),
//! symlinks (absolute or climbing ones as placeholders until the end), hard links (as copies), with the archive's
//! modes, owners and times, and GNU's handling of what already exists.

use super::archive::{Fatal, Member, Reader, Type};
use super::options::OldFiles;
use super::{contains_dot_dot, fs_path, join_path, locale_quote, quote, quote_colon, tar_time_full, Run};
use crate::exec::MAX_OUTPUT;
use crate::fs::{Errno, Kind, WriteMode, MAX_FILE_BYTES};

/// A directory whose mode, owner and time are set after its contents, as GNU delays them.
struct DelayedDir {
    /// Absolute path.
    path: String,
    /// The name for messages.
    display: String,
    /// The member it came from.
    member: Member,
}

/// A symlink to an absolute or `..` target, made only at the end (GNU's placeholder protection), so a later
/// member cannot be written through it.
struct DelayedLink {
    /// Absolute path of the placeholder.
    path: String,
    /// The name for messages.
    display: String,
    /// The link target.
    target: String,
}

/// Extraction state.
#[derive(Default)]
pub(super) struct Extract {
    /// Directories to finish.
    dirs: Vec<DelayedDir>,
    /// Symlinks to make.
    links: Vec<DelayedLink>,
}

/// `-x` for one member, following GNU's `extract_archive`.
pub(super) fn extract_member(
    t: &mut Run,
    reader: &mut Reader,
    ex: &mut Extract,
    base: &str,
    m: &Member,
) -> Result<(), Fatal> {
    let name = t.transform(&m.name, false);
    if !t.o.absolute && contains_dot_dot(&m.name) {
        t.error(format!("{}: Member name contains '..'", quote_colon(&m.name)));
        return Ok(());
    }
    if name.is_empty() {
        return Ok(());
    }
    if t.o.verbose > 0 {
        let line = if t.o.verbose > 1 {
            t.long_line(m, &m.name)
        } else {
            format!("{}\n", quote(&m.name))
        };
        t.listing(&line);
    }
    // With `-P` an absolute name stays absolute.
    let base = if name.starts_with(b"/") { "/" } else { base };
    let rel = fs_path(&name);
    let path = join_path(base, &rel);
    let display = quote_colon(&name);
    match m.kind() {
        Type::Dir => {
            extract_dir(t, ex, base, &rel, &path, display, m);
            Ok(())
        }
        Type::File => {
            if !matches!(m.typeflag, 0 | b'0' | b'7' | b'S') {
                t.warn(format!(
                    "{display}: Unknown file type {}, extracted as normal file",
                    locale_quote(&[m.typeflag])
                ));
            }
            extract_file(t, reader, base, &rel, &path, &display, m)
        }
        Type::Symlink if !t.o.to_stdout => {
            extract_symlink(t, ex, base, &rel, &path, display, m);
            Ok(())
        }
        Type::HardLink if !t.o.to_stdout => {
            extract_hard_link(t, base, &rel, &path, &display, m);
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Creates the missing directories above `rel`, as GNU's `make_directories` after an `ENOENT`.
fn make_parents(t: &mut Run, base: &str, rel: &str) {
    let umask = t.ctx.session.umask & 0o777;
    let parts: Vec<&str> = rel.split('/').collect();
    for i in 1..parts.len() {
        let dir = join_path(base, &parts.get(..i).unwrap_or_default().join("/"));
        let s = &mut *t.ctx.session;
        match s.fs.stat("/", &dir) {
            Ok(st) if st.kind == Kind::Dir => continue,
            Err(Errno::Enoent) => {
                if s.fs.mkdir("/", &dir, 0o777 & !umask).is_err() {
                    return;
                }
            }
            _ => return,
        }
    }
}

/// `--skip-old-files` with `-v`: GNU says what it left alone.
fn skipping(t: &mut Run, display: &str) {
    if t.o.verbose > 0 {
        t.warn(format!("{}: skipping existing file", display.trim_end_matches('/')));
    }
}

/// Clears `path` for a new non-directory: `Ok(false)` to skip it silently (`--skip-old-files`), `Err` for GNU's
/// `File exists` (with `-k`, or a non-empty directory in the way).
fn make_room(t: &mut Run, path: &str, display: &str) -> Result<bool, Errno> {
    let s = &mut *t.ctx.session;
    let Ok(st) = s.fs.lstat("/", path) else { return Ok(true) };
    match t.o.old_files {
        OldFiles::Keep => return Err(Errno::Eexist),
        OldFiles::Skip => {
            skipping(t, display);
            return Ok(false);
        }
        OldFiles::Replace => {}
    }
    if st.kind == Kind::Dir {
        if s.fs.list("/", path).map_or(true, |l| !l.is_empty()) {
            return Err(Errno::Eexist);
        }
        s.fs.rmdir("/", path)?;
    } else {
        s.fs.unlink("/", path)?;
    }
    Ok(true)
}

/// The owner to give an extracted file: as root (unless `-o`/`--no-same-owner`) the archive's user and group,
/// by name when this machine knows it, else by number; `None` keeps the extracting user.
fn owner(t: &Run, m: &Member) -> Option<(u32, u32)> {
    if !t.root() || !t.o.same_owner.unwrap_or(!t.o.o_flag) {
        return None;
    }
    let p = &t.ctx.session.persona;
    let id = |n: u64| u32::try_from(n).unwrap_or(65_534);
    let by_name = !t.o.numeric_owner;
    let uid = p
        .users
        .iter()
        .find(|u| by_name && !m.uname.is_empty() && u.name.as_bytes() == m.uname.as_slice())
        .map_or(id(m.uid), |u| u.uid);
    let gid = p
        .groups
        .iter()
        .find(|g| by_name && !m.gname.is_empty() && g.name.as_bytes() == m.gname.as_slice())
        .map_or(id(m.gid), |g| g.gid);
    Some((uid, gid))
}

/// Sets mode, owner and time on an extracted file or directory, and warns about a time in the future.
fn set_meta(t: &mut Run, path: &str, display: &str, m: &Member) {
    let same_perms = t.o.same_permissions.unwrap_or(t.root());
    let umask = t.ctx.session.umask & 0o777;
    let mode = if same_perms {
        m.mode & 0o7777
    } else {
        m.mode & 0o777 & !umask
    };
    let owner = owner(t, m);
    let s = &mut *t.ctx.session;
    let _ = s.fs.chmod("/", path, mode);
    if let Some((uid, gid)) = owner {
        let _ = s.fs.chown("/", path, Some(uid), Some(gid));
    }
    if t.o.touch {
        return;
    }
    let _ = s.fs.touch("/", path, Some(m.mtime));
    let now = s.now;
    if m.mtime > now {
        // The real clock has a fraction of a second GNU prints; derive a stable one from the name.
        let frac = display
            .bytes()
            .fold(now as u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        t.warn(format!(
            "{display}: time stamp {} is {}.{:09} s in the future",
            tar_time_full(m.mtime),
            m.mtime - now - 1,
            frac % 1_000_000_000
        ));
    }
}

/// Extracts a directory now and queues its metadata.
fn extract_dir(t: &mut Run, ex: &mut Extract, base: &str, rel: &str, path: &str, display: String, m: &Member) {
    if t.o.to_stdout {
        return;
    }
    make_parents(t, base, rel);
    let exists = t.ctx.session.fs.lstat("/", path);
    if exists.is_ok() && t.o.old_files == OldFiles::Skip {
        return skipping(t, &display);
    }
    let s = &mut *t.ctx.session;
    let made = match exists {
        Ok(st) if st.kind == Kind::Dir => Ok(()),
        _ if rel.is_empty() => Ok(()),
        Ok(_) if t.o.old_files == OldFiles::Replace => {
            s.fs.unlink("/", path).and_then(|()| s.fs.mkdir("/", path, 0o700))
        }
        Ok(_) => Err(Errno::Eexist),
        Err(_) => s.fs.mkdir("/", path, 0o700),
    };
    if let Err(e) = made {
        t.error(format!("{display}: Cannot mkdir: {e}"));
        return;
    }
    ex.dirs.push(DelayedDir {
        path: path.to_owned(),
        display,
        member: m.clone(),
    });
}

/// Extracts a regular file (or writes it to stdout with `-O`); the data is read here, bounded by the file cap.
fn extract_file(
    t: &mut Run,
    reader: &mut Reader,
    base: &str,
    rel: &str,
    path: &str,
    display: &str,
    m: &Member,
) -> Result<(), Fatal> {
    let len = m.data_len();
    if t.o.to_stdout {
        let (data, r) = reader.data(len, MAX_OUTPUT);
        t.ctx.out(&data);
        return r;
    }
    let keep = usize::try_from(len.min(MAX_FILE_BYTES)).unwrap_or(0);
    let (data, r) = reader.data(len, keep);
    if len > MAX_FILE_BYTES && data.len() == keep {
        t.error(format!("{display}: Cannot write: {}", Errno::Efbig));
        return r;
    }
    make_parents(t, base, rel);
    match make_room(t, path, display) {
        Ok(true) => {}
        Ok(false) => return r,
        Err(e) => {
            t.error(format!("{display}: Cannot open: {e}"));
            return r;
        }
    }
    let s = &mut *t.ctx.session;
    match s.fs.write("/", path, &data, WriteMode::Truncate) {
        // A member cut short stays as GNU leaves it: the blocks written so far, mode 0600, time now.
        Ok(()) if r.is_err() => {
            let _ = s.fs.chmod("/", path, 0o600);
        }
        Ok(()) => set_meta(t, path, display, m),
        Err(e @ (Errno::Efbig | Errno::Enospc)) => t.error(format!("{display}: Cannot write: {e}")),
        Err(e) => t.error(format!("{display}: Cannot open: {e}")),
    }
    r
}

/// Extracts a symlink, or an empty placeholder to be replaced at the end when the target is absolute or climbs.
fn extract_symlink(t: &mut Run, ex: &mut Extract, base: &str, rel: &str, path: &str, display: String, m: &Member) {
    let target = String::from_utf8_lossy(&m.link).into_owned();
    let failed = |t: &mut Run, e: Errno| {
        t.error(format!(
            "{display}: Cannot create symlink to {}: {e}",
            locale_quote(&m.link)
        ));
    };
    make_parents(t, base, rel);
    match make_room(t, path, &display) {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => return failed(t, e),
    }
    let s = &mut *t.ctx.session;
    let dangerous = !t.o.absolute && (target.starts_with('/') || contains_dot_dot(&m.link));
    let r = if dangerous {
        s.fs.write("/", path, &[], WriteMode::Truncate)
            .and_then(|()| s.fs.chmod("/", path, 0))
    } else {
        s.fs.symlink("/", &target, path)
    };
    match r {
        Ok(()) if dangerous => ex.links.push(DelayedLink {
            path: path.to_owned(),
            display,
            target,
        }),
        Ok(()) => {}
        Err(e) => failed(t, e),
    }
}

/// Extracts a hard link as a copy of the file it names (the fake fs has no shared inodes).
fn extract_hard_link(t: &mut Run, base: &str, rel: &str, path: &str, display: &str, m: &Member) {
    let target = t.transform(&m.link, true);
    let root = if target.starts_with(b"/") { "/" } else { base };
    let target_path = join_path(root, &fs_path(&target));
    let failed = |t: &mut Run, e: Errno| {
        t.error(format!("{display}: Cannot hard link to {}: {e}", locale_quote(&target)));
    };
    let s = &*t.ctx.session;
    let source =
        s.fs.stat("/", &target_path)
            .and_then(|st| Ok((st, s.read_file(&target_path)?)));
    let (st, bytes) = match source {
        Ok(x) => x,
        Err(e) => return failed(t, e),
    };
    make_parents(t, base, rel);
    match make_room(t, path, display) {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => return failed(t, e),
    }
    let s = &mut *t.ctx.session;
    let r = s.fs.write("/", path, &bytes, WriteMode::Truncate).and_then(|()| {
        s.fs.chmod("/", path, st.mode)?;
        s.fs.chown("/", path, Some(st.uid), Some(st.gid))?;
        s.fs.touch("/", path, Some(st.mtime))
    });
    if let Err(e) = r {
        failed(t, e);
    }
}

/// GNU's `extract_finish`: the delayed symlinks replace their placeholders, then directories get their metadata.
pub(super) fn finish_extract(t: &mut Run, ex: &mut Extract) {
    for link in std::mem::take(&mut ex.links) {
        let s = &mut *t.ctx.session;
        let placeholder =
            s.fs.lstat("/", &link.path)
                .is_ok_and(|st| st.kind == Kind::File && st.size == 0);
        if !placeholder {
            continue;
        }
        let r =
            s.fs.unlink("/", &link.path)
                .and_then(|()| s.fs.symlink("/", &link.target, &link.path));
        if let Err(e) = r {
            t.error(format!(
                "{}: Cannot create symlink to {}: {e}",
                link.display,
                locale_quote(link.target.as_bytes())
            ));
        }
    }
    for dir in std::mem::take(&mut ex.dirs).into_iter().rev() {
        set_meta(t, &dir.path, &dir.display, &dir.member);
    }
}
