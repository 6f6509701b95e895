//! Named trust stores (`<type>:<name>` in a trust policy) and their certificates, loaded the way
//! notation-go's `verifier/truststore` does from `truststore/x509/<type>/<name>/*`, or the way
//! Ratify v1 serves them from its configuration (see [`super::ratify`]).
//!
//! Stores are read once, when built, and each store keeps its own outcome: as in notation-go,
//! a broken store only fails the verifications whose policy names it.

use std::collections::BTreeMap;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::cert::Cert;
use super::goformat::quote;
use super::pem::read_certificates;
use super::{StoreType, X509Error, ratify};

/// Certificates of each named store, or why that store cannot be used.
pub(crate) type Loaded = Result<Vec<Vec<u8>>, X509Error>;

/// Each named store's outcome.
pub(crate) type Stores = BTreeMap<(StoreType, String), Loaded>;

/// The trust stores a trust policy can name.
#[derive(Debug, Clone)]
pub struct TrustStores {
    stores: Stores,
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    /// notation's directory layout; `unreadable` holds types whose directory exists but cannot
    /// be listed.
    Notation { unreadable: Vec<StoreType> },
    /// Ratify v1: any store not configured in `verificationCertStores` is served by
    /// `verificationCerts`.
    Ratify { fallback: Loaded },
}

impl TrustStores {
    /// Loads every store under `<dir>/truststore/x509/<type>/<name>` (`dir` is notation's
    /// configuration directory). A missing layout is not an error: stores are reported missing
    /// when a policy asks for them.
    pub fn from_notation_dir(dir: &Path) -> Result<Self, X509Error> {
        let root = dir.join("truststore").join("x509");
        let mut stores = BTreeMap::new();
        let mut unreadable = Vec::new();
        for kind in StoreType::ALL {
            let entries = match fs::read_dir(root.join(kind.as_str())) {
                Ok(entries) => entries,
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(_) => {
                    unreadable.push(kind);
                    continue;
                }
            };
            for entry in entries.flatten() {
                // A name that is not UTF-8 cannot be written in a policy, so it cannot be asked for.
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                let loaded = load_store(kind, &name, &entry.path());
                stores.insert((kind, name), loaded);
            }
        }
        Ok(TrustStores {
            stores,
            source: Source::Notation { unreadable },
        })
    }

    /// Builds the stores of a Ratify v1 notation verifier from its `verificationCerts` (files or
    /// directories, walked recursively) and `verificationCertStores` (`{"ca"|"signingAuthority"|
    /// "tsa": {"<store>": [paths]}}`, or the legacy `{"<store>": [paths]}` meaning `ca`). Ratify
    /// adds its default directory (`~/.ratify/ratify-certs/notation/truststore`) to
    /// `verificationCerts` itself; pass it here if that behaviour is wanted.
    pub fn from_ratify(
        verification_certs: &[PathBuf],
        cert_stores: &Value,
    ) -> Result<Self, X509Error> {
        let (stores, fallback) = ratify::load(verification_certs, cert_stores)?;
        Ok(TrustStores {
            stores,
            source: Source::Ratify { fallback },
        })
    }

    /// The certificates of `type:name`, or the error notation (or Ratify) gives for that store:
    /// a store a policy names but that does not exist is an error in notation's layout; Ratify
    /// serves it from `verificationCerts` instead.
    pub fn certificates(&self, kind: StoreType, name: &str) -> Result<&[Vec<u8>], X509Error> {
        let found = self.stores.get(&(kind, name.to_string()));
        let loaded = match &self.source {
            Source::Ratify { fallback } => found.unwrap_or(fallback),
            Source::Notation { unreadable } => {
                if !is_valid_name(name) {
                    return Err(X509Error::TrustStore(format!(
                        "trust store name needs to follow [a-zA-Z0-9_.-]+ format, {name} is invalid"
                    )));
                }
                match found {
                    Some(loaded) => loaded,
                    None if unreadable.contains(&kind) => {
                        return Err(X509Error::TrustStore(format!(
                            "failed to access the trust store {} of type {}",
                            quote(name),
                            quote(kind.as_str())
                        )));
                    }
                    None => {
                        return Err(X509Error::TrustStore(format!(
                            "the trust store {} of type {} does not exist",
                            quote(name),
                            quote(kind.as_str())
                        )));
                    }
                }
            }
        };
        match loaded {
            Ok(certs) => Ok(certs),
            Err(e) => Err(e.clone()),
        }
    }
}

