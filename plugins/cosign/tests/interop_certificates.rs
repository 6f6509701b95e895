//! Interop cases whose signatures come with certificates other than Fulcio's usual path:
//! CI-04 (bring-your-own PKI, RSA-4096, no EKU) and CI-06 (a keyless signature with a
//! stand-alone Rekor SET), from containers/image's test data, read in place; each asserts the
//! outcome `cases.json` lists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use std::path::Path;

use interop_support::*;
use serde_json::json;

const SIGNATURE: &str = "dev.cosignproject.cosign/signature";
const CERTIFICATE: &str = "dev.sigstore.cosign/certificate";
const CHAIN: &str = "dev.sigstore.cosign/chain";
const BUNDLE: &str = "dev.sigstore.cosign/bundle";

fn pki_policy(
    dir: &Path,
    identity: &str,
    intermediates: bool,
) -> ratify_cosign::config::CosignConfig {
    let mut keyless = json!({
        "certificateIdentity": identity,
        "certificateOIDCIssuerRegExp": ".*",
        "ctLogVerify": false,
        "caRoots": [path(dir, "containers-image/pki_root_crts.pem")],
    });
    if intermediates {
        keyless["caIntermediates"] =
            json!([path(dir, "containers-image/pki_intermediate_crts.pem")]);
    }
    policy(json!({"tLogVerify": false, "keyless": keyless}))
}

#[test]
fn ci04_bring_your_own_pki_chain() {
    let Some(dir) = interop() else { return };
    let layer = containers_image_layer(
        &dir,
        "containers-image/dir-img-cosign-pki-valid/signature-1",
    );
    let digest = file_digest(
        &dir,
        "containers-image/dir-img-cosign-pki-valid/manifest.json",
    );
    let reference = "localhost:5000/test";
    for identity in ["qiwan@redhat.com", "myhost.example.com"] {
        assert_valid(&verify_layer(
            &pki_policy(&dir, identity, true),
            reference,
            &layer,
            &digest,
        ));
    }
    let roots_only = pki_policy(&dir, "qiwan@redhat.com", false);
    assert_valid(&verify_layer(&roots_only, reference, &layer, &digest));
    // Chain annotation removed: the policy's intermediates complete the path ...
    let unchained = layer.with(CHAIN, None);
    assert_valid(&verify_layer(
        &pki_policy(&dir, "qiwan@redhat.com", true),
        reference,
        &unchained,
        &digest,
    ));
    // ... and with roots only there is no path.
    assert_invalid(
        &verify_layer(&roots_only, reference, &unchained, &digest),
        "cert verification failed",
    );
    assert_invalid(
        &verify_layer(
            &roots_only,
            reference,
            &layer.with(CERTIFICATE, None),
            &digest,
        ),
        "no certificate found on signature",
    );
    assert_invalid(
        &verify_layer(
            &pki_policy(&dir, "this/does-not:match", true),
            reference,
            &layer,
            &digest,
        ),
        "none of the expected identities",
    );
}

#[test]
fn ci06_standalone_set_for_a_keyless_signature() {
    let Some(dir) = interop() else { return };
    let base = "containers-image/rekor-set-standalone";
    let text = |name: &str| String::from_utf8(read(&dir, &format!("{base}/{name}"))).unwrap();
    let payload = read(&dir, &format!("{base}/rekor-payload"));
    let claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    let digest = claims["critical"]["image"]["docker-manifest-digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let annotations = [
        (SIGNATURE, text("rekor-sig").trim().to_owned()),
        (CERTIFICATE, text("rekor-cert")),
        (BUNDLE, text("rekor-set")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let layer = Layer::new(
        "application/vnd.dev.cosign.simplesigning.v1+json",
        payload,
        annotations,
    );
    let config = policy(json!({
        "trustedRoot": path(&dir, "cosign/trusted_root_pgi.json"),
        "rekorPublicKeys": [path(&dir, "containers-image/rekor.pub")],
        "keyless": {"certificateIdentity": "mitr@redhat.com", "certificateOIDCIssuer": "https://github.com/login/oauth"},
    }));
    let reference = "192.168.64.2:5000/test-repo-2100826901021538654/alpine";
    let result = verify_layer(&config, reference, &layer, &digest);
    assert_valid(&result);
    assert_eq!(
        ext(&result)["signatures"][0]["verifications"][0]["integratedTime"],
        json!(1670870899)
    );
    let mut set: serde_json::Value = serde_json::from_str(&text("rekor-set")).unwrap();
    set["SignedEntryTimestamp"] = json!("");
    let empty = layer.with(BUNDLE, Some(&set.to_string()));
    assert_invalid(
        &verify_layer(&config, reference, &empty, &digest),
        "unable to verify SET",
    );
    set["SignedEntryTimestamp"] = json!("Z2FyYmFnZQ==");
    let garbage = layer.with(BUNDLE, Some(&set.to_string()));
    assert_invalid(
        &verify_layer(&config, reference, &garbage, &digest),
        "unable to verify SET",
    );
}

/// A chain annotation longer than ten certificates is refused before any path is built.
#[test]
fn a_chain_longer_than_ten_certificates_is_refused() {
    let Some(dir) = interop() else { return };
    let layer = extracted_layer(&dir, "keyless-fulcio-rekor-valid");
    let chain = [layer.descriptor.annotations[CHAIN].trim(); 6].join("\n");
    let config = policy(json!({
        "trustedRoot": path(&dir, "cosign/trusted_root_pgi.json"),
        "keyless": {"certificateIdentity": "sozercan@gmail.com", "certificateOIDCIssuer": "https://github.com/login/oauth"},
    }));
    let digest = "sha256:623621b56649b5e0c2c7cf3ffd987932f8f9a5a01036e00d6f3ae9480087621c";
    let result = verify_layer(&config, "r.io/x", &layer.with(CHAIN, Some(&chain)), digest);
    assert_invalid(&result, "more than 10 certificates");
}

/// A Fulcio CA's path uses only the intermediates the trusted root lists for it (sigstore-go):
/// with the intermediate removed from the trusted root, RAT-06's own chain annotation, which
/// carries it, does not bring it back (a retired intermediate cannot re-enter that way).
#[test]
fn carried_intermediates_do_not_extend_a_trusted_root_ca() {
    let Some(dir) = interop() else { return };
    let mut root: serde_json::Value =
        serde_json::from_slice(&read(&dir, "cosign/trusted_root_pgi.json")).unwrap();
    for ca in root["certificateAuthorities"].as_array_mut().unwrap() {
        let certificates = ca["certChain"]["certificates"].as_array_mut().unwrap();
        let last = certificates.pop().unwrap();
        *certificates = vec![last];
    }
    let scratch = tempfile::tempdir().unwrap();
    let trimmed = scratch.path().join("trusted_root.json");
    std::fs::write(&trimmed, root.to_string()).unwrap();
    let config = policy(json!({
        "trustedRoot": trimmed.display().to_string(),
        "keyless": {"certificateIdentity": "sozercan@gmail.com", "certificateOIDCIssuer": "https://github.com/login/oauth"},
    }));
    let layer = extracted_layer(&dir, "keyless-fulcio-rekor-valid");
    assert!(
        !layer.descriptor.annotations[CHAIN].is_empty(),
        "the layer carries its intermediate"
    );
    let digest = "sha256:623621b56649b5e0c2c7cf3ffd987932f8f9a5a01036e00d6f3ae9480087621c";
    assert_invalid(
        &verify_layer(&config, "r.io/x", &layer, digest),
        "cert verification failed",
    );
}
