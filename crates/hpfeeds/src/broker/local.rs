//! An in-process subscriber: the collector's way to receive broker messages without a socket.
//!
//! It is one more queue on the fan-out, so it gets the same guarantees as a network subscriber: nothing is
//! dropped while it keeps up, publishers wait while it is behind, and it is cut off if it stops reading for
//! longer than the subscriber deadline. Dropping it unsubscribes.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;

use super::hub::Shared;
use super::metrics::DropReason;
use super::queue::QueueRx;
use crate::wire::{self, Frame};

/// One message as a local subscriber sees it; the fields share the publisher's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The authenticated ident of the publisher.
    pub ident: Bytes,
    /// The channel it was published on.
    pub channel: Bytes,
    /// The payload, opaque bytes.
    pub payload: Bytes,
}

/// Receives the channels given to [`crate::broker::Broker::subscribe_local`] until dropped.
pub struct LocalSubscription {
    shared: Arc<Shared>,
    id: u64,
    rx: QueueRx,
    /// Frames taken from the queue, not yet returned by `recv`.
    pending: VecDeque<Bytes>,
    /// Cost of frames handed out since the last release; returned when `pending` runs dry.
    unreleased: usize,
    kill: CancellationToken,
    channels: Vec<Bytes>,
    /// Subscribed to every channel (see `Broker::subscribe_local_all`).
    all: bool,
}

impl std::fmt::Debug for LocalSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSubscription")
            .field("id", &self.id)
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}

impl LocalSubscription {
    pub(crate) fn new(
        shared: Arc<Shared>,
        id: u64,
        rx: QueueRx,
        kill: CancellationToken,
        channels: Vec<Bytes>,
        all: bool,
    ) -> Self {
        LocalSubscription {
            shared,
            id,
            rx,
            pending: VecDeque::new(),
            unreleased: 0,
            kill,
            channels,
            all,
        }
    }

    /// The next message, in publish order per publisher; `None` once cut off for not reading within the
    /// subscriber deadline (subscribe again to resume; what was queued then is counted as dropped).
    pub async fn recv(&mut self) -> Option<Message> {
        loop {
            if self.kill.is_cancelled() {
                return None;
            }
            let Some(frame) = self.pending.pop_front() else {
                self.rx.release(std::mem::take(&mut self.unreleased));
                tokio::select! {
                    biased;
                    _ = self.kill.cancelled() => return None,
                    more = self.rx.take(&mut self.pending) => if !more {
                        return None;
                    },
                }
                continue;
            };
            self.unreleased += self.rx.cost(&frame);
            if let Ok(Frame::Publish {
                ident,
                channel,
                payload,
            }) = wire::decode(frame)
            {
                return Some(Message {
                    ident,
                    channel,
                    payload,
                });
            }
        }
    }

    /// True once the broker cut this subscriber off for making no progress.
    pub fn is_cut_off(&self) -> bool {
        self.kill.is_cancelled()
    }
}

impl Drop for LocalSubscription {
    fn drop(&mut self) {
        self.shared.table.remove_all(&self.channels, self.id);
        if self.all {
            self.shared.table.remove_from_all(self.id);
        }
        if self.kill.is_cancelled() {
            self.shared
                .metrics
                .dropped(DropReason::SubscriberEvicted, self.rx.len() as u64);
        }
    }
}
