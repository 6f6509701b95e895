//! Trust stores and certificate chains.

/// The kinds of trust store the Notary Project trust store specification defines
/// (`truststore/x509/<type>/<name>`), named in trust policies as `<type>:<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StoreType {
    /// Certificate authorities (`ca`): roots that issue signing certificates.
    Ca,
    /// Signing authorities (`signingAuthority`): for the `notary.x509.signingAuthority` scheme.
    SigningAuthority,
    /// Timestamping authorities (`tsa`): roots for RFC 3161 timestamp countersignatures.
    Tsa,
}

impl StoreType {
    /// The name used in policies and on disk (`ca`, `signingAuthority`, `tsa`).
    pub fn as_str(self) -> &'static str {
        match self {
            StoreType::Ca => "ca",
            StoreType::SigningAuthority => "signingAuthority",
            StoreType::Tsa => "tsa",
        }
    }

    /// Parses a policy or directory name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ca" => Some(StoreType::Ca),
            "signingAuthority" => Some(StoreType::SigningAuthority),
            "tsa" => Some(StoreType::Tsa),
            _ => None,
        }
    }
}
