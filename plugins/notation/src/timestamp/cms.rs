//! CMS SignedData (RFC 5652 §5) as tspclient-go's `internal/cms` reads it: BER converted to
//! DER first, SignedData version 3 only, certificates must all be X.509, signer infos kept for
//! the verifier. Messages are tspclient's (`cms: syntax error: ...`).

use super::ber;
use super::der::{self, Reader, Tag, Tlv};

pub(super) const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub(super) const OID_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
pub(super) const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
pub(super) const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
pub(super) const OID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
pub(super) const OID_SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";

/// A parsed SignedData, owning its DER (converted from the token's BER).
pub(super) struct SignedData {
    der: Vec<u8>,
}

/// The parts of a SignedData the verifier uses, borrowing from [`SignedData`].
pub(super) struct Parsed<'a> {
    /// eContentType, dotted.
    pub content_type: String,
    /// eContent's octets (empty when absent, as Go's nil slice).
    pub content: &'a [u8],
    /// Each certificate's DER, in token order.
    pub certificates: Vec<&'a [u8]>,
    pub signer_infos: Vec<SignerInfo<'a>>,
}

/// An AlgorithmIdentifier's OID (parameters are not needed by any check here).
pub(super) type AlgorithmId = String;

/// RFC 5652 §5.3, with the signer identified by issuer and serial number (version 1).
pub(super) struct SignerInfo<'a> {
    pub version: i64,
    /// The issuer Name's DER and the serial number's INTEGER contents.
    pub sid_issuer: &'a [u8],
    pub sid_serial: &'a [u8],
    pub digest_algorithm: AlgorithmId,
    /// Each signed attribute's DER (`Attribute` SEQUENCEs), in token order.
    pub signed_attributes: Vec<Attribute<'a>>,
    pub signature_algorithm: AlgorithmId,
    pub signature: &'a [u8],
}

/// One attribute: its type, the contents of its value SET, and its whole DER.
pub(super) struct Attribute<'a> {
    pub oid: String,
    pub values: &'a [u8],
    pub raw: &'a [u8],
}

/// Go's `Attributes.Get` failure when the type is absent.
pub(super) const ATTRIBUTE_NOT_FOUND: &str = "attribute not found";

fn syntax(message: &str, detail: Option<String>) -> String {
    match detail {
        Some(detail) => format!("cms: syntax error: {message}: {detail}"),
        None => format!("cms: syntax error: {message}"),
    }
}

impl SignedData {
    /// `cms.ParseSignedData` up to the signed-data content type check; [`SignedData::parsed`]
    /// does the rest (Go does both in one go; this split only keeps the borrows simple).
    pub fn parse(ber: &[u8]) -> Result<SignedData, String> {
        let der = ber::to_der(ber).map_err(|e| {
            syntax(
                "invalid signed data: failed to convert from BER to DER",
                Some(e),
            )
        })?;
        Ok(SignedData { der })
    }

    pub fn parsed(&self) -> Result<Parsed<'_>, String> {
        let invalid_content_info = |e: String| {
            syntax(
                "invalid content info: failed to unmarshal DER to ContentInfo",
                Some(e),
            )
        };
        let mut top = Reader::new(&self.der);
        let content_info = top
            .expect(Tag::SEQUENCE, "ContentInfo")
            .map_err(invalid_content_info)?;
        let mut ci = Reader::inside(&content_info);
        let content_type = ci
            .expect(Tag::OID, "ContentInfo.ContentType")
            .and_then(|t| der::oid(&t))
            .map_err(invalid_content_info)?;
        // Go's RawValue with an explicit tag keeps the [0] wrapper's contents whole.
        let wrapper = ci
            .expect(Tag::context(0, true), "ContentInfo.Content")
            .map_err(invalid_content_info)?;
        if content_type != OID_SIGNED_DATA {
            return Err("cms: content type is not signed-data".into());
        }
        let invalid = |e: String| syntax("invalid signed data", Some(e));
        let signed = Reader::inside(&wrapper)
            .expect(Tag::SEQUENCE, "SignedData")
            .map_err(invalid)?;
        let mut sd = Reader::inside(&signed);
        let version = sd
            .expect(Tag::INTEGER, "SignedData.Version")
            .and_then(|t| der::int(&t))
            .map_err(invalid)?;
        let digest_algorithms = sd
            .expect(Tag::SET, "SignedData.DigestAlgorithmIdentifiers")
            .map_err(invalid)?;
        each(&digest_algorithms, |t| algorithm(t).map(drop)).map_err(invalid)?;
        let encap = sd
            .expect(Tag::SEQUENCE, "SignedData.EncapsulatedContentInfo")
            .map_err(invalid)?;
        let (content_type, content) = encapsulated(&encap).map_err(invalid)?;
        let certificates = sd.optional(Tag::context(0, true)).map_err(invalid)?;
        // CRLs are carried but not used by the timestamp checks.
        sd.optional(Tag::context(1, true)).map_err(invalid)?;
        let infos = sd
            .expect(Tag::SET, "SignedData.SignerInfos")
            .map_err(invalid)?;
        let mut signer_infos = Vec::new();
        each(&infos, |t| {
            signer_infos.push(signer_info(t)?);
            Ok(())
        })
        .map_err(invalid)?;
        if version != 3 {
            return Err(syntax(
                &format!("unsupported signed data version: got {version}, want 3"),
                None,
            ));
        }
        let certificates = match certificates {
            Some(set) => split_certificates(set.content).map_err(|e| {
                syntax(
                    "failed to parse X.509 certificates from signed data. Only X.509 certificates are supported",
                    Some(e),
                )
            })?,
            None => Vec::new(),
        };
        Ok(Parsed {
            content_type,
            content,
            certificates,
            signer_infos,
        })
    }
}

