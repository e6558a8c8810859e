//! `apiary.files`: the file event's JSON line, then (after a `\n`) the file content itself.
//!
//! The content is kept only when its SHA-256 matches the event's `sha256`; otherwise the event is kept, the bytes
//! dropped, and the mismatch logged.

use event::{Event, Kind};
use sha2::{Digest, Sha256};

use super::build::{Ctx, Out};
use super::FileBytes;

/// Splits the payload into the event and the content, checks the content's hash.
pub(crate) fn normalize(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let (json, content) = match ctx.payload.iter().position(|&b| b == b'\n') {
        Some(i) => (&ctx.payload[..i], Some(&ctx.payload[i + 1..])),
        None => (ctx.payload, None),
    };
    let event = Event::from_json(json).map_err(|e| format!("not an Apiary file event: {e}"))?;
    let info = match &event.kind {
        Kind::FileUpload(f) | Kind::FileDownload(f) => Some(f.clone()),
        _ => None,
    };
    if let Some(content) = content {
        let got = hex::encode(Sha256::digest(content));
        match info.as_ref().and_then(|f| f.sha256.as_deref()) {
            Some(want) if want.eq_ignore_ascii_case(&got) => out.files.push(FileBytes {
                bytes: bytes::Bytes::copy_from_slice(content),
                mime: info.as_ref().and_then(|f| f.mime.clone()),
            }),
            want => tracing::warn!(
                event = %event.id,
                expected = want.unwrap_or("(none)"),
                got = %got,
                "apiary.files: content does not match the event's sha256; kept the event, dropped the bytes"
            ),
        }
    }
    out.push_own(event);
    Ok(())
}
