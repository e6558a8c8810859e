//! Reads whole frames off a connection, as raw `Bytes`, so a PUBLISH can be forwarded verbatim.
//!
//! `tokio_util`'s `FramedRead` would hand us the decoded [`crate::Frame`], but the broker needs the frame's own
//! bytes to fan out without re-encoding, and it wants the read buffer small while a connection is idle and big
//! while it streams. So the buffer starts empty, reads [`INITIAL_READ`] bytes at a time, and doubles the read
//! size (up to [`MAX_READ`]) each time a read fills it. [`wire::check`] validates every header before anything
//! is reserved for its body.

use bytes::{Bytes, BytesMut};
use prometheus_client::metrics::counter::Counter;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::wire::{self, WireError, HEADER_LEN};

/// First read size: an AUTH frame (at most 281 bytes) and a few SUBSCRIBEs fit, so idle connections stay small.
pub const INITIAL_READ: usize = 512;

/// Largest read size a busy connection grows to; one read then carries hundreds of small frames.
pub const MAX_READ: usize = 64 * 1024;

/// Why no frame could be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    /// The socket failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The peer sent a bad header.
    #[error("protocol: {0}")]
    Wire(#[from] WireError),
}

/// A read half plus its buffer.
pub(crate) struct FrameReader<R> {
    io: R,
    buf: BytesMut,
    read_size: usize,
    bytes_in: Counter,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// Wraps a read half; `bytes_in` counts every byte read.
    pub(crate) fn new(io: R, bytes_in: Counter) -> Self {
        FrameReader {
            io,
            buf: BytesMut::new(),
            read_size: INITIAL_READ,
            bytes_in,
        }
    }

    /// A whole frame already buffered, if any: no I/O, so callers can drain a read without awaiting.
    pub(crate) fn try_frame(&mut self, max_frame: usize) -> Result<Option<Bytes>, WireError> {
        Ok(wire::check(&self.buf, max_frame)?.map(|n| self.buf.split_to(n).freeze()))
    }

    /// Reads more bytes; `Ok(false)` at end of stream. Call after [`FrameReader::try_frame`] returned `None`.
    pub(crate) async fn fill(&mut self) -> Result<bool, ReadError> {
        let want = if self.buf.len() >= HEADER_LEN {
            // The header passed `check`, so the declared length is within the limit.
            let declared = u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize;
            declared.saturating_sub(self.buf.len())
        } else {
            HEADER_LEN - self.buf.len()
        };
        let spare = self.buf.capacity() - self.buf.len();
        if spare < want.max(self.read_size / 2) {
            self.buf.reserve(want.max(self.read_size));
        }
        let spare = self.buf.capacity() - self.buf.len();
        let n = self.io.read_buf(&mut self.buf).await?;
        if n == 0 {
            return Ok(false);
        }
        self.bytes_in.inc_by(n as u64);
        if n == spare && self.read_size < MAX_READ {
            self.read_size *= 2;
        }
        Ok(true)
    }

    /// The next frame, reading as needed; `Ok(None)` when the peer closed (mid-frame or not).
    pub(crate) async fn next(&mut self, max_frame: usize) -> Result<Option<Bytes>, ReadError> {
        loop {
            if let Some(f) = self.try_frame(max_frame)? {
                return Ok(Some(f));
            }
            if !self.fill().await? {
                return Ok(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Frame;

    #[tokio::test]
    async fn reads_frames_across_reads_and_grows_for_streams() {
        let mut wire = Vec::new();
        for i in 0..300u32 {
            wire.extend_from_slice(&Frame::publish("i", "c", i.to_be_bytes().to_vec()).to_bytes().unwrap());
        }
        let mut r = FrameReader::new(&wire[..], Counter::default());
        let mut n = 0u32;
        while let Some(f) = r.next(wire::DEFAULT_MAX_FRAME).await.unwrap() {
            assert_eq!(
                f,
                Frame::publish("i", "c", n.to_be_bytes().to_vec()).to_bytes().unwrap()
            );
            n += 1;
        }
        assert_eq!(n, 300);
        assert!(r.read_size > INITIAL_READ);
        assert_eq!(r.bytes_in.get(), wire.len() as u64);
    }

    #[tokio::test]
    async fn bad_headers_fail_without_allocating_their_length() {
        #[rustfmt::skip]
        let huge: &[u8] = &[
            0xff, 0xff, 0xff, 0xff, 0x03, // len 4 GiB, PUBLISH
        ];
        let mut r = FrameReader::new(huge, Counter::default());
        assert!(matches!(
            r.next(1000).await,
            Err(ReadError::Wire(WireError::LengthTooLarge { .. }))
        ));
        assert!(r.buf.capacity() <= INITIAL_READ);
        let mut r = FrameReader::new(&[0u8, 0, 0, 0, 3][..], Counter::default());
        assert!(matches!(
            r.next(1000).await,
            Err(ReadError::Wire(WireError::LengthTooSmall(0)))
        ));
    }
}
