//! Two leniencies and one strictness around config.json's keys. `null` means "not set", as in
//! Ratify v1 (whose Go fields are pointers); Ratify's top-level `crl` and `logger` are
//! accepted unused; and a key this host does not know, in a section it owns, is warned about
//! rather than silently ignored (a typo like `maxBlobByte` would otherwise go unnoticed).

use serde_json::{Map, Value};

const TOP_LEVEL: &[&str] = &["store", "policy", "verifier", "executor", "pluginBinDirs"];
/// Ratify v1 top-level keys accepted without being used.
const TOLERATED_TOP_LEVEL: &[&str] = &["crl", "logger"];
const PLUGIN_SECTION: &[&str] = &["version", "pluginBinDirs", "plugins"];
const POLICY_SECTION: &[&str] = &["version", "plugin"];
const POLICY_PLUGIN: &[&str] = &[
    "name",
    "artifactVerificationPolicies",
    "policy",
    "policyPath",
];
const EXECUTOR: &[&str] = &[
    "verificationRequestTimeout",
    "mutationRequestTimeout",
    "pluginStartTimeout",
    "maxReferrers",
    "maxNestedDepth",
    "maxConcurrency",
    "maxProcessesPerPlugin",
    "maxPluginMessageBytes",
    "maxPluginLogBytes",
    "maxManifestBytes",
    "maxBlobBytes",
    "pluginEnv",
];

/// A copy with every `null` object member removed, so it reads as absent.
pub(super) fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// Logs a warning for each key the host does not know in the sections it owns. Verifier and
/// store entries are not checked: their keys belong to the plugin.
pub(super) fn warn_unknown(top: &Map<String, Value>, origin: &str) {
    let known_top: Vec<&str> = TOP_LEVEL
        .iter()
        .chain(TOLERATED_TOP_LEVEL)
        .copied()
        .collect();
    warn_in(Some(top), "", &known_top, origin);
    warn_in(
        top.get("store").and_then(Value::as_object),
        "store.",
        PLUGIN_SECTION,
        origin,
    );
    warn_in(
        top.get("verifier").and_then(Value::as_object),
        "verifier.",
        PLUGIN_SECTION,
        origin,
    );
    warn_in(
        top.get("executor").and_then(Value::as_object),
        "executor.",
        EXECUTOR,
        origin,
    );
    let policy = top.get("policy").and_then(Value::as_object);
    warn_in(policy, "policy.", POLICY_SECTION, origin);
    let plugin = policy
        .and_then(|p| p.get("plugin"))
        .and_then(Value::as_object);
    warn_in(plugin, "policy.plugin.", POLICY_PLUGIN, origin);
}

fn warn_in(section: Option<&Map<String, Value>>, prefix: &str, known: &[&str], origin: &str) {
    for key in section.into_iter().flat_map(Map::keys) {
        if !known.contains(&key.as_str()) {
            let at = if prefix.is_empty() {
                "top-level key"
            } else {
                "key"
            };
            tracing::warn!("{origin}: ignoring unknown {at} `{prefix}{key}`");
        }
    }
}
