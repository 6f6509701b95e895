//! A private, content-addressed directory of checked blobs.
//!
//! Verifier plugins receive paths into it instead of blob bytes on the pipe (`spec/PROTOCOL.md`
//! explains why, with measurements). Files are admitted only after their size and digest are
//! checked, and are read-only; the directory is the host's own (mode 0700) and is removed
//! when the host exits.

use std::io::{Read, Write};
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
        // Only files the host placed live here; still, never follow a link.
        std::fs::symlink_metadata(&path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| (path, m.len()))
    }

    /// A fresh path for a store to write an incoming blob to.
    pub fn incoming_path(&self) -> PathBuf {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        self.dir
            .path()
            .join("tmp")
            .join(format!("{}-{n}.partial", std::process::id()))
    }

    /// Copies an incoming file into a file of the host's own while hashing it, and admits the
    /// copy read-only when size and digest check out. The host never keeps the store's file:
    /// a store could otherwise hand over a symlink, or keep a handle and change the bytes
    /// after the check. The incoming file is removed in every case.
    pub async fn admit(
        &self,
        incoming: PathBuf,
        digest: &Digest,
        expected_size: Option<u64>,
        max_bytes: u64,
    ) -> Result<(PathBuf, u64)> {
        let target = self.path_for(digest);
        let staging = self.incoming_path().with_extension("checked");
        let digest = digest.clone();
        tokio::task::spawn_blocking(move || {
            let outcome = copy_checked(&incoming, &staging, &digest, expected_size, max_bytes)
                .and_then(|size| place(&staging, &target, &digest).map(|()| size));
            let _ = std::fs::remove_file(&incoming);
            if outcome.is_err() {
                let _ = std::fs::remove_file(&staging);
            }
            outcome.map(|size| (target, size))
        })
        .await
        .map_err(|e| Error::host(format!("blob check task failed: {e}")))?
    }
}

/// Reads the store's file (never through a symlink), writing a copy to `staging` and hashing
/// the same bytes; returns the size when everything matches.
fn copy_checked(
    incoming: &Path,
    staging: &Path,
    digest: &Digest,
    expected_size: Option<u64>,
    max_bytes: u64,
) -> Result<u64> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    let source = options.open(incoming).map_err(|e| {
        Error::store(format!(
            "blob {digest}: the store wrote no readable regular file: {e}"
        ))
    })?;
    let metadata = source
        .metadata()
        .map_err(|e| Error::host(format!("cannot inspect incoming blob {digest}: {e}")))?;
    if !metadata.is_file() {
        return Err(Error::store(format!(
            "blob {digest}: the store wrote something other than a regular file"
        )));
    }
    let size = metadata.len();
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
    let copy = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(staging)
        .map_err(|e| Error::host(format!("cannot create {}: {e}", staging.display())))?;
    // Read one byte past the size seen, so a file that grows under us is caught.
    let mut tee = Tee {
        source: source.take(size + 1),
        copy: &copy,
    };
    let (matches, read) = digest
        .matches_reader(&mut tee)
        .map_err(|e| Error::host(format!("cannot copy incoming blob {digest}: {e}")))?;
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
        copy.set_permissions(std::fs::Permissions::from_mode(0o444))
            .map_err(|e| Error::host(format!("cannot make blob {digest} read-only: {e}")))?;
    }
    Ok(size)
}

fn place(staging: &Path, target: &Path, digest: &Digest) -> Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::host(format!("cannot create {}: {e}", parent.display())))?;
    }
    std::fs::rename(staging, target)
        .map_err(|e| Error::host(format!("cannot store blob {digest}: {e}")))
}

/// A reader that copies what it reads into a file.
struct Tee<'a, R> {
    source: R,
    copy: &'a std::fs::File,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.source.read(buffer)?;
        self.copy.write_all(&buffer[..n])?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::sha256_of;

    fn digest(bytes: &[u8]) -> Digest {
        Digest::parse(&sha256_of(bytes)).unwrap()
    }

    #[tokio::test]
    async fn admits_a_checked_read_only_copy_never_the_stores_file() {
        let cas = Cas::new().unwrap();
        let incoming = cas.incoming_path();
        std::fs::write(&incoming, b"sbom").unwrap();
        let (path, size) = cas
            .admit(incoming.clone(), &digest(b"sbom"), Some(4), 10)
            .await
            .unwrap();
        assert_eq!((std::fs::read(&path).unwrap(), size), (b"sbom".to_vec(), 4));
        assert!(!incoming.exists(), "the store's file is removed, not kept");
        assert!(std::fs::metadata(&path).unwrap().permissions().readonly());
        assert_eq!(cas.get(&digest(b"sbom")), Some((path, 4)));
    }

    #[tokio::test]
    async fn refuses_symlinks_wrong_bytes_sizes_and_caps() {
        let cas = Cas::new().unwrap();
        let outside = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(outside.path(), b"sbom").unwrap();
        type Case<'a> = (&'a str, Box<dyn Fn(&Path) + 'a>, Option<u64>, u64);
        let cases: [Case; 4] = [
            (
                "regular file",
                Box::new(|p| std::os::unix::fs::symlink(outside.path(), p).unwrap()),
                None,
                10,
            ),
            (
                "do not match",
                Box::new(|p| std::fs::write(p, b"evil").unwrap()),
                None,
                10,
            ),
            (
                "descriptor says 5",
                Box::new(|p| std::fs::write(p, b"sbom").unwrap()),
                Some(5),
                10,
            ),
            (
                "over the 3-byte cap",
                Box::new(|p| std::fs::write(p, b"sbom").unwrap()),
                None,
                3,
            ),
        ];
        for (expected, make, size, cap) in cases {
            let incoming = cas.incoming_path();
            make(&incoming);
            let error = cas
                .admit(incoming.clone(), &digest(b"sbom"), size, cap)
                .await
                .unwrap_err();
            assert!(error.message.contains(expected), "{expected}: {error}");
            assert!(
                std::fs::symlink_metadata(&incoming).is_err(),
                "{expected}: incoming left behind"
            );
            assert_eq!(
                cas.get(&digest(b"sbom")),
                None,
                "{expected}: admitted anyway"
            );
        }
        assert!(
            !std::fs::metadata(outside.path())
                .unwrap()
                .permissions()
                .readonly(),
            "the link's target was touched"
        );
        let leftovers = std::fs::read_dir(cas.dir.path().join("tmp"))
            .unwrap()
            .count();
        assert_eq!(leftovers, 0, "staging files left behind");
    }
}
