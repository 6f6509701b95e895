//! Trust store references and trusted identities of a policy statement: their validation
//! (notation-go `validateTrustStore`, `validateTrustedIdentities`, `validateOverlappingDNs`)
//! and the identity check of verification (`verifier.verifyX509TrustedIdentities`).

use std::fmt;

use x509_parser::x509::X509Name;

use super::dn::DistinguishedName;
use super::document::TrustPolicy;
use super::quote::go_quote;
use super::{PolicyError, WILDCARD, X509_SUBJECT};
use crate::x509::StoreType;

/// A `trustStores` entry, `<type>:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrustStoreRef {
    /// The store type (`ca`, `signingAuthority`, `tsa`).
    pub kind: StoreType,
    /// The named store, `[a-zA-Z0-9_.-]+`.
    pub name: String,
}

impl TrustStoreRef {
    /// Parses an entry the way notation validates it, for statement `policy`.
    pub fn parse(policy: &str, value: &str) -> Result<Self, PolicyError> {
        let (policy_q, value_q) = (go_quote(policy), go_quote(value));
        let Some((kind, name)) = value.split_once(':') else {
            return Err(PolicyError::new(format!(
                "trust policy statement {policy_q} has malformed trust store value {value_q}. The required format is <TrustStoreType>:<TrustStoreName>"
            )));
        };
        let Some(kind) = StoreType::parse(kind) else {
            return Err(PolicyError::new(format!(
                "trust policy statement {policy_q} uses an unsupported trust store type {} in trust store value {value_q}",
                go_quote(kind)
            )));
        };
        // notation's `file.IsValidFileName`: the name becomes a directory name.
        let valid_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !valid_name {
            return Err(PolicyError::new(format!(
                "trust policy statement {policy_q} uses an unsupported trust store name {} in trust store value {value_q}. Named store name needs to follow [a-zA-Z0-9_.-]+ format",
                go_quote(name)
            )));
        }
        Ok(TrustStoreRef {
            kind,
            name: name.to_owned(),
        })
    }
}

impl fmt::Display for TrustStoreRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.name)
    }
}

/// A `trustedIdentities` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustedIdentity {
    /// `*`: any signer whose chain leads to the trust stores.
    Any,
    /// `x509.subject:<RFC 4514 DN>`: the leaf certificate subject must contain this DN.
    Subject(DistinguishedName),
}

impl TrustedIdentity {
    /// The identity as written in the policy.
    pub fn to_policy_string(&self) -> String {
        match self {
            TrustedIdentity::Any => WILDCARD.to_owned(),
            TrustedIdentity::Subject(dn) => format!("{X509_SUBJECT}:{}", dn.as_text()),
        }
    }

    /// The DN of an `x509.subject` identity.
    pub fn as_subject(&self) -> Option<&DistinguishedName> {
        match self {
            TrustedIdentity::Subject(dn) => Some(dn),
            TrustedIdentity::Any => None,
        }
    }
}

/// A statement's identities once validated: the ones notation verifies itself, and the
/// `<prefix>:<value>` ones with another prefix, which notation accepts for verification
/// plugins and its built-in check ignores.
pub(crate) struct ParsedIdentities {
    pub(crate) trusted: Vec<TrustedIdentity>,
    pub(crate) other: Vec<String>,
}

