//! The signing certificate's path to a trusted root, as cosign's `TrustedCert` (Go
//! `x509.Certificate.Verify` with the code-signing usage) and sigstore-go's
//! `FulcioCertificateAuthority.Verify` check it, but at a time the caller chooses: the
//! transparency log's integrated time for Fulcio certificates, which expire ten minutes after
//! issue; "now" for long-lived bring-your-own PKI.
//!
//! rustls-webpki builds the path. Its rules line up with Go's where cosign's data needs them:
//! validity is inclusive at both ends (COS-01 and SGO-01 were logged in the very second of
//! notBefore); a critical subjectAltName holding only a Fulcio otherName is understood (cosign
//! has to strip it from Go's unhandled-critical list by hand); a certificate without an
//! extended-key-usage extension may sign code (containers/image's BYO-PKI leaf has none). Where
//! webpki is stricter — certificate signatures by P-521 keys, RSA below 2048 bits — the chain
//! is refused and the error says so.

use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use webpki::{
    EndEntityCert, Error, ExtendedKeyUsageValidator, KeyPurposeId, KeyPurposeIdIter, KeyUsage,
    RequiredEkuNotFoundContext,
};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::{cert_parts, rfc3339};
use crate::der::oid_contents;

/// id-kp-codeSigning (1.3.6.1.5.5.7.3.3), DER contents.
const CODE_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];
/// anyExtendedKeyUsage (2.5.29.37.0), DER contents.
const ANY_EXTENDED_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25, 0x00];

/// Go's `checkChainForKeyUsage` for one certificate asked for codeSigning: no EKU extension,
/// codeSigning, or anyExtendedKeyUsage. (webpki's `KeyUsage::required_if_present` is the same
/// rule without the anyExtendedKeyUsage case.)
struct GoCodeSigningUsage;

impl ExtendedKeyUsageValidator for GoCodeSigningUsage {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), Error> {
        let mut present = Vec::new();
        for id in iter {
            let id = id?;
            if id == KeyPurposeId::new(CODE_SIGNING)
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
                required: KeyUsage::required(CODE_SIGNING),
                present,
            },
        ))
    }
}

