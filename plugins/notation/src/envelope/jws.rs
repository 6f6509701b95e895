//! JWS JSON serialization envelopes (`application/jose+json`): decoding the envelope document
//! the way Go's `encoding/json` fills notation-core-go's `jwsEnvelope`, and verifying the
//! signature the way golang-jwt v4.5 does for notation (`verifyJWT`).
//!
//! Reading the signed attributes (`Content()`) is in `jws_content`.

use super::golang::base64::{self as b64, Alphabet};
use super::golang::json::{self as gojson, Json, Mode};
use super::golang::marshal::GoValue;
use super::{EnvelopeError, certificate_spki, pss};
use crate::crypto::{self, CryptoError, SignatureAlgorithm};

/// The three base64url members the signature covers (kept as text: the signing input is the
/// text, and golang-jwt decodes them itself).
#[derive(Debug, Clone, Default)]
pub(super) struct Segments {
    pub protected: String,
    pub payload: String,
    pub signature: String,
}

/// The envelope document as `json.Unmarshal` leaves `jwsEnvelope`.
#[derive(Debug, Default)]
pub(super) struct RawJws {
    pub segments: Segments,
    pub x5c: Vec<Vec<u8>>,
    pub timestamp: Option<Vec<u8>>,
    pub signing_agent: String,
}

/// notation-core-go's `ParseEnvelope` for JWS.
pub(super) fn decode(bytes: &[u8]) -> Result<RawJws, EnvelopeError> {
    let top = gojson::parse(bytes, Mode::Unmarshal).map_err(EnvelopeError::malformed)?;
    let mut raw = RawJws::default();
    let members = match top {
        Json::Object(members) => members,
        Json::Null => return Ok(raw),
        other => {
            return Err(EnvelopeError::malformed(format!(
                "json: cannot unmarshal {} into Go value of type jws.jwsEnvelope",
                other.kind()
            )));
        }
    };
    // Go keeps decoding after a type mismatch and reports the first one at the end.
    let mut first_error: Option<String> = None;
    let mut fail = |e: String| {
        first_error.get_or_insert(e);
    };
    for (key, value) in &members {
        let seg = &mut raw.segments;
        let target = match matched(key, &["payload", "protected", "signature", "header"]) {
            Some(0) => &mut seg.payload,
            Some(1) => &mut seg.protected,
            Some(2) => &mut seg.signature,
            Some(_) => {
                match value {
                    Json::Object(fields) => decode_header(fields, &mut raw, &mut fail),
                    Json::Null => {}
                    other => fail(gojson::type_error(
                        other,
                        "jwsEnvelope",
                        "header",
                        "jws.jwsUnprotectedHeader",
                    )),
                }
                continue;
            }
            None => continue,
        };
        match value {
            Json::String { text, .. } => *target = text.clone(),
            Json::Null => {}
            other => fail(gojson::type_error(
                other,
                "jwsEnvelope",
                &go_name(key),
                "string",
            )),
        }
    }
    match first_error {
        Some(e) => Err(EnvelopeError::malformed(e)),
        None => Ok(raw),
    }
}

/// Which of Go's struct fields a JSON key fills: exact name, else case-insensitive.
pub(super) fn matched(key: &str, fields: &[&str]) -> Option<usize> {
    fields
        .iter()
        .position(|f| *f == key)
        .or_else(|| fields.iter().position(|f| gojson::fold_eq(f, key)))
}

/// The field's tag name as Go prints it in error paths (the declared name, not the key).
fn go_name(key: &str) -> String {
    let fields = ["payload", "protected", "signature", "header"];
    matched(key, &fields).map_or_else(|| key.to_string(), |i| fields[i].to_string())
}

fn decode_header(fields: &[(String, Json)], raw: &mut RawJws, fail: &mut impl FnMut(String)) {
    const NAMES: [&str; 3] = [
        "io.cncf.notary.timestampSignature",
        "x5c",
        "io.cncf.notary.signingAgent",
    ];
    for (key, value) in fields {
        match matched(key, &NAMES) {
            Some(0) => {
                let path = "header.io.cncf.notary.timestampSignature";
                if let Some(bytes) = go_bytes(value, path, "[]uint8", fail) {
                    raw.timestamp = bytes;
                }
            }
            Some(1) => match value {
                Json::Array(items) => {
                    let mut certs = Vec::with_capacity(items.len());
                    for item in items {
                        let bytes = go_bytes(item, "header.x5c", "[]uint8", fail);
                        certs.push(bytes.flatten().unwrap_or_default());
                    }
                    raw.x5c = certs;
                }
                Json::Null => raw.x5c.clear(),
                other => fail(gojson::type_error(
                    other,
                    "jwsUnprotectedHeader",
                    "header.x5c",
                    "[][]uint8",
                )),
            },
            Some(_) => match value {
                Json::String { text, .. } => raw.signing_agent = text.clone(),
                Json::Null => {}
                other => fail(gojson::type_error(
                    other,
                    "jwsUnprotectedHeader",
                    "header.io.cncf.notary.signingAgent",
                    "string",
                )),
            },
            None => {}
        }
    }
}

