//! COSE_Sign1 envelopes (`application/cose`), as notation-core-go reads them through go-cose:
//! `ParseEnvelope` (`Sign1Message.UnmarshalCBOR`), `Verify` (the verifier's algorithm comes from
//! the signing key and must equal the header's) and `Content()`.

use super::cbor::{self, Value};
use super::cose_headers::{
    self as headers, ALG, CONTENT_TYPE, CRIT, Header, X5CHAIN, get_int, get_text,
};
use super::golang::base64::{Alphabet, encode as b64_encode};
use super::golang::time::format_rfc3339_nano;
use super::{
    Envelope, EnvelopeError, MEDIA_TYPE_COSE, Raw, SigningScheme, VERIFICATION_PLUGIN,
    VERIFICATION_PLUGIN_MIN_VERSION, certificate_spki, go_time,
};
use crate::crypto::{self, CryptoError, SignatureAlgorithm};

const EXPIRY: &str = "io.cncf.notary.expiry";
const SCHEME: &str = "io.cncf.notary.signingScheme";
const SIGNING_TIME: &str = "io.cncf.notary.signingTime";
const AUTHENTIC_TIME: &str = "io.cncf.notary.authenticSigningTime";
const SIGNING_AGENT: &str = "io.cncf.notary.signingAgent";
const TIMESTAMP: &str = "io.cncf.notary.timestampSignature";

/// A decoded `COSE_Sign1_Tagged`.
pub(super) struct RawCose {
    protected_bytes: Vec<u8>,
    protected: Header,
    unprotected: Header,
    payload: Option<Vec<u8>>,
    signature: Vec<u8>,
}

/// notation-core-go's `ParseEnvelope` for COSE (go-cose `UnmarshalCBOR`).
pub(super) fn decode(bytes: &[u8]) -> Result<RawCose, EnvelopeError> {
    if !bytes.starts_with(&[0xd2, 0x84]) {
        return Err(EnvelopeError::malformed(
            "cbor: invalid COSE_Sign1_Tagged object",
        ));
    }
    let data = &bytes[1..];
    cbor::wellformed(data, true).map_err(EnvelopeError::malformed)?;
    let mut items = Vec::with_capacity(4);
    let mut off = 1;
    for _ in 0..4 {
        let end = cbor::skip(data, off).map_err(EnvelopeError::malformed)?;
        items.push(&data[off..end]);
        off = end;
    }
    let payload = byte_string(items[2]).map_err(EnvelopeError::malformed)?;
    let signature = byte_string(items[3])
        .map_err(EnvelopeError::malformed)?
        .unwrap_or_default();
    if signature.is_empty() {
        return Err(EnvelopeError::malformed("empty signature"));
    }
    let (protected_bytes, protected) =
        headers::decode_protected(items[0]).map_err(EnvelopeError::malformed)?;
    let unprotected = headers::decode_unprotected(items[1]).map_err(EnvelopeError::malformed)?;
    headers::ensure_iv(&protected, &unprotected).map_err(EnvelopeError::malformed)?;
    Ok(RawCose {
        protected_bytes,
        protected,
        unprotected,
        payload,
        signature,
    })
}

/// go-cose's `byteString`: a bstr, or `null` for nil.
fn byte_string(raw: &[u8]) -> Result<Option<Vec<u8>>, String> {
    if raw == [0xf6] {
        return Ok(None);
    }
    match cbor::decode(raw)? {
        Value::Bytes(bytes) => Ok(Some(bytes)),
        _ => Err("cbor: require bstr type".into()),
    }
}

/// The `Sig_structure` for COSE_Sign1 with no external data.
pub(crate) fn sig_structure(protected_bytes: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(protected_bytes.len() + payload.len() + 32);
    cbor::encode(
        &mut out,
        &Value::Array(vec![
            Value::Text("Signature1".into()),
            Value::Bytes(protected_bytes.to_vec()),
            Value::Bytes(Vec::new()),
            Value::Bytes(payload.to_vec()),
        ]),
    );
    out
}

/// go-cose's `Algorithm.String()`.
fn alg_name(id: i64) -> String {
    match id {
        -37 => "PS256".into(),
        -38 => "PS384".into(),
        -39 => "PS512".into(),
        -257 => "RS256".into(),
        -258 => "RS384".into(),
        -259 => "RS512".into(),
        -7 => "ES256".into(),
        -35 => "ES384".into(),
        -36 => "ES512".into(),
        -8 => "EdDSA".into(),
        0 => "Reserved".into(),
        other => format!("Algorithm({other})"),
    }
}

/// go-cose's `ProtectedHeader.Algorithm()`.
fn header_algorithm(protected: &Header) -> Result<i64, String> {
    match get_int(protected, ALG) {
        None => Err("algorithm not found".into()),
        Some(Value::Int(id)) => Ok(*id),
        Some(Value::Text(name)) => Err(format!("Algorithm({name:?})")),
        Some(_) => Err("invalid algorithm".into()),
    }
}

