//! OCSP responses (`golang.org/x/crypto/ocsp.ParseResponseForCert`): the DER read by hand,
//! the single response for the certificate found by serial number, and the signer checked.

use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::x509::AlgorithmIdentifier;

use super::super::{Issuer, sig};
use super::generic;
use crate::der;

const OID_OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
const OID_OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";
const OID_INVALIDITY_DATE: &str = "2.5.29.24";
/// The hash algorithms Go recognises in a response's CertID.
const KNOWN_HASHES: [&str; 4] = [
    "1.3.14.3.2.26",
    "2.16.840.1.101.3.4.2.1",
    "2.16.840.1.101.3.4.2.2",
    "2.16.840.1.101.3.4.2.3",
];
pub(super) enum Status {
    Good,
    Revoked,
    Unknown,
}

pub(super) struct Response {
    pub status: Status,
    pub next_update: Option<OffsetDateTime>,
    pub invalidity_date: Option<OffsetDateTime>,
}

fn malformed() -> String {
    "ocsp: malformed response".to_string()
}

/// `ocsp.ParseResponseForCert`, in its order, plus the OCSPSigning requirement on delegated
/// responders that RFC 6960 §4.2.2.2 makes and Go leaves out.
pub(super) fn parse_response(
    body: &[u8],
    cert: &X509Certificate<'_>,
    issuer: &Issuer<'_>,
) -> Result<Response, String> {
    let (outer, rest) = der::expect(body, der::TAG_SEQUENCE).ok_or_else(malformed)?;
    if !rest.is_empty() {
        return Err("trailing data in OCSP response".into());
    }
    let (status, rest) = der::expect(outer.content, der::TAG_ENUMERATED).ok_or_else(malformed)?;
    match status.content {
        [0] => {}
        [1] => return Err(generic("OCSP malformed")),
        [2] => return Err(generic("OCSP internal error")),
        [3] => return Err(generic("OCSP try later")),
        [5] => return Err(generic("OCSP signature required")),
        [6] => return Err(generic("OCSP unauthorized")),
        other => {
            let code = other.first().copied().unwrap_or_default();
            return Err(format!(
                "ocsp: error from server: unknown OCSP status: {code}"
            ));
        }
    }
    let basic = der::expect(rest, 0xa0)
        .and_then(|(bytes, _)| der::expect(bytes.content, der::TAG_SEQUENCE))
        .and_then(|(bytes, _)| der::elements(bytes.content));
    let response = match basic.as_deref() {
        Some([kind, value])
            if kind.tag == der::TAG_OID
                && der::oid_string(kind.content) == OID_OCSP_BASIC
                && value.tag == der::TAG_OCTET_STRING =>
        {
            value.content
        }
        _ => return Err("bad OCSP response type".into()),
    };
    let (basic, _) = der::expect(response, der::TAG_SEQUENCE).ok_or_else(malformed)?;
    let fields = der::elements(basic.content).ok_or_else(malformed)?;
    let (tbs, alg, signature, certs) = match fields.as_slice() {
        [tbs, alg, sig] => (tbs, alg, sig, None),
        [tbs, alg, sig, certs] if certs.tag == 0xa0 => (tbs, alg, sig, Some(certs)),
        _ => return Err(malformed()),
    };
    let (_, alg) = AlgorithmIdentifier::from_der(alg.raw).map_err(|_| malformed())?;
    let signature = match signature.content.split_first() {
        Some((0, bits)) if signature.tag == der::TAG_BIT_STRING => bits,
        _ => return Err(malformed()),
    };
    let embedded = match certs {
        Some(certs) => der::expect(certs.content, der::TAG_SEQUENCE)
            .and_then(|(list, _)| der::elements(list.content))
            .ok_or_else(malformed)?,
        None => Vec::new(),
    };
    if embedded.len() > 1 {
        return Err("OCSP response contains bad number of certificates".into());
    }
    let data = parse_response_data(tbs)?;
    let single = data
        .iter()
        .find(|single| single.serial == der::unsigned_be(cert.tbs_certificate.raw_serial()))
        .ok_or("no response matching the supplied certificate")?;
    verify_signer(&alg, tbs.raw, signature, embedded.first(), issuer)?;
    let mut invalidity_date = None;
    for ext in &single.extensions {
        if ext.critical {
            return Err("unsupported critical extension".into());
        }
        if ext.oid == OID_INVALIDITY_DATE {
            // Like notation-core-go, an unreadable invalidity date is ignored.
            invalidity_date = der::read(ext.value)
                .filter(|(_, rest)| rest.is_empty())
                .and_then(|(tlv, _)| der::generalized_time(&tlv));
        }
    }
    if !KNOWN_HASHES.contains(&single.hash_oid.as_str()) {
        return Err("unsupported issuer hash algorithm".into());
    }
    Ok(Response {
        status: single.status(),
        next_update: single.next_update,
        invalidity_date,
    })
}

