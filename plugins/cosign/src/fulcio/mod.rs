//! Fulcio (and bring-your-own PKI) signing certificates: the chain to a trusted root at the
//! transparency log's time ([`chain`]), the certificate-transparency promises embedded in the
//! leaf ([`sct`]), and who the certificate was issued to ([`identity`]).
//!
//! A leaf's parts (`CertParts`) are located once per verification and shared by those modules:
//! rebuilding the precertificate TBS for an SCT and reading SAN and Fulcio extension values
//! need byte-exact access to the encoding, which a parsed certificate does not give.

pub mod chain;
pub mod identity;
pub mod sct;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::der::{Tlv, read_all, read_only, read_tlv};

/// The parts of a DER certificate these modules need, located without interpreting them.
pub(crate) struct CertParts<'a> {
    /// The TBSCertificate element (tag, length, contents).
    pub tbs: Tlv<'a>,
    /// The TBSCertificate's top-level fields, in order.
    pub tbs_fields: Vec<Tlv<'a>>,
    /// The subjectPublicKeyInfo element.
    pub spki: &'a [u8],
    /// Each extension: (OID contents, extnValue contents). Nothing here reads the critical
    /// flag (webpki judges criticality), so it is checked for form only.
    pub extensions: Vec<(&'a [u8], &'a [u8])>,
}

/// Splits a DER certificate into its TBS fields and extensions.
pub(crate) fn cert_parts(der: &[u8]) -> Result<CertParts<'_>, String> {
    let cert = read_only(der, 0x30)?;
    let (tbs, _) = read_tlv(cert.contents)?;
    if tbs.tag != 0x30 {
        return Err("malformed certificate: TBSCertificate is not a SEQUENCE".into());
    }
    let tbs_fields = read_all(tbs.contents)?;
    // version [0] is optional; serial, signature, issuer, validity, subject, SPKI follow.
    let skip = usize::from(tbs_fields.first().is_some_and(|f| f.tag == 0xa0));
    let spki = tbs_fields
        .get(skip + 5)
        .filter(|f| f.tag == 0x30)
        .ok_or("malformed certificate: no subjectPublicKeyInfo")?
        .full;
    let mut extensions = Vec::new();
    if let Some(wrapper) = tbs_fields.iter().find(|f| f.tag == 0xa3) {
        let list = read_only(wrapper.contents, 0x30)?;
        for ext in read_all(list.contents)? {
            let parts = read_all(ext.contents)?;
            let (oid, value) = match parts.as_slice() {
                [oid, value] => (oid, value),
                [oid, flag, value] if flag.tag == 0x01 => (oid, value),
                _ => return Err("malformed certificate: bad extension".into()),
            };
            if oid.tag != 0x06 || value.tag != 0x04 {
                return Err("malformed certificate: bad extension".into());
            }
            extensions.push((oid.contents, value.contents));
        }
    }
    Ok(CertParts {
        tbs,
        tbs_fields,
        spki,
        extensions,
    })
}

impl<'a> CertParts<'a> {
    /// The extnValue contents of the first extension whose OID has the DER contents `oid`.
    pub(crate) fn extension(&self, oid: &[u8]) -> Option<&'a [u8]> {
        self.extensions
            .iter()
            .find(|(id, _)| *id == oid)
            .map(|&(_, value)| value)
    }
}

/// A unix time as Go's `time.RFC3339` prints it in UTC.
pub(crate) fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{unix}s"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_utc_zulu() {
        assert_eq!(rfc3339(1676524985), "2023-02-16T05:23:05Z");
    }
}
