//! One opened OCI layout: its validated `oci-layout` marker, its index.json, digest-checked
//! reads of manifests and blobs, and tag/digest resolution.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ratify_plugin_sdk::wire::oci::{
    IMAGE_INDEX, IMAGE_MANIFEST, ImageIndex, is_manifest_media_type,
};
use ratify_plugin_sdk::wire::{Descriptor, Fault, WireError, code};
use serde_json::Value;

use crate::digest::Digest;
use crate::errors;
use crate::reference::Target;
use crate::referrers::Graph;
use crate::source::{Opened, Source, Stamp, read_exact_size};

/// The annotation that carries a tag in index.json.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The only layout version defined by the image spec.
const LAYOUT_VERSION: &str = "1.0.0";
/// index.json can list many tags, but a layout that needs more than this is not plausible.
const MAX_INDEX_JSON_BYTES: u64 = 32 * 1024 * 1024;
const MAX_OCI_LAYOUT_BYTES: u64 = 4096;

/// An opened layout and the state derived from it.
#[derive(Debug)]
pub(crate) struct Layout {
    source: Source,
    /// The stamp taken before index.json was read, so a concurrent change forces a reload.
    pub stamp: Stamp,
    /// The descriptors listed in index.json.
    pub index: Vec<Descriptor>,
    /// The referrer graph, built on first use.
    graph: Mutex<Option<Arc<Graph>>>,
}

impl Layout {
    /// Opens the layout at `path` (canonical), checking `oci-layout` and reading index.json.
    pub fn open(path: &Path, stamp: Stamp) -> Result<Self, WireError> {
        let source = Source::open(path)?;
        check_marker(&source)?;
        let bytes = source
            .read_small("index.json", MAX_INDEX_JSON_BYTES)?
            .ok_or_else(|| {
                errors::unavailable(format!(
                    "{} is not an OCI layout: it has no index.json",
                    path.display()
                ))
            })?;
        let index: ImageIndex = serde_json::from_slice(&bytes).map_err(|e| {
            errors::unavailable(format!(
                "index.json of the OCI layout at {} is not a valid image index: {e}",
                path.display()
            ))
        })?;
        Ok(Self {
            source,
            stamp,
            index: index.manifests,
            graph: Mutex::new(None),
        })
    }

    /// The layout's canonical path, for messages.
    pub fn path(&self) -> &Path {
        self.source.path()
    }

    /// The referrer graph, building it on first use (errors are not cached, so a fixed layout
    /// works on the next request).
    pub fn graph(&self) -> Result<Arc<Graph>, WireError> {
        let mut slot = self.graph.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(graph) = slot.as_ref() {
            return Ok(Arc::clone(graph));
        }
        let graph = Arc::new(Graph::build(self)?);
        *slot = Some(Arc::clone(&graph));
        Ok(graph)
    }

    /// Resolves a tag or digest to the descriptor of its manifest: media type, digest, size.
    pub fn resolve(&self, target: &Target, cap: u64) -> Result<Descriptor, WireError> {
        match target {
            Target::Tag(tag) => self.resolve_tag(tag),
            Target::Digest(text) => {
                let digest = Digest::parse(text).map_err(|reason| {
                    WireError::config(format!("reference digest {text:?} is malformed: {reason}"))
                })?;
                self.resolve_digest(&digest, cap)
            }
        }
    }

    fn resolve_tag(&self, tag: &str) -> Result<Descriptor, WireError> {
        let mut matches = self
            .index
            .iter()
            .filter(|d| d.annotations.get(REF_NAME).is_some_and(|name| name == tag));
        let Some(first) = matches.next() else {
            return Err(errors::not_found(format!(
                "tag {tag} is not in the OCI layout at {} (no index.json entry has {REF_NAME}={tag})",
                self.path().display()
            )));
        };
        // Repeating an identical entry is harmless; two different manifests under one tag are not.
        if let Some(other) = matches.find(|d| d.digest != first.digest) {
            return Err(errors::unavailable(format!(
                "tag {tag} is ambiguous in the OCI layout at {}: index.json gives it to both {} and {}",
                self.path().display(),
                first.digest,
                other.digest
            )));
        }
        Ok(Descriptor::new(
            &first.media_type,
            &first.digest,
            first.size,
        ))
    }

    fn resolve_digest(&self, digest: &Digest, cap: u64) -> Result<Descriptor, WireError> {
        let text = digest.to_string();
        if let Some(entry) = self.index.iter().find(|d| d.digest == text) {
            return Ok(Descriptor::new(
                &entry.media_type,
                &entry.digest,
                entry.size,
            ));
        }
        // Not listed in index.json (e.g. a child of an index): accept a manifest blob.
        let bytes = self
            .read_verified(digest, cap, "manifest")?
            .ok_or_else(|| {
                errors::not_found(format!(
                    "manifest {text} is not in the OCI layout at {}",
                    self.path().display()
                ))
            })?;
        match media_type_of(&bytes) {
            Ok(media_type) if is_manifest_media_type(&media_type) => {
                Ok(Descriptor::new(media_type, text, bytes.len() as u64))
            }
            Ok(media_type) => Err(errors::not_found(format!(
                "{text} in the OCI layout at {} is a {media_type} blob, not a manifest",
                self.path().display()
            ))),
            Err(reason) => Err(errors::not_found(format!(
                "{text} in the OCI layout at {} is not a manifest: {reason}",
                self.path().display()
            ))),
        }
    }

