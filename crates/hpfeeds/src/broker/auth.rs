//! Who may connect: the [`Ident`] record, the [`IdentStore`] trait the broker asks, and the AUTH digest check.
//!
//! The broker only ever looks idents up, once per connection, so a store can be a JSON file
//! ([`crate::broker::FileStore`]), a fixed map ([`MemoryStore`]) or, later, the server's database.
//! A connection keeps the record it authenticated with, as the reference does: edits apply to new connections.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use prometheus_client::registry::Registry;

use crate::wire;

/// One credential and its channel permissions, as in the reference's `idents.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The ident (user) name a client sends in AUTH.
    pub name: String,
    /// Who the ident belongs to; informational only.
    pub owner: String,
    /// The shared secret hashed with the broker's nonce.
    pub secret: String,
    /// Channels this ident may publish to (exact names).
    pub pubchans: Vec<String>,
    /// Channels this ident may subscribe to (exact names).
    pub subchans: Vec<String>,
}

impl Ident {
    /// True if `digest` is `SHA1(nonce ‖ secret)`; compares in constant time so timing reveals nothing.
    pub fn verify(&self, nonce: &[u8], digest: &[u8]) -> bool {
        let want = wire::auth_digest(nonce, self.secret.as_bytes());
        if digest.len() != want.len() {
            return false;
        }
        want.iter().zip(digest).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// Why a store could not answer; the connection is refused as for a wrong secret, and the cause is logged.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backing store (a database, say) failed.
    #[error("ident store unavailable: {0}")]
    Unavailable(String),
}

/// What [`IdentStore::lookup`] returns: boxed so the trait stays object-safe for `Arc<dyn IdentStore>`.
pub type LookupFuture<'a> = Pin<Box<dyn Future<Output = Result<Option<Arc<Ident>>, StoreError>> + Send + 'a>>;

/// Where the broker finds idents. Implement it to keep credentials somewhere other than a JSON file.
pub trait IdentStore: Send + Sync + 'static {
    /// Finds an ident by name; `Ok(None)` if there is none. Called once per connection attempt.
    fn lookup<'a>(&'a self, name: &'a str) -> LookupFuture<'a>;

    /// Adds the store's own metrics (reload counts, say) to the broker's registry; nothing by default.
    fn register_metrics(&self, _registry: &mut Registry) {}
}

/// A fixed set of idents in memory, for tests and for embedding the broker with programmatic credentials.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    idents: HashMap<String, Arc<Ident>>,
}

impl MemoryStore {
    /// Builds a store from idents; a later ident with the same name replaces an earlier one.
    pub fn new(idents: impl IntoIterator<Item = Ident>) -> Self {
        MemoryStore {
            idents: idents.into_iter().map(|i| (i.name.clone(), Arc::new(i))).collect(),
        }
    }
}

impl IdentStore for MemoryStore {
    fn lookup<'a>(&'a self, name: &'a str) -> LookupFuture<'a> {
        let found = self.idents.get(name).cloned();
        Box::pin(async move { Ok(found) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident() -> Ident {
        Ident {
            name: "bob".into(),
            owner: "o".into(),
            secret: "secret".into(),
            pubchans: vec![],
            subchans: vec![],
        }
    }

    #[test]
    fn verify_accepts_only_the_right_digest() {
        let i = ident();
        let good = wire::auth_digest(b"abcd", b"secret");
        assert!(i.verify(b"abcd", &good));
        assert!(!i.verify(b"abce", &good));
        assert!(!i.verify(b"abcd", &good[..19]));
        assert!(!i.verify(b"abcd", b""));
    }

    #[tokio::test]
    async fn memory_store_finds_by_name() {
        let s = MemoryStore::new([ident()]);
        assert_eq!(s.lookup("bob").await.unwrap().unwrap().owner, "o");
        assert!(s.lookup("alice").await.unwrap().is_none());
    }
}
