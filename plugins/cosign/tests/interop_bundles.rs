//! Interop cases with Sigstore bundles made by cosign and sigstore-js: COS-01 (v0.3, DSSE,
//! dsse 0.0.1 entry with SET, inclusion proof and checkpoint) and SGO-01 (v0.1, intoto 0.0.2
//! entries, sha512 subjects, a promise-only entry, a chain that includes the root), each
//! asserting the outcome `cases.json` lists. Read in place.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use std::path::Path;

use interop_support::*;
use serde_json::json;

const V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
const V01: &str = "application/vnd.dev.sigstore.bundle+json;version=0.1";
const COS01: &str = "cosign/oci-attestation.sigstore.json";
const COS01_DIGEST: &str =
    "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";

fn keyless(
    dir: &Path,
    root: &str,
    identity: serde_json::Value,
) -> ratify_cosign::config::CosignConfig {
    policy(json!({
        "trustedRoot": dir.join(root).display().to_string(),
        "keyless": identity,
    }))
}

fn any_identity(dir: &Path) -> ratify_cosign::config::CosignConfig {
    keyless(
        dir,
        "cosign/trusted_root_pgi.json",
        json!({"certificateIdentityRegExp": ".*", "certificateOIDCIssuerRegExp": ".*"}),
    )
}

#[test]
fn cos01_v03_attestation_is_valid_with_any_identity() {
    let Some(dir) = interop() else { return };
    let bytes = read(&dir, COS01);
    let result = verify_bundle(&any_identity(&dir), V03, &bytes, COS01_DIGEST);
    assert_valid(&result);
    let signature = &ext(&result)["signatures"][0];
    assert_eq!(
        signature["predicateType"],
        json!("https://cosign.sigstore.dev/attestation/v1")
    );
    assert_eq!(
        signature["predicate"]["Timestamp"],
        json!("2025-02-28T19:18:11Z")
    );
    let verification = &signature["verifications"][0];
    assert_eq!(verification["bundleVerified"], json!(true));
    // The log time equals the certificate's notBefore to the second: validity is inclusive.
    assert_eq!(verification["integratedTime"], json!(1740770291));
    assert_eq!(
        verification["identity"]["subjects"],
        json!(["cody@soyland.com"])
    );
}

#[test]
fn cos01_wrong_identity_or_other_image_is_invalid() {
    let Some(dir) = interop() else { return };
    let bytes = read(&dir, COS01);
    let wrong = keyless(
        &dir,
        "cosign/trusted_root_pgi.json",
        json!({"certificateIdentityRegExp": "wrong", "certificateOIDCIssuerRegExp": ".*"}),
    );
    assert_invalid(
        &verify_bundle(&wrong, V03, &bytes, COS01_DIGEST),
        "none of the expected identities",
    );
    let other = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    assert_invalid(
        &verify_bundle(&any_identity(&dir), V03, &bytes, other),
        "does not match any digest",
    );
}

#[test]
fn cos01_tampered_log_evidence_is_invalid() {
    let Some(dir) = interop() else { return };
    let original: serde_json::Value = serde_json::from_slice(&read(&dir, COS01)).unwrap();
    let config = any_identity(&dir);
    let tampered = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut bundle = original.clone();
        edit(&mut bundle["verificationMaterial"]["tlogEntries"][0]);
        verify_bundle(&config, V03, bundle.to_string().as_bytes(), COS01_DIGEST)
    };
    assert_invalid(
        &tampered(&|e| e["integratedTime"] = json!("1740770292")),
        "unable to verify SET",
    );
    assert_invalid(
        &tampered(&|e| {
            e["inclusionProof"]["hashes"][0] = json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        }),
        "root",
    );
    assert_invalid(
        &tampered(&|e| e["inclusionProof"]["checkpoint"]["envelope"] = json!("x\n\n")),
        "checkpoint",
    );
    // A truncated bundle is refused with the reason.
    let bytes = read(&dir, COS01);
    let cut = &bytes[..bytes.len() / 2];
    assert_invalid(&verify_bundle(&config, V03, cut, COS01_DIGEST), "not JSON");
}

