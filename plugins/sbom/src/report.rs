//! Turning checked SBOM layers into a `VerifyResult` shaped like Ratify v1's.
//!
//! Ratify's SBOM plugin reported `{"creationInfo": …}` on success and added
//! `licenseViolations` / `packageViolations` (each only when non-empty) on failure. A referrer
//! with one SBOM layer, the usual case, gets exactly that. With several layers the top-level
//! keys hold the first layer's creation info and every layer's violations, and `sboms` adds
//! the per-layer breakdown so a violation can be traced to its layer.

use ratify_plugin_sdk::wire::VerifyResult;
use serde_json::{Map, Value, json};

use crate::document::{Package, SbomFormat};
use crate::violations::Violations;

/// Ratify's success message, kept verbatim: policies and scripts match on it.
pub const SUCCESS_MESSAGE: &str =
    "SBOM verification success. No license or package violation found.";
/// Ratify's message for deny-list violations, kept verbatim.
pub const VIOLATION_MESSAGE: &str = "SBOM validation failed";
/// Ratify's remediation for deny-list violations, kept verbatim.
pub const VIOLATION_REMEDIATION: &str =
    "Please review extensions data for license and package violation found.";
/// Advice for a referrer whose SBOM cannot be read at all.
pub const MALFORMED_REMEDIATION: &str = "Attach the SBOM as SPDX 2.x JSON (media type \
    application/spdx+json) or CycloneDX 1.x JSON (media type application/vnd.cyclonedx+json).";

/// One SBOM layer, parsed and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerReport {
    /// The layer's digest.
    pub digest: String,
    /// The format it was read as.
    pub format: SbomFormat,
    /// `creationInfo` as reported (SPDX creationInfo, or a summary of CycloneDX metadata).
    pub creation_info: Value,
    /// What the deny lists caught.
    pub violations: Violations,
}

/// The verdict over every SBOM layer of a referrer: it passes only if no layer has violations.
pub fn verdict(layers: &[LayerReport]) -> VerifyResult {
    let creation_info = layers
        .first()
        .map_or(Value::Null, |layer| layer.creation_info.clone());
    let mut extensions = Map::new();
    extensions.insert("creationInfo".to_owned(), creation_info);
    let licenses: Vec<&Package> = layers.iter().flat_map(|l| &l.violations.licenses).collect();
    let packages: Vec<&Package> = layers.iter().flat_map(|l| &l.violations.packages).collect();
    insert_nonempty(&mut extensions, "licenseViolations", &licenses);
    insert_nonempty(&mut extensions, "packageViolations", &packages);
    if layers.len() > 1 {
        let per_layer = layers.iter().map(layer_extensions).collect();
        extensions.insert("sboms".to_owned(), Value::Array(per_layer));
    }
    let extensions = Value::Object(extensions);
    if licenses.is_empty() && packages.is_empty() {
        return VerifyResult::success(SUCCESS_MESSAGE).with_extensions(extensions);
    }
    let mut result = VerifyResult::failure(VIOLATION_MESSAGE).with_extensions(extensions);
    result.error_reason = Some(format!(
        "License or package violation found: {}, {}.",
        count(licenses.len(), "license violation"),
        count(packages.len(), "package violation"),
    ));
    result.remediation = Some(VIOLATION_REMEDIATION.to_owned());
    result
}

/// A failing result for a referrer that could not be checked, with the cause as reason.
pub fn rejected(message: String, reason: String, remediation: &str) -> VerifyResult {
    let mut result = VerifyResult::failure(message);
    result.error_reason = Some(reason);
    result.remediation = Some(remediation.to_owned());
    result
}

fn layer_extensions(layer: &LayerReport) -> Value {
    let mut entry = Map::new();
    entry.insert("digest".to_owned(), json!(layer.digest));
    entry.insert("format".to_owned(), json!(layer.format.name()));
    entry.insert("creationInfo".to_owned(), layer.creation_info.clone());
    let licenses: Vec<&Package> = layer.violations.licenses.iter().collect();
    let packages: Vec<&Package> = layer.violations.packages.iter().collect();
    insert_nonempty(&mut entry, "licenseViolations", &licenses);
    insert_nonempty(&mut entry, "packageViolations", &packages);
    Value::Object(entry)
}

/// Ratify left empty violation lists out of the extensions; so does this.
fn insert_nonempty(map: &mut Map<String, Value>, key: &str, packages: &[&Package]) {
    if !packages.is_empty() {
        map.insert(key.to_owned(), json!(packages));
    }
}

fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(digest: &str, licenses: usize) -> LayerReport {
        let package = Package {
            name: "zlib".into(),
            version: "1".into(),
            license: "Zlib".into(),
        };
        LayerReport {
            digest: digest.into(),
            format: SbomFormat::Spdx,
            creation_info: json!({"created": digest}),
            violations: Violations {
                licenses: vec![package; licenses],
                packages: Vec::new(),
            },
        }
    }

    #[test]
    fn one_clean_layer_is_ratifys_success() {
        let result = verdict(&[layer("a", 0)]);
        assert!(result.is_success);
        assert_eq!(result.message, SUCCESS_MESSAGE);
        assert_eq!(
            result.extensions,
            Some(json!({"creationInfo": {"created": "a"}}))
        );
        assert_eq!((result.error_reason, result.remediation), (None, None));
    }

    #[test]
    fn violations_use_ratifys_keys_and_count_in_the_reason() {
        let result = verdict(&[layer("a", 2)]);
        assert!(!result.is_success);
        assert_eq!(result.message, VIOLATION_MESSAGE);
        let row = json!({"Name": "zlib", "Version": "1", "License": "Zlib"});
        assert_eq!(
            result.extensions,
            Some(json!({"creationInfo": {"created": "a"}, "licenseViolations": [row, row]}))
        );
        assert_eq!(
            result.error_reason.as_deref(),
            Some("License or package violation found: 2 license violations, 0 package violations.")
        );
        assert_eq!(result.remediation.as_deref(), Some(VIOLATION_REMEDIATION));
    }

    #[test]
    fn several_layers_fail_if_any_fails_and_are_broken_down() {
        let result = verdict(&[layer("a", 0), layer("b", 1)]);
        assert!(!result.is_success);
        let extensions = result.extensions.unwrap_or_default();
        assert_eq!(extensions["creationInfo"], json!({"created": "a"}));
        assert_eq!(
            extensions["licenseViolations"].as_array().map(Vec::len),
            Some(1)
        );
        assert_eq!(extensions["sboms"][0]["digest"], "a");
        assert!(extensions["sboms"][0].get("licenseViolations").is_none());
        assert_eq!(extensions["sboms"][1]["format"], "SPDX");
        assert_eq!(
            extensions["sboms"][1]["licenseViolations"][0]["Name"],
            "zlib"
        );
    }
}