/// Validates a statement's `trustedIdentities` as notation does and parses them.
pub(crate) fn parse_trusted_identities(
    policy: &str,
    values: &[String],
) -> Result<ParsedIdentities, PolicyError> {
    let policy_q = go_quote(policy);
    if values.len() > 1 && values.iter().any(|value| value == WILDCARD) {
        return Err(PolicyError::new(format!(
            "trust policy statement {policy_q} uses a wildcard trusted identity '*', a wildcard identity cannot be used in conjunction with other values"
        )));
    }
    let mut identities = Vec::with_capacity(values.len());
    let mut other = Vec::new();
    for value in values {
        if value.is_empty() {
            return Err(PolicyError::new(format!(
                "trust policy statement {policy_q} has an empty trusted identity"
            )));
        }
        if value == WILDCARD {
            identities.push(TrustedIdentity::Any);
            continue;
        }
        let value_q = go_quote(value);
        let Some((prefix, rest)) = value.split_once(':') else {
            return Err(PolicyError::new(format!(
                "trust policy statement {policy_q} has trusted identity {value_q} missing separator"
            )));
        };
        if prefix != X509_SUBJECT {
            other.push(value.clone());
            continue;
        }
        if rest.is_empty() {
            return Err(PolicyError::new(format!(
                "trust policy statement {policy_q} has trusted identity {value_q} without an identity value"
            )));
        }
        let dn = DistinguishedName::parse(rest).map_err(|err| {
            err.wrap(&format!("trust policy statement {policy_q} has trusted identity {value_q} with invalid identity value: "))
        })?;
        identities.push(TrustedIdentity::Subject(dn));
    }
    // Two identities where one contains the other are refused (this includes duplicates).
    let subjects: Vec<&DistinguishedName> = identities
        .iter()
        .filter_map(TrustedIdentity::as_subject)
        .collect();
    for (i, first) in subjects.iter().enumerate() {
        for (j, second) in subjects.iter().enumerate() {
            if i != j && first.is_subset_of(second) {
                return Err(PolicyError::new(format!(
                    "trust policy statement {policy_q} has overlapping x509 trustedIdentities, {} overlaps with {}",
                    go_quote(&format!("{X509_SUBJECT}:{}", first.as_text())),
                    go_quote(&format!("{X509_SUBJECT}:{}", second.as_text()))
                )));
            }
        }
    }
    Ok(ParsedIdentities {
        trusted: identities,
        other,
    })
}

impl TrustPolicy {
    /// notation's built-in identity check (`verifyX509TrustedIdentities`) of the leaf
    /// certificate subject: `*` accepts any signer; otherwise some `x509.subject` identity
    /// must be a subset of the subject as notation parses it.
    pub fn verify_trusted_identities(
        &self,
        leaf_subject: &X509Name<'_>,
    ) -> Result<(), PolicyError> {
        self.verify_trusted_identities_with(|| DistinguishedName::from_x509_name(leaf_subject))
    }

    /// [`verify_trusted_identities`](Self::verify_trusted_identities) with the subject given
    /// lazily: as in notation, it is only parsed when an `x509.subject` identity must be
    /// matched, so `*` accepts even a subject notation could not parse.
    pub fn verify_trusted_identities_with(
        &self,
        leaf_subject: impl FnOnce() -> Result<DistinguishedName, PolicyError>,
    ) -> Result<(), PolicyError> {
        if self.trusted_identities.contains(&TrustedIdentity::Any) {
            return Ok(());
        }
        let name_q = go_quote(&self.name);
        let trusted: Vec<&DistinguishedName> = self
            .trusted_identities
            .iter()
            .filter_map(TrustedIdentity::as_subject)
            .collect();
        if trusted.is_empty() {
            return Err(PolicyError::new(format!(
                "no x509 trusted identities are configured in the trust policy {name_q}"
            )));
        }
        let subject = leaf_subject().map_err(|err| {
            PolicyError::new(format!(
                "error while parsing the certificate subject from the digital signature. error : {}",
                go_quote(&err.message)
            ))
        })?;
        if trusted.iter().any(|dn| dn.is_subset_of(&subject)) {
            return Ok(());
        }
        let maps: Vec<String> = trusted.iter().map(|dn| dn.go_map_string()).collect();
        Err(PolicyError::new(format!(
            "signing certificate from the digital signature does not match the X.509 trusted identities [{}] defined in the trust policy {name_q}",
            maps.join(" ")
        )))
    }
}
