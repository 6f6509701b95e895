//! The generator of `testdata/layout`: a small OCI image layout with images and referrers for
//! the README's example and the end-to-end tests. Deterministic: the same code writes the same
//! bytes, which a test checks against the committed copy.
//!
//! Regenerate with `cargo run -p ratify --example gen-testdata -- testdata/layout`.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

const CREATED: &str = "2024-01-01T00:00:00Z";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// Notary Project signatures.
pub const NOTATION_SIGNATURE: &str = "application/vnd.cncf.notary.signature";
/// Artifact type of the example "signature" attached to an SBOM (verified as nested).
pub const EXAMPLE_SIGNATURE: &str = "application/vnd.example.signature.v1";
/// Artifact type no verifier handles.
pub const EXAMPLE_UNKNOWN: &str = "application/vnd.example.unknown.v1";

struct Layout {
    blobs: BTreeMap<String, Vec<u8>>,
    index: Vec<Value>,
}

impl Layout {
    fn blob(&mut self, media_type: &str, bytes: Vec<u8>) -> Value {
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(&bytes)));
        let descriptor = json!({"mediaType": media_type, "digest": digest, "size": bytes.len()});
        self.blobs.insert(digest, bytes);
        descriptor
    }

    fn json_blob(&mut self, media_type: &str, value: &Value) -> Value {
        self.blob(
            media_type,
            serde_json::to_vec_pretty(value).unwrap_or_default(),
        )
    }

    /// An image: one tar layer holding a greeting, and its config.
    fn image(&mut self, tag: &str) -> Value {
        let layer = self.blob("application/vnd.oci.image.layer.v1.tar", tar_with(tag));
        let config = json!({
            "architecture": "amd64", "os": "linux", "created": CREATED,
            "config": {"Cmd": ["/hello.txt"]},
            "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}
        });
        let config = self.json_blob("application/vnd.oci.image.config.v1+json", &config);
        let manifest =
            json!({"schemaVersion": 2, "mediaType": MANIFEST, "config": config, "layers": [layer]});
        let descriptor = self.json_blob(MANIFEST, &manifest);
        let mut entry = descriptor.clone();
        entry["annotations"] = json!({"org.opencontainers.image.ref.name": tag});
        self.index.push(entry);
        descriptor
    }

    /// An OCI 1.1 artifact referring to `subject`, listed (untagged) in index.json.
    fn referrer(
        &mut self,
        subject: &Value,
        artifact_type: &str,
        layer_type: &str,
        payload: Vec<u8>,
    ) -> Value {
        let empty = self.blob(EMPTY, b"{}".to_vec());
        let layer = self.blob(layer_type, payload);
        let manifest = json!({
            "schemaVersion": 2, "mediaType": MANIFEST, "artifactType": artifact_type,
            "config": empty, "layers": [layer], "subject": subject,
            "annotations": {"org.opencontainers.image.created": CREATED}
        });
        let descriptor = self.json_blob(MANIFEST, &manifest);
        let mut entry = descriptor.clone();
        entry["artifactType"] = json!(artifact_type);
        self.index.push(entry);
        descriptor
    }

    /// A Notary Project signature (COSE, P-521: deterministic) on `subject`, made with the
    /// example PKI's leaf, as the referrer notation attaches.
    fn notation_signature(&mut self, subject: &Value, pki: &Path) -> io::Result<Value> {
        let pem = std::fs::read(pki.join("leaf.crt"))?;
        let chain = ratify_notation::x509::read_certificates_from(&pem)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let root =
            ratify_notation::x509::read_certificates_from(&std::fs::read(pki.join("root.crt"))?)
                .map_err(|e| io::Error::other(e.to_string()))?;
        let chain: Vec<Vec<u8>> = chain.into_iter().chain(root).collect();
        let key = std::fs::read(pki.join("leaf.pk8"))?;
        let signer = ratify_notation::envelope::sign::Signer::from_pkcs8(&key, chain.clone())
            .map_err(|e| io::Error::other(e.to_string()))?;
        let target = json!({"targetArtifact": {"mediaType": subject["mediaType"], "digest": subject["digest"], "size": subject["size"]}});
        let payload = serde_json::to_vec(&target).unwrap_or_default();
        let signed_at = time::macros::datetime!(2026-11-23 16:00:00 UTC);
        let mut request = ratify_notation::envelope::sign::SignRequest::new(payload, signed_at);
        request.signing_agent = Some("ratify-gen-testdata".into());
        let envelope = signer
            .sign_cose(&request)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let thumbprints: Vec<String> = chain
            .iter()
            .map(|c| hex::encode(Sha256::digest(c)))
            .collect();
        let empty = self.blob(EMPTY, b"{}".to_vec());
        let layer = self.blob("application/cose", envelope);
        let manifest = json!({
            "schemaVersion": 2, "mediaType": MANIFEST, "artifactType": NOTATION_SIGNATURE,
            "config": empty, "layers": [layer], "subject": subject,
            "annotations": {
                "io.cncf.notary.x509chain.thumbprint#S256": serde_json::to_string(&thumbprints).unwrap_or_default(),
                "org.opencontainers.image.created": CREATED
            }
        });
        let descriptor = self.json_blob(MANIFEST, &manifest);
        let mut entry = descriptor.clone();
        entry["artifactType"] = json!(NOTATION_SIGNATURE);
        self.index.push(entry);
        Ok(descriptor)
    }

    fn write(&self, dir: &Path) -> io::Result<()> {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir.join("blobs/sha256"))?;
        for (digest, bytes) in &self.blobs {
            let hex = digest.trim_start_matches("sha256:");
            std::fs::write(dir.join("blobs/sha256").join(hex), bytes)?;
        }
        std::fs::write(
            dir.join("oci-layout"),
            b"{\"imageLayoutVersion\":\"1.0.0\"}\n",
        )?;
        let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": self.index});
        let mut text = serde_json::to_vec_pretty(&index).unwrap_or_default();
        text.push(b'\n');
        std::fs::write(dir.join("index.json"), text)
    }
}

