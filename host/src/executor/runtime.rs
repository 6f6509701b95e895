//! How a configured verifier is run. Today every verifier is a plugin speaking protocol 1.0
//! through a [`PluginPool`]; Ratify v1's exec plugins (a process per call, driven by
//! environment variables) can be added later as a second implementation without touching the
//! executor.

use std::sync::Arc;

use async_trait::async_trait;
use ratify_plugin_sdk::wire::{VerifyParams, VerifyResult, method};
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::plugin::{HostServices, PluginPool};

/// Runs `verify` for one configured verifier.
#[async_trait]
pub trait VerifierRuntime: Send + Sync {
    /// The plugin's name, for messages.
    fn name(&self) -> &str;

    /// Verifies one referrer; `services` answers the plugin's requests for content.
    async fn verify(
        &self,
        params: &VerifyParams,
        services: Arc<dyn HostServices>,
        deadline: Instant,
    ) -> Result<VerifyResult>;
}

#[async_trait]
impl VerifierRuntime for PluginPool {
    fn name(&self) -> &str {
        PluginPool::name(self)
    }

    async fn verify(
        &self,
        params: &VerifyParams,
        services: Arc<dyn HostServices>,
        deadline: Instant,
    ) -> Result<VerifyResult> {
        let params = serde_json::to_value(params)
            .map_err(|e| Error::host(format!("cannot encode a verify request: {e}")))?;
        let value = self
            .call(method::VERIFY, params, Some(services), deadline)
            .await?;
        serde_json::from_value::<VerifyResult>(value).map_err(|e| {
            Error::plugin(format!(
                "plugin {} answered verify with a result that does not match the protocol: {e}",
                self.name()
            ))
        })
    }
}