    /// Reads a blob whole and checks its digest; refuses one over `cap` bytes before reading
    /// it. `None` when the blob is absent.
    pub fn read_verified(
        &self,
        digest: &Digest,
        cap: u64,
        kind: &str,
    ) -> Result<Option<Vec<u8>>, WireError> {
        let name = digest.blob_path();
        let Some(opened) = self.source.open_file(&name)? else {
            return Ok(None);
        };
        let text = digest.to_string();
        if opened.size > cap {
            return Err(errors::too_large(
                self.path(),
                &text,
                opened.size,
                cap,
                kind,
            ));
        }
        let bytes = read_exact_size(opened, self.path(), &name)?;
        let mut hasher = digest.hasher();
        hasher.update(&bytes);
        let actual = hasher.finish();
        if actual != text {
            return Err(errors::digest_mismatch(self.path(), &text, &actual));
        }
        Ok(Some(bytes))
    }

    /// Copies a blob into the new file `destination`, checking its size against `max_bytes`
    /// first and its digest while copying; on any failure the partial file is removed.
    pub fn copy_blob(
        &self,
        digest: &Digest,
        destination: &Path,
        max_bytes: u64,
    ) -> Result<u64, WireError> {
        let text = digest.to_string();
        let opened = self.source.open_file(&digest.blob_path())?.ok_or_else(|| {
            errors::not_found(format!(
                "blob {text} is not in the OCI layout at {}",
                self.path().display()
            ))
        })?;
        if opened.size > max_bytes {
            return Err(errors::too_large(
                self.path(),
                &text,
                opened.size,
                max_bytes,
                "blob",
            ));
        }
        // create_new: never overwrite (or follow a symlink planted at) the destination.
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(destination)
            .map_err(|e| destination_error(destination, e))?;
        let result = self.copy_checked(opened, &mut out, digest, destination);
        drop(out);
        if result.is_err() {
            // Best effort: the error being returned matters more than a failed cleanup.
            let _ = fs::remove_file(destination);
        }
        result
    }

    fn copy_checked(
        &self,
        opened: Opened,
        out: &mut fs::File,
        digest: &Digest,
        destination: &Path,
    ) -> Result<u64, WireError> {
        let text = digest.to_string();
        let expected = opened.size;
        // One byte past the measured size is read so that a growing file is noticed.
        let mut reader = opened.reader.take(expected.saturating_add(1));
        let mut hasher = digest.hasher();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut copied: u64 = 0;
        loop {
            let n = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(errors::io(self.path(), &format!("blob {text}"), e)),
            };
            copied += n as u64;
            if copied > expected {
                break;
            }
            let chunk = buffer.get(..n).unwrap_or_default();
            hasher.update(chunk);
            out.write_all(chunk)
                .map_err(|e| destination_error(destination, e))?;
        }
        if copied != expected {
            return Err(errors::unavailable(format!(
                "blob {text} in the OCI layout at {} changed while being copied ({expected} bytes expected)",
                self.path().display()
            )));
        }
        let actual = hasher.finish();
        if actual != text {
            return Err(errors::digest_mismatch(self.path(), &text, &actual));
        }
        Ok(copied)
    }
}

fn destination_error(destination: &Path, err: io::Error) -> WireError {
    let message = format!("cannot write blob to {}: {err}", destination.display());
    if err.kind() == io::ErrorKind::AlreadyExists {
        // The host must name a fresh path; existing files are never overwritten.
        WireError::new(code::INVALID_PARAMS, Fault::Host, message)
    } else {
        WireError::internal(message)
    }
}

/// Checks the `oci-layout` marker file, `{"imageLayoutVersion":"1.0.0"}`.
fn check_marker(source: &Source) -> Result<(), WireError> {
    let path = source.path();
    let not_layout = |why: String| {
        errors::unavailable(format!("{} is not an OCI layout: {why}", path.display()))
            .with_remediation("point the reference at a directory (or .tar) written by `oras`, `notation` or `skopeo` in OCI layout format")
    };
    let bytes = source
        .read_small("oci-layout", MAX_OCI_LAYOUT_BYTES)?
        .ok_or_else(|| not_layout("it has no oci-layout file".to_string()))?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| not_layout(format!("its oci-layout file is not JSON: {e}")))?;
    match value.get("imageLayoutVersion").and_then(Value::as_str) {
        Some(LAYOUT_VERSION) => Ok(()),
        Some(other) => Err(not_layout(format!(
            "its oci-layout file has imageLayoutVersion {other:?}, only {LAYOUT_VERSION:?} is supported"
        ))),
        None => Err(not_layout(
            "its oci-layout file has no imageLayoutVersion".to_string(),
        )),
    }
}

/// A manifest's media type: its `mediaType` field, else inferred from its shape.
pub(crate) fn media_type_of(bytes: &[u8]) -> Result<String, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let object = value.as_object().ok_or("not a JSON object")?;
    if let Some(media_type) = object.get("mediaType") {
        return media_type
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| "its mediaType is not a string".to_string());
    }
    if object.contains_key("manifests") {
        Ok(IMAGE_INDEX.to_string())
    } else if object.contains_key("config") {
        Ok(IMAGE_MANIFEST.to_string())
    } else {
        Err("it has no mediaType, manifests or config".to_string())
    }
}

/// The canonical form of a layout path, the key of the layout cache.
pub(crate) fn canonical(path: &Path) -> Result<PathBuf, WireError> {
    fs::canonicalize(path).map_err(|e| {
        errors::unavailable(format!(
            "cannot open the OCI layout at {}: {e}",
            path.display()
        ))
        .with_remediation(
            "check the path in the reference (<dir>:<tag>, <dir>@<digest>, or a .tar of a layout)",
        )
    })
}
