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

/// Copies the example layout (blobs, `oci-layout`, `index.json`) into `copy`.
pub fn copy_example_layout(copy: &std::path::Path) {
    std::fs::create_dir_all(copy.join("blobs/sha256")).unwrap();
    for entry in std::fs::read_dir(example_layout().join("blobs/sha256")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            copy.join("blobs/sha256").join(entry.file_name()),
        )
        .unwrap();
    }
    for file in ["oci-layout", "index.json"] {
        std::fs::copy(example_layout().join(file), copy.join(file)).unwrap();
    }
}

/// Copies the example layout and makes it lie: a referrers-tag index for `unsigned` lists the
/// SBOM that really belongs to `v1`.
pub fn lying_layout(dir: &std::path::Path) -> String {
    let copy = dir.join("layout");
    copy_example_layout(&copy);
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

/// A copy of the example layout whose `v1` image also carries a cosign-style signature under
/// the tag `sha256-<hex>.sig` (no `subject`: cosign's tag scheme). Its one layer is 17 bytes.
pub fn cosign_layout(dir: &std::path::Path) -> std::path::PathBuf {
    let mut layout = super::cosign::Layout::copy_example(dir);
    let layer = b"cosign signature\n";
    let manifest = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": layout.add(b"{}"), "size": 2},
        "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": layout.add(layer),
                    "size": layer.len(), "annotations": {"dev.cosignproject.cosign/signature": "MEUCIQ=="}}]
    });
    let v1 = layout.tagged("v1")["digest"]
        .as_str()
        .unwrap()
        .replace(':', "-");
    layout.index_manifest(
        &manifest,
        json!({"mediaType": "application/vnd.oci.image.manifest.v1+json",
               "annotations": {"org.opencontainers.image.ref.name": format!("{v1}.sig")}}),
    );
    layout.dir
}

/// A copy of the example layout in which the image tagged `tag` also carries a Notation
/// signature (COSE) by the leaf of the PKI in `pki` (`scripts/gen-test-pki.sh <dir>`).
pub fn sign_in_copy(dir: &std::path::Path, tag: &str, pki: &std::path::Path) -> std::path::PathBuf {
    sign_in_copy_with_timestamp(dir, tag, pki, None)
}

/// As [`sign_in_copy`], with an RFC 3161 token from `timestamp` (given the signature bytes)
/// embedded as notation does.
#[allow(clippy::type_complexity)]
pub fn sign_in_copy_with_timestamp(
    dir: &std::path::Path,
    tag: &str,
    pki: &std::path::Path,
    timestamp: Option<&dyn Fn(&[u8]) -> Vec<u8>>,
) -> std::path::PathBuf {
    let read = |f: &str| {
        ratify_notation::x509::read_certificates(&pki.join(f))
            .unwrap()
            .remove(0)
    };
    let signer = ratify_notation::envelope::sign::Signer::from_pkcs8(
        &std::fs::read(pki.join("leaf.pk8")).unwrap(),
        vec![read("leaf.crt"), read("root.crt")],
    )
    .unwrap();
    let stamp = timestamp.map(|f| move |signature: &[u8]| Ok(f(signature)));
    attach_signature_in_copy(dir, tag, "application/cose", |subject| {
        let payload = json!({"targetArtifact": subject});
        let request = ratify_notation::envelope::sign::SignRequest::new(
            serde_json::to_vec(&payload).unwrap(),
            time::OffsetDateTime::now_utc(),
        );
        signer
            .sign_timestamped(
                "application/cose",
                &request,
                stamp
                    .as_ref()
                    .map(|f| f as ratify_notation::envelope::sign::Timestamper),
            )
            .unwrap()
    })
}

/// A copy of the example layout (in `dir/layout`, made on first use) in which the image tagged
/// `tag` carries one more Notation signature manifest, whose only layer (of `media_type`) is what `envelope`
/// makes given the image's descriptor (`mediaType`, `digest`, `size`).
pub fn attach_signature_in_copy(
    dir: &std::path::Path,
    tag: &str,
    media_type: &str,
    envelope: impl FnOnce(&Value) -> Vec<u8>,
) -> std::path::PathBuf {
    use sha2::Digest as _;
    let copy = dir.join("layout");
    if !copy.join("index.json").exists() {
        copy_example_layout(&copy);
    }
    let mut index: Value =
        serde_json::from_slice(&std::fs::read(copy.join("index.json")).unwrap()).unwrap();
    let entry = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap()
        .clone();
    let subject =
        json!({"mediaType": entry["mediaType"], "digest": entry["digest"], "size": entry["size"]});
    let envelope = envelope(&subject);
    let add = |bytes: &[u8]| {
        let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)));
        std::fs::write(copy.join("blobs/sha256").join(&digest[7..]), bytes).unwrap();
        json!({"digest": digest, "size": bytes.len()})
    };
    let empty = add(b"{}");
    let layer = add(&envelope);
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.cncf.notary.signature",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty["digest"], "size": 2},
        "layers": [{"mediaType": media_type, "digest": layer["digest"], "size": layer["size"]}],
        "subject": subject
    }))
    .unwrap();
    let manifest_descriptor = add(&manifest);
    index["manifests"].as_array_mut().unwrap().push(json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_descriptor["digest"],
        "size": manifest_descriptor["size"], "artifactType": "application/vnd.cncf.notary.signature"
    }));
    std::fs::write(copy.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    copy
}

/// A fresh PKI (root and code-signing leaf) in `dir`, from scripts/gen-test-pki.sh.
pub fn fresh_pki(dir: &std::path::Path) -> std::path::PathBuf {
    let status = std::process::Command::new(super::repo_root().join("scripts/gen-test-pki.sh"))
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "scripts/gen-test-pki.sh failed");
    dir.to_path_buf()
}
