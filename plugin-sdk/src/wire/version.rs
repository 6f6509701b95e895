//! Protocol versions and the handshake's negotiation rule.

use std::fmt;

/// The protocol version this SDK speaks. It is versioned on its own, independent of the crate.
pub const PROTOCOL_VERSION: ProtocolVersion = ProtocolVersion { major: 1, minor: 1 };

/// A `MAJOR.MINOR` protocol version. Peers are compatible when their majors are equal; a minor
/// bump only adds optional things (fields, methods, features) an older peer may ignore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProtocolVersion {
    /// Incompatible changes bump this.
    pub major: u32,
    /// Backwards-compatible additions bump this.
    pub minor: u32,
}

impl ProtocolVersion {
    /// Parses `"1.0"`; returns `None` for anything else (`"1"`, `"1.0.0"`, `"v1.0"`).
    pub fn parse(text: &str) -> Option<Self> {
        let (major, minor) = text.split_once('.')?;
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(major) || !all_digits(minor) {
            return None;
        }
        Some(Self {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }

    /// Whether a peer speaking `other` can talk to one speaking `self`.
    pub fn is_compatible_with(self, other: ProtocolVersion) -> bool {
        self.major == other.major
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The plugin's side of the handshake: given the versions the host offers, picks the one to
/// answer with. The answer is the plugin's own version when any offered version shares its
/// major; `None` means the two cannot talk.
pub fn negotiate(offered: &[String], ours: ProtocolVersion) -> Option<ProtocolVersion> {
    offered
        .iter()
        .filter_map(|v| ProtocolVersion::parse(v))
        .any(|v| v.is_compatible_with(ours))
        .then_some(ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_major_dot_minor() {
        assert_eq!(
            ProtocolVersion::parse("1.0"),
            Some(ProtocolVersion { major: 1, minor: 0 })
        );
        assert_eq!(
            ProtocolVersion::parse("12.34"),
            Some(ProtocolVersion {
                major: 12,
                minor: 34
            })
        );
        for bad in ["1", "1.0.0", "v1.0", "1.", ".1", "1.x", "", "+1.0"] {
            assert_eq!(ProtocolVersion::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn negotiation_is_by_major() {
        let ours = ProtocolVersion { major: 1, minor: 3 };
        assert_eq!(negotiate(&["1.0".into()], ours), Some(ours));
        assert_eq!(negotiate(&["2.0".into(), "1.7".into()], ours), Some(ours));
        assert_eq!(negotiate(&["2.0".into()], ours), None);
        assert_eq!(negotiate(&["garbage".into()], ours), None);
        assert_eq!(negotiate(&[], ours), None);
    }
}