impl RawCose {
    /// notation-core-go's COSE `Verify` up to (not including) `Content()`.
    pub(super) fn verify_signature(&self) -> Result<(), EnvelopeError> {
        let leaf = match get_int(&self.unprotected, X5CHAIN) {
            Some(Value::Array(certs)) if !certs.is_empty() => &certs[0],
            _ => return Err(EnvelopeError::invalid("certificate chain is not present")),
        };
        let Value::Bytes(leaf) = leaf else {
            return Err(EnvelopeError::invalid(
                "COSE envelope malformed leaf certificate",
            ));
        };
        let spki = certificate_spki(leaf)
            .ok_or_else(|| EnvelopeError::invalid("malformed leaf certificate"))?;
        let verifier_alg = key_algorithm(&spki)?;
        let Some(payload) = &self.payload else {
            return Err(EnvelopeError::integrity("missing payload"));
        };
        let header_alg = header_algorithm(&self.protected).map_err(EnvelopeError::integrity)?;
        let tbs = sig_structure(&self.protected_bytes, payload);
        check_and_verify(verifier_alg, header_alg, &spki, &tbs, &self.signature)
    }

    /// notation-core-go's COSE `Content()`.
    pub(super) fn content(self) -> Result<Envelope, EnvelopeError> {
        let content_type = match get_int(&self.protected, CONTENT_TYPE) {
            None => return Err(EnvelopeError::invalid("missing content type")),
            Some(Value::Text(cty)) => cty.clone(),
            Some(_) => {
                return Err(EnvelopeError::invalid(
                    "content type should be of 'tstr' type",
                ));
            }
        };
        if self.signature.is_empty() {
            return Err(EnvelopeError::invalid("signature missing in COSE envelope"));
        }
        let signed = parse_protected(&self.protected).map_err(EnvelopeError::invalid)?;
        let not_present = || EnvelopeError::invalid("certificate chain is not present");
        let certificate_chain = match get_int(&self.unprotected, X5CHAIN) {
            Some(Value::Array(certs)) if !certs.is_empty() => certs
                .iter()
                .map(|c| match c {
                    Value::Bytes(der) if certificate_spki(der).is_some() => Ok(der.clone()),
                    Value::Bytes(_) => Err(EnvelopeError::invalid("x509: malformed certificate")),
                    _ => Err(not_present()),
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err(not_present()),
        };
        let signing_agent = match get_text(&self.unprotected, SIGNING_AGENT) {
            Some(Value::Text(agent)) if !agent.is_empty() => Some(agent.clone()),
            _ => None,
        };
        let timestamp_token = match get_text(&self.unprotected, TIMESTAMP) {
            Some(Value::Bytes(token)) if !token.is_empty() => Some(token.clone()),
            _ => None,
        };
        let string_attr = |name: &str| {
            signed
                .extended
                .iter()
                .find(|(k, _, _)| k == name)
                .and_then(|(_, v, _)| v.as_str().map(String::from))
        };
        let payload = self.payload.unwrap_or_default();
        let tbs = sig_structure(&self.protected_bytes, &payload);
        Ok(Envelope {
            media_type: MEDIA_TYPE_COSE.to_string(),
            payload,
            payload_content_type: content_type,
            signing_scheme: signed.scheme,
            signing_time: signed.signing_time,
            authentic_signing_time: signed.authentic_signing_time,
            expiry: signed.expiry,
            verification_plugin: string_attr(VERIFICATION_PLUGIN),
            verification_plugin_min_version: string_attr(VERIFICATION_PLUGIN_MIN_VERSION),
            extended_attributes: signed.extended,
            signing_agent,
            signature: self.signature,
            algorithm: signed.algorithm,
            certificate_chain,
            timestamp_token,
            raw: Raw::Cose(tbs),
        })
    }
}

/// The verifier's algorithm, from the signing key (`getSignatureAlgorithm`).
fn key_algorithm(spki: &[u8]) -> Result<SignatureAlgorithm, EnvelopeError> {
    crypto::algorithm_for_key(spki).map_err(|e| EnvelopeError::invalid(e.to_string()))
}

/// go-cose's `ensureVerificationAlgorithm` and the signature check.
fn check_and_verify(
    verifier_alg: SignatureAlgorithm,
    header_alg: i64,
    spki: &[u8],
    tbs: &[u8],
    signature: &[u8],
) -> Result<(), EnvelopeError> {
    if header_alg != verifier_alg.cose_id() {
        return Err(EnvelopeError::integrity(format!(
            "algorithm mismatch: verifier {}: header {}",
            alg_name(verifier_alg.cose_id()),
            alg_name(header_alg)
        )));
    }
    let hash = verifier_alg.hash();
    crypto::verify(verifier_alg, spki, tbs, signature)
        .or_else(|e| match e {
            // go-cose's PSS salt is the hash length; Go also takes 2041-2047-bit moduli.
            CryptoError::Verification if verifier_alg.is_rsa() => {
                super::pss::verify_go(hash, spki, tbs, signature, Some(hash.output_len()))
            }
            other => Err(other),
        })
        .map_err(|_| EnvelopeError::integrity("verification error"))
}

/// Verification of an already parsed envelope (its header algorithm is a supported one).
pub(super) fn verify_with_key(
    header_alg: i64,
    spki: &[u8],
    tbs: &[u8],
    signature: &[u8],
) -> Result<(), EnvelopeError> {
    check_and_verify(key_algorithm(spki)?, header_alg, spki, tbs, signature)
}

struct Signed {
    scheme: SigningScheme,
    algorithm: SignatureAlgorithm,
    signing_time: Option<time::OffsetDateTime>,
    authentic_signing_time: Option<time::OffsetDateTime>,
    expiry: Option<time::OffsetDateTime>,
    extended: Vec<(String, serde_json::Value, bool)>,
}

/// notation-core-go's `parseProtectedHeaders` (with `validateCritHeaders`).
fn parse_protected(protected: &Header) -> Result<Signed, String> {
    let crit: &[Value] = match get_int(protected, CRIT) {
        Some(value) => {
            headers::ensure_critical(value, protected)?;
            match value {
                Value::Array(labels) => labels,
                _ => &[],
            }
        }
        None => &[],
    };
    let Some(Value::Text(scheme_text)) = get_text(protected, SCHEME) else {
        return Err("invalid signingScheme".into());
    };
    let mut must = vec![SCHEME];
    if scheme_text == SigningScheme::X509SigningAuthority.as_str() {
        must.push(AUTHENTIC_TIME);
    }
    if get_text(protected, EXPIRY).is_some() {
        must.push(EXPIRY);
    }
    must.retain(|m| !crit.iter().any(|c| matches!(c, Value::Text(t) if t == m)));
    if !must.is_empty() {
        return Err(format!(
            "these required headers are not marked as critical: [{}]",
            must.join(" ")
        ));
    }
    let alg = header_algorithm(protected)?;
    let algorithm = SignatureAlgorithm::from_cose_id(alg)
        .ok_or_else(|| format!("signature algorithm not supported: {alg}"))?;
    let scheme = SigningScheme::parse(scheme_text)
        .ok_or_else(|| format!("unsupported signingScheme: {scheme_text}"))?;
    let time_label = match scheme {
        SigningScheme::X509 => SIGNING_TIME,
        SigningScheme::X509SigningAuthority => AUTHENTIC_TIME,
    };
    let signing =
        parse_time(protected, time_label).map_err(|e| format!("invalid signingTime: {e}"))?;
    let expiry = match get_text(protected, EXPIRY) {
        Some(_) => parse_time(protected, EXPIRY).map_err(|e| format!("invalid expiry: {e}"))?,
        None => None,
    };
    let system = [SCHEME, EXPIRY, SIGNING_TIME, AUTHENTIC_TIME];
    let mut extended: Vec<(String, serde_json::Value, bool)> = protected
        .iter()
        .filter(|(k, _)| match k {
            Value::Int(i) => ![ALG, CRIT, CONTENT_TYPE].contains(i),
            Value::Text(t) => !system.contains(&t.as_str()),
            _ => true,
        })
        .map(|(k, v)| (cbor::go_print(k), to_json(v), crit.contains(k)))
        .collect();
    extended.sort_by(|a, b| a.0.cmp(&b.0));
    let (signing_time, authentic_signing_time) = match scheme {
        SigningScheme::X509 => (signing, None),
        SigningScheme::X509SigningAuthority => (None, signing),
    };
    Ok(Signed {
        scheme,
        algorithm,
        signing_time,
        authentic_signing_time,
        expiry,
        extended,
    })
}

/// notation-core-go's `parseTime`: only a tag-1 (epoch) date-time is accepted.
fn parse_time(protected: &Header, label: &str) -> Result<Option<time::OffsetDateTime>, String> {
    match get_text(protected, label) {
        Some(Value::Time(_, tag)) if *tag != 1 => {
            Err("only Tag `1` Datetime CBOR object is supported".into())
        }
        Some(Value::Time(t, _)) => Ok(go_time(*t)),
        None | Some(Value::Null | Value::Undefined) => {
            Err(format!("protected header {label:?} is missing"))
        }
        Some(_) => Err("invalid timeValue type".into()),
    }
}

/// An attribute value as JSON (Go's encoding of what go-cose decoded: bytes as base64).
fn to_json(value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Int(i) => J::from(*i),
        Value::Bytes(b) => J::String(b64_encode(Alphabet::StdPadded, b)),
        Value::Text(t) => J::String(t.clone()),
        Value::Array(items) => items.iter().map(to_json).collect(),
        Value::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| (cbor::go_print(k), to_json(v)))
            .collect(),
        Value::Time(Some(t), _) => J::String(format_rfc3339_nano(*t)),
        Value::Tag(number, content) => {
            serde_json::json!({ "Number": number, "Content": to_json(content) })
        }
        Value::Bool(b) => J::Bool(*b),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::Simple(v) => J::from(*v),
        Value::Time(None, _) | Value::BigNum | Value::Null | Value::Undefined => J::Null,
    }
}
