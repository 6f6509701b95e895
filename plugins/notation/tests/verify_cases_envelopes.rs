//! Verify-level tests for notation-go's loose envelopes (PROVENANCE.md NGO-01..NGO-07, and
//! NGO-14's layout signatures against the layout's own manifest descriptor): each
//! envelope runs through `verify_envelope` with notation-go's `dummyOCIPolicyDocument` (given
//! inline as `trustPolicyDoc`) and its trust stores (given as `verificationCertStores`), at the
//! levels the case names. The subject is the envelope's own payload `targetArtifact`, so the
//! descriptor check passes by construction and the outcome is the one of the validation under
//! test. Revocation fetches are disabled by an already-reached deadline (no chain here names an
//! OCSP or CRL URL, so nothing depends on the network). Without the data each test prints SKIP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod verify_support;

use std::path::Path;

use ratify_notation::verify::{UNTRUSTED, scope_of};
use ratify_plugin_sdk::wire::Descriptor;
use serde_json::{Value, json};
use verify_support::{
    Sig, clean, config_error, invalid, logged, own_leaf_store, run, setup, store, try_setup, valid,
    warnings,
};

/// notation-go's artifact reference and the scope it is matched under.
const REFERENCE: &str = "registry.acme-rockets.io/software/net-monitor@sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e";
const SCOPE: &str = "registry.acme-rockets.io/software/net-monitor";
const ROOT: &str = "CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US";
const ROOT_ID: &str = "x509.subject:CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US";
const STORES: [&str; 2] = ["ca:valid-trust-store", "signingAuthority:valid-trust-store"];
const LEVELS: [&str; 3] = ["strict", "permissive", "audit"];
const EXPIRED: &str = "digital signature has expired on \"Fri, 29 Jul 2022 23:59:00 +0000\"";

/// `dummyOCIPolicyDocument`'s one statement, with the level, stores and identities given.
fn statement(level: &str, stores: &[&str], identities: &[&str]) -> Value {
    json!([{
        "name": "test-statement-name",
        "registryScopes": [SCOPE],
        "signatureVerification": {"level": level},
        "trustStores": stores,
        "trustedIdentities": identities,
    }])
}

/// `ca:<name>` and `signingAuthority:<name>` from notation-go's trust store directories.
fn stores(dir: &Path, name: &str) -> Value {
    json!({
        "ca": {name: [store(dir, "ca", name)]},
        "signingAuthority": {name: [store(dir, "signingAuthority", name)]},
    })
}

/// `sig` under the dummy policy at `level`, with the valid stores.
fn dummy(dir: &Path, sig: &Sig, level: &str) -> ratify_plugin_sdk::wire::VerifyResult {
    let setup = setup(
        statement(level, &STORES, &[ROOT_ID]),
        stores(dir, "valid-trust-store"),
        json!({}),
    );
    run(&setup, SCOPE, sig, &sig.subject())
}

#[test]
fn ngo01_valid_x509_signature_at_every_level() {
    let dir = interop!();
    assert_eq!(scope_of(REFERENCE, "local/oci-layout"), SCOPE);
    let sig = Sig::read(&dir, "envelopes/ca_valid_sig_env.json");
    let subject = sig.subject();
    assert_eq!(subject.digest, REFERENCE.split_once('@').unwrap().1);
    assert_eq!(subject.size, 528);
    for level in LEVELS {
        let result = dummy(&dir, &sig, level);
        clean(&result, level);
        let ext = result.extensions.unwrap();
        assert_eq!(ext["trustPolicy"], "test-statement-name", "{level}");
        assert_eq!(ext["signingScheme"], "notary.x509", "{level}");
        assert_eq!(ext["SN"], ROOT, "{level}");
        assert_eq!(ext["Issuer"], ROOT, "{level}");
        assert_eq!(
            ext["signingTime"], "Mon, 09 Nov 2020 07:00:00 +0000",
            "{level}"
        );
    }
    // The same signature offered for another artifact fails at every level (integrity).
    let setup = setup(
        statement("audit", &STORES, &[ROOT_ID]),
        stores(&dir, "valid-trust-store"),
        json!({}),
    );
    let mut other = subject.clone();
    other.size += 1;
    let result = run(&setup, SCOPE, &sig, &other);
    assert!(!result.is_success, "{result:?}");
    assert!(
        result
            .message
            .starts_with("integrity validation failed: content descriptor mismatch"),
        "{}",
        result.message
    );
}

