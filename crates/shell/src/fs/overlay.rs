//! One connection's copy-on-write view of a shared [`Base`]: lookups, listings, every write, and accounting.
//!
//! The overlay never copies the base tree. It holds only what the session touched:
//! nodes it created, single base nodes it changed (copied up one at a time, content shared through `Arc`),
//! per-directory entry changes with whiteouts for deletions, and the new parent of anything moved.
//! Dropping it returns the machine to the pristine base.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::base::{Base, BaseId, BASE_ROOT};
use super::error::Errno;
use super::node::{Content, Kind, Meta, Node, Payload, Stat};
use super::path::{self, MAX_PATH_LEN, MAX_SYMLINK_HOPS};

/// Largest file a session may write, in bytes; beyond it writes fail with `EFBIG`.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Total bytes of file content a session may hold in its overlay; beyond it writes fail with `ENOSPC`.
/// Bounds the memory one attacker can pin, whatever they download or `dd`.
pub const MAX_OVERLAY_BYTES: u64 = 16 * 1024 * 1024;

/// Files, directories and symlinks a session may create; beyond it creation fails with `ENOSPC`.
/// Bounds the per-entry overhead that content accounting does not see (`touch` in a loop).
pub const MAX_ENTRIES_CREATED: u32 = 10_000;

/// Permission bits of files created by writes and `touch`: 0666 under Debian's default umask 022.
const NEW_FILE_MODE: u32 = 0o644;

/// Where a node lives: the shared base arena or this overlay's own numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Ino {
    Base(BaseId),
    Over(u32),
}

const ROOT: Ino = Ino::Base(BASE_ROOT);

/// Where a write or `touch` lands: an existing node, or a name to create in a directory.
enum Target {
    Existing(Ino),
    New(Ino, String),
}

/// How a write treats existing content: `>` truncates, `>>` appends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    /// Replace the content (shell `>`, `cp`, downloads).
    Truncate,
    /// Add to the end (shell `>>`).
    Append,
}

/// One name in a directory listing, with the stat of the entry itself (symlinks not followed, as `ls -l`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's name within its directory.
    pub name: String,
    /// The entry's own metadata.
    pub stat: Stat,
}

/// A file the session created or whose content it changed, for the sensor to capture at session end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangedFile {
    /// Absolute path where the file is (or last was, if deleted).
    pub path: String,
    /// The content as the session left it.
    pub content: Content,
    /// Whether the file was removed afterwards; droppers often delete themselves, and we still want the bytes.
    pub deleted: bool,
}

/// What a session's overlay holds, for the caps and for the memory-proportionality tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Bytes of file content owned by the overlay (written, not shared with the base); capped by
    /// [`MAX_OVERLAY_BYTES`].
    pub content_bytes: u64,
    /// Nodes held: created ones plus base nodes copied up by a metadata or content change.
    pub nodes: usize,
    /// Directory entries held, including whiteouts.
    pub dir_entries: usize,
    /// Entries created so far, capped by [`MAX_ENTRIES_CREATED`].
    pub entries_created: u32,
}

/// A connection's private, writable view of the shared base; every later command of the connection sees its writes.
#[derive(Debug)]
pub struct Overlay {
    base: Arc<Base>,
    /// Created nodes and copied-up base nodes; a base node is copied alone, never with its subtree.
    nodes: HashMap<Ino, Node>,
    next_ino: u32,
    /// Per-directory entry changes: `Some` adds or replaces a name, `None` is a whiteout hiding a base entry.
    entries: HashMap<Ino, BTreeMap<Box<str>, Option<Ino>>>,
    /// Parent and name of every created or moved node; base nodes not listed here are where the base put them.
    parents: HashMap<Ino, (Ino, Box<str>)>,
    /// Nodes unlinked, removed or replaced by a rename.
    removed: HashSet<Ino>,
    /// Files whose content the overlay owns (created or written); the changed-files set and the byte account.
    written: HashSet<Ino>,
    content_bytes: u64,
    entries_created: u32,
    now: i64,
    uid: u32,
    gid: u32,
}

impl Overlay {
    /// A fresh view of `base` for a session acting as `uid`/`gid` (owner of what it creates), at time `now`.
    pub fn new(base: Arc<Base>, uid: u32, gid: u32, now: i64) -> Overlay {
        Overlay {
            base,
            nodes: HashMap::new(),
            next_ino: 0,
            entries: HashMap::new(),
            parents: HashMap::new(),
            removed: HashSet::new(),
            written: HashSet::new(),
            content_bytes: 0,
            entries_created: 0,
            now,
            uid,
            gid,
        }
    }

    /// The shared base tree under this view.
    pub fn base(&self) -> &Arc<Base> {
        &self.base
    }

    /// Moves the clock used for mtimes; the session calls it per command so the overlay stays free of real time.
    pub fn set_now(&mut self, now: i64) {
        self.now = now;
    }

    /// What the overlay holds right now.
    pub fn usage(&self) -> Usage {
        Usage {
            content_bytes: self.content_bytes,
            nodes: self.nodes.len(),
            dir_entries: self.entries.values().map(BTreeMap::len).sum(),
            entries_created: self.entries_created,
        }
    }

    // ----- Reads. -----

    /// `stat(2)`: metadata of the path, following a final symlink.
    pub fn stat(&self, cwd: &str, path: &str) -> Result<Stat, Errno> {
        Ok(self.node(self.resolve(cwd, path, true)?).stat())
    }

    /// `lstat(2)`: metadata of the path itself, for `ls -l` and `test -L`.
    pub fn lstat(&self, cwd: &str, path: &str) -> Result<Stat, Errno> {
        Ok(self.node(self.resolve(cwd, path, false)?).stat())
    }

    /// The file's content for `cat` and friends; devices read as empty, directories fail with `EISDIR`.
    pub fn read(&self, cwd: &str, path: &str) -> Result<Content, Errno> {
        match &self.node(self.resolve(cwd, path, true)?).payload {
            Payload::File { content } => Ok(content.clone()),
            Payload::Dir => Err(Errno::Eisdir),
            _ => Ok(Content::inline(&[][..])),
        }
    }

    /// `readlink(2)`: the link text; `EINVAL` if the path is not a symlink.
    pub fn read_link(&self, cwd: &str, path: &str) -> Result<Arc<str>, Errno> {
        match &self.node(self.resolve(cwd, path, false)?).payload {
            Payload::Symlink { target } => Ok(target.clone()),
            _ => Err(Errno::Einval),
        }
    }

