//! config.json: Ratify v1's format, accepted as it is, plus a few keys of our own.
//!
//! Loading validates everything the host can check itself (types, names, policy values) and
//! reports the JSON path of a bad field; plugin-specific keys are passed through untouched for
//! the plugin's own `configure` to validate.

mod keys;
mod settings;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
pub use settings::ExecutorSettings;

/// A loaded, validated configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where the config came from (for messages), if a file.
    pub source: Option<PathBuf>,
    /// Extra plugin directories, searched first.
    pub plugin_bin_dirs: Vec<PathBuf>,
    /// The referrer store to use.
    pub store: Option<StoreConfig>,
    /// Verifiers, in config order.
    pub verifiers: Vec<VerifierConfig>,
    /// How reports fold into a verdict.
    pub policy: PolicyConfig,
    /// Deadlines, caps and process limits.
    pub executor: ExecutorSettings,
    /// The log level passed to plugins (`RATIFY_LOG_LEVEL`); set by the command line.
    pub log_level: Option<String>,
}

/// One verifier entry from `verifier.plugins`.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifierConfig {
    /// The verifier's `name`.
    pub name: String,
    /// The plugin binary is `ratify-<plugin>`: the entry's `type` if set, else its `name`.
    pub plugin: String,
    /// Artifact types it verifies (`*` matches any).
    pub artifact_types: Vec<String>,
    /// When non-empty, the referrer's own referrers of these types are verified too.
    pub nested_references: Vec<String>,
    /// The whole entry as written, handed to the plugin's `configure`.
    pub raw: Value,
}

/// The store entry from `store.plugins`.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreConfig {
    /// The store's `name` (`oras` is the built-in registry store).
    pub name: String,
    /// The plugin binary is `ratify-<plugin>`: `type` if set, else `name`.
    pub plugin: String,
    /// The whole entry as written.
    pub raw: Value,
}

/// How an artifact type's reports must turn out for the subject to pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rule {
    /// At least one report of the type succeeds.
    Any,
    /// Every report of the type succeeds.
    All,
}

