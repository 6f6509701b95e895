//! Notary Project signature envelopes: JWS JSON serialization (`application/jose+json`) and
//! COSE_Sign1 (`application/cose`).
//!
//! Behaviour and messages follow notation-core-go v1.3 (with golang-jwt v4.5 and go-cose
//! v1.3 under it) because a team switching from `notation verify` expects the same envelopes
//! to pass and fail, for the same reasons:
//!
//! - [`parse`] is what `notation inspect` does (`ParseEnvelope` + `Content()`): structure,
//!   signed attributes, `crit` rules, certificates present. No cryptography.
//! - [`verify`] is `notation verify`'s integrity step in its exact order: structure, the
//!   signature, the content checks, the caller's code-signing chain check, key/algorithm
//!   match, payload content type.
//! - [`Envelope::verify_integrity`] does the signature and key checks on a parsed envelope.

mod cbor_strict;
mod cose;
mod cose_headers;
pub mod golang;
mod jws;
mod jws_content;
mod payload;
mod plugin;
mod pss;
#[cfg(feature = "signer")]
pub mod sign;

use std::fmt;

use time::OffsetDateTime;

use crate::crypto::{self, SignatureAlgorithm};
pub use payload::{Payload, TargetArtifact};
pub use plugin::PluginRequirement;

/// Media type of JWS envelopes.
pub const MEDIA_TYPE_JWS: &str = "application/jose+json";
/// Media type of COSE envelopes.
pub const MEDIA_TYPE_COSE: &str = "application/cose";
/// The only payload content type the specification defines.
pub const MEDIA_TYPE_PAYLOAD_V1: &str = "application/vnd.cncf.notary.payload.v1+json";
/// Extended attribute naming the verification plugin.
pub const VERIFICATION_PLUGIN: &str = "io.cncf.notary.verificationPlugin";
/// Extended attribute with the plugin's minimum version.
pub const VERIFICATION_PLUGIN_MIN_VERSION: &str = "io.cncf.notary.verificationPluginMinVersion";

/// The Notary Project signing schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningScheme {
    /// `notary.x509`: signing time is untrusted; timestamps may prove it.
    X509,
    /// `notary.x509.signingAuthority`: the signing authority vouches for the signing time.
    X509SigningAuthority,
}

impl SigningScheme {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            SigningScheme::X509 => "notary.x509",
            SigningScheme::X509SigningAuthority => "notary.x509.signingAuthority",
        }
    }

    /// Parses an attribute value.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "notary.x509" => Some(SigningScheme::X509),
            "notary.x509.signingAuthority" => Some(SigningScheme::X509SigningAuthority),
            _ => None,
        }
    }
}

/// What went wrong, by notation-core-go error type (notation-go treats them differently).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeErrorKind {
    /// `UnsupportedSignatureFormatError`: not a JWS or COSE media type.
    UnsupportedFormat,
    /// `ParseEnvelope` failed: not JSON / not a COSE_Sign1 (`InvalidSignatureError`).
    Malformed,
    /// `InvalidSignatureError` raised while verifying or reading the content.
    Invalid,
    /// `SignatureIntegrityError`: the signature does not verify.
    Integrity,
    /// An error notation-go does not classify (it reports "verification inconclusive").
    Unexpected,
    /// The payload content type is not supported, or the payload document is unreadable.
    Payload,
}

/// An envelope error with notation's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeError {
    /// The kind.
    pub kind: EnvelopeErrorKind,
    /// notation-core-go's message (`signature is invalid. Error: crypto/rsa: verification
    /// error`, `certificate chain is not present`, ...).
    pub message: String,
}

