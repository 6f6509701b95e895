//! Go's `x509.Certificate.Verify` as tspclient-go calls it on the TSA signing certificate:
//! a path from the signer through the token's certificates to one of the TSA roots, every
//! certificate valid at genTime, the timeStamping usage allowed along the path.
//!
//! Here, unlike for the signature's own chain (see `x509::signature`), a path must be *built*:
//! the token's certificates come in any order and the root comes from the trust store. That is
//! what webpki's builder does, so it is used, with a key-usage rule matching Go's (a
//! certificate without extended key usages, or with anyExtendedKeyUsage, allows every usage).
//! Where webpki's rules are stricter than Go's (P-521 and sub-2048-bit RSA signatures on
//! certificates, version 1 intermediates), such TSA chains are refused; the Notary Project
//! timestamping chain requirements checked afterwards refuse most of them anyway.

use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use webpki::{
    EndEntityCert, Error, ExtendedKeyUsageValidator, KeyPurposeId, KeyPurposeIdIter, KeyUsage,
    RequiredEkuNotFoundContext,
};

/// id-kp-timeStamping (1.3.6.1.5.5.7.3.8), DER contents.
const TIME_STAMPING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];
/// anyExtendedKeyUsage (2.5.29.37.0), DER contents.
const ANY_EXTENDED_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25, 0x00];

/// Go's `checkChainForKeyUsage` for one certificate, asked for timeStamping.
struct GoTimestampingUsage;

impl ExtendedKeyUsageValidator for GoTimestampingUsage {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), Error> {
        let mut present = Vec::new();
        for id in iter {
            let id = id?;
            if id == KeyPurposeId::new(TIME_STAMPING)
                || id == KeyPurposeId::new(ANY_EXTENDED_KEY_USAGE)
            {
                return Ok(());
            }
            present.push(id.to_decoded_oid());
        }
        if present.is_empty() {
            return Ok(());
        }
        Err(Error::RequiredEkuNotFoundContext(
            RequiredEkuNotFoundContext {
                required: KeyUsage::required(TIME_STAMPING),
                present,
            },
        ))
    }
}

/// Builds and verifies the TSA chain: signer first, root (the `roots` entry) last. The error
/// is Go's `x509` message for the same failure.
pub(super) fn verify(
    signer: &[u8],
    intermediates: &[&[u8]],
    roots: &[Vec<u8>],
    at: OffsetDateTime,
) -> Result<Vec<Vec<u8>>, String> {
    let signer_der = CertificateDer::from(signer);
    let end_entity = EndEntityCert::try_from(&signer_der).map_err(|e| go_error(&e, at))?;
    let root_ders: Vec<CertificateDer<'_>> = roots
        .iter()
        .map(|r| CertificateDer::from(r.as_slice()))
        .collect();
    // Roots webpki cannot read are left out, as Go leaves out what it cannot parse.
    let anchors: Vec<(TrustAnchor<'_>, &Vec<u8>)> = root_ders
        .iter()
        .zip(roots)
        .filter_map(|(der, raw)| webpki::anchor_from_trusted_cert(der).ok().map(|a| (a, raw)))
        .collect();
    let trust_anchors: Vec<TrustAnchor<'_>> = anchors.iter().map(|(a, _)| a.clone()).collect();
    let intermediate_ders: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|c| CertificateDer::from(*c))
        .collect();
    // webpki counts whole seconds; the caller's chain check compares the exact genTime.
    let seconds = u64::try_from(at.unix_timestamp()).map_err(|_| {
        format!("x509: certificate has expired or is not yet valid: current time {} is before the Unix epoch", rfc3339(at))
    })?;
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(seconds));
    let path = end_entity
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &trust_anchors,
            &intermediate_ders,
            time,
            GoTimestampingUsage,
            None,
            None,
        )
        .map_err(|e| go_error(&e, at))?;
    let mut chain = vec![signer.to_vec()];
    chain.extend(
        path.intermediate_certificates()
            .map(|cert| cert.der().as_ref().to_vec()),
    );
    let anchor = path.anchor();
    let root = anchors
        .iter()
        .find(|(a, _)| {
            a.subject == anchor.subject
                && a.subject_public_key_info == anchor.subject_public_key_info
        })
        .map(|(_, raw)| (*raw).clone())
        .ok_or("x509: certificate signed by unknown authority")?;
    chain.push(root);
    Ok(chain)
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

fn unix(t: UnixTime) -> String {
    i64::try_from(t.as_secs())
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .map_or_else(|| format!("{}s", t.as_secs()), rfc3339)
}

/// Go's wording for the webpki failure (the deprecated variants are still produced by some
/// webpki paths, so they are matched too).
#[allow(deprecated)]
fn go_error(error: &Error, at: OffsetDateTime) -> String {
    match error {
        Error::UnknownIssuer
        | Error::InvalidSignatureForPublicKey
        | Error::UnsupportedSignatureAlgorithm
        | Error::UnsupportedSignatureAlgorithmContext(_)
        | Error::UnsupportedSignatureAlgorithmForPublicKey
        | Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "x509: certificate signed by unknown authority".into()
        }
        Error::CertExpired { not_after, .. } => format!(
            "x509: certificate has expired or is not yet valid: current time {} is after {}",
            rfc3339(at),
            unix(*not_after)
        ),
        Error::CertNotValidYet { not_before, .. } => format!(
            "x509: certificate has expired or is not yet valid: current time {} is before {}",
            rfc3339(at),
            unix(*not_before)
        ),
        Error::RequiredEkuNotFound | Error::RequiredEkuNotFoundContext(_) => {
            "x509: certificate specifies an incompatible key usage".into()
        }
        Error::UnsupportedCriticalExtension => "x509: unhandled critical extension".into(),
        Error::BadDer | Error::BadDerTime | Error::TrailingData(_) => {
            "x509: malformed certificate".into()
        }
        other => format!("x509: {other}"),
    }
}
