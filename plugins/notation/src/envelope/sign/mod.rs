//! A signer for the project's own test fixtures (cargo feature `signer`): JWS and COSE
//! envelopes byte-for-byte as notation-core-go v1.3 writes them for a local key.
//!
//! JWS: the protected header and the payload go through Go's `json.Marshal` of maps (sorted
//! keys, HTML escaping, payload numbers as float64), `crit` lists the scheme, the critical
//! extended attributes, then `authenticSigningTime` and `expiry`; the envelope members are
//! `payload, protected, header{timestampSignature, x5c, signingAgent}, signature`.
//! COSE: the `cose` submodule, which builds them through coset (one exception to the
//! byte-for-byte claim is noted there).
//! RFC 3161 timestamping is the caller's: either a token to embed as is, or a timestamper
//! called with the signature bytes (what the TSA must countersign) before the envelope is built.

use ring::rand::SystemRandom;
use ring::signature::{self as rs, EcdsaKeyPair, RsaKeyPair};
use time::OffsetDateTime;

use super::golang::base64::{Alphabet, encode as b64};
use super::golang::json::{self as gojson, Json, Mode};
use super::golang::marshal::{GoValue, marshal, quote_into};
use super::golang::time::format_rfc3339_nano;
use super::{EnvelopeError, MEDIA_TYPE_COSE, MEDIA_TYPE_JWS, MEDIA_TYPE_PAYLOAD_V1, SigningScheme};
use crate::crypto::SignatureAlgorithm;

mod cose;

/// Asks a TSA to countersign a signature: takes the signature bytes, returns the RFC 3161
/// token (DER `ContentInfo`) or why it could not.
pub type Timestamper<'a> = &'a dyn Fn(&[u8]) -> Result<Vec<u8>, String>;

/// What to sign (notation-core-go's `SignRequest` for a local signer).
#[derive(Debug, Clone)]
pub struct SignRequest {
    /// The payload (for JWS it must be a JSON object, as notation requires).
    pub payload: Vec<u8>,
    /// The payload content type.
    pub payload_content_type: String,
    /// The signing scheme.
    pub signing_scheme: SigningScheme,
    /// Signing time (authentic signing time under `notary.x509.signingAuthority`); truncated
    /// to whole seconds as notation does.
    pub signing_time: OffsetDateTime,
    /// Optional expiry, truncated to whole seconds.
    pub expiry: Option<OffsetDateTime>,
    /// Extra signed attributes: name, value, critical.
    pub extended_attributes: Vec<(String, serde_json::Value, bool)>,
    /// `io.cncf.notary.signingAgent`.
    pub signing_agent: Option<String>,
    /// An RFC 3161 token to embed as `io.cncf.notary.timestampSignature`.
    pub timestamp_token: Option<Vec<u8>>,
}

impl SignRequest {
    /// A `notary.x509` request for a v1 payload, no expiry, no extra attributes.
    pub fn new(payload: impl Into<Vec<u8>>, signing_time: OffsetDateTime) -> Self {
        SignRequest {
            payload: payload.into(),
            payload_content_type: MEDIA_TYPE_PAYLOAD_V1.to_string(),
            signing_scheme: SigningScheme::X509,
            signing_time,
            expiry: None,
            extended_attributes: Vec::new(),
            signing_agent: None,
            timestamp_token: None,
        }
    }
}

enum Key {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    P521(Box<p521::ecdsa::SigningKey>),
}

/// A local signing key with its certificate chain.
pub struct Signer {
    key: Key,
    algorithm: SignatureAlgorithm,
    certificate_chain: Vec<Vec<u8>>,
}

fn request_error(message: impl Into<String>) -> EnvelopeError {
    EnvelopeError::invalid(message)
}