impl EnvelopeError {
    pub(crate) fn new(kind: EnvelopeErrorKind, message: impl Into<String>) -> Self {
        EnvelopeError {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(EnvelopeErrorKind::Invalid, message)
    }

    pub(crate) fn malformed(message: impl Into<String>) -> Self {
        Self::new(EnvelopeErrorKind::Malformed, message)
    }

    /// `SignatureIntegrityError`'s wording around the cause.
    pub(crate) fn integrity(cause: impl fmt::Display) -> Self {
        Self::new(
            EnvelopeErrorKind::Integrity,
            format!("signature is invalid. Error: {cause}"),
        )
    }

    /// The message as notation-go's verifier reports it in the integrity result
    /// (parse failures get `unable to parse the digital signature, error : ` in front).
    pub fn notation_message(&self) -> String {
        match self.kind {
            EnvelopeErrorKind::UnsupportedFormat | EnvelopeErrorKind::Malformed => {
                format!(
                    "unable to parse the digital signature, error : {}",
                    self.message
                )
            }
            _ => self.message.clone(),
        }
    }
}

impl fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EnvelopeError {}

/// A parsed envelope: the payload, the signed and unsigned attributes, and the certificates.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// `application/jose+json` or `application/cose`.
    pub media_type: String,
    /// The payload bytes (for JWS, base64url-decoded).
    pub payload: Vec<u8>,
    /// The payload content type (`cty` / COSE label 3).
    pub payload_content_type: String,
    /// The signing scheme.
    pub signing_scheme: SigningScheme,
    /// `io.cncf.notary.signingTime` (`notary.x509` scheme, where it is required).
    pub signing_time: Option<OffsetDateTime>,
    /// `io.cncf.notary.authenticSigningTime` (`notary.x509.signingAuthority` scheme).
    pub authentic_signing_time: Option<OffsetDateTime>,
    /// `io.cncf.notary.expiry`.
    pub expiry: Option<OffsetDateTime>,
    /// `io.cncf.notary.verificationPlugin`, when present as a string.
    pub verification_plugin: Option<String>,
    /// `io.cncf.notary.verificationPluginMinVersion`, when present as a string.
    pub verification_plugin_min_version: Option<String>,
    /// Signed attributes the specification does not define (plugin ones included, as notation
    /// lists them): name, value, critical. Sorted by name. COSE integer labels are written in
    /// decimal; byte strings as standard base64 (what Go's JSON encoding gives plugins).
    pub extended_attributes: Vec<(String, serde_json::Value, bool)>,
    /// `io.cncf.notary.signingAgent`.
    pub signing_agent: Option<String>,
    /// The signature value.
    pub signature: Vec<u8>,
    /// The algorithm the envelope names.
    pub algorithm: SignatureAlgorithm,
    /// DER certificates, signing certificate first (`x5c` / `x5chain`).
    pub certificate_chain: Vec<Vec<u8>>,
    /// `io.cncf.notary.timestampSignature`: an RFC 3161 token, raw DER.
    pub timestamp_token: Option<Vec<u8>>,
    raw: Raw,
}

/// What signature verification needs beyond the public fields.
#[derive(Debug, Clone)]
enum Raw {
    /// The three base64url segments (golang-jwt re-reads them when verifying).
    Jws(jws::Segments),
    /// The COSE `Sig_structure` bytes.
    Cose(Vec<u8>),
}

fn format_of(media_type: &str) -> Result<bool, EnvelopeError> {
    match media_type {
        MEDIA_TYPE_JWS => Ok(true),
        MEDIA_TYPE_COSE => Ok(false),
        other => Err(EnvelopeError::new(
            EnvelopeErrorKind::UnsupportedFormat,
            format!("signature envelope format with media type {other:?} is not supported"),
        )),
    }
}

/// Parses and checks an envelope the way `notation inspect` reads it: no cryptography.
pub fn parse(media_type: &str, bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
    let envelope = if format_of(media_type)? {
        jws::decode(bytes)?.content()?
    } else {
        cose::decode(bytes)?.content()?
    };
    validate_content(&envelope)?;
    Ok(envelope)
}

/// notation's integrity verification, in its order. `validate_chain` is the code-signing
/// certificate chain check (notation-core-go's `ValidateCodeSigningCertChain` with no signing
/// time), which notation runs between the content checks and the key/algorithm match; its
/// error text is reported as `certificate-chain is invalid, <text>`.
pub fn verify(
    media_type: &str,
    bytes: &[u8],
    validate_chain: impl FnOnce(&Envelope) -> Result<(), String>,
) -> Result<Envelope, EnvelopeError> {
    let envelope = if format_of(media_type)? {
        let raw = jws::decode(bytes)?;
        raw.verify_signature()?;
        raw.content()?
    } else {
        let raw = cose::decode(bytes)?;
        raw.verify_signature()?;
        raw.content()?
    };
    validate_content(&envelope)?;
    validate_chain(&envelope)
        .map_err(|e| EnvelopeError::invalid(format!("certificate-chain is invalid, {e}")))?;
    envelope.check_signing_algorithm()?;
    envelope.check_payload_content_type()?;
    Ok(envelope)
}

/// notation-core-go's `validateEnvelopeContent`, less the chain validation (see [`verify`]).
fn validate_content(envelope: &Envelope) -> Result<(), EnvelopeError> {
    if envelope.payload.is_empty() {
        return Err(EnvelopeError::invalid("content not present"));
    }
    if envelope.signature.is_empty() {
        return Err(EnvelopeError::invalid("signature not present or is empty"));
    }
    let Some(signing_time) = envelope.signing_time.or(envelope.authentic_signing_time) else {
        return Err(EnvelopeError::invalid("signing-time not present"));
    };
    if envelope.expiry.is_some_and(|expiry| expiry <= signing_time) {
        return Err(EnvelopeError::invalid(
            "expiry cannot be equal or before the signing time",
        ));
    }
    if envelope.certificate_chain.is_empty() {
        return Err(EnvelopeError::invalid(
            "certificate-chain not present or is empty",
        ));
    }
    Ok(())
}

