//! The immutable base tree every session starts from, shared through an `Arc`, and the builder that makes it.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::error::Errno;
use super::node::{Content, Meta, Node, Payload};
use super::path;

/// Index of a node in the base arena; `u32` keeps a 100k-node tree compact.
pub(crate) type BaseId = u32;

/// The root directory's index.
pub(crate) const BASE_ROOT: BaseId = 0;

/// One arena slot: the node plus the links that place it in the tree.
#[derive(Debug)]
struct Slot {
    node: Node,
    parent: BaseId,
    name: Box<str>,
    /// Sorted entries, so listings need no sort; empty for non-directories.
    children: BTreeMap<Box<str>, BaseId>,
}

/// A pristine machine's filesystem; never mutated after [`BaseBuilder::build`], so sessions share it freely.
#[derive(Debug)]
pub struct Base {
    slots: Vec<Slot>,
}

impl Base {
    /// Number of nodes, for sizing and tests.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Always false: a base has at least its root; present because clippy pairs it with `len`.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub(crate) fn node(&self, id: BaseId) -> &Node {
        &self.slots[id as usize].node
    }

    pub(crate) fn child(&self, id: BaseId, name: &str) -> Option<BaseId> {
        self.slots[id as usize].children.get(name).copied()
    }

    /// The parent and the name under it; `None` for the root.
    pub(crate) fn parent(&self, id: BaseId) -> Option<(BaseId, &str)> {
        let slot = &self.slots[id as usize];
        (id != BASE_ROOT).then_some((slot.parent, &*slot.name))
    }

    pub(crate) fn children(&self, id: BaseId) -> impl Iterator<Item = (&str, BaseId)> {
        self.slots[id as usize].children.iter().map(|(n, c)| (&**n, *c))
    }

    pub(crate) fn has_children(&self, id: BaseId) -> bool {
        !self.slots[id as usize].children.is_empty()
    }
}

/// Builds a base tree from code; a later step feeds it a Debian 12 tree generated from the persona.
#[derive(Debug)]
pub struct BaseBuilder {
    slots: Vec<Slot>,
}

impl Default for BaseBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl BaseBuilder {
    /// A tree holding only `/` (0755, root:root).
    pub fn new() -> BaseBuilder {
        let root = Slot {
            node: Node::dir(Meta::root(0o755)),
            parent: BASE_ROOT,
            name: "".into(),
            children: BTreeMap::new(),
        };
        BaseBuilder { slots: vec![root] }
    }

    /// Places `node` at absolute `path`, creating missing parents as root-owned 0755 directories (`mkdir -p`).
    ///
    /// Inserting a directory where one exists replaces its metadata and keeps its entries, so parents may be
    /// given their real modes after their children; any other clash is `EEXIST`.
    pub fn insert(&mut self, path: &str, node: Node) -> Result<&mut Self, Errno> {
        path::check(path)?;
        if !path.starts_with('/') {
            return Err(Errno::Einval);
        }
        let names = path::components(path);
        let mut cur = BASE_ROOT;
        for (i, name) in names.iter().enumerate() {
            if matches!(*name, "." | "..") {
                return Err(Errno::Einval);
            }
            if !matches!(self.slots[cur as usize].node.payload, Payload::Dir) {
                return Err(Errno::Enotdir);
            }
            let last = i + 1 == names.len();
            cur = match self.slots[cur as usize].children.get(*name) {
                Some(&id) if last => {
                    let slot = &mut self.slots[id as usize];
                    let both_dirs = matches!(slot.node.payload, Payload::Dir) && matches!(node.payload, Payload::Dir);
                    if !both_dirs {
                        return Err(Errno::Eexist);
                    }
                    slot.node = node;
                    return Ok(self);
                }
                Some(&id) => id,
                None => {
                    let fresh = if last {
                        node.clone()
                    } else {
                        Node::dir(Meta::root(0o755))
                    };
                    self.push(cur, name, fresh)
                }
            };
        }
        if names.is_empty() {
            if !matches!(node.payload, Payload::Dir) {
                return Err(Errno::Eexist);
            }
            self.slots[BASE_ROOT as usize].node = node;
        }
        Ok(self)
    }

    /// Shorthand for a root-owned directory.
    pub fn dir(&mut self, path: &str, mode: u32) -> Result<&mut Self, Errno> {
        self.insert(path, Node::dir(Meta::root(mode)))
    }