impl Signer {
    /// A signer from a PKCS#8 private key (RSA 2048/3072/4096, P-256, P-384, P-521) and the
    /// DER certificate chain, signing certificate first. The algorithm follows the key.
    pub fn from_pkcs8(
        pkcs8_der: &[u8],
        certificate_chain: Vec<Vec<u8>>,
    ) -> Result<Self, EnvelopeError> {
        let rng = SystemRandom::new();
        let (key, algorithm) = if let Ok(rsa) = RsaKeyPair::from_pkcs8(pkcs8_der) {
            let bits = rsa.public().modulus_len() * 8;
            let alg = match bits {
                2048 => SignatureAlgorithm::RsaPssSha256,
                3072 => SignatureAlgorithm::RsaPssSha384,
                4096 => SignatureAlgorithm::RsaPssSha512,
                _ => {
                    return Err(request_error(format!(
                        "rsa key size {bits} bits is not supported"
                    )));
                }
            };
            (Key::Rsa(rsa), alg)
        } else if let Ok(ec) =
            EcdsaKeyPair::from_pkcs8(&rs::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8_der, &rng)
        {
            (Key::Ec(ec), SignatureAlgorithm::EcdsaSha256)
        } else if let Ok(ec) =
            EcdsaKeyPair::from_pkcs8(&rs::ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8_der, &rng)
        {
            (Key::Ec(ec), SignatureAlgorithm::EcdsaSha384)
        } else {
            use p521::pkcs8::DecodePrivateKey;
            let key = p521::ecdsa::SigningKey::from_pkcs8_der(pkcs8_der)
                .map_err(|_| request_error("unsupported or malformed PKCS#8 private key"))?;
            (Key::P521(Box::new(key)), SignatureAlgorithm::EcdsaSha512)
        };
        if certificate_chain.is_empty() {
            return Err(request_error("certificate chain is not set"));
        }
        Ok(Signer {
            key,
            algorithm,
            certificate_chain,
        })
    }

    /// The algorithm envelopes will name.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// Signs with (and names) another RSA-PSS algorithm than the key size calls for: a fixture
    /// for algorithm-substitution tests. Only RSA keys can do this.
    pub fn with_algorithm(mut self, algorithm: SignatureAlgorithm) -> Result<Self, EnvelopeError> {
        if !matches!(self.key, Key::Rsa(_)) || !algorithm.is_rsa() {
            return Err(request_error(
                "only RSA keys can sign with another PSS algorithm",
            ));
        }
        self.algorithm = algorithm;
        Ok(self)
    }

