//! Shared helpers for the keys_* and rekor_* integration tests: where the interop data lives
//! (skipping loudly when it is absent) and small decoding shortcuts.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ratify_cosign::keys::PublicKey;

/// The interop directory: `RATIFY_INTEROP_DIR` or /work/shared/interop. `None` (after a loud
/// SKIP line) when it is not there, so the caller returns early.
pub fn interop_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RATIFY_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/interop"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP: interop data not found at {} (set RATIFY_INTEROP_DIR)",
            dir.display()
        );
        None
    }
}

/// Reads a file under the interop directory.
pub fn read(dir: &Path, rel: &str) -> Vec<u8> {
    let path = dir.join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Reads and parses a JSON file under the interop directory.
pub fn json(dir: &Path, rel: &str) -> serde_json::Value {
    serde_json::from_slice(&read(dir, rel)).unwrap_or_else(|e| panic!("parsing {rel}: {e}"))
}

/// Standard base64, padded.
pub fn b64(text: &str) -> Vec<u8> {
    STANDARD
        .decode(text.trim())
        .unwrap_or_else(|e| panic!("base64 {text:.20}…: {e}"))
}

/// The public-good Rekor key (`containers-image/rekor.pub`).
pub fn rekor_key(dir: &Path) -> PublicKey {
    PublicKey::from_pem(&read(dir, "containers-image/rekor.pub")).unwrap()
}

/// The Rekor key as `trusted_root_pgi.json` carries it (DER SPKI, base64).
pub fn rekor_key_from_trusted_root(dir: &Path) -> PublicKey {
    let root = json(dir, "cosign/trusted_root_pgi.json");
    let raw = root["tlogs"][0]["publicKey"]["rawBytes"].as_str().unwrap();
    PublicKey::from_spki_der(&b64(raw)).unwrap()
}

/// The first transparency-log entry of a Sigstore bundle JSON file.
pub fn bundle_tlog_entry(dir: &Path, rel: &str) -> serde_json::Value {
    json(dir, rel)["verificationMaterial"]["tlogEntries"][0].clone()
}
