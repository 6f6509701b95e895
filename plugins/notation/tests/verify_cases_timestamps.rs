//! Verify-level tests for notation-go's timestamped envelopes (PROVENANCE.md NGO-09..NGO-13,
//! notation-go `TestAuthenticTimestamp`): each envelope runs through `verify_envelope` with
//! that test's policy (strict, `verifyTimestamp`, `ca:valid-trust-store` + a `tsa:` store,
//! identities `*`) given inline, the stores given as `verificationCertStores`. The subject is
//! the envelope's own payload `targetArtifact`, so the descriptor check passes by construction.
//!
//! Time and network: the flow uses the real clock, and revocation runs with an already-reached
//! deadline (no fetch starts). The GlobalSign TSA chain names OCSP/CRL URLs, so its revocation
//! status comes out unknown, as it does for notation offline (notation-go's own test checks it
//! online, with a 2 s OCSP timeout). That check is notation's last step of timestamp
//! verification (after the token, its chain and the signing-certificate window), so reaching
//! "timestamping certificate ... revocation status is unknown" shows every earlier step passed;
//! the `authenticTimestamp: log` override then turns it into a VALID result with that one
//! warning. Without the data each test prints SKIP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod verify_support;

use std::path::Path;

use base64::Engine;
use serde_json::{Value, json};
use verify_support::{
    Setup, Sig, clean, config_error, invalid, invalid_starting, logged, own_leaf_store, run, setup,
    store, try_setup,
};

const SCOPE: &str = "registry.example.com/software/net-monitor";
const TEST_TSA: &str = "CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US";
const TSA_UNKNOWN: &str = "timestamping certificate with subject \"CN=Globalsign TSA for Advanced - G4 - 202311,O=GlobalSign nv-sa,C=BE\" revocation status is unknown";
const NO_TOKEN: &str = "no timestamp countersignature was found in the signature envelope";

/// `TestAuthenticTimestamp`'s statement: strict unless `verification` says otherwise.
fn statement(verification: Value, stores: &[&str]) -> Value {
    json!([{
        "name": "test-timestamp",
        "registryScopes": ["*"],
        "signatureVerification": verification,
        "trustStores": stores,
        "trustedIdentities": ["*"],
    }])
}

fn strict(verify_timestamp: &str) -> Value {
    json!({"level": "strict", "verifyTimestamp": verify_timestamp})
}

/// Strict, with the authentic timestamp validation only logged.
fn strict_logging_timestamp(verify_timestamp: &str) -> Value {
    json!({"level": "strict", "override": {"authenticTimestamp": "log"}, "verifyTimestamp": verify_timestamp})
}

/// `ca:valid-trust-store` and `tsa:<tsa>` from notation-go's trust store directories.
fn stores(dir: &Path, tsa: &str) -> Value {
    json!({
        "ca": {"valid-trust-store": [store(dir, "ca", "valid-trust-store")]},
        "tsa": {tsa: [store(dir, "tsa", tsa)]},
    })
}

/// `sig` under `verification` with `ca:valid-trust-store` (+ `tsa:test-timestamp` if `tsa`).
fn verify(
    dir: &Path,
    sig: &Sig,
    verification: Value,
    tsa: bool,
) -> ratify_plugin_sdk::wire::VerifyResult {
    let names: &[&str] = if tsa {
        &["ca:valid-trust-store", "tsa:test-timestamp"]
    } else {
        &["ca:valid-trust-store"]
    };
    let setup = setup(
        statement(verification, names),
        stores(dir, "test-timestamp"),
        json!({}),
    );
    run(&setup, SCOPE, sig, &sig.subject())
}

/// For signing certificates in no notation-go store: `ca:signer` holds the envelope's own
/// leaf (notation-go's test never checks authenticity for these).
fn own_signer(
    dir: &Path,
    sig: &Sig,
    verification: Value,
    tsa: bool,
) -> ratify_plugin_sdk::wire::VerifyResult {
    let leaf = own_leaf_store(sig);
    let mut by_type = json!({"ca": {"signer": [leaf.path().display().to_string()]}});
    let mut names = vec!["ca:signer"];
    if tsa {
        by_type["tsa"] = json!({"test-timestamp": [store(dir, "tsa", "test-timestamp")]});
        names.push("tsa:test-timestamp");
    }
    let setup: Setup = try_setup(
        statement(verification, &names),
        by_type,
        json!({}),
        vec![leaf],
    )
    .unwrap();
    run(&setup, SCOPE, sig, &sig.subject())
}

