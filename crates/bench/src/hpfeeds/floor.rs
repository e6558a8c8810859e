//! The machine's latency floor: the least a relay can do between two loopback sockets.
//!
//! One blocking thread per connection, no auth check, no ACL, no queue: a PUBLISH is written straight to each
//! subscriber's socket from the publisher's thread. Its p99 in the latency scenario is what this machine's
//! scheduler and loopback allow at all, so a broker's tail is judged against it in the same run.
//! Bench-only: it trusts its input (the bench's own load generator) and is never a broker.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use ::hpfeeds::wire::{self, Frame, DEFAULT_MAX_FRAME};
use anyhow::{Context, Result};
use bytes::{Bytes, BytesMut};

/// Subscribers by channel, each with a cloned socket handle to write into.
type Subscribers = Arc<Mutex<Vec<(Bytes, TcpStream)>>>;

/// Serves the floor relay on `listen` until the process is killed.
pub fn serve(listen: SocketAddr) -> Result<()> {
    let listener = TcpListener::bind(listen).with_context(|| format!("binding the floor relay to {listen}"))?;
    let subs: Subscribers = Arc::default();
    for stream in listener.incoming() {
        let stream = stream.context("accepting")?;
        let subs = subs.clone();
        std::thread::spawn(move || {
            let _ = connection(stream, &subs);
        });
    }
    Ok(())
}

/// Greets, then relays frames until the peer leaves.
fn connection(mut s: TcpStream, subs: &Subscribers) -> Result<()> {
    s.set_nodelay(true)?;
    let info = Frame::Info {
        name: Bytes::from_static(b"floor"),
        nonce: Bytes::from_static(&[0, 0, 0, 0]),
    };
    s.write_all(&info.to_bytes()?)?;
    let mut buf = BytesMut::with_capacity(64 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        while let Some(len) = wire::check(&buf, DEFAULT_MAX_FRAME)? {
            let raw = buf.split_to(len).freeze();
            match wire::decode(raw.clone())? {
                Frame::Publish { channel, .. } => {
                    let mut subs = subs.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
                    for (_, w) in subs.iter_mut().filter(|(ch, _)| *ch == channel) {
                        // A subscriber gone away is the bench's own error, reported by its counts.
                        let _ = w.write_all(&raw);
                    }
                }
                Frame::Subscribe { channel, .. } => {
                    let w = s.try_clone()?;
                    subs.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.push((channel, w));
                }
                _ => {}
            }
        }
    }
}
