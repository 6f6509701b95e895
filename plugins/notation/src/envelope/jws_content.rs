//! The signed attributes of a JWS envelope, read as notation-core-go's `Content()` reads them:
//! the protected header decoded twice (into the `jwsProtectedHeader` struct, with Go's
//! case-insensitive field matching, and into a map for the extended attributes), then the
//! signing-scheme and `crit` rules of `validateProtectedHeaders`.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::golang::base64::{self as b64, Alphabet};
use super::golang::json::{self as gojson, Json, Mode};
use super::golang::marshal::GoValue;
use super::golang::time::parse_rfc3339;
use super::jws::{RawJws, matched};
use super::{
    Envelope, EnvelopeError, EnvelopeErrorKind, MEDIA_TYPE_JWS, Raw, SigningScheme,
    VERIFICATION_PLUGIN, VERIFICATION_PLUGIN_MIN_VERSION, certificate_spki, go_time,
};
use crate::crypto::SignatureAlgorithm;

const ALG: &str = "alg";
const CTY: &str = "cty";
const CRIT: &str = "crit";
const EXPIRY: &str = "io.cncf.notary.expiry";
const SCHEME: &str = "io.cncf.notary.signingScheme";
const SIGNING_TIME: &str = "io.cncf.notary.signingTime";
const AUTHENTIC_TIME: &str = "io.cncf.notary.authenticSigningTime";

/// The struct fields, in declaration order (Go's `headerKeys` too).
const FIELDS: [&str; 7] = [ALG, CTY, CRIT, EXPIRY, SCHEME, SIGNING_TIME, AUTHENTIC_TIME];

/// `jwsProtectedHeader` after `json.Unmarshal`.
#[derive(Default)]
struct Protected {
    alg: String,
    cty: String,
    crit: Option<Vec<String>>,
    expiry: Option<OffsetDateTime>,
    scheme: String,
    signing_time: Option<OffsetDateTime>,
    authentic_signing_time: Option<OffsetDateTime>,
    extended: BTreeMap<String, GoValue>,
}

fn header_error(e: impl std::fmt::Display) -> EnvelopeError {
    EnvelopeError::invalid(format!(
        "jws envelope protected header can't be decoded: {e}"
    ))
}

/// `parseProtectedHeaders`.
fn parse_protected(encoded: &str) -> Result<Protected, EnvelopeError> {
    let raw = b64::decode(Alphabet::RawUrl, encoded.as_bytes()).map_err(header_error)?;
    let doc = gojson::parse(&raw, Mode::Unmarshal).map_err(header_error)?;
    let mut header = Protected::default();
    let members = match &doc {
        Json::Object(members) => members.as_slice(),
        Json::Null => &[],
        other => {
            return Err(header_error(format!(
                "json: cannot unmarshal {} into Go value of type jws.jwsProtectedHeader",
                other.kind()
            )));
        }
    };
    let mut saved: Option<String> = None;
    for (key, value) in members {
        let Some(index) = matched(key, &FIELDS) else {
            continue;
        };
        let name = FIELDS[index];
        let mut type_error = |go_type: &str| {
            saved.get_or_insert_with(|| {
                gojson::type_error(value, "jwsProtectedHeader", name, go_type)
            });
        };
        match (index, value) {
            (0, Json::String { text, .. }) => header.alg = text.clone(),
            (1, Json::String { text, .. }) => header.cty = text.clone(),
            (4, Json::String { text, .. }) => header.scheme = text.clone(),
            (0 | 1 | 4, Json::Null) => {}
            (0 | 1, _) => type_error("string"),
            (4, _) => type_error("signature.SigningScheme"),
            (2, Json::Array(items)) => {
                let mut crit = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Json::String { text, .. } => crit.push(text.clone()),
                        Json::Null => crit.push(String::new()),
                        other => {
                            saved.get_or_insert_with(|| {
                                gojson::type_error(other, "jwsProtectedHeader", CRIT, "string")
                            });
                            crit.push(String::new());
                        }
                    }
                }
                header.crit = Some(crit);
            }
            (2, Json::Null) => header.crit = None,
            (2, _) => type_error("[]string"),
            (_, value) => {
                // `*time.Time`: null clears it; anything else goes to Time.UnmarshalJSON, whose
                // error stops decoding at once (unlike type mismatches, which are saved).
                let time = match value {
                    Json::Null => None,
                    Json::String { raw, .. } => Some(parse_rfc3339(raw).map_err(header_error)?),
                    _ => {
                        return Err(header_error(
                            "Time.UnmarshalJSON: input is not a JSON string",
                        ));
                    }
                };
                match index {
                    3 => header.expiry = time,
                    5 => header.signing_time = time,
                    _ => header.authentic_signing_time = time,
                }
            }
        }
    }
    if let Some(e) = saved {
        return Err(header_error(e));
    }
    // The second pass into map[string]interface{}: exact keys, numbers as float64.
    for (key, value) in members {
        let value = GoValue::from_json(value).map_err(header_error)?;
        header.extended.insert(key.clone(), value);
    }
    for key in FIELDS {
        header.extended.remove(key);
    }
    Ok(header)
}

