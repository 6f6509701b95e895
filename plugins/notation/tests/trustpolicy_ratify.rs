//! Ratify's trust policy samples (PROVENANCE.md RAT-07) and notation's blob policy (NOT-09),
//! read in place from the interop data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod trustpolicy_support;

use ratify_notation::trustpolicy::{LevelName, TrustPolicyDocument, TrustedIdentity};
use trustpolicy_support::interop_dir;

#[test]
fn rat07_ratify_samples() {
    let Some(root) = interop_dir() else { return };
    let valid = std::fs::read(root.join("ratify/testdata/valid_trust_policy.json")).unwrap();
    let doc = TrustPolicyDocument::from_json(&valid).unwrap();
    let policy = doc.policy_for("ghcr.io/deislabs/ratify").unwrap();
    assert_eq!(policy.name, "default");
    assert_eq!(policy.level.name, LevelName::Strict);
    assert_eq!(policy.trust_stores[0].to_string(), "ca:certs");
    assert_eq!(policy.trusted_identities, [TrustedIdentity::Any]);

    // Ratify passes the document inline in its config: the same rules apply to a JSON value.
    let value: serde_json::Value = serde_json::from_slice(&valid).unwrap();
    assert_eq!(TrustPolicyDocument::from_value(&value).unwrap(), doc);

    let invalid = std::fs::read(root.join("ratify/testdata/invalid_trust_policy.json")).unwrap();
    assert_eq!(
        TrustPolicyDocument::from_json(&invalid)
            .unwrap_err()
            .message,
        "oci trust policy document can not have zero trust policy statements"
    );
}

#[test]
fn not09_blob_policy_is_not_an_oci_policy() {
    let Some(root) = interop_dir() else { return };
    let bytes = std::fs::read(root.join("notation/blob/trustpolicy.blob.json")).unwrap();
    // Blob policies have no registryScopes; read as an OCI policy they are refused.
    let message = TrustPolicyDocument::from_json(&bytes).unwrap_err().message;
    assert!(message.contains("has zero registry scopes"), "{message}");
}
