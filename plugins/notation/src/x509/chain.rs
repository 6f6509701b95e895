//! The Notary Project "Certificate Requirements" on a signature's chain, as notation-core-go
//! enforces them (`x509/codesigning_cert_validations.go`, `x509/timestamp_cert_validations.go`,
//! `x509/helper.go`), in the same order and with the same messages.
//!
//! notation-core-go follows its code, not every line of the specification, and so do we:
//! basic constraints need not be critical on CAs, `anyExtendedKeyUsage` is not refused on
//! code-signing leaves, and a leaf without an extended key usage extension is accepted.

use time::OffsetDateTime;

use super::X509Error;
use super::cert::{Cert, key_usage};
use super::goformat::{go_time, quote};
use super::signature::{Curve, PublicKey};

/// What the chain signs: the signature itself, or an RFC 3161 timestamp countersignature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `ValidateCodeSigningCertChain`.
    CodeSigning,
    /// `ValidateTimestampingCertChain`.
    Timestamping,
}

const TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";

/// Validates an ordered chain (leaf first, root last) against the certificate requirements
/// for `purpose`. With `at`, every certificate must also be valid at that instant (bounds
/// inclusive), checked where notation-core-go checks its `signingTime`. notation passes no time
/// when verifying an envelope (validity is judged separately, against the timestamp or the
/// current time) and `ValidateTimestampingCertChain` takes none, so `None` reproduces both
/// exactly. The chain need not be trusted: that is [`super::chain_is_trusted`].
pub fn validate_chain(
    chain: &[Vec<u8>],
    purpose: Purpose,
    at: Option<OffsetDateTime>,
) -> Result<(), X509Error> {
    let certs = chain
        .iter()
        .map(|der| Cert::parse(der))
        .collect::<Result<Vec<_>, _>>()?;
    check(&certs, purpose, at).map_err(X509Error::InvalidChain)
}