/// `validateProtectedHeaders` and `validateCriticalHeaders`.
fn validate(h: &Protected) -> Result<SigningScheme, EnvelopeError> {
    let scheme = SigningScheme::parse(&h.scheme).ok_or_else(|| {
        EnvelopeError::invalid(format!("unsupported SigningScheme: `{}`", h.scheme))
    })?;
    let x509 = SigningScheme::X509.as_str();
    let authority = SigningScheme::X509SigningAuthority.as_str();
    match scheme {
        SigningScheme::X509 if h.authentic_signing_time.is_some() => {
            return Err(EnvelopeError::invalid(format!(
                "{AUTHENTIC_TIME:?} header must not be present for {x509} signing scheme"
            )));
        }
        SigningScheme::X509SigningAuthority if h.signing_time.is_some() => {
            return Err(EnvelopeError::invalid(format!(
                "{SIGNING_TIME:?} header must not be present for {authority} signing scheme"
            )));
        }
        SigningScheme::X509SigningAuthority if h.authentic_signing_time.is_none() => {
            // notation-core-go names the other scheme in this message.
            return Err(EnvelopeError::invalid(format!(
                "{AUTHENTIC_TIME:?} header must be present for {x509} signing scheme"
            )));
        }
        _ => {}
    }
    let crit = h.crit.as_deref().unwrap_or_default();
    if crit.is_empty() {
        return Err(EnvelopeError::invalid(r#"missing "crit" header"#));
    }
    let mut must: Vec<&str> = vec![SCHEME];
    if go_time(h.expiry).is_some() {
        must.push(EXPIRY);
    }
    if scheme == SigningScheme::X509SigningAuthority {
        must.push(AUTHENTIC_TIME);
    }
    for name in crit {
        if let Some(pos) = must.iter().position(|m| m == name) {
            must.remove(pos);
        } else if !h.extended.contains_key(name) {
            return Err(EnvelopeError::invalid(format!(
                "{name:?} header is marked critical but not present"
            )));
        }
    }
    if !must.is_empty() {
        return Err(EnvelopeError::invalid(format!(
            "these required headers are not marked as critical: [{}]",
            must.join(" ")
        )));
    }
    Ok(scheme)
}

/// notation-core-go's JWS `Content()`.
pub(super) fn content(raw: RawJws) -> Result<Envelope, EnvelopeError> {
    let header = parse_protected(&raw.segments.protected)?;
    let payload = b64::decode(Alphabet::RawUrl, raw.segments.payload.as_bytes())
        .map_err(|e| EnvelopeError::invalid(format!("payload error: {e}")))?;
    let scheme = validate(&header)?;
    let algorithm = SignatureAlgorithm::from_jws_name(&header.alg).ok_or_else(|| {
        EnvelopeError::new(
            EnvelopeErrorKind::Unexpected,
            format!("signature algorithm {:?} is not supported", header.alg),
        )
    })?;
    let crit = header.crit.clone().unwrap_or_default();
    let extended_attributes: Vec<(String, serde_json::Value, bool)> = header
        .extended
        .iter()
        .map(|(k, v)| (k.clone(), v.to_serde(), crit.contains(k)))
        .collect();
    let signature = b64::decode(Alphabet::RawUrl, raw.segments.signature.as_bytes())
        .map_err(EnvelopeError::invalid)?;
    if signature.is_empty() {
        return Err(EnvelopeError::invalid(
            "signature missing in jws-json envelope",
        ));
    }
    if raw.x5c.iter().any(|cert| certificate_spki(cert).is_none()) {
        return Err(EnvelopeError::invalid("x509: malformed certificate"));
    }
    let string_attr = |name: &str| match header.extended.get(name) {
        Some(GoValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let (signing_time, authentic_signing_time) = match scheme {
        SigningScheme::X509 => (go_time(header.signing_time), None),
        SigningScheme::X509SigningAuthority => (None, go_time(header.authentic_signing_time)),
    };
    Ok(Envelope {
        media_type: MEDIA_TYPE_JWS.to_string(),
        payload,
        payload_content_type: header.cty.clone(),
        signing_scheme: scheme,
        signing_time,
        authentic_signing_time,
        expiry: go_time(header.expiry),
        verification_plugin: string_attr(VERIFICATION_PLUGIN),
        verification_plugin_min_version: string_attr(VERIFICATION_PLUGIN_MIN_VERSION),
        extended_attributes,
        signing_agent: Some(raw.signing_agent).filter(|a| !a.is_empty()),
        signature,
        algorithm,
        certificate_chain: raw.x5c,
        timestamp_token: raw.timestamp.filter(|t| !t.is_empty()),
        raw: Raw::Jws(raw.segments),
    })
}
