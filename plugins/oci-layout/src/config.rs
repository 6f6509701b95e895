//! The store's config object: everything is optional, unknown keys are ignored.

use ratify_plugin_sdk::wire::WireError;
use serde_json::Value;

/// Default and largest manifest size this store reads, in bytes (4 MiB, as registries cap them).
pub const DEFAULT_MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
/// Default number of referrers per page.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// Largest accepted `pageSize`, so one page stays far below the protocol's line cap.
pub const MAX_PAGE_SIZE: usize = 10_000;

/// A validated store config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciLayoutConfig {
    /// Manifests larger than this are refused (`maxManifestBytes`, at most 4 MiB).
    pub max_manifest_bytes: u64,
    /// Referrers per page (`pageSize`).
    pub page_size: usize,
    /// List manifests tagged `sha256-<hex>.sig` as cosign signatures of that digest
    /// (`cosignEnabled`, as Ratify's registry store).
    pub cosign_enabled: bool,
}

impl Default for OciLayoutConfig {
    fn default() -> Self {
        Self {
            max_manifest_bytes: DEFAULT_MAX_MANIFEST_BYTES,
            page_size: DEFAULT_PAGE_SIZE,
            cosign_enabled: false,
        }
    }
}

impl OciLayoutConfig {
    /// Validates a config object; `null` and `{}` give the defaults.
    pub fn from_value(name: &str, config: &Value) -> Result<Self, WireError> {
        let mut parsed = Self::default();
        let object = match config {
            Value::Null => return Ok(parsed),
            Value::Object(object) => object,
            other => {
                return Err(WireError::config(format!(
                    "store {name}: the config must be a JSON object, not {other}"
                )));
            }
        };
        if let Some(value) = object.get("maxManifestBytes") {
            parsed.max_manifest_bytes = positive(name, "maxManifestBytes", value)?;
            if parsed.max_manifest_bytes > DEFAULT_MAX_MANIFEST_BYTES {
                // The cap may only be lowered: it bounds this process's memory per request.
                return Err(WireError::config(format!(
                    "store {name}: maxManifestBytes {} is above the {DEFAULT_MAX_MANIFEST_BYTES}-byte limit",
                    parsed.max_manifest_bytes
                )));
            }
        }
        match object.get("cosignEnabled") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(enabled)) => parsed.cosign_enabled = *enabled,
            Some(other) => {
                return Err(WireError::config(format!(
                    "store {name}: cosignEnabled must be true or false, not {other}"
                )));
            }
        }
        if let Some(value) = object.get("pageSize") {
            let size = positive(name, "pageSize", value)?;
            parsed.page_size = usize::try_from(size)
                .ok()
                .filter(|s| *s <= MAX_PAGE_SIZE)
                .ok_or_else(|| {
                    WireError::config(format!(
                        "store {name}: pageSize {size} is above the limit of {MAX_PAGE_SIZE}"
                    ))
                })?;
        }
        Ok(parsed)
    }
}

fn positive(name: &str, key: &str, value: &Value) -> Result<u64, WireError> {
    value.as_u64().filter(|n| *n > 0).ok_or_else(|| {
        WireError::config(format!(
            "store {name}: {key} must be a positive integer, not {value}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_overrides() {
        let c = |v| OciLayoutConfig::from_value("s", &v);
        assert_eq!(c(json!(null)).unwrap(), OciLayoutConfig::default());
        assert_eq!(
            c(json!({"unknown": 1})).unwrap(),
            OciLayoutConfig::default()
        );
        let custom = c(json!({"maxManifestBytes": 1024, "pageSize": 7})).unwrap();
        assert_eq!(custom.max_manifest_bytes, 1024);
        assert_eq!(custom.page_size, 7);
        for bad in [
            json!([]),
            json!("x"),
            json!({"maxManifestBytes": 0}),
            json!({"maxManifestBytes": -1}),
            json!({"maxManifestBytes": "1"}),
            json!({"maxManifestBytes": 4 * 1024 * 1024 + 1}),
            json!({"pageSize": 0}),
            json!({"pageSize": 10_001}),
        ] {
            assert!(c(bad.clone()).is_err(), "{bad} was accepted");
        }
    }
}
