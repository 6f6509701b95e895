//! The tutorial in the README, end to end against a real registry (distribution 2.8): push
//! images, sign one (COSE), point ratify at a notation directory (trust policy + trust
//! store), and verify: the signed image passes, an unsigned one is denied for having no
//! referrers, one signed by a certificate outside the trust store is denied as untrusted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use serde_json::json;
use support::registry::{Registry, push, push_example};
use support::{ratify, write_config};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn tutorial_push_sign_trust_and_verify() {
    let registry = Registry::start();
    // 1. Push the images (the bundled layout: `v1` is signed by the example signer).
    push_example(&format!("{}/tutorial", registry.addr), &[]);
    // …and an image signed by someone the trust store does not know.
    let work = tempfile::tempdir().unwrap();
    let stranger = support::cli::fresh_pki(&work.path().join("stranger-pki"));
    let signed_by_stranger = support::cli::sign_in_copy(work.path(), "unsigned", &stranger);
    push(
        &signed_by_stranger.display().to_string(),
        &format!("{}/stranger", registry.addr),
        &[],
    );

    // 2. Import the trust policy and trust store as notation keeps them on disk.
    let notation = work.path().join("notation");
    let store = notation.join("truststore/x509/ca/example");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::copy(
        support::repo_root().join("testdata/pki/root.crt"),
        store.join("root.crt"),
    )
    .unwrap();
    let scope = format!("{}/tutorial", registry.addr);
    let policy = json!({"version": "1.0", "trustPolicies": [
        {"name": "tutorial", "registryScopes": [scope], "signatureVerification": {"level": "strict"},
         "trustStores": ["ca:example"], "trustedIdentities": ["*"]},
        {"name": "everything-else", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
         "trustStores": ["ca:example"], "trustedIdentities": ["*"]}
    ]});
    std::fs::write(notation.join("trustpolicy.json"), policy.to_string()).unwrap();
    let home = tempfile::tempdir().unwrap();
    let config = json!({
        "store": {"plugins": [{"name": "oras", "useHttp": true}]},
        "policy": {"plugin": {"name": "configPolicy", "artifactVerificationPolicies": {"application/vnd.cncf.notary.signature": "any"}}},
        "verifier": {"plugins": [{"name": "notation", "artifactTypes": "application/vnd.cncf.notary.signature", "notationDir": notation}]}
    });
    let config = write_config(home.path(), &config).display().to_string();
    let verify = |subject: String| {
        ratify(
            &[
                "verify",
                "-s",
                &subject,
                "-c",
                &config,
                "-t",
                "application/vnd.cncf.notary.signature",
            ],
            home.path(),
            LIMIT,
        )
    };

    // 3. Verify.
    let run = verify(format!("{}/tutorial:v1", registry.addr));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        run.json()["verifierReports"][0]["extensions"]["trustPolicy"],
        "tutorial"
    );

    let run = verify(format!("{}/tutorial:unsigned", registry.addr));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(
        run.json()["verifierReports"][0]["message"],
        "verification failed: no referrers found for this artifact"
    );

    let run = verify(format!("{}/stranger:unsigned", registry.addr));
    assert_eq!(run.code, Some(1), "{run:?}");
    let message = run.first_message();
    assert!(
        message.contains("signature is not produced by a trusted signer"),
        "{message}"
    );
}
