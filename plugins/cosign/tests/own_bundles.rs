#![allow(clippy::unwrap_used, clippy::expect_used)]
//! End to end over our own fixtures: Sigstore bundles v0.3 as cosign v3 pushes them, verified
//! through `verify_bundle`. A Fulcio-style certificate signing a DSSE in-toto statement for the
//! subject, logged as a dsse 0.0.1 entry with SET, inclusion proof and signed checkpoint; and
//! a public-key message signature over the subject's digest, logged as a hashedrekord. Each
//! piece of evidence is then broken in turn.

mod own_support;

use own_support::keys::{Kind, Signer};
use own_support::pki::{Ca, LeafSpec, issue_leaf};
use own_support::rekor::{Entry, Log, dsse, hashedrekord};
use own_support::writers::{
    COSIGN_SIGN_PREDICATE, IN_TOTO, bundle_layer, dsse_bundle, envelope_go_json, message_bundle,
    pae, statement, trusted_root,
};
use own_support::*;
use ratify_plugin_sdk::wire::{Descriptor, VerifyResult};
use serde_json::json;

const EMAIL: &str = "signer@own.example";
const ISSUER: &str = "https://issuer.own.example";

/// A keyless DSSE bundle whose statement names `statement_digest`, verified for the subject
/// `image`. `tamper` edits the log entry before the bundle is written; `edit` the bytes after.
fn verify_dsse(
    statement_digest: Option<&str>,
    tamper: impl Fn(&Log, &mut Entry),
    edit: impl Fn(Vec<u8>) -> Vec<u8>,
) -> VerifyResult {
    let (ca, rekor, ct, dir) = (Ca::new("own"), Log::new(), Log::new(), Dir::new());
    let root = dir.write("trusted_root.json", trusted_root(&rekor, &ct, &[&ca]));
    let config = policy_config(json!({
        "keyless": {
            "certificateIdentity": EMAIL,
            "certificateOIDCIssuer": ISSUER,
            "ctLogVerify": true,
        },
        "trustedRoot": root,
    }));
    let leaf = issue_leaf(&ca, &LeafSpec::email(EMAIL, ISSUER), &ct.key);
    let subject = subject("image");
    let payload = statement(statement_digest.unwrap_or(&subject.digest));
    let signature = leaf.key.sign(&pae(IN_TOTO, &payload));
    let envelope = envelope_go_json(&payload, &signature);
    let mut entry = rekor.log(
        dsse(&envelope, &payload, &signature, &leaf.pem()),
        LOGGED_AT,
    );
    tamper(&rekor, &mut entry);
    let bytes = edit(dsse_bundle(&leaf.der, &entry, &payload, &signature));
    let layer = bundle_layer(&bytes);
    verify_bundle(&config, &layer, &bytes, &subject)
}

#[test]
fn dsse_bundle_passes_and_reports_its_predicate_type() {
    let result = verify_dsse(None, |_, _| {}, |b| b);
    assert_passes(&result);
    let extensions = result.extensions.as_ref().unwrap();
    assert_eq!(
        extensions["signatures"][0]["predicateType"],
        COSIGN_SIGN_PREDICATE
    );
    let check = &verifications(&result)[0];
    assert_eq!(check["bundleVerified"], true);
    assert_eq!(check["integratedTime"], LOGGED_AT);
    assert_eq!(check["identity"]["subjects"], json!([EMAIL]));
}

#[test]
fn dsse_bundle_for_another_subject_fails() {
    let other = subject("another image").digest;
    let result = verify_dsse(Some(&other), |_, _| {}, |b| b);
    assert_fails(
        &result,
        "does not match any digest in the statement's subjects",
    );
}

#[test]
fn truncated_bundle_fails_clearly() {
    let result = verify_dsse(None, |_, _| {}, |b| b[..b.len() * 2 / 3].to_vec());
    assert_fails(&result, "the bundle is not JSON");
}

#[test]
fn tampered_inclusion_proof_fails() {
    let result = verify_dsse(None, |_, entry| entry.hashes[1][7] ^= 0x20, |b| b);
    assert_fails(&result, "does not match expected root");
}

#[test]
fn inclusion_proof_missing_a_hash_fails() {
    let result = verify_dsse(
        None,
        |_, entry| {
            entry.hashes.pop();
        },
        |b| b,
    );
    assert_fails(&result, "wrong proof size");
}