    /// The raw signature primitive: RSASSA-PSS (salt = hash length) or ECDSA `r || s`.
    pub fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
        let rng = SystemRandom::new();
        let failed = |_| request_error("signing failed");
        match &self.key {
            Key::Rsa(key) => {
                let padding: &'static dyn rs::RsaEncoding = match self.algorithm {
                    SignatureAlgorithm::RsaPssSha384 => &rs::RSA_PSS_SHA384,
                    SignatureAlgorithm::RsaPssSha512 => &rs::RSA_PSS_SHA512,
                    _ => &rs::RSA_PSS_SHA256,
                };
                let mut sig = vec![0; key.public().modulus_len()];
                key.sign(padding, &rng, message, &mut sig).map_err(failed)?;
                Ok(sig)
            }
            Key::Ec(key) => Ok(key.sign(&rng, message).map_err(failed)?.as_ref().to_vec()),
            Key::P521(key) => {
                use p521::ecdsa::signature::Signer as _;
                let sig: p521::ecdsa::Signature = key.sign(message);
                Ok(sig.to_bytes().to_vec())
            }
        }
    }

    /// Signs into the envelope format named by `media_type`.
    pub fn sign(&self, media_type: &str, request: &SignRequest) -> Result<Vec<u8>, EnvelopeError> {
        self.sign_timestamped(media_type, request, None)
    }

    /// Signs, then has `timestamper` countersign the signature and embeds its token (as
    /// `notation sign --timestamp-url` does); without one, `request.timestamp_token` is used.
    pub fn sign_timestamped(
        &self,
        media_type: &str,
        request: &SignRequest,
        timestamper: Option<Timestamper>,
    ) -> Result<Vec<u8>, EnvelopeError> {
        match media_type {
            MEDIA_TYPE_JWS => self.jws(request, timestamper),
            MEDIA_TYPE_COSE => self.cose(request, timestamper),
            other => Err(request_error(format!(
                "signature envelope format with media type {other:?} is not supported"
            ))),
        }
    }

    /// A JWS envelope as notation writes it.
    pub fn sign_jws(&self, request: &SignRequest) -> Result<Vec<u8>, EnvelopeError> {
        self.jws(request, None)
    }

    /// A COSE_Sign1 envelope as notation writes it.
    pub fn sign_cose(&self, request: &SignRequest) -> Result<Vec<u8>, EnvelopeError> {
        self.cose(request, None)
    }

    fn jws(
        &self,
        request: &SignRequest,
        timestamper: Option<Timestamper>,
    ) -> Result<Vec<u8>, EnvelopeError> {
        let (signing_time, expiry) = validate(request)?;
        let mut header = std::collections::BTreeMap::new();
        let mut crit = vec![GoValue::String("io.cncf.notary.signingScheme".into())];
        for (name, value, critical) in &request.extended_attributes {
            if header
                .insert(name.clone(), GoValue::from_serde(value))
                .is_some()
            {
                return Err(request_error(format!(
                    "{name:?} already exists in the extAttrs"
                )));
            }
            if *critical {
                crit.push(GoValue::String(name.clone()));
            }
        }
        let time_key = match request.signing_scheme {
            SigningScheme::X509 => "io.cncf.notary.signingTime",
            SigningScheme::X509SigningAuthority => {
                crit.push(GoValue::String(
                    "io.cncf.notary.authenticSigningTime".into(),
                ));
                "io.cncf.notary.authenticSigningTime"
            }
        };
        let mut own = vec![
            ("alg", GoValue::String(self.algorithm.jws_name().into())),
            ("cty", GoValue::String(request.payload_content_type.clone())),
            (
                "io.cncf.notary.signingScheme",
                GoValue::String(request.signing_scheme.as_str().into()),
            ),
            (time_key, GoValue::String(format_rfc3339_nano(signing_time))),
        ];
        if let Some(expiry) = expiry {
            crit.push(GoValue::String("io.cncf.notary.expiry".into()));
            own.push((
                "io.cncf.notary.expiry",
                GoValue::String(format_rfc3339_nano(expiry)),
            ));
        }
        own.push(("crit", GoValue::Array(crit)));
        for (name, value) in own {
            if header.insert(name.to_string(), value).is_some() {
                return Err(request_error(format!("attribute key:{name} repeated")));
            }
        }
        let claims = match gojson::parse(&request.payload, Mode::Unmarshal) {
            Ok(Json::Null) => Ok(GoValue::Null),
            Ok(doc @ Json::Object(_)) => GoValue::from_json(&doc),
            Ok(other) => Err(format!(
                "json: cannot unmarshal {} into Go value of type jwt.MapClaims",
                other.kind()
            )),
            Err(e) => Err(e),
        }
        .map_err(|e| request_error(format!("payload format error: {e}")))?;
        let (mut header_json, mut claims_json) = (String::new(), String::new());
        marshal(&mut header_json, &GoValue::Map(header));
        marshal(&mut claims_json, &claims);
        let protected = b64(Alphabet::RawUrl, header_json.as_bytes());
        let payload = b64(Alphabet::RawUrl, claims_json.as_bytes());
        let signature = self.sign_message(format!("{protected}.{payload}").as_bytes())?;
        let token = timestamp_token(request, timestamper, &signature)?;
        let mut out = String::from("{\"payload\":");
        quote_into(&mut out, &payload);
        out.push_str(",\"protected\":");
        quote_into(&mut out, &protected);
        out.push_str(",\"header\":{");
        if let Some(token) = token.filter(|t| !t.is_empty()) {
            out.push_str("\"io.cncf.notary.timestampSignature\":");
            quote_into(&mut out, &b64(Alphabet::StdPadded, &token));
            out.push(',');
        }
        out.push_str("\"x5c\":[");
        for (n, cert) in self.certificate_chain.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            quote_into(&mut out, &b64(Alphabet::StdPadded, cert));
        }
        out.push(']');
        if let Some(agent) = request.signing_agent.as_ref().filter(|a| !a.is_empty()) {
            out.push_str(",\"io.cncf.notary.signingAgent\":");
            quote_into(&mut out, agent);
        }
        out.push_str("},\"signature\":");
        quote_into(&mut out, &b64(Alphabet::RawUrl, &signature));
        out.push('}');
        Ok(out.into_bytes())
    }
}

/// The token to embed: the timestamper's over `signature`, else the request's own.
fn timestamp_token(
    request: &SignRequest,
    timestamper: Option<Timestamper>,
    signature: &[u8],
) -> Result<Option<Vec<u8>>, EnvelopeError> {
    match timestamper {
        Some(stamp) => stamp(signature)
            .map(Some)
            .map_err(|e| request_error(format!("timestamp failed: {e}"))),
        None => Ok(request.timestamp_token.clone()),
    }
}

/// notation-core-go's request canonicalisation and `validateSignRequest`.
fn validate(
    request: &SignRequest,
) -> Result<(OffsetDateTime, Option<OffsetDateTime>), EnvelopeError> {
    if request.payload.is_empty() {
        return Err(request_error("content not present"));
    }
    let truncate = |t: OffsetDateTime| t.replace_nanosecond(0).unwrap_or(t);
    let signing_time = truncate(request.signing_time);
    let expiry = request.expiry.map(truncate);
    if expiry.is_some_and(|e| e <= signing_time) {
        return Err(request_error(
            "expiry cannot be equal or before the signing time",
        ));
    }
    Ok((signing_time, expiry))
}
