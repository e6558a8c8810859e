//! `apiary.ttylog`: one finished session recording. A JSON header line
//! (`{"session", "sensor", "name", "size", "sha256", "truncated"}`), `\n`, then the asciicast v2 bytes.
//!
//! The header must name the session and the file, and `sha256` must be the body's; the body must look like asciicast
//! v2 (first line a JSON object with `"version": 2`, every later non-empty line a JSON array starting with a time and
//! a code). A message that fails any check becomes a `raw` event with the reason; a good one yields no event, only a
//! [`RecordingBytes`] for the store.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::build::{Ctx, Out};

/// Longest session id, sensor name or file name accepted in the header.
const MAX_FIELD: usize = 256;
/// Most event lines checked in one body (the sensor's cap keeps real ones far below).
const MAX_LINES: usize = 1_000_000;

/// A recording that arrived on `apiary.ttylog`, checked, for the store.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingBytes {
    /// The sensor that recorded it (the store keys sessions as `sensor/session`).
    pub sensor: String,
    /// The sensor's session id.
    pub session: String,
    /// The sensor's relative file name (`recordings/<session>-0.cast`).
    pub name: String,
    /// The asciicast bytes, verbatim.
    pub bytes: bytes::Bytes,
    /// The file's size on the sensor.
    pub size: u64,
    /// Whether the sensor sent only a prefix.
    pub truncated: bool,
}

/// The header line.
#[derive(Deserialize)]
struct Header {
    session: String,
    sensor: String,
    name: String,
    size: u64,
    sha256: String,
    #[serde(default)]
    truncated: bool,
}

/// Checks one header text field: non-empty, bounded, no control characters.
fn field(what: &str, v: &str) -> Result<(), String> {
    if v.is_empty() || v.len() > MAX_FIELD || v.chars().any(char::is_control) {
        return Err(format!(
            "apiary.ttylog: header field {what:?} must be 1 to {MAX_FIELD} bytes without control characters"
        ));
    }
    Ok(())
}

