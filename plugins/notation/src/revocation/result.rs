//! Revocation results, per server, per certificate and for the chain, with notation-go's
//! `revocationFinalResult` rule and log lines.

use super::go_quote;

/// A revocation status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertStatus {
    /// Checked, not revoked.
    Ok,
    /// Cannot be checked: a root, or a certificate naming no OCSP responder and no CRL.
    NonRevocable,
    /// Revoked.
    Revoked,
    /// Could not be determined; the reason (unreachable server, bad CRL, timeout ...).
    Unknown(String),
}

/// How a certificate's status was found (notation-core-go `RevocationMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Not checked (roots, certificates without revocation information).
    None,
    /// OCSP.
    Ocsp,
    /// CRL.
    Crl,
    /// OCSP failed with an unknown status and CRL was tried after it.
    OcspFallbackCrl,
}

impl Method {
    /// notation-core-go's name for the method.
    pub fn name(self) -> &'static str {
        match self {
            Method::None => "Unknown",
            Method::Ocsp => "OCSP",
            Method::Crl => "CRL",
            Method::OcspFallbackCrl => "OCSPFallbackCRL",
        }
    }
}

/// The outcome at one OCSP responder or CRL distribution point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerResult {
    /// The URL as the certificate names it.
    pub server: String,
    /// OCSP or CRL.
    pub method: Method,
    /// What this server said (`Unknown` carries the error).
    pub status: CertStatus,
}

impl ServerResult {
    pub(crate) fn new(server: &str, method: Method, status: CertStatus) -> Self {
        ServerResult {
            server: server.to_string(),
            method,
            status,
        }
    }
}

/// One certificate's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertResult {
    /// The certificate's status.
    pub status: CertStatus,
    /// How it was found.
    pub method: Method,
    /// Every server consulted (OCSP ones first when OCSP fell back to CRL).
    pub servers: Vec<ServerResult>,
}

impl CertResult {
    pub(crate) fn new(status: CertStatus, method: Method, servers: Vec<ServerResult>) -> Self {
        CertResult {
            status,
            method,
            servers,
        }
    }

    pub(crate) fn non_revocable() -> Self {
        CertResult::new(CertStatus::NonRevocable, Method::None, Vec::new())
    }
}

/// The chain's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainResult {
    /// Final status per notation's `revocationFinalResult`: `Ok` when every certificate is OK
    /// or non-revocable, `Revoked` when any certificate is revoked, `Unknown` otherwise. Never
    /// `NonRevocable`.
    pub status: CertStatus,
    /// Subject of the revoked certificate nearest the leaf, when `status` is `Revoked`.
    pub revoked_subject: Option<String>,
    /// Subject of the certificate the final status is about (revoked, or unknown: the unknown
    /// one nearest the leaf), as notation names it in its message.
    pub subject: Option<String>,
    /// Per certificate, leaf first.
    pub certs: Vec<CertResult>,
    /// What notation logs along the way: fallbacks, server errors, cache activity.
    pub details: Vec<String>,
}

impl ChainResult {
    /// notation-go's message for a failed check of a `role` chain ("signing" or
    /// "timestamping"), `None` when the status is OK.
    pub fn message(&self, role: &str) -> Option<String> {
        let subject = go_quote(self.subject.as_deref().unwrap_or_default());
        match self.status {
            CertStatus::Ok | CertStatus::NonRevocable => None,
            CertStatus::Revoked => Some(format!(
                "{role} certificate with subject {subject} is revoked"
            )),
            CertStatus::Unknown(_) => Some(format!(
                "{role} certificate with subject {subject} revocation status is unknown"
            )),
        }
    }
}

/// `revocationFinalResult`: walks from the root to the leaf, logging as notation does.
pub(crate) fn final_result(
    certs: Vec<CertResult>,
    subjects: &[String],
    mut details: Vec<String>,
) -> ChainResult {
    let mut ok_count = 0;
    let mut problem: Option<(CertStatus, &String)> = None;
    let mut revoked: Option<&String> = None;
    for (i, (cert, subject)) in certs.iter().zip(subjects).enumerate().rev() {
        let (number, quoted) = (i + 1, go_quote(subject));
        let fallback = cert.method == Method::OcspFallbackCrl;
        if fallback {
            details.push(format!(
                "OCSP check failed with unknown error and fallback to CRL check for certificate \
                 #{number} in chain with subject {quoted}"
            ));
        }
        for server in &cert.servers {
            if let CertStatus::Unknown(error) = &server.status {
                let method = server.method.name();
                details.push(format!(
                    "Certificate #{number} in chain with subject {quoted} encountered an error \
                     for revocation method {method} at URL {}: {error}",
                    go_quote(&server.server)
                ));
            }
        }
        match &cert.status {
            CertStatus::Ok | CertStatus::NonRevocable => ok_count += 1,
            other => {
                problem = Some((other.clone(), subject));
                if *other == CertStatus::Revoked {
                    revoked = Some(subject);
                }
            }
        }
        if i + 1 < certs.len() && cert.status == CertStatus::NonRevocable {
            details.push(format!(
                "Certificate #{number} in the chain with subject {quoted} neither has an OCSP \
                 nor a CRL revocation method."
            ));
        }
    }
    let (status, subject) = if ok_count == certs.len() {
        (CertStatus::Ok, None)
    } else if let Some(subject) = revoked {
        (CertStatus::Revoked, Some(subject.clone()))
    } else {
        match problem {
            Some((status, subject)) => (status, Some(subject.clone())),
            None => (CertStatus::Unknown("no certificate".into()), None),
        }
    };
    ChainResult {
        revoked_subject: revoked.cloned(),
        status,
        subject,
        certs,
        details,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn cert(status: CertStatus) -> CertResult {
        CertResult::new(status, Method::Crl, Vec::new())
    }

    fn run(statuses: Vec<CertStatus>) -> ChainResult {
        let subjects: Vec<String> = (0..statuses.len()).map(|i| format!("CN=c{i}")).collect();
        final_result(
            statuses.into_iter().map(cert).collect(),
            &subjects,
            Vec::new(),
        )
    }

    #[test]
    fn ok_and_non_revocable_count_as_ok() {
        let result = run(vec![
            CertStatus::Ok,
            CertStatus::NonRevocable,
            CertStatus::NonRevocable,
        ]);
        assert_eq!((result.status, result.subject), (CertStatus::Ok, None));
        // The middle certificate had nothing to check: notation warns about it.
        assert_eq!(result.details.len(), 1);
        assert!(result.details[0].contains("#2 in the chain with subject \"CN=c1\""));
    }

    #[test]
    fn revoked_wins_over_unknown_and_the_leafmost_is_named() {
        let unknown = || CertStatus::Unknown("down".into());
        let result = run(vec![
            unknown(),
            CertStatus::Revoked,
            CertStatus::Revoked,
            CertStatus::NonRevocable,
        ]);
        assert_eq!(result.status, CertStatus::Revoked);
        assert_eq!(result.revoked_subject.as_deref(), Some("CN=c1"));
        assert_eq!(
            result.message("timestamping").unwrap(),
            "timestamping certificate with subject \"CN=c1\" is revoked"
        );
        let result = run(vec![
            unknown(),
            CertStatus::Ok,
            unknown(),
            CertStatus::NonRevocable,
        ]);
        assert_eq!(result.status, unknown());
        assert_eq!(
            (result.subject.as_deref(), result.revoked_subject.as_deref()),
            (Some("CN=c0"), None)
        );
        assert_eq!(
            result.message("signing").unwrap(),
            "signing certificate with subject \"CN=c0\" revocation status is unknown"
        );
    }
}