    /// The directory's entries (base merged with overlay, whiteouts applied) sorted by name, for `ls`.
    pub fn list(&self, cwd: &str, path: &str) -> Result<Vec<DirEntry>, Errno> {
        let dir = self.resolve(cwd, path, true)?;
        if self.kind(dir) != Kind::Dir {
            return Err(Errno::Enotdir);
        }
        Ok(self
            .children(dir)
            .into_iter()
            .map(|(name, ino)| DirEntry {
                name: name.to_owned(),
                stat: self.node(ino).stat(),
            })
            .collect())
    }

    /// The absolute path with every symlink, `.` and `..` resolved, for `cd`, `pwd -P` and `realpath`.
    pub fn canonicalize(&self, cwd: &str, path: &str) -> Result<String, Errno> {
        Ok(self.path_of(self.resolve(cwd, path, true)?))
    }

    /// Every file the session created or rewrote, sorted by path, for capture at session end.
    pub fn changed_files(&self) -> Vec<ChangedFile> {
        let mut out: Vec<ChangedFile> = self
            .written
            .iter()
            .filter_map(|&ino| match &self.node(ino).payload {
                Payload::File { content } => Some(ChangedFile {
                    path: self.path_of(ino),
                    content: content.clone(),
                    deleted: self.is_detached(ino),
                }),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path).then(a.deleted.cmp(&b.deleted)));
        out
    }

    // ----- Writes. -----

    /// Writes `data` to the file at `path`, creating it (mode 0644) if missing; a final symlink is followed.
    ///
    /// Character devices swallow the data, as `/dev/null` does.
    pub fn write(&mut self, cwd: &str, path: &str, data: &[u8], mode: WriteMode) -> Result<(), Errno> {
        let ino = match self.open_or_create(cwd, path)? {
            Target::Existing(ino) => ino,
            Target::New(dir, name) => {
                Self::check_file_len(data.len() as u64)?;
                self.check_bytes(0, data.len() as u64)?;
                return self.create_file(dir, &name, Content::inline(data)).map(|_| ());
            }
        };
        let content = match (&self.node(ino).payload, mode) {
            (Payload::File { .. }, WriteMode::Truncate) => data.to_vec(),
            (Payload::File { content }, WriteMode::Append) => {
                // FIXME: appending to a metadata-only file drops its unknown prefix.
                let mut v = content.bytes().unwrap_or_default().to_vec();
                v.extend_from_slice(data);
                v
            }
            (Payload::Dir, _) => return Err(Errno::Eisdir),
            _ => return Ok(()),
        };
        self.replace_content(ino, content)
    }

    /// `truncate -s LEN`: cuts or zero-extends the file at `path`.
    pub fn truncate(&mut self, cwd: &str, path: &str, len: u64) -> Result<(), Errno> {
        let ino = self.resolve(cwd, path, true)?;
        let content = match &self.node(ino).payload {
            Payload::File { content } => content,
            Payload::Dir => return Err(Errno::Eisdir),
            _ => return Ok(()),
        };
        Self::check_file_len(len)?;
        let mut v = content.bytes().unwrap_or_default().to_vec();
        v.resize(len as usize, 0);
        self.replace_content(ino, v)
    }

    /// `touch`: creates an empty file if missing, otherwise sets the mtime (to now when `mtime` is `None`).
    pub fn touch(&mut self, cwd: &str, path: &str, mtime: Option<i64>) -> Result<(), Errno> {
        let mtime = mtime.unwrap_or(self.now);
        let ino = match self.open_or_create(cwd, path)? {
            Target::Existing(ino) => ino,
            Target::New(dir, name) => self.create_file(dir, &name, Content::inline(&[][..]))?,
        };
        self.node_mut(ino).meta.mtime = mtime;
        Ok(())
    }

    /// `mkdir(2)` with the given permission bits.
    pub fn mkdir(&mut self, cwd: &str, path: &str, mode: u32) -> Result<(), Errno> {
        path::check(path)?;
        let split = path::split(path).ok_or(Errno::Eexist)?;
        let dir = self.parent_dir(cwd, split.dir)?;
        if matches!(split.name, "." | "..") || self.child(dir, split.name).is_some() {
            return Err(Errno::Eexist);
        }
        let meta = Meta {
            mode: mode & 0o7777,
            uid: self.uid,
            gid: self.gid,
            mtime: self.now,
            nlink: 2,
        };
        self.create(
            dir,
            split.name,
            Node {
                meta,
                payload: Payload::Dir,
            },
        )
        .map(|_| ())
    }

    /// `symlink(2)`: creates `link` pointing at `target`, which is stored verbatim and need not exist.
    pub fn symlink(&mut self, cwd: &str, target: &str, link: &str) -> Result<(), Errno> {
        path::check(link)?;
        if target.len() >= MAX_PATH_LEN {
            return Err(Errno::Enametoolong);
        }
        if target.is_empty() {
            return Err(Errno::Enoent);
        }
        let split = path::split(link).ok_or(Errno::Eexist)?;
        let dir = self.parent_dir(cwd, split.dir)?;
        if matches!(split.name, "." | "..") || self.child(dir, split.name).is_some() {
            return Err(Errno::Eexist);
        }
        let meta = Meta {
            mode: 0o777,
            uid: self.uid,
            gid: self.gid,
            mtime: self.now,
            nlink: 1,
        };
        self.create(dir, split.name, Node::symlink(meta, target)).map(|_| ())
    }

    /// `unlink(2)`: removes a file, symlink or device; directories fail with `EISDIR`.
    pub fn unlink(&mut self, cwd: &str, path: &str) -> Result<(), Errno> {
        path::check(path)?;
        let split = path::split(path).ok_or(Errno::Eisdir)?;
        let dir = self.parent_dir(cwd, split.dir)?;
        if matches!(split.name, "." | "..") {
            return Err(Errno::Eisdir);
        }
        let ino = self.child(dir, split.name).ok_or(Errno::Enoent)?;
        match self.kind(ino) {
            Kind::Dir => return Err(Errno::Eisdir),
            _ if split.trailing_slash => return Err(Errno::Enotdir),
            _ => {}
        }
        self.detach(dir, split.name, ino);
        Ok(())
    }

    /// `rmdir(2)`: removes an empty directory.
    pub fn rmdir(&mut self, cwd: &str, path: &str) -> Result<(), Errno> {
        path::check(path)?;
        let split = path::split(path).ok_or(Errno::Einval)?;
        let dir = self.parent_dir(cwd, split.dir)?;
        match split.name {
            "." => return Err(Errno::Einval),
            ".." => return Err(Errno::Enotempty),
            _ => {}
        }
        let ino = self.child(dir, split.name).ok_or(Errno::Enoent)?;
        if self.kind(ino) != Kind::Dir {
            return Err(Errno::Enotdir);
        }
        if self.has_children(ino) {
            return Err(Errno::Enotempty);
        }
        self.detach(dir, split.name, ino);
        Ok(())
    }

