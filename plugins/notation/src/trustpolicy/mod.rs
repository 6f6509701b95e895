//! The Notary Project trust policy document, version 1.0 (`trustpolicy.oci.json`).
//!
//! Pure data: parsing and validating the document exactly as notation-go does when `notation
//! verify` loads it (`verifier/trustpolicy`: `OCIDocument.Validate`, `validatePolicyCore`,
//! `GetApplicableTrustPolicy`), plus the `x509.subject` trusted-identity rules of
//! `internal/pkix` and `verifier.verifyX509TrustedIdentities`. Error messages are notation's,
//! word for word, so that users can search for them.
//!
//! - [`document`]: [`TrustPolicyDocument`], [`TrustPolicy`], validation and scope matching;
//! - [`level`]: verification levels, per-validation actions and `override`;
//! - [`identity`]: trust store references, trusted identities and identity verification;
//! - [`dn`]: distinguished names as notation parses them (go-ldap `ParseDN` + notation rules);
//! - [`x509name`]: certificate subjects rendered the way Go's `pkix.Name.String()` does.

pub mod dn;
pub mod document;
pub mod identity;
pub mod level;
pub mod x509name;

mod json;
mod quote;
mod scope;

#[cfg(test)]
mod tests_dn;
#[cfg(test)]
mod tests_document;
#[cfg(test)]
mod tests_level;
#[cfg(test)]
mod tests_verify;
#[cfg(test)]
mod tests_x509name;

pub use dn::DistinguishedName;
pub use document::{TrustPolicy, TrustPolicyDocument};
pub use identity::{TrustStoreRef, TrustedIdentity};
pub use level::{Action, LevelName, Validation, VerificationLevel, VerifyTimestamp};
pub use scope::validate_registry_scope;

use std::fmt;

/// Notation's tutorial link, appended to several of its trust policy errors.
pub const TRUST_POLICY_LINK: &str =
    "https://notaryproject.dev/docs/quickstart/#create-a-trust-policy";

/// The wildcard value for registry scopes and trusted identities.
pub const WILDCARD: &str = "*";

/// The only trusted identity prefix notation verifies natively.
pub const X509_SUBJECT: &str = "x509.subject";

/// A trust policy that cannot be used, or an artifact/identity it rejects. The message is
/// notation's wording for the same condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// Human-readable reason, as notation words it.
    pub message: String,
}

impl PolicyError {
    /// Builds an error from a message.
    pub fn new(message: impl Into<String>) -> Self {
        PolicyError {
            message: message.into(),
        }
    }

    /// Prefixes the message, the way Go's `fmt.Errorf("...: %w", err)` wraps an error.
    pub(crate) fn wrap(self, prefix: &str) -> Self {
        PolicyError {
            message: format!("{prefix}{}", self.message),
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyError {}