/// Applies `f` to each element of a SET/SEQUENCE OF.
fn each<'a>(
    container: &Tlv<'a>,
    mut f: impl FnMut(&Tlv<'a>) -> Result<(), String>,
) -> Result<(), String> {
    let mut r = Reader::inside(container);
    while !r.is_empty() {
        f(&r.any()?)?;
    }
    Ok(())
}

/// A `pkix.AlgorithmIdentifier`'s OID.
pub(super) fn algorithm(tlv: &Tlv<'_>) -> Result<AlgorithmId, String> {
    if tlv.tag != Tag::SEQUENCE {
        return Err(der::structural("tags don't match: AlgorithmIdentifier"));
    }
    let mut r = Reader::inside(tlv);
    der::oid(&r.expect(Tag::OID, "AlgorithmIdentifier.Algorithm")?)
}

/// EncapsulatedContentInfo: eContentType and the `[0] EXPLICIT OCTET STRING` eContent.
fn encapsulated<'a>(tlv: &Tlv<'a>) -> Result<(String, &'a [u8]), String> {
    let mut r = Reader::inside(tlv);
    let content_type = der::oid(&r.expect(Tag::OID, "EncapsulatedContentInfo.ContentType")?)?;
    let content = match r.optional(Tag::context(0, true))? {
        Some(wrapper) => {
            Reader::inside(&wrapper)
                .expect(Tag::OCTET_STRING, "EncapsulatedContentInfo.Content")?
                .content
        }
        None => &[],
    };
    Ok((content_type, content))
}

fn signer_info<'a>(tlv: &Tlv<'a>) -> Result<SignerInfo<'a>, String> {
    if tlv.tag != Tag::SEQUENCE {
        return Err(der::structural("tags don't match: SignerInfo"));
    }
    let mut r = Reader::inside(tlv);
    let version = der::int(&r.expect(Tag::INTEGER, "SignerInfo.Version")?)?;
    let sid = r.expect(Tag::SEQUENCE, "SignerInfo.SignerIdentifier")?;
    let (sid_issuer, sid_serial) = issuer_and_serial(&sid)?;
    let digest_algorithm = algorithm(&r.expect(Tag::SEQUENCE, "SignerInfo.DigestAlgorithm")?)?;
    let signed_attributes = match r.optional(Tag::context(0, true))? {
        Some(set) => attributes(&set)?,
        None => Vec::new(),
    };
    let signature_algorithm =
        algorithm(&r.expect(Tag::SEQUENCE, "SignerInfo.SignatureAlgorithm")?)?;
    let signature = r.expect(Tag::OCTET_STRING, "SignerInfo.Signature")?.content;
    if let Some(unsigned) = r.optional(Tag::context(1, true))? {
        attributes(&unsigned)?;
    }
    Ok(SignerInfo {
        version,
        sid_issuer,
        sid_serial,
        digest_algorithm,
        signed_attributes,
        signature_algorithm,
        signature,
    })
}

/// `IssuerAndSerialNumber`: the issuer element (any type, as Go's RawValue) and the serial.
pub(super) fn issuer_and_serial<'a>(tlv: &Tlv<'a>) -> Result<(&'a [u8], &'a [u8]), String> {
    let mut r = Reader::inside(tlv);
    let issuer = r.any()?.raw;
    let serial = r.expect(Tag::INTEGER, "IssuerAndSerialNumber.SerialNumber")?;
    der::check_integer(serial.content)?;
    Ok((issuer, serial.content))
}

fn attributes<'a>(set: &Tlv<'a>) -> Result<Vec<Attribute<'a>>, String> {
    let mut out = Vec::new();
    each(set, |attribute| {
        if attribute.tag != Tag::SEQUENCE {
            return Err(der::structural("tags don't match: Attribute"));
        }
        let mut r = Reader::inside(attribute);
        let oid = der::oid(&r.expect(Tag::OID, "Attribute.Type")?)?;
        let values = r.expect(Tag::SET, "Attribute.Values")?;
        out.push(Attribute {
            oid,
            values: values.content,
            raw: attribute.raw,
        });
        Ok(())
    })?;
    Ok(out)
}

/// Go's `Attributes.Get`: the first attribute of the type, its first value.
pub(super) fn get_attribute<'a>(
    attributes: &[Attribute<'a>],
    oid: &str,
) -> Result<Tlv<'a>, String> {
    let attribute = attributes
        .iter()
        .find(|a| a.oid == oid)
        .ok_or(ATTRIBUTE_NOT_FOUND)?;
    Reader::new(attribute.values).any()
}

/// Go's `asn1.MarshalWithParams(signedAttributes, "set")`: a DER SET whose elements are the
/// attributes sorted by their encodings (Go sorts SET OF when marshalling).
pub(super) fn signed_attributes_der(attributes: &[Attribute<'_>]) -> Vec<u8> {
    let mut encoded: Vec<&[u8]> = attributes.iter().map(|a| a.raw).collect();
    encoded.sort();
    let len = encoded.iter().map(|e| e.len()).sum();
    let mut out = vec![0x31];
    ber::encode_length(len, &mut out);
    for element in encoded {
        out.extend_from_slice(element);
    }
    out
}

/// Go's `x509.ParseCertificates`: certificates back to back, every one X.509.
fn split_certificates(mut content: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (rest, _) = x509_parser::parse_x509_certificate(content)
            .map_err(|_| "x509: malformed certificate".to_string())?;
        out.push(&content[..content.len() - rest.len()]);
        content = rest;
    }
    Ok(out)
}
