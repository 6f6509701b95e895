//! Shared by the timestamp interop tests: where the interop data lives, and reading its
//! certificates, envelopes and OCI layouts.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code, unused_macros, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use ratify_notation::envelope::{self, Envelope, MEDIA_TYPE_COSE, MEDIA_TYPE_JWS};
use ratify_notation::timestamp::verify_countersignature;
use ratify_notation::x509::read_certificates;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Returns the interop directory, or prints SKIP and returns from the calling test.
pub fn interop_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RATIFY_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop"));
    if dir.join("PROVENANCE.md").is_file() {
        return Some(dir);
    }
    println!(
        "SKIP: interop data not found at {} (set RATIFY_INTEROP_DIR)",
        dir.display()
    );
    None
}

macro_rules! interop {
    () => {
        match timestamp_support::interop_dir() {
            Some(dir) => dir,
            None => return,
        }
    };
}

pub fn cert(path: &Path) -> Vec<u8> {
    read_certificates(path).unwrap().remove(0)
}

/// A JWS (JSON) or COSE envelope, told apart by its first byte.
pub fn envelope_at(path: &Path) -> Envelope {
    let bytes = std::fs::read(path).unwrap();
    let media_type = if bytes.first() == Some(&b'{') {
        MEDIA_TYPE_JWS
    } else {
        MEDIA_TYPE_COSE
    };
    envelope::parse(media_type, &bytes).unwrap()
}

/// The signature envelope of an OCI layout holding one signed artifact and its signature.
pub fn layout_envelope(layout: &Path) -> Envelope {
    let blob = |digest: &str| {
        let hex = digest.strip_prefix("sha256:").unwrap();
        std::fs::read(layout.join("blobs/sha256").join(hex)).unwrap()
    };
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    for entry in index["manifests"].as_array().unwrap() {
        let manifest: serde_json::Value =
            serde_json::from_slice(&blob(entry["digest"].as_str().unwrap())).unwrap();
        if manifest.get("subject").is_some() {
            let layer = &manifest["layers"][0];
            let bytes = blob(layer["digest"].as_str().unwrap());
            return envelope::parse(layer["mediaType"].as_str().unwrap(), &bytes).unwrap();
        }
    }
    panic!("no signature manifest in {}", layout.display());
}

pub fn utc(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).unwrap()
}

pub fn err(token: &[u8], signature: &[u8], roots: &[Vec<u8>]) -> String {
    verify_countersignature(token, signature, roots)
        .unwrap_err()
        .message
}

/// notation-go's truststore root and the GlobalSign R6 TSA root it holds.
pub fn ngo(dir: &Path) -> (PathBuf, Vec<Vec<u8>>) {
    let base = dir.join("notation-go");
    let root = cert(&base.join("truststore/x509/tsa/test-timestamp/globalsignRoot.cer"));
    (base, vec![root])
}

pub const UNKNOWN_AUTHORITY: &str = "failed to verify the timestamp countersignature with error: failed to verify signed token: cms verification failure: x509: certificate signed by unknown authority";
