//! Interop cases with cosign's simple-signing layers, made by the real tools (Ratify's test
//! data, containers/image's): RAT-05, RAT-06, CI-01, CI-02, CI-03, CI-05, each asserting the outcome
//! `cases.json` lists. The layers are rebuilt from the form each tool stored them in; the
//! interop data is read in place.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use std::path::Path;

use interop_support::*;
use serde_json::json;

const SIGNATURE: &str = "dev.cosignproject.cosign/signature";
const BUNDLE: &str = "dev.sigstore.cosign/bundle";

#[test]
fn rat05_key_based_rsa2048_rsa3072_p256_are_valid() {
    let Some(dir) = interop() else { return };
    let digest = "sha256:d37ada95d47ad12224c205a938129df7a3e52345828b4fa27b03a98825d1e2e7";
    for case in ["keyed-rsa2048", "keyed-rsa3072", "keyed-ecdsa-p256"] {
        let layer = extracted_layer(&dir, case);
        let config = keys(
            &dir,
            &[&format!("ratify/cosign-extracted/{case}/pubkey.pem")],
        );
        let result = verify_layer(
            &config,
            "artifactstest.azurecr.io/4-15-24/cosign/hello-world",
            &layer,
            digest,
        );
        assert_valid(&result);
        assert!(
            result.message.starts_with("Verification success"),
            "{case}: {result:?}"
        );
        // The payload names its image; another subject is refused.
        let other = "sha256:5678000000000000000000000000000000000000000000000000000000000000";
        assert_invalid(
            &verify_layer(&config, "x.io/y", &layer, other),
            "invalid or missing digest in claim",
        );
    }
    // Each key verifies only its own signature.
    let layer = extracted_layer(&dir, "keyed-rsa2048");
    let config = keys(
        &dir,
        &["ratify/cosign-extracted/keyed-ecdsa-p256/pubkey.pem"],
    );
    assert!(!verify_layer(&config, "x.io/y", &layer, digest).is_success);
}

/// RAT-06's keyless policy: the public-good trusted root and the signer's identity.
fn rat06_policy(dir: &Path, identity: &str, issuer: &str) -> ratify_cosign::config::CosignConfig {
    policy(json!({
        "trustedRoot": path(dir, "cosign/trusted_root_pgi.json"),
        "keyless": {"certificateIdentity": identity, "certificateOIDCIssuer": issuer},
    }))
}

#[test]
fn rat06_keyless_fulcio_rekor_is_valid_at_the_log_time() {
    let Some(dir) = interop() else { return };
    let layer = extracted_layer(&dir, "keyless-fulcio-rekor-valid");
    let digest = "sha256:623621b56649b5e0c2c7cf3ffd987932f8f9a5a01036e00d6f3ae9480087621c";
    let reference = "wabbitnetworks.azurecr.io/test/cosign-image";
    let config = rat06_policy(&dir, "sozercan@gmail.com", "https://github.com/login/oauth");
    let result = verify_layer(&config, reference, &layer, digest);
    assert_valid(&result);
    let verification = &ext(&result)["signatures"][0]["verifications"][0];
    assert_eq!(verification["bundleVerified"], json!(true), "{result:?}");
    assert_eq!(
        verification["integratedTime"],
        json!(1676524985),
        "{result:?}"
    );
    assert_eq!(
        verification["identity"]["subjects"],
        json!(["sozercan@gmail.com"])
    );

    let wrong = rat06_policy(
        &dir,
        "someone@example.com",
        "https://github.com/login/oauth",
    );
    assert_invalid(
        &verify_layer(&wrong, reference, &layer, digest),
        "none of the expected identities",
    );
    let wrong = rat06_policy(&dir, "sozercan@gmail.com", "https://accounts.google.com");
    assert_invalid(
        &verify_layer(&wrong, reference, &layer, digest),
        "none of the expected identities",
    );
    // Without the log's time the certificate (10 minutes in 2023) has long expired.
    let no_log = policy(json!({
        "trustedRoot": path(&dir, "cosign/trusted_root_pgi.json"),
        "tLogVerify": false,
        "keyless": {"certificateIdentity": "sozercan@gmail.com", "certificateOIDCIssuer": "https://github.com/login/oauth"},
    }));
    assert_invalid(&verify_layer(&no_log, reference, &layer, digest), "expired");
    // The bundle is what vouches for the time: without it, no offline verification.
    assert_invalid(
        &verify_layer(&config, reference, &layer.with(BUNDLE, None), digest),
        "offline verification failed",
    );
}

const CI01: &str = "containers-image/dir-img-cosign-valid/signature-1";

#[test]
fn ci01_key_signed_image_accepted_by_its_key_only() {
    let Some(dir) = interop() else { return };
    let layer = containers_image_layer(&dir, CI01);
    let digest = file_digest(&dir, "containers-image/dir-img-cosign-valid/manifest.json");
    let reference = "192.168.64.2:5000/cosign-signed-single-sample";
    let alone = keys(&dir, &["containers-image/cosign.pub"]);
    assert_valid(&verify_layer(&alone, reference, &layer, &digest));
    let listed = keys(
        &dir,
        &[
            "containers-image/cosign2.pub",
            "containers-image/cosign.pub",
        ],
    );
    let result = verify_layer(&listed, reference, &layer, &digest);
    assert_valid(&result);
    let extensions = ext(&result);
    let checks = extensions["signatures"][0]["verifications"]
        .as_array()
        .unwrap();
    assert_eq!(checks.len(), 2, "one verification per key: {result:?}");
    let other = keys(&dir, &["containers-image/cosign2.pub"]);
    assert_invalid(
        &verify_layer(&other, reference, &layer, &digest),
        "failed to verify signature",
    );
    let tampered = layer.with(SIGNATURE, Some("aW52YWxpZCBzaWduYXR1cmU=")); // base64("invalid signature")
    assert_invalid(
        &verify_layer(&alone, reference, &tampered, &digest),
        "failed to verify signature",
    );
}

