//! cosign signatures for the host's tests: P-256 keys made by openssl, simple-signing
//! payloads and DSSE envelopes signed by `openssl dgst -sha256 -sign` (as cosign signs), and
//! a copy of the example layout to attach them to, as cosign stores them.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest as _;

/// The artifact type of cosign signature manifests.
pub const COSIGN_SIG: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
/// The artifact type (and layer media type) of Sigstore bundle v0.3 referrers.
pub const BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// Runs openssl; its stdout.
fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl is installed by scripts/test.sh");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A P-256 key pair: (private key PEM path, public key PEM path).
pub fn key_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let private = dir.join(format!("{name}.key"));
    let public = dir.join(format!("{name}.pub"));
    openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        private.to_str().unwrap(),
    ]);
    openssl(&[
        "pkey",
        "-in",
        private.to_str().unwrap(),
        "-pubout",
        "-out",
        public.to_str().unwrap(),
    ]);
    (private, public)
}

/// A copy of the example layout with blobs added through `add`.
pub struct Layout {
    pub dir: PathBuf,
    pub index: Value,
}

impl Layout {
    pub fn copy_example(into: &Path) -> Self {
        let dir = into.join("layout");
        super::cli::copy_example_layout(&dir);
        let index =
            serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
        Layout { dir, index }
    }

    pub fn add(&self, bytes: &[u8]) -> String {
        let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)));
        std::fs::write(self.dir.join("blobs/sha256").join(&digest[7..]), bytes).unwrap();
        digest
    }

    /// The descriptor of the image tagged `tag`.
    pub fn tagged(&self, tag: &str) -> Value {
        let entry = self.index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["annotations"]["org.opencontainers.image.ref.name"] == tag)
            .unwrap();
        json!({"mediaType": entry["mediaType"], "digest": entry["digest"], "size": entry["size"]})
    }

    /// A cosign signature manifest over `subject` signed with `key`, as cosign writes it:
    /// one simple-signing layer carrying the signature annotation. `referrer` makes it an OCI
    /// 1.1 referrer (artifactType + subject), else it is tagged `sha256-<hex>.sig`.
    pub fn sign(&mut self, subject: &Value, key: &Path, referrer: bool) {
        let digest = subject["digest"].as_str().unwrap();
        let payload = serde_json::to_vec(&json!({
            "critical": {"identity": {"docker-reference": "registry.test/example"},
                         "image": {"docker-manifest-digest": digest},
                         "type": "cosign container image signature"},
            "optional": null
        }))
        .unwrap();
        let signature = self.sign_bytes(key, &payload);
        let layer_digest = self.add(&payload);
        let signature = base64::engine::general_purpose::STANDARD.encode(signature);
        let layer = json!({"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": layer_digest,
                           "size": payload.len(), "annotations": {"dev.cosignproject.cosign/signature": signature}});
        let config = b"{}";
        let config_type = if referrer {
            COSIGN_SIG
        } else {
            "application/vnd.oci.image.config.v1+json"
        };
        let mut manifest = json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": config_type, "digest": self.add(config), "size": config.len()},
            "layers": [layer],
        });
        let mut entry = json!({"mediaType": "application/vnd.oci.image.manifest.v1+json"});
        if referrer {
            manifest["artifactType"] = json!(COSIGN_SIG);
            manifest["subject"] = subject.clone();
            entry["artifactType"] = json!(COSIGN_SIG);
        } else {
            entry["annotations"] = json!({"org.opencontainers.image.ref.name": format!("{}.sig", digest.replace(':', "-"))});
        }
        self.index_manifest(&manifest, entry);
    }

    /// `message` signed with `key` as cosign signs: ECDSA over its SHA-256, DER signature.
    fn sign_bytes(&self, key: &Path, message: &[u8]) -> Vec<u8> {
        let file = self.dir.join("message.tmp");
        std::fs::write(&file, message).unwrap();
        let signature = openssl(&[
            "dgst",
            "-sha256",
            "-sign",
            key.to_str().unwrap(),
            file.to_str().unwrap(),
        ]);
        std::fs::remove_file(&file).unwrap();
        signature
    }

    /// Adds `manifest` to the layout's index with `entry`'s fields.
    pub fn index_manifest(&mut self, manifest: &Value, mut entry: Value) {
        let bytes = serde_json::to_vec(manifest).unwrap();
        entry["digest"] = json!(self.add(&bytes));
        entry["size"] = json!(bytes.len());
        self.index["manifests"].as_array_mut().unwrap().push(entry);
        std::fs::write(
            self.dir.join("index.json"),
            serde_json::to_vec(&self.index).unwrap(),
        )
        .unwrap();
    }

    /// A Sigstore bundle v0.3 referrer of `subject`: a DSSE in-toto statement of
    /// `predicate_type` naming the subject, signed with `key` (public-key material, no log), as
    /// `cosign attest --new-bundle-format --key` stores it.
    pub fn attest(&mut self, subject: &Value, key: &Path, predicate_type: &str) {
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let hex = subject["digest"]
            .as_str()
            .unwrap()
            .trim_start_matches("sha256:");
        let statement = serde_json::to_vec(&json!({
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "registry.test/example", "digest": {"sha256": hex}}],
            "predicateType": predicate_type,
            "predicate": {"builder": {"id": "https://ci.example/builder"}},
        }))
        .unwrap();
        let payload_type = "application/vnd.in-toto+json";
        let mut pae = format!(
            "DSSEv1 {} {payload_type} {} ",
            payload_type.len(),
            statement.len()
        )
        .into_bytes();
        pae.extend_from_slice(&statement);
        let signature = self.sign_bytes(key, &pae);
        let bundle = serde_json::to_vec(&json!({
            "mediaType": BUNDLE,
            "verificationMaterial": {"publicKey": {"hint": "e2e"}},
            "dsseEnvelope": {"payload": b64(&statement), "payloadType": payload_type,
                             "signatures": [{"sig": b64(&signature), "keyid": ""}]},
        }))
        .unwrap();
        let empty = b"{}";
        let manifest = json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": BUNDLE,
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": self.add(empty), "size": 2},
            "layers": [{"mediaType": BUNDLE, "digest": self.add(&bundle), "size": bundle.len()}],
            "subject": subject,
            "annotations": {"dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": predicate_type},
        });
        self.index_manifest(&manifest, json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "artifactType": BUNDLE}));
    }
}
