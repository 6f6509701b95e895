//! End to end: `ratify verify` with the real plugin binaries on the bundled example layout
//! (`testdata/layout`): verdicts, result shape, nested verification, policy, lying stores.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::json;
use support::cli::*;
use support::{example_layout, ratify};

#[test]
fn the_bundled_example_verifies_with_ratify_v1_result_shape() {
    support::bin_dir();
    let run = verify("v1", &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let result = run.json();
    assert_eq!(result["isSuccess"], true);
    let by_name = |name: &str| {
        result["verifierReports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap()
    };
    let signature = by_name("notation");
    assert_eq!(
        signature["message"],
        "Notation signature verification success"
    );
    assert_eq!(
        signature["artifactType"],
        "application/vnd.cncf.notary.signature"
    );
    assert_eq!(
        signature["extensions"]["SN"],
        "CN=Ratify Example Signer,O=Ratify Example,L=Seattle,ST=WA,C=US"
    );
    let report = &by_name("sbom");
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
    let types: Vec<serde_json::Value> = run.json()["verifierReports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["artifactType"].clone())
        .collect();
    assert!(
        types.contains(&json!("application/vnd.cyclonedx+json")),
        "{types:?}"
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
    let run = verify("v1", &["-t", "application/vnd.example.none"]);
    assert_eq!(
        run.code,
        Some(1),
        "a filter that matches nothing denies: {run:?}"
    );
    let run = verify("v1", &["-t", "application/vnd.cncf.notary.signature"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.json()["verifierReports"].as_array().unwrap().len(), 1);
    // The bundled policy requires a signature: leaving signatures out denies.
    let run = verify("v1", &["-t", "application/spdx+json"]);
    assert_eq!(run.code, Some(1), "{run:?}");
}

#[test]
fn text_output_has_one_line_per_referrer_and_a_verdict() {
    let run = verify("v1", &["-o", "text"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{run:?}");
    assert!(
        lines[..2].iter().all(|l| l.starts_with("✓ sha256:")),
        "{run:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("[sbom]"))
            && lines.iter().any(|l| l.contains("[notation]")),
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
    let message = run.first_message();
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
    let message = run.first_message();
    assert!(
        message.contains("but its manifest's subject is"),
        "{message}"
    );
}