    /// `rename(2)`: moves `from` to `to`, replacing a file or an empty directory there; works across directories
    /// and moves a base directory without copying its subtree.
    pub fn rename(&mut self, cwd: &str, from: &str, to: &str) -> Result<(), Errno> {
        path::check(from)?;
        path::check(to)?;
        let src_split = path::split(from).ok_or(Errno::Einval)?;
        let dst_split = path::split(to).ok_or(Errno::Einval)?;
        let src_dir = self.parent_dir(cwd, src_split.dir)?;
        let dst_dir = self.parent_dir(cwd, dst_split.dir)?;
        if [src_split.name, dst_split.name]
            .iter()
            .any(|n| matches!(*n, "." | ".."))
        {
            return Err(Errno::Einval);
        }
        let src = self.child(src_dir, src_split.name).ok_or(Errno::Enoent)?;
        let src_is_dir = self.kind(src) == Kind::Dir;
        if !src_is_dir && (src_split.trailing_slash || dst_split.trailing_slash) {
            return Err(Errno::Enotdir);
        }
        let dst = self.child(dst_dir, dst_split.name);
        if dst == Some(src) {
            return Ok(());
        }
        if src_is_dir && self.is_ancestor_or_self(src, dst_dir) {
            return Err(Errno::Einval);
        }
        if let Some(dst) = dst {
            match (src_is_dir, self.kind(dst) == Kind::Dir) {
                (true, false) => return Err(Errno::Enotdir),
                (false, true) => return Err(Errno::Eisdir),
                (true, true) if self.has_children(dst) => return Err(Errno::Enotempty),
                _ => {}
            }
            self.removed.insert(dst);
        }
        self.remove_entry(src_dir, src_split.name);
        self.set_entry(dst_dir, dst_split.name, src);
        self.touch_dir(src_dir);
        self.touch_dir(dst_dir);
        Ok(())
    }

    /// `chmod(2)`: sets the permission bits of the path (following symlinks).
    pub fn chmod(&mut self, cwd: &str, path: &str, mode: u32) -> Result<(), Errno> {
        let ino = self.resolve(cwd, path, true)?;
        self.node_mut(ino).meta.mode = mode & 0o7777;
        Ok(())
    }

    /// `chown(2)`: sets owner and/or group of the path (following symlinks); `None` keeps the current one.
    pub fn chown(&mut self, cwd: &str, path: &str, uid: Option<u32>, gid: Option<u32>) -> Result<(), Errno> {
        let ino = self.resolve(cwd, path, true)?;
        let meta = &mut self.node_mut(ino).meta;
        meta.uid = uid.unwrap_or(meta.uid);
        meta.gid = gid.unwrap_or(meta.gid);
        Ok(())
    }

    // ----- Tree plumbing. -----

    fn node(&self, ino: Ino) -> &Node {
        match self.nodes.get(&ino) {
            Some(node) => node,
            None => match ino {
                Ino::Base(id) => self.base.node(id),
                Ino::Over(_) => unreachable!("overlay nodes are never dropped"),
            },
        }
    }

    /// Copies one base node up on first change; its content stays shared until rewritten.
    fn node_mut(&mut self, ino: Ino) -> &mut Node {
        let base = &self.base;
        self.nodes.entry(ino).or_insert_with(|| match ino {
            Ino::Base(id) => base.node(id).clone(),
            Ino::Over(_) => unreachable!("overlay nodes are never dropped"),
        })
    }

    fn kind(&self, ino: Ino) -> Kind {
        self.node(ino).kind()
    }

    fn child(&self, dir: Ino, name: &str) -> Option<Ino> {
        if let Some(entry) = self.entries.get(&dir).and_then(|e| e.get(name)) {
            return *entry;
        }
        match dir {
            Ino::Base(id) => self.base.child(id, name).map(Ino::Base),
            Ino::Over(_) => None,
        }
    }

    fn children(&self, dir: Ino) -> BTreeMap<&str, Ino> {
        let mut out = BTreeMap::new();
        if let Ino::Base(id) = dir {
            out.extend(self.base.children(id).map(|(name, c)| (name, Ino::Base(c))));
        }
        for (name, entry) in self.entries.get(&dir).into_iter().flatten() {
            match entry {
                Some(ino) => out.insert(&**name, *ino),
                None => out.remove(&**name),
            };
        }
        out
    }

    fn has_children(&self, dir: Ino) -> bool {
        let delta = self.entries.get(&dir);
        if delta.is_some_and(|d| d.values().any(Option::is_some)) {
            return true;
        }
        match dir {
            Ino::Base(id) => {
                let whiteouts = delta.map_or(0, |d| d.values().filter(|e| e.is_none()).count());
                self.base.has_children(id) && self.base.children(id).count() > whiteouts
            }
            Ino::Over(_) => false,
        }
    }

    fn parent(&self, ino: Ino) -> Option<(Ino, &str)> {
        if let Some((dir, name)) = self.parents.get(&ino) {
            return Some((*dir, name));
        }
        match ino {
            Ino::Base(id) => self.base.parent(id).map(|(p, name)| (Ino::Base(p), name)),
            Ino::Over(_) => None,
        }
    }

    fn path_of(&self, ino: Ino) -> String {
        let mut names = Vec::new();
        let mut cur = ino;
        while let Some((dir, name)) = self.parent(cur) {
            names.push(name);
            cur = dir;
        }
        if names.is_empty() {
            return "/".to_owned();
        }
        names.iter().rev().fold(String::new(), |mut acc, name| {
            acc.push('/');
            acc.push_str(name);
            acc
        })
    }

    /// Whether the node or one of its ancestors was removed.
    fn is_detached(&self, ino: Ino) -> bool {
        let mut cur = Some(ino);
        while let Some(ino) = cur {
            if self.removed.contains(&ino) {
                return true;
            }
            cur = self.parent(ino).map(|(dir, _)| dir);
        }
        false
    }

    fn is_ancestor_or_self(&self, ancestor: Ino, mut ino: Ino) -> bool {
        loop {
            if ino == ancestor {
                return true;
            }
            match self.parent(ino) {
                Some((dir, _)) => ino = dir,
                None => return false,
            }
        }
    }

    /// Resolves `path` relative to `cwd` (itself resolved from `/`); a final symlink is followed if `follow_last`.
    fn resolve(&self, cwd: &str, path: &str, follow_last: bool) -> Result<Ino, Errno> {
        path::check(path)?;
        let mut hops = 0;
        let start = if path.starts_with('/') {
            ROOT
        } else {
            self.walk(ROOT, cwd, true, &mut hops)?
        };
        let mut hops = 0;
        self.walk(start, path, follow_last, &mut hops)
    }

