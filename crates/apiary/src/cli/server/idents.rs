//! The broker's idents, kept in the server's store: `apiary ident add --config server.toml` writes them and the
//! broker looks each one up when a client authenticates, so an edit applies to the next connection.

use std::sync::Arc;

use hpfeeds::broker::{Ident, IdentStore, LookupFuture, StoreError};

/// An [`IdentStore`] over the server's database.
pub struct StoreIdents(pub store::Store);

impl IdentStore for StoreIdents {
    fn lookup<'a>(&'a self, name: &'a str) -> LookupFuture<'a> {
        Box::pin(async move {
            let row = self
                .0
                .get_ident(name)
                .await
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            Ok(row.map(|r| Arc::new(to_ident(r))))
        })
    }
}

/// The store's row as the broker's record.
pub fn to_ident(r: store::IdentRow) -> Ident {
    Ident {
        name: r.name,
        owner: r.owner,
        secret: r.secret,
        pubchans: r.publish,
        subchans: r.subscribe,
    }
}

/// The broker's record as the store's row.
pub fn to_row(i: &Ident) -> store::IdentRow {
    store::IdentRow {
        name: i.name.clone(),
        owner: i.owner.clone(),
        secret: i.secret.clone(),
        publish: i.pubchans.clone(),
        subscribe: i.subchans.clone(),
    }
}
