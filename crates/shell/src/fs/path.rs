//! Path syntax: length limits, splitting into components and into (parent, name); no tree access here.

use super::error::Errno;

/// Longest path accepted, in bytes; like Linux `PATH_MAX` it counts the terminating NUL, so 4095 bytes fit.
pub const MAX_PATH_LEN: usize = 4096;

/// Longest single name, in bytes (Linux `NAME_MAX`).
pub const MAX_NAME_LEN: usize = 255;

/// Symlinks followed during one lookup before giving up with `ELOOP` (Linux `MAXSYMLINKS`).
pub const MAX_SYMLINK_HOPS: u32 = 40;

/// Rejects paths a real kernel would reject before looking at the tree: empty, too long, or a name too long.
pub fn check(path: &str) -> Result<(), Errno> {
    if path.is_empty() {
        return Err(Errno::Enoent);
    }
    if path.len() >= MAX_PATH_LEN || path.split('/').any(|name| name.len() > MAX_NAME_LEN) {
        return Err(Errno::Enametoolong);
    }
    Ok(())
}

/// The components to walk; empty names are dropped and a trailing slash becomes a final `.`, which is what
/// makes `file/` fail with `ENOTDIR` and `link-to-dir/` follow the link.
pub(crate) fn components(path: &str) -> Vec<&str> {
    let mut out: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    if path.ends_with('/') && !out.is_empty() {
        out.push(".");
    }
    out
}

/// The last name of a path and the directory holding it, for operations that create or remove that name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Split<'a> {
    /// Path of the containing directory (`.` for a bare relative name).
    pub dir: &'a str,
    /// The final name, which may be `.` or `..`.
    pub name: &'a str,
    /// Whether the path ended in `/`, which promises a directory.
    pub trailing_slash: bool,
}

/// Splits `a/b/` into `a` and `b`; `None` for a path that is only slashes (the root has no name).
pub(crate) fn split(path: &str) -> Option<Split<'_>> {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return None;
    }
    let trailing_slash = trimmed.len() != path.len();
    let (dir, name) = match trimmed.rfind('/') {
        Some(i) => (
            if trimmed[..i].trim_end_matches('/').is_empty() {
                "/"
            } else {
                &trimmed[..i]
            },
            &trimmed[i + 1..],
        ),
        None => (".", trimmed),
    };
    Some(Split {
        dir,
        name,
        trailing_slash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_table() {
        let cases: &[(&str, &[&str])] = &[
            ("/", &[]),
            ("//", &[]),
            ("/a/../b", &["a", "..", "b"]),
            ("a//b/", &["a", "b", "."]),
            ("./a/.", &[".", "a", "."]),
            ("a", &["a"]),
        ];
        for (path, want) in cases {
            assert_eq!(components(path), *want, "{path}");
        }
    }

    #[test]
    fn split_table() {
        type Want<'a> = Option<(&'a str, &'a str, bool)>;
        let cases: &[(&str, Want)] = &[
            ("/", None),
            ("///", None),
            ("/a", Some(("/", "a", false))),
            ("//a", Some(("/", "a", false))),
            ("a", Some((".", "a", false))),
            ("a/b/", Some(("a", "b", true))),
            ("/x/y//", Some(("/x", "y", true))),
            ("../..", Some(("..", "..", false))),
        ];
        for (path, want) in cases {
            let got = split(path).map(|s| (s.dir, s.name, s.trailing_slash));
            assert_eq!(got, *want, "{path}");
        }
    }

    #[test]
    fn check_table() {
        let long_name = "n".repeat(MAX_NAME_LEN + 1);
        let ok_name = "n".repeat(MAX_NAME_LEN);
        let long_path = "/a".repeat(MAX_PATH_LEN / 2);
        let ok_path = format!("/{}", "a".repeat(MAX_PATH_LEN - 2));
        let cases: &[(&str, Result<(), Errno>)] = &[
            ("", Err(Errno::Enoent)),
            ("/", Ok(())),
            (&long_name, Err(Errno::Enametoolong)),
            (&ok_name, Ok(())),
            (&long_path, Err(Errno::Enametoolong)),
        ];
        for (path, want) in cases {
            assert_eq!(check(path), *want, "{}", path.len());
        }
        // 4095 bytes fit, but not as a single name.
        assert_eq!(ok_path.len(), MAX_PATH_LEN - 1);
        assert_eq!(check(&ok_path), Err(Errno::Enametoolong));
        let ok_path = "/aaaa".repeat((MAX_PATH_LEN - 1) / 5);
        assert_eq!(check(&ok_path), Ok(()));
    }
}
