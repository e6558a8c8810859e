//! The subscription table and the fan-out of one publish to every subscriber of its channel.
//!
//! The table maps a channel to an immutable snapshot (`Arc<[Arc<Subscriber>]>`). A publish takes the read lock
//! only long enough to clone that `Arc`, then offers the same `Bytes` (one refcount increment each) to every
//! queue: no allocation and no lock held while it waits. Subscribe and unsubscribe are rare, so they rebuild
//! the snapshot under the write lock. A subscriber is network connection or in-process receiver alike: both are
//! just a [`QueueTx`], which is how the collector will get the same no-drop backpressure as a socket.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use bytes::Bytes;

use super::queue::{QueueTx, Sent};

/// One subscriber: a connection or a local receiver, known by a broker-unique id.
#[derive(Debug)]
pub(crate) struct Subscriber {
    /// Unique per connection or local subscription; how unsubscribe finds the entry.
    pub id: u64,
    /// Where its frames go.
    pub queue: QueueTx,
    /// Never cut off: publishers wait for it however long it takes (the in-process collector, which must
    /// lose nothing; the sensors' spools absorb the wait).
    pub patient: bool,
}

/// How long a patient subscriber may keep publishers waiting: in effect forever, but a finite `Instant`.
const PATIENCE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

type Snapshot = Arc<[Arc<Subscriber>]>;

/// The snapshot minus subscriber `id`, or `None` when `id` is not in it (so nothing is rebuilt).
fn without(entry: &Snapshot, id: u64) -> Option<Snapshot> {
    entry
        .iter()
        .any(|s| s.id == id)
        .then(|| entry.iter().filter(|s| s.id != id).cloned().collect())
}

/// Channel → subscribers. Each subscriber appears at most once per channel (a connection keeps its set).
#[derive(Debug, Default)]
pub(crate) struct Table {
    map: RwLock<HashMap<Bytes, Snapshot>>,
    /// Subscribers of every channel (the in-process collector), offered each frame after the channel's own.
    all: RwLock<Option<Snapshot>>,
}

/// What one fan-out did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Delivery {
    /// Queues the frame went into.
    pub queued: u64,
    /// Subscribers that were already gone.
    pub gone: u64,
    /// Subscribers killed by this fan-out for making no progress within the deadline.
    pub stuck: u64,
}

impl Table {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Bytes, Snapshot>> {
        self.map.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<Bytes, Snapshot>> {
        self.map.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `sub` to `channel` unless it is already there.
    pub(crate) fn add(&self, channel: Bytes, sub: &Arc<Subscriber>) {
        let mut map = self.write();
        let entry = map.entry(channel).or_insert_with(|| Arc::from(Vec::new()));
        if entry.iter().any(|s| s.id == sub.id) {
            return;
        }
        let mut v = Vec::with_capacity(entry.len() + 1);
        v.extend(entry.iter().cloned());
        v.push(Arc::clone(sub));
        *entry = v.into();
    }

    /// Adds `sub` as a subscriber of every channel.
    pub(crate) fn add_all(&self, sub: &Arc<Subscriber>) {
        let mut all = self.all.write().unwrap_or_else(PoisonError::into_inner);
        let mut v: Vec<Arc<Subscriber>> = all.as_deref().unwrap_or_default().to_vec();
        if !v.iter().any(|s| s.id == sub.id) {
            v.push(Arc::clone(sub));
        }
        *all = Some(v.into());
    }

    /// Removes subscriber `id` from the every-channel list.
    pub(crate) fn remove_from_all(&self, id: u64) {
        let mut all = self.all.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(rest) = all.as_ref().and_then(|a| without(a, id)) {
            *all = (!rest.is_empty()).then_some(rest);
        }
    }

    /// Removes subscriber `id` from `channel`; drops the channel when it has no subscriber left.
    pub(crate) fn remove(&self, channel: &[u8], id: u64) {
        let mut map = self.write();
        Self::remove_locked(&mut map, channel, id);
    }

    fn remove_locked(map: &mut HashMap<Bytes, Snapshot>, channel: &[u8], id: u64) {
        let Some(entry) = map.get_mut(channel) else { return };
        if let Some(rest) = without(entry, id) {
            if rest.is_empty() {
                map.remove(channel);
            } else {
                *entry = rest;
            }
        }
    }

    /// Removes subscriber `id` from each of `channels` (a connection's set, on disconnect).
    pub(crate) fn remove_all<'a>(&self, channels: impl IntoIterator<Item = &'a Bytes>, id: u64) {
        let mut map = self.write();
        for c in channels {
            Self::remove_locked(&mut map, c, id);
        }
    }