/// Ratify's `configPolicy`.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyConfig {
    /// Rules by artifact type; types not listed use `default_rule`.
    pub rules: BTreeMap<String, Rule>,
    /// The rule for types not listed (`default`, itself defaulting to `all`).
    pub default_rule: Rule,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            rules: BTreeMap::new(),
            default_rule: Rule::All,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConfig {
    #[serde(default)]
    store: Option<RawSection>,
    #[serde(default)]
    policy: Option<RawPolicySection>,
    #[serde(default)]
    verifier: Option<RawSection>,
    #[serde(default)]
    executor: ExecutorSettings,
    #[serde(default)]
    plugin_bin_dirs: Vec<PathBuf>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSection {
    #[serde(default)]
    #[allow(dead_code)]
    version: Option<String>,
    #[serde(default)]
    plugin_bin_dirs: Vec<PathBuf>,
    #[serde(default)]
    plugins: Vec<RawPluginEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPluginEntry {
    name: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    artifact_types: Option<TypeList>,
    #[serde(default)]
    nested_references: Option<TypeList>,
}

/// Ratify writes type lists as comma-separated strings; a JSON list is accepted too.
#[derive(Deserialize)]
#[serde(untagged)]
enum TypeList {
    Comma(String),
    List(Vec<String>),
}

impl TypeList {
    fn into_vec(self) -> Vec<String> {
        let items = match self {
            TypeList::Comma(text) => text.split(',').map(str::to_owned).collect(),
            TypeList::List(items) => items,
        };
        items
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPolicySection {
    #[serde(default)]
    plugin: Option<RawPolicyPlugin>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPolicyPlugin {
    name: String,
    #[serde(default)]
    artifact_verification_policies: BTreeMap<String, Rule>,
}

impl Config {
    /// Parses config.json text. `source` names the file in messages.
    pub fn parse(text: &str, source: Option<&Path>) -> Result<Self> {
        let origin = source.map_or_else(|| "config".to_owned(), |p| p.display().to_string());
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::config(format!("{origin} is not valid JSON: {e}")))?;
        let Value::Object(top) = &value else {
            return Err(Error::config(format!("{origin} must hold a JSON object")));
        };
        keys::warn_unknown(top, &origin);
        let raw: RawConfig = serde_path_to_error::deserialize(keys::without_nulls(&value))
            .map_err(|e| {
                Error::config(format!(
                    "{origin}: invalid value at `{}`: {}",
                    e.path(),
                    e.inner()
                ))
            })?;
        let mut config = Config {
            source: source.map(Path::to_path_buf),
            plugin_bin_dirs: raw.plugin_bin_dirs,
            executor: raw.executor,
            ..Config::default()
        };
        config.executor.validate().map_err(|e| e.context(&origin))?;
        if let Some(section) = raw.verifier {
            config.plugin_bin_dirs.extend(section.plugin_bin_dirs);
            for (index, entry) in section.plugins.into_iter().enumerate() {
                let raw_entry = value["verifier"]["plugins"][index].clone();
                config
                    .verifiers
                    .push(verifier_config(entry, raw_entry, index, &origin)?);
            }
        }
        if let Some(section) = raw.store {
            config.plugin_bin_dirs.extend(section.plugin_bin_dirs);
            for (index, entry) in section.plugins.iter().enumerate().skip(1) {
                // Ratify consults every store; this version reads the subject from one.
                tracing::warn!(
                    "{origin}: ignoring `store.plugins[{index}]` ({:?}): only the first store is used",
                    entry.name
                );
            }
            if let Some(entry) = section.plugins.into_iter().next() {
                let at = "store.plugins[0]";
                let plugin = plugin_name(&entry.name, entry.kind.as_deref(), at, &origin)?;
                let raw_entry = value["store"]["plugins"][0].clone();
                config.store = Some(StoreConfig {
                    name: entry.name,
                    plugin,
                    raw: raw_entry,
                });
            }
        }
        if let Some(plugin) = raw.policy.and_then(|p| p.plugin) {
            config.policy = policy_config(plugin, &origin)?;
        }
        Ok(config)
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(format!("cannot read config file {}: {e}", path.display()))
        })?;
        Self::parse(&text, Some(path))
    }
}

fn verifier_config(
    entry: RawPluginEntry,
    raw: Value,
    index: usize,
    origin: &str,
) -> Result<VerifierConfig> {
    let at = format!("verifier.plugins[{index}]");
    if entry.name.trim().is_empty() {
        return Err(Error::config(format!(
            "{origin}: `{at}.name` must not be empty"
        )));
    }
    let plugin = plugin_name(&entry.name, entry.kind.as_deref(), &at, origin)?;
    // As in Ratify: a verifier without `artifactTypes` is offered every referrer.
    let artifact_types = entry
        .artifact_types
        .map_or_else(|| vec!["*".to_owned()], TypeList::into_vec);
    if artifact_types.is_empty() {
        return Err(Error::config(format!(
            "{origin}: `{at}.artifactTypes` lists no artifact type"
        )));
    }
    let nested_references = entry
        .nested_references
        .map(TypeList::into_vec)
        .unwrap_or_default();
    Ok(VerifierConfig {
        name: entry.name,
        plugin,
        artifact_types,
        nested_references,
        raw,
    })
}

/// The plugin binary's `<name>` in `ratify-<name>`: `type` if set, else `name`. It must not be
/// a path: config must not be able to run an arbitrary file.
fn plugin_name(name: &str, kind: Option<&str>, at: &str, origin: &str) -> Result<String> {
    let (chosen, key) = match kind.filter(|k| !k.is_empty()) {
        Some(kind) => (kind, "type"),
        None => (name, "name"),
    };
    if chosen.contains(['/', '\\']) || chosen == "." || chosen == ".." || chosen.contains('\0') {
        return Err(Error::config(format!(
            "{origin}: `{at}.{key}` is {chosen:?}, which contains a path separator; plugins are \
             found by name (ratify-<name>) in the plugin directories"
        ))
        .with_remediation(
            "put the plugin in a directory listed in `pluginBinDirs` and use its name",
        ));
    }
    Ok(chosen.to_owned())
}

fn policy_config(plugin: RawPolicyPlugin, origin: &str) -> Result<PolicyConfig> {
    let normalized = plugin.name.to_lowercase().replace('-', "");
    if normalized != "configpolicy" {
        return Err(Error::config(format!(
            "{origin}: `policy.plugin.name` is {:?}; this version supports configPolicy",
            plugin.name
        )));
    }
    let mut rules = plugin.artifact_verification_policies;
    let default_rule = rules.remove("default").unwrap_or(Rule::All);
    Ok(PolicyConfig {
        rules,
        default_rule,
    })
}

/// The config directory: `$RATIFY_CONFIG`, else `~/.ratify` (as Ratify v1).
pub fn config_dir() -> Option<PathBuf> {
    match std::env::var_os("RATIFY_CONFIG") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".ratify")),
    }
}

/// Loads `-c <path>` if given, else `<config dir>/config.json` if it exists, else an empty
/// config (no verifiers: every subject is denied).
pub fn load_default(explicit: Option<&Path>) -> Result<Config> {
    if let Some(path) = explicit {
        return Config::load(path);
    }
    match config_dir().map(|dir| dir.join("config.json")) {
        Some(path) if path.exists() => Config::load(&path),
        other => {
            let looked =
                other.map_or_else(|| "(no home directory)".into(), |p| p.display().to_string());
            tracing::debug!("no config file at {looked}; using an empty config");
            Ok(Config::default())
        }
    }
}

#[cfg(test)]
mod tests;
