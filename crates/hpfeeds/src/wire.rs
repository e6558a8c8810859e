//! The hpfeeds wire format: the six frames, `check` (is a whole frame buffered?), `decode` and `encode`.
//!
//! Every frame is `u32` big-endian total length (header included), one opcode byte, then the body.
//! Strings inside a body are prefixed with one length byte, except the last field, which runs to the end.
//! PUBLISH prefixes both ident and channel; SUBSCRIBE and UNSUBSCRIBE prefix only the ident.
//! This module does no I/O, so the broker, the client, the fuzz target and the benchmark share it.

use bytes::{BufMut, Bytes, BytesMut};

/// Length of the frame header: four length bytes and one opcode byte.
pub const HEADER_LEN: usize = 5;

/// Largest payload the reference implementation accepts (`MAXBUF`, 1 MiB).
pub const MAX_PAYLOAD: usize = 1024 * 1024;

/// Default frame-size limit, header included: the reference's `5 + MAXBUF`.
pub const DEFAULT_MAX_FRAME: usize = HEADER_LEN + MAX_PAYLOAD;

/// Limit for INFO and AUTH frames, as the reference: a 255-byte name or ident, its prefix, and a 20-byte digest.
pub const MAX_HANDSHAKE_FRAME: usize = HEADER_LEN + 256 + 20;

/// Longest string that fits a one-byte length prefix.
pub const MAX_PREFIXED: usize = u8::MAX as usize;

/// Length of the SHA-1 digest carried by AUTH.
pub const AUTH_DIGEST_LEN: usize = 20;

/// Opcodes as numbered by the reference implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Opcode {
    /// Broker to client: a human-readable error, usually followed by close.
    Error = 0,
    /// Broker to client: broker name and the 4-byte auth nonce.
    Info = 1,
    /// Client to broker: ident and `SHA1(nonce ‖ secret)`.
    Auth = 2,
    /// Both ways: ident, channel and payload.
    Publish = 3,
    /// Client to broker: start receiving a channel.
    Subscribe = 4,
    /// Client to broker: stop receiving a channel.
    Unsubscribe = 5,
}

impl Opcode {
    /// Maps a wire byte to an opcode, so unknown opcodes become a clean protocol error.
    pub fn from_u8(b: u8) -> Option<Opcode> {
        Some(match b {
            0 => Opcode::Error,
            1 => Opcode::Info,
            2 => Opcode::Auth,
            3 => Opcode::Publish,
            4 => Opcode::Subscribe,
            5 => Opcode::Unsubscribe,
            _ => return None,
        })
    }

    /// The per-opcode frame limit, never above `max_frame`, mirroring the reference's `SIZES` table.
    pub fn limit(self, max_frame: usize) -> usize {
        match self {
            Opcode::Info | Opcode::Auth => MAX_HANDSHAKE_FRAME.min(max_frame),
            _ => max_frame,
        }
    }
}

/// One hpfeeds frame. Fields are `Bytes` slices of the received buffer, so decoding copies nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A message from the broker explaining why it is about to close the connection.
    Error {
        /// The error text, verbatim.
        message: Bytes,
    },
    /// The broker's greeting.
    Info {
        /// Broker name (the reference sends `hpfeeds`).
        name: Bytes,
        /// The nonce to hash the secret with.
        nonce: Bytes,
    },
    /// The client's credentials.
    Auth {
        /// The ident (user) name.
        ident: Bytes,
        /// `SHA1(nonce ‖ secret)`.
        digest: Bytes,
    },
    /// A message on a channel.
    Publish {
        /// The publisher's ident.
        ident: Bytes,
        /// The channel name.
        channel: Bytes,
        /// The payload, opaque bytes.
        payload: Bytes,
    },
    /// A request to receive a channel.
    Subscribe {
        /// The subscriber's ident.
        ident: Bytes,
        /// The channel name.
        channel: Bytes,
    },
    /// A request to stop receiving a channel.
    Unsubscribe {
        /// The subscriber's ident.
        ident: Bytes,
        /// The channel name.
        channel: Bytes,
    },
}