    fn walk(&self, start: Ino, path: &str, follow_last: bool, hops: &mut u32) -> Result<Ino, Errno> {
        path::check(path)?;
        let mut cur = if path.starts_with('/') { ROOT } else { start };
        let names = path::components(path);
        for (i, name) in names.iter().enumerate() {
            if self.kind(cur) != Kind::Dir {
                return Err(Errno::Enotdir);
            }
            cur = match *name {
                "." => cur,
                ".." => self.parent(cur).map_or(cur, |(dir, _)| dir),
                name => {
                    let child = self.child(cur, name).ok_or(Errno::Enoent)?;
                    match &self.node(child).payload {
                        Payload::Symlink { target } if follow_last || i + 1 < names.len() => {
                            *hops += 1;
                            if *hops > MAX_SYMLINK_HOPS {
                                return Err(Errno::Eloop);
                            }
                            self.walk(cur, target, true, hops)?
                        }
                        _ => child,
                    }
                }
            };
        }
        Ok(cur)
    }

    /// Resolves the directory part of a split path; it must be a directory.
    fn parent_dir(&self, cwd: &str, dir: &str) -> Result<Ino, Errno> {
        let ino = self.resolve(cwd, dir, true)?;
        if self.kind(ino) != Kind::Dir {
            return Err(Errno::Enotdir);
        }
        Ok(ino)
    }

    /// The existing node a write lands on (following a final symlink), or the directory and name to create.
    fn open_or_create(&self, cwd: &str, path: &str) -> Result<Target, Errno> {
        path::check(path)?;
        let split = path::split(path).ok_or(Errno::Eisdir)?;
        let dir = self.parent_dir(cwd, split.dir)?;
        if matches!(split.name, "." | "..") {
            return Err(Errno::Eisdir);
        }
        match self.child(dir, split.name) {
            // FIXME: a dangling final symlink fails with ENOENT; Linux would create its target.
            Some(_) => {
                let ino = self.resolve(cwd, path, true)?;
                if split.trailing_slash && self.kind(ino) != Kind::Dir {
                    return Err(Errno::Enotdir);
                }
                Ok(Target::Existing(ino))
            }
            None if split.trailing_slash => Err(Errno::Eisdir),
            None => Ok(Target::New(dir, split.name.to_owned())),
        }
    }

    fn check_file_len(len: u64) -> Result<(), Errno> {
        if len > MAX_FILE_BYTES {
            return Err(Errno::Efbig);
        }
        Ok(())
    }

    /// Fails with `ENOSPC` if swapping `old_owned` bytes for `new_len` would exceed the session budget.
    fn check_bytes(&self, old_owned: u64, new_len: u64) -> Result<(), Errno> {
        if self.content_bytes - old_owned + new_len > MAX_OVERLAY_BYTES {
            return Err(Errno::Enospc);
        }
        Ok(())
    }

    fn replace_content(&mut self, ino: Ino, bytes: Vec<u8>) -> Result<(), Errno> {
        let new_len = bytes.len() as u64;
        Self::check_file_len(new_len)?;
        let old_owned = if self.written.contains(&ino) {
            self.node(ino).size()
        } else {
            0
        };
        self.check_bytes(old_owned, new_len)?;
        self.content_bytes = self.content_bytes - old_owned + new_len;
        self.written.insert(ino);
        let now = self.now;
        let node = self.node_mut(ino);
        node.payload = Payload::File {
            content: Content::inline(bytes),
        };
        node.meta.mtime = now;
        Ok(())
    }

    fn create_file(&mut self, dir: Ino, name: &str, content: Content) -> Result<Ino, Errno> {
        let len = content.len();
        let meta = Meta {
            mode: NEW_FILE_MODE,
            uid: self.uid,
            gid: self.gid,
            mtime: self.now,
            nlink: 1,
        };
        let ino = self.create(dir, name, Node::file(meta, content))?;
        self.content_bytes += len;
        self.written.insert(ino);
        Ok(ino)
    }

    /// Links a new node under `dir`, counting it against [`MAX_ENTRIES_CREATED`].
    fn create(&mut self, dir: Ino, name: &str, node: Node) -> Result<Ino, Errno> {
        if self.entries_created >= MAX_ENTRIES_CREATED {
            return Err(Errno::Enospc);
        }
        self.entries_created += 1;
        let ino = Ino::Over(self.next_ino);
        self.next_ino += 1;
        self.nodes.insert(ino, node);
        self.set_entry(dir, name, ino);
        self.touch_dir(dir);
        Ok(ino)
    }

    fn set_entry(&mut self, dir: Ino, name: &str, ino: Ino) {
        self.entries.entry(dir).or_default().insert(name.into(), Some(ino));
        self.parents.insert(ino, (dir, name.into()));
    }

    /// Drops `name` from `dir`: a whiteout if the base has the name there, otherwise just forgets the entry.
    fn remove_entry(&mut self, dir: Ino, name: &str) {
        let in_base = matches!(dir, Ino::Base(id) if self.base.child(id, name).is_some());
        let delta = self.entries.entry(dir).or_default();
        if in_base {
            delta.insert(name.into(), None);
        } else {
            delta.remove(name);
            if delta.is_empty() {
                self.entries.remove(&dir);
            }
        }
    }

    fn detach(&mut self, dir: Ino, name: &str, ino: Ino) {
        self.remove_entry(dir, name);
        self.removed.insert(ino);
        self.touch_dir(dir);
    }