fn check(certs: &[Cert<'_>], purpose: Purpose, at: Option<OffsetDateTime>) -> Result<(), String> {
    let Some(last) = certs.len().checked_sub(1) else {
        return Err("certificate chain must contain at least one certificate".to_string());
    };
    if last == 0 {
        return check_single(&certs[0], purpose, at);
    }
    for (i, cert) in certs.iter().enumerate() {
        check_time(cert, at)?;
        let subject = quote(&cert.subject);
        if i == last {
            match cert.is_issued_by(cert) {
                Err(e) => {
                    return Err(format!(
                        "root certificate with subject {subject} is invalid or not self-signed. \
                         Certificate chain must end with a valid self-signed root certificate. \
                         Error: {e}"
                    ));
                }
                Ok(false) => {
                    return Err(format!(
                        "root certificate with subject {subject} is not self-signed. Certificate \
                         chain must end with a valid self-signed root certificate"
                    ));
                }
                Ok(true) => {}
            }
        } else {
            // A self-signed certificate before the end means extra roots; a failing self-check
            // is what a genuine non-root gives, so only success is an error here.
            if cert.is_issued_by(cert) == Ok(true) {
                let role = if i == 0 { "leaf" } else { "intermediate" };
                return Err(format!(
                    "{role} certificate with subject {subject} is self-signed. Certificate chain \
                     must not contain self-signed {role} certificate"
                ));
            }
            let parent = &certs[i + 1];
            let parent_subject = quote(&parent.subject);
            match cert.is_issued_by(parent) {
                Err(e) => {
                    return Err(format!(
                        "invalid certificates or certificate with subject {subject} is not \
                         issued by {parent_subject}. Error: {e}"
                    ));
                }
                Ok(false) => {
                    return Err(format!(
                        "certificate with subject {subject} is not issued by {parent_subject}"
                    ));
                }
                Ok(true) => {}
            }
        }
        if i == 0 {
            check_leaf(cert, purpose)?;
        } else {
            check_ca(cert, purpose, i - 1)?;
        }
    }
    Ok(())
}

/// A chain of one: a self-signed leaf, held to the leaf requirements only.
fn check_single(
    cert: &Cert<'_>,
    purpose: Purpose,
    at: Option<OffsetDateTime>,
) -> Result<(), String> {
    let subject = quote(&cert.subject);
    if let Err(e) = cert.check_self_signature() {
        return Err(format!(
            "invalid self-signed certificate. subject: {subject}. Error: {e}"
        ));
    }
    if cert.raw_subject != cert.raw_issuer {
        // The two Go functions differ by a space here.
        let (issuer, subject_text) = (&cert.issuer, &cert.subject);
        return Err(match purpose {
            Purpose::CodeSigning => format!(
                "invalid self-signed certificate. subject: {subject}. Error: issuer({issuer}) and \
                 subject({subject_text}) are not the same"
            ),
            Purpose::Timestamping => format!(
                "invalid self-signed certificate. subject: {subject}. Error: issuer ({issuer}) \
                 and subject ({subject_text}) are not the same"
            ),
        });
    }
    check_time(cert, at)?;
    check_leaf(cert, purpose).map_err(|e| format!("invalid self-signed certificate. Error: {e}"))
}

/// `validateSigningTime`: bounds inclusive.
fn check_time(cert: &Cert<'_>, at: Option<OffsetDateTime>) -> Result<(), String> {
    match at {
        Some(at) if at < cert.not_before || at > cert.not_after => Err(format!(
            "certificate with subject {} was invalid at signing time of {}. Certificate is valid \
             from [{}] to [{}]",
            quote(&cert.subject),
            go_time(at),
            go_time(cert.not_before),
            go_time(cert.not_after)
        )),
        _ => Ok(()),
    }
}

fn check_leaf(cert: &Cert<'_>, purpose: Purpose) -> Result<(), String> {
    let subject = quote(&cert.subject);
    if cert.is_ca() {
        return Err(format!(
            "certificate with subject {subject}: if the basic constraints extension is present, \
             the ca field must be set to false"
        ));
    }
    check_key_usage_present(cert, purpose)?;
    check_leaf_key_usage(cert)?;
    match purpose {
        Purpose::CodeSigning => check_code_signing_eku(cert)?,
        Purpose::Timestamping => check_timestamping_eku(cert)?,
    }
    check_key_spec(cert).map_err(|e| format!("certificate with subject {subject}: {e}"))
}

fn check_ca(cert: &Cert<'_>, purpose: Purpose, expected_path_len: usize) -> Result<(), String> {
    let subject = quote(&cert.subject);
    if !cert.is_ca() {
        return Err(format!(
            "certificate with subject {subject}: ca field in basic constraints must be present, \
             critical, and set to true"
        ));
    }
    // pathLenConstraint counts the CAs below this one; absent means unlimited.
    let path_len = cert.basic_constraints.and_then(|bc| bc.value.path_len);
    if let Some(max) = path_len.filter(|&max| (max as usize) < expected_path_len) {
        return Err(format!(
            "certificate with subject {subject}: expected path length of {expected_path_len} but \
             certificate has path length {max} instead"
        ));
    }
    check_key_usage_present(cert, purpose)?;
    if cert.key_usage_bits() & key_usage::CERT_SIGN == 0 {
        return Err(format!(
            "certificate with subject {subject}: key usage must have the bit positions for key \
             cert sign set"
        ));
    }
    Ok(())
}

/// Key usage must be present; for code signing also critical (timestamping: SHOULD only).
fn check_key_usage_present(cert: &Cert<'_>, purpose: Purpose) -> Result<(), String> {
    let subject = quote(&cert.subject);
    match cert.key_usage {
        None => Err(format!(
            "certificate with subject {subject}: key usage extension must be present"
        )),
        Some(ku) if !ku.critical && purpose == Purpose::CodeSigning => Err(format!(
            "certificate with subject {subject}: key usage extension must be marked critical"
        )),
        Some(_) => Ok(()),
    }
}

/// `validateLeafKeyUsage`: digitalSignature, and none of the encipherment or CA bits.
fn check_leaf_key_usage(cert: &Cert<'_>) -> Result<(), String> {
    let bits = cert.key_usage_bits();
    let subject = quote(&cert.subject);
    if bits & key_usage::DIGITAL_SIGNATURE == 0 {
        return Err(format!(
            "the certificate with subject {subject} is invalid. The key usage must have the bit \
             positions for \"Digital Signature\" set"
        ));
    }
    let forbidden = [
        (key_usage::KEY_ENCIPHERMENT, "KeyEncipherment"),
        (key_usage::DATA_ENCIPHERMENT, "DataEncipherment"),
        (key_usage::KEY_AGREEMENT, "KeyAgreement"),
        (key_usage::CERT_SIGN, "CertSign"),
        (key_usage::CRL_SIGN, "CRLSign"),
        (key_usage::ENCIPHER_ONLY, "EncipherOnly"),
        (key_usage::DECIPHER_ONLY, "DecipherOnly"),
    ];
    let found: Vec<String> = forbidden
        .iter()
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, name)| format!("\"{name}\""))
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the certificate with subject {subject} is invalid. The key usage must be \"Digital \
         Signature\" only, but found {}",
        found.join(", ")
    ))
}

