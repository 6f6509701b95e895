//! Unit tests for documents, statements, trust stores and identities, mirroring notation-go
//! `verifier/trustpolicy/{oci_test,trustpolicy_test}.go` and `verifier_test.go`.

use serde_json::{Value, json};

use super::{TrustPolicyDocument, TrustedIdentity, VerifyTimestamp};
use crate::x509::StoreType;

pub(super) const NAME: &str = "test-statement-name";

/// notation-go's `dummyOCIPolicyDocument` statement.
pub(super) fn statement() -> Value {
    json!({
        "name": NAME,
        "registryScopes": ["registry.acme-rockets.io/software/net-monitor"],
        "signatureVerification": {"level": "strict"},
        "trustStores": ["ca:valid-trust-store", "signingAuthority:valid-trust-store"],
        "trustedIdentities": ["x509.subject:CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US"]
    })
}

pub(super) fn doc(statements: Vec<Value>) -> Value {
    json!({"version": "1.0", "trustPolicies": statements})
}

pub(super) fn with(field: &str, value: Value) -> Value {
    let mut statement = statement();
    statement[field] = value;
    doc(vec![statement])
}

pub(super) fn error(value: &Value) -> String {
    TrustPolicyDocument::from_value(value).unwrap_err().message
}

pub(super) fn core_error(prefix_free: &str) -> String {
    format!("oci trust policy: {prefix_free}")
}

#[test]
fn valid_document() {
    let parsed = TrustPolicyDocument::from_value(&doc(vec![statement()])).unwrap();
    assert_eq!(parsed.version, "1.0");
    let policy = &parsed.policies[0];
    assert_eq!(policy.name, NAME);
    assert_eq!(policy.trust_stores[1].kind, StoreType::SigningAuthority);
    assert_eq!(
        policy.trust_stores[1].to_string(),
        "signingAuthority:valid-trust-store"
    );
    assert_eq!(policy.verify_timestamp, VerifyTimestamp::Always);
    let TrustedIdentity::Subject(dn) = &policy.trusted_identities[0] else {
        panic!("not a subject")
    };
    assert_eq!(dn.get("CN"), Some(&b"Notation Test Root"[..]));
}

#[test]
fn document_rules() {
    assert_eq!(
        error(&json!({"version": "", "trustPolicies": [statement()]})),
        "oci trust policy document has empty version, version must be specified"
    );
    assert_eq!(
        error(&json!({"trustPolicies": [statement()]})),
        "oci trust policy document has empty version, version must be specified"
    );
    assert_eq!(
        error(&json!({"version": "invalid", "trustPolicies": [statement()]})),
        "oci trust policy document uses unsupported version \"invalid\""
    );
    assert_eq!(
        error(&json!({"version": "1.0"})),
        "oci trust policy document can not have zero trust policy statements"
    );
    assert_eq!(
        error(&doc(vec![statement(), statement()])),
        format!(
            "multiple oci trust policy statements use the same name \"{NAME}\", statement names must be unique"
        )
    );
    assert_eq!(
        error(&with("name", json!(""))),
        core_error("a trust policy statement is missing a name, every statement requires a name")
    );
}

