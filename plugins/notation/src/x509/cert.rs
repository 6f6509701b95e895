//! A certificate as Go's `crypto/x509` presents it to notation: parsed with x509-parser, then
//! re-read where Go's model differs (extension presence and criticality, EKUs in order, names
//! as `pkix.Name.String()`, key sizes), plus [`describe`] for reports and identity matching.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;

use super::signature::{PublicKey, SigAlg};
use super::{X509Error, goformat};
use crate::der;

const OID_KEY_USAGE: &str = "2.5.29.15";
const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
const OID_EXT_KEY_USAGE: &str = "2.5.29.37";

/// Go's `x509.KeyUsage` bits (bit `i` of the DER BIT STRING is `1 << i`).
pub(crate) mod key_usage {
    pub const DIGITAL_SIGNATURE: u16 = 1;
    pub const KEY_ENCIPHERMENT: u16 = 1 << 2;
    pub const DATA_ENCIPHERMENT: u16 = 1 << 3;
    pub const KEY_AGREEMENT: u16 = 1 << 4;
    pub const CERT_SIGN: u16 = 1 << 5;
    pub const CRL_SIGN: u16 = 1 << 6;
    pub const ENCIPHER_ONLY: u16 = 1 << 7;
    pub const DECIPHER_ONLY: u16 = 1 << 8;
}

/// Extension presence and value, in Go's terms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Present<T> {
    pub critical: bool,
    pub value: T,
}

/// `basicConstraints` as Go reads it (`BasicConstraintsValid`, `IsCA`, `MaxPathLen`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BasicConstraints {
    pub ca: bool,
    pub path_len: Option<u32>,
}

/// The parts of a certificate notation's rules look at.
pub(crate) struct Cert<'a> {
    /// The certificate's DER (Go's `Raw`).
    pub raw: &'a [u8],
    pub tbs: &'a [u8],
    pub sig_alg: SigAlg,
    pub signature: &'a [u8],
    /// Go's `Version` (1, 2 or 3).
    pub version: u32,
    pub raw_subject: &'a [u8],
    pub raw_issuer: &'a [u8],
    /// `pkix.Name.String()` of subject and issuer.
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub key: PublicKey<'a>,
    pub basic_constraints: Option<Present<BasicConstraints>>,
    pub key_usage: Option<Present<u16>>,
    /// Extended key usages in certificate order (dotted OIDs).
    pub ext_key_usage: Option<Present<Vec<String>>>,
}

fn malformed(what: &str) -> X509Error {
    X509Error::Read(format!("x509: {what}"))
}

impl<'a> Cert<'a> {
    /// Parses the certificate at the front of `der`; returns it and the bytes after it (Go's
    /// `ParseCertificates` reads certificates back to back).
    pub(crate) fn parse_prefix(der: &'a [u8]) -> Result<(Cert<'a>, &'a [u8]), X509Error> {
        let (rest, x509) =
            X509Certificate::from_der(der).map_err(|_| malformed("malformed certificate"))?;
        let raw = &der[..der.len() - rest.len()];
        Ok((Cert::from_parsed(raw, &x509)?, rest))
    }

    /// Parses exactly one certificate (Go's `ParseCertificate`).
    pub(crate) fn parse(der: &'a [u8]) -> Result<Cert<'a>, X509Error> {
        match Cert::parse_prefix(der)? {
            (cert, []) => Ok(cert),
            _ => Err(malformed("trailing data")),
        }
    }

    fn from_parsed(raw: &'a [u8], x509: &X509Certificate<'a>) -> Result<Cert<'a>, X509Error> {
        let tbs = &x509.tbs_certificate;
        // Go refuses a certificate whose two signature algorithm fields disagree.
        let outer = &x509.signature_algorithm;
        let same_params = match (&outer.parameters, &tbs.signature.parameters) {
            (None, None) => true,
            (Some(a), Some(b)) => a.tag() == b.tag() && a.data == b.data,
            _ => false,
        };
        if outer.algorithm != tbs.signature.algorithm || !same_params {
            return Err(malformed(
                "inner and outer signature algorithm identifiers don't match",
            ));
        }
        // Go (1.23 on) refuses negative serial numbers.
        if tbs.raw_serial().first().is_some_and(|b| b & 0x80 != 0) {
            return Err(malformed("negative serial number"));
        }
        let std::borrow::Cow::Borrowed(signature) = x509.signature_value.data else {
            return Err(malformed("malformed signature"));
        };
        let subject = goformat::name_string(&tbs.subject).map_err(X509Error::Read)?;
        let issuer = goformat::name_string(&tbs.issuer).map_err(X509Error::Read)?;
        let mut cert = Cert {
            raw,
            tbs: tbs_der(raw).ok_or_else(|| malformed("malformed tbs certificate"))?,
            sig_alg: SigAlg::from_identifier(outer),
            signature,
            version: tbs.version.0 + 1,
            raw_subject: tbs.subject.as_raw(),
            raw_issuer: tbs.issuer.as_raw(),
            subject,
            issuer,
            serial: format!("{:x}", tbs.serial),
            not_before: tbs.validity.not_before.to_datetime(),
            not_after: tbs.validity.not_after.to_datetime(),
            key: PublicKey::from_spki(&tbs.subject_pki).map_err(X509Error::Read)?,
            basic_constraints: None,
            key_usage: None,
            ext_key_usage: None,
        };
        let mut seen = Vec::new();
        for extension in tbs.extensions() {
            let oid = extension.oid.to_id_string();
            if seen.contains(&oid) {
                return Err(malformed("certificate contains duplicate extensions"));
            }
            let critical = extension.critical;
            match (oid.as_str(), extension.parsed_extension()) {
                (_, ParsedExtension::ParseError { .. }) if is_checked(&oid) => {
                    return Err(malformed(&format!("invalid extension {oid}")));
                }
                (OID_BASIC_CONSTRAINTS, ParsedExtension::BasicConstraints(bc)) => {
                    let value = BasicConstraints {
                        ca: bc.ca,
                        path_len: bc.path_len_constraint,
                    };
                    cert.basic_constraints = Some(Present { critical, value });
                }
                (OID_KEY_USAGE, ParsedExtension::KeyUsage(ku)) => {
                    cert.key_usage = Some(Present {
                        critical,
                        value: ku.flags,
                    });
                }
                (OID_EXT_KEY_USAGE, _) => {
                    let value = parse_ekus(extension.value)
                        .ok_or_else(|| malformed("invalid extended key usages"))?;
                    cert.ext_key_usage = Some(Present { critical, value });
                }
                _ => {}
            }
            seen.push(oid);
        }
        Ok(cert)
    }