/// Why bytes are not a valid frame. Every variant means "drop this connection"; none is a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The declared length cannot even hold the header (the reference hangs on this).
    #[error("frame declares length {0}, below the 5-byte header: the peer does not speak hpfeeds")]
    LengthTooSmall(u32),
    /// The declared length exceeds the limit for this opcode.
    #[error("frame declares length {len}, above the limit of {max} bytes for opcode {opcode}: raise the max frame size if the peer is legitimate")]
    LengthTooLarge {
        /// The declared length.
        len: u32,
        /// The limit that applied.
        max: usize,
        /// The opcode byte.
        opcode: u8,
    },
    /// The opcode is not one of the six.
    #[error("unknown opcode {0}: the peer does not speak hpfeeds")]
    UnknownOpcode(u8),
    /// A length-prefixed field runs past the end of the frame.
    #[error("{0} field runs past the end of the frame")]
    Truncated(&'static str),
    /// A field is too long for its one-byte length prefix.
    #[error("{field} is {len} bytes; hpfeeds allows at most 255")]
    FieldTooLong {
        /// Which field.
        field: &'static str,
        /// Its length.
        len: usize,
    },
    /// The frame is too large to encode within the configured limit.
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    FrameTooLarge {
        /// Encoded length.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// Checks whether `buf` starts with a whole frame. `Ok(Some(n))`: the first `n` bytes are one frame;
/// `Ok(None)`: need more bytes; `Err`: the header is invalid, so nothing is allocated for the declared size.
pub fn check(buf: &[u8], max_frame: usize) -> Result<Option<usize>, WireError> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    let op = buf[4];
    if (len as usize) < HEADER_LEN {
        return Err(WireError::LengthTooSmall(len));
    }
    let opcode = Opcode::from_u8(op).ok_or(WireError::UnknownOpcode(op))?;
    let max = opcode.limit(max_frame);
    if len as usize > max {
        return Err(WireError::LengthTooLarge { len, max, opcode: op });
    }
    if buf.len() < len as usize {
        return Ok(None);
    }
    Ok(Some(len as usize))
}

/// Splits a one-byte-length-prefixed field off the front of `body`.
fn take_prefixed(body: &mut Bytes, field: &'static str) -> Result<Bytes, WireError> {
    let Some(&n) = body.first() else {
        return Err(WireError::Truncated(field));
    };
    let n = n as usize;
    if body.len() < 1 + n {
        return Err(WireError::Truncated(field));
    }
    let v = body.slice(1..1 + n);
    *body = body.slice(1 + n..);
    Ok(v)
}

/// Decodes one whole frame (header included) as validated by [`check`].
pub fn decode(frame: Bytes) -> Result<Frame, WireError> {
    if frame.len() < HEADER_LEN {
        return Err(WireError::LengthTooSmall(frame.len() as u32));
    }
    let op = frame[4];
    let opcode = Opcode::from_u8(op).ok_or(WireError::UnknownOpcode(op))?;
    let mut body = frame.slice(HEADER_LEN..);
    Ok(match opcode {
        Opcode::Error => Frame::Error { message: body },
        Opcode::Info => {
            let name = take_prefixed(&mut body, "name")?;
            Frame::Info { name, nonce: body }
        }
        Opcode::Auth => {
            let ident = take_prefixed(&mut body, "ident")?;
            Frame::Auth { ident, digest: body }
        }
        Opcode::Publish => {
            let ident = take_prefixed(&mut body, "ident")?;
            let channel = take_prefixed(&mut body, "channel")?;
            Frame::Publish {
                ident,
                channel,
                payload: body,
            }
        }
        Opcode::Subscribe => {
            let ident = take_prefixed(&mut body, "ident")?;
            Frame::Subscribe { ident, channel: body }
        }
        Opcode::Unsubscribe => {
            let ident = take_prefixed(&mut body, "ident")?;
            Frame::Unsubscribe { ident, channel: body }
        }
    })
}

fn check_prefixed(field: &'static str, v: &[u8]) -> Result<(), WireError> {
    if v.len() > MAX_PREFIXED {
        return Err(WireError::FieldTooLong { field, len: v.len() });
    }
    Ok(())
}

impl Frame {
    /// The opcode of this frame.
    pub fn opcode(&self) -> Opcode {
        match self {
            Frame::Error { .. } => Opcode::Error,
            Frame::Info { .. } => Opcode::Info,
            Frame::Auth { .. } => Opcode::Auth,
            Frame::Publish { .. } => Opcode::Publish,
            Frame::Subscribe { .. } => Opcode::Subscribe,
            Frame::Unsubscribe { .. } => Opcode::Unsubscribe,
        }
    }

    /// Length of the encoded frame, header included.
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN
            + match self {
                Frame::Error { message } => message.len(),
                Frame::Info { name, nonce } => 1 + name.len() + nonce.len(),
                Frame::Auth { ident, digest } => 1 + ident.len() + digest.len(),
                Frame::Publish {
                    ident,
                    channel,
                    payload,
                } => 2 + ident.len() + channel.len() + payload.len(),
                Frame::Subscribe { ident, channel } | Frame::Unsubscribe { ident, channel } => {
                    1 + ident.len() + channel.len()
                }
            }
    }

    /// Appends the wire form to `dst`; fails if a prefixed field exceeds 255 bytes or the frame exceeds `max_frame`.
    pub fn encode(&self, dst: &mut BytesMut, max_frame: usize) -> Result<(), WireError> {
        let len = self.encoded_len();
        let max = self.opcode().limit(max_frame);
        if len > max || len > u32::MAX as usize {
            return Err(WireError::FrameTooLarge { len, max });
        }
        match self {
            Frame::Info { name: a, .. } | Frame::Auth { ident: a, .. } => check_prefixed("name or ident", a)?,
            Frame::Publish { ident, channel, .. } => {
                check_prefixed("ident", ident)?;
                check_prefixed("channel", channel)?;
            }
            Frame::Subscribe { ident, .. } | Frame::Unsubscribe { ident, .. } => check_prefixed("ident", ident)?,
            Frame::Error { .. } => {}
        }
        dst.reserve(len);
        dst.put_u32(len as u32);
        dst.put_u8(self.opcode() as u8);
        match self {
            Frame::Error { message } => dst.put_slice(message),
            Frame::Info { name: a, nonce: b } | Frame::Auth { ident: a, digest: b } => {
                dst.put_u8(a.len() as u8);
                dst.put_slice(a);
                dst.put_slice(b);
            }
            Frame::Publish {
                ident,
                channel,
                payload,
            } => {
                dst.put_u8(ident.len() as u8);
                dst.put_slice(ident);
                dst.put_u8(channel.len() as u8);
                dst.put_slice(channel);
                dst.put_slice(payload);
            }
            Frame::Subscribe { ident, channel } | Frame::Unsubscribe { ident, channel } => {
                dst.put_u8(ident.len() as u8);
                dst.put_slice(ident);
                dst.put_slice(channel);
            }
        }
        Ok(())
    }

    /// Encodes into a fresh buffer with the default limit; handy for tests and pre-encoded benchmark frames.
    pub fn to_bytes(&self) -> Result<Bytes, WireError> {
        let mut b = BytesMut::with_capacity(self.encoded_len());
        self.encode(&mut b, usize::MAX)?;
        Ok(b.freeze())
    }

    /// Builds a PUBLISH frame from borrowed parts.
    pub fn publish(ident: &str, channel: &str, payload: impl Into<Bytes>) -> Frame {
        Frame::Publish {
            ident: Bytes::copy_from_slice(ident.as_bytes()),
            channel: Bytes::copy_from_slice(channel.as_bytes()),
            payload: payload.into(),
        }
    }

    /// Builds an ERROR frame from a message.
    pub fn error(message: impl Into<String>) -> Frame {
        Frame::Error {
            message: Bytes::from(message.into()),
        }
    }
}