    fn touch_dir(&mut self, dir: Ino) {
        let now = self.now;
        self.node_mut(dir).meta.mtime = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::base::{debian_skeleton, BaseBuilder};
    use proptest::prelude::*;

    const T0: i64 = 1_700_000_000;

    fn fresh() -> Overlay {
        Overlay::new(debian_skeleton(), 0, 0, T0)
    }

    /// A skeleton with a few links and nested directories for resolution tests.
    fn linked() -> Overlay {
        let mut fs = fresh();
        fs.mkdir("/", "/a", 0o755).unwrap();
        fs.mkdir("/", "/a/b", 0o755).unwrap();
        fs.write("/", "/a/b/f", b"hi", WriteMode::Truncate).unwrap();
        fs.symlink("/", "/a/b", "/lb").unwrap();
        fs.symlink("/", "b/f", "/a/lf").unwrap();
        fs.symlink("/", "lb", "/chain1").unwrap();
        fs.symlink("/", "/chain1", "/chain2").unwrap();
        fs.symlink("/", "loop2", "/loop1").unwrap();
        fs.symlink("/", "loop1", "/loop2").unwrap();
        fs.symlink("/", "nowhere", "/dangling").unwrap();
        fs.symlink("/", "..", "/a/b/up").unwrap();
        fs
    }

    #[test]
    fn resolution_table() {
        let fs = linked();
        let cases: &[(&str, &str, Result<&str, Errno>)] = &[
            ("/", "/a/../etc", Ok("/etc")),
            ("/", "/a/b/../../tmp", Ok("/tmp")),
            ("/", "/..", Ok("/")),
            ("/", "/../../etc/./passwd", Ok("/etc/passwd")),
            ("/", "//a///b", Ok("/a/b")),
            ("/", "/a/b/", Ok("/a/b")),
            ("/", "/a/b/f/", Err(Errno::Enotdir)),
            ("/", "/a/b/f/.", Err(Errno::Enotdir)),
            ("/", "/a/b/f/x", Err(Errno::Enotdir)),
            ("/", "/a/missing/x", Err(Errno::Enoent)),
            ("/", "", Err(Errno::Enoent)),
            ("/a", "b/f", Ok("/a/b/f")),
            ("/a/b", "..", Ok("/a")),
            ("/a/b", "../../etc", Ok("/etc")),
            ("/a", ".", Ok("/a")),
            ("/a", "/etc", Ok("/etc")),
            ("/gone", "/etc", Ok("/etc")),
            ("/gone", "x", Err(Errno::Enoent)),
            ("/", "/lb/f", Ok("/a/b/f")),
            ("/", "/a/lf", Ok("/a/b/f")),
            ("/", "/chain2", Ok("/a/b")),
            ("/", "/chain2/f", Ok("/a/b/f")),
            // `..` after a symlink is physical, as in the kernel: /lb is /a/b, so /lb/.. is /a.
            ("/", "/lb/..", Ok("/a")),
            ("/", "/a/b/up/b/f", Ok("/a/b/f")),
            ("/", "/loop1", Err(Errno::Eloop)),
            ("/", "/loop1/x", Err(Errno::Eloop)),
            ("/", "/dangling", Err(Errno::Enoent)),
        ];
        for (cwd, path, want) in cases {
            assert_eq!(
                fs.canonicalize(cwd, path).as_deref(),
                want.as_deref(),
                "cwd {cwd} path {path}"
            );
        }
    }

    #[test]
    fn lstat_does_not_follow_the_last_link() {
        let fs = linked();
        let cases: &[(&str, Result<Kind, Errno>)] = &[
            ("/lb", Ok(Kind::Symlink)),
            ("/lb/", Ok(Kind::Dir)),
            ("/dangling", Ok(Kind::Symlink)),
            ("/loop1", Ok(Kind::Symlink)),
            ("/chain2/f", Ok(Kind::File)),
            ("/dev/null", Ok(Kind::CharDevice)),
        ];
        for (path, want) in cases {
            assert_eq!(fs.lstat("/", path).map(|s| s.kind), *want, "{path}");
        }
        assert_eq!(fs.read_link("/", "/a/lf").as_deref(), Ok("b/f"));
        assert_eq!(fs.read_link("/", "/a/b/f"), Err(Errno::Einval));
    }

    #[test]
    fn symlink_hop_limit_is_forty() {
        let mut fs = fresh();
        fs.write("/", "/tmp/l0", b"end", WriteMode::Truncate).unwrap();
        for i in 1..=41 {
            fs.symlink("/", &format!("l{}", i - 1), &format!("/tmp/l{i}")).unwrap();
        }
        assert_eq!(fs.read("/", "/tmp/l40").unwrap().bytes(), Some(&b"end"[..]));
        assert_eq!(fs.read("/", "/tmp/l41"), Err(Errno::Eloop));
    }

    #[test]
    fn name_limits() {
        let mut fs = fresh();
        let long = format!("/tmp/{}", "n".repeat(256));
        assert_eq!(fs.write("/", &long, b"", WriteMode::Truncate), Err(Errno::Enametoolong));
        assert_eq!(fs.mkdir("/", &long, 0o755), Err(Errno::Enametoolong));
        assert_eq!(fs.symlink("/", "x", &long), Err(Errno::Enametoolong));
        assert_eq!(
            fs.symlink("/", &"x/".repeat(MAX_PATH_LEN / 2), "/tmp/l"),
            Err(Errno::Enametoolong)
        );
        assert_eq!(fs.unlink("/", &long), Err(Errno::Enametoolong));
        assert_eq!(fs.rmdir("/", &long), Err(Errno::Enametoolong));
        assert_eq!(fs.rename("/", "/tmp", &long), Err(Errno::Enametoolong));
        assert_eq!(fs.stat("/", &long), Err(Errno::Enametoolong));
        let ok = format!("/tmp/{}", "n".repeat(255));
        assert_eq!(fs.write("/", &ok, b"", WriteMode::Truncate), Ok(()));
    }

    #[test]
    fn writes_are_session_local() {
        let base = debian_skeleton();
        let mut one = Overlay::new(base.clone(), 0, 0, T0);
        one.write("/root", "x", b"one", WriteMode::Truncate).unwrap();
        one.write("/root", "x", b"+", WriteMode::Append).unwrap();
        one.write("/", "/etc/hostname", b"pwned\n", WriteMode::Truncate)
            .unwrap();
        assert_eq!(one.read("/", "/root/x").unwrap().bytes(), Some(&b"one+"[..]));
        assert_eq!(one.read("/", "/etc/hostname").unwrap().bytes(), Some(&b"pwned\n"[..]));
        assert_eq!(one.stat("/", "/root/x").unwrap().mtime, T0);

        let two = Overlay::new(base.clone(), 0, 0, T0);
        assert_eq!(two.stat("/", "/root/x"), Err(Errno::Enoent));
        assert_eq!(two.read("/", "/etc/hostname").unwrap().bytes(), Some(&b"debian\n"[..]));
        drop(one);
        assert_eq!(Arc::strong_count(&base), 2);
    }

    #[test]
    fn write_errors_table() {
        let mut fs = linked();
        let cases: &[(&str, Result<(), Errno>)] = &[
            ("/tmp", Err(Errno::Eisdir)),
            ("/tmp/", Err(Errno::Eisdir)),
            ("/tmp/new/", Err(Errno::Eisdir)),
            ("/a/b/f/", Err(Errno::Enotdir)),
            ("/nope/x", Err(Errno::Enoent)),
            ("/a/b/f/x", Err(Errno::Enotdir)),
            ("/", Err(Errno::Eisdir)),
            ("/dev/null", Ok(())),
            ("/lb/g", Ok(())),
            ("/a/lf", Ok(())),
            ("/dangling", Err(Errno::Enoent)),
        ];
        for (path, want) in cases {
            assert_eq!(fs.write("/", path, b"data", WriteMode::Append), *want, "{path}");
        }
        assert_eq!(fs.read("/", "/dev/null").unwrap().len(), 0);
        assert_eq!(fs.read("/", "/a/b/f").unwrap().bytes(), Some(&b"hidata"[..]));
        assert_eq!(fs.read("/", "/a/b/g").unwrap().bytes(), Some(&b"data"[..]));
        assert_eq!(fs.read("/", "/tmp"), Err(Errno::Eisdir));
    }

    #[test]
    fn whiteout_hides_base_file_and_recreation_works() {
        let mut fs = fresh();
        fs.unlink("/", "/etc/passwd").unwrap();
        assert_eq!(fs.stat("/", "/etc/passwd"), Err(Errno::Enoent));
        assert_eq!(names(&fs, "/etc"), ["hostname"]);
        assert_eq!(fs.unlink("/", "/etc/passwd"), Err(Errno::Enoent));
        fs.write("/", "/etc/passwd", b"toor::0:0::/:/bin/sh\n", WriteMode::Truncate)
            .unwrap();
        assert_eq!(
            fs.read("/", "/etc/passwd").unwrap().bytes(),
            Some(&b"toor::0:0::/:/bin/sh\n"[..])
        );
        assert_eq!(names(&fs, "/etc"), ["hostname", "passwd"]);
        assert_eq!(fs.stat("/", "/etc/passwd").unwrap().mode, 0o644);
        fs.rmdir("/", "/var/tmp").unwrap();
        fs.mkdir("/", "/var/tmp", 0o700).unwrap();
        assert_eq!(fs.stat("/", "/var/tmp").unwrap().mode, 0o700);
    }

    fn names(fs: &Overlay, dir: &str) -> Vec<String> {
        fs.list("/", dir).unwrap().into_iter().map(|e| e.name).collect()
    }

    #[test]
    fn listing_merges_sorted() {
        let mut fs = fresh();
        fs.write("/", "/etc/zz", b"", WriteMode::Truncate).unwrap();
        fs.write("/", "/etc/aa", b"", WriteMode::Truncate).unwrap();
        fs.mkdir("/", "/etc/init.d", 0o755).unwrap();
        fs.symlink("/", "/etc/passwd", "/etc/mtab").unwrap();
        fs.unlink("/", "/etc/hostname").unwrap();
        assert_eq!(names(&fs, "/etc"), ["aa", "init.d", "mtab", "passwd", "zz"]);
        let mtab = fs
            .list("/", "/etc")
            .unwrap()
            .into_iter()
            .find(|e| e.name == "mtab")
            .unwrap();
        assert_eq!(mtab.stat.kind, Kind::Symlink);
        assert_eq!(
            names(&fs, "/"),
            ["bin", "dev", "etc", "home", "proc", "root", "tmp", "usr", "var"]
        );
        assert_eq!(fs.list("/", "/etc/passwd"), Err(Errno::Enotdir));
        assert!(fresh().list("/", "/tmp").unwrap().is_empty());
    }

    #[test]
    fn rmdir_and_unlink_table() {
        let mut fs = linked();
        type Op = fn(&mut Overlay, &str, &str) -> Result<(), Errno>;
        let rmdir: Op = Overlay::rmdir;
        let unlink: Op = Overlay::unlink;
        let cases: &[(Op, &str, Result<(), Errno>)] = &[
            (rmdir, "/a", Err(Errno::Enotempty)),
            (rmdir, "/etc", Err(Errno::Enotempty)),
            (rmdir, "/a/b/f", Err(Errno::Enotdir)),
            (rmdir, "/lb", Err(Errno::Enotdir)),
            (rmdir, "/a/.", Err(Errno::Einval)),
            (rmdir, "/a/..", Err(Errno::Enotempty)),
            (rmdir, "/", Err(Errno::Einval)),
            (rmdir, "/missing", Err(Errno::Enoent)),
            (unlink, "/a", Err(Errno::Eisdir)),
            (unlink, "/a/b/f/", Err(Errno::Enotdir)),
            (unlink, "/lb", Ok(())),
            (unlink, "/a/b/f", Ok(())),
            (unlink, "/a/b/up", Ok(())),
            (rmdir, "/a/b/", Ok(())),
            (unlink, "/a/lf", Ok(())),
            (rmdir, "/a", Ok(())),
            (rmdir, "/proc", Ok(())),
            (unlink, "/etc/hostname", Ok(())),
            (unlink, "/etc/passwd", Ok(())),
            (rmdir, "/etc", Ok(())),
        ];
        for (op, path, want) in cases {
            assert_eq!(op(&mut fs, "/", path), *want, "{path}");
        }
    }

    #[test]
    fn mkdir_and_symlink_errors() {
        let mut fs = linked();
        let cases: &[(&str, Result<(), Errno>)] = &[
            ("/tmp", Err(Errno::Eexist)),
            ("/", Err(Errno::Eexist)),
            ("/a/..", Err(Errno::Eexist)),
            ("/dangling", Err(Errno::Eexist)),
            ("/x/y", Err(Errno::Enoent)),
            ("/a/b/f/y", Err(Errno::Enotdir)),
            ("/new/", Ok(())),
            ("/lb/sub", Ok(())),
        ];
        for (path, want) in cases {
            assert_eq!(fs.mkdir("/", path, 0o755), *want, "{path}");
        }
        assert_eq!(fs.stat("/", "/a/b/sub").unwrap().kind, Kind::Dir);
        assert_eq!(fs.symlink("/", "x", "/tmp"), Err(Errno::Eexist));
        assert_eq!(fs.symlink("/", "", "/tmp/e"), Err(Errno::Enoent));
    }

    #[test]
    fn rename_table() {
        let mut fs = linked();
        let cases: &[(&str, &str, Result<(), Errno>)] = &[
            ("/a/b/f", "/tmp/f", Ok(())),
            ("/tmp/f", "/tmp/f", Ok(())),
            ("/missing", "/tmp/x", Err(Errno::Enoent)),
            ("/a", "/a/b/inside", Err(Errno::Einval)),
            ("/a", "/a", Ok(())),
            ("/tmp/f", "/tmp", Err(Errno::Eisdir)),
            ("/a", "/etc/passwd", Err(Errno::Enotdir)),
            ("/var", "/etc", Err(Errno::Enotempty)),
            ("/tmp/f", "/tmp/f/", Err(Errno::Enotdir)),
            ("/tmp/f", "/nope/f", Err(Errno::Enoent)),
            ("/tmp/f", "/etc/hostname", Ok(())),
            ("/home", "/proc", Ok(())),
            ("/etc", "/root/etc", Ok(())),
        ];
        for (from, to, want) in cases {
            assert_eq!(fs.rename("/", from, to), *want, "{from} -> {to}");
        }
        assert_eq!(fs.read("/", "/root/etc/hostname").unwrap().bytes(), Some(&b"hi"[..]));
        assert_eq!(
            fs.read("/", "/root/etc/passwd").unwrap().len(),
            fresh().read("/", "/etc/passwd").unwrap().len()
        );
        assert_eq!(fs.stat("/", "/etc"), Err(Errno::Enoent));
        assert_eq!(fs.stat("/", "/home"), Err(Errno::Enoent));
        assert_eq!(
            fs.canonicalize("/", "/root/etc/passwd").as_deref(),
            Ok("/root/etc/passwd")
        );
        assert_eq!(names(&fs, "/a/b"), ["up"]);
        // Moving a base directory moves its entries without copying them.
        assert_eq!(fs.usage().dir_entries, 9 + 6);
    }

    #[test]
    fn chmod_chown_touch_copy_up_one_node() {
        let mut fs = fresh();
        fs.chmod("/", "/etc/passwd", 0o100600).unwrap();
        fs.chown("/", "/etc/passwd", Some(1000), None).unwrap();
        fs.set_now(T0 + 5);
        fs.touch("/", "/etc/passwd", None).unwrap();
        let st = fs.stat("/", "/etc/passwd").unwrap();
        assert_eq!((st.mode, st.uid, st.gid, st.mtime), (0o600, 1000, 0, T0 + 5));
        assert_eq!(fs.usage().nodes, 1);
        assert_eq!(fs.usage().content_bytes, 0);
        assert!(fs.changed_files().is_empty());
        fs.touch("/tmp", "new", Some(42)).unwrap();
        assert_eq!(fs.stat("/", "/tmp/new").unwrap().mtime, 42);
        assert_eq!(fs.stat("/", "/tmp").unwrap().mtime, T0 + 5);
        assert_eq!(fs.chmod("/", "/nope", 0o777), Err(Errno::Enoent));
    }

    #[test]
    fn truncate_table() {
        let mut fs = fresh();
        fs.truncate("/", "/etc/hostname", 3).unwrap();
        assert_eq!(fs.read("/", "/etc/hostname").unwrap().bytes(), Some(&b"deb"[..]));
        fs.truncate("/", "/etc/hostname", 5).unwrap();
        assert_eq!(fs.read("/", "/etc/hostname").unwrap().bytes(), Some(&b"deb\0\0"[..]));
        fs.truncate("/", "/bin/sh", 0).unwrap();
        assert_eq!(fs.stat("/", "/bin/sh").unwrap().size, 0);
        assert_eq!(fs.truncate("/", "/tmp", 0), Err(Errno::Eisdir));
        assert_eq!(fs.truncate("/", "/etc/hostname", MAX_FILE_BYTES + 1), Err(Errno::Efbig));
        assert_eq!(fs.usage().content_bytes, 5);
    }

    #[test]
    fn caps_give_enospc_and_efbig() {
        let mut fs = fresh();
        let mib = vec![7u8; 1024 * 1024];
        assert_eq!(
            fs.write(
                "/",
                "/tmp/big",
                &vec![0; MAX_FILE_BYTES as usize + 1],
                WriteMode::Truncate
            ),
            Err(Errno::Efbig)
        );
        for i in 0..16 {
            fs.write("/", &format!("/tmp/f{i}"), &mib, WriteMode::Truncate).unwrap();
        }
        assert_eq!(fs.usage().content_bytes, MAX_OVERLAY_BYTES);
        assert_eq!(
            fs.write("/", "/tmp/one-more", b"x", WriteMode::Truncate),
            Err(Errno::Enospc)
        );
        assert_eq!(fs.write("/", "/tmp/f0", b"x", WriteMode::Append), Err(Errno::Enospc));
        // Rewriting a file frees its old bytes first.
        fs.write("/", "/tmp/f0", b"x", WriteMode::Truncate).unwrap();
        fs.write("/", "/tmp/one-more", b"x", WriteMode::Truncate).unwrap();
        assert_eq!(fs.usage().content_bytes, MAX_OVERLAY_BYTES - mib.len() as u64 + 2);

        let mut fs = fresh();
        for i in 0..MAX_ENTRIES_CREATED {
            fs.touch("/tmp", &i.to_string(), None).unwrap();
        }
        assert_eq!(fs.touch("/tmp", "last", None), Err(Errno::Enospc));
        assert_eq!(fs.mkdir("/tmp", "d", 0o755), Err(Errno::Enospc));
        assert_eq!(fs.symlink("/tmp", "x", "l"), Err(Errno::Enospc));
    }

    #[test]
    fn memory_is_proportional_to_writes() {
        let mut b = BaseBuilder::new();
        b.dir("/root", 0o700).unwrap();
        for i in 0..100_000 {
            let path = format!("/usr/share/doc/pkg{}/file{}", i / 100, i % 100);
            b.insert(&path, Node::file(Meta::root(0o644), Content::SizeOnly(1000)))
                .unwrap();
        }
        let base = b.build();
        assert!(base.len() > 100_000);
        let mut fs = Overlay::new(base, 0, 0, T0);
        let kb = vec![b'A'; 1024];
        fs.write("/root", "payload", &kb, WriteMode::Truncate).unwrap();
        let usage = fs.usage();
        assert_eq!(usage.content_bytes, 1024);
        // The new file plus the copied-up /root (its mtime changed); nothing of the 100k-node base.
        assert_eq!(usage.nodes, 2);
        assert_eq!(usage.dir_entries, 1);
        fs.write("/", "/usr/share/doc/pkg5/file5", b"x", WriteMode::Append)
            .unwrap();
        assert_eq!((fs.usage().nodes, fs.usage().content_bytes), (3, 1025));
    }

    #[test]
    fn changed_files_enumeration() {
        let mut fs = fresh();
        fs.write("/tmp", "dropper", b"#!/bin/sh\n", WriteMode::Truncate)
            .unwrap();
        fs.write("/tmp", "bot", b"\x7fELF", WriteMode::Truncate).unwrap();
        fs.chmod("/tmp", "bot", 0o755).unwrap();
        fs.mkdir("/", "/var/tmp/.x", 0o755).unwrap();
        fs.write("/", "/var/tmp/.x/a", b"a", WriteMode::Truncate).unwrap();
        fs.rename("/", "/var/tmp/.x", "/root/.x").unwrap();
        fs.write("/", "/etc/passwd", b"x", WriteMode::Append).unwrap();
        fs.unlink("/tmp", "dropper").unwrap();
        fs.touch("/", "/root/empty", None).unwrap();
        fs.touch("/", "/etc/hostname", None).unwrap();
        let got: Vec<(String, Option<Vec<u8>>, bool)> = fs
            .changed_files()
            .into_iter()
            .map(|c| (c.path, c.content.bytes().map(<[u8]>::to_vec), c.deleted))
            .collect();
        let passwd = [fresh().read("/", "/etc/passwd").unwrap().bytes().unwrap(), b"x"].concat();
        let want: Vec<(String, Option<Vec<u8>>, bool)> = vec![
            ("/etc/passwd".into(), Some(passwd), false),
            ("/root/.x/a".into(), Some(b"a".to_vec()), false),
            ("/root/empty".into(), Some(vec![]), false),
            ("/tmp/bot".into(), Some(b"\x7fELF".to_vec()), false),
            ("/tmp/dropper".into(), Some(b"#!/bin/sh\n".to_vec()), true),
        ];
        assert_eq!(got, want);
    }

    /// A model operation over a handful of paths under `/t`.
    #[derive(Clone, Debug)]
    enum Op {
        Write(usize, Vec<u8>),
        Append(usize, Vec<u8>),
        Unlink(usize),
        Mkdir(usize),
        Rmdir(usize),
        Rename(usize, usize),
    }

    const PATHS: &[&str] = &["/t/a", "/t/b", "/t/a/a", "/t/a/b", "/t/b/a", "/t/c", "/t/b/a/c"];

    fn op() -> impl Strategy<Value = Op> {
        let p = || 0..PATHS.len();
        let data = || proptest::collection::vec(any::<u8>(), 0..4);
        prop_oneof![
            (p(), data()).prop_map(|(i, d)| Op::Write(i, d)),
            (p(), data()).prop_map(|(i, d)| Op::Append(i, d)),
            p().prop_map(Op::Unlink),
            p().prop_map(Op::Mkdir),
            p().prop_map(Op::Rmdir),
            (p(), p()).prop_map(|(a, b)| Op::Rename(a, b)),
        ]
    }

    /// The model: path to `Some(bytes)` for a file, `None` for a directory.
    type Model = BTreeMap<String, Option<Vec<u8>>>;

    fn parent(path: &str) -> &str {
        &path[..path.rfind('/').unwrap()]
    }

    fn model_apply(m: &mut Model, op: &Op) -> Result<(), ()> {
        let parent_ok = |m: &Model, p: &str| matches!(m.get(parent(p)), Some(None));
        match op {
            Op::Write(i, d) | Op::Append(i, d) => {
                let p = PATHS[*i];
                match m.get(p) {
                    Some(None) => Err(()),
                    Some(Some(old)) => {
                        let mut v = if matches!(op, Op::Append(..)) {
                            old.clone()
                        } else {
                            vec![]
                        };
                        v.extend_from_slice(d);
                        m.insert(p.into(), Some(v));
                        Ok(())
                    }
                    None if parent_ok(m, p) => {
                        m.insert(p.into(), Some(d.clone()));
                        Ok(())
                    }
                    None => Err(()),
                }
            }
            Op::Unlink(i) => match m.get(PATHS[*i]) {
                Some(Some(_)) => m.remove(PATHS[*i]).map(|_| ()).ok_or(()),
                _ => Err(()),
            },
            Op::Mkdir(i) => {
                let p = PATHS[*i];
                if m.contains_key(p) || !parent_ok(m, p) {
                    return Err(());
                }
                m.insert(p.into(), None);
                Ok(())
            }
            Op::Rmdir(i) => {
                let p = PATHS[*i];
                let prefix = format!("{p}/");
                if m.get(p) != Some(&None) || m.keys().any(|k| k.starts_with(&prefix)) {
                    return Err(());
                }
                m.remove(p);
                Ok(())
            }
            Op::Rename(a, b) => {
                let (from, to) = (PATHS[*a], PATHS[*b]);
                let src = m.get(from).cloned().ok_or(())?;
                if !parent_ok(m, to) {
                    return Err(());
                }
                if from == to {
                    return Ok(());
                }
                let from_prefix = format!("{from}/");
                if src.is_none() && to.starts_with(&from_prefix) {
                    return Err(());
                }
                let to_prefix = format!("{to}/");
                match (src.is_none(), m.get(to)) {
                    (true, Some(Some(_))) | (false, Some(None)) => return Err(()),
                    (true, Some(None)) if m.keys().any(|k| k.starts_with(&to_prefix)) => return Err(()),
                    _ => {}
                }
                let moved: Vec<(String, Option<Vec<u8>>)> = m
                    .range(from.to_owned()..)
                    .take_while(|(k, _)| *k == from || k.starts_with(&from_prefix))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                m.remove(to);
                for (k, v) in moved {
                    m.remove(&k);
                    m.insert(format!("{to}{}", &k[from.len()..]), v);
                }
                Ok(())
            }
        }
    }

    fn overlay_apply(fs: &mut Overlay, op: &Op) -> Result<(), Errno> {
        match op {
            Op::Write(i, d) => fs.write("/", PATHS[*i], d, WriteMode::Truncate),
            Op::Append(i, d) => fs.write("/", PATHS[*i], d, WriteMode::Append),
            Op::Unlink(i) => fs.unlink("/", PATHS[*i]),
            Op::Mkdir(i) => fs.mkdir("/", PATHS[*i], 0o755),
            Op::Rmdir(i) => fs.rmdir("/", PATHS[*i]),
            Op::Rename(a, b) => fs.rename("/", PATHS[*a], PATHS[*b]),
        }
    }

    /// Reads the overlay back into the model's shape by walking `/t`.
    fn snapshot(fs: &Overlay, dir: &str, out: &mut Model) {
        for entry in fs.list("/", dir).unwrap() {
            let path = format!("{dir}/{}", entry.name);
            if entry.stat.kind == Kind::Dir {
                out.insert(path.clone(), None);
                snapshot(fs, &path, out);
            } else {
                out.insert(
                    path.clone(),
                    Some(fs.read("/", &path).unwrap().bytes().unwrap().to_vec()),
                );
            }
        }
    }

    proptest! {
        #[test]
        fn overlay_agrees_with_model(ops in proptest::collection::vec(op(), 0..40)) {
            let mut b = BaseBuilder::new();
            b.file("/t/a/b", 0o644, b"base").unwrap().dir("/t/b", 0o755).unwrap();
            let mut fs = Overlay::new(b.build(), 0, 0, T0);
            let mut model: Model = [("/t", None), ("/t/a", None), ("/t/a/b", Some(b"base".to_vec())), ("/t/b", None)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            for op in &ops {
                let want = model_apply(&mut model, op);
                let got = overlay_apply(&mut fs, op);
                prop_assert_eq!(got.is_ok(), want.is_ok(), "{:?} gave {:?}", op, got);
            }
            let mut seen = Model::new();
            seen.insert("/t".into(), None);
            snapshot(&fs, "/t", &mut seen);
            prop_assert_eq!(seen, model);
            let written: u64 = fs.changed_files().iter().map(|c| c.content.len()).sum();
            prop_assert_eq!(fs.usage().content_bytes, written);
        }
    }
}