#[test]
fn statement_rules() {
    let p = format!("trust policy statement \"{NAME}\"");
    let cases = [
        (
            with("signatureVerification", json!({"level": "invalid"})),
            format!(
                "{p} has invalid signatureVerification: invalid signature verification level \"invalid\""
            ),
        ),
        (
            with("signatureVerification", json!(null)),
            format!(
                "{p} has invalid signatureVerification: signature verification level is empty or missing in the trust policy statement"
            ),
        ),
        (
            with(
                "signatureVerification",
                json!({"level": "strict", "verifyTimestamp": "invalid"}),
            ),
            format!(
                "{p} has invalid signatureVerification: verifyTimestamp must be \"always\" or \"afterCertExpiry\", but got \"invalid\""
            ),
        ),
        (
            with(
                "signatureVerification",
                json!({"level": "strict", "override": {"integrity": "log"}}),
            ),
            format!(
                "{p} has invalid signatureVerification: \"integrity\" verification can not be overridden in custom signature verification"
            ),
        ),
        (
            with("trustStores", json!([])),
            format!(
                "{p} is either missing trust stores or trusted identities, both must be specified"
            ),
        ),
        (
            with("trustedIdentities", json!(null)),
            format!(
                "{p} is either missing trust stores or trusted identities, both must be specified"
            ),
        ),
        (
            with("signatureVerification", json!({"level": "skip"})),
            format!(
                "{p} is set to skip signature verification but configured with trust stores and/or trusted identities, remove them if signature verification needs to be skipped"
            ),
        ),
        (
            with("trustStores", json!(["ca"])),
            format!(
                "{p} has malformed trust store value \"ca\". The required format is <TrustStoreType>:<TrustStoreName>"
            ),
        ),
        (
            with("trustStores", json!([""])),
            format!(
                "{p} has malformed trust store value \"\". The required format is <TrustStoreType>:<TrustStoreName>"
            ),
        ),
        (
            with("trustStores", json!(["invalid:test-trust-store"])),
            format!(
                "{p} uses an unsupported trust store type \"invalid\" in trust store value \"invalid:test-trust-store\""
            ),
        ),
        (
            with("trustStores", json!(["CA:x"])),
            format!(
                "{p} uses an unsupported trust store type \"CA\" in trust store value \"CA:x\""
            ),
        ),
        (
            with("trustStores", json!(["ca:"])),
            format!(
                "{p} uses an unsupported trust store name \"\" in trust store value \"ca:\". Named store name needs to follow [a-zA-Z0-9_.-]+ format"
            ),
        ),
        (
            with("trustStores", json!(["ca:#@$@$"])),
            format!(
                "{p} uses an unsupported trust store name \"#@$@$\" in trust store value \"ca:#@$@$\". Named store name needs to follow [a-zA-Z0-9_.-]+ format"
            ),
        ),
        (
            with("trustStores", json!(["ca:a:b"])),
            format!(
                "{p} uses an unsupported trust store name \"a:b\" in trust store value \"ca:a:b\". Named store name needs to follow [a-zA-Z0-9_.-]+ format"
            ),
        ),
        (
            with("trustedIdentities", json!([""])),
            format!("{p} has an empty trusted identity"),
        ),
        (
            with("trustedIdentities", json!(["*", "test-identity"])),
            format!(
                "{p} uses a wildcard trusted identity '*', a wildcard identity cannot be used in conjunction with other values"
            ),
        ),
        (
            with("trustedIdentities", json!(["*", "*"])),
            format!(
                "{p} uses a wildcard trusted identity '*', a wildcard identity cannot be used in conjunction with other values"
            ),
        ),
        (
            with("trustedIdentities", json!(["x509.subject"])),
            format!("{p} has trusted identity \"x509.subject\" missing separator"),
        ),
        (
            with(
                "trustedIdentities",
                json!(["C=US, ST=WA, O=wabbit-network.io, OU=org1"]),
            ),
            format!(
                "{p} has trusted identity \"C=US, ST=WA, O=wabbit-network.io, OU=org1\" missing separator"
            ),
        ),
        (
            with("trustedIdentities", json!(["x509.subject:"])),
            format!("{p} has trusted identity \"x509.subject:\" without an identity value"),
        ),
        (
            with("trustedIdentities", json!(["x509.subject:,,,"])),
            format!(
                "{p} has trusted identity \"x509.subject:,,,\" with invalid identity value: parsing distinguished name (DN) \",,,\" failed with err: incomplete type, value pair. A valid DN must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum, and follow RFC 4514 standard"
            ),
        ),
        (
            with(
                "trustedIdentities",
                json!([
                    "x509.subject:C=US,ST=WA,O=MyOrg",
                    "x509.subject:C=US,ST=WA,O=MyOrg,X=Y"
                ]),
            ),
            format!(
                "{p} has overlapping x509 trustedIdentities, \"x509.subject:C=US,ST=WA,O=MyOrg\" overlaps with \"x509.subject:C=US,ST=WA,O=MyOrg,X=Y\""
            ),
        ),
        (
            with(
                "trustedIdentities",
                json!([
                    "x509.subject:C=US,ST=WA,O=MyOrg",
                    "x509.subject:C=US,ST=WA,O=MyOrg"
                ]),
            ),
            format!(
                "{p} has overlapping x509 trustedIdentities, \"x509.subject:C=US,ST=WA,O=MyOrg\" overlaps with \"x509.subject:C=US,ST=WA,O=MyOrg\""
            ),
        ),
    ];
    for (value, message) in cases {
        assert_eq!(error(&value), core_error(&message));
    }
}

