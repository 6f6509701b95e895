//! CycloneDX 1.5 JSON: the hand-written fixture `tests/fixtures/acme.cdx.json` (license id,
//! license name, expression and multi-license forms, and a component nested in another).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ratify_plugin_sdk::verifier::Verifier;
use ratify_sbom::report::{SUCCESS_MESSAGE, VIOLATION_MESSAGE};
use ratify_sbom::{SbomFormat, SbomVerifier, verify_blob};
use serde_json::{Value, json};

const FIXTURE: &str = "acme.cdx.json";
const DIGEST: &str = "sha256:c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";

fn check(config: Value) -> ratify_plugin_sdk::wire::VerifyResult {
    let config = SbomVerifier.configure("sbom", &config).unwrap();
    verify_blob(
        &config,
        SbomFormat::CycloneDx,
        DIGEST,
        &common::fixture(FIXTURE),
    )
}

fn row(name: &str, version: &str, license: &str) -> Value {
    json!({"Name": name, "Version": version, "License": license})
}

fn names(violations: &Value) -> Vec<String> {
    violations
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["Name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_component_is_read_nested_ones_after_their_parent() {
    let doc = SbomFormat::CycloneDx
        .parse(&common::fixture(FIXTURE))
        .unwrap();
    let found: Vec<_> = doc
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.license.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("acme-lib", "1.0.0", "MIT"),
            ("acme-crypto", "2.1.0", "Acme Proprietary License"),
            ("acme-app", "3.0.0", "Apache-2.0 OR GPL-3.0-only"),
            ("zlib", "1.3.1", "Zlib"),
            ("left-pad", "1.3.0", ""),
            ("dual", "0.9", "BSD-3-Clause AND MIT"),
        ]
    );
}

#[test]
fn no_violation_passes_with_the_metadata_as_creation_info() {
    let result = check(json!({"disallowedLicenses": ["GPL-2.0-only", "MPL"],
        "disallowedPackages": [{"name": "zlib", "version": "1.2.13"}, {"name": "acme"}]}));
    assert!(result.is_success, "{result:?}");
    assert_eq!(result.message, SUCCESS_MESSAGE);
    assert_eq!(
        result.extensions,
        Some(json!({"creationInfo": {
            "timestamp": "2024-05-01T12:00:00Z",
            "tools": {"components": [{"type": "application", "author": "hand",
                                      "name": "handwritten", "version": "1.0"}]},
            "component": {"type": "container", "bom-ref": "acme-image",
                          "name": "registry.example/acme/app", "version": "v1"},
        }}))
    );
}

#[test]
fn license_ids_names_and_expressions_are_all_matched() {
    let result = check(json!({"disallowedLicenses": ["mit", "GPL-3.0-only",
        "Acme Proprietary License", "zlib"]}));
    assert!(!result.is_success);
    assert_eq!(result.message, VIOLATION_MESSAGE);
    let extensions = result.extensions.unwrap();
    assert_eq!(
        extensions["licenseViolations"],
        json!([
            row("acme-lib", "1.0.0", "MIT"),
            row("acme-crypto", "2.1.0", "Acme Proprietary License"),
            row("acme-app", "3.0.0", "Apache-2.0 OR GPL-3.0-only"),
            row("zlib", "1.3.1", "Zlib"),
            row("dual", "0.9", "BSD-3-Clause AND MIT"),
        ])
    );
    assert!(extensions.get("packageViolations").is_none());
    assert_eq!(
        result.error_reason.as_deref(),
        Some("License or package violation found: 5 license violations, 0 package violations.")
    );
}

#[test]
fn a_token_of_a_license_name_matches_but_part_of_an_id_does_not() {
    let result = check(json!({"disallowedLicenses": ["Proprietary", "Apache", "BSD-3"]}));
    let extensions = result.extensions.unwrap();
    assert_eq!(names(&extensions["licenseViolations"]), ["acme-crypto"]);
}

#[test]
fn packages_are_denied_by_name_or_by_name_and_version() {
    let result = check(json!({"disallowedPackages": [
        {"name": "zlib"},
        {"name": "left-pad", "versionInfo": "1.3.0"},
        {"name": "acme-app", "version": "2.0.0"},
        {"name": "ACME-LIB"},
    ]}));
    assert!(!result.is_success);
    let extensions = result.extensions.unwrap();
    assert_eq!(
        extensions["packageViolations"],
        json!([row("zlib", "1.3.1", "Zlib"), row("left-pad", "1.3.0", "")])
    );
    assert!(extensions.get("licenseViolations").is_none());
}

#[test]
fn one_package_can_break_several_licenses_and_the_package_list() {
    let result = check(json!({"disallowedLicenses": ["BSD-3-Clause", "MIT"],
        "disallowedPackages": [{"name": "dual", "version": "0.9"}]}));
    let extensions = result.extensions.unwrap();
    assert_eq!(
        names(&extensions["licenseViolations"]),
        ["acme-lib", "dual", "dual"]
    );
    assert_eq!(names(&extensions["packageViolations"]), ["dual"]);
    assert_eq!(
        result.error_reason.as_deref(),
        Some("License or package violation found: 3 license violations, 1 package violation.")
    );
}
