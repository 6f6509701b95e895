//! Shared by the `trustpolicy_*` tests: where the interop data lives.

use std::path::PathBuf;

/// The interop data directory, or `None` after printing the SKIP line when it is absent.
pub fn interop_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RATIFY_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop")
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "SKIP: interop data not found at {} (set RATIFY_INTEROP_DIR)",
            dir.display()
        );
        None
    }
}
