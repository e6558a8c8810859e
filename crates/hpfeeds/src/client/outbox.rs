//! The send queue: encoded PUBLISH frames from `publish` to the writer, in memory or in the [`Spool`], with the
//! same read / ack / rewind cursors either way so the delivery logic does not care which.
//!
//! Sequence numbers (per process, counting from the records found at start) let `flush` wait for "everything
//! published before this call has been written", however reconnects interleave.

use std::collections::VecDeque;

use bytes::Bytes;

use super::error::ClientError;
use super::spool::{Spool, SpoolError};

/// Where the records live.
#[derive(Debug)]
enum Store {
    /// Bounded by the caller (a semaphore of `queue_len` permits); lost if the process exits.
    Memory {
        queue: VecDeque<Bytes>,
        /// How many of `queue` are handed out (oldest first).
        read: usize,
    },
    /// On disk.
    Disk(Spool),
    /// After the client stopped: the spool is closed so its lock is released.
    Gone,
}

/// The queue plus the sequence bookkeeping shared by `publish`, the writer and `flush`.
#[derive(Debug)]
pub(crate) struct Outbox {
    store: Store,
    /// Sequence number the next appended record gets.
    next_seq: u64,
    /// Records acknowledged so far: sequence numbers below this are done.
    ack_seq: u64,
    /// Highest sequence number (exclusive) ever written to a socket.
    pub written_seq: u64,
}

impl Outbox {
    /// An in-memory queue.
    pub fn memory() -> Self {
        Outbox {
            store: Store::Memory {
                queue: VecDeque::new(),
                read: 0,
            },
            next_seq: 0,
            ack_seq: 0,
            written_seq: 0,
        }
    }

    /// A queue backed by an opened spool; what it already holds comes first.
    pub fn disk(spool: Spool) -> Self {
        Outbox {
            next_seq: spool.pending_records(),
            store: Store::Disk(spool),
            ack_seq: 0,
            written_seq: 0,
        }
    }

    /// Appends an encoded frame.
    pub fn push(&mut self, frame: Bytes) -> Result<(), ClientError> {
        match &mut self.store {
            Store::Memory { queue, .. } => queue.push_back(frame),
            Store::Disk(spool) => spool.append(&frame)?,
            Store::Gone => return Err(ClientError::Closed),
        }
        self.next_seq += 1;
        Ok(())
    }

    /// Hands out the next unread frames, up to about `max_bytes`.
    pub fn read(&mut self, max_bytes: usize) -> Result<Vec<Bytes>, ClientError> {
        match &mut self.store {
            Store::Memory { queue, read } => {
                let mut out = Vec::new();
                let mut total = 0;
                for f in queue.iter().skip(*read) {
                    if !out.is_empty() && total + f.len() > max_bytes {
                        break;
                    }
                    total += f.len();
                    out.push(f.clone());
                }
                *read += out.len();
                Ok(out)
            }
            Store::Disk(spool) => match spool.read(max_bytes) {
                Ok(v) => Ok(v),
                Err(e @ SpoolError::Corrupt { .. }) => {
                    // The spool rescanned itself; re-base the sequence numbers on what survived.
                    self.next_seq = self.ack_seq + spool.pending_records();
                    Err(e.into())
                }
                Err(e) => Err(e.into()),
            },
            Store::Gone => Ok(Vec::new()),
        }
    }

    /// Retires the `n` oldest handed-out frames.
    pub fn ack(&mut self, n: usize) -> Result<(), ClientError> {
        let n = n.min(self.inflight());
        match &mut self.store {
            Store::Memory { queue, read } => {
                queue.drain(..n);
                *read -= n;
            }
            Store::Disk(spool) => spool.ack(n)?,
            Store::Gone => return Ok(()),
        }
        self.ack_seq += n as u64;
        Ok(())
    }

    /// Makes handed-out frames unread again; returns how many (they will be written a second time).
    pub fn rewind(&mut self) -> usize {
        let n = self.inflight();
        match &mut self.store {
            Store::Memory { read, .. } => *read = 0,
            Store::Disk(spool) => spool.rewind(),
            Store::Gone => {}
        }
        n
    }

    /// Frames handed out and not acknowledged.
    pub fn inflight(&self) -> usize {
        match &self.store {
            Store::Memory { read, .. } => *read,
            Store::Disk(spool) => spool.inflight(),
            Store::Gone => 0,
        }
    }

    /// Frames not acknowledged (handed out or not).
    pub fn pending(&self) -> u64 {
        match &self.store {
            Store::Memory { queue, .. } => queue.len() as u64,
            Store::Disk(spool) => spool.pending_records(),
            Store::Gone => 0,
        }
    }

    /// Bytes the pending frames take on disk (0 in memory).
    pub fn pending_bytes(&self) -> u64 {
        match &self.store {
            Store::Disk(spool) => spool.pending_bytes(),
            _ => 0,
        }
    }

    /// Frames not yet handed out.
    pub fn unread(&self) -> u64 {
        self.pending() - self.inflight() as u64
    }

    /// Sequence number of the next frame `read` would hand out.
    pub fn read_seq(&self) -> u64 {
        self.ack_seq + self.inflight() as u64
    }

    /// Sequence number the next pushed frame will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Whether frames survive a process exit.
    pub fn is_durable(&self) -> bool {
        matches!(self.store, Store::Disk(_))
    }

    /// Closes the spool (releasing its lock) or discards the memory queue; returns how many frames were pending.
    pub fn close(&mut self) -> u64 {
        let pending = self.pending();
        self.store = Store::Gone;
        pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    #[test]
    fn memory_queue_reads_acks_rewinds_and_counts_sequences() {
        let mut o = Outbox::memory();
        for s in ["a", "b", "c"] {
            o.push(b(s)).unwrap();
        }
        assert_eq!(o.read(1).unwrap(), vec![b("a")]);
        assert_eq!(o.read(10).unwrap(), vec![b("b"), b("c")]);
        assert_eq!(o.read_seq(), 3);
        o.ack(1).unwrap();
        assert_eq!(o.rewind(), 2);
        assert_eq!((o.pending(), o.unread(), o.read_seq(), o.next_seq()), (2, 2, 1, 3));
        assert_eq!(o.read(10).unwrap(), vec![b("b"), b("c")]);
        o.ack(5).unwrap();
        assert_eq!((o.pending(), o.read_seq()), (0, 3));
        assert_eq!(o.close(), 0);
        assert!(matches!(o.push(b("d")), Err(ClientError::Closed)));
    }
}
