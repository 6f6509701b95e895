//! `x509.subject` trusted identities against real signing certificates, read in place from the
//! interop data: NGO-15 (notation-go `TestVerifyX509TrustedIdentities` certificates), NGO-04
//! (identity mismatch and malformed identities with notation-go's `ca_valid_sig_env.json`),
//! and the identity outcomes of NOT-08's policy files with the e2e signature's leaf.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod trustpolicy_support;

use std::path::Path;

use base64::Engine;
use ratify_notation::trustpolicy::{DistinguishedName, TrustPolicy, TrustPolicyDocument};
use serde_json::{Value, json};
use trustpolicy_support::interop_dir;
use x509_parser::pem::parse_x509_pem;
use x509_parser::prelude::parse_x509_certificate;

/// DER of a PEM certificate file.
fn pem_der(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    let (_, pem) = parse_x509_pem(&bytes).unwrap();
    pem.contents
}

/// DER of the leaf (`x5c[0]`) of a JWS JSON envelope.
fn jws_leaf_der(path: &Path) -> Vec<u8> {
    let envelope: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let leaf = envelope["header"]["x5c"][0].as_str().unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(leaf)
        .unwrap()
}

/// notation-go's `dummyOCIPolicyDocument` statement with the given identities, validated.
fn policy(identities: &[&str]) -> Result<TrustPolicy, String> {
    let document = json!({"version": "1.0", "trustPolicies": [{
        "name": "test-statement-name",
        "registryScopes": ["registry.acme-rockets.io/software/net-monitor"],
        "signatureVerification": {"level": "strict"},
        "trustStores": ["ca:valid-trust-store", "signingAuthority:valid-trust-store"],
        "trustedIdentities": identities
    }]});
    TrustPolicyDocument::from_value(&document)
        .map(|mut doc| doc.policies.remove(0))
        .map_err(|e| e.message)
}

fn verify(policy: &TrustPolicy, der: &[u8]) -> Result<(), String> {
    let (_, cert) = parse_x509_certificate(der).unwrap();
    policy
        .verify_trusted_identities(cert.subject())
        .map_err(|e| e.message)
}

#[test]
fn ngo15_subject_matching() {
    let Some(root) = interop_dir() else { return };
    let certs = root.join("notation-go/trusted-identity-certs");
    let signing = pem_der(&certs.join("signing-cert.pem"));
    let bad = pem_der(&certs.join("bad-cert.pem"));

    let (_, cert) = parse_x509_certificate(&signing).unwrap();
    let subject = DistinguishedName::from_x509_name(cert.subject()).unwrap();
    assert_eq!(
        subject.as_text(),
        "CN=SomeCN,OU=SomeOU,O=SomeOrg,L=Seattle,ST=WA,C=US"
    );

    let us = "x509.subject:C=US,O=SomeOrg,ST=WA";
    let ind = "x509.subject:C=IND,O=SomeOrg,ST=TS";
    let other = "nonX509Prefix:my-custom-identity";
    // (identities, identity check passes) — notation-go TestVerifyX509TrustedIdentities.
    let cases: [(&[&str], bool); 8] = [
        (&[us], true),
        (&[us, other], true),
        (&[us, ind], true),
        (&[other], false),
        (&["*"], true),
        (&[ind], false),
        (&[ind, other], false),
        (&[ind, "x509.subject:C=LOL,O=LOL,ST=LOL"], false),
    ];
    for (identities, passes) in cases {
        let policy = policy(identities).unwrap();
        assert_eq!(verify(&policy, &signing).is_ok(), passes, "{identities:?}");
    }
    // `=#` in an identity: notation-go's helper rejects it at match time; the policy
    // validation of `notation verify` already refuses it.
    let message = policy(&["x509.subject:C=bad=#identity,O=LOL,ST=LOL"]).unwrap_err();
    assert!(
        message.contains("notation does not support x509.subject identities containing \"=#\"")
    );

    // bad-cert.pem has CN=Bad=#CN: Go prints the subject with `=#`, which notation refuses.
    let message = verify(&policy(&[us, other]).unwrap(), &bad).unwrap_err();
    assert!(
        message.starts_with("error while parsing the certificate subject from the digital signature. error : \"unsupported distinguished name (DN) "),
        "{message}"
    );
    assert!(message.contains("CN=Bad=#CN"), "{message}");
    // ...unless the policy trusts any identity, which never reads the subject.
    assert!(verify(&policy(&["*"]).unwrap(), &bad).is_ok());
}

#[test]
fn ngo04_identity_mismatch_and_malformed() {
    let Some(root) = interop_dir() else { return };
    let leaf = jws_leaf_der(&root.join("notation-go/envelopes/ca_valid_sig_env.json"));

    let dummy =
        policy(&["x509.subject:CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US"]).unwrap();
    assert_eq!(verify(&dummy, &leaf), Ok(()));

    let lol = policy(&["x509.subject:CN=LOL,O=DummyOrg,L=Hyderabad,ST=TG,C=IN"]).unwrap();
    assert_eq!(
        verify(&lol, &leaf).unwrap_err(),
        "signing certificate from the digital signature does not match the X.509 trusted identities [map[\"C\":\"IN\" \"CN\":\"LOL\" \"L\":\"Hyderabad\" \"O\":\"DummyOrg\" \"ST\":\"TG\"]] defined in the trust policy \"test-statement-name\""
    );
    // notation-go's messages, here raised when the policy is loaded.
    assert!(
        policy(&["x509.subject"])
            .unwrap_err()
            .contains("trust policy statement \"test-statement-name\" has trusted identity \"x509.subject\" missing separator")
    );
    assert!(
        policy(&["x509.subject:"])
            .unwrap_err()
            .contains("trust policy statement \"test-statement-name\" has trusted identity \"x509.subject:\" without an identity value")
    );
}

#[test]
fn not08_identity_outcomes_with_the_e2e_signature() {
    let Some(root) = interop_dir() else { return };
    let layout = root.join("notation/oci_layout/e2e-valid-signature/blobs/sha256");
    let leaf = jws_leaf_der(
        &layout.join("c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50"),
    );
    let policies = root.join("notation/trustpolicies");
    let load = |name: &str| {
        let bytes = std::fs::read(policies.join(name)).unwrap();
        TrustPolicyDocument::from_json(&bytes)
            .unwrap()
            .policy_for("localhost:5000/e2e")
            .unwrap()
            .clone()
    };

    // The leaf is the e2e trust-store certificate itself.
    assert_eq!(leaf, pem_der(&root.join("notation/localkeys/e2e.crt")));

    assert_eq!(verify(&load("trustpolicy.json"), &leaf), Ok(()));
    assert_eq!(
        verify(&load("valid_trusted_identity_trustpolicy.json"), &leaf),
        Ok(())
    );
    assert_eq!(
        verify(&load("multiple_trusted_identity_trustpolicy.json"), &leaf),
        Ok(())
    );
    let new_e2e = pem_der(&root.join("notation/localkeys/new_e2e.crt"));
    assert_eq!(
        verify(
            &load("multiple_trusted_identity_trustpolicy.json"),
            &new_e2e
        ),
        Ok(())
    );

    let message = verify(&load("invalid_trusted_identity_trustpolicy.json"), &leaf).unwrap_err();
    assert_eq!(
        message,
        "signing certificate from the digital signature does not match the X.509 trusted identities [map[\"C\":\"USB\" \"CN\":\"e2e\" \"L\":\"Seattle\" \"O\":\"Notary\" \"ST\":\"WA\"]] defined in the trust policy \"e2e\""
    );
}
