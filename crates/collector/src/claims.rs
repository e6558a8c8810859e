//! Which hpfeeds ident speaks for which sensor, so the credentials of one (possibly compromised) honeypot cannot
//! write events, sessions, recordings or heartbeats into another sensor's records.
//!
//! A sensor name belongs to the first ident that publishes for it (the store's `sensors.ident`, read back at
//! start), except that a name equal to an ident's name is always that ident's. When another ident publishes for
//! it, the collector stores its events under `sensor@ident` instead: nothing is lost, and the sensor's own data
//! stays its own. An ident removed with `apiary ident remove` releases its sensors to the next ident that
//! publishes for them (checked against the store at most once per [`RECHECK`] per owner).
//!
//! Memory is bounded: past [`MAX_CLAIMS`] names, a new name is stored under the publishing ident's own name.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use store::{Store, StoreError};

/// Most sensor names remembered (a flood of invented names from one ident cannot grow this map without bound).
pub const MAX_CLAIMS: usize = 65_536;
/// How long the answer "this ident still exists" is trusted before the store is asked again.
pub const RECHECK: Duration = Duration::from_secs(60);

/// Sensor names and the idents that own them.
#[derive(Debug)]
pub struct Claims {
    /// Sensor name → owning ident.
    owners: HashMap<String, String>,
    /// Ident → whether the store held it, and when that was asked.
    idents: HashMap<String, (bool, Instant)>,
    /// Most names held ([`MAX_CLAIMS`]).
    max: usize,
    /// How long an ident lookup is trusted ([`RECHECK`]).
    recheck: Duration,
    /// Whether the "too many sensor names" warning was logged.
    warned_full: bool,
}

impl Claims {
    /// The owners the store knows (each sensor row's last ident).
    pub async fn load(store: &Store) -> Result<Claims, StoreError> {
        Claims::load_with(store, MAX_CLAIMS, RECHECK).await
    }

    /// [`Claims::load`] with other limits (tests).
    async fn load_with(store: &Store, max: usize, recheck: Duration) -> Result<Claims, StoreError> {
        let mut c = Claims {
            owners: HashMap::new(),
            idents: HashMap::new(),
            max,
            recheck,
            warned_full: false,
        };
        for s in store.sensors().await? {
            if let Some(ident) = s.ident.filter(|i| !i.is_empty()) {
                if c.owners.len() < max {
                    c.owners.insert(s.id, ident);
                }
            }
        }
        Ok(c)
    }

    /// The sensor name under which `ident`'s record naming `sensor` is stored (see the module doc): `None` when
    /// that is `sensor` itself.
    async fn sensor_for(&mut self, store: &Store, sensor: &str, ident: &str) -> Option<String> {
        if self.may_use(store, sensor, ident).await {
            return None;
        }
        let own = format!("{sensor}@{ident}");
        let first = !self.owners.contains_key(&own);
        if self.may_use(store, &own, ident).await {
            if first {
                // Once per (sensor, ident): a misconfigured pair of honeypots, or a leaked secret.
                tracing::warn!(
                    sensor,
                    owner = self.owners.get(sensor).map_or("(an ident of that name)", String::as_str),
                    ident,
                    stored_as = %own,
                    "an ident published for a sensor another ident owns; its records are kept under a name of its own"
                );
            }
            return Some(own);
        }
        Some(ident.to_owned())
    }

    /// Renames `sensor` in place when `ident` may not use it.
    pub async fn apply(&mut self, store: &Store, sensor: &mut String, ident: &str) {
        if let Some(s) = self.sensor_for(store, sensor, ident).await {
            *sensor = s;
        }
    }

    /// Whether `ident` owns `name`, claiming it when it is free (or its owner is gone).
    async fn may_use(&mut self, store: &Store, name: &str, ident: &str) -> bool {
        if name == ident {
            return true;
        }
        match self.owners.get(name) {
            Some(owner) if owner == ident => true,
            Some(owner) => {
                let owner = owner.clone();
                if self.ident_exists(store, &owner).await {
                    return false;
                }
                tracing::info!(sensor = name, from = %owner, to = ident, "sensor's ident was removed; it now belongs to the ident publishing for it");
                self.owners.insert(name.to_owned(), ident.to_owned());
                true
            }
            None => {
                // Another ident's own name is reserved for it, even before it first publishes.
                if self.ident_exists(store, name).await {
                    return false;
                }
                if self.owners.len() >= self.max {
                    if !self.warned_full {
                        self.warned_full = true;
                        tracing::warn!(
                            limit = self.max,
                            ident,
                            "too many sensor names; events naming a new one are stored under their ident's name"
                        );
                    }
                    return false;
                }
                self.owners.insert(name.to_owned(), ident.to_owned());
                true
            }
        }
    }

