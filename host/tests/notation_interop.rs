//! The notation verifier through the real `ratify` binary on Notation's own e2e layouts and
//! trust policy files (NOT-01…NOT-05, NOT-08), read in place from ../shared/interop.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use support::{ratify, write_config};

const LIMIT: Duration = Duration::from_secs(30);
const V1: &str = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";

struct Case<'a> {
    policy: &'a str,
    layout: &'a str,
    stores: Value,
    scope: Option<&'a str>,
}

impl<'a> Case<'a> {
    fn new(policy: &'a str, layout: &'a str) -> Self {
        Self {
            policy,
            layout,
            stores: json!({"ca": {"e2e": ["localkeys/e2e.crt"]}}),
            scope: None,
        }
    }

    fn stores(mut self, stores: Value) -> Self {
        self.stores = stores;
        self
    }

    fn scope(mut self, scope: &'a str) -> Self {
        self.scope = Some(scope);
        self
    }

    fn run(&self, interop: &Path) -> support::Run {
        let home = tempfile::tempdir().unwrap();
        let notation = interop.join("notation");
        let text =
            std::fs::read_to_string(notation.join("trustpolicies").join(self.policy)).unwrap();
        // Malformed JSON must reach the verifier as it is, so pass it through a file.
        let policy: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        let stores = absolutize(&self.stores, &notation);
        let mut verifier = json!({
            "name": "notation", "artifactTypes": "application/vnd.cncf.notary.signature",
            "verificationCertStores": stores, "trustPolicyDoc": policy,
        });
        if let Some(scope) = self.scope {
            verifier["ociLayoutScope"] = json!(scope);
        }
        let config = write_config(home.path(), &json!({"verifier": {"plugins": [verifier]}}))
            .display()
            .to_string();
        let subject = format!(
            "{}@{V1}",
            notation.join("oci_layout").join(self.layout).display()
        );
        ratify(
            &["verify", "--oci-layout", "-s", &subject, "-c", &config],
            home.path(),
            LIMIT,
        )
    }
}