    /// Go's `IsCA` (basic constraints present with `cA` true).
    pub(crate) fn is_ca(&self) -> bool {
        self.basic_constraints.is_some_and(|bc| bc.value.ca)
    }

    /// Go's `KeyUsage` (0 when the extension is absent).
    pub(crate) fn key_usage_bits(&self) -> u16 {
        self.key_usage.map_or(0, |ku| ku.value)
    }

    /// Go's `CheckSignature(cert.SignatureAlgorithm, RawTBSCertificate, Signature)` on itself:
    /// the signature verifies with the certificate's own key, no CA constraint, SHA-1 allowed.
    pub(crate) fn check_self_signature(&self) -> Result<(), String> {
        self.sig_alg
            .verify(&self.key, self.tbs, self.signature, true)
    }

    /// Go's `CheckSignatureFrom(parent)`: the parent must be allowed to sign certificates,
    /// then its key must verify this certificate's signature (SHA-1 refused).
    pub(crate) fn check_signature_from(&self, parent: &Cert<'_>) -> Result<(), String> {
        let constraint = "x509: invalid signature: parent certificate cannot sign this kind of \
                          certificate";
        let ca_allowed = match parent.basic_constraints {
            Some(bc) => bc.value.ca,
            // Go lets pre-v3 certificates without the extension act as CAs.
            None => parent.version != 3,
        };
        if !ca_allowed {
            return Err(constraint.to_string());
        }
        let ku = parent.key_usage_bits();
        if ku != 0 && ku & key_usage::CERT_SIGN == 0 {
            return Err(constraint.to_string());
        }
        if matches!(parent.key, PublicKey::Unknown) {
            return Err("x509: cannot verify signature: algorithm unimplemented".to_string());
        }
        self.sig_alg
            .verify(&parent.key, self.tbs, self.signature, false)
    }

    /// Go's `isIssuedBy`: signed by `parent` and naming it as issuer.
    pub(crate) fn is_issued_by(&self, parent: &Cert<'_>) -> Result<bool, String> {
        self.check_signature_from(parent)?;
        Ok(parent.raw_subject == self.raw_issuer)
    }
}

/// The TBSCertificate element of a certificate's DER (x509-parser keeps it private).
fn tbs_der(raw: &[u8]) -> Option<&[u8]> {
    let content = der::read_single(raw, der::TAG_SEQUENCE)?;
    der::read(content).map(|(tbs, _)| tbs.raw)
}

/// Extensions whose malformation Go reports at parse time and notation's rules read.
fn is_checked(oid: &str) -> bool {
    matches!(
        oid,
        OID_KEY_USAGE | OID_BASIC_CONSTRAINTS | OID_EXT_KEY_USAGE
    )
}

/// The `ExtKeyUsageSyntax` SEQUENCE OF OBJECT IDENTIFIER, in order.
fn parse_ekus(value: &[u8]) -> Option<Vec<String>> {
    let content = der::read_single(value, der::TAG_SEQUENCE)?;
    der::elements(content)?
        .into_iter()
        .map(|oid| (oid.tag == der::TAG_OID).then(|| der::oid_string(oid.content)))
        .collect()
}

/// What reports and trusted-identity matching need from a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Subject as Go prints it (`pkix.Name.String()`), e.g.
    /// `CN=e2e,O=Notary,L=Seattle,ST=WA,C=US`; notation's `x509.subject:` identities are
    /// compared with it and Ratify reports it as `SN`.
    pub subject: String,
    /// Issuer, same format (Ratify's `Issuer`).
    pub issuer: String,
    /// Serial number, lowercase hex without leading zeros.
    pub serial: String,
    /// SHA-256 of the DER, lowercase hex (notation's `io.cncf.notary.x509chain.thumbprint#S256`).
    pub sha256_thumbprint: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Basic constraints present with `cA` true.
    pub is_ca: bool,
}

/// Describes one DER certificate.
pub fn describe(der: &[u8]) -> Result<CertificateInfo, X509Error> {
    let cert = Cert::parse(der)?;
    Ok(CertificateInfo {
        sha256_thumbprint: hex::encode(Sha256::digest(der)),
        is_ca: cert.is_ca(),
        subject: cert.subject,
        issuer: cert.issuer,
        serial: cert.serial,
        not_before: cert.not_before,
        not_after: cert.not_after,
    })
}
