//! What a verifier plugin may ask the host for while it verifies one referrer: content from
//! the subject's repository, fetched and checked by [`Content`].

use std::sync::Arc;

use async_trait::async_trait;
use ratify_plugin_sdk::wire::{BlobFile, Descriptor, ManifestContent, ReferrersPage, Subject};
use tokio::time::Instant;

use crate::error::Result;
use crate::plugin::HostServices;
use crate::store::{Content, reference};

/// Serves one `verify` call, bounded by its deadline.
pub struct VerifyServices {
    content: Arc<Content>,
    reference: String,
    deadline: Instant,
}

impl VerifyServices {
    /// Services for verifying a referrer of `subject`.
    pub fn new(content: Arc<Content>, subject: &Subject, deadline: Instant) -> Self {
        Self {
            content,
            reference: subject.reference.clone(),
            deadline,
        }
    }
}

#[async_trait]
impl HostServices for VerifyServices {
    fn deadline(&self) -> Instant {
        self.deadline
    }

    async fn get_manifest(&self, digest: &str) -> Result<ManifestContent> {
        self.content
            .manifest(&self.reference, digest, self.deadline)
            .await
    }

    async fn get_blob(&self, digest: &str) -> Result<BlobFile> {
        self.content
            .blob(&self.reference, digest, self.deadline)
            .await
    }

    async fn list_referrers(&self, digest: &str, types: &[String]) -> Result<ReferrersPage> {
        // The store wants the subject's descriptor; the manifest (checked) provides it.
        let manifest = self
            .content
            .manifest(&self.reference, digest, self.deadline)
            .await?;
        let subject = Subject {
            reference: reference::with_digest(&self.reference, digest),
            descriptor: Descriptor::new(
                manifest.media_type,
                digest,
                manifest.content.0.len() as u64,
            ),
        };
        let referrers = self
            .content
            .referrers(&subject, types, self.deadline)
            .await?;
        Ok(ReferrersPage {
            referrers,
            next_page_token: None,
        })
    }
}
