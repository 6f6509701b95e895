//! Ratify v1's cosign report: its messages, and `extensions.signatures` with one entry per
//! signature and, in it, one verification per key (or one keyless verification), each saying
//! what was checked. Trust-policy mode uses Ratify's `{signature, verifications[]}` shape and
//! names the policy; legacy mode Ratify's flat list. We add what Ratify leaves out:
//! the layer's digest in both shapes, the identity a certificate was issued to, and for
//! attestations the predicate type.

use ratify_plugin_sdk::wire::VerifyResult;
use serde_json::{Map, Value, json};

use crate::config::TrustPolicy;

/// Ratify's success message in trust-policy mode.
pub const SUCCESS: &str = "Verification success. Valid signatures found. Please refer to extensions field for verifications performed.";
/// Ratify's success message in legacy mode.
pub const LEGACY_SUCCESS: &str = "Verification success. Valid signatures found";
/// Ratify's failure message (the cause follows it).
pub const FAILURE: &str = "Failed to validate the Cosign signature";

/// Which key verified, as Ratify's `keyInformation` (empty for keyless).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyInfo {
    /// `file` for key files.
    pub provider: String,
    /// The key file's path.
    pub name: String,
}

/// One key's (or the keyless) verification of one signature.
#[derive(Debug, Clone, Default)]
pub struct Check {
    /// Whether every check passed.
    pub is_success: bool,
    /// Whether transparency-log evidence was verified offline.
    pub bundle_verified: bool,
    /// Why it failed.
    pub error: Option<String>,
    /// The key used.
    pub key: KeyInfo,
    /// What was verified (Ratify's sentences), on success.
    pub summary: Vec<String>,
    /// The certificate's identity (`subjects`, `issuer`), for keyless.
    pub identity: Option<Value>,
    /// The transparency log's integrated time (unix seconds) the signature was judged at,
    /// when the log's evidence verified.
    pub integrated_time: Option<i64>,
}

/// What a passing check established.
pub(crate) struct Passed {
    /// Whether the transparency log's evidence verified offline.
    pub log_verified: bool,
    /// The log's integrated time the signature was judged at.
    pub integrated_time: Option<i64>,
    /// The certificate's identity, for keyless.
    pub identity: Option<Value>,
}

impl Check {
    /// The check of `key` (a key file when `with_key`, else a certificate) that `steps` made.
    pub(crate) fn new(key: KeyInfo, with_key: bool, steps: Result<Passed, String>) -> Self {
        match steps {
            Ok(passed) => Check {
                is_success: true,
                bundle_verified: passed.log_verified,
                error: None,
                summary: summary(passed.log_verified, with_key),
                key,
                identity: passed.identity,
                integrated_time: passed.integrated_time,
            },
            Err(error) => Check::failed(key, error),
        }
    }

    /// A check of `key` that failed for `error`.
    pub(crate) fn failed(key: KeyInfo, error: String) -> Self {
        Check {
            error: Some(error),
            key,
            ..Check::default()
        }
    }
}

/// One signature (a layer, or a bundle) and its verifications.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The signature, base64, as Ratify reports it.
    pub signature: String,
    /// The layer's digest.
    pub digest: String,
    /// For attestations: the in-toto predicate type.
    pub predicate_type: Option<String>,
    /// For attestations: the in-toto predicate, for the policy to read.
    pub predicate: Option<Value>,
    /// One per key, or one keyless.
    pub checks: Vec<Check>,
}

impl Outcome {
    /// A signature that could not be checked at all (`reason` says why).
    pub fn unreadable(digest: &str, key: KeyInfo, reason: String) -> Self {
        Outcome {
            digest: digest.to_string(),
            checks: vec![Check::failed(key, reason)],
            ..Outcome::default()
        }
    }

    /// Whether any verification passed.
    pub fn is_success(&self) -> bool {
        self.checks.iter().any(|c| c.is_success)
    }

    fn first_error(&self) -> Option<&str> {
        self.checks.iter().find_map(|c| c.error.as_deref())
    }
}

