//! Trust policy documents from the interop data, read in place: every file of
//! `notation/trustpolicies/` (PROVENANCE.md NOT-08 and its "Trust policy files" table).
//! Outcomes that only show during verification (trust store loading, identity matching
//! against a signature) are checked as far as the policy goes; `trustpolicy_identities.rs`
//! covers the identity part and `trustpolicy_ratify.rs` ratify's samples (RAT-07).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod trustpolicy_support;

use ratify_notation::trustpolicy::{
    Action, LevelName, TrustPolicyDocument, TrustedIdentity, Validation, VerifyTimestamp,
};
use ratify_notation::x509::StoreType;
use trustpolicy_support::interop_dir;

/// What loading a policy file must give.
enum Expect {
    /// Loads; the closure checks the document.
    Loads(fn(&TrustPolicyDocument)),
    /// Fails to load with a message containing this text (the table's key substring).
    Fails(&'static str),
}

use Expect::{Fails, Loads};

/// The digest the e2e tests verify (`<repo>@sha256:b8479de3...`, the `v1` manifest).
const V1: &str = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";

fn single(doc: &TrustPolicyDocument) -> &ratify_notation::trustpolicy::TrustPolicy {
    assert_eq!(doc.policies.len(), 1);
    &doc.policies[0]
}

/// strict, scope `*`, `ca:e2e`, identities `*`: the e2e baseline.
fn baseline(doc: &TrustPolicyDocument) {
    let policy = single(doc);
    assert_eq!(policy.name, "e2e");
    assert_eq!(policy.registry_scopes, ["*"]);
    assert_eq!(policy.level.name, LevelName::Strict);
    assert_eq!(policy.trust_stores.len(), 1);
    assert_eq!(policy.trust_stores[0].kind, StoreType::Ca);
    assert_eq!(policy.trust_stores[0].name, "e2e");
    assert_eq!(policy.trusted_identities, [TrustedIdentity::Any]);
    assert_eq!(policy.verify_timestamp, VerifyTimestamp::Always);
    // Any repository gets the `*` statement.
    assert_eq!(
        doc.policy_for("localhost:5000/test-repo4").unwrap().name,
        "e2e"
    );
}

fn actions(doc: &TrustPolicyDocument) -> Vec<Action> {
    let level = &single(doc).level;
    Validation::ALL.iter().map(|v| level.action(*v)).collect()
}

fn table() -> Vec<(&'static str, Expect)> {
    use Action::{Enforce as E, Log as L, Skip as S};
    vec![
        ("trustpolicy.json", Loads(baseline)),
        (
            "any_registry_scope_trust_policy.json",
            Loads(|doc| {
                baseline(doc);
                assert_eq!(
                    doc.policy_for("localhost:5000/test-repo5").unwrap().name,
                    "e2e"
                );
            }),
        ),
        (
            "quickstart_trustpolicy.json",
            Loads(|doc| {
                assert_eq!(
                    single(doc).trust_stores[0].to_string(),
                    "ca:wabbit-networks.io"
                );
            }),
        ),
        (
            "generate_test_trustpolicy.json",
            Loads(|doc| assert_eq!(single(doc).name, "sKey")),
        ),
        // A blob policy (trustpolicy.blob.json format) has no registryScopes: not an OCI policy.
        (
            "blob_trust_policy.json",
            Fails(
                "oci trust policy statement \"wabbit-networks-policy\" has zero registry scopes, it must specify registry scopes with at least one value",
            ),
        ),
        // Identity matching happens at verification (trustpolicy_identities.rs).
        (
            "valid_trusted_identity_trustpolicy.json",
            Loads(|doc| {
                assert!(
                    matches!(&single(doc).trusted_identities[0], TrustedIdentity::Subject(dn) if dn.as_text() == " CN=e2e,O=Notary,L=Seattle,ST=WA,C=US")
                );
            }),
        ),
        (
            "invalid_trusted_identity_trustpolicy.json",
            Loads(|doc| {
                assert!(
                    matches!(&single(doc).trusted_identities[0], TrustedIdentity::Subject(dn) if dn.get("C") == Some(&b"USB"[..]))
                );
            }),
        ),
        (
            "malformed_trusted_identity_trustpolicy.json",
            Fails(
                "trust policy statement \"e2e\" has trusted identity \"x509.subject CN=e2e,O=Notary,L=Seattle,ST=WA,C=US\" missing separator",
            ),
        ),
        (
            "empty_trusted_identity_trustpolicy.json",
            Fails("trust policy statement \"e2e\" has an empty trusted identity"),
        ),
        (
            "unset_trusted_identity_trustpolicy.json",
            Fails(
                "trust policy statement \"e2e\" is either missing trust stores or trusted identities, both must be specified",
            ),
        ),
        (
            "multiple_trusted_identity_trustpolicy.json",
            Loads(|doc| assert_eq!(single(doc).trusted_identities.len(), 2)),
        ),
        (
            "overlapped_trusted_identity_trustpolicy.json",
            Fails("trust policy statement \"e2e\" has overlapping x509 trustedIdentities"),
        ),
        (
            "missing_organization_trusted_identity_trustpolicy.json",
            Fails(
                "distinguished name (DN) \" CN=e2e,L=Seattle,ST=WA,C=US\" has no mandatory RDN attribute for \"O\", it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum",
            ),
        ),
        (
            "missing_country_trusted_identity_trustpolicy.json",
            Fails(
                "distinguished name (DN) \" CN=e2e,O=Notary,L=Seattle,ST=WA\" has no mandatory RDN attribute for \"C\", ",
            ),
        ),
        (
            "unset_trust_store_trustpolicy.json",
            Fails(
                "trust policy statement \"e2e\" is either missing trust stores or trusted identities, both must be specified",
            ),
        ),
        // `the trust store "invalid_store" of type "ca" does not exist` comes from loading the
        // store during verification; the policy itself is valid.
        (
            "invalid_trust_store_trustpolicy.json",
            Loads(|doc| {
                assert_eq!(single(doc).trust_stores[0].to_string(), "ca:invalid_store");
            }),
        ),
        (
            "malformed_trust_store_trustpolicy.json",
            Fails(
                "trust policy statement \"e2e\" uses an unsupported trust store name \"\" in trust store value \"ca:\". Named store name needs to follow [a-zA-Z0-9_.-]+ format",
            ),
        ),
        (
            "wildcard_trust_store_trustpolicy.json",
            Fails(
                "trust policy statement \"e2e\" has malformed trust store value \"*\". The required format is <TrustStoreType>:<TrustStoreName>",
            ),
        ),
        (
            "multiple_trust_store_trustpolicy.json",
            Loads(|doc| {
                let stores: Vec<String> = single(doc)
                    .trust_stores
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                assert_eq!(stores, ["ca:e2e", "ca:e2e-new"]);
            }),
        ),
        // Upstream skips this test; notation-go has no duplicate-store rule, so it loads.
        (
            "overlapped_trust_store_trustpolicy.json",
            Loads(|doc| assert_eq!(single(doc).trust_stores.len(), 2)),
        ),
        (
            "empty_registry_scope_trustpolicy.json",
            Fails("trust policy statement \"e2e\" has zero registry scopes"),
        ),
        (
            "malformed_registry_scope_trustpolicy.json",
            Fails(
                "registry scope \"localhost:5000\\\\test-repo\" is not valid, make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout",
            ),
        ),
        (
            "registry_scope_trustpolicy.json",
            Loads(|doc| {
                assert_eq!(
                    doc.policy_for("localhost:5000/test-repo").unwrap().name,
                    "e2e"
                );
                assert!(doc.policy_for("localhost:5000/test-repo2").is_err());
            }),
        ),
        (
            "multiple_registry_scope_trustpolicy.json",
            Loads(|doc| {
                assert_eq!(
                    doc.policy_for("localhost:5000/test-repo2").unwrap().name,
                    "e2e"
                );
                assert_eq!(
                    doc.policy_for("localhost:5000/test-repo3").unwrap().name,
                    "e2e"
                );
            }),
        ),
        (
            "wildcard_plus_other_registry_scope_trustpolicy.json",
            Fails(
                "trust policy statement \"e2e\" uses wildcard registry scope '*', a wildcard scope cannot be used in conjunction with other scope values",
            ),
        ),
        // Loads; the artifact (outside the scope) then has no statement.
        (
            "invalid_registry_scope_trustpolicy.json",
            Loads(|doc| {
                let reference = format!("localhost:5000/test-repo@{V1}");
                let message = doc.policy_for_reference(&reference).unwrap_err().message;
                assert_eq!(
                    message,
                    format!(
                        "artifact \"{reference}\" has no applicable oci trust policy statement. Trust policy applicability for a given artifact is determined by registryScopes. To create a trust policy, see: https://notaryproject.dev/docs/quickstart/#create-a-trust-policy"
                    )
                );
                let inside = format!("localhost:5000/invalid-test-repo@{V1}");
                assert_eq!(doc.policy_for_reference(&inside).unwrap().name, "e2e");
            }),
        ),
        (
            "multi_statements_with_the_same_registry_scope_trustpolicy.json",
            Fails(
                "registry scope \"localhost:5000/test-repo8\" is present in multiple oci trust policy statements, one registry scope value can only be associated with one statement",
            ),
        ),
        (
            "multi_statements_with_wildcard_registry_scope_trustpolicy.json",
            Loads(|doc| {
                assert_eq!(
                    doc.policy_for("localhost:5000/test-repo9").unwrap().name,
                    "e2e"
                );
                assert_eq!(doc.policy_for("localhost:5000/other").unwrap().name, "e2e2");
            }),
        ),
        (
            "multi_statements_with_the_same_name_trustpolicy.json",
            Fails(
                "multiple oci trust policy statements use the same name \"e2e\", statement names must be unique",
            ),
        ),
        (
            "multi_statements_with_multi_wildcard_registry_scope_trustpolicy.json",
            Fails(
                "registry scope \"*\" is present in multiple oci trust policy statements, one registry scope value can only be associated with one statement",
            ),
        ),
        (
            "permissive_trustpolicy.json",
            Loads(|doc| assert_eq!(actions(doc), [E, E, L, L, L])),
        ),
        (
            "audit_trustpolicy.json",
            Loads(|doc| assert_eq!(actions(doc), [E, L, L, L, L])),
        ),
        (
            "skip_trustpolicy.json",
            Loads(|doc| {
                assert_eq!(actions(doc), [S, S, S, S, S]);
                assert!(
                    single(doc).trust_stores.is_empty()
                        && single(doc).trusted_identities.is_empty()
                );
            }),
        ),
        (
            "override_strict_trustpolicy.json",
            Loads(|doc| {
                assert_eq!(actions(doc), [E, L, L, L, L]);
                assert_eq!(single(doc).level.display_name(), "custom");
            }),
        ),
        (
            "override_permissive_trustpolicy.json",
            Loads(|doc| assert_eq!(actions(doc), [E, L, E, E, E])),
        ),
        (
            "override_integrity_for_permissive_trustpolicy.json",
            Fails(
                "\"integrity\" verification can not be overridden in custom signature verification",
            ),
        ),
        (
            "timestamp_trustpolicy.json",
            Loads(|doc| {
                let policy = single(doc);
                assert_eq!(policy.verify_timestamp, VerifyTimestamp::Always);
                assert_eq!(policy.trust_stores[1].kind, StoreType::Tsa);
            }),
        ),
        (
            "timestamp_after_cert_expiry_trustpolicy.json",
            Loads(|doc| {
                assert_eq!(
                    single(doc).verify_timestamp,
                    VerifyTimestamp::AfterCertExpiry
                );
            }),
        ),
        // notation verify says the first, `notation policy import` the second.
        (
            "invalid_format_trustpolicy.json",
            Fails(
                "malformed trust policy. To create a trust policy, see: https://notaryproject.dev/docs/quickstart/#create-a-trust-policy (failed to parse OCI trust policy configuration: ",
            ),
        ),
    ]
}

#[test]
fn not08_every_trust_policy_file() {
    let Some(root) = interop_dir() else { return };
    let dir = root.join("notation/trustpolicies");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    on_disk.sort();
    let table = table();
    let mut listed: Vec<String> = table.iter().map(|(name, _)| (*name).to_owned()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "every policy file must have an expectation"
    );

    for (name, expect) in table {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let result = TrustPolicyDocument::from_json(&bytes);
        match (expect, result) {
            (Loads(check), Ok(doc)) => check(&doc),
            (Fails(text), Err(err)) => {
                assert!(
                    err.message.contains(text),
                    "{name}: {:?} does not contain {text:?}",
                    err.message
                )
            }
            (Loads(_), Err(err)) => panic!("{name} should load, got {err}"),
            (Fails(text), Ok(_)) => panic!("{name} should fail with {text:?}"),
        }
    }
}
