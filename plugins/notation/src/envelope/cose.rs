//! COSE_Sign1 envelopes (`application/cose`), as notation-core-go reads them through go-cose:
//! `ParseEnvelope` (`Sign1Message.UnmarshalCBOR`), `Verify` (the verifier's algorithm comes from
//! the signing key and must equal the header's) and `Content()`.
//!
//! coset decodes the message and its headers and builds the `Sig_structure`. Before it does,
//! the bytes and ciborium's values go through notation's stricter rules ([`cbor_strict`] for
//! fxamacker's CBOR, [`headers`] for go-cose's header checks), so anything notation refuses
//! is refused, with notation's message.
//!
//! The reverse does not hold everywhere: coset checks IANA registries and a few shapes that
//! go-cose does not, and ciborium has no value for CBOR's unassigned simple values. An
//! envelope with an unregistered algorithm, `crit` or content-format number, an empty `kid`,
//! IV or partial IV, a countersignature coset cannot read, or an unassigned simple value is
//! refused here as malformed (`cose: ...` / `cbor: ...`), where notation accepts it or refuses
//! it later with its own message. Notation never writes any of these.

use coset::cbor::value::Value;
use coset::iana::EnumI64;
use coset::{
    AsCborValue, CborSerializable, ContentType, CoseSign1, Label, RegisteredLabelWithPrivate,
};

use super::cbor_strict::{self, go_print};
use super::cose_headers::{self as headers, X5CHAIN};
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

/// A decoded `COSE_Sign1_Tagged` that passed go-cose's checks.
pub(super) struct RawCose(CoseSign1);

/// notation-core-go's `ParseEnvelope` for COSE (go-cose `UnmarshalCBOR`).
pub(super) fn decode(bytes: &[u8]) -> Result<RawCose, EnvelopeError> {
    // go-cose's front-end check: tag 18 over an array of exactly four items.
    if !bytes.starts_with(&[0xd2, 0x84]) {
        return Err(EnvelopeError::malformed(
            "cbor: invalid COSE_Sign1_Tagged object",
        ));
    }
    cbor_strict::wellformed(&bytes[1..], true).map_err(EnvelopeError::malformed)?;
    let message = match Value::from_slice(bytes) {
        Ok(Value::Tag(_, message)) => *message,
        Ok(_) => {
            return Err(EnvelopeError::malformed(
                "cbor: invalid COSE_Sign1_Tagged object",
            ));
        }
        Err(e) => return Err(EnvelopeError::malformed(format!("cbor: {e}"))),
    };
    let Value::Array(items) = &message else {
        return Err(EnvelopeError::malformed(
            "cbor: invalid COSE_Sign1_Tagged object",
        ));
    };
    let [protected, unprotected, payload, signature] = items.as_slice() else {
        return Err(EnvelopeError::malformed(
            "cbor: invalid COSE_Sign1_Tagged object",
        ));
    };
    // go-cose's `byteString` for the payload and the signature: a bstr, or `null` for nil.
    let byte_string = |item: &Value| match item {
        Value::Bytes(bytes) => Ok(bytes.len()),
        Value::Null => Ok(0),
        _ => Err(EnvelopeError::malformed("cbor: require bstr type")),
    };
    byte_string(payload)?;
    if byte_string(signature)? == 0 {
        return Err(EnvelopeError::malformed("empty signature"));
    }
    let protected = headers::check_protected(protected).map_err(EnvelopeError::malformed)?;
    let unprotected = headers::check_unprotected(unprotected).map_err(EnvelopeError::malformed)?;
    headers::ensure_iv(&protected, unprotected).map_err(EnvelopeError::malformed)?;
    CoseSign1::from_cbor_value(message)
        .map(RawCose)
        .map_err(|e| EnvelopeError::malformed(format!("cose: {e}")))
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
fn header_algorithm(protected: &coset::Header) -> Result<i64, String> {
    match &protected.alg {
        None => Err("algorithm not found".into()),
        Some(RegisteredLabelWithPrivate::Assigned(alg)) => Ok(alg.to_i64()),
        Some(RegisteredLabelWithPrivate::PrivateUse(id)) => Ok(*id),
        Some(RegisteredLabelWithPrivate::Text(name)) => Err(format!("Algorithm({name:?})")),
    }
}

/// The value of a text label.
fn text_header<'a>(h: &'a coset::Header, label: &str) -> Option<&'a Value> {
    h.rest
        .iter()
        .find(|(l, _)| matches!(l, Label::Text(t) if t == label))
        .map(|(_, v)| v)
}

impl RawCose {
    /// `x5chain` from the unprotected header, when it is a non-empty array.
    fn certificates(&self) -> Option<&[Value]> {
        let chain = self
            .0
            .unprotected
            .rest
            .iter()
            .find(|(l, _)| *l == Label::Int(X5CHAIN));
        match chain {
            Some((_, Value::Array(certs))) if !certs.is_empty() => Some(certs),
            _ => None,
        }
    }

    /// notation-core-go's COSE `Verify` up to (not including) `Content()`.
    pub(super) fn verify_signature(&self) -> Result<(), EnvelopeError> {
        let Some([leaf, ..]) = self.certificates() else {
            return Err(EnvelopeError::invalid("certificate chain is not present"));
        };
        let Value::Bytes(leaf) = leaf else {
            return Err(EnvelopeError::invalid(
                "COSE envelope malformed leaf certificate",
            ));
        };
        let spki = certificate_spki(leaf)
            .ok_or_else(|| EnvelopeError::invalid("malformed leaf certificate"))?;
        let verifier_alg = key_algorithm(&spki)?;
        if self.0.payload.is_none() {
            return Err(EnvelopeError::integrity("missing payload"));
        }
        let header_alg =
            header_algorithm(&self.0.protected.header).map_err(EnvelopeError::integrity)?;
        let tbs = self.0.tbs_data(&[]);
        check_and_verify(verifier_alg, header_alg, &spki, &tbs, &self.0.signature)
    }