fn tar_with(tag: &str) -> Vec<u8> {
    let body = format!("hello from the ratify example image {tag}\n");
    let mut header = tar::Header::new_ustar();
    header.set_path("hello.txt").unwrap_or_default();
    header.set_size(body.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_cksum();
    let mut builder = tar::Builder::new(Vec::new());
    builder.append(&header, body.as_bytes()).unwrap_or_default();
    builder.into_inner().unwrap_or_default()
}

fn spdx(name: &str, packages: &[(&str, &str, &str)]) -> Vec<u8> {
    let packages: Vec<Value> = packages
        .iter()
        .enumerate()
        .map(|(i, (name, version, license))| json!({
            "name": name, "SPDXID": format!("SPDXRef-Package-{i}"), "versionInfo": version,
            "downloadLocation": "NOASSERTION", "licenseConcluded": license, "licenseDeclared": license
        }))
        .collect();
    let document = json!({
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
        "name": name, "documentNamespace": format!("https://example.invalid/ratify/{name}"),
        "creationInfo": {"created": CREATED, "creators": ["Tool: ratify-gen-testdata"]},
        "packages": packages
    });
    serde_json::to_vec_pretty(&document).unwrap_or_default()
}

fn cyclonedx() -> Vec<u8> {
    let bom = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "metadata": {"timestamp": CREATED, "tools": [{"vendor": "ratify", "name": "gen-testdata"}]},
        "components": [
            {"type": "library", "name": "hello", "version": "1.0.0", "licenses": [{"license": {"id": "Apache-2.0"}}]},
            {"type": "library", "name": "musl", "version": "1.2.4-r2", "licenses": [{"expression": "MIT"}]}
        ]
    });
    serde_json::to_vec_pretty(&bom).unwrap_or_default()
}

/// Writes the example layout to `dir` (replacing it), signing with the PKI in `pki`
/// (`scripts/gen-test-pki.sh`). Tags: `v1` (Notation signature and clean SPDX SBOM),
/// `unsigned` (no referrers), `gpl` (signed; SBOM with a GPL-3.0-only package), `cyclonedx`
/// (signed; clean CycloneDX SBOM), `nested` (signed; clean SBOM with an example signature on
/// it), `unknown-type` (only a referrer no verifier handles).
pub fn generate(dir: &Path, pki: &Path) -> io::Result<()> {
    let mut layout = Layout {
        blobs: BTreeMap::new(),
        index: Vec::new(),
    };
    let clean = [
        ("hello", "1.0.0", "Apache-2.0"),
        ("busybox", "1.36.1-r0", "GPL-2.0-only"),
    ];

    let v1 = layout.image("v1");
    layout.notation_signature(&v1, pki)?;
    layout.referrer(
        &v1,
        "application/spdx+json",
        "application/spdx+json",
        spdx("example-v1", &clean),
    );
    layout.image("unsigned");
    let gpl = layout.image("gpl");
    layout.notation_signature(&gpl, pki)?;
    let gpl_packages = [
        ("hello", "1.0.0", "Apache-2.0"),
        ("readline", "8.2.1-r0", "GPL-3.0-only"),
    ];
    layout.referrer(
        &gpl,
        "application/spdx+json",
        "application/spdx+json",
        spdx("example-gpl", &gpl_packages),
    );
    let cdx = layout.image("cyclonedx");
    layout.notation_signature(&cdx, pki)?;
    layout.referrer(
        &cdx,
        "application/vnd.cyclonedx+json",
        "application/vnd.cyclonedx+json",
        cyclonedx(),
    );
    let nested = layout.image("nested");
    layout.notation_signature(&nested, pki)?;
    let sbom = layout.referrer(
        &nested,
        "application/spdx+json",
        "application/spdx+json",
        spdx("example-nested", &clean),
    );
    layout.referrer(
        &sbom,
        EXAMPLE_SIGNATURE,
        "application/octet-stream",
        b"example signature over the SBOM\n".to_vec(),
    );
    let unknown = layout.image("unknown-type");
    layout.referrer(
        &unknown,
        EXAMPLE_UNKNOWN,
        "application/octet-stream",
        b"unknown\n".to_vec(),
    );
    layout.write(dir)
}
