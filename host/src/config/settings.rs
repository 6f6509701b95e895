//! The `executor` section: deadlines, caps and plugin process limits, with their defaults.

use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};

/// Deadlines, caps and limits. Ratify v1's `verificationRequestTimeout` is honoured; the other
/// keys are ours.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExecutorSettings {
    /// Deadline for verifying one subject, in milliseconds (Ratify v1's key).
    pub verification_request_timeout: u64,
    /// Ratify v1's mutation timeout; accepted, unused by the CLI.
    pub mutation_request_timeout: u64,
    /// Deadline for starting a plugin and completing its handshake and configure, in ms.
    pub plugin_start_timeout: u64,
    /// Referrers evaluated per subject; more is a deny, never a silent truncation.
    pub max_referrers: usize,
    /// How deep nested verification (signatures on SBOMs, …) may go.
    pub max_nested_depth: usize,
    /// Verifier calls in flight at once for one subject.
    pub max_concurrency: usize,
    /// Processes kept per plugin binary.
    pub max_processes_per_plugin: usize,
    /// Longest protocol line accepted from a plugin.
    pub max_plugin_message_bytes: usize,
    /// stderr bytes forwarded to the log per plugin process; the rest is drained and dropped.
    pub max_plugin_log_bytes: usize,
    /// Largest manifest fetched.
    pub max_manifest_bytes: u64,
    /// Largest blob fetched.
    pub max_blob_bytes: u64,
    /// Host environment variables passed to plugins besides the minimal set (e.g. proxies).
    pub plugin_env: Vec<String>,
}

impl Default for ExecutorSettings {
    fn default() -> Self {
        Self {
            verification_request_timeout: 5_000,
            mutation_request_timeout: 950,
            plugin_start_timeout: 5_000,
            max_referrers: 100,
            max_nested_depth: 3,
            max_concurrency: 8,
            max_processes_per_plugin: 4,
            max_plugin_message_bytes: ratify_plugin_sdk::wire::DEFAULT_MAX_LINE_BYTES,
            max_plugin_log_bytes: 1024 * 1024,
            max_manifest_bytes: 4 * 1024 * 1024,
            max_blob_bytes: 32 * 1024 * 1024,
            plugin_env: Vec::new(),
        }
    }
}

impl ExecutorSettings {
    /// The per-subject deadline.
    pub fn verification_timeout(&self) -> Duration {
        Duration::from_millis(self.verification_request_timeout)
    }

    /// The plugin start deadline.
    pub fn start_timeout(&self) -> Duration {
        Duration::from_millis(self.plugin_start_timeout)
    }

    pub(super) fn validate(&self) -> Result<()> {
        let positive = [
            (
                "verificationRequestTimeout",
                self.verification_request_timeout as usize,
            ),
            ("pluginStartTimeout", self.plugin_start_timeout as usize),
            ("maxConcurrency", self.max_concurrency),
            ("maxProcessesPerPlugin", self.max_processes_per_plugin),
            ("maxPluginMessageBytes", self.max_plugin_message_bytes),
            ("maxManifestBytes", self.max_manifest_bytes as usize),
            ("maxBlobBytes", self.max_blob_bytes as usize),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(Error::config(format!(
                    "`executor.{key}` must be greater than 0"
                )));
            }
        }
        Ok(())
    }
}
