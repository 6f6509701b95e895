//! Shared helpers for the interop case tests: the interop data read in place (a loud SKIP when
//! it is absent), cosign layers rebuilt from the forms the tools stored them in, and configs
//! written into a scratch directory.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ratify_cosign::config::CosignConfig;
use ratify_plugin_sdk::wire::{Descriptor, VerifyResult};
use sha2::{Digest, Sha256};

/// The interop directory: `RATIFY_INTEROP_DIR` or /work/shared/interop, or `None` after a loud
/// SKIP line.
pub fn interop() -> Option<PathBuf> {
    let dir = std::env::var_os("RATIFY_INTEROP_DIR")
        .map_or_else(|| PathBuf::from("/work/shared/interop"), PathBuf::from);
    if dir.join("cases.json").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "\n!!!!!!!! SKIP: interop data not found at {} (set RATIFY_INTEROP_DIR) !!!!!!!!\n",
            dir.display()
        );
        None
    }
}

pub fn read(dir: &Path, rel: &str) -> Vec<u8> {
    let path = dir.join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A signature layer: its descriptor and bytes.
#[derive(Clone)]
pub struct Layer {
    pub descriptor: Descriptor,
    pub bytes: Vec<u8>,
}

impl Layer {
    /// A layer whose descriptor is computed from `bytes`.
    pub fn new(media_type: &str, bytes: Vec<u8>, annotations: BTreeMap<String, String>) -> Self {
        let mut descriptor = Descriptor::new(
            media_type,
            format!("sha256:{}", hex::encode(Sha256::digest(&bytes))),
            bytes.len() as u64,
        );
        descriptor.annotations = annotations;
        Layer { descriptor, bytes }
    }

    /// The same layer with annotation `key` set to `value` (`None` removes it).
    pub fn with(&self, key: &str, value: Option<&str>) -> Self {
        let mut out = self.clone();
        match value {
            Some(v) => out.descriptor.annotations.insert(key.into(), v.into()),
            None => out.descriptor.annotations.remove(key),
        };
        out
    }
}

/// Ratify's extracted form: `layer-descriptor.json` + `payload.json`.
pub fn extracted_layer(dir: &Path, case: &str) -> Layer {
    let base = format!("ratify/cosign-extracted/{case}");
    let descriptor: Descriptor =
        serde_json::from_slice(&read(dir, &format!("{base}/layer-descriptor.json"))).unwrap();
    let bytes = read(dir, &format!("{base}/payload.json"));
    Layer { descriptor, bytes }
}

/// containers/image's `signature-N` form: `\0sigstore-json\n` + `{mimeType, payload, annotations}`.
pub fn containers_image_layer(dir: &Path, rel: &str) -> Layer {
    let raw = read(dir, rel);
    let json = raw
        .strip_prefix(b"\x00sigstore-json\n")
        .expect("sigstore-json prefix");
    let value: serde_json::Value = serde_json::from_slice(json).unwrap();
    let annotations = value["annotations"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let payload = STANDARD.decode(value["payload"].as_str().unwrap()).unwrap();
    Layer::new(value["mimeType"].as_str().unwrap(), payload, annotations)
}

/// A subject descriptor for `digest`.
pub fn subject(digest: &str) -> Descriptor {
    Descriptor::new("application/vnd.oci.image.manifest.v1+json", digest, 1024)
}

/// sha256 of a file, as a digest string.
pub fn file_digest(dir: &Path, rel: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(read(dir, rel))))
}

/// A config from `value`; panics with the config error.
pub fn config(value: serde_json::Value) -> CosignConfig {
    CosignConfig::from_value(&value).unwrap_or_else(|e| panic!("config {value}: {e:?}"))
}

/// One trust policy for every subject.
pub fn policy(fields: serde_json::Value) -> CosignConfig {
    let mut policy = serde_json::json!({"name": "interop", "version": "1.0.0", "scopes": ["*"]});
    for (k, v) in fields.as_object().unwrap() {
        policy[k] = v.clone();
    }
    config(serde_json::json!({"trustPolicies": [policy]}))
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Verifies a simple-signing layer for `digest`.
pub fn verify_layer(
    config: &CosignConfig,
    reference: &str,
    layer: &Layer,
    digest: &str,
) -> VerifyResult {
    ratify_cosign::verify::verify_layer(
        config,
        reference,
        &layer.descriptor,
        layer.bytes.clone(),
        &subject(digest),
        now(),
    )
}

/// Verifies a bundle layer holding `bytes` for `digest`.
pub fn verify_bundle(
    config: &CosignConfig,
    media_type: &str,
    bytes: &[u8],
    digest: &str,
) -> VerifyResult {
    let layer = Layer::new(media_type, bytes.to_vec(), BTreeMap::new());
    ratify_cosign::verify::verify_bundle(
        config,
        "registry.test/repo",
        &layer.descriptor,
        bytes,
        &subject(digest),
        now(),
    )
}

/// Asserts success, with the whole result on failure.
#[track_caller]
pub fn assert_valid(result: &VerifyResult) {
    assert!(result.is_success, "expected VALID: {result:#?}");
}

/// Asserts failure whose reason contains `cause`.
#[track_caller]
pub fn assert_invalid(result: &VerifyResult, cause: &str) {
    assert!(
        !result.is_success,
        "expected INVALID ({cause}): {result:#?}"
    );
    let reason = result.error_reason.clone().unwrap_or_default();
    assert!(
        reason.contains(cause),
        "expected {cause:?} in {reason:?}\n{result:#?}"
    );
}

/// The result's extensions (`null` when absent).
pub fn ext(result: &VerifyResult) -> serde_json::Value {
    result.extensions.clone().unwrap_or_default()
}

/// `rel` under the interop directory, as a config path.
pub fn path(dir: &Path, rel: &str) -> String {
    dir.join(rel).display().to_string()
}

/// A key-only policy (no transparency log), as Ratify's RAT-05 test (IgnoreTlog + IgnoreSCT).
pub fn keys(dir: &Path, files: &[&str]) -> CosignConfig {
    let keys: Vec<_> = files
        .iter()
        .map(|f| serde_json::json!({"file": path(dir, f)}))
        .collect();
    policy(serde_json::json!({"keys": keys, "tLogVerify": false}))
}

/// Standard base64, padded.
pub fn b64(text: &str) -> Vec<u8> {
    STANDARD
        .decode(text.trim())
        .unwrap_or_else(|e| panic!("base64 {text:.20}…: {e}"))
}

/// The public-good Rekor key (`containers-image/rekor.pub`).
pub fn rekor_key(dir: &Path) -> ratify_cosign::keys::PublicKey {
    ratify_cosign::keys::PublicKey::from_pem(&read(dir, "containers-image/rekor.pub")).unwrap()
}

/// The Rekor key as `trusted_root_pgi.json` carries it (DER SPKI, base64).
pub fn rekor_key_from_trusted_root(dir: &Path) -> ratify_cosign::keys::PublicKey {
    let root: serde_json::Value =
        serde_json::from_slice(&read(dir, "cosign/trusted_root_pgi.json")).unwrap();
    let raw = root["tlogs"][0]["publicKey"]["rawBytes"].as_str().unwrap();
    ratify_cosign::keys::PublicKey::from_spki_der(&b64(raw)).unwrap()
}
