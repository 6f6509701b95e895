//! The registry store's config: Ratify v1's `oras` store entry as it is, plus our own keys.
//!
//! Ratify keys: `useHttp` (plain HTTP, which we allow only for loopback registries),
//! `cosignEnabled` (also look for cosign's `sha256-<hex>.sig` tag), `authProvider`
//! (`dockerConfig`, optionally with `configPath`), `ttl` (seconds tags and referrer lists are
//! cached). Ours: `plainHttp` (registries reached over HTTP), `caFile` (extra PEM roots),
//! `maxAttempts` (per request, with backoff), `cacheBytes` (in-memory content cache).

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// Parsed registry store settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RegistryConfig {
    /// Ratify's flag: plain HTTP, honoured for loopback registries only.
    pub use_http: bool,
    /// Present cosign's tag-scheme signatures as referrers.
    pub cosign_enabled: bool,
    /// Where credentials come from.
    pub auth_provider: AuthProvider,
    /// Registries (`host:port`) reached over plain HTTP.
    pub plain_http: Vec<String>,
    /// A PEM bundle of extra root certificates.
    pub ca_file: Option<PathBuf>,
    /// Attempts per request, retries included.
    pub max_attempts: u32,
    /// Bytes of manifests and blobs kept in memory.
    pub cache_bytes: u64,
    /// Seconds tag resolutions and referrer lists stay cached (Ratify's `ttl`).
    pub ttl: u64,
}

/// Ratify's `authProvider`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthProvider {
    /// Only `dockerConfig` is supported.
    pub name: String,
    /// A docker config.json to read instead of the default.
    pub config_path: Option<PathBuf>,
}

impl Default for AuthProvider {
    fn default() -> Self {
        Self {
            name: "dockerConfig".into(),
            config_path: None,
        }
    }
}

impl Default for RegistryConfig {
    fn default() -> Self {
        Self {
            use_http: false,
            cosign_enabled: false,
            auth_provider: AuthProvider::default(),
            plain_http: Vec::new(),
            ca_file: None,
            max_attempts: 4,
            cache_bytes: 64 * 1024 * 1024,
            ttl: 10,
        }
    }
}

impl RegistryConfig {
    /// Reads the store entry (`{"name":"oras", …}`), reporting bad fields by path.
    pub fn from_entry(entry: &Value) -> Result<Self> {
        let config: Self = serde_path_to_error::deserialize(entry).map_err(|e| {
            Error::config(format!(
                "store.plugins[0]: invalid value at `{}`: {}",
                e.path(),
                e.inner()
            ))
        })?;
        if config.auth_provider.name != "dockerConfig" {
            return Err(Error::config(format!(
                "store.plugins[0].authProvider.name is {:?}; this version supports dockerConfig",
                config.auth_provider.name
            ))
            .with_remediation("log in with `docker login` and use the dockerConfig provider"));
        }
        if config.max_attempts == 0 {
            return Err(Error::config(
                "store.plugins[0].maxAttempts must be at least 1",
            ));
        }
        Ok(config)
    }

    /// Whether `registry` (`host[:port]`) is reached over plain HTTP.
    pub fn plain_http_for(&self, registry: &str) -> bool {
        self.plain_http.iter().any(|r| r == registry) || (self.use_http && is_loopback(registry))
    }
}

/// Whether a `host[:port]` names this machine.
pub fn is_loopback(registry: &str) -> bool {
    let host = match registry.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => registry,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ratify_entries_parse_and_http_is_only_for_loopback_or_listed_registries() {
        let config = RegistryConfig::from_entry(&json!({"name": "oras", "useHttp": true, "cosignEnabled": true,
            "authProvider": {"name": "dockerConfig"}, "localCachePath": "/x", "plainHttp": ["mirror.lan:5000"]}))
        .unwrap();
        assert!(config.cosign_enabled);
        assert!(config.plain_http_for("localhost:5000"));
        assert!(config.plain_http_for("127.0.0.1:5123"));
        assert!(config.plain_http_for("mirror.lan:5000"));
        assert!(
            !config.plain_http_for("ghcr.io"),
            "useHttp never applies to remote registries"
        );
        assert!(!RegistryConfig::default().plain_http_for("localhost:5000"));
    }

    #[test]
    fn unsupported_settings_are_config_errors() {
        let error =
            RegistryConfig::from_entry(&json!({"authProvider": {"name": "azureWorkloadIdentity"}}))
                .unwrap_err();
        assert!(error.message.contains("supports dockerConfig"), "{error}");
        let error = RegistryConfig::from_entry(&json!({"useHttp": "yes"})).unwrap_err();
        assert!(error.message.contains("useHttp"), "{error}");
    }
}
