//! Turning a config into running parts: plugin pools, the store, configured verifiers, the
//! executor. Loading validates every config object with its plugin, so a bad config fails here
//! and never at the first verification.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ratify_plugin_sdk::wire::{ConfigureParams, PluginKind};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::config::Config;
use crate::error::Result;
use crate::executor::{BoundVerifier, Executor};
use crate::plugin::{PluginDirs, PluginPool, ProcessSettings};
use crate::registry::{RegistryConfig, RegistryStore};
use crate::store::{Content, Limits, PluginStore, StoreBackend};

/// The store plugin that reads OCI image layouts.
pub const OCI_LAYOUT_PLUGIN: &str = "oci-layout";

/// Which store serves the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreChoice {
    /// The store from config.json.
    FromConfig,
    /// The OCI layout store (`--oci-layout`).
    OciLayout,
}

/// Everything a command needs. Built in two steps so the command line can shut plugins down
/// on Ctrl-C even while they are still starting: [`Engine::prepare`] finds every plugin and
/// builds the parts without starting anything, [`Engine::start`] starts the plugins and has
/// them validate their configs.
pub struct Engine {
    /// Checked access to the store.
    pub content: Arc<Content>,
    /// The verifier runner (empty of verifiers for commands that only read).
    pub executor: Executor,
    pools: Vec<Arc<PluginPool>>,
    configs: Vec<(Arc<PluginPool>, ConfigureParams)>,
    start_timeout: Duration,
}

impl Engine {
    /// Finds the store's plugin and, when `with_verifiers`, every verifier's; starts nothing.
    pub fn prepare(config: &Config, store: StoreChoice, with_verifiers: bool) -> Result<Self> {
        let mut loader = Loader {
            dirs: PluginDirs::new(&config.plugin_bin_dirs),
            settings: ProcessSettings {
                max_line: config.executor.max_plugin_message_bytes,
                max_log_bytes: config.executor.max_plugin_log_bytes,
                env_passthrough: config.executor.plugin_env.clone(),
                log_level: config.log_level.clone(),
            },
            start_timeout: config.executor.start_timeout(),
            max_processes: config.executor.max_processes_per_plugin,
            pools: HashMap::new(),
        };
        let limits = Limits {
            max_manifest_bytes: config.executor.max_manifest_bytes,
            max_blob_bytes: config.executor.max_blob_bytes,
            max_referrers: config.executor.max_referrers,
        };
        let mut configs = Vec::new();
        let backend: Arc<dyn StoreBackend> = match store_kind(config, store)? {
            StoreKind::Registry(registry) => Arc::new(RegistryStore::new(
                registry,
                config.executor.max_manifest_bytes,
            )?),
            StoreKind::Plugin(store_plugin, store_name, store_config) => {
                let pool = loader.pool(&store_plugin, PluginKind::Store)?;
                let config_id = "store-0".to_owned();
                configs.push((
                    Arc::clone(&pool),
                    params(&config_id, &store_name, store_config),
                ));
                Arc::new(PluginStore::new(pool, config_id))
            }
        };
        let content = Arc::new(Content::new(backend, limits)?);

        let mut verifiers = Vec::new();
        for (index, verifier) in config
            .verifiers
            .iter()
            .enumerate()
            .filter(|_| with_verifiers)
        {
            let pool = loader.pool(&verifier.plugin, PluginKind::Verifier)?;
            let config_id = format!("verifier-{index}");
            configs.push((
                Arc::clone(&pool),
                params(&config_id, &verifier.name, verifier.raw.clone()),
            ));
            verifiers.push(BoundVerifier {
                config: verifier.clone(),
                runtime: pool,
                config_id,
            });
        }
        let executor = Executor::new(
            Arc::clone(&content),
            verifiers,
            config.policy.clone(),
            config.executor.clone(),
        );
        Ok(Self {
            content,
            executor,
            pools: loader.pools.into_values().collect(),
            configs,
            start_timeout: loader.start_timeout,
        })
    }

    /// Starts the plugins and hands each its config; a rejection is a config error.
    pub async fn start(&self) -> Result<()> {
        for (pool, params) in &self.configs {
            let deadline = Instant::now() + self.start_timeout;
            pool.configure(params.clone(), deadline).await?;
        }
        Ok(())
    }

    /// Shuts down every plugin process and waits until all are reaped.
    pub async fn shutdown(&self) {
        for pool in &self.pools {
            pool.shutdown(Duration::from_secs(2)).await;
        }
    }
}

struct Loader {
    dirs: PluginDirs,
    settings: ProcessSettings,
    start_timeout: Duration,
    max_processes: usize,
    pools: HashMap<PathBuf, Arc<PluginPool>>,
}

impl Loader {
    /// The pool for plugin `name`, shared by every entry that names the same executable.
    fn pool(&mut self, name: &str, kind: PluginKind) -> Result<Arc<PluginPool>> {
        let found = self.dirs.find(name)?;
        let pool = self.pools.entry(found.path.clone()).or_insert_with(|| {
            Arc::new(PluginPool::new(
                name,
                &found.path,
                kind,
                self.settings.clone(),
                self.start_timeout,
                self.max_processes,
            ))
        });
        Ok(Arc::clone(pool))
    }
}

fn params(config_id: &str, name: &str, config: Value) -> ConfigureParams {
    ConfigureParams {
        config_id: config_id.to_owned(),
        name: name.to_owned(),
        config,
    }
}

/// The store plugin to use, its name and its config object.
/// Which store serves the subject.
enum StoreKind {
    /// A store plugin: its name in `ratify-<name>`, the entry's name and its config object.
    Plugin(String, String, Value),
    /// The built-in registry store.
    Registry(RegistryConfig),
}

/// The name Ratify gives its registry store.
const REGISTRY_STORE: &str = "oras";

fn store_kind(config: &Config, store: StoreChoice) -> Result<StoreKind> {
    Ok(match (store, &config.store) {
        (StoreChoice::OciLayout, Some(entry)) if entry.plugin == OCI_LAYOUT_PLUGIN => {
            StoreKind::Plugin(entry.plugin.clone(), entry.name.clone(), entry.raw.clone())
        }
        // The registry store's `cosignEnabled` carries over, so one config serves a registry
        // and the same content as an OCI layout on disk.
        (StoreChoice::OciLayout, entry) => StoreKind::Plugin(
            OCI_LAYOUT_PLUGIN.into(),
            OCI_LAYOUT_PLUGIN.into(),
            json!({
                "name": OCI_LAYOUT_PLUGIN,
                "cosignEnabled": entry
                    .as_ref()
                    .filter(|e| e.plugin == REGISTRY_STORE)
                    .and_then(|e| e.raw.get("cosignEnabled"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            }),
        ),
        (StoreChoice::FromConfig, Some(entry)) if entry.plugin == REGISTRY_STORE => {
            StoreKind::Registry(RegistryConfig::from_entry(&entry.raw)?)
        }
        (StoreChoice::FromConfig, Some(entry)) => {
            StoreKind::Plugin(entry.plugin.clone(), entry.name.clone(), entry.raw.clone())
        }
        // As in Ratify, the registry store is the default.
        (StoreChoice::FromConfig, None) => StoreKind::Registry(RegistryConfig::default()),
    })
}
