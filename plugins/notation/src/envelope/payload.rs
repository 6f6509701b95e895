//! The Notary Project payload (`application/vnd.cncf.notary.payload.v1+json`):
//! `{"targetArtifact": <OCI descriptor>}`, read the way notation-go's `json.Unmarshal` into
//! `envelope.Payload` reads it (case-insensitive keys, unknown keys ignored, the last of
//! duplicates winning, Go's type-mismatch messages).

use std::collections::BTreeMap;

use super::golang::base64::{self as b64, Alphabet};
use super::golang::json::{self as gojson, Json, Mode};
use super::jws::matched;
use super::{EnvelopeError, EnvelopeErrorKind};

/// The payload document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Payload {
    /// The signed artifact's descriptor.
    pub target_artifact: TargetArtifact,
}

/// The descriptor fields notation compares and reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetArtifact {
    /// `mediaType`.
    pub media_type: String,
    /// `digest` (not validated here, as in notation).
    pub digest: String,
    /// `size`.
    pub size: u64,
    /// `annotations`: user-defined metadata the signer added (`notation sign --user-metadata`).
    pub annotations: BTreeMap<String, String>,
}

fn payload_error(message: String) -> EnvelopeError {
    EnvelopeError::new(EnvelopeErrorKind::Payload, message)
}

/// Parses the payload bytes.
pub(super) fn parse(bytes: &[u8]) -> Result<Payload, EnvelopeError> {
    let doc = gojson::parse(bytes, Mode::Unmarshal).map_err(payload_error)?;
    let mut payload = Payload::default();
    let members = match &doc {
        Json::Object(members) => members.as_slice(),
        Json::Null => &[],
        other => {
            return Err(payload_error(format!(
                "json: cannot unmarshal {} into Go value of type envelope.Payload",
                other.kind()
            )));
        }
    };
    let mut saved: Option<String> = None;
    for (key, value) in members {
        if matched(key, &["targetArtifact"]).is_none() {
            continue;
        }
        match value {
            Json::Object(fields) => descriptor(fields, &mut payload.target_artifact, &mut saved),
            Json::Null => {}
            other => {
                saved.get_or_insert_with(|| {
                    gojson::type_error(other, "Payload", "targetArtifact", "v1.Descriptor")
                });
            }
        }
    }
    match saved {
        Some(e) => Err(payload_error(e)),
        None => Ok(payload),
    }
}

const FIELDS: [&str; 8] = [
    "mediaType",
    "digest",
    "size",
    "urls",
    "annotations",
    "data",
    "platform",
    "artifactType",
];

fn descriptor(fields: &[(String, Json)], out: &mut TargetArtifact, saved: &mut Option<String>) {
    for (key, value) in fields {
        let Some(index) = matched(key, &FIELDS) else {
            continue;
        };
        let path = format!("targetArtifact.{}", FIELDS[index]);
        let mut fail = |go_type: &str, value: &Json| {
            saved.get_or_insert_with(|| gojson::type_error(value, "Descriptor", &path, go_type));
        };
        match (index, value) {
            (_, Json::Null) if index != 4 => {}
            (0, Json::String { text, .. }) => out.media_type = text.clone(),
            (1, Json::String { text, .. }) => out.digest = text.clone(),
            (7, Json::String { .. }) => {}
            (0 | 7, v) => fail("string", v),
            (1, v) => fail("digest.Digest", v),
            (2, Json::Number(n)) => match n.parse::<u64>() {
                Ok(size) => out.size = size,
                Err(_) => {
                    // Go's int64 field also rejects fractions and exponents with this text;
                    // a negative size is refused here where Go would store it.
                    let go_type = if n.starts_with('-') && n.parse::<i64>().is_ok() {
                        "uint64"
                    } else {
                        "int64"
                    };
                    saved.get_or_insert_with(|| {
                        format!("json: cannot unmarshal number {n} into Go struct field Descriptor.{path} of type {go_type}")
                    });
                }
            },
            (2, v) => fail("int64", v),
            (3, Json::Array(items)) => {
                for item in items
                    .iter()
                    .filter(|i| !matches!(i, Json::String { .. } | Json::Null))
                {
                    fail("string", item);
                }
            }
            (3, v) => fail("[]string", v),
            (4, Json::Null) => out.annotations.clear(),
            (4, Json::Object(pairs)) => {
                for (name, item) in pairs {
                    match item {
                        Json::String { text, .. } => {
                            out.annotations.insert(name.clone(), text.clone());
                        }
                        other => {
                            if !matches!(other, Json::Null) {
                                fail("string", other);
                            }
                            out.annotations.insert(name.clone(), String::new());
                        }
                    }
                }
            }
            (4, v) => fail("map[string]string", v),
            (5, Json::String { text, .. }) => {
                if let Err(e) = b64::decode(Alphabet::StdPadded, text.as_bytes()) {
                    saved.get_or_insert(e);
                }
            }
            (5, v) => fail("[]uint8", v),
            (6, Json::Object(platform)) => check_platform(platform, saved),
            (_, v) => fail("v1.Platform", v),
        }
    }
}

fn check_platform(fields: &[(String, Json)], saved: &mut Option<String>) {
    const NAMES: [&str; 5] = ["architecture", "os", "os.version", "os.features", "variant"];
    for (key, value) in fields {
        let Some(index) = matched(key, &NAMES) else {
            continue;
        };
        let path = format!("targetArtifact.platform.{}", NAMES[index]);
        let mut fail = |go_type: &str, v: &Json| {
            saved.get_or_insert_with(|| gojson::type_error(v, "Platform", &path, go_type));
        };
        match (index, value) {
            (_, Json::Null) => {}
            (3, Json::Array(items)) => {
                for item in items
                    .iter()
                    .filter(|i| !matches!(i, Json::String { .. } | Json::Null))
                {
                    fail("string", item);
                }
            }
            (3, v) => fail("[]string", v),
            (_, Json::String { .. }) => {}
            (_, v) => fail("string", v),
        }
    }
}