/// Go's zero `time.Time` (0001-01-01T00:00:00Z), which notation treats as "absent".
pub(crate) fn go_time(t: Option<OffsetDateTime>) -> Option<OffsetDateTime> {
    const GO_ZERO_UNIX: i64 = -62_135_596_800;
    t.filter(|t| !(t.unix_timestamp() == GO_ZERO_UNIX && t.nanosecond() == 0))
}

/// The `SubjectPublicKeyInfo` of a DER certificate, if Go would parse the certificate.
pub(crate) fn certificate_spki(der: &[u8]) -> Option<Vec<u8>> {
    match x509_parser::parse_x509_certificate(der) {
        Ok(([], cert)) => Some(cert.tbs_certificate.subject_pki.raw.to_vec()),
        _ => None,
    }
}

impl Envelope {
    /// The signature check alone, with the signing certificate's key, as notation-core-go's
    /// `Verify` does it for this format (golang-jwt for JWS, go-cose for COSE).
    pub fn verify_signature(&self) -> Result<(), EnvelopeError> {
        let leaf = self
            .certificate_chain
            .first()
            .ok_or_else(|| EnvelopeError::invalid("certificate chain is not present"))?;
        let spki = certificate_spki(leaf)
            .ok_or_else(|| EnvelopeError::invalid("malformed leaf certificate"))?;
        match &self.raw {
            Raw::Jws(segments) => jws::verify_segments(segments, &spki),
            Raw::Cose(sig_structure) => cose::verify_with_key(
                self.algorithm.cose_id(),
                &spki,
                sig_structure,
                &self.signature,
            ),
        }
    }

    /// The signing key must be one the specification allows and must match the algorithm
    /// (notation's defence against algorithm substitution).
    pub fn check_signing_algorithm(&self) -> Result<(), EnvelopeError> {
        let leaf = self
            .certificate_chain
            .first()
            .ok_or_else(|| EnvelopeError::invalid("certificate-chain not present or is empty"))?;
        let spki = certificate_spki(leaf).ok_or_else(|| {
            EnvelopeError::invalid("certificate-chain is invalid, x509: malformed certificate")
        })?;
        let derived =
            crypto::algorithm_for_key(&spki).map_err(|e| EnvelopeError::invalid(e.to_string()))?;
        if derived != self.algorithm {
            // Go prints the numeric algorithms, and the format string has a stray "s".
            return Err(EnvelopeError::invalid(format!(
                "mismatch between signature algorithm derived from signing certificate ({}) and signing algorithm specified ({}s)",
                derived.notation_id(),
                self.algorithm.notation_id()
            )));
        }
        Ok(())
    }

    /// notation-go accepts only the v1 payload content type.
    pub fn check_payload_content_type(&self) -> Result<(), EnvelopeError> {
        if self.payload_content_type != MEDIA_TYPE_PAYLOAD_V1 {
            return Err(EnvelopeError::new(
                EnvelopeErrorKind::Payload,
                format!(
                    "payload content type {:?} not supported",
                    self.payload_content_type
                ),
            ));
        }
        Ok(())
    }

    /// Signature, key/algorithm match and payload content type (no chain validation).
    pub fn verify_integrity(&self) -> Result<(), EnvelopeError> {
        self.verify_signature()?;
        self.check_signing_algorithm()?;
        self.check_payload_content_type()
    }

    /// The payload document (`{"targetArtifact": descriptor}`), read as notation-go reads it.
    pub fn payload(&self) -> Result<Payload, EnvelopeError> {
        payload::parse(&self.payload)
    }

    /// The time the signature claims it was made: the signing time under `notary.x509`, the
    /// authentic signing time under `notary.x509.signingAuthority`.
    pub fn claimed_signing_time(&self) -> Option<OffsetDateTime> {
        self.signing_time.or(self.authentic_signing_time)
    }

    /// Critical extended attributes other than the verification plugin ones. The
    /// specification says a verifier that does not understand them must fail; notation-go
    /// leaves them to the verification plugin and ignores them when there is none.
    pub fn unprocessed_critical_attributes(&self) -> Vec<&str> {
        self.extended_attributes
            .iter()
            .filter(|(name, _, critical)| {
                *critical && name != VERIFICATION_PLUGIN && name != VERIFICATION_PLUGIN_MIN_VERSION
            })
            .map(|(name, _, _)| name.as_str())
            .collect()
    }
}