    /// Removes subscriber `id` from every channel; used when a fan-out kills a subscriber it does not own.
    pub(crate) fn remove_everywhere(&self, id: u64) {
        let mut map = self.write();
        map.retain(|_, entry| {
            if let Some(rest) = without(entry, id) {
                *entry = rest;
            }
            !entry.is_empty()
        });
    }

    /// Subscribers of `channel` right now.
    pub(crate) fn count(&self, channel: &[u8]) -> usize {
        self.read().get(channel).map_or(0, |s| s.len())
    }

    /// (subscriptions, bytes queued over distinct subscribers, bytes in the fullest queue), for the metrics.
    pub(crate) fn stats(&self) -> (usize, usize, usize) {
        let map = self.read();
        let mut seen = std::collections::HashSet::new();
        let (mut subs, mut total, mut max) = (0, 0, 0);
        for entry in map.values() {
            subs += entry.len();
            for s in entry.iter() {
                if seen.insert(s.id) {
                    let q = s.queue.queued_bytes();
                    total += q;
                    max = max.max(q);
                }
            }
        }
        (subs, total, max)
    }

    /// Offers `frame` to every subscriber of `channel`, in subscription order, waiting (up to `deadline` per
    /// subscriber) where a queue is full. Subscribers found stuck are killed and removed from the table.
    pub(crate) async fn deliver(&self, channel: &[u8], frame: &Bytes, deadline: Duration) -> Delivery {
        let subs = self.read().get(channel).cloned();
        let all = self.all.read().unwrap_or_else(PoisonError::into_inner).clone();
        let mut d = Delivery::default();
        let every = subs.iter().chain(all.iter()).flat_map(|s| s.iter());
        for s in every {
            let deadline = if s.patient { PATIENCE } else { deadline };
            match s.queue.send(frame.clone(), deadline).await {
                Sent::Queued => d.queued += 1,
                Sent::Gone => d.gone += 1,
                Sent::Stuck => {
                    d.stuck += 1;
                    self.remove_everywhere(s.id);
                }
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::queue::queue;
    use tokio_util::sync::CancellationToken;

    fn sub(id: u64) -> (Arc<Subscriber>, crate::broker::queue::QueueRx) {
        let (queue, rx) = queue(1024, CancellationToken::new());
        (
            Arc::new(Subscriber {
                id,
                queue,
                patient: false,
            }),
            rx,
        )
    }

    #[tokio::test]
    async fn add_is_idempotent_and_remove_cleans_up() {
        let t = Table::default();
        let (a, mut ra) = sub(1);
        let (b, _rb) = sub(2);
        t.add(Bytes::from_static(b"c"), &a);
        t.add(Bytes::from_static(b"c"), &a);
        t.add(Bytes::from_static(b"c"), &b);
        assert_eq!(t.count(b"c"), 2);
        let d = t
            .deliver(b"c", &Bytes::from_static(b"frame"), Duration::from_secs(1))
            .await;
        assert_eq!(d.queued, 2);
        let mut got = std::collections::VecDeque::new();
        assert!(ra.try_take(&mut got));
        assert_eq!(
            Vec::from(got),
            [Bytes::from_static(b"frame")],
            "subscribed twice must still deliver once"
        );
        t.remove(b"c", 1);
        assert_eq!(t.count(b"c"), 1);
        t.remove_everywhere(2);
        assert_eq!(t.count(b"c"), 0);
        assert_eq!(t.stats().0, 0);
    }
}
