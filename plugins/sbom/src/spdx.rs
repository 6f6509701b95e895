//! SPDX 2.x JSON: packages and creation info.
//!
//! Ratify v1 read SPDX with spdx/tools-golang, which accepts SPDX-2.1 to 2.3; any `SPDX-2.x`
//! version is accepted here, as the 2.x JSON shape of packages has not changed. A package's
//! license is its `licenseConcluded` only, never `licenseDeclared`, exactly as Ratify did, so
//! the same deny list flags the same packages.

use serde_json::Value;

use crate::config::describe;
use crate::document::{Package, SbomDocument, as_object, list_field, string_field};

/// Reads an SPDX 2.x JSON document; the error says why `value` is not one.
pub fn parse(value: &Value) -> Result<SbomDocument, String> {
    let Value::Object(doc) = value else {
        return Err(format!(
            "it is not an SPDX document: expected a JSON object, found {}",
            describe(value)
        ));
    };
    match doc.get("spdxVersion") {
        Some(Value::String(version)) if version.starts_with("SPDX-2.") => {}
        Some(Value::String(version)) => {
            return Err(format!(
                "spdxVersion {version:?} is not supported: only SPDX-2.x JSON documents are"
            ));
        }
        Some(other) => {
            return Err(format!(
                "it is not an SPDX document: spdxVersion must be a string, found {}",
                describe(other)
            ));
        }
        None => return Err(missing_version(doc)),
    }
    let packages = list_field(doc, "packages", "")?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let path = format!("packages[{i}]");
            let package = as_object(item, &path)?;
            Ok(Package {
                name: string_field(package, "name", &path)?,
                version: string_field(package, "versionInfo", &path)?,
                license: string_field(package, "licenseConcluded", &path)?,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(SbomDocument {
        // Passed through as written: it holds `created`, `creators` and `licenseListVersion`,
        // the fields Ratify reported.
        creation_info: doc.get("creationInfo").cloned().unwrap_or(Value::Null),
        packages,
    })
}

/// Explains a document without `spdxVersion`, recognising the usual mix-ups.
fn missing_version(doc: &serde_json::Map<String, Value>) -> String {
    if doc.contains_key("@context") || doc.contains_key("@graph") {
        // SPDX 3 is JSON-LD: the version sits in a CreationInfo element, not at the top.
        "it is an SPDX 3 (JSON-LD) document, which is not supported: only SPDX-2.x JSON is"
            .to_owned()
    } else if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        "it is a CycloneDX document, not SPDX: fix the media type or artifact type".to_owned()
    } else {
        "it is not an SPDX document: there is no spdxVersion field".to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    #[test]
    fn packages_use_license_concluded_and_tolerate_missing_fields() {
        let doc = parse(&json!({
            "spdxVersion": "SPDX-2.2",
            "creationInfo": {"created": "2023-01-01T00:00:00Z", "creators": ["Tool: x"]},
            "packages": [
                {"name": "a", "versionInfo": "1", "licenseConcluded": "MIT", "licenseDeclared": "GPL-2.0-only"},
                {"name": "b", "licenseConcluded": null},
            ]
        }))
        .unwrap();
        assert_eq!(doc.creation_info["creators"][0], "Tool: x");
        let found: Vec<_> = doc
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.license.as_str()))
            .collect();
        assert_eq!(found, [("a", "1", "MIT"), ("b", "", "")]);
    }

    #[test]
    fn a_document_without_packages_or_creation_info_is_empty() {
        let doc = parse(&json!({"spdxVersion": "SPDX-2.3"})).unwrap();
        assert!(doc.packages.is_empty() && doc.creation_info.is_null());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let cases = [
            (json!([]), "expected a JSON object, found a list"),
            (
                json!({"spdxVersion": "SPDX-3.0"}),
                "spdxVersion \"SPDX-3.0\" is not supported",
            ),
            (
                json!({"spdxVersion": 2.3}),
                "spdxVersion must be a string, found a number",
            ),
            (
                json!({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}),
                "SPDX 3 (JSON-LD)",
            ),
            (
                json!({"bomFormat": "CycloneDX"}),
                "it is a CycloneDX document, not SPDX",
            ),
            (json!({"name": "x"}), "there is no spdxVersion field"),
            (
                json!({"spdxVersion": "SPDX-2.3", "packages": {}}),
                "packages must be a list, found an object",
            ),
            (
                json!({"spdxVersion": "SPDX-2.3", "packages": [7]}),
                "packages[0] must be an object, found a number",
            ),
            (
                json!({"spdxVersion": "SPDX-2.3", "packages": [{"name": "a"}, {"name": "b", "versionInfo": 1}]}),
                "packages[1].versionInfo must be a string, found a number",
            ),
        ];
        for (doc, expected) in cases {
            let error = parse(&doc).unwrap_err();
            assert!(error.contains(expected), "{doc}: {error}");
        }
    }
}
