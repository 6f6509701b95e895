//! Upstream interop data (`../shared/interop`, read in place) through the full CLI: layouts
//! made by Notation and ORAS, SBOMs made by syft and k8s bom.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use support::{ratify, write_config};

const LIMIT: Duration = Duration::from_secs(30);
const NOTATION_V1: &str = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";

fn sbom_config(extra: Value) -> Value {
    let mut verifier = json!({"name": "sbom", "artifactTypes": "application/spdx+json"});
    verifier
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    json!({"verifier": {"plugins": [verifier]}})
}

/// A layout in `dir` holding an image and, as its referrer, the given SBOM bytes (read from
/// the interop directory at test time; nothing is copied into the project).
fn layout_with_sbom(dir: &Path, sbom: &[u8]) -> String {
    let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |bytes: Vec<u8>, media_type: &str| {
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(&bytes)));
        let descriptor = json!({"mediaType": media_type, "digest": digest, "size": bytes.len()});
        blobs.push((digest, bytes));
        descriptor
    };
    let config = add(b"{}".to_vec(), "application/vnd.oci.empty.v1+json");
    let image = add(
        serde_json::to_vec(
            &json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": "application/vnd.example.image", "config": config, "layers": []}),
        )
        .unwrap(),
        "application/vnd.oci.image.manifest.v1+json",
    );
    let layer = add(sbom.to_vec(), "application/spdx+json");
    let referrer = add(
        serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": "application/spdx+json", "config": config, "layers": [layer], "subject": image})).unwrap(),
        "application/vnd.oci.image.manifest.v1+json",
    );
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    for (digest, bytes) in &blobs {
        std::fs::write(dir.join("blobs/sha256").join(&digest[7..]), bytes).unwrap();
    }
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let mut tagged = image.clone();
    tagged["annotations"] = json!({"org.opencontainers.image.ref.name": "v1"});
    let index = json!({"schemaVersion": 2, "manifests": [tagged, referrer]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    format!("{}:v1", dir.display())
}

fn verify(subject: &str, config: &Value) -> support::Run {
    let home = tempfile::tempdir().unwrap();
    let path = write_config(home.path(), config).display().to_string();
    ratify(
        &["verify", "--oci-layout", "-s", subject, "-c", &path],
        home.path(),
        LIMIT,
    )
}

#[test]
fn rat_01_k8s_bom_spdx_passes_the_sbom_verifier() {
    let Some(interop) = support::interop_dir("RAT-01") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let subject = layout_with_sbom(
        work.path(),
        &std::fs::read(interop.join("ratify/sbom/bom.json")).unwrap(),
    );
    let run = verify(&subject, &sbom_config(json!({})));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        run.json()["verifierReports"][0]["message"],
        "SBOM verification success. No license or package violation found."
    );
}

#[test]
fn rat_02_syft_spdx_deny_lists_through_the_cli() {
    let Some(interop) = support::interop_dir("RAT-02") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let sbom = std::fs::read(interop.join("ratify/sbom/syftbom.spdx.json")).unwrap();
    let subject = layout_with_sbom(work.path(), &sbom);
    let run = verify(
        &subject,
        &sbom_config(json!({"disallowedLicenses": ["MPL"]})),
    );
    assert_eq!(run.code, Some(0), "MPL is not MPL-2.0: {run:?}");
    let run = verify(
        &subject,
        &sbom_config(json!({
            "disallowedLicenses": ["BSD-3-Clause", "Zlib"],
            "disallowedPackages": [{"name": "libcrypto3", "version": "3.0.7-r2"}]
        })),
    );
    assert_eq!(run.code, Some(1), "{run:?}");
    let extensions = &run.json()["verifierReports"][0]["extensions"];
    let names = |key: &str| -> Vec<String> {
        extensions[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["Name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names("licenseViolations"), ["libc-utils", "zlib"]);
    assert_eq!(names("packageViolations"), ["libcrypto3"]);
}

#[test]
fn not_05_an_unsigned_notation_layout_is_denied_for_lack_of_referrers() {
    let Some(interop) = support::interop_dir("NOT-05") else {
        return;
    };
    let subject = format!(
        "{}@{NOTATION_V1}",
        interop.join("notation/oci_layout/e2e").display()
    );
    let run = verify(&subject, &sbom_config(json!({})));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(
        run.json()["verifierReports"][0]["message"],
        "verification failed: no referrers found for this artifact"
    );
}

#[test]
fn not_01_a_notation_signature_without_a_notation_verifier_is_not_a_pass() {
    let Some(interop) = support::interop_dir("NOT-01") else {
        return;
    };
    let subject = format!(
        "{}@{NOTATION_V1}",
        interop
            .join("notation/oci_layout/e2e-valid-signature")
            .display()
    );
    let run = verify(&subject, &sbom_config(json!({})));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stdout.contains("application/vnd.cncf.notary.signature"),
        "{run:?}"
    );
}

#[test]
fn rgo_01_oras_layout_discovery_matches_ratify_go() {
    let Some(interop) = support::interop_dir("RGO-01") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let subject = format!("{}:v1", interop.join("ratify-go/oci_store/hello").display());
    let run = ratify(
        &["discover", "--oci-layout", "--flat", "-s", &subject],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "1 sha256:0869171bd25813427afe0619ab8f2dc35a95527f24c5806580b37fe88cbbd105 [application/bar]",
            "1 sha256:429c5e7304ab01d7d5d3772bc1b4443844e0b2b8f6cd362eac2a7f83598b4927 [application/foo]",
        ]
    );
}

#[test]
fn ora_01_a_tarball_layout_resolves_through_the_cli() {
    let Some(interop) = support::interop_dir("ORA-01") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let subject = format!(
        "{}:latest",
        interop.join("oras-go/hello-world.tar").display()
    );
    let run = ratify(
        &["resolve", "--oci-layout", "-s", &subject],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.json()["size"], 2561);
    assert_eq!(
        run.json()["mediaType"],
        "application/vnd.docker.distribution.manifest.list.v2+json"
    );
}