/// Ratify's summary sentences for a successful check.
fn summary(bundle_verified: bool, with_key: bool) -> Vec<String> {
    let mut out = vec!["The cosign claims were validated.".to_string()];
    if bundle_verified {
        out.push("Existence of the claims in the transparency log was verified offline.".into());
    }
    out.push(if with_key {
        "The signatures were verified against the specified public key.".into()
    } else {
        "The code-signing certificate was verified using trusted certificate authority certificates.".into()
    });
    out
}

/// The referrer's result: success when a signature verified and nothing required is missing.
pub fn result(policy: &TrustPolicy, outcomes: &[Outcome], missing: &[String]) -> VerifyResult {
    let extensions = extensions(policy, outcomes, missing);
    let valid = outcomes.iter().any(Outcome::is_success);
    if valid && missing.is_empty() {
        let message = if policy.legacy {
            LEGACY_SUCCESS
        } else {
            SUCCESS
        };
        return VerifyResult::success(message).with_extensions(extensions);
    }
    let reason = if !valid {
        let what = if policy.legacy {
            "no valid signatures found"
        } else {
            "no valid Cosign signatures found"
        };
        match outcomes.iter().find_map(Outcome::first_error) {
            Some(first) => format!("{what}: {first}"),
            None => what.to_string(),
        }
    } else {
        format!(
            "no valid attestation with the required predicate type {} was found for the subject",
            missing.join(", ")
        )
    };
    let mut result = VerifyResult::failure(format!("{FAILURE}: {reason}"));
    result.error_reason = Some(reason);
    result.with_extensions(extensions)
}

/// A failure before any signature was looked at (no policy, unreadable manifest).
pub fn failed(reason: String, policy: Option<&TrustPolicy>) -> VerifyResult {
    let mut result = VerifyResult::failure(format!("{FAILURE}: {reason}"));
    result.error_reason = Some(reason);
    match policy.filter(|p| !p.legacy) {
        Some(policy) => result.with_extensions(json!({"trustPolicy": policy.name})),
        None => result,
    }
}

fn extensions(policy: &TrustPolicy, outcomes: &[Outcome], missing: &[String]) -> Value {
    let mut map = Map::new();
    if policy.legacy {
        let flat: Vec<Value> = outcomes
            .iter()
            .flat_map(|o| o.checks.iter().map(move |c| check(c, Some(o))))
            .collect();
        map.insert("signatures".into(), Value::Array(flat));
    } else {
        let signatures: Vec<Value> = outcomes
            .iter()
            .map(|o| {
                let mut entry = json!({
                    "signature": o.signature,
                    "signatureDigest": o.digest,
                    "verifications": o.checks.iter().map(|c| check(c, None)).collect::<Vec<_>>(),
                });
                if let Some(predicate_type) = &o.predicate_type {
                    entry["predicateType"] = Value::String(predicate_type.clone());
                }
                if let Some(predicate) = &o.predicate {
                    entry["predicate"] = predicate.clone();
                }
                entry
            })
            .collect();
        map.insert("signatures".into(), Value::Array(signatures));
        map.insert("trustPolicy".into(), Value::String(policy.name.clone()));
    }
    if !missing.is_empty() {
        map.insert("missingPredicateTypes".into(), json!(missing));
    }
    Value::Object(map)
}

fn check(check: &Check, legacy_of: Option<&Outcome>) -> Value {
    let mut key = Map::new();
    if !check.key.provider.is_empty() {
        key.insert("provider".into(), Value::String(check.key.provider.clone()));
        key.insert("name".into(), Value::String(check.key.name.clone()));
    }
    let mut entry = json!({
        "isSuccess": check.is_success,
        "bundleVerified": check.bundle_verified,
        "keyInformation": key,
    });
    if let Some(outcome) = legacy_of {
        entry["signatureDigest"] = Value::String(outcome.digest.clone());
    }
    if let Some(error) = &check.error {
        entry["error"] = Value::String(error.clone());
    }
    if !check.summary.is_empty() {
        entry["summary"] = json!(check.summary);
    }
    if let Some(identity) = &check.identity {
        entry["identity"] = identity.clone();
    }
    if let Some(time) = check.integrated_time {
        entry["integratedTime"] = json!(time);
    }
    entry
}
