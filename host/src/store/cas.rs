//! A private, content-addressed directory of checked blobs.
//!
//! Verifier plugins receive paths into it instead of blob bytes on the pipe (`spec/PROTOCOL.md`
//! explains why, with measurements). Files are admitted only after their size and digest are
//! checked, and are read-only; the directory is the host's own (mode 0700) and is removed
//! when the host exits.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::digest::Digest;
use crate::error::{Error, Result};

/// The blob directory.
pub struct Cas {
    dir: tempfile::TempDir,
    counter: AtomicU64,
}

impl Cas {
    /// Creates a fresh private directory under the system temp dir.
    pub fn new() -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("ratify-cas-")
            .tempdir()
            .map_err(|e| Error::host(format!("cannot create the blob cache directory: {e}")))?;
        std::fs::create_dir_all(dir.path().join("tmp"))
            .map_err(|e| Error::host(format!("cannot create {}/tmp: {e}", dir.path().display())))?;
        Ok(Self {
            dir,
            counter: AtomicU64::new(0),
        })
    }

    /// Where a blob with `digest` lives once admitted.
    pub fn path_for(&self, digest: &Digest) -> PathBuf {
        self.dir
            .path()
            .join("blobs")
            .join(digest.algorithm())
            .join(digest.hex())
    }

    /// The admitted blob's path and size, if present.
    pub fn get(&self, digest: &Digest) -> Option<(PathBuf, u64)> {
        let path = self.path_for(digest);
        std::fs::metadata(&path).ok().map(|m| (path, m.len()))
    }

    /// A fresh path for a store to write an incoming blob to.
    pub fn incoming_path(&self) -> PathBuf {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        self.dir
            .path()
            .join("tmp")
            .join(format!("{}-{n}.partial", std::process::id()))
    }

    /// Checks an incoming file against `digest` and the caps, then moves it into place
    /// read-only. The incoming file is removed on any failure.
    pub async fn admit(
        &self,
        incoming: PathBuf,
        digest: &Digest,
        expected_size: Option<u64>,
        max_bytes: u64,
    ) -> Result<(PathBuf, u64)> {
        let target = self.path_for(digest);
        let digest = digest.clone();

        tokio::task::spawn_blocking(move || {
            let outcome = check_and_place(&incoming, &target, &digest, expected_size, max_bytes);
            if outcome.is_err() {
                let _ = std::fs::remove_file(&incoming);
            }
            outcome.map(|size| (target, size))
        })
        .await
        .map_err(|e| Error::host(format!("blob check task failed: {e}")))?
    }
}

fn check_and_place(
    incoming: &Path,
    target: &Path,
    digest: &Digest,
    expected_size: Option<u64>,
    max_bytes: u64,
) -> Result<u64> {
    let size = std::fs::metadata(incoming)
        .map_err(|e| {
            Error::store(format!(
                "blob {digest}: the store wrote no readable file: {e}"
            ))
        })?
        .len();
    if size > max_bytes {
        return Err(Error::store(format!(
            "blob {digest} is {size} bytes, over the {max_bytes}-byte cap (maxBlobBytes)"
        )));
    }
    if let Some(expected) = expected_size
        && expected != size
    {
        return Err(Error::store(format!(
            "blob {digest}: the store returned {size} bytes but the descriptor says {expected}"
        )));
    }
    let mut file = std::fs::File::open(incoming)
        .map_err(|e| Error::host(format!("cannot read incoming blob {digest}: {e}")))?;
    let (matches, read) = digest
        .matches_reader(&mut file)
        .map_err(|e| Error::host(format!("cannot read incoming blob {digest}: {e}")))?;
    if read != size {
        return Err(Error::store(format!(
            "blob {digest} changed while it was being checked"
        )));
    }
    if !matches {
        return Err(Error::store(format!(
            "blob {digest}: the store returned bytes that do not match the digest"
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(incoming, std::fs::Permissions::from_mode(0o444))
            .map_err(|e| Error::host(format!("cannot make blob {digest} read-only: {e}")))?;
    }
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::host(format!("cannot create {}: {e}", parent.display())))?;
    }
    std::fs::rename(incoming, target)
        .map_err(|e| Error::host(format!("cannot store blob {digest}: {e}")))?;
    Ok(size)
}