#[test]
fn ci01_ci02_signed_identity_is_checked_when_the_policy_asks() {
    let Some(dir) = interop() else { return };
    let layer = containers_image_layer(&dir, CI01);
    let digest = file_digest(&dir, "containers-image/dir-img-cosign-valid/manifest.json");
    let key = json!([{"file": path(&dir, "containers-image/cosign.pub")}]);
    let required = |identity: serde_json::Value| {
        policy(json!({"keys": key, "tLogVerify": false, "signedIdentity": identity}))
    };
    let reference = "192.168.64.2:5000/cosign-signed-single-sample";
    let exact =
        required(json!({"type": "exactReference", "dockerReference": "this/does-not:match"}));
    assert_invalid(
        &verify_layer(&exact, reference, &layer, &digest),
        "signed identity",
    );
    let repository = required(json!({"type": "matchRepository"}));
    assert_valid(&verify_layer(
        &repository,
        &format!("{reference}:latest"),
        &layer,
        &digest,
    ));

    let tagged = containers_image_layer(
        &dir,
        "containers-image/dir-img-cosign-valid-with-tag/signature-1",
    );
    let digest = file_digest(
        &dir,
        "containers-image/dir-img-cosign-valid-with-tag/manifest.json",
    );
    let match_exact = required(json!({"type": "matchExact"}));
    assert_valid(&verify_layer(
        &match_exact,
        "192.168.64.2:5000/skopeo-signed:tag",
        &tagged,
        &digest,
    ));
    assert_invalid(
        &verify_layer(
            &match_exact,
            "192.168.64.2:5000/skopeo-signed:othertag",
            &tagged,
            &digest,
        ),
        "signed identity",
    );
    // Without signedIdentity, cosign's rule: the reference is not part of the check.
    let plain = keys(&dir, &["containers-image/cosign.pub"]);
    assert_valid(&verify_layer(
        &plain,
        "192.168.64.2:5000/skopeo-signed:othertag",
        &tagged,
        &digest,
    ));
}

#[test]
fn ci03_key_signature_with_rekor_set() {
    let Some(dir) = interop() else { return };
    let layer = containers_image_layer(
        &dir,
        "containers-image/dir-img-cosign-key-rekor-valid/signature-1",
    );
    let digest = file_digest(
        &dir,
        "containers-image/dir-img-cosign-key-rekor-valid/manifest.json",
    );
    let reference = "192.168.64.2:5000/cosign-signed/key-1";
    let with_rekor = |rekor: &str| {
        policy(json!({
            "keys": [{"file": path(&dir, "containers-image/cosign2.pub")}],
            "tLogVerify": true,
            "rekorPublicKeys": [path(&dir, rekor)],
        }))
    };
    let config = with_rekor("containers-image/rekor.pub");
    let result = verify_layer(&config, reference, &layer, &digest);
    assert_valid(&result);
    assert_eq!(
        ext(&result)["signatures"][0]["verifications"][0]["integratedTime"],
        json!(1674251859)
    );
    // The SET is checked with the log's key; cosign.pub is not it.
    let wrong_log = with_rekor("containers-image/cosign.pub");
    assert_invalid(
        &verify_layer(&wrong_log, reference, &layer, &digest),
        "rekor log public key not found",
    );
    assert_invalid(
        &verify_layer(&config, reference, &layer.with(BUNDLE, None), &digest),
        "offline verification failed",
    );
    assert_invalid(
        &verify_layer(
            &config,
            reference,
            &layer.with(BUNDLE, Some("garbage")),
            &digest,
        ),
        "bundle",
    );
    // This SET attached to CI-01's signature (another key, another payload) is refused.
    let ci01 = containers_image_layer(&dir, CI01);
    let bundle = layer.descriptor.annotations[BUNDLE].clone();
    let moved = ci01.with(BUNDLE, Some(&bundle));
    let ci01_digest = file_digest(&dir, "containers-image/dir-img-cosign-valid/manifest.json");
    let ci01_key = policy(json!({
        "keys": [{"file": path(&dir, "containers-image/cosign.pub")}],
        "tLogVerify": true,
        "rekorPublicKeys": [path(&dir, "containers-image/rekor.pub")],
    }));
    assert_invalid(
        &verify_layer(&ci01_key, reference, &moved, &ci01_digest),
        "signature in bundle does not match signature being verified",
    );
}

#[test]
fn ci05_a_signature_by_an_unknown_key_is_invalid() {
    let Some(dir) = interop() else { return };
    let layer = containers_image_layer(&dir, "containers-image/unknown-cosign-key.signature");
    let digest = file_digest(&dir, "containers-image/dir-img-cosign-valid/manifest.json");
    let config = keys(&dir, &["containers-image/cosign.pub"]);
    let result = verify_layer(
        &config,
        "192.168.64.2:5000/cosign-signed-single-sample",
        &layer,
        &digest,
    );
    assert_invalid(&result, "failed to verify signature");
}
