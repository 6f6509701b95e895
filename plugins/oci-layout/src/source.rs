//! Raw access to a layout's files, whether it is a directory or a tarball of one.
//!
//! A tarball is indexed once (entry name → data offset and size, read from the headers while
//! seeking over the data), then each file is read by seeking to its offset, so a multi-gigabyte
//! tar is never scanned twice and concurrent reads need no shared file handle.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use ratify_plugin_sdk::wire::WireError;

use crate::errors;

/// What identifies one version of a layout: the length and mtime of index.json (for a
/// directory) or of the tarball. A change in either means the cached state is stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

/// Where a tar entry's bytes are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TarEntry {
    offset: u64,
    size: u64,
}

/// A layout's files.
#[derive(Debug)]
pub(crate) enum Source {
    /// A layout directory (canonical path).
    Dir(PathBuf),
    /// A tarball (canonical path) and its regular files by normalized name.
    Tar {
        file: PathBuf,
        entries: HashMap<String, TarEntry>,
    },
}

/// An opened file: a reader over exactly its bytes (unless it changes underneath) and its size.
pub(crate) struct Opened {
    pub reader: Box<dyn Read>,
    pub size: u64,
}

impl Source {
    /// The current stamp of the layout at `path` (canonical).
    pub fn stamp(path: &Path) -> Result<Stamp, WireError> {
        let meta = fs::metadata(path).map_err(|e| errors::io(path, "the layout", e))?;
        let meta = if meta.is_dir() {
            let index = path.join("index.json");
            fs::metadata(&index).map_err(|e| errors::io(path, "index.json", e))?
        } else {
            meta
        };
        Ok(Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }

    /// Opens the layout at `path` (canonical): a directory as is, a regular file as a tarball.
    pub fn open(path: &Path) -> Result<Self, WireError> {
        let meta = fs::metadata(path).map_err(|e| errors::io(path, "the layout", e))?;
        if meta.is_dir() {
            Ok(Source::Dir(path.to_path_buf()))
        } else if meta.is_file() {
            let entries = index_tar(path).map_err(|e| errors::io(path, "the tar archive", e))?;
            Ok(Source::Tar {
                file: path.to_path_buf(),
                entries,
            })
        } else {
            Err(errors::unavailable(format!(
                "{} is neither a directory nor a tar file, so it cannot be an OCI layout",
                path.display()
            )))
        }
    }

    /// The layout's path, for messages.
    pub fn path(&self) -> &Path {
        match self {
            Source::Dir(p) => p,
            Source::Tar { file, .. } => file,
        }
    }

    /// Opens the regular file `name` (relative, `/`-separated); `None` when it is absent.
    pub fn open_file(&self, name: &str) -> Result<Option<Opened>, WireError> {
        let result = match self {
            Source::Dir(root) => open_in_dir(root, name),
            Source::Tar { file, entries } => match entries.get(name) {
                None => Ok(None),
                Some(entry) => open_in_tar(file, *entry),
            },
        };
        result.map_err(|e| errors::io(self.path(), name, e))
    }

    /// Reads a small file whole, refusing one over `cap` bytes before reading it.
    pub fn read_small(&self, name: &str, cap: u64) -> Result<Option<Vec<u8>>, WireError> {
        let Some(opened) = self.open_file(name)? else {
            return Ok(None);
        };
        if opened.size > cap {
            return Err(errors::too_large(
                self.path(),
                name,
                opened.size,
                cap,
                "file",
            ));
        }
        read_exact_size(opened, self.path(), name).map(Some)
    }
}

/// Reads all of `opened`, failing if the file is not exactly its recorded size (it changed).
pub(crate) fn read_exact_size(
    opened: Opened,
    layout: &Path,
    name: &str,
) -> Result<Vec<u8>, WireError> {
    let mut bytes = Vec::with_capacity(usize::try_from(opened.size).unwrap_or(0));
    // One byte more than expected is enough to notice a file that grew since it was measured.
    opened
        .reader
        .take(opened.size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| errors::io(layout, name, e))?;
    if bytes.len() as u64 != opened.size {
        return Err(errors::unavailable(format!(
            "{name} in the OCI layout at {} changed while being read ({} bytes expected, {} read)",
            layout.display(),
            opened.size,
            bytes.len()
        )));
    }
    Ok(bytes)
}

fn open_in_dir(root: &Path, name: &str) -> io::Result<Option<Opened>> {
    let file = match File::open(root.join(name)) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    // The size comes from the open handle, so it describes the very file being read.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(None);
    }
    Ok(Some(Opened {
        size: meta.len(),
        reader: Box::new(file),
    }))
}

fn open_in_tar(tar: &Path, entry: TarEntry) -> io::Result<Option<Opened>> {
    let mut file = File::open(tar)?;
    file.seek(SeekFrom::Start(entry.offset))?;
    Ok(Some(Opened {
        size: entry.size,
        reader: Box::new(file.take(entry.size)),
    }))
}

/// Lists the tarball's regular files once, by normalized name.
fn index_tar(path: &Path) -> io::Result<HashMap<String, TarEntry>> {
    let mut archive = tar::Archive::new(File::open(path)?);
    let mut entries = HashMap::new();
    for entry in archive.entries_with_seek()? {
        let entry = entry?;
        // Only plain files: links could point anywhere and sparse files are not stored
        // contiguously, so neither can be served by seeking.
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            continue;
        }
        let Some(name) = normalize(&entry.path()?) else {
            continue;
        };
        // A later entry with the same name replaces an earlier one, as in tar extraction.
        entries.insert(
            name,
            TarEntry {
                offset: entry.raw_file_position(),
                size: entry.size(),
            },
        );
    }
    Ok(entries)
}

/// `./blobs/sha256/x` and `blobs/sha256/x` are the same file; names that climb out of the
/// archive root or are absolute are dropped, as no layout file can have them.
fn normalize(path: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_tar_names() {
        assert_eq!(
            normalize(Path::new("./index.json")).as_deref(),
            Some("index.json")
        );
        assert_eq!(
            normalize(Path::new("blobs/sha256/ab")).as_deref(),
            Some("blobs/sha256/ab")
        );
        assert_eq!(
            normalize(Path::new("./././oci-layout")).as_deref(),
            Some("oci-layout")
        );
        assert_eq!(normalize(Path::new("../index.json")), None);
        assert_eq!(normalize(Path::new("/index.json")), None);
        assert_eq!(normalize(Path::new("./")), None);
    }
}
