//! Unit tests for statement selection (`GetApplicableTrustPolicy`), Go `encoding/json`
//! leniencies when loading, and the built-in identity check (`verifyX509TrustedIdentities`,
//! cases of notation-go `verifier_test.go` `TestVerifyX509TrustedIdentities`).

use serde_json::{Value, json};

use super::tests_document::{NAME, core_error, doc, error, statement, with};
use super::{DistinguishedName, TrustPolicyDocument};

#[test]
fn policy_selection() {
    let mut specific = statement();
    specific["registryScopes"] = json!(["registry.wabbit-networks.io/software/net-monitor"]);
    specific["name"] = json!("specific");
    let mut wildcard = statement();
    wildcard["registryScopes"] = json!(["*"]);
    wildcard["name"] = json!("wildcard");
    let parsed = TrustPolicyDocument::from_value(&doc(vec![wildcard, specific])).unwrap();
    assert_eq!(
        parsed
            .policy_for("registry.wabbit-networks.io/software/net-monitor")
            .unwrap()
            .name,
        "specific"
    );
    assert_eq!(
        parsed
            .policy_for("some.registry.that/has.no.policy")
            .unwrap()
            .name,
        "wildcard"
    );
    // Matching is exact: no prefix or case folding.
    assert_eq!(
        parsed
            .policy_for("registry.wabbit-networks.io/software")
            .unwrap()
            .name,
        "wildcard"
    );
    let reference = "registry.wabbit-networks.io/software/net-monitor@sha256:hash";
    assert_eq!(
        parsed.policy_for_reference(reference).unwrap().name,
        "specific"
    );
    assert!(
        parsed
            .policy_for("not a scope")
            .unwrap_err()
            .message
            .starts_with("registry scope \"not a scope\" is not valid")
    );
    assert!(
        parsed
            .policy_for_reference("a.io/x:tag")
            .unwrap_err()
            .message
            .starts_with("artifact URI \"a.io/x:tag\" could not be parsed")
    );

    let only = TrustPolicyDocument::from_value(&doc(vec![statement()])).unwrap();
    assert_eq!(
        only.policy_for_reference("non.existing.scope/repo@sha256:hash")
            .unwrap_err()
            .message,
        "artifact \"non.existing.scope/repo@sha256:hash\" has no applicable oci trust policy statement. Trust policy applicability for a given artifact is determined by registryScopes. To create a trust policy, see: https://notaryproject.dev/docs/quickstart/#create-a-trust-policy"
    );
}

#[test]
fn go_json_leniencies() {
    // Unknown members are ignored, names match case-insensitively, only the first value is read.
    let text = br#"{"Version":"1.0","TRUSTPOLICIES":[{"name":"a","globalPolicy":true,"registryscopes":["*"],
        "signatureverification":{"Level":"audit"},"trustStores":["ca:x"],"trustedIdentities":["*"]}]} trailing"#;
    let parsed = TrustPolicyDocument::from_json(text).unwrap();
    assert_eq!(parsed.policies[0].level.name.as_str(), "audit");
    // A null statement is Go's zero struct, which has no name.
    assert_eq!(
        error(&json!({"version": "1.0", "trustPolicies": [null]})),
        core_error("a trust policy statement is missing a name, every statement requires a name")
    );
    // A null list element is "".
    assert!(
        error(&with("trustStores", json!([null]))).contains("malformed trust store value \"\"")
    );
    // Wrong types and broken JSON are "malformed".
    for bad in [
        &b"{\"version\": 1}"[..],
        b"[]",
        b"{\"trustPolicies\": {}}",
        b"{\"version\":\"1.0\",",
        b"",
    ] {
        let message = TrustPolicyDocument::from_json(bad).unwrap_err().message;
        assert!(message.starts_with("malformed trust policy. To create a trust policy, see: https://notaryproject.dev/docs/quickstart/#create-a-trust-policy (failed to parse OCI trust policy configuration: "), "{message}");
    }
    assert!(
        error(&with("trustStores", json!(["ca:x", 3])))
            .contains("\"trustPolicies[0].trustStores[1]\" must be a string, found a number")
    );
    // A top-level null is Go's zero document.
    assert_eq!(
        TrustPolicyDocument::from_json(b"null").unwrap_err().message,
        "oci trust policy document has empty version, version must be specified"
    );
}

#[test]
fn identity_verification() {
    let policy_with = |identities: Value| {
        TrustPolicyDocument::from_value(&with("trustedIdentities", identities))
            .unwrap()
            .policies
            .remove(0)
    };
    let subject = || DistinguishedName::parse("CN=SomeCN,OU=SomeOU,O=SomeOrg,L=Seattle,ST=WA,C=US");
    let ok = |identities: Value| policy_with(identities).verify_trusted_identities_with(subject);
    assert!(ok(json!(["x509.subject:C=US,O=SomeOrg,ST=WA"])).is_ok());
    assert!(
        ok(json!([
            "x509.subject:C=US,O=SomeOrg,ST=WA",
            "nonX509Prefix:my-custom-identity"
        ]))
        .is_ok()
    );
    assert!(
        ok(json!([
            "x509.subject:C=US,O=SomeOrg,ST=WA",
            "x509.subject:C=IND,O=SomeOrg,ST=TS"
        ]))
        .is_ok()
    );
    assert!(ok(json!(["*"])).is_ok());
    assert_eq!(
        ok(json!(["nonX509Prefix:my-custom-identity"]))
            .unwrap_err()
            .message,
        format!("no x509 trusted identities are configured in the trust policy \"{NAME}\"")
    );
    assert_eq!(
        ok(json!([
            "x509.subject:C=IND,O=SomeOrg,ST=TS",
            "x509.subject:C=LOL,O=LOL,ST=LOL"
        ]))
        .unwrap_err()
        .message,
        format!(
            "signing certificate from the digital signature does not match the X.509 trusted identities [map[\"C\":\"IND\" \"O\":\"SomeOrg\" \"ST\":\"TS\"] map[\"C\":\"LOL\" \"O\":\"LOL\" \"ST\":\"LOL\"]] defined in the trust policy \"{NAME}\""
        )
    );
    // A subject notation cannot parse fails even when an identity would otherwise match.
    let unparsable = policy_with(json!(["x509.subject:C=US,O=SomeOrg,ST=WA"]))
        .verify_trusted_identities_with(|| {
            DistinguishedName::parse("CN=a=#b,O=SomeOrg,ST=WA,C=US")
        });
    assert_eq!(
        unparsable.unwrap_err().message,
        "error while parsing the certificate subject from the digital signature. error : \"unsupported distinguished name (DN) \\\"CN=a=#b,O=SomeOrg,ST=WA,C=US\\\": notation does not support x509.subject identities containing \\\"=#\\\"\""
    );
    // `*` never looks at the subject.
    assert!(
        policy_with(json!(["*"]))
            .verify_trusted_identities_with(|| DistinguishedName::parse(""))
            .is_ok()
    );
}
