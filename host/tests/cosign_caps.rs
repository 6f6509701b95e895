//! The cosign verifier's caps through `ratify verify` on an OCI layout: a signature manifest
//! with more layers than `maxSignatures` (default 100) and a layer larger than
//! `maxLayerBytes` (default 32 MiB) are denied, naming the cap, before anything is verified.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use support::cosign::{COSIGN_SIG, Layout, key_pair};
use support::{Run, ratify};

const LIMIT: Duration = Duration::from_secs(60);

fn config(home: &Path, key: &Path, extra: Value) -> String {
    let mut cosign = json!({
        "name": "cosign", "artifactTypes": COSIGN_SIG,
        "trustPolicies": [{"name": "caps", "version": "1.0.0", "scopes": ["*"],
                           "keys": [{"file": key.display().to_string()}], "tLogVerify": false}]
    });
    cosign
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let config = json!({
        "store": {"version": "1.0.0", "plugins": [{"name": "oras", "cosignEnabled": true}]},
        "policy": {"version": "1.0.0", "plugin": {"name": "configPolicy", "artifactVerificationPolicies": {COSIGN_SIG: "any"}}},
        "verifier": {"version": "1.0.0", "plugins": [cosign]},
    });
    support::write_config(home, &config).display().to_string()
}

/// In `work`: a copy of the example layout whose `v1` and `gpl` images carry a cosign
/// signature (a `.sig` tag) by a fresh key; and that key's public half.
fn signed_layout(work: &Path) -> (Layout, PathBuf) {
    let (key, public) = key_pair(work, "k");
    let mut layout = Layout::copy_example(work);
    layout.sign(&layout.tagged("v1"), &key, false);
    layout.sign(&layout.tagged("gpl"), &key, false);
    (layout, public)
}

/// `ratify verify` of the layout's image tagged `tag`, on disk.
fn verify_tag(layout: &Layout, tag: &str, config: &str, home: &Path) -> Run {
    let subject = format!("{}:{tag}", layout.dir.display());
    ratify(
        &["verify", "--oci-layout", "-s", &subject, "-c", config],
        home,
        LIMIT,
    )
}

/// Replaces the layers of the `.sig` manifest tagged for `tag` with `layers` copies of its
/// first layer, or with one layer of `size` zero bytes; re-indexes the manifest.
fn reshape_signature(layout: &mut Layout, tag: &str, layers: usize, size: Option<usize>) {
    let digest = layout.tagged(tag)["digest"].as_str().unwrap().to_owned();
    let sig_tag = format!("{}.sig", digest.replace(':', "-"));
    let entries = layout.index["manifests"].as_array_mut().unwrap();
    let at = entries
        .iter()
        .position(|e| e["annotations"]["org.opencontainers.image.ref.name"] == sig_tag.as_str())
        .unwrap();
    let entry = entries.remove(at);
    let blob = layout
        .dir
        .join("blobs/sha256")
        .join(&entry["digest"].as_str().unwrap()[7..]);
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(blob).unwrap()).unwrap();
    let mut layer = manifest["layers"][0].clone();
    if let Some(size) = size {
        let zeros = vec![0u8; size];
        layer["digest"] = json!(layout.add(&zeros));
        layer["size"] = json!(size);
    }
    manifest["layers"] = Value::Array(vec![layer; layers]);
    layout.index_manifest(
        &manifest,
        json!({"mediaType": entry["mediaType"], "annotations": entry["annotations"]}),
    );
}

#[test]
fn more_signatures_than_max_signatures_are_denied() {
    let work = tempfile::tempdir().unwrap();
    let (mut layout, public) = signed_layout(work.path());
    reshape_signature(&mut layout, "v1", 101, None);
    reshape_signature(&mut layout, "gpl", 100, None);
    let home = tempfile::tempdir().unwrap();
    let config = config(home.path(), &public, json!({}));
    let verify = |tag: &str| verify_tag(&layout, tag, &config, home.path());
    let over = verify("v1");
    assert_eq!(over.code, Some(1), "{over:?}");
    assert!(
        over.stdout
            .contains("has 101 layers, more than the 100 this verifier evaluates (maxSignatures)"),
        "{over:?}"
    );
    let at_cap = verify("gpl");
    assert_eq!(
        at_cap.code,
        Some(0),
        "100 layers is within the cap: {at_cap:?}"
    );
}

#[test]
fn a_layer_beyond_max_layer_bytes_is_denied() {
    let work = tempfile::tempdir().unwrap();
    let (mut layout, public) = signed_layout(work.path());
    reshape_signature(&mut layout, "v1", 1, Some(32 * 1024 * 1024 + 1));
    reshape_signature(&mut layout, "gpl", 1, Some(4096));
    let home = tempfile::tempdir().unwrap();
    let verify = |tag: &str, extra: Value| {
        let config = config(home.path(), &public, extra);
        verify_tag(&layout, tag, &config, home.path())
    };
    let default_cap = verify("v1", json!({}));
    assert_eq!(default_cap.code, Some(1), "{default_cap:?}");
    assert!(
        default_cap.stdout.contains("33554433"),
        "the size is named: {default_cap:?}"
    );
    let configured = verify("gpl", json!({"maxLayerBytes": 1024}));
    assert_eq!(configured.code, Some(1), "{configured:?}");
    assert!(configured.stdout.contains("4096"), "{configured:?}");
}
