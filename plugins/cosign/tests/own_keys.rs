#![allow(clippy::unwrap_used, clippy::expect_used)]
//! End to end over our own fixtures: cosign simple-signing layers signed with a key, verified
//! through `verify_layer` under a trust policy naming key files. Every key type cosign accepts
//! passes; the wrong key, a payload for another image, and Rekor bundles that do not vouch for
//! this very signature fail, each for the reason cosign gives.

mod own_support;

use own_support::keys::{Kind, Signer};
use own_support::rekor::{Log, hashedrekord};
use own_support::writers::{BUNDLE, SIGNATURE, layer, rekor_bundle, simple_signing};
use own_support::*;
use ratify_plugin_sdk::wire::{Descriptor, VerifyResult};
use serde_json::json;

/// A layer for `subject` signed by `signer`, with extra annotations.
fn signed_layer(
    signer: &Signer,
    subject: &Descriptor,
    extra: &[(&str, String)],
) -> (Vec<u8>, Descriptor) {
    let payload = simple_signing(&subject.digest);
    let mut annotations = vec![(SIGNATURE, b64(&signer.sign(&payload)))];
    annotations.extend(extra.iter().cloned());
    let descriptor = layer(&payload, &annotations);
    (payload, descriptor)
}

/// Verifies a layer signed by `signer` against a policy of `keys` without the log.
fn verify_with_keys(signer: &Signer, keys: &[&Signer]) -> VerifyResult {
    let dir = Dir::new();
    let files: Vec<_> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| json!({"file": dir.write(&format!("key{i}.pub"), k.public_pem())}))
        .collect();
    let config = policy_config(json!({"keys": files, "tLogVerify": false}));
    let subject = subject("image");
    let (payload, descriptor) = signed_layer(signer, &subject, &[]);
    verify_layer(&config, &descriptor, payload, &subject)
}

fn passes_with(kind: Kind) {
    let signer = Signer::generate(kind);
    let result = verify_with_keys(&signer, &[&signer]);
    assert_passes(&result);
    let checks = verifications(&result);
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0]["isSuccess"], true);
    assert_eq!(checks[0]["keyInformation"]["provider"], "file");
}

#[test]
fn rsa_2048_pkcs1v15_signature_passes() {
    passes_with(Kind::RsaPkcs1(2048));
}

#[test]
fn rsa_3072_pkcs1v15_signature_passes() {
    passes_with(Kind::RsaPkcs1(3072));
}

#[test]
fn rsa_4096_pkcs1v15_signature_passes() {
    passes_with(Kind::RsaPkcs1(4096));
}

#[test]
fn rsa_pss_sha256_signature_passes() {
    passes_with(Kind::RsaPss(2048));
}

#[test]
fn ecdsa_p256_signature_passes() {
    passes_with(Kind::P256);
}

#[test]
fn ecdsa_p384_signature_over_sha256_passes() {
    passes_with(Kind::P384);
}

#[test]
fn ecdsa_p521_signature_over_sha256_passes() {
    passes_with(Kind::P521);
}

#[test]
fn ed25519_signature_passes() {
    passes_with(Kind::Ed25519);
}

#[test]
fn one_matching_key_among_several_passes_and_each_key_is_reported() {
    let signer = Signer::generate(Kind::P256);
    let others = [
        Signer::generate(Kind::Ed25519),
        Signer::generate(Kind::P384),
    ];
    let result = verify_with_keys(&signer, &[&others[0], &signer, &others[1]]);
    assert_passes(&result);
    let checks = verifications(&result);
    assert_eq!(checks.len(), 3, "one verification per configured key");
    let passed: Vec<bool> = checks
        .iter()
        .map(|c| c["isSuccess"].as_bool().unwrap())
        .collect();
    assert_eq!(passed, [false, true, false]);
    assert!(checks[0]["error"].as_str().unwrap().contains("signature"));
}

#[test]
fn signature_by_another_key_fails() {
    let signer = Signer::generate(Kind::P256);
    let configured = Signer::generate(Kind::P256);
    let result = verify_with_keys(&signer, &[&configured]);
    assert_fails(&result, "failed to verify signature");
}