#[test]
fn ngo09_authentic_timestamps_on_jws_and_cose() {
    let dir = interop!();
    println!(
        "NGO-09: VALID at plain strict needs the GlobalSign TSA chain's OCSP/CRL answers \
         (network); offline it stops at the TSA revocation status, after every other step."
    );
    for file in [
        "timestamp/sigEnv/jwsWithTimestamp.sig",
        "timestamp/sigEnv/coseWithTimestamp.sig",
    ] {
        let sig = Sig::read(&dir, file);
        // Token, TSA chain and signing-certificate window pass; only the TSA chain's revocation
        // status (offline) is left.
        invalid(
            &verify(&dir, &sig, strict("always"), true),
            "authenticTimestamp",
            TSA_UNKNOWN,
            file,
        );
        logged(
            &verify(&dir, &sig, strict_logging_timestamp("always"), true),
            "authenticTimestamp",
            TSA_UNKNOWN,
            file,
        );
        // afterCertExpiry: the CN=alpine leaf (valid until 2033) is not expired, so the
        // timestamp is not needed and the signature is VALID at strict, offline too.
        let result = verify(&dir, &sig, strict("afterCertExpiry"), true);
        clean(&result, file);
        assert!(
            result.extensions.unwrap().get("timestamp").is_none(),
            "{file}"
        );
    }
}

#[test]
fn ngo09_expired_signing_certificate_is_covered_by_its_timestamp() {
    let dir = interop!();
    let sig = Sig::read(&dir, "timestamp/sigEnv/jwsExpiredWithTimestamp.sig");
    // Today: the CN=testTSA leaf expired on 2024-06-18T07:30:31Z; without a tsa: store the
    // real clock decides, and the signature is invalid.
    let expired = format!(
        "verification time is after certificate {TEST_TSA:?} validity period, it was expired at \"Tue, 18 Jun 2024 07:30:31 +0000\""
    );
    invalid(
        &own_signer(&dir, &sig, strict("always"), false),
        "authenticTimestamp",
        &expired,
        "no tsa",
    );
    invalid(
        &own_signer(&dir, &sig, strict("afterCertExpiry"), false),
        "authenticTimestamp",
        &expired,
        "no tsa",
    );
    // With tsa:test-timestamp, the timestamp (genTime 2024-06-18T07:21:42Z, inside the leaf's
    // validity) is used instead of the clock, under both verifyTimestamp options: the expiry
    // error is gone and only the offline TSA revocation status remains.
    for option in ["always", "afterCertExpiry"] {
        invalid(
            &own_signer(&dir, &sig, strict(option), true),
            "authenticTimestamp",
            TSA_UNKNOWN,
            option,
        );
        logged(
            &own_signer(&dir, &sig, strict_logging_timestamp(option), true),
            "authenticTimestamp",
            TSA_UNKNOWN,
            option,
        );
    }
    // Logging the validation without a tsa: store logs the expiry instead.
    logged(
        &own_signer(&dir, &sig, strict_logging_timestamp("always"), false),
        "authenticTimestamp",
        &expired,
        "no tsa, logged",
    );
}

#[test]
fn ngo10_timestamp_required_but_absent() {
    let dir = interop!();
    let sig = Sig::read(&dir, "timestamp/sigEnv/withoutTimestamp.sig");
    invalid(
        &verify(&dir, &sig, strict("always"), true),
        "authenticTimestamp",
        NO_TOKEN,
        "strict",
    );
    let permissive = json!({"level": "permissive", "verifyTimestamp": "always"});
    logged(
        &verify(&dir, &sig, permissive, true),
        "authenticTimestamp",
        NO_TOKEN,
        "permissive",
    );
    // Not required: no tsa: store, or afterCertExpiry with a valid leaf (CN=alpine, to 2033).
    clean(&verify(&dir, &sig, strict("always"), false), "no tsa store");
    clean(
        &verify(&dir, &sig, strict("afterCertExpiry"), true),
        "afterCertExpiry",
    );
}

#[test]
fn ngo11_timestamp_outside_the_signing_certificate_validity() {
    let dir = interop!();
    // The not-yet-valid leaf is ca/valid-trust-store/TestTimestampNotYetValid.crt.
    let sig = Sig::read(&dir, "timestamp/sigEnv/timestampBeforeNotBefore.sig");
    let from = "\"Fri, 18 Sep 2099 11:54:34 +0000\"";
    let before = format!(
        "timestamp can be before certificate {TEST_TSA:?} validity period, it will be valid from {from}"
    );
    invalid(
        &verify(&dir, &sig, strict("always"), true),
        "authenticTimestamp",
        &before,
        "before",
    );
    // By the clock (no tsa: store; or afterCertExpiry, as the leaf has not expired) it fails too.
    let clock = format!(
        "verification time is before certificate {TEST_TSA:?} validity period, it will be valid from {from}"
    );
    invalid(
        &verify(&dir, &sig, strict("always"), false),
        "authenticTimestamp",
        &clock,
        "clock",
    );
    invalid(
        &verify(&dir, &sig, strict("afterCertExpiry"), true),
        "authenticTimestamp",
        &clock,
        "clock",
    );
    // The COSE envelope's leaf (2000-09-18..2001-09-18) is in no store: trust it directly.
    let sig = Sig::read(&dir, "timestamp/sigEnv/timestampAfterNotAfter.sig");
    let after = format!(
        "timestamp can be after certificate {TEST_TSA:?} validity period, it was expired at \"Tue, 18 Sep 2001 11:54:34 +0000\""
    );
    for option in ["always", "afterCertExpiry"] {
        invalid(
            &own_signer(&dir, &sig, strict(option), true),
            "authenticTimestamp",
            &after,
            option,
        );
    }
}

