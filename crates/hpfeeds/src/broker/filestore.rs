//! An [`IdentStore`] backed by an `idents.json` file that reloads itself when the file's content changes.
//!
//! The reference watches the file's folder with inotify and reloads on any event in it, so a busy sibling file
//! (a log, say) makes it reload in a loop. We poll instead: a cheap `stat` every interval, and only when
//! (inode, mtime, size) moved do we read and hash the file; only a new hash reloads. A file that fails
//! validation keeps the previous idents and is logged once per distinct bad content.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use sha1::{Digest, Sha1};
use tokio_util::sync::CancellationToken;

use super::auth::{IdentStore, LookupFuture};
use super::identfile::{self, IdentFileError, IdentMap};

/// How often the file is checked by default; a change is live within about this long.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// What identifies one version of the file cheaply: inode (an atomic rename changes it), mtime and size.
type Stat = (u64, i64, i64, u64);

/// Poll state: the last stat seen and the hash of the last content seen (good or bad).
#[derive(Default)]
struct Seen {
    stat: Option<Stat>,
    digest: [u8; 20],
}

/// What one [`FileStore::poll`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// Same content as before (or unreadable, already reported): nothing reloaded.
    Unchanged,
    /// New valid content: this many idents are now live.
    Reloaded(usize),
    /// New content that is not valid: the previous idents stay live.
    Invalid(String),
}

/// Idents from a JSON file, kept in memory and swapped whole on reload.
pub struct FileStore {
    path: PathBuf,
    /// The live idents. Readers clone the `Arc` and drop the lock at once; a reload swaps it.
    db: RwLock<Arc<IdentMap>>,
    seen: Mutex<Seen>,
    reloads: Counter,
    reload_errors: Counter,
}

fn stat(path: &Path) -> std::io::Result<Stat> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path)?;
    Ok((m.ino(), m.mtime(), m.mtime_nsec(), m.size()))
}

impl FileStore {
    /// Loads the file once; a missing or invalid file is an error here, so a typo never starts an empty broker.
    pub fn open(path: impl Into<PathBuf>) -> Result<Arc<FileStore>, IdentFileError> {
        let path = path.into();
        let st = stat(&path).map_err(|source| IdentFileError::Io {
            path: path.clone(),
            source,
        })?;
        let bytes = std::fs::read(&path).map_err(|source| IdentFileError::Io {
            path: path.clone(),
            source,
        })?;
        let db = identfile::parse(&bytes).map_err(|reason| IdentFileError::Invalid {
            path: path.clone(),
            reason,
        })?;
        tracing::info!(path = %path.display(), idents = db.len(), "Loaded idents.");
        Ok(Arc::new(FileStore {
            path,
            db: RwLock::new(Arc::new(db)),
            seen: Mutex::new(Seen {
                stat: Some(st),
                digest: Sha1::digest(&bytes).into(),
            }),
            reloads: Counter::default(),
            reload_errors: Counter::default(),
        }))
    }