/// A Go `[]byte` field: a base64 (standard, padded) string, `null`, or an array of bytes.
/// `Some(None)` is `null` (nil); `None` means the field is left as it was (an error).
fn go_bytes(
    value: &Json,
    path: &str,
    go_type: &str,
    fail: &mut impl FnMut(String),
) -> Option<Option<Vec<u8>>> {
    match value {
        Json::String { text, .. } => match b64::decode(Alphabet::StdPadded, text.as_bytes()) {
            Ok(bytes) => Some(Some(bytes)),
            Err(e) => {
                fail(e);
                None
            }
        },
        Json::Null => Some(None),
        Json::Array(items) => {
            let mut bytes = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Json::Number(n) if n.parse::<u8>().is_ok() => {
                        bytes.push(n.parse().unwrap_or(0))
                    }
                    Json::Number(n) => {
                        fail(format!(
                            "json: cannot unmarshal number {n} into Go struct field jwsUnprotectedHeader.{path} of type uint8"
                        ));
                        bytes.push(0);
                    }
                    Json::Null => bytes.push(0),
                    other => {
                        fail(gojson::type_error(
                            other,
                            "jwsUnprotectedHeader",
                            path,
                            "uint8",
                        ));
                        bytes.push(0);
                    }
                }
            }
            Some(Some(bytes))
        }
        other => {
            fail(gojson::type_error(
                other,
                "jwsUnprotectedHeader",
                path,
                go_type,
            ));
            None
        }
    }
}

impl RawJws {
    /// notation-core-go's JWS `Verify` up to (not including) `Content()`.
    pub(super) fn verify_signature(&self) -> Result<(), EnvelopeError> {
        let leaf = self
            .x5c
            .first()
            .ok_or_else(|| EnvelopeError::invalid("certificate chain is not present"))?;
        let spki = certificate_spki(leaf)
            .ok_or_else(|| EnvelopeError::invalid("malformed leaf certificate"))?;
        verify_segments(&self.segments, &spki)
    }

    /// notation-core-go's `Content()`.
    pub(super) fn content(self) -> Result<super::Envelope, EnvelopeError> {
        super::jws_content::content(self)
    }
}

/// golang-jwt's `Parser.Parse` with notation's options (valid methods PS*/ES*, JSON numbers,
/// no claims validation), over `protected.payload.signature`.
pub(super) fn verify_segments(segments: &Segments, spki: &[u8]) -> Result<(), EnvelopeError> {
    let alg = parse_unverified(segments).map_err(EnvelopeError::integrity)?;
    let sig = b64::decode(Alphabet::RawUrl, segments.signature.as_bytes())
        .map_err(EnvelopeError::integrity)?;
    let signing_input = format!("{}.{}", segments.protected, segments.payload);
    let outcome = crypto::verify(alg, spki, signing_input.as_bytes(), &sig);
    // golang-jwt verifies PSS with `PSSSaltLengthAuto`: signatures with another salt length
    // than the hash's are valid too. ring checks only the usual length, so fall back.
    let outcome = match outcome {
        Err(CryptoError::Verification) if alg.is_rsa() => {
            pss::verify_go(alg.hash(), spki, signing_input.as_bytes(), &sig, None)
        }
        other => other,
    };
    outcome.map_err(|e| {
        EnvelopeError::integrity(match (e, alg.is_rsa()) {
            (CryptoError::Verification, true) => "crypto/rsa: verification error",
            (CryptoError::Verification, false) => "crypto/ecdsa: verification error",
            (_, true) => "key is invalid",
            (_, false) => "key is of invalid type",
        })
    })
}

const REGISTERED_METHODS: [&str; 14] = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256",
    "PS384", "PS512", "EdDSA", "none",
];

/// golang-jwt's `ParseUnverified` plus the valid-methods check: returns the algorithm.
fn parse_unverified(segments: &Segments) -> Result<SignatureAlgorithm, String> {
    if [&segments.protected, &segments.payload, &segments.signature]
        .iter()
        .any(|s| s.contains('.'))
    {
        return Err("token contains an invalid number of segments".into());
    }
    let header_bytes =
        b64::decode(Alphabet::RawUrl, segments.protected.as_bytes()).map_err(|e| {
            let token = format!(
                "{}.{}.{}",
                segments.protected, segments.payload, segments.signature
            );
            if token.to_lowercase().starts_with("bearer ") {
                "tokenstring should not contain 'bearer '".to_string()
            } else {
                e
            }
        })?;
    let header = match gojson::parse(&header_bytes, Mode::Unmarshal)? {
        Json::Null => GoValue::Null,
        value @ Json::Object(_) => GoValue::from_json(&value)?,
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                other.kind()
            ));
        }
    };
    let claims = b64::decode(Alphabet::RawUrl, segments.payload.as_bytes())?;
    match gojson::parse(&claims, Mode::Decoder)? {
        Json::Object(_) | Json::Null => {}
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type jwt.MapClaims",
                other.kind()
            ));
        }
    }
    let alg = match &header {
        GoValue::Map(map) => match map.get("alg") {
            Some(GoValue::String(alg)) => alg.clone(),
            _ => return Err("signing method (alg) is unspecified.".into()),
        },
        _ => return Err("signing method (alg) is unspecified.".into()),
    };
    if !REGISTERED_METHODS.contains(&alg.as_str()) {
        return Err("signing method (alg) is unavailable.".into());
    }
    SignatureAlgorithm::from_jws_name(&alg)
        .ok_or_else(|| format!("signing method {alg} is invalid"))
}
