//! Helpers shared by the integration tests: where the upstream interop data and this crate's
//! own fixtures live.

// Each test binary includes this module and uses only some of it.
#![allow(dead_code)]

pub mod host;

use std::path::PathBuf;

/// The shared interop data directory (read in place, never copied into the project), or `None`
/// after printing why the calling test is skipped.
pub fn interop_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RATIFY_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop")
        });
    if dir.join("ratify/sbom").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP: interop data not found at {} (set RATIFY_INTEROP_DIR)",
            dir.display()
        );
        None
    }
}

/// Bytes of an upstream interop file, or `None` (the test skips) when the data is absent.
pub fn interop_file(relative: &str) -> Option<Vec<u8>> {
    let path = interop_dir()?.join(relative);
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())))
}

/// Bytes of one of this crate's fixtures under `tests/fixtures/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