    /// notation-core-go's COSE `Content()`.
    pub(super) fn content(self) -> Result<Envelope, EnvelopeError> {
        let protected = &self.0.protected.header;
        let content_type = match &protected.content_type {
            None => return Err(EnvelopeError::invalid("missing content type")),
            Some(ContentType::Text(cty)) => cty.clone(),
            Some(_) => {
                return Err(EnvelopeError::invalid(
                    "content type should be of 'tstr' type",
                ));
            }
        };
        if self.0.signature.is_empty() {
            return Err(EnvelopeError::invalid("signature missing in COSE envelope"));
        }
        let signed = parse_protected(protected).map_err(EnvelopeError::invalid)?;
        let not_present = || EnvelopeError::invalid("certificate chain is not present");
        let certificate_chain = self
            .certificates()
            .ok_or_else(not_present)?
            .iter()
            .map(|c| match c {
                Value::Bytes(der) if certificate_spki(der).is_some() => Ok(der.clone()),
                Value::Bytes(_) => Err(EnvelopeError::invalid("x509: malformed certificate")),
                _ => Err(not_present()),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let unprotected = &self.0.unprotected;
        let signing_agent = match text_header(unprotected, SIGNING_AGENT) {
            Some(Value::Text(agent)) if !agent.is_empty() => Some(agent.clone()),
            _ => None,
        };
        let timestamp_token = match text_header(unprotected, TIMESTAMP) {
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
        let tbs = self.0.tbs_data(&[]);
        Ok(Envelope {
            media_type: MEDIA_TYPE_COSE.to_string(),
            payload: self.0.payload.unwrap_or_default(),
            payload_content_type: content_type,
            signing_scheme: signed.scheme,
            signing_time: signed.signing_time,
            authentic_signing_time: signed.authentic_signing_time,
            expiry: signed.expiry,
            verification_plugin: string_attr(VERIFICATION_PLUGIN),
            verification_plugin_min_version: string_attr(VERIFICATION_PLUGIN_MIN_VERSION),
            extended_attributes: signed.extended,
            signing_agent,
            signature: self.0.signature,
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

/// notation-core-go's `parseProtectedHeaders` (with `validateCritHeaders`; go-cose's
/// `ensureCritical` already held when the header was decoded).
fn parse_protected(protected: &coset::Header) -> Result<Signed, String> {
    let crit: Vec<Value> = protected
        .crit
        .iter()
        .map(|label| label.clone().to_cbor_value())
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let Some(Value::Text(scheme_text)) = text_header(protected, SCHEME) else {
        return Err("invalid signingScheme".into());
    };
    let mut must = vec![SCHEME];
    if scheme_text == SigningScheme::X509SigningAuthority.as_str() {
        must.push(AUTHENTIC_TIME);
    }
    if text_header(protected, EXPIRY).is_some() {
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
    let expiry = match text_header(protected, EXPIRY) {
        Some(_) => parse_time(protected, EXPIRY).map_err(|e| format!("invalid expiry: {e}"))?,
        None => None,
    };
    // Every label but alg, crit, content type and the system attributes, as Go's map holds it.
    let Value::Map(all) = protected
        .clone()
        .to_cbor_value()
        .map_err(|e| e.to_string())?
    else {
        return Err("invalid protected header".into());
    };
    let system = [SCHEME, EXPIRY, SIGNING_TIME, AUTHENTIC_TIME];
    let own = [Value::from(1), Value::from(2), Value::from(3)];
    let mut extended: Vec<(String, serde_json::Value, bool)> = all
        .iter()
        .filter(|(k, _)| match k {
            Value::Text(t) => !system.contains(&t.as_str()),
            k => !own.contains(k),
        })
        .map(|(k, v)| (go_print(k), to_json(v), crit.contains(k)))
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
fn parse_time(
    protected: &coset::Header,
    label: &str,
) -> Result<Option<time::OffsetDateTime>, String> {
    match text_header(protected, label) {
        Some(Value::Tag(1, secs)) => Ok(go_time(cbor_strict::tag_time(1, secs)?)),
        Some(Value::Tag(0, _)) => Err("only Tag `1` Datetime CBOR object is supported".into()),
        None | Some(Value::Null) => Err(format!("protected header {label:?} is missing")),
        Some(_) => Err("invalid timeValue type".into()),
    }
}

/// An attribute value as JSON (Go's encoding of what go-cose decoded: bytes as base64).
fn to_json(value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Integer(i) => i64::try_from(*i).map_or(J::Null, J::from),
        Value::Bytes(b) => J::String(b64_encode(Alphabet::StdPadded, b)),
        Value::Text(t) => J::String(t.clone()),
        Value::Array(items) => items.iter().map(to_json).collect(),
        Value::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| (go_print(k), to_json(v)))
            .collect(),
        Value::Tag(tag @ (0 | 1), content) => match cbor_strict::tag_time(*tag, content) {
            Ok(Some(t)) => J::String(format_rfc3339_nano(t)),
            _ => J::Null,
        },
        // A big.Int ciborium did not fold into an integer.
        Value::Tag(2 | 3, _) => J::Null,
        Value::Tag(number, content) => {
            serde_json::json!({ "Number": number, "Content": to_json(content) })
        }
        Value::Bool(b) => J::Bool(*b),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        _ => J::Null,
    }
}
