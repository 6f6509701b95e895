//! The verifier's config: the deny lists and the blob size cap.
//!
//! The object is the verifier's entry from a Ratify v1 `config.json`, passed through whole, so
//! Ratify's own keys (`name`, `type`, `artifactTypes`, `nestedReferences`, `version`, `source`)
//! sit next to ours. Those and any other unknown keys are ignored, so a v1 config keeps working.
//! Every type error names the JSON path that is wrong.

use ratify_plugin_sdk::wire::WireError;
use serde_json::{Map, Value};

/// Default cap on one SBOM layer: large enough for SBOMs of big images (tens of thousands of
/// packages), small enough that a hostile referrer cannot make the plugin buffer gigabytes.
pub const DEFAULT_MAX_BLOB_BYTES: u64 = 32 * 1024 * 1024;

/// A validated config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomConfig {
    /// Licenses no package may carry, matched as whole tokens, ignoring case.
    pub disallowed_licenses: Vec<String>,
    /// Packages that may not appear at all.
    pub disallowed_packages: Vec<PackageRule>,
    /// The largest SBOM layer the plugin will read.
    pub max_blob_bytes: u64,
}

impl Default for SbomConfig {
    fn default() -> Self {
        Self {
            disallowed_licenses: Vec::new(),
            disallowed_packages: Vec::new(),
            max_blob_bytes: DEFAULT_MAX_BLOB_BYTES,
        }
    }
}

/// One `disallowedPackages` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRule {
    /// Matched exactly (case matters, as in Ratify). May be empty: then it only matches
    /// packages whose name is empty, never a named one.
    pub name: String,
    /// `None` matches any version. Ratify treats an empty version as "any", so `""` is `None`.
    pub version: Option<String>,
}

impl PackageRule {
    /// Whether a package with this name and version is denied by the rule.
    pub fn matches(&self, name: &str, version: &str) -> bool {
        self.name == name && self.version.as_deref().is_none_or(|v| v == version)
    }
}

impl SbomConfig {
    /// Parses and validates a config object. `null` (no config at all) means no deny lists.
    pub fn from_value(config: &Value) -> Result<Self, WireError> {
        let object = match config {
            Value::Null => return Ok(Self::default()),
            Value::Object(object) => object,
            other => {
                return Err(WireError::config(format!(
                    "the config must be a JSON object, found {}",
                    describe(other)
                )));
            }
        };
        Ok(Self {
            disallowed_licenses: licenses(object)?,
            disallowed_packages: packages(object)?,
            max_blob_bytes: max_blob_bytes(object)?,
        })
    }
}

/// `key` from `object`, treating an explicit `null` as absent, as Ratify's Go decoder did.
fn field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).filter(|value| !value.is_null())
}

fn array<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], WireError> {
    match field(object, key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(WireError::config(format!(
            "{key} must be a list, found {}",
            describe(other)
        ))),
    }
}

fn licenses(object: &Map<String, Value>) -> Result<Vec<String>, WireError> {
    let key = "disallowedLicenses";
    array(object, key)?
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            // An empty license would match packages with no license, or any text holding two
            // adjacent spaces: certainly not what the operator meant.
            Value::String(s) if s.is_empty() => {
                Err(WireError::config(format!("{key}[{i}] must not be empty")))
            }
            Value::String(s) => Ok(s.clone()),
            other => Err(WireError::config(format!(
                "{key}[{i}] must be a string, found {}",
                describe(other)
            ))),
        })
        .collect()
}

fn packages(object: &Map<String, Value>) -> Result<Vec<PackageRule>, WireError> {
    let key = "disallowedPackages";
    array(object, key)?
        .iter()
        .enumerate()
        .map(|(i, item)| package(item, &format!("{key}[{i}]")))
        .collect()
}

fn package(item: &Value, path: &str) -> Result<PackageRule, WireError> {
    let Value::Object(entry) = item else {
        return Err(WireError::config(format!(
            "{path} must be an object like {{\"name\": \"openssl\", \"version\": \"3.0.7\"}}, found {}",
            describe(item)
        )));
    };
    let name = match entry.get("name") {
        Some(Value::String(name)) => name.clone(),
        // Required: an entry without a name is most likely a typo, and Ratify would have turned
        // it into a rule for nameless packages without a word.
        None | Some(Value::Null) => {
            return Err(WireError::config(format!("{path}.name is required")));
        }
        Some(other) => {
            return Err(WireError::config(format!(
                "{path}.name must be a string, found {}",
                describe(other)
            )));
        }
    };
    // Ratify's bats config.json spells the version `versionInfo` (the SPDX field name); Ratify
    // itself only read `version`, silently widening such rules to every version. Accept both.
    let version = optional_string(entry, "version", path)?;
    let version_info = optional_string(entry, "versionInfo", path)?;
    let version = match (version, version_info) {
        (Some(a), Some(b)) if a != b => {
            return Err(WireError::config(format!(
                "{path} has both version {a:?} and versionInfo {b:?}; give one"
            )));
        }
        (a, b) => a.or(b).filter(|v| !v.is_empty()),
    };
    Ok(PackageRule { name, version })
}