#[test]
fn payload_signed_for_another_digest_fails() {
    let signer = Signer::generate(Kind::P256);
    let dir = Dir::new();
    let key = dir.write("key.pub", signer.public_pem());
    let config = policy_config(json!({"keys": [{"file": key}], "tLogVerify": false}));
    let other = subject("another image");
    let (payload, descriptor) = signed_layer(&signer, &other, &[]);
    let result = verify_layer(&config, &descriptor, payload, &subject("image"));
    assert_fails(&result, "invalid or missing digest in claim");
}

/// A key-signed layer with a Rekor bundle, verified with `tLogVerify` and the log's PEM key.
/// `body` makes the logged body from (payload, signature, signer PEM); `tamper` edits the
/// logged entry last.
fn verify_logged(
    body: impl Fn(&[u8], &[u8], &str) -> Vec<u8>,
    tamper: impl Fn(&Log, &mut own_support::rekor::Entry),
) -> VerifyResult {
    let signer = Signer::generate(Kind::P256);
    let log = Log::new();
    let dir = Dir::new();
    let config = policy_config(json!({
        "keys": [{"file": dir.write("key.pub", signer.public_pem())}],
        "tLogVerify": true,
        "rekorPublicKeys": [dir.write("rekor.pub", log.key.public_pem())],
    }));
    let subject = subject("image");
    let payload = simple_signing(&subject.digest);
    let signature = signer.sign(&payload);
    let mut entry = log.log(body(&payload, &signature, &signer.public_pem()), LOGGED_AT);
    tamper(&log, &mut entry);
    let descriptor = layer(
        &payload,
        &[(SIGNATURE, b64(&signature)), (BUNDLE, rekor_bundle(&entry))],
    );
    verify_layer(&config, &descriptor, payload, &subject)
}

fn honest_body(payload: &[u8], signature: &[u8], pem: &str) -> Vec<u8> {
    hashedrekord(&sha256_hex(payload), signature, pem)
}

#[test]
fn rekor_bundle_with_valid_set_passes_and_reports_bundle_verified() {
    let result = verify_logged(honest_body, |_, _| {});
    assert_passes(&result);
    let check = &verifications(&result)[0];
    assert_eq!(check["bundleVerified"], true);
    assert_eq!(check["integratedTime"], LOGGED_AT);
}

#[test]
fn set_over_other_bytes_fails() {
    let result = verify_logged(honest_body, |log, entry| {
        entry.set = log.key.sign(b"some other entry");
    });
    assert_fails(&result, "unable to verify SET");
}

#[test]
fn set_by_a_log_we_do_not_trust_fails() {
    let result = verify_logged(honest_body, |_, entry| {
        let stranger = Log::new();
        *entry = stranger.log(entry.body.clone(), entry.integrated_time);
    });
    assert_fails(&result, "rekor log public key not found");
}

#[test]
fn logged_entry_naming_another_signature_fails() {
    let other = Signer::generate(Kind::P256);
    let result = verify_logged(
        |payload, _, pem| hashedrekord(&sha256_hex(payload), &other.sign(payload), pem),
        |_, _| {},
    );
    assert_fails(
        &result,
        "signature in bundle does not match signature being verified",
    );
}

#[test]
fn logged_entry_naming_another_key_fails() {
    let other = Signer::generate(Kind::P256);
    let result = verify_logged(
        |payload, signature, _| hashedrekord(&sha256_hex(payload), signature, &other.public_pem()),
        |_, _| {},
    );
    assert_fails(&result, "comparing public key PEMs");
}

#[test]
fn logged_entry_naming_another_hash_fails() {
    let result = verify_logged(
        |_, signature, pem| hashedrekord(&sha256_hex(b"another payload"), signature, pem),
        |_, _| {},
    );
    assert_fails(&result, "matching bundle to payload");
}

#[test]
fn missing_rekor_bundle_fails_when_the_log_is_required() {
    let signer = Signer::generate(Kind::P256);
    let dir = Dir::new();
    let config = policy_config(json!({
        "keys": [{"file": dir.write("key.pub", signer.public_pem())}],
        "rekorPublicKeys": [dir.write("rekor.pub", Log::new().key.public_pem())],
    }));
    let subject = subject("image");
    let (payload, descriptor) = signed_layer(&signer, &subject, &[]);
    let result = verify_layer(&config, &descriptor, payload, &subject);
    assert_fails(&result, "offline verification failed");
}
