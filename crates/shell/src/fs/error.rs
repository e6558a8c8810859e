//! The errno-like error of every filesystem operation, so commands can print GNU coreutils' exact messages.

use std::fmt;

/// Why a filesystem operation failed; each variant is the Linux errno a real call would return.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Errno {
    /// A path component does not exist, or a symlink dangles.
    Enoent,
    /// A non-final path component (or a path with a trailing slash) is not a directory.
    Enotdir,
    /// A file operation was aimed at a directory.
    Eisdir,
    /// The name to create already exists.
    Eexist,
    /// `rmdir` or a rename onto a directory that still has entries.
    Enotempty,
    /// Permission denied; reserved for commands that check modes against the session's user.
    Eacces,
    /// More than [`MAX_SYMLINK_HOPS`](super::path::MAX_SYMLINK_HOPS) symlinks were followed.
    Eloop,
    /// The path exceeds [`MAX_PATH_LEN`](super::path::MAX_PATH_LEN) or a name exceeds
    /// [`MAX_NAME_LEN`](super::path::MAX_NAME_LEN).
    Enametoolong,
    /// One file would exceed [`MAX_FILE_BYTES`](super::overlay::MAX_FILE_BYTES).
    Efbig,
    /// The session's overlay would exceed its byte or entry budget.
    Enospc,
    /// An argument makes no sense, such as renaming a directory into itself or `readlink` on a regular file.
    Einval,
}

impl Errno {
    /// The `strerror` text, which is what coreutils prints after `cannot stat 'x': `.
    pub fn message(self) -> &'static str {
        match self {
            Errno::Enoent => "No such file or directory",
            Errno::Enotdir => "Not a directory",
            Errno::Eisdir => "Is a directory",
            Errno::Eexist => "File exists",
            Errno::Enotempty => "Directory not empty",
            Errno::Eacces => "Permission denied",
            Errno::Eloop => "Too many levels of symbolic links",
            Errno::Enametoolong => "File name too long",
            Errno::Efbig => "File too large",
            Errno::Enospc => "No space left on device",
            Errno::Einval => "Invalid argument",
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Errno {}
