//! OCI content descriptors as they cross the pipe.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An OCI content descriptor: what a piece of content is, its digest and its size.
///
/// Mirrors the OCI image-spec descriptor; `artifactType` is filled for referrers as the
/// distribution spec's referrers API does (the manifest's `artifactType`, else its config's
/// media type). Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the content the descriptor points at.
    pub media_type: String,
    /// Content digest, `algorithm:hex` (for example `sha256:…`).
    pub digest: String,
    /// Size of the content in bytes.
    pub size: u64,
    /// For an artifact manifest, its artifact type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// Annotations copied from the content or its descriptor.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Descriptor {
    /// A descriptor with just the three required fields.
    pub fn new(media_type: impl Into<String>, digest: impl Into<String>, size: u64) -> Self {
        Self {
            media_type: media_type.into(),
            digest: digest.into(),
            size,
            artifact_type: None,
            annotations: BTreeMap::new(),
        }
    }
}

/// The image being verified: the reference the user gave and the descriptor the host resolved
/// it to. The descriptor is authoritative; plugins never resolve the reference again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    /// The reference as the user wrote it (`registry/repo:tag`, `layout-dir@sha256:…`).
    pub reference: String,
    /// What the host resolved the reference to, once, before any verification.
    pub descriptor: Descriptor,
}
