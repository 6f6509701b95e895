//! End to end through the SDK runtime, with nothing spawned: `SbomVerifier` runs on a thread
//! behind `verifier::run_with_io` over pipes, and the test plays the host: hello, configure,
//! verify, then answers the plugin's getManifest and getBlob requests from an in-memory store
//! (blobs are handed over as files, as the real host does).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ratify_plugin_sdk::wire::*;
use ratify_sbom::report::{SUCCESS_MESSAGE, VIOLATION_MESSAGE};
use serde_json::json;

use common::host::*;

#[test]
fn the_handshake_announces_the_sbom_artifact_types() {
    let host = FakeHost::start();
    let hello = host.hello.clone().unwrap();
    assert_eq!(
        (hello.name.as_str(), hello.kind, hello.version.as_str()),
        ("sbom", PluginKind::Verifier, env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(hello.capabilities.artifact_types, [SPDX, CDX]);
    host.finish();
}

#[test]
fn a_bad_config_is_refused_over_the_wire() {
    let mut host = FakeHost::start();
    let error = host
        .configure(
            "c",
            json!({"name": "sbom", "disallowedLicenses": ["MIT", 2]}),
        )
        .unwrap_err();
    assert_eq!(
        (error.code, error.fault),
        (code::INVALID_CONFIG, Fault::Config)
    );
    assert_eq!(
        error.message,
        "disallowedLicenses[1] must be a string, found a number"
    );
    host.finish();
}

#[test]
fn an_spdx_referrer_passes_and_fails_by_config() {
    let mut host = FakeHost::start();
    host.configure(
        "clean",
        json!({"name": "sbom", "type": "sbom", "disallowedLicenses": ["GPL-2.0-only"]}),
    )
    .unwrap();
    host.configure(
        "strict",
        json!({"name": "sbom", "disallowedLicenses": ["zlib"],
        "disallowedPackages": [{"name": "musl"}]}),
    )
    .unwrap();
    let mut store = Store::default();
    let sbom = store.referrer(1, Some(SPDX), &[(SPDX, SMALL_SPDX)]);

    let passed = host
        .verify("clean", referrer(&sbom, Some(SPDX)), &mut store)
        .unwrap();
    assert!(passed.is_success, "{passed:?}");
    assert_eq!(passed.message, SUCCESS_MESSAGE);
    let creation_info = json!({"created": "2024-01-01T00:00:00Z", "creators": ["Tool: test"]});
    assert_eq!(
        passed.extensions,
        Some(json!({"creationInfo": creation_info}))
    );

    let failed = host
        .verify("strict", referrer(&sbom, Some(SPDX)), &mut store)
        .unwrap();
    assert!(!failed.is_success);
    assert_eq!(failed.message, VIOLATION_MESSAGE);
    assert_eq!(
        failed.extensions,
        Some(json!({"creationInfo": creation_info,
            "licenseViolations": [{"Name": "zlib", "Version": "1.3", "License": "Zlib"}],
            "packageViolations": [{"Name": "musl", "Version": "1.2.4", "License": "MIT"}]}))
    );
    assert_eq!(
        failed.error_reason.as_deref(),
        Some("License or package violation found: 1 license violation, 1 package violation.")
    );
    assert!(failed.remediation.is_some());
    host.finish();
}

#[test]
fn rat_01_through_the_runtime() {
    let Some(bom) = common::interop_file("ratify/sbom/bom.json") else {
        return;
    };
    let mut host = FakeHost::start();
    host.configure("c", json!({"name": "sbom"})).unwrap();
    let mut store = Store::default();
    let sbom = store.referrer(1, Some(SPDX), &[(SPDX, &bom)]);
    let result = host
        .verify("c", referrer(&sbom, Some(SPDX)), &mut store)
        .unwrap();
    assert!(result.is_success, "{result:?}");
    assert_eq!(
        result.message,
        "SBOM verification success. No license or package violation found."
    );
    host.finish();
}

#[test]
fn a_cyclonedx_layer_with_a_version_parameter_is_checked() {
    let mut host = FakeHost::start();
    host.configure("c", json!({"disallowedLicenses": ["Zlib"]}))
        .unwrap();
    let mut store = Store::default();
    let fixture = common::fixture("acme.cdx.json");
    let sbom = store.referrer(
        2,
        Some(CDX),
        &[("application/vnd.cyclonedx+json;version=1.5", &fixture)],
    );
    let result = host
        .verify("c", referrer(&sbom, Some(CDX)), &mut store)
        .unwrap();
    assert!(!result.is_success);
    let extensions = result.extensions.unwrap();
    assert_eq!(
        extensions["licenseViolations"],
        json!([{"Name": "zlib", "Version": "1.3.1", "License": "Zlib"}])
    );
    assert_eq!(
        extensions["creationInfo"]["timestamp"],
        "2024-05-01T12:00:00Z"
    );
    host.finish();
}

#[test]
fn a_generic_layer_takes_the_format_of_the_artifact_type() {
    let mut host = FakeHost::start();
    host.configure("c", json!({"disallowedLicenses": ["MIT"]}))
        .unwrap();
    let mut store = Store::default();
    // No artifactType on the referrer descriptor: the manifest's own artifactType decides.
    let sbom = store.referrer(3, Some(SPDX), &[(TAR_LAYER, SMALL_SPDX)]);
    let result = host.verify("c", referrer(&sbom, None), &mut store).unwrap();
    assert!(!result.is_success);
    assert_eq!(
        result.extensions.unwrap()["licenseViolations"][0]["Name"],
        "musl"
    );
    // A layer's own SBOM media type wins over the artifact type.
    let fixture = common::fixture("acme.cdx.json");
    let mixed = store.referrer(4, Some(SPDX), &[(CDX, &fixture)]);
    let result = host
        .verify("c", referrer(&mixed, Some(SPDX)), &mut store)
        .unwrap();
    let names: Vec<_> = result.extensions.unwrap()["licenseViolations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["Name"].clone())
        .collect();
    assert_eq!(names, [json!("acme-lib"), json!("dual")]);
    host.finish();
}

#[test]
fn every_sbom_layer_is_checked_and_any_violation_fails() {
    let mut host = FakeHost::start();
    host.configure("c", json!({"disallowedPackages": [{"name": "left-pad"}]}))
        .unwrap();
    let mut store = Store::default();
    let fixture = common::fixture("acme.cdx.json");
    let sbom = store.referrer(
        5,
        Some(SPDX),
        &[
            (SPDX, SMALL_SPDX),
            (oci::EMPTY_CONFIG, b"{}"),
            (CDX, &fixture),
        ],
    );
    let result = host
        .verify("c", referrer(&sbom, Some(SPDX)), &mut store)
        .unwrap();
    assert!(!result.is_success, "{result:?}");
    assert_eq!(
        store.blob_requests,
        [digest(5 * 16 + 1), digest(5 * 16 + 3)],
        "only SBOM layers are read: the empty descriptor is skipped"
    );
    let extensions = result.extensions.unwrap();
    assert_eq!(extensions["creationInfo"]["creators"][0], "Tool: test");
    assert_eq!(
        extensions["packageViolations"],
        json!([{"Name": "left-pad", "Version": "1.3.0", "License": ""}])
    );
    let layers = extensions["sboms"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    assert_eq!(
        (layers[0]["digest"].as_str(), layers[0]["format"].as_str()),
        (Some(digest(81).as_str()), Some("SPDX"))
    );
    assert!(layers[0].get("packageViolations").is_none());
    assert_eq!(layers[1]["format"], "CycloneDX");
    assert_eq!(layers[1]["packageViolations"][0]["Name"], "left-pad");
    host.finish();
}

#[test]
fn a_referrer_without_an_sbom_layer_fails_clearly() {
    let mut host = FakeHost::start();
    host.configure("c", json!({})).unwrap();
    let mut store = Store::default();
    let other = store.referrer(
        6,
        Some("application/vnd.example+json"),
        &[("application/json", b"{}")],
    );
    let result = host
        .verify(
            "c",
            referrer(&other, Some("application/vnd.example+json")),
            &mut store,
        )
        .unwrap();
    assert!(!result.is_success);
    assert_eq!(
        result.message,
        format!(
            "Referrer {other} has no SBOM layer: none of its layers (application/json) is SPDX or \
                 CycloneDX JSON, and its artifact type \"application/vnd.example+json\" names neither"
        )
    );
    assert!(result.error_reason.unwrap().starts_with("no SBOM layer: "));

    let empty = store.referrer(7, Some(SPDX), &[]);
    let result = host
        .verify("c", referrer(&empty, Some(SPDX)), &mut store)
        .unwrap();
    assert!(!result.is_success);
    assert_eq!(
        result.message,
        format!("Referrer {empty} has no SBOM layer: it has no layers")
    );
    assert!(store.blob_requests.is_empty());
    host.finish();
}

#[test]
fn an_unparseable_manifest_or_layer_fails_without_a_panic() {
    let mut host = FakeHost::start();
    host.configure("c", json!({})).unwrap();
    let mut store = Store::default();
    let garbage = store.raw_manifest(8, b"<html>502 Bad Gateway</html>".to_vec());
    let result = host
        .verify("c", referrer(&garbage, Some(SPDX)), &mut store)
        .unwrap();
    assert!(!result.is_success);
    assert!(
        result.message.starts_with(&format!(
            "Referrer manifest {garbage} is not an OCI image manifest: "
        )),
        "{}",
        result.message
    );
    assert!(
        result
            .error_reason
            .unwrap()
            .starts_with("invalid referrer manifest: ")
    );

    let bad_layer = store.referrer(9, Some(SPDX), &[(SPDX, b"SPDXVersion: SPDX-2.3")]);
    let result = host
        .verify("c", referrer(&bad_layer, Some(SPDX)), &mut store)
        .unwrap();
    assert!(!result.is_success);
    assert_eq!(
        result.message,
        format!(
            "SBOM layer {} cannot be read as SPDX: it is not valid JSON: expected value at line 1 column 1",
            digest(9 * 16 + 1)
        )
    );
    host.finish();
}

#[test]
fn an_oversized_layer_is_refused_before_it_is_fetched() {
    let mut host = FakeHost::start();
    host.configure("c", json!({"maxBlobBytes": 64})).unwrap();
    let mut store = Store::default();
    let sbom = store.referrer(10, Some(SPDX), &[(SPDX, SMALL_SPDX)]);
    let result = host
        .verify("c", referrer(&sbom, Some(SPDX)), &mut store)
        .unwrap();
    assert!(!result.is_success);
    assert_eq!(
        result.message,
        format!(
            "SBOM layer {} is {} bytes, over the maxBlobBytes cap of 64",
            digest(161),
            SMALL_SPDX.len()
        )
    );
    assert_eq!(result.error_reason.as_deref(), Some("SBOM layer too large"));
    assert!(store.blob_requests.is_empty());
    host.finish();
}

#[test]
fn host_failures_are_errors_not_verdicts() {
    let mut host = FakeHost::start();
    host.configure("c", json!({})).unwrap();
    let mut store = Store::default();
    let missing = host
        .verify("c", referrer(&digest(0x77), Some(SPDX)), &mut store)
        .unwrap_err();
    assert_eq!(
        (missing.code, missing.fault),
        (code::NOT_FOUND, Fault::Store)
    );
    assert_eq!(
        missing.message,
        format!("{} is not in the store", digest(0x77))
    );

    let sbom = store.referrer(11, Some(SPDX), &[(SPDX, SMALL_SPDX)]);
    store.broken.push(digest(11 * 16 + 1));
    let unavailable = host
        .verify("c", referrer(&sbom, Some(SPDX)), &mut store)
        .unwrap_err();
    assert_eq!(
        (unavailable.code, unavailable.message.as_str()),
        (code::STORE_UNAVAILABLE, "registry said 503")
    );
    host.finish();
}

#[test]
fn a_blob_whose_size_differs_from_its_descriptor_is_an_error() {
    let mut host = FakeHost::start();
    host.configure("c", json!({})).unwrap();
    let mut store = Store::default();
    let sbom = store.referrer(12, Some(SPDX), &[(SPDX, SMALL_SPDX)]);
    // The host hands over more bytes than the manifest declares for the layer.
    let mut longer = SMALL_SPDX.to_vec();
    longer.extend_from_slice(b"\n\n");
    store.blobs.insert(digest(12 * 16 + 1), longer);
    let error = host
        .verify("c", referrer(&sbom, Some(SPDX)), &mut store)
        .unwrap_err();
    assert!(
        error.message.contains("declares") && error.message.contains("but the blob is"),
        "{error}"
    );
    assert_eq!(error.fault, Fault::Artifact);
    host.finish();
}
