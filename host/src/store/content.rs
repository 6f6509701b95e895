//! The checked layer over a store: digests, declared sizes, caps and referrer paging.

use std::collections::BTreeSet;
use std::sync::Arc;

use ratify_plugin_sdk::wire::{BlobFile, Descriptor, ManifestContent, Subject, oci};
use tokio::time::Instant;

use super::{Cas, StoreBackend};
use crate::digest::Digest;
use crate::error::{Error, Result};

/// Caps applied to everything fetched.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest manifest accepted.
    pub max_manifest_bytes: u64,
    /// Largest blob accepted.
    pub max_blob_bytes: u64,
    /// Most referrers evaluated per subject.
    pub max_referrers: usize,
}

/// Checked access to a store.
pub struct Content {
    backend: Arc<dyn StoreBackend>,
    cas: Cas,
    limits: Limits,
}

impl Content {
    /// Wraps `backend` with a fresh blob directory.
    pub fn new(backend: Arc<dyn StoreBackend>, limits: Limits) -> Result<Self> {
        Ok(Self {
            backend,
            cas: Cas::new()?,
            limits,
        })
    }

    /// The caps in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Resolves `reference` once; the digest it returns is what everything is checked against.
    pub async fn resolve(&self, reference: &str, deadline: Instant) -> Result<Descriptor> {
        let descriptor = self.backend.resolve(reference, deadline).await?;
        let digest = parse_digest(&descriptor.digest, self.backend.name())?;
        if let Some(pinned) = super::reference::digest(reference)
            && pinned != descriptor.digest
        {
            return Err(Error::store(format!(
                "store {} resolved {reference} to {}, not the digest the reference names",
                self.backend.name(),
                descriptor.digest
            )));
        }
        // The manifest must really have that digest and size: fetch and check it now, so a
        // lying store is caught before anything is verified against it.
        let manifest = self
            .manifest(reference, &digest.to_string(), deadline)
            .await?;
        if manifest.content.0.len() as u64 != descriptor.size {
            return Err(Error::store(format!(
                "store {} says {reference} is {} bytes, but its manifest is {}",
                self.backend.name(),
                descriptor.size,
                manifest.content.0.len()
            )));
        }
        Ok(Descriptor::new(
            manifest.media_type,
            descriptor.digest,
            descriptor.size,
        ))
    }

    /// Every referrer of `subject` of the given types (all when empty), deduplicated and sorted
    /// by digest. More than the cap is an error, never a silent truncation.
    pub async fn referrers(
        &self,
        subject: &Subject,
        artifact_types: &[String],
        deadline: Instant,
    ) -> Result<Vec<Descriptor>> {
        let cap = self.limits.max_referrers;
        let mut found: Vec<Descriptor> = Vec::new();
        let mut seen_digests = BTreeSet::new();
        let mut seen_tokens = BTreeSet::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .backend
                .list_referrers(subject, artifact_types, token.clone(), deadline)
                .await?;
            for referrer in page.referrers {
                parse_digest(&referrer.digest, self.backend.name())?;
                let wanted = artifact_types.is_empty()
                    || referrer
                        .artifact_type
                        .as_ref()
                        .is_some_and(|t| artifact_types.contains(t));
                if wanted && seen_digests.insert(referrer.digest.clone()) {
                    found.push(referrer);
                }
            }
            if found.len() > cap {
                return Err(too_many(subject, cap));
            }
            match page.next_page_token {
                Some(next) if seen_tokens.insert(next.clone()) => token = Some(next),
                Some(next) => {
                    return Err(Error::store(format!(
                        "store {} repeated page token {next:?} while listing referrers of {}",
                        self.backend.name(),
                        subject.descriptor.digest
                    )));
                }
                None => break,
            }
            if seen_tokens.len() > cap.saturating_add(1) {
                return Err(too_many(subject, cap));
            }
        }
        found.sort_by(|a, b| a.digest.cmp(&b.digest));
        Ok(found)
    }

    /// A manifest, checked against its digest and the cap.
    pub async fn manifest(
        &self,
        reference: &str,
        digest: &str,
        deadline: Instant,
    ) -> Result<ManifestContent> {
        let parsed = parse_digest(digest, self.backend.name())?;
        let manifest = self
            .backend
            .get_manifest(reference, digest, deadline)
            .await?;
        let len = manifest.content.0.len() as u64;
        if len > self.limits.max_manifest_bytes {
            return Err(Error::store(format!(
                "manifest {digest} is {len} bytes, over the {}-byte cap (maxManifestBytes)",
                self.limits.max_manifest_bytes
            )));
        }
        if !parsed.matches(&manifest.content.0) {
            return Err(Error::store(format!(
                "store {} returned a manifest for {digest} whose bytes do not match that digest",
                self.backend.name()
            )));
        }
        if !oci::is_manifest_media_type(&manifest.media_type) {
            tracing::debug!(digest, media_type = %manifest.media_type, "manifest of an unusual media type");
        }
        Ok(manifest)
    }

    /// A blob in the private directory, fetched once and checked.
    pub async fn blob(&self, reference: &str, digest: &str, deadline: Instant) -> Result<BlobFile> {
        let parsed = parse_digest(digest, self.backend.name())?;
        if let Some((path, size)) = self.cas.get(&parsed) {
            return Ok(blob_file(digest, size, &path));
        }
        let incoming = self.cas.incoming_path();
        let max = self.limits.max_blob_bytes;
        let written = self
            .backend
            .get_blob(reference, digest, &incoming, max, deadline)
            .await;
        if let Err(error) = written {
            let _ = std::fs::remove_file(&incoming);
            return Err(error);
        }
        let (path, size) = self.cas.admit(incoming, &parsed, None, max).await?;
        Ok(blob_file(digest, size, &path))
    }
}

fn blob_file(digest: &str, size: u64, path: &std::path::Path) -> BlobFile {
    BlobFile {
        digest: digest.to_owned(),
        size,
        path: path.display().to_string(),
    }
}

fn parse_digest(digest: &str, store: &str) -> Result<Digest> {
    Digest::parse(digest).map_err(|e| Error::store(format!("store {store}: {e}")))
}

fn too_many(subject: &Subject, cap: usize) -> Error {
    Error::artifact(format!(
        "{} has more than {cap} referrers; refusing to evaluate a partial set",
        subject.reference
    ))
    .with_remediation("raise `executor.maxReferrers`, or narrow the artifact types with -t")
}
