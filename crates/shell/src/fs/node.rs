//! Typed filesystem nodes: one struct with named fields per inode, shared by the base tree and the overlays.

use std::sync::Arc;

/// The mtime given to base nodes by the convenience constructors: 2023-06-10, the Debian 12 release day.
pub const DEFAULT_MTIME: i64 = 1_686_355_200;

/// What a node is; decides which operations apply and which letter `ls -l` prints first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A directory.
    Dir,
    /// A regular file.
    File,
    /// A symbolic link.
    Symlink,
    /// A character device such as `/dev/null`.
    CharDevice,
    /// A block device such as `/dev/sda`.
    BlockDevice,
}

/// The bytes of a regular file, or only their count for the many files attackers never read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// Real bytes behind an `Arc`, so every session and every copy-up shares one allocation.
    Inline(Arc<[u8]>),
    /// Metadata only: `ls` shows the size but there is nothing to `cat`; keeps a 100k-file base tree small.
    SizeOnly(u64),
}

impl Content {
    /// Builds inline content from anything byte-like.
    pub fn inline(bytes: impl Into<Arc<[u8]>>) -> Content {
        Content::Inline(bytes.into())
    }

    /// The size `stat` reports.
    pub fn len(&self) -> u64 {
        match self {
            Content::Inline(b) => b.len() as u64,
            Content::SizeOnly(n) => *n,
        }
    }

    /// Whether the file is empty, as `test -s` wants to know.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes if the base (or the session) knows them.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Content::Inline(b) => Some(b),
            Content::SizeOnly(_) => None,
        }
    }
}

/// Kind-specific data of a node; the kind itself is derived from it so the two can never disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    /// A directory; its entries live in the base tree or the overlay, not in the node.
    Dir,
    /// A regular file and its content.
    File {
        /// The bytes, or only their size.
        content: Content,
    },
    /// A symbolic link and the path it points to, resolved when followed.
    Symlink {
        /// The link text exactly as `readlink` prints it.
        target: Arc<str>,
    },
    /// A character device; reads are empty and writes are swallowed, like `/dev/null`.
    CharDevice {
        /// Device major number, shown by `ls -l`.
        major: u32,
        /// Device minor number, shown by `ls -l`.
        minor: u32,
    },
    /// A block device, present so `ls /dev` looks real.
    BlockDevice {
        /// Device major number, shown by `ls -l`.
        major: u32,
        /// Device minor number, shown by `ls -l`.
        minor: u32,
    },
}

/// The inode attributes `chmod`, `chown` and `touch` change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    /// Permission bits including setuid, setgid and sticky (`0o7777`); the file type lives in [`Payload`].
    pub mode: u32,
    /// Owner user id.
    pub uid: u32,
    /// Owner group id.
    pub gid: u32,
    /// Modification time in seconds since the Unix epoch.
    pub mtime: i64,
    /// Hard link count as `ls -l` prints it; stored, not maintained.
    pub nlink: u32,
}

impl Meta {
    /// Root-owned metadata with the given mode, the common case for a fresh Debian install.
    pub fn root(mode: u32) -> Meta {
        Meta {
            mode: mode & 0o7777,
            uid: 0,
            gid: 0,
            mtime: DEFAULT_MTIME,
            nlink: 1,
        }
    }
}

/// One inode: metadata plus kind-specific payload, with named fields rather than Cowrie's positional lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Mode, owner, time and link count.
    pub meta: Meta,
    /// What the node is and what it holds.
    pub payload: Payload,
}

impl Node {
    /// A directory with `meta`; its link count becomes at least 2 as on a real filesystem.
    pub fn dir(meta: Meta) -> Node {
        Node {
            meta: Meta {
                nlink: meta.nlink.max(2),
                ..meta
            },
            payload: Payload::Dir,
        }
    }

    /// A regular file with `meta` and `content`.
    pub fn file(meta: Meta, content: Content) -> Node {
        Node {
            meta,
            payload: Payload::File { content },
        }
    }

    /// A symlink to `target`.
    pub fn symlink(meta: Meta, target: impl Into<Arc<str>>) -> Node {
        Node {
            meta,
            payload: Payload::Symlink { target: target.into() },
        }
    }

    /// A character device such as `/dev/null` (1, 3).
    pub fn char_device(meta: Meta, major: u32, minor: u32) -> Node {
        Node {
            meta,
            payload: Payload::CharDevice { major, minor },
        }
    }

    /// A block device such as `/dev/sda` (8, 0).
    pub fn block_device(meta: Meta, major: u32, minor: u32) -> Node {
        Node {
            meta,
            payload: Payload::BlockDevice { major, minor },
        }
    }

    /// The node's kind, derived from its payload.
    pub fn kind(&self) -> Kind {
        match self.payload {
            Payload::Dir => Kind::Dir,
            Payload::File { .. } => Kind::File,
            Payload::Symlink { .. } => Kind::Symlink,
            Payload::CharDevice { .. } => Kind::CharDevice,
            Payload::BlockDevice { .. } => Kind::BlockDevice,
        }
    }

    /// The size `stat` reports: content length, link text length, 4096 for directories, 0 for devices.
    pub fn size(&self) -> u64 {
        match &self.payload {
            Payload::Dir => 4096,
            Payload::File { content } => content.len(),
            Payload::Symlink { target } => target.len() as u64,
            Payload::CharDevice { .. } | Payload::BlockDevice { .. } => 0,
        }
    }

    /// A copyable snapshot for `stat` and `ls -l`.
    pub fn stat(&self) -> Stat {
        Stat {
            kind: self.kind(),
            mode: self.meta.mode,
            uid: self.meta.uid,
            gid: self.meta.gid,
            size: self.size(),
            mtime: self.meta.mtime,
            nlink: self.meta.nlink,
        }
    }
}

/// What `stat(2)` returns, detached from the tree so commands can hold it freely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    /// File type.
    pub kind: Kind,
    /// Permission bits (`0o7777`).
    pub mode: u32,
    /// Owner user id.
    pub uid: u32,
    /// Owner group id.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: i64,
    /// Hard link count.
    pub nlink: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_kinds() {
        let m = Meta::root(0o644);
        let cases: &[(Node, Kind, u64)] = &[
            (Node::dir(m), Kind::Dir, 4096),
            (Node::file(m, Content::inline(&b"abc"[..])), Kind::File, 3),
            (Node::file(m, Content::SizeOnly(1234)), Kind::File, 1234),
            (Node::symlink(m, "/usr/bin"), Kind::Symlink, 8),
            (Node::char_device(m, 1, 3), Kind::CharDevice, 0),
            (Node::block_device(m, 8, 0), Kind::BlockDevice, 0),
        ];
        for (node, kind, size) in cases {
            assert_eq!(node.kind(), *kind);
            assert_eq!(node.stat().size, *size, "{node:?}");
        }
        assert_eq!(Node::dir(m).meta.nlink, 2);
        assert_eq!(Meta::root(0o107777).mode, 0o7777);
    }

    #[test]
    fn size_only_has_no_bytes() {
        assert_eq!(Content::SizeOnly(5).bytes(), None);
        assert_eq!(Content::inline(&b"x"[..]).bytes(), Some(&b"x"[..]));
        assert!(Content::SizeOnly(0).is_empty());
    }
}