/// The leaf's path to one of `roots` through `intermediates` at `time` (unix seconds), via
/// rustls-webpki, code-signing EKU required only if a certificate has an EKU extension,
/// inclusive validity. Returns the chain leaf-first (leaf, intermediates..., root) as webpki
/// built it. Errors are Go's `x509:` messages.
///
/// `intermediates` may contain the root itself (sigstore-go's v0.1 bundles carry the whole
/// chain): copies of a root are dropped from the intermediates, so the path ends at the anchor.
pub fn verify_chain(
    leaf: &[u8],
    intermediates: &[Vec<u8>],
    roots: &[Vec<u8>],
    time: i64,
) -> Result<Vec<Vec<u8>>, String> {
    let leaf_der = CertificateDer::from(leaf);
    let end_entity =
        EndEntityCert::try_from(&leaf_der).map_err(|e| go_error(&e, time, leaf, &[], roots))?;
    let seconds = u64::try_from(time).map_err(|_| {
        format!(
            "x509: certificate has expired or is not yet valid: current time {} is before the \
             Unix epoch",
            rfc3339(time)
        )
    })?;
    let root_ders: Vec<CertificateDer<'_>> = roots
        .iter()
        .map(|r| CertificateDer::from(r.as_slice()))
        .collect();
    // A root webpki cannot read is left out, as Go's pool leaves out what it cannot parse.
    let anchors: Vec<(TrustAnchor<'_>, &Vec<u8>)> = root_ders
        .iter()
        .zip(roots)
        .filter_map(|(der, raw)| webpki::anchor_from_trusted_cert(der).ok().map(|a| (a, raw)))
        .collect();
    if anchors.is_empty() {
        return Err("x509: certificate signed by unknown authority (no usable root)".into());
    }
    let trust_anchors: Vec<TrustAnchor<'_>> = anchors.iter().map(|(a, _)| a.clone()).collect();
    let kept: Vec<&Vec<u8>> = intermediates
        .iter()
        .filter(|c| !roots.contains(c) && c.as_slice() != leaf)
        .collect();
    let intermediate_ders: Vec<CertificateDer<'_>> = kept
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let path = end_entity
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &trust_anchors,
            &intermediate_ders,
            UnixTime::since_unix_epoch(std::time::Duration::from_secs(seconds)),
            GoCodeSigningUsage,
            None,
            None,
        )
        .map_err(|e| go_error(&e, time, leaf, intermediates, roots))?;
    let mut chain = vec![leaf.to_vec()];
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

/// cosign's `CheckExpiry` for one certificate: `notBefore <= time <= notAfter`.
pub fn valid_at(cert_der: &[u8], time: i64) -> Result<(), String> {
    let (not_before, not_after) = validity(cert_der)?;
    if not_after < time {
        return Err(format!(
            "certificate expired before observed time: {} is before {}",
            rfc3339(not_after),
            rfc3339(time)
        ));
    }
    if not_before > time {
        return Err(format!(
            "certificate was issued after observed time: {} is after {}",
            rfc3339(not_before),
            rfc3339(time)
        ));
    }
    Ok(())
}

/// (notBefore, notAfter) as unix seconds.
pub fn validity(cert_der: &[u8]) -> Result<(i64, i64), String> {
    let (_, cert) = X509Certificate::from_der(cert_der)
        .map_err(|e| format!("x509: malformed certificate: {e}"))?;
    let v = cert.validity();
    Ok((v.not_before.timestamp(), v.not_after.timestamp()))
}

/// ecdsa-with-SHA512 (1.2.840.10045.4.3.4) and the P-521 curve (1.3.132.0.35).
fn mentions_p521(der: &[u8]) -> bool {
    let needles = [
        oid_contents("1.2.840.10045.4.3.4"),
        oid_contents("1.3.132.0.35"),
    ];
    // Only the key and signature algorithm matter; an OID match anywhere in the TBS is close
    // enough for choosing an explanation, never for a verdict.
    cert_parts(der).is_ok_and(|p| {
        needles
            .iter()
            .any(|n| p.tbs.full.windows(n.len()).any(|w| w == n.as_slice()))
    })
}

/// Go's wording for the webpki failure (the deprecated variants are still produced by some
/// webpki paths, so they are matched too). P-521 gets its own explanation: Go would verify it.
#[allow(deprecated)]
fn go_error(
    error: &Error,
    time: i64,
    leaf: &[u8],
    intermediates: &[Vec<u8>],
    roots: &[Vec<u8>],
) -> String {
    match error {
        Error::UnknownIssuer
        | Error::InvalidSignatureForPublicKey
        | Error::UnsupportedSignatureAlgorithm
        | Error::UnsupportedSignatureAlgorithmContext(_)
        | Error::UnsupportedSignatureAlgorithmForPublicKey
        | Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            let p521 = std::iter::once(leaf)
                .chain(intermediates.iter().map(Vec::as_slice))
                .chain(roots.iter().map(Vec::as_slice))
                .any(mentions_p521);
            if p521 {
                "x509: certificate signed by unknown authority (a certificate in the chain \
                 uses ECDSA P-521 or SHA-512 with ECDSA, which this verifier's certificate \
                 path validation does not support)"
                    .into()
            } else {
                "x509: certificate signed by unknown authority".into()
            }
        }
        Error::CertExpired { not_after, .. } => format!(
            "x509: certificate has expired or is not yet valid: current time {} is after {}",
            rfc3339(time),
            unix(*not_after)
        ),
        Error::CertNotValidYet { not_before, .. } => format!(
            "x509: certificate has expired or is not yet valid: current time {} is before {}",
            rfc3339(time),
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

fn unix(t: UnixTime) -> String {
    i64::try_from(t.as_secs()).map_or_else(|_| format!("{}s", t.as_secs()), rfc3339)
}