#[test]
fn accepted_statements() {
    let ok = |value: Value| TrustPolicyDocument::from_value(&value).unwrap();
    // Valid skip: no stores, no identities; an empty override map is no override.
    let mut skip = statement();
    skip["signatureVerification"] = json!({"level": "skip", "override": {}});
    skip["trustStores"] = json!([]);
    skip["trustedIdentities"] = json!(null);
    assert!(ok(doc(vec![skip])).policies[0].trust_stores.is_empty());
    // Optional RDNs, RFC 4514 escapes, other identity prefixes, repeated stores.
    let parsed = ok(with(
        "trustedIdentities",
        json!([
            "x509.subject:C=US,ST=WA,O=MyOrg,CustomRDN=CustomValue",
            "x509.subject:C=US,ST=WA,O=  My.  Org",
            "x509.subject:C=US,ST=WA,O=My \"special\" Org \\, \\; \\\\ others",
            "nonX509Prefix:my-custom-identity"
        ]),
    ));
    assert_eq!(parsed.policies[0].trusted_identities.len(), 3);
    assert_eq!(
        parsed.policies[0].other_identities,
        ["nonX509Prefix:my-custom-identity"]
    );
    assert_eq!(
        parsed.policies[0].trusted_identities[1].to_policy_string(),
        "x509.subject:C=US,ST=WA,O=  My.  Org"
    );
    ok(with(
        "trustStores",
        json!(["ca:e2e", "ca:e2e", "tsa:a_b.c-d"]),
    ));
    let timestamp = ok(with(
        "signatureVerification",
        json!({"level": "strict", "verifyTimestamp": "afterCertExpiry"}),
    ));
    assert_eq!(
        timestamp.policies[0].verify_timestamp,
        VerifyTimestamp::AfterCertExpiry
    );
}

#[test]
fn registry_scope_rules() {
    let p = format!("oci trust policy statement \"{NAME}\"");
    assert_eq!(
        error(&with("registryScopes", json!(null))),
        format!(
            "{p} has zero registry scopes, it must specify registry scopes with at least one value"
        )
    );
    assert_eq!(
        error(&with(
            "registryScopes",
            json!(["*", "registry.acme-rockets.io/software/net-monitor"])
        )),
        format!(
            "{p} uses wildcard registry scope '*', a wildcard scope cannot be used in conjunction with other scope values"
        )
    );
    assert!(
        error(&with("registryScopes", json!(["a.io/x:tag"])))
            .starts_with("registry scope \"a.io/x:tag\" is not valid")
    );
    assert!(
        error(&with("registryScopes", json!(["a.io/x*"])))
            .starts_with("registry scope \"a.io/x*\" with wild card(s) is not valid")
    );
    // A scope listed twice, in one statement or across two, is refused.
    let twice = "registry scope \"a.io/x\" is present in multiple oci trust policy statements, one registry scope value can only be associated with one statement";
    assert_eq!(
        error(&with("registryScopes", json!(["a.io/x", "a.io/x"]))),
        twice
    );
    let mut second = statement();
    second["name"] = json!("second");
    second["registryScopes"] = json!(["b.io/y", "a.io/x"]);
    let mut first = statement();
    first["registryScopes"] = json!(["a.io/x"]);
    assert_eq!(error(&doc(vec![first, second])), twice);
    // Statement errors come before scope errors, whatever the statement order.
    let mut bad_scope = statement();
    bad_scope["registryScopes"] = json!([]);
    let mut bad_core = statement();
    bad_core["name"] = json!("other");
    bad_core["trustStores"] = json!([]);
    assert!(
        error(&doc(vec![bad_scope, bad_core])).contains("\"other\" is either missing trust stores")
    );
}
