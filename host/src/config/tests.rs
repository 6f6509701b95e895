//! Config parsing: Ratify v1 files as they are, and errors that name the bad field.

use std::path::PathBuf;

use serde_json::json;

use super::*;

fn parse(value: serde_json::Value) -> Result<Config> {
    Config::parse(&value.to_string(), None)
}

#[test]
fn reads_ratify_v1_verifier_entries() {
    let config = parse(json!({
        "store": {"version": "1.0.0", "plugins": [{"name": "oras", "useHttp": true}]},
        "policy": {"version": "1.0.0", "plugin": {"name": "configPolicy",
            "artifactVerificationPolicies": {"application/vnd.cncf.notary.signature": "any", "default": "any"}}},
        "verifier": {"version": "1.0.0", "plugins": [
            {"name": "sbom", "artifactTypes": "application/spdx+json, application/vnd.cyclonedx+json",
             "nestedReferences": "application/vnd.cncf.notary.signature", "disallowedLicenses": ["MIT"]},
            {"name": "verifier-notation-root", "type": "notation", "artifactTypes": ["a", "b"]},
            {"name": "any"}
        ]},
        "executor": {"verificationRequestTimeout": 2900}
    }))
    .unwrap();
    let sbom = &config.verifiers[0];
    assert_eq!(sbom.plugin, "sbom");
    assert_eq!(
        sbom.artifact_types,
        ["application/spdx+json", "application/vnd.cyclonedx+json"]
    );
    assert_eq!(
        sbom.nested_references,
        ["application/vnd.cncf.notary.signature"]
    );
    assert_eq!(
        sbom.raw["disallowedLicenses"],
        json!(["MIT"]),
        "plugin keys pass through"
    );
    assert_eq!(
        config.verifiers[1].plugin, "notation",
        "type names the binary"
    );
    assert_eq!(config.verifiers[1].artifact_types, ["a", "b"]);
    assert_eq!(
        config.verifiers[2].artifact_types,
        ["*"],
        "no artifactTypes: every referrer"
    );
    assert_eq!(config.policy.default_rule, Rule::Any);
    assert_eq!(
        config.policy.rules["application/vnd.cncf.notary.signature"],
        Rule::Any
    );
    assert_eq!(config.executor.verification_request_timeout, 2900);
    assert_eq!(config.store.unwrap().plugin, "oras");
}

#[test]
fn bad_fields_are_reported_with_their_json_path() {
    let cases = [
        (
            json!({"verifier": {"plugins": [{"artifactTypes": "x"}]}}),
            "`verifier.plugins[0]`: missing field `name`",
        ),
        (
            json!({"verifier": {"plugins": [{"name": "a", "nestedReferences": 3}]}}),
            "verifier.plugins[0].nestedReferences",
        ),
        (
            json!({"executor": {"maxReferrers": -1}}),
            "executor.maxReferrers",
        ),
        (json!({"pluginBinDirs": "dir"}), "pluginBinDirs"),
        (
            json!({"executor": {"maxConcurrency": 0}}),
            "`executor.maxConcurrency` must be greater than 0",
        ),
        (
            json!({"policy": {"plugin": {"name": "regoPolicy", "policy": "package x"}}}),
            "supports configPolicy",
        ),
        (
            json!({"verifier": {"plugins": [{"name": "a/b"}]}}),
            "path separator",
        ),
        (
            json!({"verifier": {"plugins": [{"name": "x", "type": ".."}]}}),
            "path separator",
        ),
        (
            json!({"verifier": {"plugins": [{"name": "x", "artifactTypes": " , "}]}}),
            "lists no artifact type",
        ),
        (json!([1, 2]), "must hold a JSON object"),
    ];
    for (config, expected) in cases {
        let error = parse(config.clone()).unwrap_err();
        assert_eq!(error.kind, crate::error::ErrorKind::Config);
        assert!(
            error.message.contains(expected),
            "{config}: expected {expected:?} in {error}"
        );
    }
    let error = Config::parse("{not json", Some(std::path::Path::new("/etc/x.json"))).unwrap_err();
    assert!(
        error.message.starts_with("/etc/x.json is not valid JSON"),
        "{error}"
    );
}

#[test]
fn defaults_hold_without_an_executor_section() {
    let config = parse(json!({})).unwrap();
    assert_eq!(config.executor.max_referrers, 100);
    assert_eq!(config.executor.max_plugin_message_bytes, 64 << 20);
    assert_eq!(config.executor.max_manifest_bytes, 4 << 20);
    assert_eq!(config.executor.max_blob_bytes, 32 << 20);
    assert_eq!(config.policy.default_rule, Rule::All);
}

/// Every Ratify v1 config.json from upstream's e2e suite (RAT-07) loads, except those using
/// the Rego policy, which fail with a clear message.
#[test]
fn upstream_ratify_configs_load() {
    let dir = std::env::var_os("RATIFY_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/interop"));
    let configs = dir.join("ratify/config");
    if !configs.exists() {
        eprintln!(
            "\n*** SKIP upstream_ratify_configs_load: interop data not found at {} (set RATIFY_INTEROP_DIR) ***\n",
            dir.display()
        );
        return;
    }
    let mut loaded = 0;
    for entry in std::fs::read_dir(&configs).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "akvpolicy.json" || name == "zot-config.json" {
            continue; // not Ratify configs (Azure Key Vault policy, zot registry config)
        }
        match Config::load(&path) {
            Ok(config) => {
                assert!(!config.verifiers.is_empty(), "{name}: no verifiers");
                loaded += 1;
            }
            Err(error) => {
                assert!(
                    name.contains("rego") || name.contains("multiple_notation"),
                    "{name}: {error}"
                );
                assert!(error.message.contains("regoPolicy"), "{name}: {error}");
            }
        }
    }
    assert!(loaded >= 18, "only {loaded} configs loaded");
}

#[test]
fn null_means_not_set_as_in_ratify() {
    let config = parse(json!({
        "executor": {"verificationRequestTimeout": null},
        "policy": {"plugin": {"name": "configPolicy", "artifactVerificationPolicies": null}},
        "verifier": {"plugins": [{"name": "sbom", "artifactTypes": null, "disallowedLicenses": null}]}
    }))
    .unwrap();
    assert_eq!(config.executor.verification_request_timeout, 5000);
    assert_eq!(config.verifiers[0].artifact_types, ["*"]);
    assert!(
        config.verifiers[0].raw["disallowedLicenses"].is_null(),
        "the plugin sees its entry as written"
    );
    assert!(parse(json!({"verifier": {"plugins": [{"name": null}]}})).is_err());
}
