//! A store served by a store plugin process.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use ratify_plugin_sdk::wire::{
    BlobWritten, Descriptor, GetBlobParams, GetManifestParams, ListReferrersParams,
    ManifestContent, ReferrersPage, ResolveParams, ResolveResult, Subject, method,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::StoreBackend;
use crate::error::{Error, Result};
use crate::plugin::PluginPool;

/// Store methods forwarded to a plugin under one accepted config.
pub struct PluginStore {
    pool: Arc<PluginPool>,
    config_id: String,
}

impl PluginStore {
    /// A store over `pool` using the config accepted as `config_id`.
    pub fn new(pool: Arc<PluginPool>, config_id: String) -> Self {
        Self { pool, config_id }
    }

    async fn call<P: Serialize, R: DeserializeOwned>(
        &self,
        method: &str,
        params: P,
        deadline: Instant,
    ) -> Result<R> {
        let params = serde_json::to_value(params)
            .map_err(|e| Error::host(format!("cannot encode {method} params: {e}")))?;
        let value = self.pool.call(method, params, None, deadline).await?;
        serde_json::from_value(value).map_err(|e| {
            Error::plugin(format!(
                "store plugin {} answered {method} with a result that does not match the protocol: {e}",
                self.pool.name()
            ))
        })
    }
}

#[async_trait]
impl StoreBackend for PluginStore {
    fn name(&self) -> &str {
        self.pool.name()
    }

    async fn resolve(&self, reference: &str, deadline: Instant) -> Result<Descriptor> {
        let params = ResolveParams {
            config_id: self.config_id.clone(),
            reference: reference.to_owned(),
        };
        let result: ResolveResult = self.call(method::RESOLVE, params, deadline).await?;
        Ok(result.descriptor)
    }

    async fn list_referrers(
        &self,
        subject: &Subject,
        artifact_types: &[String],
        page_token: Option<String>,
        deadline: Instant,
    ) -> Result<ReferrersPage> {
        let params = ListReferrersParams {
            config_id: self.config_id.clone(),
            subject: subject.clone(),
            artifact_types: artifact_types.to_vec(),
            page_token,
        };
        self.call(method::LIST_REFERRERS, params, deadline).await
    }

    async fn get_manifest(
        &self,
        reference: &str,
        digest: &str,
        deadline: Instant,
    ) -> Result<ManifestContent> {
        let params = GetManifestParams {
            config_id: self.config_id.clone(),
            reference: reference.to_owned(),
            digest: digest.to_owned(),
        };
        self.call(method::GET_MANIFEST, params, deadline).await
    }

    async fn get_blob(
        &self,
        reference: &str,
        digest: &str,
        destination: &Path,
        max_bytes: u64,
        deadline: Instant,
    ) -> Result<u64> {
        let params = GetBlobParams {
            config_id: self.config_id.clone(),
            reference: reference.to_owned(),
            digest: digest.to_owned(),
            destination: destination.display().to_string(),
            max_bytes,
        };
        let written: BlobWritten = self.call(method::GET_BLOB, params, deadline).await?;
        Ok(written.size)
    }
}
