//! Helpers for the `ratify` command-line tests: the bundled example and its config.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::{Value, json};

use super::{example_layout, ratify, write_config};

pub const LIMIT: Duration = Duration::from_secs(30);

pub fn subject(tag: &str) -> String {
    format!("{}:{tag}", example_layout().display())
}

pub fn bundled_config() -> String {
    super::repo_root()
        .join("testdata/config.json")
        .display()
        .to_string()
}

pub fn verify(tag: &str, extra: &[&str]) -> super::Run {
    let home = tempfile::tempdir().unwrap();
    let subject = subject(tag);
    let config = bundled_config();
    let mut args = vec!["verify", "--oci-layout", "-s", &subject, "-c", &config];
    args.extend_from_slice(extra);
    ratify(&args, home.path(), LIMIT)
}

pub fn nested_config(signature_verifier: Option<Value>) -> Value {
    let mut verifiers = vec![json!({
        "name": "sbom", "artifactTypes": "application/spdx+json",
        "nestedReferences": "application/vnd.example.signature.v1"
    })];
    verifiers.extend(signature_verifier);
    json!({"pluginBinDirs": [super::bin_dir()], "verifier": {"plugins": verifiers}})
}

pub fn verify_with(tag: &str, config: &Value) -> super::Run {
    let home = tempfile::tempdir().unwrap();
    let path = write_config(home.path(), config).display().to_string();
    ratify(
        &["verify", "--oci-layout", "-s", &subject(tag), "-c", &path],
        home.path(),
        LIMIT,
    )
}

/// Copies the example layout and makes it lie: a referrers-tag index for `unsigned` lists the
/// SBOM that really belongs to `v1`.
pub fn lying_layout(dir: &std::path::Path) -> String {
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