    /// Whether the store holds ident `name`, asked at most once per [`RECHECK`]; a store error counts as "yes"
    /// (keep the claim: a database restart must not hand a sensor to another ident).
    async fn ident_exists(&mut self, store: &Store, name: &str) -> bool {
        if let Some((exists, at)) = self.idents.get(name) {
            if at.elapsed() < self.recheck {
                return *exists;
            }
        }
        let exists = match store.get_ident(name).await {
            Ok(row) => row.is_some(),
            Err(e) => {
                tracing::warn!(error = %e, ident = name, "cannot look the ident up; its sensors stay its own");
                true
            }
        };
        if self.idents.len() >= self.max {
            self.idents.clear();
        }
        self.idents.insert(name.to_owned(), (exists, Instant::now()));
        exists
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use store::{IdentRow, Store};

    use super::{Claims, RECHECK};

    /// A SQLite store holding the idents `names`.
    async fn store_with(names: &[&str]) -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("apiary.db").display());
        let s = Store::open(&url, dir.path()).await.unwrap();
        for name in names {
            let row = IdentRow {
                name: (*name).into(),
                owner: "test".into(),
                secret: "x".into(),
                publish: vec!["apiary.events".into()],
                subscribe: Vec::new(),
            };
            s.put_ident(&row).await.unwrap();
        }
        (s, dir)
    }

    /// Where `ident`'s record naming `sensor` goes.
    async fn under(c: &mut Claims, s: &Store, sensor: &str, ident: &str) -> String {
        let mut name = sensor.to_owned();
        c.apply(s, &mut name, ident).await;
        name
    }

    #[tokio::test]
    async fn the_first_ident_owns_a_sensor_and_another_one_gets_its_own_name() {
        let (s, _d) = store_with(&["a", "b"]).await;
        let mut c = Claims::load(&s).await.unwrap();
        assert_eq!(under(&mut c, &s, "dmz-01", "a").await, "dmz-01");
        assert_eq!(under(&mut c, &s, "dmz-01", "b").await, "dmz-01@b");
        assert_eq!(under(&mut c, &s, "dmz-01", "a").await, "dmz-01", "the owner keeps it");
        assert_eq!(
            under(&mut c, &s, "dmz-01", "b").await,
            "dmz-01@b",
            "the other keeps its own"
        );
        // `b` publishing literally for `dmz-01@b` lands in the same place; `a` may not use it.
        assert_eq!(under(&mut c, &s, "dmz-01@b", "b").await, "dmz-01@b");
        assert_eq!(under(&mut c, &s, "dmz-01@b", "a").await, "dmz-01@b@a");
    }

    #[tokio::test]
    async fn an_idents_own_name_is_reserved_for_it_before_it_publishes() {
        let (s, _d) = store_with(&["cowrie1", "evil"]).await;
        let mut c = Claims::load(&s).await.unwrap();
        assert_eq!(under(&mut c, &s, "cowrie1", "evil").await, "cowrie1@evil");
        assert_eq!(under(&mut c, &s, "cowrie1", "cowrie1").await, "cowrie1");
        // A payload with no sensor field is stored under its ident's name: always allowed.
        assert_eq!(under(&mut c, &s, "evil", "evil").await, "evil");
    }

    #[tokio::test]
    async fn owners_are_read_back_from_the_store_after_a_restart() {
        let (s, _d) = store_with(&["a", "b"]).await;
        let hb = store::NewHeartbeat {
            sensor: "dmz-01".into(),
            ident: "a".into(),
            version: "test".into(),
            address: None,
            listen: Vec::new(),
            started: None,
            received: chrono::Utc::now(),
        };
        s.put_heartbeat(&hb).await.unwrap();
        let mut c = Claims::load(&s).await.unwrap();
        assert_eq!(under(&mut c, &s, "dmz-01", "b").await, "dmz-01@b");
        assert_eq!(under(&mut c, &s, "dmz-01", "a").await, "dmz-01");
    }

    #[tokio::test]
    async fn a_removed_idents_sensors_go_to_the_next_ident_that_publishes() {
        let (s, _d) = store_with(&["old", "new"]).await;
        let mut c = Claims::load_with(&s, 100, Duration::ZERO).await.unwrap();
        assert_eq!(under(&mut c, &s, "dmz-01", "old").await, "dmz-01");
        assert_eq!(under(&mut c, &s, "dmz-01", "new").await, "dmz-01@new");
        assert!(s.remove_ident("old").await.unwrap());
        assert_eq!(under(&mut c, &s, "dmz-01", "new").await, "dmz-01");
        assert_eq!(under(&mut c, &s, "dmz-01", "old").await, "dmz-01@old");
    }

    #[tokio::test]
    async fn a_removal_is_noticed_only_after_the_recheck_interval() {
        let (s, _d) = store_with(&["old"]).await;
        let mut c = Claims::load_with(&s, 100, RECHECK).await.unwrap();
        assert_eq!(under(&mut c, &s, "dmz-01", "old").await, "dmz-01");
        assert_eq!(under(&mut c, &s, "dmz-01", "new").await, "dmz-01@new");
        s.remove_ident("old").await.unwrap();
        // Within RECHECK the cached "old exists" stands: no store read per event.
        assert_eq!(under(&mut c, &s, "dmz-01", "new").await, "dmz-01@new");
    }

    #[tokio::test]
    async fn past_the_limit_new_names_go_under_the_ident() {
        let (s, _d) = store_with(&["a", "b"]).await;
        let mut c = Claims::load_with(&s, 3, RECHECK).await.unwrap();
        for k in 0..3 {
            let name = format!("s{k}");
            assert_eq!(under(&mut c, &s, &name, "a").await, name);
        }
        assert_eq!(under(&mut c, &s, "s3", "a").await, "a");
        assert_eq!(
            under(&mut c, &s, "s0", "a").await,
            "s0",
            "names already held still work"
        );
        assert_eq!(under(&mut c, &s, "s0", "b").await, "b", "and stay protected");
    }
}
