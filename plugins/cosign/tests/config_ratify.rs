//! The verifier's config as Ratify users write it: the legacy `key`/`rekorURL` form (RAT-07's
//! sample entries), trust policies and their errors, and what offline verification adds
//! (trust material, caps, signedIdentity). Errors are config faults naming the cause.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use interop_support::*;
use ratify_cosign::config::CosignConfig;
use ratify_plugin_sdk::wire::Fault;
use serde_json::{Value, json};

fn error(value: Value) -> String {
    let error = CosignConfig::from_value(&value)
        .err()
        .unwrap_or_else(|| panic!("{value} loaded"));
    assert_eq!(error.fault, Fault::Config, "{error:?}");
    error.message
}

/// RAT-07's cosign entries, with their key path pointed at a file that exists here.
#[test]
fn ratify_sample_entries_load_and_keyless_ones_need_a_trusted_root_offline() {
    let Some(dir) = interop() else { return };
    let entry = |file: &str| -> Value {
        let config: Value = serde_json::from_slice(&read(&dir, file)).unwrap();
        config["verifier"]["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "cosign")
            .cloned()
            .unwrap()
    };
    let mut keyed = entry("ratify/config/config.json");
    keyed["key"] = json!(dir.join("ratify/testdata/cosign.pub").display().to_string());
    let loaded = config(keyed);
    let policy = loaded.policy_for("anything.io/repo:tag").unwrap();
    assert!(policy.legacy && !policy.tlog_verify && policy.keys.len() == 1);

    let keyless = entry("ratify/config/cosign_keyless_config.json");
    assert!(error(keyless.clone()).contains("set trustedRoot"));
    let mut offline = keyless;
    offline["trustedRoot"] = json!(
        dir.join("cosign/trusted_root_pgi.json")
            .display()
            .to_string()
    );
    let loaded = config(offline);
    let policy = loaded.policy_for("anything.io/repo:tag").unwrap();
    assert!(
        policy.tlog_verify && policy.keyless.is_some(),
        "rekorURL turns the log on, as in Ratify"
    );
}

#[test]
fn legacy_and_policy_forms_do_not_mix_and_keys_must_load() {
    let message = error(json!({"key": "/nonexistent.pub", "trustPolicies": []}));
    assert!(
        message.contains("cannot be used with `trustPolicies`"),
        "{message}"
    );
    let message = error(json!({"key": "/nonexistent.pub"}));
    assert!(message.contains("/nonexistent.pub"), "{message}");
}

#[test]
fn trust_policy_errors_name_the_policy_and_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pub");
    std::fs::write(
        &key,
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwr\nkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==\n-----END PUBLIC KEY-----\n",
    )
    .unwrap();
    let key = key.display().to_string();
    let policy = |fields: Value| {
        let mut p = json!({"name": "p", "version": "1.0.0", "scopes": ["*"]});
        p.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        json!({"trustPolicies": [p]})
    };
    for (fields, cause) in [
        (json!({}), "keys or keyless parameter is required"),
        (
            json!({"keys": [{"file": key}], "keyless": {"certificateIdentity": "a", "certificateOIDCIssuer": "b"}}),
            "Only one of keys or keyless",
        ),
        (
            json!({"keyless": {"certificateOIDCIssuer": "b"}}),
            "certificate identity or identity regex pattern is required",
        ),
        (
            json!({"keyless": {"certificateIdentity": "a", "certificateIdentityRegExp": "a", "certificateOIDCIssuer": "b"}}),
            "only one of",
        ),
        (
            json!({"keyless": {"certificateIdentityRegExp": "(", "certificateOIDCIssuer": "b"}}),
            "malformed identity regex",
        ),
        (
            json!({"keyless": {"certificateIdentity": "a", "certificateOIDCIssuer": "b"}}),
            "set trustedRoot",
        ),
        (
            json!({"keys": [{"file": key}]}),
            "tLogVerify needs Rekor public keys",
        ),
        (
            json!({"keys": [{"file": key}], "tLogVerify": false, "signedIdentity": {"type": "nope"}}),
            "signedIdentity: unknown type",
        ),
        (
            json!({"keys": [{"file": key}], "tLogVerify": "yes"}),
            "tLogVerify must be true or false",
        ),
    ] {
        let message = error(policy(fields.clone()));
        assert!(message.contains(cause), "{fields}: {message}");
    }
    let ok = policy(json!({"keys": [{"file": key}], "tLogVerify": false}));
    assert!(CosignConfig::from_value(&ok).is_ok());
    let mut capped = ok.clone();
    capped["maxSignatures"] = json!(0);
    assert!(error(capped).contains("maxSignatures must be a positive number"));
    let two = |scopes: [&str; 2]| {
        json!({"trustPolicies": [
            {"name": "a", "version": "1.0.0", "scopes": [scopes[0]], "keys": [{"file": key}], "tLogVerify": false},
            {"name": "b", "version": "1.0.0", "scopes": [scopes[1]], "keys": [{"file": key}], "tLogVerify": false},
        ]})
    };
    assert!(error(two(["r.io/*", "r.io/app"])).contains("overlapping scopes r.io/* and r.io/app"));
    let config = CosignConfig::from_value(&two(["r.io/*", "*"])).unwrap();
    assert_eq!(config.policy_for("r.io/app").unwrap().name, "a");
    assert_eq!(config.policy_for("q.io/other").unwrap().name, "b");
    // Scopes see references as Docker normalises them, as in Ratify: a short name cannot
    // escape a policy written for its full name.
    let config = CosignConfig::from_value(&two(["docker.io/library/*", "*"])).unwrap();
    for short in [
        "nginx:1",
        "library/nginx@sha256:aa",
        "docker.io/library/nginx",
    ] {
        assert_eq!(config.policy_for(short).unwrap().name, "a", "{short}");
    }
    let config = CosignConfig::from_value(&two(["ghcr.io/o/app:latest", "*"])).unwrap();
    assert_eq!(config.policy_for("ghcr.io/o/app").unwrap().name, "a");
    let config = CosignConfig::from_value(&two(["r.io/*", "s.io/app"])).unwrap();
    let missing = config.policy_for("q.io/other").err().unwrap();
    assert!(
        missing.contains("No policy found for the artifact q.io/other"),
        "{missing}"
    );
}

/// Ratify's legacy mode reports its own message and a flat list of signatures.
#[test]
fn legacy_mode_reports_as_ratify_does() {
    let Some(dir) = interop() else { return };
    let layer = extracted_layer(&dir, "keyed-ecdsa-p256");
    let key = dir
        .join("ratify/cosign-extracted/keyed-ecdsa-p256/pubkey.pem")
        .display()
        .to_string();
    let config = config(json!({"key": key}));
    let digest = "sha256:d37ada95d47ad12224c205a938129df7a3e52345828b4fa27b03a98825d1e2e7";
    let result = verify_layer(&config, "r.io/x", &layer, digest);
    assert_valid(&result);
    assert_eq!(
        result.message,
        "Verification success. Valid signatures found"
    );
    let signatures = ext(&result)["signatures"].clone();
    assert_eq!(signatures[0]["isSuccess"], json!(true), "{signatures}");
    assert_eq!(signatures[0]["keyInformation"]["name"], json!(key));
    assert!(ext(&result).get("trustPolicy").is_none());
}
