//! Trust stores and certificate chains, with the rules and wording of notation-go and
//! notation-core-go (`x509/cert.go`, `x509/*_cert_validations.go`, `verifier/truststore`).
//!
//! - [`read_certificates`] / [`read_certificates_from`]: certificate files, PEM or DER;
//! - [`TrustStores`]: the named stores a trust policy refers to, from notation's directory layout
//!   or from Ratify v1's `verificationCerts` / `verificationCertStores`;
//! - [`validate_chain`]: the Notary Project "Certificate Requirements" on a signature's chain;
//! - [`chain_is_trusted`]: notation's authenticity rule (a chain certificate is in the store);
//! - [`describe`]: subject, issuer and thumbprint as notation and Ratify print them.
//!
//! Certificates travel as DER bytes (`Vec<u8>`), so the authenticity check compares exactly what
//! notation compares (`x509.Certificate.Equal`, i.e. the raw DER).

mod cert;
mod chain;
mod goformat;
mod pem;
mod ratify;
mod sigalg;
mod signature;
mod truststore;

use std::fmt;

pub use cert::{CertificateInfo, describe};
pub use chain::{Purpose, validate_chain};
pub use pem::{read_certificates, read_certificates_from};
pub use truststore::TrustStores;

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

    /// All types, in the order notation-go lists them (`truststore.Types`).
    pub const ALL: [StoreType; 3] = [StoreType::Ca, StoreType::SigningAuthority, StoreType::Tsa];
}

impl fmt::Display for StoreType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a certificate, trust store or chain was refused. The message (`Display`) is the text
/// notation (or Ratify, for Ratify's configuration) produces, so reports read the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum X509Error {
    /// A certificate file or blob could not be read or parsed (`ReadCertificateFile`).
    Read(String),
    /// The named store cannot be used (notation-go `truststore.TrustStoreError`).
    TrustStore(String),
    /// A file in a store is unreadable or not an acceptable trust anchor (notation-go
    /// `truststore.CertificateError`).
    Certificate(String),
    /// Ratify's `verificationCertStores` is malformed.
    Config(String),
    /// The chain breaks a Notary Project certificate requirement (notation-core-go wording).
    InvalidChain(String),
}

impl X509Error {
    /// The message alone.
    pub fn message(&self) -> &str {
        match self {
            X509Error::Read(m)
            | X509Error::TrustStore(m)
            | X509Error::Certificate(m)
            | X509Error::Config(m)
            | X509Error::InvalidChain(m) => m,
        }
    }
}

impl fmt::Display for X509Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for X509Error {}

/// notation's authenticity check (notation-core-go `signature.VerifyAuthenticity`): the
/// signature is authentic when any certificate of its chain is byte-for-byte one of the trusted
/// certificates. There is deliberately no path building here: notation trusts a chain through
/// whichever of its certificates the store holds (root, intermediate or a self-signed leaf), and
/// the chain's own integrity is [`validate_chain`]'s job. On `false` notation reports
/// [`UNTRUSTED_CHAIN_MESSAGE`].
pub fn chain_is_trusted(chain: &[Vec<u8>], trusted: &[Vec<u8>]) -> bool {
    chain
        .iter()
        .any(|cert| trusted.iter().any(|anchor| anchor == cert))
}

/// notation-core-go `SignatureAuthenticityError`: what notation reports when
/// [`chain_is_trusted`] is false.
pub const UNTRUSTED_CHAIN_MESSAGE: &str =
    "the signature's certificate chain does not contain any trusted certificate";