#[test]
fn ngo02_signing_authority_scheme_uses_its_own_store_type() {
    let dir = interop!();
    let sig = Sig::read(&dir, "envelopes/sa_valid_sig_env.json");
    for level in LEVELS {
        let result = dummy(&dir, &sig, level);
        clean(&result, level);
        let ext = result.extensions.unwrap();
        assert_eq!(ext["signingScheme"], "notary.x509.signingAuthority");
        // The authentic signing time is the one reported.
        assert_eq!(ext["signingTime"], "Mon, 09 Nov 2020 07:00:00 +0000");
    }
    // Anchors are looked up only in stores of the scheme's type: the ca store holds the same
    // root, yet a signingAuthority signature finds nothing there (and vice versa).
    let none = "no trusted certificates are found to verify authenticity";
    for (file, only) in [
        ("envelopes/sa_valid_sig_env.json", "ca:valid-trust-store"),
        (
            "envelopes/ca_valid_sig_env.json",
            "signingAuthority:valid-trust-store",
        ),
    ] {
        let sig = Sig::read(&dir, file);
        let setup = setup(
            statement("strict", &[only], &[ROOT_ID]),
            stores(&dir, "valid-trust-store"),
            json!({}),
        );
        invalid(
            &run(&setup, SCOPE, &sig, &sig.subject()),
            "authenticity",
            none,
            file,
        );
    }
}

#[test]
fn ngo03_trust_store_without_the_signing_root() {
    let dir = interop!();
    let other = [
        "ca:valid-trust-store-2",
        "signingAuthority:valid-trust-store-2",
    ];
    for file in [
        "envelopes/ca_valid_sig_env.json",
        "envelopes/sa_valid_sig_env.json",
    ] {
        let sig = Sig::read(&dir, file);
        for level in LEVELS {
            let setup = setup(
                statement(level, &other, &[ROOT_ID]),
                stores(&dir, "valid-trust-store-2"),
                json!({}),
            );
            let result = run(&setup, SCOPE, &sig, &sig.subject());
            let what = format!("{file} {level}");
            if level == "audit" {
                logged(&result, "authenticity", UNTRUSTED, &what);
            } else {
                invalid(&result, "authenticity", UNTRUSTED, &what);
            }
            // notation's current wording is part of the message.
            let text = format!("{}{:?}", result.message, warnings(&result));
            assert!(
                text.contains(
                    "the signature's certificate chain does not contain any trusted certificate"
                ),
                "{what}: {text}"
            );
        }
    }
    // A store reference without its type separator. notation-go's verifier test builds its
    // policy in code and so meets the loader's "is missing separator" error; a policy document
    // (here `trustPolicyDoc`) is validated first, with notation's document wording.
    let error = config_error(
        statement(
            "strict",
            &["ca:valid-trust-store-2", "signingAuthority"],
            &[ROOT_ID],
        ),
        stores(&dir, "valid-trust-store-2"),
    );
    assert!(
        error.contains(
            "trust policy statement \"test-statement-name\" has malformed trust store value \"signingAuthority\". The required format is <TrustStoreType>:<TrustStoreName>"
        ),
        "{error}"
    );
}

#[test]
fn ngo04_trusted_identity_mismatch_and_malformed_identities() {
    let dir = interop!();
    let sig = Sig::read(&dir, "envelopes/ca_valid_sig_env.json");
    let lol = "x509.subject:CN=LOL,O=DummyOrg,L=Hyderabad,ST=TG,C=IN";
    let reason = "signing certificate from the digital signature does not match the X.509 trusted identities [map[\"C\":\"IN\" \"CN\":\"LOL\" \"L\":\"Hyderabad\" \"O\":\"DummyOrg\" \"ST\":\"TG\"]] defined in the trust policy \"test-statement-name\"";
    for level in LEVELS {
        let setup = setup(
            statement(level, &STORES, &[lol]),
            stores(&dir, "valid-trust-store"),
            json!({}),
        );
        let result = run(&setup, SCOPE, &sig, &sig.subject());
        if level == "audit" {
            logged(&result, "authenticity", reason, level);
        } else {
            invalid(&result, "authenticity", reason, level);
        }
    }
    // Malformed identities are policy errors, found when the config loads.
    for (identity, message) in [
        (
            "x509.subject",
            "trust policy statement \"test-statement-name\" has trusted identity \"x509.subject\" missing separator",
        ),
        (
            "x509.subject:",
            "trust policy statement \"test-statement-name\" has trusted identity \"x509.subject:\" without an identity value",
        ),
    ] {
        let error = config_error(
            statement("strict", &STORES, &[identity]),
            stores(&dir, "valid-trust-store"),
        );
        assert!(error.contains(message), "{identity}: {error}");
    }
}

#[test]
fn ngo05_tampered_payload_fails_integrity_at_every_level() {
    let dir = interop!();
    let sig = Sig::read(&dir, "envelopes/ca_invalid_sig_env.json");
    // The tampered payload cannot be decoded, so the subject comes from its untampered twin
    // (the two files differ only by the '=' appended to `payload`).
    let subject = Sig::read(&dir, "envelopes/ca_valid_sig_env.json").subject();
    let reason = "signature is invalid. Error: illegal base64 data at input byte 242";
    for level in LEVELS {
        let setup = setup(
            statement(level, &STORES, &[ROOT_ID]),
            stores(&dir, "valid-trust-store"),
            json!({}),
        );
        invalid(
            &run(&setup, SCOPE, &sig, &subject),
            "integrity",
            reason,
            level,
        );
    }
}