#[test]
fn checkpoint_signed_by_another_log_fails() {
    let result = verify_dsse(
        None,
        |_, entry| entry.checkpoint = Log::new().checkpoint(entry.tree_size, &entry.root),
        |b| b,
    );
    assert_fails(&result, "checkpoint is signed by an unknown key");
}

#[test]
fn checkpoint_with_our_key_hash_but_another_signature_fails() {
    // Another key signs, but the note claims our log's key hash: the signature must not verify.
    let result = verify_dsse(
        None,
        |_, entry| {
            let forged = Log::new().checkpoint(entry.tree_size, &entry.root);
            let (note, line) = forged.rsplit_once("\n\n").unwrap();
            let (name, sig_b64) = line.trim_end().rsplit_once(' ').unwrap();
            let mut sig = base64_decode(sig_b64);
            sig[..4].copy_from_slice(&entry.log_id[..4]);
            entry.checkpoint = format!("{note}\n\n{name} {}\n", b64(&sig));
        },
        |b| b,
    );
    assert_fails(&result, "checkpoint signature does not verify");
}

#[test]
fn checkpoint_for_another_root_fails() {
    // The proof is sound, but the log's signed tree head names another root.
    let result = verify_dsse(
        None,
        |log, entry| {
            let mut other_root = entry.root;
            other_root[0] ^= 1;
            entry.checkpoint = log.checkpoint(entry.tree_size, &other_root);
        },
        |b| b,
    );
    assert_fails(&result, "proof root hash does not match signed tree head");
}

#[test]
fn set_over_another_entry_fails() {
    let result = verify_dsse(None, |_, entry| entry.integrated_time += 1, |b| b);
    assert_fails(&result, "unable to verify SET");
}

#[test]
fn integrated_time_without_an_inclusion_promise_is_not_trusted() {
    // With only a proof, the entry's integratedTime is unsigned: nothing vouches for the time
    // the ten-minute certificate must be checked at (sigstore-go: no observer timestamps).
    let result = verify_dsse(
        None,
        |_, _| {},
        |bytes| {
            let mut bundle: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let entry = &mut bundle["verificationMaterial"]["tlogEntries"][0];
            entry.as_object_mut().unwrap().remove("inclusionPromise");
            bundle.to_string().into_bytes()
        },
    );
    assert_fails(&result, "no valid observer timestamps found");
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

/// A public-key message-signature bundle over `signed_digest` (raw SHA-256 bytes), verified for
/// subject `image` under a policy naming the signer's key and our Rekor.
fn verify_message(signed_digest: Option<[u8; 32]>, configured: Option<&Signer>) -> VerifyResult {
    let signer = Signer::generate(Kind::P256Prehash);
    let (rekor, dir) = (Log::new(), Dir::new());
    let key = dir.write("key.pub", configured.unwrap_or(&signer).public_pem());
    let config = policy_config(json!({
        "keys": [{"file": key}],
        "tLogVerify": true,
        "rekorPublicKeys": [dir.write("rekor.pub", rekor.key.public_pem())],
    }));
    let subject: Descriptor = subject("image");
    let subject_digest: [u8; 32] = hex::decode(subject.digest.strip_prefix("sha256:").unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let digest = signed_digest.unwrap_or(subject_digest);
    // The signature is ECDSA over the digest itself (a prehash), as cosign signs a blob digest.
    let signature = signer.sign_digest(&digest);
    let body = hashedrekord(&hex::encode(digest), &signature, &signer.public_pem());
    let entry = rekor.log(body, LOGGED_AT);
    let bytes = message_bundle("own-key", &entry, &digest, &signature);
    let layer = bundle_layer(&bytes);
    verify_bundle(&config, &layer, &bytes, &subject)
}

#[test]
fn message_signature_bundle_with_a_configured_key_passes() {
    let result = verify_message(None, None);
    assert_passes(&result);
    let check = &verifications(&result)[0];
    assert_eq!(check["bundleVerified"], true);
    assert_eq!(check["keyInformation"]["provider"], "file");
}

#[test]
fn message_signature_over_another_digest_fails() {
    let result = verify_message(Some(sha256(b"another image")), None);
    assert_fails(
        &result,
        "provided artifact digest does not match digest in the bundle's message signature",
    );
}

#[test]
fn message_signature_by_another_key_fails() {
    // The log entry names the real signer, so the first mismatch is the entry's key.
    let configured = Signer::generate(Kind::P256Prehash);
    let result = verify_message(None, Some(&configured));
    assert_fails(&result, "transparency log certificate does not match");
}