/// Checks that `body` looks like asciicast v2; says which line is wrong when it does not.
pub(crate) fn check_cast(body: &[u8]) -> Result<(), String> {
    let mut lines = body.split(|&b| b == b'\n');
    let first = lines.next().unwrap_or_default();
    let header: serde_json::Value =
        serde_json::from_slice(first).map_err(|e| format!("asciicast header is not JSON: {e}"))?;
    if header.get("version").and_then(serde_json::Value::as_u64) != Some(2) {
        return Err("asciicast header is not a JSON object with \"version\": 2".into());
    }
    for (i, line) in lines.enumerate() {
        if i >= MAX_LINES {
            return Err(format!("asciicast has more than {MAX_LINES} event lines"));
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let n = i + 2;
        let v: serde_json::Value =
            serde_json::from_slice(line).map_err(|e| format!("asciicast line {n} is not JSON: {e}"))?;
        let ok = v.as_array().is_some_and(|a| {
            a.len() >= 3 && a[0].as_f64().is_some_and(|t| t >= 0.0) && a[1].is_string() && a[2].is_string()
        });
        if !ok {
            return Err(format!("asciicast line {n} is not a [time, code, data] event"));
        }
    }
    Ok(())
}

/// Splits header and body, checks both, and hands the recording to the store.
pub(crate) fn normalize(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let Some(nl) = ctx.payload.iter().position(|&b| b == b'\n') else {
        return Err("apiary.ttylog: no header line (expected a JSON header, a newline, then the recording)".into());
    };
    let (head, body) = (&ctx.payload[..nl], &ctx.payload[nl + 1..]);
    let h: Header = serde_json::from_slice(head).map_err(|e| format!("apiary.ttylog: bad header: {e}"))?;
    field("session", &h.session)?;
    field("sensor", &h.sensor)?;
    field("name", &h.name)?;
    let got = hex::encode(Sha256::digest(body));
    if !h.sha256.eq_ignore_ascii_case(&got) {
        return Err(format!(
            "apiary.ttylog: body SHA-256 {got} does not match the header's {:?}",
            h.sha256
        ));
    }
    if (body.len() as u64) > h.size || (!h.truncated && body.len() as u64 != h.size) {
        return Err(format!(
            "apiary.ttylog: body is {} bytes but the header says size {} (truncated: {})",
            body.len(),
            h.size,
            h.truncated
        ));
    }
    check_cast(body)?;
    out.recordings.push(RecordingBytes {
        sensor: h.sensor,
        session: h.session,
        name: h.name,
        bytes: bytes::Bytes::copy_from_slice(body),
        size: h.size,
        truncated: h.truncated,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use event::Kind;

    use crate::normalize::normalize;

    const CAST: &str = "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.2, \"o\", \"$ \"]\n[1.0, \"i\", \"id\\r\"]\n[1.1, \"o\", \"uid=0(root)\\r\\n\"]\n";

    fn payload(header: serde_json::Value, body: &str) -> Vec<u8> {
        let mut p = header.to_string().into_bytes();
        p.push(b'\n');
        p.extend_from_slice(body.as_bytes());
        p
    }

    fn sha(b: &str) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(b.as_bytes()))
    }

    fn good_header(body: &str) -> serde_json::Value {
        serde_json::json!({"session": "0123456789ab", "sensor": "s1", "name": "recordings/0123456789ab-0.cast",
            "size": body.len(), "sha256": sha(body)})
    }

    fn raw_reason(n: &crate::normalize::Normalized) -> String {
        assert!(n.recordings.is_empty());
        match &n.events[..] {
            [e] => match &e.kind {
                Kind::Raw { reason, .. } => reason.clone(),
                k => panic!("expected raw, got {k:?}"),
            },
            other => panic!("expected one raw event, got {other:?}"),
        }
    }

    #[test]
    fn a_good_recording_becomes_bytes_for_the_store_and_no_event() {
        let n = normalize(
            event::CHANNEL_TTYLOG,
            "s1",
            &payload(good_header(CAST), CAST),
            Utc::now(),
        );
        assert!(n.events.is_empty(), "{:?}", n.events);
        assert_eq!(n.recordings.len(), 1);
        let r = &n.recordings[0];
        assert_eq!((r.sensor.as_str(), r.session.as_str()), ("s1", "0123456789ab"));
        assert_eq!(r.name, "recordings/0123456789ab-0.cast");
        assert_eq!(&r.bytes[..], CAST.as_bytes());
        assert_eq!((r.size, r.truncated), (CAST.len() as u64, false));
    }

    #[test]
    fn a_truncated_prefix_is_kept_with_its_flag() {
        let mut h = good_header(CAST);
        h["size"] = serde_json::json!(9_000_000);
        h["truncated"] = serde_json::json!(true);
        let n = normalize(event::CHANNEL_TTYLOG, "s1", &payload(h, CAST), Utc::now());
        assert_eq!(n.recordings.len(), 1);
        assert!(n.recordings[0].truncated);
        assert_eq!(n.recordings[0].size, 9_000_000);
    }

    #[test]
    fn bad_messages_are_kept_raw_with_the_reason() {
        let ch = event::CHANNEL_TTYLOG;
        let no_header = normalize(ch, "s1", CAST.as_bytes(), Utc::now());
        assert!(
            raw_reason(&no_header).contains("bad header"),
            "{}",
            raw_reason(&no_header)
        );

        let mut h = good_header(CAST);
        h["sha256"] = serde_json::json!(sha("other"));
        assert!(raw_reason(&normalize(ch, "s1", &payload(h, CAST), Utc::now())).contains("does not match"));

        let mut h = good_header(CAST);
        h["size"] = serde_json::json!(3);
        assert!(raw_reason(&normalize(ch, "s1", &payload(h, CAST), Utc::now())).contains("header says size"));

        let mut h = good_header(CAST);
        h["session"] = serde_json::json!("");
        assert!(raw_reason(&normalize(ch, "s1", &payload(h, CAST), Utc::now())).contains("\"session\""));

        let v1 = "{\"version\": 1, \"width\": 80}\n";
        let r = raw_reason(&normalize(ch, "s1", &payload(good_header(v1), v1), Utc::now()));
        assert!(r.contains("\"version\": 2"), "{r}");

        let junk = "{\"version\": 2}\n[0.1, \"o\", \"ok\"]\n<script>alert(1)</script>\n";
        let r = raw_reason(&normalize(ch, "s1", &payload(good_header(junk), junk), Utc::now()));
        assert!(r.contains("line 3 is not JSON"), "{r}");

        let obj = "{\"version\": 2}\n{\"a\": 1}\n";
        let r = raw_reason(&normalize(ch, "s1", &payload(good_header(obj), obj), Utc::now()));
        assert!(r.contains("line 2 is not a [time, code, data] event"), "{r}");
    }
}
