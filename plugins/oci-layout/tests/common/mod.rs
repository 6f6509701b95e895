//! Helpers shared by the integration tests: locating the upstream interop data, building
//! small layouts in a tempdir, and draining paged referrer listings.

#![allow(dead_code)] // each test binary uses a different subset

use std::fs;
use std::path::{Path, PathBuf};

use ratify_oci_layout::{Algorithm, OciLayoutConfig, OciLayoutStore, digest_of};
use ratify_plugin_sdk::store::Store;
use ratify_plugin_sdk::wire::{Descriptor, Subject, WireError};
use serde_json::{Value, json};

/// The interop data directory, or `None` (after a loud SKIP line) when it is absent.
pub fn interop(relative: &str) -> Option<PathBuf> {
    let base = std::env::var_os("RATIFY_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop"));
    if !base.is_dir() {
        eprintln!(
            "SKIP: interop data not found at {} (set RATIFY_INTEROP_DIR)",
            base.display()
        );
        return None;
    }
    let path = base.join(relative);
    assert!(
        path.exists(),
        "interop data is incomplete: {} is missing",
        path.display()
    );
    Some(path)
}

/// A store and the config `{}` gives.
pub fn store() -> (OciLayoutStore, OciLayoutConfig) {
    let store = OciLayoutStore::default();
    let config = store.configure("test", &json!({})).unwrap();
    (store, config)
}

/// `<path>:<tag>`.
pub fn tag_ref(path: &Path, tag: &str) -> String {
    format!("{}:{tag}", path.display())
}

/// `<path>@<digest>`.
pub fn digest_ref(path: &Path, digest: &str) -> String {
    format!("{}@{digest}", path.display())
}

/// A subject as the host would pass it after resolving `reference`.
pub fn subject(reference: &str, descriptor: &Descriptor) -> Subject {
    Subject {
        reference: reference.to_string(),
        descriptor: descriptor.clone(),
    }
}

/// Every referrer of `subject`, following page tokens.
pub fn all_referrers(
    store: &OciLayoutStore,
    config: &OciLayoutConfig,
    subject: &Subject,
    artifact_types: &[&str],
) -> Result<Vec<Descriptor>, WireError> {
    let types: Vec<String> = artifact_types.iter().map(|s| s.to_string()).collect();
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = store.list_referrers(config, subject, &types, token.as_deref())?;
        all.extend(page.referrers);
        match page.next_page_token {
            Some(next) => token = Some(next),
            None => return Ok(all),
        }
    }
}

/// The digests of some descriptors, in order.
pub fn digests(descriptors: &[Descriptor]) -> Vec<&str> {
    descriptors.iter().map(|d| d.digest.as_str()).collect()
}

/// A layout built in a tempdir.
pub struct TestLayout {
    dir: tempfile::TempDir,
}

impl TestLayout {
    /// An empty layout: the `oci-layout` marker, `blobs/sha256/` and an empty index.json.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("oci-layout"),
            r#"{"imageLayoutVersion":"1.0.0"}"#,
        )
        .unwrap();
        fs::create_dir_all(dir.path().join("blobs/sha256")).unwrap();
        let layout = Self { dir };
        layout.write_index(&[]);
        layout
    }

    /// The layout directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Stores bytes under their sha256 digest; returns the digest.
    pub fn blob(&self, bytes: &[u8]) -> String {
        let digest = digest_of(Algorithm::Sha256, bytes);
        self.blob_named(&digest, bytes);
        digest
    }

    /// Stores bytes under a digest of the caller's choosing (to build corrupt layouts).
    pub fn blob_named(&self, digest: &str, bytes: &[u8]) {
        let hex = digest.strip_prefix("sha256:").unwrap();
        fs::write(self.path().join("blobs/sha256").join(hex), bytes).unwrap();
    }

    /// Stores a manifest (JSON); returns its descriptor (media type from the JSON).
    pub fn manifest(&self, manifest: &Value) -> Descriptor {
        let bytes = serde_json::to_vec(manifest).unwrap();
        let digest = self.blob(&bytes);
        let media_type = manifest["mediaType"].as_str().unwrap();
        Descriptor::new(media_type, digest, bytes.len() as u64)
    }

    /// Replaces index.json with these entries.
    pub fn write_index(&self, entries: &[Value]) {
        let index = json!({"schemaVersion": 2, "manifests": entries});
        fs::write(
            self.path().join("index.json"),
            serde_json::to_vec(&index).unwrap(),
        )
        .unwrap();
    }
}

/// A minimal image manifest; `seed` makes it unique.
pub fn image_manifest(seed: &str) -> Value {
    json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": digest_of(Algorithm::Sha256, seed.as_bytes()),
            "size": seed.len()
        },
        "layers": []
    })
}

/// An artifact manifest referring to `subject`.
pub fn referrer_manifest(subject: &Descriptor, artifact_type: &str, seed: &str) -> Value {
    json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": artifact_type,
        "config": {
            "mediaType": "application/vnd.oci.empty.v1+json",
            "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "size": 2
        },
        "layers": [],
        "subject": {"mediaType": subject.media_type, "digest": subject.digest, "size": subject.size},
        "annotations": {"seed": seed}
    })
}

/// An index.json entry for `descriptor`, tagged when `tag` is given.
pub fn index_entry(descriptor: &Descriptor, tag: Option<&str>) -> Value {
    let mut entry = json!({
        "mediaType": descriptor.media_type,
        "digest": descriptor.digest,
        "size": descriptor.size
    });
    if let Some(tag) = tag {
        entry["annotations"] = json!({"org.opencontainers.image.ref.name": tag});
    }
    entry
}
