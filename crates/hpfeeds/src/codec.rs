//! Framing over any async byte stream: a `tokio_util` codec around [`crate::wire`].
//!
//! The decoder calls [`wire::check`] before it allocates, so a half-received or hostile header costs nothing,
//! and it reserves at most what the frame limit allows. The encoder also takes pre-encoded frames (`Bytes`),
//! which is how the broker fans one publish out to many subscribers without re-encoding it.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::wire::{self, Frame, WireError, DEFAULT_MAX_FRAME};

/// Decodes and encodes hpfeeds frames with a frame-size limit.
#[derive(Debug, Clone, Copy)]
pub struct Codec {
    /// Largest frame accepted or sent, header included.
    pub max_frame: usize,
}

impl Default for Codec {
    fn default() -> Self {
        Codec {
            max_frame: DEFAULT_MAX_FRAME,
        }
    }
}

impl Codec {
    /// A codec with a custom frame limit (the reference's is 1 MiB + 5).
    pub fn new(max_frame: usize) -> Self {
        Codec { max_frame }
    }
}

/// Errors while reading or writing frames: I/O or a protocol violation.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The socket failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The peer sent bytes that are not hpfeeds.
    #[error("protocol: {0}")]
    Wire(#[from] WireError),
}

impl Decoder for Codec {
    type Item = Frame;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        match wire::check(src, self.max_frame)? {
            Some(n) => Ok(Some(wire::decode(src.split_to(n).freeze())?)),
            None => {
                if src.len() >= wire::HEADER_LEN {
                    // The header is valid, so its length is within the limit: reserving it is bounded.
                    let want = u32::from_be_bytes([src[0], src[1], src[2], src[3]]) as usize;
                    src.reserve(want.saturating_sub(src.len()));
                }
                Ok(None)
            }
        }
    }
}

impl Encoder<Frame> for Codec {
    type Error = CodecError;

    fn encode(&mut self, item: Frame, dst: &mut BytesMut) -> Result<(), CodecError> {
        item.encode(dst, self.max_frame)?;
        Ok(())
    }
}

impl Encoder<&Frame> for Codec {
    type Error = CodecError;

    fn encode(&mut self, item: &Frame, dst: &mut BytesMut) -> Result<(), CodecError> {
        item.encode(dst, self.max_frame)?;
        Ok(())
    }
}

/// Pre-encoded frames pass through unchanged.
impl Encoder<Bytes> for Codec {
    type Error = CodecError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), CodecError> {
        dst.extend_from_slice(&item);
        Ok(())
    }
}
