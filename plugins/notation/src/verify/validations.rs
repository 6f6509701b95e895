//! The validations of [`super`] that consult trust material or the network: authenticity
//! (trust stores and trusted identities), the authentic timestamp (certificate validity at
//! the right time, RFC 3161 countersignatures) and revocation (CRL and OCSP).

use std::time::Instant;

use time::OffsetDateTime;

use super::UNTRUSTED;
use crate::config::NotationConfig;
use crate::envelope::{Envelope, SigningScheme};
use crate::timestamp::{self, Timestamp};
use crate::trustpolicy::{TrustPolicy, VerifyTimestamp};
use crate::x509::{self, CertificateInfo, StoreType};

/// The trust store check (any certificate of the chain is one the policy trusts) and the
/// trusted identity check (the leaf's subject contains a configured DN).
pub(super) fn authenticity(
    config: &NotationConfig,
    policy: &TrustPolicy,
    envelope: &Envelope,
    leaf: &[u8],
) -> Result<(), String> {
    let kind = match envelope.signing_scheme {
        SigningScheme::X509 => StoreType::Ca,
        SigningScheme::X509SigningAuthority => StoreType::SigningAuthority,
    };
    let mut trusted = Vec::new();
    for store in policy.trust_stores.iter().filter(|s| s.kind == kind) {
        let certificates = config
            .stores
            .certificates(store.kind, &store.name)
            .map_err(|e| e.to_string())?;
        trusted.extend(certificates.iter().cloned());
    }
    if trusted.is_empty() {
        return Err("no trusted certificates are found to verify authenticity".into());
    }
    if !x509::chain_is_trusted(&envelope.certificate_chain, &trusted) {
        return Err(UNTRUSTED.into());
    }
    let (_, leaf_cert) = x509_parser::parse_x509_certificate(leaf)
        .map_err(|e| format!("cannot parse the signing certificate: {e}"))?;
    policy
        .verify_trusted_identities(leaf_cert.subject())
        .map_err(|e| e.to_string())
}

/// Certificate validity at the right time: the authentic signing time for signing
/// authorities; for `notary.x509`, now, or a verified RFC 3161 timestamp when the policy
/// configures a `tsa:` store (always, or after a certificate expired with `afterCertExpiry`).
pub(super) fn authentic_timestamp(
    config: &NotationConfig,
    policy: &TrustPolicy,
    envelope: &Envelope,
    now: OffsetDateTime,
    deadline: Instant,
) -> Result<Option<Timestamp>, String> {
    let chain: Vec<CertificateInfo> = envelope
        .certificate_chain
        .iter()
        .filter_map(|der| x509::describe(der).ok())
        .collect();
    if envelope.signing_scheme == SigningScheme::X509SigningAuthority {
        let at = envelope
            .authentic_signing_time
            .ok_or("the signature has no authentic signing time")?;
        for cert in &chain {
            if at < cert.not_before || at > cert.not_after {
                return Err(format!(
                    "certificate {:?} was not valid when the digital signature was produced at {:?}",
                    cert.subject,
                    rfc1123(at)
                ));
            }
        }
        return Ok(None);
    }
    let tsa_stores: Vec<_> = policy
        .trust_stores
        .iter()
        .filter(|s| s.kind == StoreType::Tsa)
        .collect();
    let expired = chain.iter().any(|c| now > c.not_after);
    let use_timestamp =
        !tsa_stores.is_empty() && (policy.verify_timestamp == VerifyTimestamp::Always || expired);
    if use_timestamp {
        let token = envelope
            .timestamp_token
            .as_deref()
            .filter(|t| !t.is_empty());
        let token =
            token.ok_or("no timestamp countersignature was found in the signature envelope")?;
        let mut roots = Vec::new();
        for store in tsa_stores {
            let certificates = config
                .stores
                .certificates(store.kind, &store.name)
                .map_err(|e| format!("failed to load tsa trust store with error: {e}"))?;
            roots.extend(certificates.iter().cloned());
        }
        let timestamp = timestamp::verify_countersignature(token, &envelope.signature, &roots)
            .map_err(|e| e.message)?;
        timestamp
            .check_signing_chain(&envelope.certificate_chain)
            .map_err(|e| e.message)?;
        // The TSA's own certificates must not be revoked either.
        let tsa = config
            .revocation
            .check_chain(&timestamp.tsa_chain, None, deadline);
        if let Some(message) = tsa.message("timestamping") {
            return Err(message);
        }
        return Ok(Some(timestamp));
    }
    for cert in &chain {
        if now < cert.not_before {
            return Err(format!(
                "verification time is before certificate {:?} validity period, it will be valid from {:?}",
                cert.subject,
                rfc1123(cert.not_before)
            ));
        }
        if now > cert.not_after {
            return Err(format!(
                "verification time is after certificate {:?} validity period, it was expired at {:?}",
                cert.subject,
                rfc1123(cert.not_after)
            ));
        }
    }
    Ok(None)
}

/// Revocation of the signing chain by CRL and OCSP, within the deadline: revoked fails,
/// unknown (unreachable, unparsable) fails too, and the policy's action for revocation
/// decides what a failure means. The authentic signing time counts only for signing
/// authorities, as in notation.
pub(super) fn revocation(
    config: &NotationConfig,
    envelope: &Envelope,
    deadline: Instant,
) -> Result<(), String> {
    let signing_time = match envelope.signing_scheme {
        SigningScheme::X509SigningAuthority => envelope.authentic_signing_time,
        SigningScheme::X509 => None,
    };
    let result = config
        .revocation
        .check_chain(&envelope.certificate_chain, signing_time, deadline);
    if debug_logging() {
        for detail in &result.details {
            eprintln!("revocation: {detail}");
        }
    }
    match result.message("signing") {
        Some(message) => Err(message),
        None => Ok(()),
    }
}

/// Per-certificate revocation details are notation's debug logs: written to stderr (the
/// host's log) only when the host runs at debug level, not on every verification.
fn debug_logging() -> bool {
    static DEBUG: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DEBUG.get_or_init(|| {
        matches!(
            std::env::var("RATIFY_LOG_LEVEL").as_deref(),
            Ok("debug" | "trace")
        )
    })
}

pub(super) fn rfc1123(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc2822)
        .unwrap_or_else(|_| at.to_string())
}