/// `SHA1(nonce ‖ secret)`, the AUTH digest.
pub fn auth_digest(nonce: &[u8], secret: &[u8]) -> [u8; AUTH_DIGEST_LEN] {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(nonce);
    h.update(secret);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn b(s: &[u8]) -> Bytes {
        Bytes::copy_from_slice(s)
    }

    #[test]
    fn publish_bytes_match_reference() {
        let f = Frame::publish("id", "ch", b(b"hi"));
        let wire = f.to_bytes().unwrap();
        #[rustfmt::skip]
        let expect: &[u8] = &[
            0x00, 0x00, 0x00, 0x0d, 0x03, // len 13, PUBLISH
            0x02, b'i', b'd',             // ident "id"
            0x02, b'c', b'h',             // channel "ch"
            b'h', b'i',                   // payload "hi"
        ];
        assert_eq!(&wire[..], expect);
        assert_eq!(check(&wire, DEFAULT_MAX_FRAME), Ok(Some(13)));
        assert_eq!(decode(wire).unwrap(), f);
    }

    #[test]
    fn subscribe_does_not_prefix_channel() {
        let f = Frame::Subscribe {
            ident: b(b"id"),
            channel: b(b"ch"),
        };
        #[rustfmt::skip]
        let expect: &[u8] = &[
            0x00, 0x00, 0x00, 0x0a, 0x04, // len 10, SUBSCRIBE
            0x02, b'i', b'd',             // ident "id"
            b'c', b'h',                   // channel "ch", unprefixed
        ];
        assert_eq!(&f.to_bytes().unwrap()[..], expect);
    }

    #[test]
    fn length_zero_is_an_error_not_a_hang() {
        // The Python reference spins at 100% CPU on exactly these five bytes.
        assert_eq!(
            check(&[0, 0, 0, 0, 3], DEFAULT_MAX_FRAME),
            Err(WireError::LengthTooSmall(0))
        );
        assert_eq!(
            check(&[0, 0, 0, 4, 3], DEFAULT_MAX_FRAME),
            Err(WireError::LengthTooSmall(4))
        );
    }

    #[test]
    fn oversized_length_is_rejected_before_buffering() {
        let r = check(&[0xff, 0xff, 0xff, 0xff, 3], DEFAULT_MAX_FRAME);
        assert!(matches!(r, Err(WireError::LengthTooLarge { .. })));
        // AUTH has the reference's smaller limit.
        let r = check(&[0, 0, 2, 0, 2], DEFAULT_MAX_FRAME);
        assert!(matches!(
            r,
            Err(WireError::LengthTooLarge {
                max: MAX_HANDSHAKE_FRAME,
                ..
            })
        ));
    }

    #[test]
    fn unknown_opcode_and_truncated_fields() {
        assert_eq!(
            check(&[0, 0, 0, 5, 9], DEFAULT_MAX_FRAME),
            Err(WireError::UnknownOpcode(9))
        );
        // PUBLISH whose ident prefix claims 10 bytes but the frame has 1.
        let r = decode(b(&[0, 0, 0, 7, 3, 10, b'x']));
        assert_eq!(r, Err(WireError::Truncated("ident")));
    }

    #[test]
    fn auth_digest_is_sha1_of_nonce_then_secret() {
        // sha1("abcd" + "secret"), computed with Python's hashlib.
        let d = auth_digest(b"abcd", b"secret");
        let hex: String = d.iter().map(|x| format!("{x:02x}")).collect();
        assert_eq!(hex, "ee895c4fcd00f02507835e0e9554441bd8888388");
    }

    fn arb_bytes(max: usize) -> impl Strategy<Value = Bytes> {
        proptest::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
    }

    fn arb_frame() -> impl Strategy<Value = Frame> {
        prop_oneof![
            arb_bytes(300).prop_map(|message| Frame::Error { message }),
            (arb_bytes(256), arb_bytes(20)).prop_map(|(name, nonce)| Frame::Info { name, nonce }),
            (arb_bytes(256), arb_bytes(21)).prop_map(|(ident, digest)| Frame::Auth { ident, digest }),
            (arb_bytes(256), arb_bytes(256), arb_bytes(2000)).prop_map(|(ident, channel, payload)| Frame::Publish {
                ident,
                channel,
                payload
            }),
            (arb_bytes(256), arb_bytes(300)).prop_map(|(ident, channel)| Frame::Subscribe { ident, channel }),
            (arb_bytes(256), arb_bytes(300)).prop_map(|(ident, channel)| Frame::Unsubscribe { ident, channel }),
        ]
    }

    proptest! {
        #[test]
        fn round_trip(f in arb_frame()) {
            let mut buf = BytesMut::new();
            match f.encode(&mut buf, DEFAULT_MAX_FRAME) {
                Ok(()) => {
                    let wire = buf.freeze();
                    prop_assert_eq!(check(&wire, DEFAULT_MAX_FRAME), Ok(Some(wire.len())));
                    prop_assert_eq!(decode(wire).unwrap(), f);
                }
                // Only over-long prefixed fields or an over-long handshake may refuse to encode.
                Err(WireError::FieldTooLong { .. }) | Err(WireError::FrameTooLarge { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected {e}"),
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
            let mut buf = &data[..];
            // Walk the buffer frame by frame as a connection would.
            while let Ok(Some(n)) = check(buf, DEFAULT_MAX_FRAME) {
                prop_assert!(n >= HEADER_LEN && n <= buf.len());
                let _ = decode(Bytes::copy_from_slice(&buf[..n]));
                buf = &buf[n..];
            }
        }
    }
}
