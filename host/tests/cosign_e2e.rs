//! cosign signatures end to end: `ratify verify` against a real registry (distribution 2.8,
//! started here) holding images signed the two ways cosign stores signatures — the legacy
//! `sha256-<digest>.sig` tag and an OCI 1.1 referrer — under a policy that also requires the
//! images' Notation signatures. The cosign signatures are real: P-256 keys made by openssl and
//! simple-signing payloads signed by `openssl dgst -sha256 -sign`, as cosign signs them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest as _;
use support::registry::{Registry, push};
use support::{example_layout, ratify};

const LIMIT: Duration = Duration::from_secs(60);
const COSIGN_SIG: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
const BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
const SLSA: &str = "https://slsa.dev/provenance/v1";

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
fn key_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
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
struct Layout {
    dir: PathBuf,
    index: Value,
}

impl Layout {
    fn copy_example(into: &Path) -> Self {
        let dir = into.join("layout");
        std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        for entry in std::fs::read_dir(example_layout().join("blobs/sha256")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(
                entry.path(),
                dir.join("blobs/sha256").join(entry.file_name()),
            )
            .unwrap();
        }
        std::fs::copy(example_layout().join("oci-layout"), dir.join("oci-layout")).unwrap();
        let index =
            serde_json::from_slice(&std::fs::read(example_layout().join("index.json")).unwrap())
                .unwrap();
        Layout { dir, index }
    }