    /// The file this store reads.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of idents currently live.
    pub fn len(&self) -> usize {
        self.db.read().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// True if no ident is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Successful reloads since open; tests use it to prove that unrelated changes reload nothing.
    pub fn reloads(&self) -> u64 {
        self.reloads.get()
    }

    /// Changed contents that failed validation since open.
    pub fn reload_errors(&self) -> u64 {
        self.reload_errors.get()
    }

    /// Checks the file once and reloads it if its content changed. Blocking file I/O on a small file.
    pub fn poll(&self) -> PollOutcome {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let st = match stat(&self.path) {
            Ok(st) => st,
            Err(e) => {
                if seen.stat.take().is_some() {
                    tracing::warn!(path = %self.path.display(), error = %e, "Cannot stat idents file; keeping the current idents.");
                }
                return PollOutcome::Unchanged;
            }
        };
        if seen.stat == Some(st) {
            return PollOutcome::Unchanged;
        }
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(path = %self.path.display(), error = %e, "Cannot read idents file; keeping the current idents.");
                return PollOutcome::Unchanged;
            }
        };
        seen.stat = Some(st);
        let digest: [u8; 20] = Sha1::digest(&bytes).into();
        if digest == seen.digest {
            return PollOutcome::Unchanged;
        }
        seen.digest = digest;
        match identfile::parse(&bytes) {
            Ok(db) => {
                let n = db.len();
                *self.db.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(db);
                self.reloads.inc();
                tracing::info!(path = %self.path.display(), idents = n, "Reloaded idents.");
                PollOutcome::Reloaded(n)
            }
            Err(reason) => {
                self.reload_errors.inc();
                tracing::error!(path = %self.path.display(), %reason, "Idents file is invalid; keeping the previous idents until it is fixed.");
                PollOutcome::Invalid(reason)
            }
        }
    }

    /// Polls every `interval` until `shutdown` fires, on the blocking pool so file I/O never stalls connections.
    pub fn watch(self: &Arc<Self>, interval: Duration, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tick.tick() => {}
                }
                let m = Arc::clone(&me);
                if tokio::task::spawn_blocking(move || m.poll()).await.is_err() {
                    tracing::error!("Idents poll panicked; reloading stops until restart.");
                    return;
                }
            }
        })
    }
}

impl IdentStore for FileStore {
    fn lookup<'a>(&'a self, name: &'a str) -> LookupFuture<'a> {
        let found = self
            .db
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned();
        Box::pin(async move { Ok(found) })
    }

    fn register_metrics(&self, registry: &mut Registry) {
        registry.register(
            "ident_reloads",
            "Idents file reloads after a content change",
            self.reloads.clone(),
        );
        registry.register(
            "ident_reload_errors",
            "Idents file changes rejected as invalid (previous idents kept)",
            self.reload_errors.clone(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{"a": {"owner": "o", "secret": "s", "pubchans": [], "subchans": []}}"#;
    const TWO: &str = r#"{"a": {"owner": "o", "secret": "s", "pubchans": [], "subchans": []},
                          "b": {"owner": "o", "secret": "t", "pubchans": [], "subchans": []}}"#;

    #[test]
    fn reloads_on_content_change_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("idents.json");
        std::fs::write(&path, ONE).unwrap();
        let store = FileStore::open(&path).unwrap();
        assert_eq!(store.poll(), PollOutcome::Unchanged);
        // Same bytes rewritten (new mtime, maybe new inode): no reload.
        identfile::write_atomic(&path, ONE.as_bytes()).unwrap();
        assert_eq!(store.poll(), PollOutcome::Unchanged);
        std::fs::write(dir.path().join("sibling.log"), "noise").unwrap();
        assert_eq!(store.poll(), PollOutcome::Unchanged);
        identfile::write_atomic(&path, TWO.as_bytes()).unwrap();
        assert_eq!(store.poll(), PollOutcome::Reloaded(2));
        assert_eq!((store.reloads(), store.len()), (1, 2));
    }

    #[test]
    fn invalid_change_keeps_previous_idents_and_is_reported_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("idents.json");
        std::fs::write(&path, TWO).unwrap();
        let store = FileStore::open(&path).unwrap();
        identfile::write_atomic(&path, b"{\"a\": []}").unwrap();
        assert!(matches!(store.poll(), PollOutcome::Invalid(_)));
        identfile::write_atomic(&path, b"{\"a\": []}").unwrap();
        assert_eq!(store.poll(), PollOutcome::Unchanged);
        assert_eq!((store.reload_errors(), store.len()), (1, 2));
        std::fs::remove_file(&path).unwrap();
        assert_eq!(store.poll(), PollOutcome::Unchanged);
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn open_refuses_missing_or_invalid_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("idents.json");
        assert!(matches!(FileStore::open(&path), Err(IdentFileError::Io { .. })));
        std::fs::write(&path, "[]").unwrap();
        assert!(matches!(FileStore::open(&path), Err(IdentFileError::Invalid { .. })));
    }
}
