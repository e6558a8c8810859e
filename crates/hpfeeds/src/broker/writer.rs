//! A connection's writer task: drains its queue into one buffer and writes it in big chunks.
//!
//! Whatever is queued when the writer wakes goes out in one write (up to [`WRITE_BATCH`] bytes), so a busy
//! subscriber costs one syscall per batch, not per message; a lone frame is written straight from its shared
//! `Bytes` without a copy. The writer flushes only when its queue is momentarily empty. Each batch must be
//! accepted by the socket within the subscriber deadline, or the subscriber is disconnected: that is how a
//! client that stops reading is cut loose even when nobody is publishing to it right now.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use prometheus_client::metrics::counter::Counter;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use super::queue::QueueRx;

/// Most bytes gathered into one write.
pub const WRITE_BATCH: usize = 64 * 1024;

/// A batch buffer larger than this is freed after use, so an idle connection does not keep a burst's buffer.
pub const KEEP_WRITE_BUF: usize = 8 * 1024;

/// Slots of an emptied batch kept for the next one; a burst's larger deque is freed so idle connections stay small.
pub const KEEP_BATCH_SLOTS: usize = 256;

/// How long a graceful close may spend on the final shutdown of the socket (TLS close_notify, FIN).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// How the writer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriterEnd {
    /// Asked to close, and everything queued before that was written.
    Closed,
    /// Killed (by a publisher that found the queue stuck, or by the connection ending hard).
    Killed,
    /// A batch was not accepted within the deadline; the writer killed the connection.
    Stuck,
    /// The socket failed.
    Io,
}

/// What the writer reports to the metrics.
pub(crate) struct WriterMetrics {
    /// Bytes written.
    pub bytes_sent: Counter,
    /// Subscribers disconnected for making no progress.
    pub evictions: Counter,
    /// Messages freed unsent when the subscriber was killed.
    pub dropped_evicted: Counter,
}

/// Writes `frames` to the socket until `close` (drain, then end) or `kill` (end now).
pub(crate) async fn run<W: AsyncWrite + Unpin>(
    mut w: W,
    mut frames: QueueRx,
    kill: CancellationToken,
    close: CancellationToken,
    deadline: Duration,
    metrics: WriterMetrics,
) -> WriterEnd {
    let mut buf = BytesMut::new();
    let mut batch: VecDeque<Bytes> = VecDeque::new();
    let mut closing = false;
    let end = loop {
        if batch.is_empty() {
            if batch.capacity() > KEEP_BATCH_SLOTS {
                batch = VecDeque::new();
            }
            if closing {
                if !frames.try_take(&mut batch) {
                    break WriterEnd::Closed;
                }
            } else {
                tokio::select! {
                    biased;
                    _ = kill.cancelled() => break WriterEnd::Killed,
                    _ = close.cancelled() => {
                        closing = true;
                        continue;
                    }
                    more = frames.take(&mut batch) => if !more {
                        break WriterEnd::Closed;
                    },
                }
            }
        }
        let mut permits = 0;
        let single = if batch.len() == 1 { batch.pop_front() } else { None };
        if let Some(s) = &single {
            permits = frames.cost(s);
        } else {
            while buf.len() < WRITE_BATCH {
                let Some(f) = batch.pop_front() else { break };
                permits += frames.cost(&f);
                buf.extend_from_slice(&f);
            }
        }
        let data: &[u8] = match &single {
            Some(s) => s,
            None => &buf,
        };
        let flush = batch.is_empty() && frames.len() == 0;
        let write = async {
            w.write_all(data).await?;
            if flush {
                w.flush().await?;
            }
            Ok::<_, std::io::Error>(())
        };
        let r = tokio::select! {
            biased;
            _ = kill.cancelled() => break WriterEnd::Killed,
            r = tokio::time::timeout(deadline, write) => r,
        };
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "Subscriber socket failed.");
                break WriterEnd::Io;
            }
            Err(_elapsed) => {
                metrics.evictions.inc();
                tracing::info!(
                    deadline_s = deadline.as_secs_f64(),
                    "Subscriber accepted no data within the deadline; disconnecting it."
                );
                break WriterEnd::Stuck;
            }
        }
        metrics.bytes_sent.inc_by(data.len() as u64);
        frames.release(permits);
        buf.clear();
        if buf.capacity() > KEEP_WRITE_BUF {
            buf = BytesMut::new();
        }
    };
    match end {
        WriterEnd::Closed => {
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, w.shutdown()).await;
        }
        WriterEnd::Killed | WriterEnd::Stuck | WriterEnd::Io => {
            kill.cancel();
            metrics.dropped_evicted.inc_by((frames.len() + batch.len()) as u64);
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::queue::queue;

    fn metrics() -> WriterMetrics {
        WriterMetrics {
            bytes_sent: Counter::default(),
            evictions: Counter::default(),
            dropped_evicted: Counter::default(),
        }
    }

    #[tokio::test]
    async fn close_drains_everything_queued_in_order() {
        let kill = CancellationToken::new();
        let close = CancellationToken::new();
        let (tx, rx) = queue(1 << 20, kill.clone());
        for i in 0..100u8 {
            assert_eq!(
                tx.send(Bytes::from(vec![i; 3]), Duration::from_secs(1)).await,
                super::super::queue::Sent::Queued
            );
        }
        close.cancel();
        let mut out = Vec::new();
        let m = metrics();
        let sent = m.bytes_sent.clone();
        let end = run(&mut out, rx, kill, close, Duration::from_secs(1), m).await;
        assert_eq!(end, WriterEnd::Closed);
        let want: Vec<u8> = (0..100u8).flat_map(|i| [i; 3]).collect();
        assert_eq!(out, want);
        assert_eq!(sent.get(), 300);
    }

    #[tokio::test(start_paused = true)]
    async fn socket_that_accepts_nothing_is_cut_at_the_deadline() {
        let kill = CancellationToken::new();
        let (tx, rx) = queue(1 << 20, kill.clone());
        // A duplex pipe whose far end never reads: 16 bytes of room.
        let (near, _far) = tokio::io::duplex(16);
        tx.send(Bytes::from(vec![0u8; 64]), Duration::from_secs(1)).await;
        let m = metrics();
        let evictions = m.evictions.clone();
        let end = run(
            near,
            rx,
            kill.clone(),
            CancellationToken::new(),
            Duration::from_secs(5),
            m,
        )
        .await;
        assert_eq!(end, WriterEnd::Stuck);
        assert!(kill.is_cancelled());
        assert_eq!(evictions.get(), 1);
    }
}
