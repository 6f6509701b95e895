//! tspclient-go's `SignedToken.Verify`: for each signer info in turn, find the signing
//! certificate through the ESS signing-certificate-v2 attribute, build its chain to a TSA root
//! at genTime, check the signature over the signed attributes, the content-type,
//! message-digest and signing-time attributes, and the RFC 3161 §2.3 rule on the certificate's
//! extended key usage. The first signer info that passes wins; otherwise the last error is
//! reported, worded as tspclient's (`failed to verify signed token: ...`).

use time::OffsetDateTime;

use super::asn1time;
use super::cms::{self, OID_TST_INFO, Parsed, SignerInfo};
use super::der::{self, Reader, Tag, Tlv};
use super::path;
use super::tstinfo::hash_for;
use crate::crypto::{self, CryptoError, HashAlg, SignatureAlgorithm};

const OID_EXT_KEY_USAGE: &str = "2.5.29.37";
const OID_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";

/// Verifies the token's signer infos; returns the TSA chain (signer first, root last).
pub(super) fn verify(
    token: &Parsed<'_>,
    roots: &[Vec<u8>],
    at: OffsetDateTime,
) -> Result<Vec<Vec<u8>>, String> {
    let prefix = |e: String| format!("failed to verify signed token: {e}");
    if token.signer_infos.is_empty() {
        return Err(prefix("signerInfo not found".into()));
    }
    let mut last_error = String::new();
    for signer_info in &token.signer_infos {
        let outcome = signing_certificate(token, signer_info).and_then(|cert| {
            let chain = verify_signer(token, signer_info, cert, roots, at)?;
            check_timestamping_usage(cert)?;
            Ok(chain)
        });
        match outcome {
            Ok(chain) => return Ok(chain),
            Err(e) => last_error = prefix(e),
        }
    }
    Err(last_error)
}

/// `SignedToken.SigningCertificate`: the certificate the first ESSCertIDv2 names (by its
/// issuer and serial, else by the signer identifier), whose hash must match.
pub(super) fn signing_certificate<'a>(
    token: &Parsed<'a>,
    signer_info: &SignerInfo<'a>,
) -> Result<&'a [u8], String> {
    let context =
        |e: String| format!("failed to get SigningCertificateV2 from signed attributes: {e}");
    let value = cms::get_attribute(
        &signer_info.signed_attributes,
        cms::OID_SIGNING_CERTIFICATE_V2,
    )
    .map_err(context)?;
    let ids = signing_certificate_v2(&value).map_err(context)?;
    let Some(first) = ids.first() else {
        return Err("signingCertificateV2 does not contain any certificate".into());
    };
    let (issuer, serial) = match &first.issuer_serial {
        Some((name, serial)) => {
            let name = name.ok_or("issuer name is missing in IssuerSerial")?;
            let issuer = Reader::new(name)
                .any()
                .map_err(|e| format!("failed to unmarshal issuer name: {e}"))?;
            (issuer.raw, *serial)
        }
        None => (signer_info.sid_issuer, signer_info.sid_serial),
    };
    let candidate = find_certificate(&token.certificates, issuer, serial)
        .ok_or("signing certificate not found in the timestamp token")?;
    let hash = match &first.hash_algorithm {
        None => HashAlg::Sha256,
        Some(oid) => hash_for(oid)
            .ok_or("unsupported certificate hash algorithm in SigningCertificateV2 attribute")?,
    };
    if hash.digest(candidate) != first.cert_hash {
        return Err("signing certificate hash does not match CertHash in signed attribute".into());
    }
    Ok(candidate)
}