    /// Shorthand for a root-owned file with known bytes.
    pub fn file(&mut self, path: &str, mode: u32, bytes: &[u8]) -> Result<&mut Self, Errno> {
        self.insert(path, Node::file(Meta::root(mode), Content::inline(bytes)))
    }

    /// Shorthand for a root-owned symlink (mode 0777 as Linux shows it).
    pub fn symlink(&mut self, path: &str, target: &str) -> Result<&mut Self, Errno> {
        self.insert(path, Node::symlink(Meta::root(0o777), target))
    }

    fn push(&mut self, parent: BaseId, name: &str, node: Node) -> BaseId {
        let id = BaseId::try_from(self.slots.len()).expect("base tree exceeds u32::MAX nodes");
        self.slots.push(Slot {
            node,
            parent,
            name: name.into(),
            children: BTreeMap::new(),
        });
        self.slots[parent as usize].children.insert(name.into(), id);
        id
    }

    /// Freezes the tree for sharing between sessions.
    pub fn build(self) -> Arc<Base> {
        Arc::new(Base { slots: self.slots })
    }
}

/// A minimal Debian-like tree for tests: the directories every command expects, `/etc/passwd`,
/// `/etc/hostname`, sticky `/tmp` and `/var/tmp`, and `/dev/null`, `/dev/zero`, `/dev/urandom`.
pub fn debian_skeleton() -> Arc<Base> {
    let mut b = BaseBuilder::new();
    let build = |b: &mut BaseBuilder| -> Result<(), Errno> {
        for dir in ["/bin", "/etc", "/home", "/proc", "/usr/bin", "/var", "/dev"] {
            b.dir(dir, 0o755)?;
        }
        b.dir("/root", 0o700)?
            .dir("/tmp", 0o1777)?
            .dir("/var/tmp", 0o1777)?
            .dir("/proc", 0o555)?;
        b.file("/etc/hostname", 0o644, b"debian\n")?;
        b.file(
            "/etc/passwd",
            0o644,
            b"root:x:0:0:root:/root:/bin/bash\n\
              daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
              nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        )?;
        b.insert("/bin/sh", Node::file(Meta::root(0o755), Content::SizeOnly(125_560)))?;
        b.insert("/usr/bin/ls", Node::file(Meta::root(0o755), Content::SizeOnly(151_344)))?;
        b.insert("/dev/null", Node::char_device(Meta::root(0o666), 1, 3))?;
        b.insert("/dev/zero", Node::char_device(Meta::root(0o666), 1, 5))?;
        b.insert("/dev/urandom", Node::char_device(Meta::root(0o666), 1, 9))?;
        Ok(())
    };
    build(&mut b).expect("the skeleton is well formed");
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_table() {
        let file = || Node::file(Meta::root(0o644), Content::SizeOnly(1));
        let cases: &[(&str, Result<(), Errno>)] = &[
            ("/a/b/c", Ok(())),
            ("/a/b/c", Err(Errno::Eexist)),
            ("/a/b/c/d", Err(Errno::Enotdir)),
            ("relative", Err(Errno::Einval)),
            ("/a/../x", Err(Errno::Einval)),
            ("/", Err(Errno::Eexist)),
            ("", Err(Errno::Enoent)),
        ];
        let mut b = BaseBuilder::new();
        for (path, want) in cases {
            assert_eq!(b.insert(path, file()).map(|_| ()), *want, "{path}");
        }
        // Re-inserting a directory keeps its children.
        b.dir("/a", 0o700).unwrap();
        let base = b.build();
        let a = base.child(BASE_ROOT, "a").unwrap();
        assert_eq!(base.node(a).meta.mode, 0o700);
        assert!(base.child(a, "b").is_some());
        assert_eq!(base.len(), 4);
    }

    #[test]
    fn skeleton_has_the_basics() {
        let base = debian_skeleton();
        let tmp = base.child(BASE_ROOT, "tmp").unwrap();
        assert_eq!(base.node(tmp).meta.mode, 0o1777);
        let dev = base.child(BASE_ROOT, "dev").unwrap();
        let null = base.child(dev, "null").unwrap();
        assert_eq!(base.parent(null), Some((dev, "null")));
        assert!(!base.is_empty());
    }
}
