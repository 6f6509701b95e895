//! End to end: configuration errors, defaults and locations, and usage errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::json;
use support::cli::*;
use support::{ratify, write_config};

#[test]
fn config_errors_exit_2_and_name_the_json_path() {
    let home = tempfile::tempdir().unwrap();
    let subject = subject("v1");
    let cases = [
        (
            json!({"verifier": {"plugins": [{"name": "sbom", "artifactTypes": 5}]}}),
            "verifier.plugins[0].artifactTypes",
        ),
        (
            json!({"executor": {"verificationRequestTimeout": "soon"}}),
            "executor.verificationRequestTimeout",
        ),
        (
            json!({"verifier": {"plugins": [{"name": "sbom", "disallowedLicenses": [1]}]}}),
            "disallowedLicenses[0]",
        ),
        (
            json!({"verifier": {"plugins": [{"name": "x", "type": "../../bin/sh"}]}}),
            "path separator",
        ),
        (
            json!({"verifier": {"plugins": [{"name": "not-installed"}]}}),
            "plugin \"not-installed\" not found",
        ),
        (
            json!({"policy": {"plugin": {"name": "configPolicy", "artifactVerificationPolicies": {"a": "most"}}}}),
            "artifactVerificationPolicies.a",
        ),
    ];
    for (config, expected) in cases {
        let path = write_config(home.path(), &config).display().to_string();
        let run = ratify(
            &["verify", "--oci-layout", "-s", &subject, "-c", &path],
            home.path(),
            LIMIT,
        );
        assert_eq!(run.code, Some(2), "{config}: {run:?}");
        assert!(
            run.stderr.contains(expected),
            "{config}: expected {expected:?} in {run:?}"
        );
        assert!(
            run.stdout.is_empty(),
            "no verdict on a config error: {run:?}"
        );
    }
}

#[test]
fn unknown_top_level_keys_warn_but_load() {
    let home = tempfile::tempdir().unwrap();
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bundled_config()).unwrap()).unwrap();
    config["verfier"] = json!({});
    config["executor"]["maxBlobByte"] = json!(1);
    let path = write_config(home.path(), &config).display().to_string();
    let run = ratify(
        &["verify", "--oci-layout", "-s", &subject("v1"), "-c", &path],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stderr
            .contains("ignoring unknown top-level key `verfier`"),
        "{run:?}"
    );
}

#[test]
fn the_default_config_comes_from_ratify_config_dir() {
    let home = tempfile::tempdir().unwrap();
    std::fs::copy(bundled_config(), home.path().join("config.json")).unwrap();
    let run = ratify(
        &["verify", "--oci-layout", "-s", &subject("v1")],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    // With no config at all there are no verifiers, so nothing can pass.
    let empty = tempfile::tempdir().unwrap();
    let run = ratify(
        &["verify", "--oci-layout", "-s", &subject("v1")],
        empty.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(1), "{run:?}");
}

#[test]
fn an_unreachable_registry_denies_with_a_clear_error() {
    let home = tempfile::tempdir().unwrap();
    let config = bundled_config();
    let subject = format!("127.0.0.1:{}/app:v1", support::registry::free_port());
    let run = ratify(
        &["verify", "-s", &subject, "-c", &config],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(1), "{run:?}");
    let message = run.first_message();
    assert!(
        message.contains(&subject.replace("/app:v1", "")) && message.contains("Connection refused"),
        "{message}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let run = ratify(&["verify"], home.path(), LIMIT);
    assert_eq!(run.code, Some(2), "{run:?}");
    let run = ratify(
        &["verify", "--oci-layout", "-s", "/nonexistent/layout:v1"],
        home.path(),
        LIMIT,
    );
    assert_eq!(
        run.code,
        Some(1),
        "a store error during verification denies: {run:?}"
    );
    assert!(run.stdout.contains("/nonexistent/layout"), "{run:?}");
}