/// Code signing: no EKU extension is fine; if present it must not name serverAuth,
/// clientAuth, emailProtection, timeStamping or OCSPSigning (first offender in certificate
/// order is reported).
fn check_code_signing_eku(cert: &Cert<'_>) -> Result<(), String> {
    let excluded = [
        ("1.3.6.1.5.5.7.3.1", "ServerAuth"),
        ("1.3.6.1.5.5.7.3.2", "ClientAuth"),
        ("1.3.6.1.5.5.7.3.4", "EmailProtection"),
        (TIME_STAMPING, "Timestamping"),
        ("1.3.6.1.5.5.7.3.9", "OCSPSigning"),
    ];
    let ekus = cert
        .ext_key_usage
        .as_ref()
        .map_or(&[][..], |e| &e.value[..]);
    for eku in ekus {
        if let Some((_, name)) = excluded.iter().find(|(oid, _)| oid == eku) {
            return Err(format!(
                "certificate with subject {}: extended key usage must not contain {name} eku",
                quote(&cert.subject)
            ));
        }
    }
    Ok(())
}

/// Timestamping (RFC 3161 §2.3): exactly one EKU, timeStamping, in a critical extension.
fn check_timestamping_eku(cert: &Cert<'_>) -> Result<(), String> {
    let subject = quote(&cert.subject);
    let Some(ext) = &cert.ext_key_usage else {
        return Err(only_timestamping(&subject));
    };
    // Go counts known and unknown OIDs separately (one known, zero unknown): together that is
    // exactly one OID, timeStamping; a repeated timeStamping counts twice.
    if ext.value.len() != 1 || ext.value[0] != TIME_STAMPING {
        return Err(only_timestamping(&subject));
    }
    if !ext.critical {
        return Err(format!(
            "timestamp signing certificate with subject {subject} must have extended key usage \
             extension marked as critical"
        ));
    }
    Ok(())
}

fn only_timestamping(subject: &str) -> String {
    format!(
        "timestamp signing certificate with subject {subject} must have and only have \
         Timestamping as extended key usage"
    )
}

/// notation-core-go `ExtractKeySpec`: RSA 2048/3072/4096 or ECDSA P-256/384/521.
fn check_key_spec(cert: &Cert<'_>) -> Result<(), String> {
    match cert.key {
        PublicKey::Rsa {
            bits: 2048 | 3072 | 4096,
            ..
        } => Ok(()),
        PublicKey::Rsa { bits, .. } => Err(format!("rsa key size {bits} bits is not supported")),
        PublicKey::Ec {
            curve: Curve::P256 | Curve::P384 | Curve::P521,
            ..
        } => Ok(()),
        PublicKey::Ec {
            curve: Curve::P224, ..
        } => Err("ecdsa key size 224 bits is not supported".to_string()),
        _ => Err("unsupported public key type".to_string()),
    }
}
