//! PTR names are chosen by whoever controls the address's reverse zone, here the attacker: only plain host names
//! are kept.

pub use store::MAX_HOSTNAME;
/// Longest label, in bytes (RFC 1035).
const MAX_LABEL: usize = 63;

/// `name` as Apiary stores it, or `None` if it is not a plain host name.
///
/// Accepts only labels of letters, digits, '-' and '_' (seen in real PTR data) of 1 to 63 bytes, at most 253
/// bytes in all; one trailing dot is stripped and the result is lower-cased. Anything else (spaces, '<', escapes,
/// empty labels, non-ASCII, too long) is refused: the caller stores the address as not resolved.
pub fn clean_hostname(name: &str) -> Option<String> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.len() > MAX_HOSTNAME {
        return None;
    }
    let label_ok = |l: &str| {
        (1..=MAX_LABEL).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    name.split('.').all(label_ok).then(|| name.to_ascii_lowercase())
}

/// A PTR answer's labels (raw bytes, as they came off the wire) as a cleaned name; `None` if any label holds a
/// byte [`clean_hostname`] refuses, so a '.' escaped inside a label cannot pass as a separator.
pub(super) fn from_labels<'a>(labels: impl Iterator<Item = &'a [u8]>) -> Option<String> {
    let mut text = String::new();
    for label in labels {
        let label = std::str::from_utf8(label).ok()?;
        if label.contains('.') {
            return None;
        }
        if !text.is_empty() {
            text.push('.');
        }
        text.push_str(label);
        if text.len() > MAX_HOSTNAME {
            return None;
        }
    }
    clean_hostname(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_kept_lower_case_without_the_trailing_dot() {
        assert_eq!(
            clean_hostname("Scanner.Example.NET."),
            Some("scanner.example.net".into())
        );
        assert_eq!(
            clean_hostname("host-1_x.example.net"),
            Some("host-1_x.example.net".into())
        );
        assert_eq!(clean_hostname("localhost"), Some("localhost".into()));
        assert_eq!(
            clean_hostname("7-100-51-198.dyn.example.org"),
            Some("7-100-51-198.dyn.example.org".into())
        );
    }

    #[test]
    fn hostile_or_malformed_names_are_refused() {
        for bad in [
            "",
            ".",
            "..",
            "a..b",
            ".example.net",
            "example.net..",
            "<script>.example.net",
            "x\">.example.net",
            "a b.example.net",
            "tab\t.example.net",
            "nul\0.example.net",
            "new\nline.example.net",
            "caf\u{e9}.example.net",
            "xn--caf-dma.example.net/",
            "a\\.b.example.net",
            "*.example.net",
            "a@b.example.net",
        ] {
            assert_eq!(clean_hostname(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn length_limits_hold() {
        let label63 = "a".repeat(63);
        assert!(clean_hostname(&format!("{label63}.example.net")).is_some());
        assert_eq!(
            clean_hostname(&format!("a{label63}.example.net")),
            None,
            "64-byte label"
        );
        // Four 63-byte labels and dots: 255 bytes.
        let long = [label63.as_str(); 4].join(".");
        assert_eq!(clean_hostname(&long), None);
        let fits = format!("{}.{}", [label63.as_str(); 3].join("."), "b".repeat(61));
        assert_eq!(fits.len(), 253);
        assert_eq!(clean_hostname(&fits).map(|s| s.len()), Some(253));
        assert_eq!(
            clean_hostname(&format!("{fits}.")).map(|s| s.len()),
            Some(253),
            "trailing dot not counted"
        );
    }

    #[test]
    fn labels_with_an_escaped_dot_are_refused() {
        let ok: [&[u8]; 3] = [b"Scanner", b"example", b"net"];
        assert_eq!(from_labels(ok.into_iter()), Some("scanner.example.net".into()));
        let dotted: [&[u8]; 2] = [b"evil.example", b"net"];
        assert_eq!(from_labels(dotted.into_iter()), None);
        let angle: [&[u8]; 2] = [b"<b>", b"net"];
        assert_eq!(from_labels(angle.into_iter()), None);
        let binary: [&[u8]; 2] = [b"\xff\xfe", b"net"];
        assert_eq!(from_labels(binary.into_iter()), None);
    }
}