fn optional_string(
    entry: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, WireError> {
    match field(entry, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(WireError::config(format!(
            "{path}.{key} must be a string, found {}",
            describe(other)
        ))),
    }
}

fn max_blob_bytes(object: &Map<String, Value>) -> Result<u64, WireError> {
    let key = "maxBlobBytes";
    match field(object, key) {
        None => Ok(DEFAULT_MAX_BLOB_BYTES),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(0) | None => Err(WireError::config(format!(
                "{key} must be a positive whole number of bytes, found {n}"
            ))),
            Some(max) => Ok(max),
        },
        Some(other) => Err(WireError::config(format!(
            "{key} must be a number of bytes, found {}",
            describe(other)
        ))),
    }
}

/// "a string", "a number", …: the JSON type of a value, for error messages.
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    fn error(config: Value) -> String {
        SbomConfig::from_value(&config).unwrap_err().message
    }

    #[test]
    fn ratify_keys_and_unknown_keys_are_ignored() {
        let config = SbomConfig::from_value(&json!({
            "name": "sbom", "type": "sbom", "artifactTypes": "application/spdx+json",
            "nestedReferences": "application/vnd.cncf.notary.signature", "version": "1.0.0",
            "source": {"artifact": "x"}, "somethingNew": 3,
            "disallowedLicenses": ["MPL"],
            "disallowedPackages": [{"name": "a"}, {"name": "b", "version": "1"},
                                   {"name": "c", "versionInfo": "2"}, {"name": "", "version": ""}],
        }))
        .unwrap();
        assert_eq!(config.disallowed_licenses, ["MPL"]);
        let rules: Vec<_> = config
            .disallowed_packages
            .iter()
            .map(|r| (r.name.as_str(), r.version.as_deref()))
            .collect();
        assert_eq!(
            rules,
            [("a", None), ("b", Some("1")), ("c", Some("2")), ("", None)]
        );
        assert_eq!(config.max_blob_bytes, DEFAULT_MAX_BLOB_BYTES);
    }

    #[test]
    fn null_means_defaults_and_nulls_mean_absent() {
        assert_eq!(
            SbomConfig::from_value(&Value::Null).unwrap(),
            SbomConfig::default()
        );
        let config = json!({"disallowedLicenses": null, "maxBlobBytes": null});
        assert_eq!(
            SbomConfig::from_value(&config).unwrap(),
            SbomConfig::default()
        );
    }

    #[test]
    fn wrong_types_name_the_path() {
        assert_eq!(
            error(json!({"disallowedLicenses": ["MIT", 3]})),
            "disallowedLicenses[1] must be a string, found a number"
        );
        assert_eq!(
            error(json!({"disallowedLicenses": "MIT"})),
            "disallowedLicenses must be a list, found a string"
        );
        assert_eq!(
            error(json!({"disallowedLicenses": [""]})),
            "disallowedLicenses[0] must not be empty"
        );
        assert_eq!(
            error(json!({"disallowedPackages": [{"name": "a"}, {"name": 1}]})),
            "disallowedPackages[1].name must be a string, found a number"
        );
        assert_eq!(
            error(json!({"disallowedPackages": [{"version": "1"}]})),
            "disallowedPackages[0].name is required"
        );
        assert_eq!(
            error(json!({"disallowedPackages": [{"name": "a", "version": 1.5}]})),
            "disallowedPackages[0].version must be a string, found a number"
        );
        assert!(
            error(json!({"disallowedPackages": ["openssl"]}))
                .starts_with("disallowedPackages[0] must be an object like {\"name\": \"openssl\"")
        );
        assert_eq!(
            error(
                json!({"disallowedPackages": [{"name": "a", "version": "1", "versionInfo": "2"}]})
            ),
            "disallowedPackages[0] has both version \"1\" and versionInfo \"2\"; give one"
        );
        assert_eq!(
            error(json!({"maxBlobBytes": "1MB"})),
            "maxBlobBytes must be a number of bytes, found a string"
        );
        assert_eq!(
            error(json!({"maxBlobBytes": -1})),
            "maxBlobBytes must be a positive whole number of bytes, found -1"
        );
        assert_eq!(
            error(json!({"maxBlobBytes": 0})),
            "maxBlobBytes must be a positive whole number of bytes, found 0"
        );
        assert_eq!(
            error(json!(["sbom"])),
            "the config must be a JSON object, found a list"
        );
    }

    #[test]
    fn rules_match_exact_names_and_optional_versions() {
        let any = PackageRule {
            name: "zlib".into(),
            version: None,
        };
        let exact = PackageRule {
            name: "zlib".into(),
            version: Some("1.2".into()),
        };
        let nameless = PackageRule {
            name: String::new(),
            version: Some("1.2".into()),
        };
        assert!(any.matches("zlib", "9") && any.matches("zlib", ""));
        assert!(!any.matches("Zlib", "9"), "names are case-sensitive");
        assert!(exact.matches("zlib", "1.2") && !exact.matches("zlib", "1.2.1"));
        assert!(!nameless.matches("zlib", "1.2") && nameless.matches("", "1.2"));
    }
}
