//! Where subjects, referrers, manifests and blobs come from.
//!
//! A [`StoreBackend`] fetches (today a store plugin; later the built-in registry store), and
//! [`Content`] sits between it and everything else, trusting nothing it returns: it checks
//! every digest and declared size, enforces the size caps, pages referrer lists up to the cap,
//! and keeps blobs in a private content-addressed directory that verifier plugins read.

mod cas;
mod content;
mod plugin_store;
pub mod reference;

use std::path::Path;

use async_trait::async_trait;
use ratify_plugin_sdk::wire::{Descriptor, ManifestContent, ReferrersPage, Subject};
use tokio::time::Instant;

use crate::error::Result;
pub use cas::Cas;
pub use content::{Content, Limits};
pub use plugin_store::PluginStore;

/// A source of content. Implementations need not check digests or sizes: [`Content`] does.
#[async_trait]
pub trait StoreBackend: Send + Sync {
    /// A name for messages.
    fn name(&self) -> &str;

    /// Resolves a reference to its manifest's descriptor.
    async fn resolve(&self, reference: &str, deadline: Instant) -> Result<Descriptor>;

    /// One page of a subject's referrers.
    async fn list_referrers(
        &self,
        subject: &Subject,
        artifact_types: &[String],
        page_token: Option<String>,
        deadline: Instant,
    ) -> Result<ReferrersPage>;

    /// A manifest's bytes.
    async fn get_manifest(
        &self,
        reference: &str,
        digest: &str,
        deadline: Instant,
    ) -> Result<ManifestContent>;

    /// Writes a blob to `destination`; returns the bytes written.
    async fn get_blob(
        &self,
        reference: &str,
        digest: &str,
        destination: &Path,
        max_bytes: u64,
        deadline: Instant,
    ) -> Result<u64>;
}