fn absolutize(stores: &Value, base: &Path) -> Value {
    match stores {
        Value::String(path) => Value::String(base.join(path).display().to_string()),
        Value::Array(items) => Value::Array(items.iter().map(|v| absolutize(v, base)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), absolutize(v, base)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn report(run: &support::Run) -> Value {
    run.json()["verifierReports"][0].clone()
}

fn passes(run: &support::Run) -> Value {
    assert_eq!(run.code, Some(0), "{run:?}");
    report(run)
}

fn fails_with(run: &support::Run, needle: &str) {
    assert_eq!(run.code, Some(1), "{run:?}");
    let message = report(run)["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains(needle),
        "expected {needle:?} in {message:?}"
    );
}

fn config_error(run: &support::Run, needle: &str) {
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains(needle),
        "expected {needle:?} in {run:?}"
    );
}

fn interop() -> Option<PathBuf> {
    support::interop_dir("notation interop")
}

#[test]
fn not_01_a_valid_signature_verifies_and_reports_the_signer() {
    let Some(interop) = interop() else { return };
    let report = passes(&Case::new("trustpolicy.json", "e2e-valid-signature").run(&interop));
    assert_eq!(report["message"], "Notation signature verification success");
    assert_eq!(
        report["extensions"]["SN"],
        "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US"
    );
    assert_eq!(
        report["extensions"]["Issuer"],
        "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US"
    );
    assert_eq!(report["extensions"]["trustPolicy"], "e2e");
}

#[test]
fn not_02_an_untrusted_certificate_by_level_and_override() {
    let Some(interop) = interop() else { return };
    let untrusted = json!({"ca": {"e2e": ["localkeys/new_e2e.crt"]}});
    let case = |policy| {
        Case::new(policy, "e2e-valid-signature")
            .stores(untrusted.clone())
            .run(&interop)
    };
    for policy in ["trustpolicy.json", "permissive_trustpolicy.json"] {
        fails_with(
            &case(policy),
            "signature is not produced by a trusted signer",
        );
        fails_with(
            &case(policy),
            "the signature's certificate chain does not contain any trusted certificate",
        );
    }
    for policy in [
        "audit_trustpolicy.json",
        "override_strict_trustpolicy.json",
        "override_permissive_trustpolicy.json",
    ] {
        let report = passes(&case(policy));
        let warning = report["extensions"]["warnings"][0]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            warning.starts_with("authenticity was set to \"log\" and failed with error:"),
            "{policy}: {warning}"
        );
        assert!(
            warning.contains("does not contain any trusted certificate"),
            "{warning}"
        );
    }
    config_error(
        &case("override_integrity_for_permissive_trustpolicy.json"),
        "\"integrity\" verification can not be overridden in custom signature verification",
    );
}

#[test]
fn not_03_an_expired_signature_by_level_and_override() {
    let Some(interop) = interop() else { return };
    let case = |policy| Case::new(policy, "e2e-expired-signature").run(&interop);
    fails_with(
        &case("trustpolicy.json"),
        "expiry validation failed: digital signature has expired on",
    );
    fails_with(
        &case("override_permissive_trustpolicy.json"),
        "digital signature has expired",
    );
    for policy in [
        "permissive_trustpolicy.json",
        "audit_trustpolicy.json",
        "override_strict_trustpolicy.json",
    ] {
        let report = passes(&case(policy));
        let warnings = report["extensions"]["warnings"].to_string();
        assert!(
            warnings.contains(
                "expiry was set to \\\"log\\\" and failed with error: digital signature has expired"
            ),
            "{policy}: {warnings}"
        );
    }
}

#[test]
fn not_04_a_layer_that_is_no_envelope_fails_integrity_unless_skipped() {
    let Some(interop) = interop() else { return };
    let case = |policy| Case::new(policy, "e2e-invalid-signature").run(&interop);
    for policy in [
        "trustpolicy.json",
        "permissive_trustpolicy.json",
        "audit_trustpolicy.json",
    ] {
        fails_with(&case(policy), "integrity validation failed");
    }
    let report = passes(&case("skip_trustpolicy.json"));
    assert_eq!(
        report["message"],
        "Trust policy is configured to skip signature verification"
    );
}

#[test]
fn not_05_an_unsigned_layout_is_denied() {
    let Some(interop) = interop() else { return };
    let run = Case::new("trustpolicy.json", "e2e").run(&interop);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(
        report(&run)["message"],
        "verification failed: no referrers found for this artifact"
    );
}

#[test]
fn not_08_trust_policy_files_at_verification_time() {
    let Some(interop) = interop() else { return };
    let valid = |policy| Case::new(policy, "e2e-valid-signature");
    for policy in [
        "valid_trusted_identity_trustpolicy.json",
        "any_registry_scope_trust_policy.json",
    ] {
        passes(&valid(policy).run(&interop));
    }
    let both = json!({"ca": {"e2e": ["localkeys/new_e2e.crt", "localkeys/e2e.crt"]}});
    passes(
        &valid("multiple_trusted_identity_trustpolicy.json")
            .stores(both)
            .run(&interop),
    );
    let two = json!({"ca": {"e2e": ["localkeys/e2e.crt"], "e2e-new": ["localkeys/new_e2e.crt"]}});
    passes(
        &valid("multiple_trust_store_trustpolicy.json")
            .stores(two)
            .run(&interop),
    );
    fails_with(
        &valid("invalid_trusted_identity_trustpolicy.json").run(&interop),
        "does not match the X.509 trusted identities",
    );
    // Registry scopes, with the layout matched under a scope as `notation verify --scope` does.
    passes(
        &valid("registry_scope_trustpolicy.json")
            .scope("localhost:5000/test-repo")
            .run(&interop),
    );
    passes(
        &valid("multiple_registry_scope_trustpolicy.json")
            .scope("localhost:5000/test-repo2")
            .run(&interop),
    );
    passes(
        &valid("multi_statements_with_wildcard_registry_scope_trustpolicy.json")
            .scope("localhost:5000/test-repo9")
            .run(&interop),
    );
    fails_with(
        &valid("invalid_registry_scope_trustpolicy.json")
            .scope("localhost:5000/test-repo")
            .run(&interop),
        "has no applicable oci trust policy statement",
    );
}

#[test]
fn not_08_invalid_trust_policy_files_are_config_errors() {
    let Some(interop) = interop() else { return };
    for (policy, message) in [
        (
            "malformed_trusted_identity_trustpolicy.json",
            "missing separator",
        ),
        (
            "empty_trusted_identity_trustpolicy.json",
            "has an empty trusted identity",
        ),
        (
            "unset_trusted_identity_trustpolicy.json",
            "is either missing trust stores or trusted identities",
        ),
        (
            "overlapped_trusted_identity_trustpolicy.json",
            "has overlapping x509 trustedIdentities",
        ),
        (
            "missing_organization_trusted_identity_trustpolicy.json",
            "has no mandatory RDN attribute for \"O\"",
        ),
        (
            "missing_country_trusted_identity_trustpolicy.json",
            "has no mandatory RDN attribute for \"C\"",
        ),
        (
            "unset_trust_store_trustpolicy.json",
            "is either missing trust stores or trusted identities",
        ),
        ("invalid_trust_store_trustpolicy.json", "invalid_store"),
        (
            "malformed_trust_store_trustpolicy.json",
            "uses an unsupported trust store name",
        ),
        (
            "wildcard_trust_store_trustpolicy.json",
            "has malformed trust store value \"*\"",
        ),
        (
            "empty_registry_scope_trustpolicy.json",
            "has zero registry scopes",
        ),
        (
            "malformed_registry_scope_trustpolicy.json",
            "is not valid, make sure it is a fully qualified repository",
        ),
        (
            "wildcard_plus_other_registry_scope_trustpolicy.json",
            "a wildcard scope cannot be used in conjunction with other scope values",
        ),
        (
            "multi_statements_with_the_same_registry_scope_trustpolicy.json",
            "is present in multiple oci trust policy statements",
        ),
        (
            "multi_statements_with_the_same_name_trustpolicy.json",
            "statement names must be unique",
        ),
        (
            "multi_statements_with_multi_wildcard_registry_scope_trustpolicy.json",
            "registry scope \"*\" is present in multiple",
        ),
        ("invalid_format_trustpolicy.json", "trust"),
    ] {
        config_error(
            &Case::new(policy, "e2e-valid-signature").run(&interop),
            message,
        );
    }
}