/// One `ESSCertIDv2` (RFC 5035 §4): hash algorithm (absent = SHA-256), hash, and the
/// `IssuerSerial` as the directoryName's contents (if the first GeneralName is one) and serial.
struct EssCertId<'a> {
    hash_algorithm: Option<String>,
    cert_hash: Vec<u8>,
    issuer_serial: Option<(Option<&'a [u8]>, &'a [u8])>,
}

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies ... OPTIONAL }`.
fn signing_certificate_v2<'a>(value: &Tlv<'a>) -> Result<Vec<EssCertId<'a>>, String> {
    if value.tag != Tag::SEQUENCE {
        return Err(der::structural("tags don't match: signingCertificateV2"));
    }
    let certs = Reader::inside(value).expect(Tag::SEQUENCE, "signingCertificateV2.Certificates")?;
    let mut r = Reader::inside(&certs);
    let mut ids = Vec::new();
    while !r.is_empty() {
        let id = r.expect(Tag::SEQUENCE, "eSSCertIDv2")?;
        let mut fields = Reader::inside(&id);
        let hash_algorithm = match fields.optional(Tag::SEQUENCE)? {
            Some(alg) => Some(cms::algorithm(&alg)?),
            None => None,
        };
        let cert_hash = fields
            .expect(Tag::OCTET_STRING, "eSSCertIDv2.CertHash")?
            .content
            .to_vec();
        let issuer_serial = match fields.optional(Tag::SEQUENCE)? {
            Some(is) => {
                let mut isr = Reader::inside(&is);
                let names = isr.expect(Tag::SEQUENCE, "issuerAndSerial.IssuerName")?;
                // Go's `asn1:"optional,tag:4"` RawValue: only a first GeneralName tagged [4]
                // (directoryName) is taken, whatever follows is ignored.
                let mut nr = Reader::inside(&names);
                let name = match nr.peek() {
                    Some(tag) if tag.class == 2 && tag.number == 4 => Some(nr.any()?.content),
                    _ => None,
                };
                let serial = isr.expect(Tag::INTEGER, "issuerAndSerial.SerialNumber")?;
                der::check_integer(serial.content)?;
                Some((name, serial.content))
            }
            None => None,
        };
        ids.push(EssCertId {
            hash_algorithm,
            cert_hash,
            issuer_serial,
        });
    }
    Ok(ids)
}

/// `ParsedSignedData.GetCertificate`: by raw issuer Name and serial number.
fn find_certificate<'a>(certs: &[&'a [u8]], issuer: &[u8], serial: &[u8]) -> Option<&'a [u8]> {
    certs.iter().copied().find(|der| {
        x509_parser::parse_x509_certificate(der).is_ok_and(|(_, cert)| {
            cert.tbs_certificate.issuer.as_raw() == issuer
                && cert.tbs_certificate.raw_serial() == serial
        })
    })
}

/// `ParsedSignedData.VerifySigner`: chain, signature, then signed attributes.
pub(super) fn verify_signer(
    token: &Parsed<'_>,
    signer_info: &SignerInfo<'_>,
    cert: &[u8],
    roots: &[Vec<u8>],
    at: OffsetDateTime,
) -> Result<Vec<Vec<u8>>, String> {
    let failure = |e: String| format!("cms verification failure: {e}");
    if signer_info.version != 1 {
        return Err(failure(format!(
            "invalid signer info version: only version 1 is supported; got {}",
            signer_info.version
        )));
    }
    let chain = path::verify(cert, &token.certificates, roots, at).map_err(failure)?;
    verify_signature(token, signer_info, cert).map_err(failure)?;
    verify_signed_attributes(token, signer_info, &chain)?;
    Ok(chain)
}

/// The signature over the DER SET of signed attributes (or the content when there are none).
fn verify_signature(token: &Parsed<'_>, si: &SignerInfo<'_>, cert: &[u8]) -> Result<(), String> {
    let algorithm = signature_algorithm(&si.digest_algorithm, &si.signature_algorithm)
        .ok_or("unknown signature algorithm")?;
    let signed = if si.signed_attributes.is_empty() {
        token.content.to_vec()
    } else {
        cms::signed_attributes_der(&si.signed_attributes)
    };
    let spki = crate::envelope::certificate_spki(cert).ok_or("x509: malformed certificate")?;
    let (outcome, family, failure) = match algorithm {
        GoAlgorithm::Pkcs1(hash) => (
            crypto::verify_pkcs1(hash, &spki, &signed, si.signature),
            "RSA",
            "crypto/rsa: verification error",
        ),
        GoAlgorithm::Pss(alg) => (
            crypto::verify(alg, &spki, &signed, si.signature),
            "RSA",
            "crypto/rsa: verification error",
        ),
        GoAlgorithm::Ecdsa(hash) => (
            crypto::verify_ecdsa_der(hash, &spki, &signed, si.signature),
            "ECDSA",
            "x509: ECDSA verification failure",
        ),
    };
    match outcome {
        Ok(()) => Ok(()),
        Err(CryptoError::Verification) => Err(failure.into()),
        Err(CryptoError::KeyTypeMismatch) => Err(format!(
            "x509: signature algorithm specifies an {family} public key, but have public key of type {}",
            if family == "RSA" {
                "*ecdsa.PublicKey"
            } else {
                "*rsa.PublicKey"
            }
        )),
        Err(other) => Err(format!("x509: cannot verify signature: {other}")),
    }
}

/// What Go's `oid.ToSignatureAlgorithm` resolves to, as the primitives here name it.
enum GoAlgorithm {
    Pkcs1(HashAlg),
    Pss(SignatureAlgorithm),
    Ecdsa(HashAlg),
}

/// `oid.ToSignatureAlgorithm(digestAlg, sigAlg)`: bare RSA and RSASSA-PSS take the hash from
/// the digest algorithm; the combined OIDs name their own.
fn signature_algorithm(digest: &str, signature: &str) -> Option<GoAlgorithm> {
    Some(match signature {
        "1.2.840.113549.1.1.1" => GoAlgorithm::Pkcs1(hash_for(digest)?),
        "1.2.840.113549.1.1.10" => GoAlgorithm::Pss(match hash_for(digest)? {
            HashAlg::Sha256 => SignatureAlgorithm::RsaPssSha256,
            HashAlg::Sha384 => SignatureAlgorithm::RsaPssSha384,
            HashAlg::Sha512 => SignatureAlgorithm::RsaPssSha512,
        }),
        "1.2.840.113549.1.1.11" => GoAlgorithm::Pkcs1(HashAlg::Sha256),
        "1.2.840.113549.1.1.12" => GoAlgorithm::Pkcs1(HashAlg::Sha384),
        "1.2.840.113549.1.1.13" => GoAlgorithm::Pkcs1(HashAlg::Sha512),
        "1.2.840.10045.4.3.2" => GoAlgorithm::Ecdsa(HashAlg::Sha256),
        "1.2.840.10045.4.3.3" => GoAlgorithm::Ecdsa(HashAlg::Sha384),
        "1.2.840.10045.4.3.4" => GoAlgorithm::Ecdsa(HashAlg::Sha512),
        _ => return None,
    })
}

/// `verifySignedAttributes`: present, content type, message digest, signing time.
fn verify_signed_attributes(
    token: &Parsed<'_>,
    si: &SignerInfo<'_>,
    chain: &[Vec<u8>],
) -> Result<(), String> {
    let failure = |e: &str| format!("cms verification failure: {e}");
    if si.signed_attributes.is_empty() {
        return Err(failure("missing signed attributes"));
    }
    if token.content_type != OID_TST_INFO {
        return Err(format!(
            "unexpected content type: {}. Expected to be id-ct-TSTInfo ({OID_TST_INFO})",
            token.content_type
        ));
    }
    let attrs = &si.signed_attributes;
    let content_type = cms::get_attribute(attrs, cms::OID_CONTENT_TYPE)
        .and_then(|v| typed(v, Tag::OID, "ObjectIdentifier"))
        .and_then(|v| der::oid(&v))
        .map_err(|e| failure(&format!("invalid content type: {e}")))?;
    if content_type != token.content_type {
        return Err(failure(&format!(
            "mismatch content type: found {content_type:?} in signer info, and {:?} in signed data",
            token.content_type
        )));
    }
    let expected = cms::get_attribute(attrs, cms::OID_MESSAGE_DIGEST)
        .and_then(|v| typed(v, Tag::OCTET_STRING, "[]uint8"))
        .map_err(|e| failure(&format!("invalid message digest: {e}")))?;
    let hash =
        hash_for(&si.digest_algorithm).ok_or_else(|| failure("unsupported digest algorithm"))?;
    if hash.digest(token.content) != expected.content {
        return Err(failure("mismatch message digest"));
    }
    let signing_time = match cms::get_attribute(attrs, cms::OID_SIGNING_TIME) {
        Err(e) if e == cms::ATTRIBUTE_NOT_FOUND => return Ok(()),
        other => other
            .and_then(|v| match v.tag {
                // Go's time.Time field takes either type (and names 23 when neither).
                Tag::GENERALIZED_TIME => asn1time::time_value(&v),
                _ => typed(v, Tag::UTC_TIME, "Time").and_then(|v| asn1time::time_value(&v)),
            })
            .map_err(|e| failure(&format!("invalid signing time: {e}")))?,
    };
    let within = chain.iter().all(|der| {
        crate::x509::describe(der)
            .is_ok_and(|c| signing_time >= c.not_before && signing_time <= c.not_after)
    });
    if within {
        return Ok(());
    }
    Err(failure(&format!(
        "signing time, {}, is outside certificate's validity period",
        go_time_string(signing_time)
    )))
}

/// The attribute value must have `tag` (Go unmarshals it into a typed field).
fn typed<'a>(value: Tlv<'a>, tag: Tag, go_type: &str) -> Result<Tlv<'a>, String> {
    if value.tag == tag {
        return Ok(value);
    }
    Err(der::structural(&format!(
        "tags don't match ({} vs {{class:{} tag:{} length:{} isCompound:{}}}) {go_type} @{}",
        tag.number,
        value.tag.class,
        value.tag.number,
        value.content.len(),
        value.tag.constructed,
        value.offset
    )))
}

/// Go's `time.Time.String()` for a UTC instant.
fn go_time_string(t: OffsetDateTime) -> String {
    let fraction = if t.nanosecond() == 0 {
        String::new()
    } else {
        format!(".{:09}", t.nanosecond())
            .trim_end_matches('0')
            .to_string()
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}{fraction} +0000 UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// RFC 3161 §2.3 as tspclient checks it: exactly one extended key usage, timeStamping, and the
/// extension critical.
fn check_timestamping_usage(cert: &[u8]) -> Result<(), String> {
    let (_, parsed) =
        x509_parser::parse_x509_certificate(cert).map_err(|_| "x509: malformed certificate")?;
    let extension = parsed
        .extensions()
        .iter()
        .find(|ext| ext.oid.to_id_string() == OID_EXT_KEY_USAGE);
    let usages = extension.map(|ext| ext_key_usages(ext.value));
    let only_timestamping =
        matches!(usages, Some(Some(ref list)) if list.len() == 1 && list[0] == OID_TIME_STAMPING);
    if !only_timestamping {
        return Err(
            "signing certificate must have and only have ExtKeyUsageTimeStamping as extended key usage"
                .into(),
        );
    }
    if !extension.is_some_and(|ext| ext.critical) {
        return Err(
            "signing certificate extended key usage extension must be set as critical".into(),
        );
    }
    Ok(())
}

/// `ExtKeyUsageSyntax ::= SEQUENCE OF KeyPurposeId`, in order, duplicates kept (Go counts
/// every OID it reads).
fn ext_key_usages(value: &[u8]) -> Option<Vec<String>> {
    let seq = Reader::new(value)
        .expect(Tag::SEQUENCE, "ExtKeyUsage")
        .ok()?;
    let mut r = Reader::inside(&seq);
    let mut out = Vec::new();
    while !r.is_empty() {
        out.push(der::oid(&r.expect(Tag::OID, "KeyPurposeId").ok()?).ok()?);
    }
    Some(out)
}
