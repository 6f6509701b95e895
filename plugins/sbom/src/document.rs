//! What the checks need from an SBOM, whatever its format: its packages and its creation info.
//!
//! Each format module turns a JSON value into an [`SbomDocument`], or says in one sentence why
//! the value is not a document of that format. Parsing goes through `serde_json::Value` rather
//! than typed structs so every error can name the exact JSON path at fault.

use serde::Serialize;
use serde_json::Value;

use crate::config::describe;
use crate::{cyclonedx, spdx};

/// The SBOM formats this plugin reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SbomFormat {
    /// SPDX 2.x JSON (`application/spdx+json`).
    Spdx,
    /// CycloneDX 1.x JSON (`application/vnd.cyclonedx+json`).
    CycloneDx,
}

/// The SPDX JSON media type, also Ratify's artifact type for SPDX referrers.
pub const SPDX_MEDIA_TYPE: &str = "application/spdx+json";
/// The CycloneDX JSON media type (CycloneDX tools add `;version=1.x`).
pub const CYCLONEDX_MEDIA_TYPE: &str = "application/vnd.cyclonedx+json";

impl SbomFormat {
    /// The format a media type names, ignoring parameters (`;version=1.5`) and case, as media
    /// type names are case-insensitive (RFC 6838).
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type.split(';').next().unwrap_or_default().trim();
        if essence.eq_ignore_ascii_case(SPDX_MEDIA_TYPE) {
            Some(Self::Spdx)
        } else if essence.eq_ignore_ascii_case(CYCLONEDX_MEDIA_TYPE) {
            Some(Self::CycloneDx)
        } else {
            None
        }
    }

    /// The format's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Spdx => "SPDX",
            Self::CycloneDx => "CycloneDX",
        }
    }

    /// Parses a blob as a document of this format; the error is the cause, for a message.
    pub fn parse(self, bytes: &[u8]) -> Result<SbomDocument, String> {
        // Some Windows tools write a UTF-8 byte order mark, which JSON parsers reject.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // serde_json's recursion limit (128) bounds nesting, so the format modules may recurse.
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| format!("it is not valid JSON: {e}"))?;
        match self {
            Self::Spdx => spdx::parse(&value),
            Self::CycloneDx => cyclonedx::parse(&value),
        }
    }
}

/// One package (SPDX) or component (CycloneDX).
///
/// Also the shape of one violation in the result's extensions: Ratify's Go `PackageLicense` had
/// no JSON tags, so its keys are the capitalised field names, and tooling written against Ratify
/// reads them that way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// The package name (empty if the SBOM gives none).
    #[serde(rename = "Name")]
    pub name: String,
    /// The package version (empty if the SBOM gives none).
    #[serde(rename = "Version")]
    pub version: String,
    /// The license expression checked against the deny list (empty if none).
    #[serde(rename = "License")]
    pub license: String,
}

/// An SBOM reduced to what the checks and the report need.
#[derive(Debug, Clone, PartialEq)]
pub struct SbomDocument {
    /// Who made the SBOM and when; reported as `creationInfo` in the extensions.
    pub creation_info: Value,
    /// Every package, in document order.
    pub packages: Vec<Package>,
}

/// `object[key]` as a string, where absent or `null` is empty; `path` names `object` in errors.
pub(crate) fn string_field(
    object: &serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<String, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!(
            "{} must be a string, found {}",
            join(path, key),
            describe(other)
        )),
    }
}

/// `object[key]` as a list of values, where absent or `null` is empty.
pub(crate) fn list_field<'a>(
    object: &'a serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a [Value], String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!(
            "{} must be a list, found {}",
            join(path, key),
            describe(other)
        )),
    }
}

/// `value` as an object; `path` names it in the error.
pub(crate) fn as_object<'a>(
    value: &'a Value,
    path: &str,
) -> Result<&'a serde_json::Map<String, Value>, String> {
    value
        .as_object()
        .ok_or_else(|| format!("{path} must be an object, found {}", describe(value)))
}

/// `path.key`, or just `key` at the top level.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_ignore_parameters_and_case() {
        use SbomFormat::*;
        let cases = [
            ("application/spdx+json", Some(Spdx)),
            ("Application/SPDX+JSON", Some(Spdx)),
            ("application/vnd.cyclonedx+json", Some(CycloneDx)),
            (
                "application/vnd.cyclonedx+json;version=1.5",
                Some(CycloneDx),
            ),
            (
                "application/vnd.cyclonedx+json; version=1.6",
                Some(CycloneDx),
            ),
            ("application/vnd.cyclonedx+xml", None),
            ("application/spdx", None),
            ("application/vnd.oci.image.layer.v1.tar", None),
            ("", None),
        ];
        for (media_type, expected) in cases {
            assert_eq!(
                SbomFormat::from_media_type(media_type),
                expected,
                "{media_type}"
            );
        }
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_bad_json_is_named() {
        let doc = b"\xEF\xBB\xBF{\"spdxVersion\":\"SPDX-2.3\"}";
        assert!(SbomFormat::Spdx.parse(doc).is_ok());
        let error = SbomFormat::Spdx.parse(b"{").err().unwrap_or_default();
        assert!(error.starts_with("it is not valid JSON: EOF"), "{error}");
    }
}
