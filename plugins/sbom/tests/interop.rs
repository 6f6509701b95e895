//! Ratify v1 interop cases RAT-01 and RAT-02 (see shared/interop/PROVENANCE.md), read in place
//! from the shared interop directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ratify_plugin_sdk::verifier::Verifier;
use ratify_sbom::report::{SUCCESS_MESSAGE, VIOLATION_MESSAGE, VIOLATION_REMEDIATION};
use ratify_sbom::{SbomConfig, SbomFormat, SbomVerifier, verify_blob};
use serde_json::{Value, json};

const SYFT: &str = "ratify/sbom/syftbom.spdx.json";
const DIGEST: &str = "sha256:5b0f0c8d0f0e2d5a8c47e9a5f1b0d3c6e2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2";

fn configure(config: Value) -> SbomConfig {
    SbomVerifier.configure("sbom", &config).unwrap()
}

#[test]
fn rat_01_bom_spdx_23_without_deny_lists_passes() {
    let Some(bytes) = common::interop_file("ratify/sbom/bom.json") else {
        return;
    };
    let result = verify_blob(&configure(json!({})), SbomFormat::Spdx, DIGEST, &bytes);
    assert!(result.is_success, "{result:?}");
    assert_eq!(
        result.message,
        "SBOM verification success. No license or package violation found."
    );
    let source: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        result.extensions,
        Some(json!({"creationInfo": source["creationInfo"]}))
    );
    assert_eq!((result.error_reason, result.remediation), (None, None));
}

#[test]
fn rat_02_syft_sbom_has_16_packages() {
    let Some(bytes) = common::interop_file(SYFT) else {
        return;
    };
    let doc = SbomFormat::Spdx.parse(&bytes).unwrap();
    assert_eq!(doc.packages.len(), 16);
    assert_eq!(
        doc.creation_info,
        json!({"licenseListVersion": "3.20", "created": "2023-11-29T01:44:41Z",
               "creators": ["Organization: Anchore, Inc", "Tool: syft-0.76.0"]})
    );
}

fn row(name: &str, version: &str, license: &str) -> Value {
    json!({"Name": name, "Version": version, "License": license})
}

/// Every row of the RAT-02 table: a config and the exact violations it must produce.
#[test]
fn rat_02_every_row_of_the_reason_table() {
    let Some(bytes) = common::interop_file(SYFT) else {
        return;
    };
    let creation_info = serde_json::from_slice::<Value>(&bytes).unwrap()["creationInfo"].clone();
    let libcrypto3 = row("libcrypto3", "3.0.7-r2", "Apache-2.0");
    let libc_utils = row(
        "libc-utils",
        "0.7.2-r3",
        "BSD-2-Clause AND LicenseRef-AND AND BSD-3-Clause",
    );
    let zlib = row("zlib", "1.2.13-r0", "Zlib");
    let rows: Vec<(Value, Vec<Value>, Vec<Value>)> = vec![
        (json!({"disallowedLicenses": ["MPL"]}), vec![], vec![]),
        (
            json!({"disallowedPackages": [{"name": "libcrypto3"}]}),
            vec![],
            vec![libcrypto3.clone()],
        ),
        (
            json!({"disallowedLicenses": ["BSD-3-Clause", "Zlib"],
                   "disallowedPackages": [{"name": "libcrypto3", "version": "3.0.7-r2"}]}),
            vec![libc_utils.clone(), zlib.clone()],
            vec![libcrypto3.clone()],
        ),
        (
            json!({"disallowedPackages": [{"name": "", "version": "3.0.7-r2"}]}),
            vec![],
            vec![],
        ),
        (
            json!({"disallowedLicenses": ["Zlib"]}),
            vec![zlib.clone()],
            vec![],
        ),
        (
            json!({"disallowedLicenses": ["zlib"]}),
            vec![zlib.clone()],
            vec![],
        ),
        (
            json!({"disallowedPackages": [{"name": "libcrypto3", "version": "3.0.7-r3"}]}),
            vec![],
            vec![],
        ),
        (
            json!({"disallowedLicenses": ["GPL-3.0-only"]}),
            vec![],
            vec![],
        ),
    ];
    for (config, licenses, packages) in rows {
        let result = verify_blob(&configure(config.clone()), SbomFormat::Spdx, DIGEST, &bytes);
        let mut expected = json!({"creationInfo": creation_info});
        if !licenses.is_empty() {
            expected["licenseViolations"] = Value::Array(licenses.clone());
        }
        if !packages.is_empty() {
            expected["packageViolations"] = Value::Array(packages.clone());
        }
        assert_eq!(result.extensions, Some(expected), "{config}");
        if licenses.is_empty() && packages.is_empty() {
            assert!(result.is_success, "{config}: {result:?}");
            assert_eq!(result.message, SUCCESS_MESSAGE, "{config}");
        } else {
            assert!(!result.is_success, "{config}: {result:?}");
            assert_eq!(result.message, VIOLATION_MESSAGE, "{config}");
            assert_eq!(result.remediation.as_deref(), Some(VIOLATION_REMEDIATION));
            let reason = result.error_reason.unwrap();
            assert!(
                reason.starts_with("License or package violation found: "),
                "{reason}"
            );
        }
    }
}

/// Ratify's bats config.json writes `versionInfo`; here it narrows the rule as intended.
#[test]
fn rat_02_the_bats_version_info_spelling_pins_the_version() {
    let Some(bytes) = common::interop_file(SYFT) else {
        return;
    };
    let pinned = |version: &str| {
        let config = configure(
            json!({"name": "sbom", "artifactTypes": "application/spdx+json",
            "disallowedPackages": [{"name": "libcrypto3", "versionInfo": version}]}),
        );
        verify_blob(&config, SbomFormat::Spdx, DIGEST, &bytes)
    };
    let hit = pinned("3.0.7-r2");
    assert!(!hit.is_success);
    assert_eq!(
        hit.error_reason.as_deref(),
        Some("License or package violation found: 0 license violations, 1 package violation.")
    );
    assert!(pinned("3.0.7-r3").is_success);
}