    fn add(&self, bytes: &[u8]) -> String {
        let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)));
        std::fs::write(self.dir.join("blobs/sha256").join(&digest[7..]), bytes).unwrap();
        digest
    }

    /// The descriptor of the image tagged `tag`.
    fn tagged(&self, tag: &str) -> Value {
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
    fn sign(&mut self, subject: &Value, key: &Path, referrer: bool) {
        let digest = subject["digest"].as_str().unwrap();
        let payload = serde_json::to_vec(&json!({
            "critical": {"identity": {"docker-reference": "registry.test/example"},
                         "image": {"docker-manifest-digest": digest},
                         "type": "cosign container image signature"},
            "optional": null
        }))
        .unwrap();
        let payload_file = self.dir.join("payload.tmp");
        std::fs::write(&payload_file, &payload).unwrap();
        let signature = openssl(&[
            "dgst",
            "-sha256",
            "-sign",
            key.to_str().unwrap(),
            payload_file.to_str().unwrap(),
        ]);
        std::fs::remove_file(&payload_file).unwrap();
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

    /// Adds `manifest` to the layout's index with `entry`'s fields.
    fn index_manifest(&mut self, manifest: &Value, mut entry: Value) {
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
    fn attest(&mut self, subject: &Value, key: &Path, predicate_type: &str) {
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
        let pae_file = self.dir.join("pae.tmp");
        std::fs::write(&pae_file, &pae).unwrap();
        let signature = openssl(&[
            "dgst",
            "-sha256",
            "-sign",
            key.to_str().unwrap(),
            pae_file.to_str().unwrap(),
        ]);
        std::fs::remove_file(&pae_file).unwrap();
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

/// The bundled config (Notation verifier and trust) plus the cosign verifier with `key`, the
/// store's cosignEnabled, and a policy that needs a Notation and a cosign signature to pass.
fn mixed_config(home: &Path, key: &Path) -> String {
    mixed_config_with(home, key, &[])
}

/// As [`mixed_config`]; the cosign policy also requires attestations of `required` types,
/// and Sigstore bundles go to the cosign verifier.
fn mixed_config_with(home: &Path, key: &Path, required: &[&str]) -> String {
    let mut config: Value = serde_json::from_slice(
        &std::fs::read(support::repo_root().join("testdata/config.json")).unwrap(),
    )
    .unwrap();
    let root = support::repo_root()
        .join("testdata/pki/root.crt")
        .display()
        .to_string();
    config["verifier"]["plugins"][0]["verificationCertStores"] = json!({"ca": {"example": [root]}});
    config["verifier"]["plugins"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "name": "cosign",
            "artifactTypes": format!("{COSIGN_SIG},{BUNDLE}"),
            "trustPolicies": [{"name": "e2e", "version": "1.0.0", "scopes": ["*"],
                               "keys": [{"file": key.display().to_string()}], "tLogVerify": false,
                               "requiredPredicateTypes": required}]
        }));
    config["store"]["plugins"][0]["cosignEnabled"] = json!(true);
    let mut policies = json!({"application/vnd.cncf.notary.signature": "any", COSIGN_SIG: "any"});
    if !required.is_empty() {
        // Ratify's configPolicy needs every listed type present, so bundles are listed only
        // where attestations are expected.
        policies[BUNDLE] = json!("any");
    }
    config["policy"]["plugin"]["artifactVerificationPolicies"] = policies;
    support::write_config(home, &config).display().to_string()
}

/// The verifier reports of a `ratify verify` run, by artifact type: (type, isSuccess).
fn reports(run: &support::Run) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = run.json()["verifierReports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["artifactType"].as_str().unwrap_or_default().to_owned(),
                r["isSuccess"] == json!(true),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn cosign_legacy_tags_and_referrers_verify_through_a_registry_with_notation() {
    let work = tempfile::tempdir().unwrap();
    let (trusted, trusted_pub) = key_pair(work.path(), "trusted");
    let (stranger, _) = key_pair(work.path(), "stranger");
    let mut layout = Layout::copy_example(work.path());
    // v1: Notation-signed in the example, plus a legacy .sig tag.
    layout.sign(&layout.tagged("v1"), &trusted, false);
    // cyclonedx: Notation-signed, plus an OCI 1.1 cosign referrer.
    layout.sign(&layout.tagged("cyclonedx"), &trusted, true);
    // gpl: Notation-signed, but cosign-signed by a key the policy does not trust.
    layout.sign(&layout.tagged("gpl"), &stranger, false);
    // unsigned: a valid cosign signature, but no Notation signature at all.
    layout.sign(&layout.tagged("unsigned"), &trusted, true);

    let registry = Registry::start();
    let repo = format!("{}/cosigned", registry.addr);
    push(&layout.dir.display().to_string(), &repo, &[]);
    let home = tempfile::tempdir().unwrap();
    let config = mixed_config(home.path(), &trusted_pub);
    let verify = |tag: &str| {
        ratify(
            &["verify", "-s", &format!("{repo}:{tag}"), "-c", &config],
            home.path(),
            LIMIT,
        )
    };

    let v1 = verify("v1");
    assert_eq!(v1.code, Some(0), "{v1:?}");
    let kinds = reports(&v1);
    assert!(kinds.contains(&(COSIGN_SIG.into(), true)), "{kinds:?}");
    assert!(
        kinds.contains(&("application/vnd.cncf.notary.signature".into(), true)),
        "{kinds:?}"
    );
    let cosign = v1.json()["verifierReports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["artifactType"] == COSIGN_SIG)
        .cloned()
        .unwrap();
    assert_eq!(cosign["verifierName"], json!("cosign"), "{cosign}");
    assert_eq!(
        cosign["extensions"]["trustPolicy"],
        json!("e2e"),
        "{cosign}"
    );

    let referrer = verify("cyclonedx");
    assert_eq!(referrer.code, Some(0), "{referrer:?}");
    assert!(
        reports(&referrer).contains(&(COSIGN_SIG.into(), true)),
        "{referrer:?}"
    );

    let stranger = verify("gpl");
    assert_eq!(stranger.code, Some(1), "{stranger:?}");
    assert!(
        reports(&stranger).contains(&(COSIGN_SIG.into(), false)),
        "{stranger:?}"
    );
    assert!(
        stranger.stdout.contains("failed to verify signature"),
        "{stranger:?}"
    );

    let unsigned = verify("unsigned");
    assert_eq!(
        unsigned.code,
        Some(1),
        "cosign alone must not pass a policy that wants Notation too: {unsigned:?}"
    );
    assert_eq!(
        reports(&unsigned),
        vec![(COSIGN_SIG.to_owned(), true)],
        "{unsigned:?}"
    );

    // The same layout, verified on disk with the same config, answers the same.
    for (tag, code) in [("v1", 0), ("cyclonedx", 0), ("gpl", 1)] {
        let subject = format!("{}:{tag}", layout.dir.display());
        let run = ratify(
            &["verify", "--oci-layout", "-s", &subject, "-c", &config],
            home.path(),
            LIMIT,
        );
        assert_eq!(run.code, Some(code), "{tag} from the layout: {run:?}");
    }
}

#[test]
fn required_provenance_attestations_come_from_the_subjects_bundles() {
    let work = tempfile::tempdir().unwrap();
    let (trusted, trusted_pub) = key_pair(work.path(), "trusted");
    let (stranger, _) = key_pair(work.path(), "stranger");
    let mut layout = Layout::copy_example(work.path());
    // v1: a cosign signature and a SLSA provenance attestation.
    layout.sign(&layout.tagged("v1"), &trusted, false);
    layout.attest(&layout.tagged("v1"), &trusted, SLSA);
    // cyclonedx: a cosign signature, an attestation of another predicate type only.
    layout.sign(&layout.tagged("cyclonedx"), &trusted, true);
    layout.attest(
        &layout.tagged("cyclonedx"),
        &trusted,
        "https://spdx.dev/Document",
    );
    // gpl: a cosign signature and a provenance attestation by a key the policy does not trust.
    layout.sign(&layout.tagged("gpl"), &trusted, false);
    layout.attest(&layout.tagged("gpl"), &stranger, SLSA);

    let registry = Registry::start();
    let repo = format!("{}/attested", registry.addr);
    push(&layout.dir.display().to_string(), &repo, &[]);
    let home = tempfile::tempdir().unwrap();
    let config = mixed_config_with(home.path(), &trusted_pub, &[SLSA]);
    let verify = |tag: &str| {
        ratify(
            &["verify", "-s", &format!("{repo}:{tag}"), "-c", &config],
            home.path(),
            LIMIT,
        )
    };

    let v1 = verify("v1");
    assert_eq!(v1.code, Some(0), "{v1:?}");
    let attestation = v1.json()["verifierReports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["artifactType"] == BUNDLE)
        .cloned()
        .unwrap();
    assert_eq!(attestation["isSuccess"], json!(true), "{attestation}");
    let signature = &attestation["extensions"]["signatures"][0];
    assert_eq!(signature["predicateType"], json!(SLSA), "{attestation}");
    assert_eq!(
        signature["predicate"]["builder"]["id"],
        json!("https://ci.example/builder"),
        "{attestation}"
    );

    // No provenance: every cosign report fails, naming the missing type.
    let missing = verify("cyclonedx");
    assert_eq!(missing.code, Some(1), "{missing:?}");
    assert!(
        missing.stdout.contains(
            "no valid attestation with the required predicate type https://slsa.dev/provenance/v1"
        ),
        "{missing:?}"
    );
    assert!(
        reports(&missing).contains(&(COSIGN_SIG.into(), false)),
        "{missing:?}"
    );

    // Provenance signed by an untrusted key is no provenance.
    let untrusted = verify("gpl");
    assert_eq!(untrusted.code, Some(1), "{untrusted:?}");
    assert!(
        untrusted
            .stdout
            .contains("no valid attestation with the required predicate type"),
        "{untrusted:?}"
    );
}
