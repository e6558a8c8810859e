//! Deterministic event ids for foreign feeds, so a redelivered payload gets the same ids (the store is idempotent
//! on them).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A UUID with the version 7 layout: the 48-bit time field is `ts` in Unix milliseconds (0 when the payload gave no
/// time), the remaining bits come from SHA-256 over channel, ident, payload and the event's index in the message
/// (each length-prefixed, so no two different inputs concatenate to the same bytes).
pub fn derive(channel: &str, ident: &str, payload: &[u8], index: u64, ts: Option<DateTime<Utc>>) -> Uuid {
    Message::new(channel, ident, payload).id(index, ts)
}

/// The hash of one message's channel, ident and payload, computed once so that each of its (up to 10,000) events
/// only hashes its index.
#[derive(Clone)]
pub struct Message(Sha256);

impl Message {
    /// Hashes the message part of the id input.
    pub fn new(channel: &str, ident: &str, payload: &[u8]) -> Self {
        let mut h = Sha256::new();
        for part in [channel.as_bytes(), ident.as_bytes(), payload] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        Message(h)
    }

    /// The id of the message's event number `index` (see [`derive`]).
    pub fn id(&self, index: u64, ts: Option<DateTime<Utc>>) -> Uuid {
        let mut h = self.0.clone();
        h.update(index.to_be_bytes());
        let digest = h.finalize();
        let mut rest = [0u8; 10];
        rest.copy_from_slice(&digest[..10]);
        let ms = ts.map_or(0, |t| t.timestamp_millis().clamp(0, (1i64 << 48) - 1)) as u64;
        uuid::Builder::from_unix_timestamp_millis(ms, &rest).into_uuid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_input_same_id_and_time_field_is_ts() {
        let ts = DateTime::parse_from_rfc3339("2026-11-28T01:40:32.487Z")
            .unwrap()
            .with_timezone(&Utc);
        let a = derive("c", "i", b"p", 0, Some(ts));
        assert_eq!(a, derive("c", "i", b"p", 0, Some(ts)));
        assert_ne!(a, derive("c", "i", b"p", 1, Some(ts)));
        assert_eq!(a.get_version_num(), 7);
        let (secs, nanos) = a.get_timestamp().unwrap().to_unix();
        assert_eq!(secs as i64 * 1000 + i64::from(nanos / 1_000_000), ts.timestamp_millis());
        let none = derive("c", "i", b"p", 0, None);
        assert_eq!(&none.as_bytes()[..6], &[0u8; 6]);
    }
}
