//! Reading the OCI image layout being pushed: a directory or a `.tar` of one. Every manifest
//! is digest-checked as it is read, and blobs are hashed before they are pushed, so bytes that
//! do not match their digest never leave the machine.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use ratify_plugin_sdk::wire::Descriptor;
use ratify_plugin_sdk::wire::oci::ImageIndex;

use super::tar;
use crate::digest::Digest;
use crate::error::{Error, Result};

/// index.json can list many tags, but a layout that needs more than this is not plausible.
const MAX_INDEX_JSON_BYTES: u64 = 32 * 1024 * 1024;
/// Distribution's own manifest size limit: a larger manifest could not be pushed anyway.
pub const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;

/// Where a file of the layout is: a path, and for a tar the span of the entry's bytes.
#[derive(Debug, Clone)]
pub struct Location {
    /// The file to open.
    pub path: PathBuf,
    /// Where the bytes start (0 for a directory's file).
    pub offset: u64,
    /// How many bytes there are.
    pub size: u64,
}

#[derive(Debug)]
enum Source {
    Dir(PathBuf),
    Tar {
        file: PathBuf,
        entries: HashMap<String, tar::Entry>,
    },
}

/// An opened layout and its index.json entries.
#[derive(Debug)]
pub struct Layout {
    source: Source,
    /// What index.json lists.
    pub index: Vec<Descriptor>,
}

impl Layout {
    /// Opens the layout at `path` and reads its index.json.
    pub fn open(path: &Path) -> Result<Self> {
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::usage(format!(
                "cannot open the OCI layout at {}: {e}",
                path.display()
            ))
        })?;
        let source = if meta.is_dir() {
            Source::Dir(path.to_path_buf())
        } else {
            let mut file = File::open(path).map_err(|e| io_error(path, "the tar archive", &e))?;
            let entries =
                tar::index(&mut file).map_err(|e| io_error(path, "the tar archive", &e))?;
            Source::Tar {
                file: path.to_path_buf(),
                entries,
            }
        };
        let mut layout = Self {
            source,
            index: Vec::new(),
        };
        if layout.locate("oci-layout")?.is_none() {
            return Err(layout.corrupt("it has no oci-layout file, so it is not an OCI layout"));
        }
        let bytes = layout
            .read("index.json", MAX_INDEX_JSON_BYTES)?
            .ok_or_else(|| layout.corrupt("it has no index.json"))?;
        let index: ImageIndex = serde_json::from_slice(&bytes)
            .map_err(|e| layout.corrupt(format!("its index.json is not an image index: {e}")))?;
        layout.index = index.manifests;
        Ok(layout)
    }

    /// The layout's path, for messages.
    pub fn path(&self) -> &Path {
        match &self.source {
            Source::Dir(path) => path,
            Source::Tar { file, .. } => file,
        }
    }

    /// Where the blob `digest` is, or `None` when the layout lacks it.
    pub fn blob(&self, digest: &Digest) -> Result<Option<Location>> {
        self.locate(&blob_name(digest))
    }

    /// Reads a manifest blob whole and checks it against its digest; `None` when absent.
    pub fn manifest(&self, digest: &Digest) -> Result<Option<Vec<u8>>> {
        let name = blob_name(digest);
        let Some(bytes) = self.read(&name, MAX_MANIFEST_BYTES)? else {
            return Ok(None);
        };
        if !digest.matches(&bytes) {
            return Err(self.mismatch(digest));
        }
        Ok(Some(bytes))
    }

    /// Hashes a blob and checks its digest and its descriptor's size.
    pub fn verify_blob(&self, digest: &Digest, location: &Location, size: u64) -> Result<()> {
        let name = blob_name(digest);
        let mut reader = open(location).map_err(|e| io_error(self.path(), &name, &e))?;
        let (matches, read) = digest
            .matches_reader(&mut reader)
            .map_err(|e| io_error(self.path(), &name, &e))?;
        if !matches {
            return Err(self.mismatch(digest));
        }
        if read != size {
            return Err(self.corrupt(format!(
                "{name} has {read} bytes but its descriptor says {size}"
            )));
        }
        Ok(())
    }

    /// An error about this layout's content.
    pub fn corrupt(&self, reason: impl std::fmt::Display) -> Error {
        Error::artifact(format!(
            "the OCI layout at {} is unusable: {reason}",
            self.path().display()
        ))
    }

    fn mismatch(&self, digest: &Digest) -> Error {
        Error::artifact(format!(
            "{} in the OCI layout at {} does not match its digest {digest}: the layout is corrupt \
             or was tampered with, so nothing of it was pushed",
            blob_name(digest),
            self.path().display()
        ))
    }

    fn locate(&self, name: &str) -> Result<Option<Location>> {
        match &self.source {
            Source::Dir(root) => {
                let path = root.join(name);
                match std::fs::metadata(&path) {
                    Ok(meta) if meta.is_file() => Ok(Some(Location {
                        path,
                        offset: 0,
                        size: meta.len(),
                    })),
                    Ok(_) => Ok(None),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(io_error(root, name, &e)),
                }
            }
            Source::Tar { file, entries } => Ok(entries.get(name).map(|entry| Location {
                path: file.clone(),
                offset: entry.offset,
                size: entry.size,
            })),
        }
    }

    fn read(&self, name: &str, cap: u64) -> Result<Option<Vec<u8>>> {
        let Some(location) = self.locate(name)? else {
            return Ok(None);
        };
        if location.size > cap {
            return Err(self.corrupt(format!(
                "{name} is {} bytes, over the {cap}-byte limit",
                location.size
            )));
        }
        let mut bytes = Vec::new();
        open(&location)
            .and_then(|reader| reader.take(cap).read_to_end(&mut bytes))
            .map_err(|e| io_error(self.path(), name, &e))?;
        Ok(Some(bytes))
    }
}

/// `blobs/<alg>/<hex>`.
pub fn blob_name(digest: &Digest) -> String {
    format!("blobs/{}/{}", digest.algorithm(), digest.hex())
}

/// A reader over exactly the location's bytes.
pub fn open(location: &Location) -> std::io::Result<std::io::Take<File>> {
    let mut file = File::open(&location.path)?;
    file.seek(SeekFrom::Start(location.offset))?;
    Ok(file.take(location.size))
}

fn io_error(layout: &Path, what: &str, error: &std::io::Error) -> Error {
    Error::artifact(format!(
        "cannot read {what} of the OCI layout at {}: {error}",
        layout.display()
    ))
}