/// The response's signer: the issuer itself, or one embedded responder certificate signed by
/// the issuer and authorised for OCSP signing. An embedded copy of the issuer counts as the
/// issuer.
fn verify_signer(
    alg: &AlgorithmIdentifier<'_>,
    tbs: &[u8],
    signature: &[u8],
    embedded: Option<&der::Tlv<'_>>,
    issuer: &Issuer<'_>,
) -> Result<(), String> {
    let bad = |e: String| format!("bad OCSP signature: {e}");
    let Some(embedded) = embedded.filter(|c| c.raw != issuer.der) else {
        return sig::verify(alg, issuer.cert.public_key(), tbs, signature).map_err(bad);
    };
    let (_, responder) = X509Certificate::from_der(embedded.raw)
        .map_err(|e| format!("x509: malformed certificate: {e}"))?;
    sig::verify(alg, responder.public_key(), tbs, signature)
        .map_err(|e| format!("bad signature on embedded certificate: {e}"))?;
    sig::check_cert_signed_by(&responder, &issuer.cert).map_err(bad)?;
    let authorised = responder
        .extended_key_usage()
        .ok()
        .flatten()
        .is_some_and(|eku| eku.value.ocsp_signing);
    if !authorised {
        return Err(bad(format!(
            "responder certificate {:?} is not authorized for OCSP signing ({OID_OCSP_SIGNING})",
            responder.subject().to_string()
        )));
    }
    Ok(())
}

struct Extension<'a> {
    oid: String,
    critical: bool,
    value: &'a [u8],
}

struct Single<'a> {
    hash_oid: String,
    serial: &'a [u8],
    status_tag: u8,
    next_update: Option<OffsetDateTime>,
    extensions: Vec<Extension<'a>>,
}

impl Single<'_> {
    fn status(&self) -> Status {
        match self.status_tag {
            0x80 => Status::Good,
            0x82 => Status::Unknown,
            _ => Status::Revoked,
        }
    }
}

/// `ResponseData { [0] version?, responderID, producedAt, responses, [1] extensions? }` →
/// the single responses.
fn parse_response_data<'a>(tbs: &der::Tlv<'a>) -> Result<Vec<Single<'a>>, String> {
    let mut fields = der::elements(tbs.content)
        .ok_or_else(malformed)?
        .into_iter();
    let mut next = fields.next();
    if next.is_some_and(|f| f.tag == 0xa0) {
        next = fields.next();
    }
    match next.map(|f| f.tag) {
        Some(0xa1) | Some(0xa2) => {}
        _ => return Err("invalid responder id tag".into()),
    }
    let produced_at = fields.next().ok_or_else(malformed)?;
    der::generalized_time(&produced_at).ok_or_else(malformed)?;
    let responses = fields
        .next()
        .filter(|r| r.tag == der::TAG_SEQUENCE)
        .and_then(|r| der::elements(r.content))
        .ok_or_else(malformed)?;
    if responses.is_empty() {
        return Err("OCSP response contains bad number of responses".into());
    }
    responses.iter().map(parse_single).collect()
}

/// `SingleResponse { certID, certStatus, thisUpdate, [0] nextUpdate?, [1] extensions? }`.
fn parse_single<'a>(tlv: &der::Tlv<'a>) -> Result<Single<'a>, String> {
    let fields = der::elements(tlv.content).ok_or_else(malformed)?;
    let [cert_id, status, this_update, optional @ ..] = fields.as_slice() else {
        return Err(malformed());
    };
    let id = der::elements(cert_id.content).ok_or_else(malformed)?;
    let [alg, _, _, serial] = id.as_slice() else {
        return Err(malformed());
    };
    let (hash, _) = der::expect(alg.content, der::TAG_OID).ok_or_else(malformed)?;
    if !matches!(status.tag, 0x80 | 0xa1 | 0x82) || serial.tag != der::TAG_INTEGER {
        return Err(malformed());
    }
    der::generalized_time(this_update).ok_or_else(malformed)?;
    let mut single = Single {
        hash_oid: der::oid_string(hash.content),
        serial: der::unsigned_be(serial.content),
        status_tag: status.tag,
        next_update: None,
        extensions: Vec::new(),
    };
    for field in optional {
        let (inner, _) = der::read(field.content).ok_or_else(malformed)?;
        match field.tag {
            0xa0 => single.next_update = Some(der::generalized_time(&inner).ok_or_else(malformed)?),
            0xa1 => single.extensions = parse_extensions(inner.content)?,
            _ => return Err(malformed()),
        }
    }
    Ok(single)
}

fn parse_extensions(content: &[u8]) -> Result<Vec<Extension<'_>>, String> {
    let mut out = Vec::new();
    for ext in der::elements(content).ok_or_else(malformed)? {
        let parts = der::elements(ext.content).ok_or_else(malformed)?;
        let (oid, critical, value) = match parts.as_slice() {
            [oid, value] => (oid, false, value),
            [oid, flag, value] if flag.tag == der::TAG_BOOLEAN => {
                (oid, flag.content.first().is_some_and(|&b| b != 0), value)
            }
            _ => return Err(malformed()),
        };
        if oid.tag != der::TAG_OID || value.tag != der::TAG_OCTET_STRING {
            return Err(malformed());
        }
        out.push(Extension {
            oid: der::oid_string(oid.content),
            critical,
            value: value.content,
        });
    }
    Ok(out)
}
