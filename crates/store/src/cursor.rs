//! Opaque keyset cursors: `(time, id)` of the last row, base64url so callers cannot depend on the form.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::StoreError;

/// Encodes the position after which the next page starts.
pub(crate) fn encode(t: i64, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{t}|{id}"))
}

/// Decodes a cursor; a tampered one is an [`StoreError::Invalid`].
pub(crate) fn decode(c: &str) -> Result<(i64, String), StoreError> {
    let bad = || StoreError::Invalid("bad page cursor: pass the `next` value of the previous page".into());
    let raw = URL_SAFE_NO_PAD.decode(c.as_bytes()).map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    let (t, id) = s.split_once('|').ok_or_else(bad)?;
    Ok((t.parse().map_err(|_| bad())?, id.to_owned()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_and_rejects_garbage() {
        let c = super::encode(42, "s/1");
        assert_eq!(super::decode(&c).unwrap(), (42, "s/1".to_owned()));
        assert!(super::decode("!!").is_err());
    }
}