/// notation-go `file.IsValidFileName`: `^[a-zA-Z0-9_.-]+$`.
fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// notation-go `x509TrustStore.GetCertificates` for one store directory.
fn load_store(kind: StoreType, name: &str, path: &Path) -> Loaded {
    let is_plain_dir = fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
    if !is_plain_dir {
        return Err(X509Error::TrustStore(format!(
            "the trust store {name} of type {kind} with path {} is not a regular directory \
             (symlinks are not supported)",
            path.display()
        )));
    }
    let access = || {
        X509Error::TrustStore(format!(
            "failed to access the trust store {} of type {}",
            quote(name),
            quote(kind.as_str())
        ))
    };
    let mut entries = fs::read_dir(path)
        .map_err(|_| access())?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| access())?;
    // Go's os.ReadDir sorts by name.
    entries.sort_by_key(|e| e.file_name());
    let mut certificates = Vec::new();
    for entry in entries {
        let file = entry.file_name().to_string_lossy().into_owned();
        let in_store = format!("{file} in trust store {name} of type {kind}");
        let file_type = entry.file_type().map_err(|_| access())?;
        if file_type.is_dir() || file_type.is_symlink() {
            return Err(X509Error::Certificate(format!(
                "trusted certificate {in_store} is not a regular file (directories or symlinks \
                 are not supported)"
            )));
        }
        let certs = read_certificates(&entry.path()).map_err(|_| {
            X509Error::Certificate(format!("failed to read the trusted certificate {in_store}"))
        })?;
        if validate_anchors(&certs).is_err() {
            return Err(X509Error::Certificate(format!(
                "failed to validate the trusted certificate {in_store}"
            )));
        }
        // TSA stores must hold root CA certificates.
        if kind == StoreType::Tsa {
            for der in &certs {
                if let Err(e) = Cert::parse(der)
                    .map_err(|e| e.to_string())
                    .and_then(|c| root_ca(&c))
                {
                    return Err(X509Error::Certificate(format!(
                        "trusted certificate {in_store} is invalid: {e}"
                    )));
                }
            }
        }
        certificates.extend(certs);
    }
    if certificates.is_empty() {
        return Err(X509Error::Certificate(format!(
            "no x509 certificates were found in trust store {} of type {}",
            quote(name),
            quote(kind.as_str())
        )));
    }
    Ok(certificates)
}

/// notation-go `truststore.ValidateCertificates`: every certificate is a CA or self-signed
/// (its signature verifies with its own key).
fn validate_anchors(certs: &[Vec<u8>]) -> Result<(), String> {
    if certs.is_empty() {
        return Err("input certs cannot be empty".to_string());
    }
    for der in certs {
        let cert = Cert::parse(der).map_err(|e| e.to_string())?;
        if !is_anchor(&cert) {
            return Err(format!(
                "certificate with subject {} is not a CA certificate or self-signed signing \
                 certificate",
                quote(&cert.subject)
            ));
        }
    }
    Ok(())
}

/// The trust-anchor rule notation-go and Ratify share: a CA certificate, or a self-signed one.
pub(crate) fn is_anchor(cert: &Cert<'_>) -> bool {
    cert.is_ca() || cert.check_self_signature().is_ok()
}

/// notation-go `isRootCACertificate`: signs itself as a CA (`CheckSignatureFrom(itself)`) and
/// names itself as issuer.
fn root_ca(cert: &Cert<'_>) -> Result<(), String> {
    let subject = quote(&cert.subject);
    if let Err(e) = cert.check_signature_from(cert) {
        return Err(format!(
            "certificate with subject {subject} is not a root CA certificate: {e}"
        ));
    }
    if cert.raw_subject != cert.raw_issuer {
        return Err(format!(
            "certificate with subject {subject} is not a root CA certificate: issuer ({}) and \
             subject ({}) are not the same",
            cert.issuer, cert.subject
        ));
    }
    Ok(())
}