#[test]
fn ngo06_expired_signature_enforced_in_strict_logged_otherwise() {
    let dir = interop!();
    for file in [
        "envelopes/ca_expired_sig_env.json",
        "envelopes/sa_expired_sig_env.json",
    ] {
        let sig = Sig::read(&dir, file);
        invalid(&dummy(&dir, &sig, "strict"), "expiry", EXPIRED, file);
        for level in ["permissive", "audit"] {
            logged(&dummy(&dir, &sig, level), "expiry", EXPIRED, level);
        }
    }
}

#[test]
fn ngo07_user_metadata_must_be_a_subset_with_exact_values() {
    let dir = interop!();
    let sig = Sig::read(&dir, "envelopes/sig_env_with_metadata.json");
    let subject = sig.subject();
    assert_eq!(subject.size, 942);
    assert_eq!(subject.annotations["io.wabbit-networks.buildId"], "123");
    let wabbit = "CN=wabbit-networks.io,O=Notary,L=Seattle,ST=WA,C=US";
    // Audit, as in notation-go: the 1-day signing certificate (2023-01-11) is neither trusted
    // nor valid now, and both are only logged.
    let expected_warnings = vec![
        format!("authenticity was set to \"log\" and failed with error: {UNTRUSTED}"),
        format!(
            "authenticTimestamp was set to \"log\" and failed with error: verification time is after certificate {wabbit:?} validity period, it was expired at \"Thu, 12 Jan 2023 00:52:12 +0000\""
        ),
    ];
    let with = |metadata: Value| {
        let setup = setup(
            statement("audit", &STORES, &[ROOT_ID]),
            stores(&dir, "valid-trust-store"),
            json!({"userMetadata": metadata}),
        );
        run(&setup, SCOPE, &sig, &subject)
    };
    let id = "io.wabbit-networks.buildId";
    let time = "io.wabbit-networks.buildTime";
    for metadata in [
        json!({}),
        json!({id: "123"}),
        json!({id: "123", time: "1672944615"}),
    ] {
        let result = with(metadata.clone());
        assert_eq!(valid(&result, &metadata.to_string()), expected_warnings);
    }
    for (metadata, missing) in [
        (json!({id: "321"}), format!("{id}=321")),
        (json!({id: "123", time: "1"}), format!("{time}=1")),
        (
            json!({"io.wabbit-networks.other": "123"}),
            "io.wabbit-networks.other=123".into(),
        ),
        // Values match exactly: no trimming, no case folding.
        (json!({id: "123 "}), format!("{id}=123 ")),
    ] {
        let reason =
            format!("unable to find specified metadata in the signature: {missing} is not present");
        invalid(
            &with(metadata.clone()),
            "userMetadata",
            &reason,
            &metadata.to_string(),
        );
    }
    // Only strings are accepted as required values.
    let error = try_setup(
        statement("audit", &STORES, &[ROOT_ID]),
        stores(&dir, "valid-trust-store"),
        json!({"userMetadata": {id: 123}}),
        Vec::new(),
    )
    .err()
    .unwrap();
    assert!(
        error.contains("userMetadata.io.wabbit-networks.buildId must be a string"),
        "{error}"
    );
}

#[test]
fn ngo14_layout_signatures_verify_against_the_layout_manifest() {
    let dir = interop!();
    // Here the subject is the layout's own manifest descriptor (index.json), not the payload.
    let index = std::fs::read(dir.join("notation-go/oci-layout/index.json")).unwrap();
    let index: Value = serde_json::from_slice(&index).unwrap();
    let entry = &index["manifests"][0];
    let subject = Descriptor::new(
        entry["mediaType"].as_str().unwrap(),
        entry["digest"].as_str().unwrap(),
        entry["size"].as_u64().unwrap(),
    );
    for file in [
        "oci-layout-signatures/jws_signature.sig",
        "oci-layout-signatures/cose_signature.sig",
    ] {
        let sig = Sig::read(&dir, file);
        // The self-signed CN=alpine leaf (2000..2123) is in no notation-go store: trusting it
        // directly makes the signature VALID at strict; the stores' other CN=alpine does not.
        let leaf = own_leaf_store(&sig);
        let by_type = json!({"ca": {"alpine": [leaf.path().display().to_string()]}});
        let trusted = statement("strict", &["ca:alpine"], &["*"]);
        let own = try_setup(trusted, by_type, json!({}), vec![leaf]).unwrap();
        clean(&run(&own, SCOPE, &sig, &subject), file);
        let setup = setup(
            statement("strict", &STORES, &["*"]),
            stores(&dir, "valid-trust-store"),
            json!({}),
        );
        invalid(
            &run(&setup, SCOPE, &sig, &subject),
            "authenticity",
            UNTRUSTED,
            file,
        );
    }
}
