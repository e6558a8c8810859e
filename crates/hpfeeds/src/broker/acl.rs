//! Channel permissions and the exact ERROR texts the reference broker sends when it refuses something.
//!
//! Channels match exactly, byte for byte, as in the reference (no wildcards). The texts are copied from the
//! reference's `connection.py` because clients and operators grep for them; the interop tests pin them.

use super::auth::Ident;

/// True if `ident` may publish on `channel`.
pub fn may_publish(ident: &Ident, channel: &[u8]) -> bool {
    ident.pubchans.iter().any(|c| c.as_bytes() == channel)
}

/// True if `ident` may subscribe to `channel`.
pub fn may_subscribe(ident: &Ident, channel: &[u8]) -> bool {
    ident.subchans.iter().any(|c| c.as_bytes() == channel)
}

/// Bytes as the reference prints them (it decodes UTF-8); invalid sequences become U+FFFD instead of a crash.
fn text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// Sent when the first frame is anything but AUTH.
pub const FIRST_NOT_AUTH: &str = "First message was not AUTH";

/// Sent when no AUTH arrives within the auth timeout (the reference has no timeout, so this text is ours).
pub const AUTH_TIMEOUT: &str = "Authentication timed out";

/// Sent for an unknown ident, a wrong secret, a store failure or a throttled source: one text, so none is revealed.
pub fn auth_failed(ident: &[u8]) -> String {
    format!("Authentication failed for {}", text(ident))
}

/// Sent when a PUBLISH carries an ident other than the authenticated one; the frame is never forwarded.
pub fn spoofed_ident(ident: &[u8]) -> String {
    format!("Invalid authkey in message, ident={}", text(ident))
}

/// Sent when the ident may not publish on the channel.
pub fn publish_denied(ident: &[u8], channel: &[u8]) -> String {
    format!(
        "Authkey not allowed to pub here. ident={}, chan={}",
        text(ident),
        text(channel)
    )
}

/// Sent when the ident may not subscribe to the channel.
pub fn subscribe_denied(ident: &[u8], channel: &[u8]) -> String {
    format!(
        "Authkey not allowed to sub here. ident={}, chan={}",
        text(ident),
        text(channel)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_match_only() {
        let i = Ident {
            name: "a".into(),
            owner: "o".into(),
            secret: "s".into(),
            pubchans: vec!["ev".into()],
            subchans: vec!["ev.x".into()],
        };
        assert!(may_publish(&i, b"ev"));
        assert!(!may_publish(&i, b"ev2"));
        assert!(!may_publish(&i, b"e"));
        assert!(may_subscribe(&i, b"ev.x"));
        assert!(!may_subscribe(&i, b"ev"));
    }

    #[test]
    fn texts_match_the_reference() {
        assert_eq!(auth_failed(b"bob"), "Authentication failed for bob");
        assert_eq!(spoofed_ident(b"eve"), "Invalid authkey in message, ident=eve");
        assert_eq!(
            publish_denied(b"a", b"c"),
            "Authkey not allowed to pub here. ident=a, chan=c"
        );
        assert_eq!(
            subscribe_denied(b"a", b"c"),
            "Authkey not allowed to sub here. ident=a, chan=c"
        );
    }
}
