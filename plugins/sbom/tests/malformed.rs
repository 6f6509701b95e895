//! Inputs that are not what they claim to be: blobs that are not SBOMs, SBOM versions this
//! plugin does not read, and configs of the wrong shape. Each must give a clear, specific
//! error; none may pass or panic. (Manifest-level cases, such as a referrer with no SBOM
//! layer, need a host and are in `runtime.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ratify_plugin_sdk::verifier::Verifier;
use ratify_plugin_sdk::wire::{Fault, VerifyResult, code};
use ratify_sbom::report::MALFORMED_REMEDIATION;
use ratify_sbom::{SbomConfig, SbomFormat, SbomVerifier, verify_blob};
use serde_json::{Value, json};

const DIGEST: &str = "sha256:badbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbad0";

fn check(format: SbomFormat, bytes: &[u8]) -> VerifyResult {
    verify_blob(&SbomConfig::default(), format, DIGEST, bytes)
}

/// Asserts a failing result that names the layer and gives `cause` as the reason.
fn assert_rejected(result: &VerifyResult, cause: &str) {
    assert!(!result.is_success, "{result:?}");
    assert!(
        result.message.contains(DIGEST) && result.message.contains(cause),
        "message {:?} should name the layer and {cause:?}",
        result.message
    );
    let reason = result.error_reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains(cause),
        "reason {reason:?} should contain {cause:?}"
    );
    assert_eq!(result.remediation.as_deref(), Some(MALFORMED_REMEDIATION));
    assert!(result.extensions.is_none());
}

#[test]
fn a_blob_that_is_not_json() {
    for format in [SbomFormat::Spdx, SbomFormat::CycloneDx] {
        let result = check(format, b"SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n");
        assert_rejected(
            &result,
            "it is not valid JSON: expected value at line 1 column 1",
        );
        assert!(result.message.starts_with(&format!(
            "SBOM layer {DIGEST} cannot be read as {}: ",
            format.name()
        )));
        assert_rejected(
            &check(format, b""),
            "it is not valid JSON: EOF while parsing",
        );
        assert_rejected(
            &check(format, b"{\"spdxVersion\": \"SPDX-2.3\", "),
            "it is not valid JSON",
        );
    }
}

#[test]
fn json_that_is_not_an_sbom() {
    let not_sbom = br#"{"hello": "world"}"#;
    assert_rejected(
        &check(SbomFormat::Spdx, not_sbom),
        "it is not an SPDX document: there is no spdxVersion field",
    );
    assert_rejected(
        &check(SbomFormat::CycloneDx, not_sbom),
        "it is not a CycloneDX document: there is no bomFormat field",
    );
    assert_rejected(
        &check(SbomFormat::Spdx, b"[1, 2]"),
        "expected a JSON object, found a list",
    );
    assert_rejected(
        &check(SbomFormat::CycloneDx, b"null"),
        "expected a JSON object, found null",
    );
}

#[test]
fn sboms_in_the_other_format_are_named() {
    let cyclonedx = br#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}"#;
    let spdx = br#"{"spdxVersion": "SPDX-2.3", "packages": []}"#;
    assert_rejected(
        &check(SbomFormat::Spdx, cyclonedx),
        "it is a CycloneDX document, not SPDX",
    );
    assert_rejected(
        &check(SbomFormat::CycloneDx, spdx),
        "it is an SPDX document, not CycloneDX",
    );
}

#[test]
fn spdx_3_and_unknown_spdx_versions_are_refused() {
    let spdx3 = json!({
        "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
        "@graph": [
            {"type": "CreationInfo", "@id": "_:creationinfo", "specVersion": "3.0.1",
             "created": "2024-03-06T00:00:00Z", "createdBy": ["http://spdx.example.com/Agent/Alice"]},
            {"type": "software_Package", "spdxId": "http://spdx.example.com/Package/1",
             "creationInfo": "_:creationinfo", "name": "zlib", "software_packageVersion": "1.3"}
        ]
    });
    assert_rejected(
        &check(SbomFormat::Spdx, spdx3.to_string().as_bytes()),
        "it is an SPDX 3 (JSON-LD) document, which is not supported",
    );
    for version in ["SPDX-3.0", "SPDX-1.2", "2.3", "spdx-2.3"] {
        let doc = json!({"spdxVersion": version, "packages": []}).to_string();
        assert_rejected(
            &check(SbomFormat::Spdx, doc.as_bytes()),
            &format!("spdxVersion {version:?} is not supported"),
        );
    }
    for version in ["SPDX-2.1", "SPDX-2.2", "SPDX-2.3"] {
        let doc = json!({"spdxVersion": version}).to_string();
        assert!(
            check(SbomFormat::Spdx, doc.as_bytes()).is_success,
            "{version}"
        );
    }
}

#[test]
fn unknown_cyclonedx_versions_are_refused() {
    let doc = json!({"bomFormat": "CycloneDX", "specVersion": "2.0"}).to_string();
    assert_rejected(
        &check(SbomFormat::CycloneDx, doc.as_bytes()),
        "specVersion \"2.0\" is not supported",
    );
    for version in ["1.2", "1.3", "1.4", "1.5", "1.6"] {
        let doc = json!({"bomFormat": "CycloneDX", "specVersion": version}).to_string();
        assert!(
            check(SbomFormat::CycloneDx, doc.as_bytes()).is_success,
            "{version}"
        );
    }
}

#[test]
fn wrongly_typed_fields_name_their_path() {
    let doc = json!({"spdxVersion": "SPDX-2.3", "packages": [
        {"name": "ok"}, {"name": "bad", "licenseConcluded": ["MIT"]}
    ]});
    assert_rejected(
        &check(SbomFormat::Spdx, doc.to_string().as_bytes()),
        "packages[1].licenseConcluded must be a string, found a list",
    );
    let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
        {"name": "a", "components": [{"name": "b", "licenses": {"license": {"id": "MIT"}}}]}
    ]});
    assert_rejected(
        &check(SbomFormat::CycloneDx, doc.to_string().as_bytes()),
        "components[0].components[0].licenses must be a list, found an object",
    );
}

fn config_error(config: Value) -> String {
    let error = SbomVerifier.configure("sbom", &config).unwrap_err();
    assert_eq!(
        (error.code, error.fault),
        (code::INVALID_CONFIG, Fault::Config)
    );
    error.message
}

#[test]
fn wrong_config_types_are_config_errors_naming_the_path() {
    assert_eq!(
        config_error(json!({"disallowedLicenses": ["MIT", 1]})),
        "disallowedLicenses[1] must be a string, found a number"
    );
    assert_eq!(
        config_error(json!({"disallowedLicenses": {"MIT": true}})),
        "disallowedLicenses must be a list, found an object"
    );
    assert_eq!(
        config_error(json!({"disallowedPackages": [{"name": "a"}, "b"]}))
            .split(',')
            .next()
            .unwrap(),
        "disallowedPackages[1] must be an object like {\"name\": \"openssl\""
    );
    assert_eq!(
        config_error(json!({"disallowedPackages": [{"name": ["a"]}]})),
        "disallowedPackages[0].name must be a string, found a list"
    );
    assert_eq!(
        config_error(json!({"disallowedPackages": [{"name": "a", "versionInfo": 3}]})),
        "disallowedPackages[0].versionInfo must be a string, found a number"
    );
    assert_eq!(
        config_error(json!({"maxBlobBytes": 1.5})),
        "maxBlobBytes must be a positive whole number of bytes, found 1.5"
    );
    assert_eq!(
        config_error(json!("sbom")),
        "the config must be a JSON object, found a string"
    );
}
