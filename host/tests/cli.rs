//! End to end: the real `ratify` binary with the real plugin binaries, on the bundled
//! example layout (`testdata/layout`, made by `tests/support/fixtures.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{example_layout, ratify, write_config};

const LIMIT: Duration = Duration::from_secs(30);

fn subject(tag: &str) -> String {
    format!("{}:{tag}", example_layout().display())
}

fn bundled_config() -> String {
    support::repo_root()
        .join("testdata/config.json")
        .display()
        .to_string()
}

fn verify(tag: &str, extra: &[&str]) -> support::Run {
    let home = tempfile::tempdir().unwrap();
    let subject = subject(tag);
    let config = bundled_config();
    let mut args = vec!["verify", "--oci-layout", "-s", &subject, "-c", &config];
    args.extend_from_slice(extra);
    ratify(&args, home.path(), LIMIT)
}

#[test]
fn the_bundled_example_verifies_with_ratify_v1_result_shape() {
    support::bin_dir();
    let run = verify("v1", &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let result = run.json();
    assert_eq!(result["isSuccess"], true);
    let report = &result["verifierReports"][0];
    for (key, want) in [
        ("isSuccess", json!(true)),
        ("name", json!("sbom")),
        ("verifierName", json!("sbom")),
        ("type", json!("sbom")),
        ("verifierType", json!("sbom")),
        ("artifactType", json!("application/spdx+json")),
        (
            "message",
            json!("SBOM verification success. No license or package violation found."),
        ),
    ] {
        assert_eq!(report[key], want, "{key} in {report}");
    }
    assert!(
        report["referenceDigest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert!(report["subject"].as_str().unwrap().ends_with("layout:v1"));
    assert_eq!(
        report["extensions"]["creationInfo"]["created"],
        "2024-01-01T00:00:00Z"
    );
}

#[test]
fn an_unsigned_subject_is_denied_with_ratifys_message_and_exit_1() {
    let run = verify("unsigned", &[]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let result = run.json();
    assert_eq!(result["isSuccess"], false);
    assert_eq!(
        result["verifierReports"][0]["message"],
        "verification failed: no referrers found for this artifact"
    );
}

#[test]
fn violations_deny_and_list_what_was_found() {
    let run = verify("gpl", &[]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let report = &run.json()["verifierReports"][0];
    assert_eq!(report["message"], "SBOM validation failed");
    assert_eq!(
        report["extensions"]["licenseViolations"],
        json!([{"Name": "readline", "Version": "8.2.1-r0", "License": "GPL-3.0-only"}])
    );
}

#[test]
fn cyclonedx_sboms_verify_too() {
    let run = verify("cyclonedx", &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        run.json()["verifierReports"][0]["artifactType"],
        "application/vnd.cyclonedx+json"
    );
}

#[test]
fn a_referrer_no_verifier_handles_does_not_count_as_success() {
    let run = verify("unknown-type", &["-o", "text"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.contains("no verifier is configured"), "{run:?}");
    assert!(
        run.stdout
            .contains("application/vnd.example.unknown.v1: not verified"),
        "{run:?}"
    );
    assert!(run.stdout.contains("DENIED"), "{run:?}");
}

#[test]
fn artifact_type_filter_limits_what_is_considered() {
    let run = verify("v1", &["-t", "application/vnd.cncf.notary.signature"]);
    assert_eq!(
        run.code,
        Some(1),
        "a filter that matches nothing denies: {run:?}"
    );
    let run = verify("v1", &["-t", "application/spdx+json"]);
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn text_output_has_one_line_per_referrer_and_a_verdict() {
    let run = verify("v1", &["-o", "text"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("✓ sha256:") && lines[0].contains("[sbom]"),
        "{run:?}"
    );
    assert!(lines.last().unwrap().starts_with("VERIFIED: "), "{run:?}");
}

#[test]
fn digest_references_verify_like_tags() {
    let home = tempfile::tempdir().unwrap();
    let layout = example_layout().display().to_string();
    let resolved = ratify(
        &["resolve", "--oci-layout", "-s", &format!("{layout}:v1")],
        home.path(),
        LIMIT,
    );
    assert_eq!(resolved.code, Some(0), "{resolved:?}");
    let digest = resolved.json()["digest"].as_str().unwrap().to_owned();
    let config = bundled_config();
    let pinned = format!("{layout}@{digest}");
    let run = ratify(
        &["verify", "--oci-layout", "-s", &pinned, "-c", &config],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn discover_shows_the_referrer_tree_including_nested() {
    let home = tempfile::tempdir().unwrap();
    let run = ratify(
        &["discover", "--oci-layout", "-s", &subject("nested")],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{run:?}");
    assert!(lines[1].starts_with("└── sha256:") && lines[1].ends_with("[application/spdx+json]"));
    assert!(
        lines[2].starts_with("    └── sha256:")
            && lines[2].ends_with("[application/vnd.example.signature.v1]")
    );

    let flat = ratify(
        &[
            "discover",
            "--oci-layout",
            "--flat",
            "-s",
            &subject("nested"),
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(
        flat.stdout
            .lines()
            .filter(|l| l.starts_with("2 sha256:"))
            .count(),
        1,
        "{flat:?}"
    );
    let json = ratify(
        &[
            "discover",
            "--oci-layout",
            "-o",
            "json",
            "-s",
            &subject("nested"),
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(
        json.json()["referrers"][0]["referrers"][0]["descriptor"]["artifactType"],
        "application/vnd.example.signature.v1"
    );
}

#[test]
fn referrer_show_manifest_and_blob_print_exact_bytes() {
    let home = tempfile::tempdir().unwrap();
    let tree = ratify(
        &[
            "discover",
            "--oci-layout",
            "-o",
            "json",
            "-s",
            &subject("v1"),
        ],
        home.path(),
        LIMIT,
    )
    .json();
    let sbom_manifest = tree["referrers"][0]["descriptor"]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let shown = ratify(
        &[
            "referrer",
            "show-manifest",
            "--oci-layout",
            "-s",
            &subject("v1"),
            "-d",
            &sbom_manifest,
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(shown.code, Some(0), "{shown:?}");
    let hex = sbom_manifest.trim_start_matches("sha256:");
    let on_disk = std::fs::read(example_layout().join("blobs/sha256").join(hex)).unwrap();
    assert_eq!(shown.stdout.as_bytes(), on_disk.as_slice());
    let layer = shown.json()["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let blob = ratify(
        &[
            "referrer",
            "show-blob",
            "--oci-layout",
            "-s",
            &subject("v1"),
            "-d",
            &layer,
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(blob.code, Some(0), "{blob:?}");
    assert!(
        blob.stdout.contains("\"spdxVersion\": \"SPDX-2.3\""),
        "{blob:?}"
    );
    let missing = ratify(
        &[
            "referrer",
            "show-blob",
            "--oci-layout",
            "-s",
            &subject("v1"),
            "-d",
            &format!("sha256:{}", "0".repeat(64)),
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(missing.code, Some(2), "{missing:?}");
}

#[test]
fn version_names_the_protocol() {
    let home = tempfile::tempdir().unwrap();
    let run = ratify(&["version"], home.path(), LIMIT);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout.contains("plugin protocol 1.0"), "{run:?}");
}

#[test]
fn plugin_list_shows_each_plugin_its_origin_and_protocol() {
    let home = tempfile::tempdir().unwrap();
    let run = ratify(&["plugin", "list"], home.path(), LIMIT);
    assert_eq!(run.code, Some(0), "{run:?}");
    let sbom = run
        .stdout
        .lines()
        .find(|l| l.starts_with("sbom\t"))
        .expect("sbom listed");
    assert!(
        sbom.contains("verifier")
            && sbom.contains("\t1.0\t")
            && sbom.contains("(ratify's directory)"),
        "{sbom}"
    );
    let store = run
        .stdout
        .lines()
        .find(|l| l.starts_with("oci-layout\t"))
        .expect("store listed");
    assert!(store.contains("store"), "{store}");
}

#[test]
fn plugin_check_passes_our_plugins() {
    let home = tempfile::tempdir().unwrap();
    for plugin in ["ratify-sbom", "ratify-oci-layout", "ratify-misbehave"] {
        let path = support::bin_dir().join(plugin).display().to_string();
        let run = ratify(&["plugin", "check", &path], home.path(), LIMIT);
        assert_eq!(run.code, Some(0), "{plugin}: {run:?}");
        assert!(run.stdout.contains("checks passed"), "{run:?}");
        assert!(!run.stdout.contains('✗'), "{plugin}: {run:?}");
    }
}

#[test]
fn plugin_check_fails_broken_plugins_and_says_why() {
    let plugins = support::plugin_dir(&[
        ("misbehave-wrong-protocol", "ratify-misbehave"),
        ("misbehave-garbage-handshake", "ratify-misbehave"),
    ]);
    let home = tempfile::tempdir().unwrap();
    let wrong = plugins
        .path()
        .join("ratify-misbehave-wrong-protocol")
        .display()
        .to_string();
    let run = ratify(&["plugin", "check", &wrong], home.path(), LIMIT);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stdout.contains("✗ handshake") && run.stdout.contains("\"99.0\""),
        "{run:?}"
    );
    let garbage = plugins
        .path()
        .join("ratify-misbehave-garbage-handshake")
        .display()
        .to_string();
    let run = ratify(&["plugin", "check", &garbage], home.path(), LIMIT);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.contains("not a protocol message"), "{run:?}");
}

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
fn the_registry_store_is_reported_as_not_available_yet() {
    let home = tempfile::tempdir().unwrap();
    let config = bundled_config();
    let run = ratify(
        &["verify", "-s", "localhost:5000/app:v1", "-c", &config],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("registry store"), "{run:?}");
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

fn nested_config(signature_verifier: Option<Value>) -> Value {
    let mut verifiers = vec![json!({
        "name": "sbom", "artifactTypes": "application/spdx+json",
        "nestedReferences": "application/vnd.example.signature.v1"
    })];
    verifiers.extend(signature_verifier);
    json!({"pluginBinDirs": [support::bin_dir()], "verifier": {"plugins": verifiers}})
}

fn verify_with(tag: &str, config: &Value) -> support::Run {
    let home = tempfile::tempdir().unwrap();
    let path = write_config(home.path(), config).display().to_string();
    ratify(
        &["verify", "--oci-layout", "-s", &subject(tag), "-c", &path],
        home.path(),
        LIMIT,
    )
}

#[test]
fn nested_references_verify_the_signature_on_the_sbom() {
    let signature = json!({"name": "sig", "type": "misbehave", "artifactTypes": "application/vnd.example.signature.v1", "mode": "fetch"});
    let run = verify_with("nested", &nested_config(Some(signature)));
    assert_eq!(run.code, Some(0), "{run:?}");
    let report = &run.json()["verifierReports"][0];
    let nested = &report["nestedResults"][0];
    assert_eq!(nested["verifierName"], "sig");
    assert_eq!(
        nested["artifactType"],
        "application/vnd.example.signature.v1"
    );
    assert_eq!(
        nested["extensions"]["bytes"], 32,
        "the nested verifier read the signature blob through the host"
    );
    assert!(
        nested["subject"].as_str().unwrap().contains("@sha256:"),
        "{nested}"
    );
}

#[test]
fn a_failing_or_missing_nested_verification_fails_the_parent() {
    let failing = json!({"name": "sig", "type": "misbehave", "artifactTypes": "application/vnd.example.signature.v1", "mode": "fail"});
    let run = verify_with("nested", &nested_config(Some(failing)));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(
        run.json()["verifierReports"][0]["message"],
        "nested verification failed"
    );

    // The SBOM on `v1` carries no signature at all: nested verification finds no referrers.
    let run = verify_with("v1", &nested_config(None));
    assert_eq!(run.code, Some(1), "{run:?}");
    let report = &run.json()["verifierReports"][0];
    assert_eq!(report["message"], "nested verification failed");
    assert_eq!(
        report["nestedResults"][0]["message"],
        "verification failed: no referrers found for this artifact"
    );
}

#[test]
fn more_referrers_than_the_cap_deny_instead_of_truncating() {
    let config =
        json!({"verifier": {"plugins": [{"name": "sbom"}]}, "executor": {"maxReferrers": 0}});
    let run = verify_with("v1", &config);
    assert_eq!(run.code, Some(1), "{run:?}");
    let message = run.json()["verifierReports"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("more than 0 referrers"), "{message}");
}

#[test]
fn policy_any_and_all_follow_ratify() {
    let both = |rule: &str, mode: &str| {
        json!({
            "pluginBinDirs": [support::bin_dir()],
            "policy": {"plugin": {"name": "configPolicy", "artifactVerificationPolicies": {"application/spdx+json": rule}}},
            "verifier": {"plugins": [
                {"name": "sbom", "artifactTypes": "application/spdx+json"},
                {"name": "second", "type": "misbehave", "artifactTypes": "application/spdx+json", "mode": mode}
            ]}
        })
    };
    assert_eq!(
        verify_with("v1", &both("any", "fail")).code,
        Some(0),
        "any: one pass is enough"
    );
    assert_eq!(
        verify_with("v1", &both("all", "fail")).code,
        Some(1),
        "all: one failure denies"
    );
    assert_eq!(verify_with("v1", &both("all", "success")).code, Some(0));
    let required = json!({
        "policy": {"plugin": {"name": "configPolicy", "artifactVerificationPolicies": {"application/vnd.cncf.notary.signature": "any"}}},
        "verifier": {"plugins": [{"name": "sbom", "artifactTypes": "application/spdx+json"}]}
    });
    assert_eq!(
        verify_with("v1", &required).code,
        Some(1),
        "a listed type with no report denies"
    );
}

/// Copies the example layout and makes it lie: a referrers-tag index for `unsigned` lists the
/// SBOM that really belongs to `v1`.
fn lying_layout(dir: &std::path::Path) -> String {
    let copy = dir.join("layout");
    std::fs::create_dir_all(copy.join("blobs/sha256")).unwrap();
    for entry in std::fs::read_dir(example_layout().join("blobs/sha256")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            copy.join("blobs/sha256").join(entry.file_name()),
        )
        .unwrap();
    }
    std::fs::copy(example_layout().join("oci-layout"), copy.join("oci-layout")).unwrap();
    let mut index: Value =
        serde_json::from_slice(&std::fs::read(example_layout().join("index.json")).unwrap())
            .unwrap();
    let entries = index["manifests"].as_array().unwrap().clone();
    let tagged = |tag: &str| {
        entries
            .iter()
            .find(|e| e["annotations"]["org.opencontainers.image.ref.name"] == tag)
            .unwrap()
            .clone()
    };
    let unsigned = tagged("unsigned")["digest"].as_str().unwrap().to_owned();
    let v1_sbom = entries
        .iter()
        .find(|e| e["artifactType"] == "application/spdx+json")
        .unwrap()
        .clone();
    let lie = serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [v1_sbom]})).unwrap();
    let lie_digest = format!(
        "sha256:{}",
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&lie))
    );
    std::fs::write(copy.join("blobs/sha256").join(&lie_digest[7..]), &lie).unwrap();
    index["manifests"].as_array_mut().unwrap().push(json!({
        "mediaType": "application/vnd.oci.image.index.v1+json", "digest": lie_digest, "size": lie.len(),
        "annotations": {"org.opencontainers.image.ref.name": unsigned.replace(':', "-")}
    }));
    std::fs::write(copy.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    format!("{}:unsigned", copy.display())
}

#[test]
fn a_store_cannot_pass_off_another_images_referrer() {
    let work = tempfile::tempdir().unwrap();
    let subject = lying_layout(work.path());
    let config = bundled_config();
    let run = ratify(
        &["verify", "--oci-layout", "-s", &subject, "-c", &config],
        work.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(1), "{run:?}");
    let message = run.json()["verifierReports"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("but its manifest's subject is"),
        "{message}"
    );
}
