//! A Ratify store plugin over OCI image layouts: a directory, or a `.tar` of one.
//!
//! References take notation's `--oci-layout` form, `<layout path>:<tag>` or
//! `<layout path>@<digest>` (see [`Reference::parse`]). Every byte served is checked against
//! its digest, manifests are capped in size before they are read, and digests are parsed
//! strictly so that none can name a file outside `blobs/`.
//!
//! The binary `ratify-oci-layout` is just `store::run(OciLayoutStore::default())`.

mod cache;
mod config;
mod digest;
mod errors;
mod layout;
mod reference;
mod referrers;
mod source;

use std::path::Path;

use ratify_plugin_sdk::PluginInfo;
use ratify_plugin_sdk::store::Store;
use ratify_plugin_sdk::wire::{
    Base64Bytes, Descriptor, ManifestContent, ReferrersPage, Subject, WireError,
};
use serde_json::Value;

pub use config::{DEFAULT_MAX_MANIFEST_BYTES, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, OciLayoutConfig};
pub use digest::{Algorithm, Digest, digest_of};
pub use reference::{Reference, Target};

use cache::LayoutCache;

/// The store: stateless apart from a cache of opened layouts shared by all configs.
#[derive(Debug, Default)]
pub struct OciLayoutStore {
    layouts: LayoutCache,
}

impl OciLayoutStore {
    /// A store with an empty layout cache.
    pub fn new() -> Self {
        Self::default()
    }
}

/// A digest that arrived in a request (not typed by the user) and fails to parse.
fn request_digest(text: &str) -> Result<Digest, WireError> {
    Digest::parse(text).map_err(|reason| errors::bad_request_digest(text, &reason))
}

impl Store for OciLayoutStore {
    type Config = OciLayoutConfig;

    fn info(&self) -> PluginInfo {
        PluginInfo::new("oci-layout", env!("CARGO_PKG_VERSION"))
    }

    fn configure(&self, name: &str, config: &Value) -> Result<OciLayoutConfig, WireError> {
        OciLayoutConfig::from_value(name, config)
    }

    fn resolve(&self, config: &OciLayoutConfig, reference: &str) -> Result<Descriptor, WireError> {
        let parsed = Reference::parse(reference)?;
        let layout = self.layouts.get(&parsed.path)?;
        layout.resolve(&parsed.target, config.max_manifest_bytes)
    }

    fn list_referrers(
        &self,
        config: &OciLayoutConfig,
        subject: &Subject,
        artifact_types: &[String],
        page_token: Option<&str>,
    ) -> Result<ReferrersPage, WireError> {
        let parsed = Reference::parse(&subject.reference)?;
        let digest = request_digest(&subject.descriptor.digest)?;
        let layout = self.layouts.get(&parsed.path)?;
        layout.graph()?.page(
            &digest,
            artifact_types,
            page_token,
            config.page_size,
            config.cosign_enabled,
        )
    }

    fn get_manifest(
        &self,
        config: &OciLayoutConfig,
        reference: &str,
        digest: &str,
    ) -> Result<ManifestContent, WireError> {
        let parsed = Reference::parse(reference)?;
        let digest = request_digest(digest)?;
        let layout = self.layouts.get(&parsed.path)?;
        let bytes = layout
            .read_verified(&digest, config.max_manifest_bytes, "manifest")?
            .ok_or_else(|| {
                errors::not_found(format!(
                    "manifest {digest} is not in the OCI layout at {}",
                    layout.path().display()
                ))
            })?;
        let media_type = layout::media_type_of(&bytes).map_err(|reason| {
            WireError::artifact(format!(
                "{digest} in the OCI layout at {} is not a manifest: {reason}",
                layout.path().display()
            ))
        })?;
        Ok(ManifestContent {
            media_type,
            content: Base64Bytes(bytes),
        })
    }

    fn get_blob(
        &self,
        _config: &OciLayoutConfig,
        reference: &str,
        digest: &str,
        destination: &Path,
        max_bytes: u64,
    ) -> Result<u64, WireError> {
        let parsed = Reference::parse(reference)?;
        let digest = request_digest(digest)?;
        let layout = self.layouts.get(&parsed.path)?;
        layout.copy_blob(&digest, destination, max_bytes)
    }
}