#[test]
fn sgo01_v01_npm_provenance_is_valid_by_sha512_subject() {
    let Some(dir) = interop() else { return };
    let bytes = read(
        &dir,
        "sigstore-go/bundles/sigstore.js@2.0.0-provenance.sigstore.json",
    );
    let statement_digest = statement_subject_digest(&bytes);
    // PROVENANCE: the npm tarball's sha512 (the only digest the statement gives).
    assert!(
        statement_digest.starts_with("sha512:46d4e2f7"),
        "{statement_digest}"
    );
    let config = keyless(
        &dir,
        "sigstore-go/trusted-roots/public-good.json",
        json!({
            "certificateIdentity": "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
            "certificateOIDCIssuer": "https://token.actions.githubusercontent.com",
        }),
    );
    let result = verify_bundle(&config, V01, &bytes, &statement_digest);
    assert_valid(&result);
    let signature = &ext(&result)["signatures"][0];
    assert_eq!(
        signature["predicateType"],
        json!("https://slsa.dev/provenance/v1")
    );
    assert_eq!(
        signature["verifications"][0]["integratedTime"],
        json!(1692374735)
    );
    // Without the log, no time vouches for the long-expired certificate.
    let no_log = policy(json!({
        "trustedRoot": dir.join("sigstore-go/trusted-roots/public-good.json").display().to_string(),
        "tLogVerify": false,
        "keyless": {"certificateIdentityRegExp": ".*", "certificateOIDCIssuerRegExp": ".*"},
    }));
    assert_invalid(
        &verify_bundle(&no_log, V01, &bytes, &statement_digest),
        "expired",
    );
}

#[test]
fn sgo01_v01_promise_only_bundle_with_root_in_chain_is_valid() {
    let Some(dir) = interop() else { return };
    let bytes = read(&dir, "sigstore-go/bundles/dsse.sigstore.json");
    let digest = statement_subject_digest(&bytes);
    let config = keyless(
        &dir,
        "sigstore-go/trusted-roots/public-good.json",
        json!({"certificateIdentity": "brian@dehamer.com", "certificateOIDCIssuer": "https://github.com/login/oauth"}),
    );
    let result = verify_bundle(&config, V01, &bytes, &digest);
    assert_valid(&result);
    assert_eq!(
        ext(&result)["signatures"][0]["verifications"][0]["integratedTime"],
        json!(1668034836)
    );
}

/// `sha512:<hex>` of the first subject of a bundle's DSSE statement (the artifacts themselves
/// are not in the data; verification is by digest, as sigstore-go's WithArtifactDigest).
fn statement_subject_digest(bundle: &[u8]) -> String {
    use base64::Engine as _;
    let bundle: serde_json::Value = serde_json::from_slice(bundle).unwrap();
    let payload = base64::engine::general_purpose::STANDARD
        .decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap();
    let statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    let hex = statement["subject"][0]["digest"]["sha512"]
        .as_str()
        .unwrap();
    format!("sha512:{hex}")
}

/// As sigstore-go (and so cosign): a bundle's DSSE envelope carries exactly one signature; a
/// second one, even a copy of the valid one, makes the bundle invalid.
#[test]
fn cos01_with_a_second_dsse_signature_is_invalid() {
    let Some(dir) = interop() else { return };
    let mut bundle: serde_json::Value = serde_json::from_slice(&read(&dir, COS01)).unwrap();
    let first = bundle["dsseEnvelope"]["signatures"][0].clone();
    bundle["dsseEnvelope"]["signatures"]
        .as_array_mut()
        .unwrap()
        .push(first);
    let result = verify_bundle(
        &any_identity(&dir),
        V03,
        bundle.to_string().as_bytes(),
        COS01_DIGEST,
    );
    assert_invalid(&result, "exactly one signature");
}
