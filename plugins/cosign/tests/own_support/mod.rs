//! The project's own cosign/Sigstore fixture generator, for the `own_*` end-to-end tests.
//! Everything is made at test time into a temporary directory: signing keys of every kind
//! cosign accepts ([`keys`]), a Fulcio-like CA with leaves carrying an embedded SCT ([`pki`]),
//! a Rekor-like log with SETs, a Merkle tree, inclusion proofs and signed checkpoints
//! ([`rekor`]), and the layers, bundles and `trusted_root.json` that carry them ([`writers`]).
//!
//! The generator follows the formats as /work/notes/cosign-facts.md describes them (cosign,
//! sigstore-go, Rekor, RFC 6962) rather than the verifier's code, so a test that passes shows
//! the verifier reads what the real tools write — not merely what it writes itself.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod keys;
pub mod pki;
pub mod rekor;
pub mod writers;

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ratify_cosign::config::CosignConfig;
use ratify_plugin_sdk::wire::{Descriptor, VerifyResult};
use sha2::{Digest as _, Sha256};

/// The (fixed) moment the leaf certificates are issued, unix seconds (2025-06-15T15:06:40Z).
/// Fixed, so nothing depends on the clock.
pub const T0: i64 = 1_750_000_000;
/// Fulcio leaves live ten minutes.
pub const LEAF_LIFETIME: i64 = 600;
/// When the log integrated the signature: inside the leaf's validity.
pub const LOGGED_AT: i64 = T0 + 60;
/// "Now" for the verifier: a day later, when a Fulcio leaf has long expired, as in real life.
pub const NOW: i64 = T0 + 86_400;
/// The subject's reference; every policy here uses scope `*`, so any name would do.
pub const REFERENCE: &str = "registry.example/app/image:v1";
/// The docker-reference cosign writes into the payload (the repository, no tag).
pub const REPOSITORY: &str = "registry.example/app/image";

/// Standard padded base64.
pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// SHA-256.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha256(bytes))
}

/// One DER TLV (definite length).
pub fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(contents);
    out
}

/// A PEM block with 64-column base64, as Go's `pem.Encode` writes it.
pub fn pem(label: &str, der: &[u8]) -> String {
    let body = b64(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A scratch directory for key files and trusted roots, removed when dropped.
pub struct Dir(pub tempfile::TempDir);

impl Dir {
    pub fn new() -> Self {
        Dir(tempfile::tempdir().unwrap())
    }

    /// Writes `name` and returns its path as a string (for config values).
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path: PathBuf = self.0.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

/// The subject: an image manifest descriptor whose digest is the SHA-256 of `seed`.
pub fn subject(seed: &str) -> Descriptor {
    Descriptor::new(
        "application/vnd.oci.image.manifest.v1+json",
        format!("sha256:{}", sha256_hex(seed.as_bytes())),
        1234,
    )
}

/// A validated config; panics with the config error (a fixture bug, not a verifier verdict).
pub fn config(value: serde_json::Value) -> CosignConfig {
    match CosignConfig::from_value(&value) {
        Ok(config) => config,
        Err(e) => panic!("config {value} refused: {e:?}"),
    }
}

/// A one-policy trust-policies config, `policy` holding the policy's own keys (merged over
/// name and scopes).
pub fn policy_config(policy: serde_json::Value) -> CosignConfig {
    let mut entry = serde_json::json!({"name": "own", "version": "1.0.0", "scopes": ["*"]});
    for (key, value) in policy.as_object().unwrap() {
        entry[key] = value.clone();
    }
    config(serde_json::json!({ "trustPolicies": [entry] }))
}

/// Verifies a simple-signing layer (`descriptor`, its bytes `payload`) for `subject`, as the
/// subject [`REFERENCE`] at [`NOW`].
pub fn verify_layer(
    config: &CosignConfig,
    descriptor: &Descriptor,
    payload: Vec<u8>,
    subject: &Descriptor,
) -> VerifyResult {
    ratify_cosign::verify::verify_layer(config, REFERENCE, descriptor, payload, subject, NOW)
}

/// Verifies a bundle layer (`layer`, its bytes `bytes`) for `subject`, as the subject
/// [`REFERENCE`] at [`NOW`].
pub fn verify_bundle(
    config: &CosignConfig,
    layer: &Descriptor,
    bytes: &[u8],
    subject: &Descriptor,
) -> VerifyResult {
    ratify_cosign::verify::verify_bundle(config, REFERENCE, layer, bytes, subject, NOW)
}

/// Asserts success, showing the whole result when it is not.
pub fn assert_passes(result: &VerifyResult) {
    assert!(
        result.is_success,
        "expected success, got {:?}: {}",
        result.error_reason,
        serde_json::to_string_pretty(&result.extensions).unwrap()
    );
}

/// Asserts failure whose `error_reason` names the cause `needle`.
pub fn assert_fails(result: &VerifyResult, needle: &str) {
    assert!(!result.is_success, "expected a failure naming {needle:?}");
    let reason = result.error_reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains(needle),
        "error_reason {reason:?} does not name {needle:?}"
    );
}

/// `extensions.signatures[0].verifications` of a trust-policy result.
pub fn verifications(result: &VerifyResult) -> Vec<serde_json::Value> {
    let extensions = result.extensions.as_ref().expect("extensions");
    extensions["signatures"][0]["verifications"]
        .as_array()
        .expect("verifications")
        .clone()
}