#[test]
fn ngo12_tsa_store_without_the_tsa_root() {
    let dir = interop!();
    let sig = Sig::read(&dir, "timestamp/sigEnv/coseWithTimestamp.sig");
    let setup = setup(
        statement(
            strict("always"),
            &["ca:valid-trust-store", "tsa:test-mismatch"],
        ),
        stores(&dir, "test-mismatch"),
        json!({}),
    );
    invalid(
        &run(&setup, SCOPE, &sig, &sig.subject()),
        "authenticTimestamp",
        "failed to verify the timestamp countersignature with error: failed to verify signed token: cms verification failure: x509: certificate signed by unknown authority",
        "test-mismatch",
    );
    // notation-go's test builds its policy in code, so it meets these two when verifying; a
    // policy document (`trustPolicyDoc`) and its stores are checked when the config loads. A
    // reference without a separator gets notation's document-validation wording.
    let error = config_error(
        statement(strict("always"), &["ca:valid-trust-store", "tsa"]),
        stores(&dir, "test-timestamp"),
    );
    assert!(
        error.contains(
            "trust policy statement \"test-timestamp\" has malformed trust store value \"tsa\". The required format is <TrustStoreType>:<TrustStoreName>"
        ),
        "{error}"
    );
    let missing = statement(
        strict("always"),
        &["ca:valid-trust-store", "tsa:does-not-exist"],
    );
    let error = config_error(missing.clone(), stores(&dir, "test-timestamp"));
    // Ratify serves a store it does not list from `verificationCerts`, empty here.
    assert!(
        error.contains("names trust store tsa:does-not-exist, which cannot be loaded: valid certificates must be provided"),
        "{error}"
    );
    // With notation's own directory layout the message is notation-go's.
    let entry = json!({
        "trustPolicyDoc": {"version": "1.0", "trustPolicies": missing},
        "notationDir": dir.join("notation-go").display().to_string(),
    });
    let error = ratify_notation::config::NotationConfig::from_value(&entry)
        .err()
        .unwrap()
        .message;
    assert!(
        error.contains("the trust store \"does-not-exist\" of type \"tsa\" does not exist"),
        "{error}"
    );
}

/// withoutTimestamp.sig with `token` as its (unsigned) timestampSignature header: the
/// envelope's own signature still verifies.
fn with_token(dir: &Path, token: &str) -> Sig {
    let mut sig = Sig::read(dir, "timestamp/sigEnv/withoutTimestamp.sig");
    let mut jws: Value = serde_json::from_slice(&sig.bytes).unwrap();
    let bytes = std::fs::read(
        dir.join("notation-go/timestamp/countersignature")
            .join(token),
    )
    .unwrap();
    jws["header"]["io.cncf.notary.timestampSignature"] =
        Value::String(base64::engine::general_purpose::STANDARD.encode(bytes));
    sig.bytes = serde_json::to_vec(&jws).unwrap();
    sig
}

#[test]
fn ngo13_malformed_and_mismatched_tokens_in_a_valid_envelope() {
    let dir = interop!();
    let run = |token: &str| verify(&dir, &with_token(&dir, token), strict("always"), true);
    invalid(
        &run("TimeStampTokenWithInvalideContentType.p7s"),
        "authenticTimestamp",
        "failed to parse timestamp countersignature with error: unexpected content type: 1.2.840.113549.1.7.1. Expected to be id-ct-TSTInfo (1.2.840.113549.1.9.16.1.4)",
        "content type",
    );
    invalid_starting(
        &run("TimeStampTokenWithInvalidTSTInfo.p7s"),
        "authenticTimestamp",
        "failed to get the timestamp TSTInfo with error: cannot unmarshal TSTInfo from timestamp token: asn1: structure error: tags don't match",
        "TSTInfo",
    );
    // Both remaining tokens stamp the bytes "notation", not this envelope's signature, so the
    // message imprint check (before the certificate checks) refuses them. notation-go's
    // "signing certificate not found" outcome needs the signature replaced by "notation",
    // which no envelope with a valid signature can have; timestamp_interop.rs checks it on the
    // token.
    let mismatch = "failed to get timestamp from timestamp countersignature with error: invalid TSTInfo: mismatched message";
    for token in ["TimeStampToken.p7s", "TimeStampTokenWithoutCertificate.p7s"] {
        invalid(&run(token), "authenticTimestamp", mismatch, token);
    }
    // Permissive logs the same failure and the signature passes.
    let permissive = json!({"level": "permissive", "verifyTimestamp": "always"});
    let sig = with_token(&dir, "TimeStampToken.p7s");
    logged(
        &verify(&dir, &sig, permissive, true),
        "authenticTimestamp",
        mismatch,
        "permissive",
    );
}
