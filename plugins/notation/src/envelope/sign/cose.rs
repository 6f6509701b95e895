//! The COSE half of the fixture signer: COSE_Sign1 envelopes built and signed through coset
//! (its header types, its `Sig_structure`, its encoder), with the map entries in Go's canonical
//! order, times as tag 1 over whole seconds, and `crit` listing the scheme,
//! `authenticSigningTime`, `expiry`, then the critical extended attributes.
//!
//! That reproduces notation's bytes (the NCG-01 vector), with one exception no notation signer
//! writes: a non-integer number in an extended attribute, which Go encodes as an 8-byte float
//! and ciborium (which has no option for it) in its shortest exact form. The value is the same
//! and the envelope verifies; no hand-written encoder is kept for that case.

use coset::cbor::value::Value;
use coset::iana::{self, EnumI64};
use coset::{
    CborSerializable, CoseSign1, CoseSign1Builder, Header, HeaderBuilder,
    RegisteredLabelWithPrivate, TaggedCborSerializable,
};
use time::OffsetDateTime;

use super::{SignRequest, Signer, Timestamper, request_error, timestamp_token, validate};
use crate::envelope::{EnvelopeError, SigningScheme};

const SCHEME: &str = "io.cncf.notary.signingScheme";
const X5CHAIN: i64 = 33;

impl Signer {
    /// The COSE protected header bytes notation writes for `request` (exposed so fixtures can
    /// be compared with the conformance vectors).
    pub fn cose_protected_header(&self, request: &SignRequest) -> Result<Vec<u8>, EnvelopeError> {
        self.cose_header(request)?.to_vec().map_err(encode_error)
    }

    /// The protected header: alg, crit, content type, then the text labels in Go's order.
    fn cose_header(&self, request: &SignRequest) -> Result<Header, EnvelopeError> {
        let (signing_time, expiry) = validate(request)?;
        let alg = iana::Algorithm::from_i64(self.algorithm.cose_id())
            .ok_or_else(|| request_error("signature algorithm not supported"))?;
        let mut crit = vec![SCHEME];
        let time_label = match request.signing_scheme {
            SigningScheme::X509 => "io.cncf.notary.signingTime",
            SigningScheme::X509SigningAuthority => {
                crit.push("io.cncf.notary.authenticSigningTime");
                "io.cncf.notary.authenticSigningTime"
            }
        };
        let mut rest = vec![
            (SCHEME, Value::Text(request.signing_scheme.as_str().into())),
            (time_label, epoch(signing_time)),
        ];
        if let Some(expiry) = expiry {
            crit.push("io.cncf.notary.expiry");
            rest.push(("io.cncf.notary.expiry", epoch(expiry)));
        }
        for (name, value, critical) in &request.extended_attributes {
            if rest.iter().any(|(label, _)| *label == name.as_str()) {
                return Err(request_error(format!(
                    "{name:?} already exists in the protected header"
                )));
            }
            if *critical {
                crit.push(name);
            }
            rest.push((name, to_cbor(value)));
        }
        let mut header = HeaderBuilder::new()
            .algorithm(alg)
            .content_type(request.payload_content_type.clone());
        for label in crit {
            header = header.add_critical_label(RegisteredLabelWithPrivate::Text(label.into()));
        }
        for (label, value) in rest {
            header = header.text_value(label.into(), value);
        }
        let header = canonical(header.build());
        // go-cose validates the header as it marshals it; reuse its reader for the same errors.
        let bytes = header.clone().to_vec().map_err(encode_error)?;
        crate::envelope::cose_headers::check_protected(&Value::Bytes(bytes))
            .map_err(request_error)?;
        Ok(header)
    }

    pub(super) fn cose(
        &self,
        request: &SignRequest,
        timestamper: Option<Timestamper>,
    ) -> Result<Vec<u8>, EnvelopeError> {
        let signed = CoseSign1Builder::new()
            .protected(self.cose_header(request)?)
            .payload(request.payload.clone())
            .try_create_signature(&[], |tbs| self.sign_message(tbs))?
            .build();
        let token = timestamp_token(request, timestamper, &signed.signature)?;
        let certs = self.certificate_chain.iter().cloned().map(Value::Bytes);
        let mut unprotected = HeaderBuilder::new().value(X5CHAIN, Value::Array(certs.collect()));
        if let Some(agent) = request.signing_agent.as_ref().filter(|a| !a.is_empty()) {
            let label = "io.cncf.notary.signingAgent".into();
            unprotected = unprotected.text_value(label, Value::Text(agent.clone()));
        }
        if let Some(token) = token.filter(|t| !t.is_empty()) {
            let label = "io.cncf.notary.timestampSignature".into();
            unprotected = unprotected.text_value(label, Value::Bytes(token));
        }
        let message = CoseSign1 {
            unprotected: canonical(unprotected.build()),
            ..signed
        };
        message.to_tagged_vec().map_err(encode_error)
    }
}

/// A time as notation writes it: tag 1 over whole Unix seconds.
fn epoch(t: OffsetDateTime) -> Value {
    Value::Tag(1, Box::new(Value::from(t.unix_timestamp())))
}

/// Go's map order (fxamacker's `SortCoreDeterministic`: by encoded label bytes), which is
/// coset's `Label` order. coset writes alg, crit and content type (labels 1-3) first, which is
/// already their place.
fn canonical(mut header: Header) -> Header {
    header.rest.sort_by(|a, b| a.0.cmp(&b.0));
    header
}

fn encode_error(e: coset::CoseError) -> EnvelopeError {
    request_error(e.to_string())
}

/// An attribute value as Go's CBOR encoder writes the equivalent Go value, maps in Go's order
/// (text keys by encoded bytes: shorter first, then bytewise).
fn to_cbor(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(f)) => Value::Float(f),
            (None, None) => Value::Null,
        },
        serde_json::Value::String(s) => Value::Text(s.clone()),
        serde_json::Value::Array(items) => Value::Array(items.iter().map(to_cbor).collect()),
        serde_json::Value::Object(map) => {
            let mut pairs: Vec<_> = map.iter().collect();
            pairs.sort_by(|a, b| (a.0.len(), a.0).cmp(&(b.0.len(), b.0)));
            let pairs = pairs
                .into_iter()
                .map(|(k, v)| (Value::Text(k.clone()), to_cbor(v)));
            Value::Map(pairs.collect())
        }
    }
}
