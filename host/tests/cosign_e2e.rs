//! cosign signatures end to end: `ratify verify` against a real registry (distribution 2.8,
//! started here) holding images signed the two ways cosign stores signatures — the legacy
//! `sha256-<digest>.sig` tag and an OCI 1.1 referrer — under a policy that also requires the
//! images' Notation signatures. The cosign signatures are real: P-256 keys made by openssl and
//! simple-signing payloads signed by `openssl dgst -sha256 -sign`, as cosign signs them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use support::cosign::{BUNDLE, COSIGN_SIG, Layout, key_pair};
use support::registry::{self, Registry, push};
use support::{Run, ratify};

const LIMIT: Duration = Duration::from_secs(60);
const SLSA: &str = "https://slsa.dev/provenance/v1";

/// The bundled config (Notation verifier and trust) plus the cosign verifier with `key`, the
/// store's cosignEnabled, and a policy that needs a Notation and a cosign signature to pass.
fn mixed_config(home: &Path, key: &Path) -> String {
    mixed_config_with(home, key, &[])
}

/// As [`mixed_config`]; the cosign policy also requires attestations of `required` types,
/// and Sigstore bundles go to the cosign verifier.
fn mixed_config_with(home: &Path, key: &Path, required: &[&str]) -> String {
    let mut config: Value = serde_json::from_slice(
        &std::fs::read(support::repo_root().join("testdata/config.json")).unwrap(),
    )
    .unwrap();
    let root = support::repo_root()
        .join("testdata/pki/root.crt")
        .display()
        .to_string();
    config["verifier"]["plugins"][0]["verificationCertStores"] = json!({"ca": {"example": [root]}});
    config["verifier"]["plugins"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "name": "cosign",
            "artifactTypes": format!("{COSIGN_SIG},{BUNDLE}"),
            "trustPolicies": [{"name": "e2e", "version": "1.0.0", "scopes": ["*"],
                               "keys": [{"file": key.display().to_string()}], "tLogVerify": false,
                               "requiredPredicateTypes": required}]
        }));
    config["store"]["plugins"][0]["cosignEnabled"] = json!(true);
    let mut policies = json!({"application/vnd.cncf.notary.signature": "any", COSIGN_SIG: "any"});
    if !required.is_empty() {
        // Ratify's configPolicy needs every listed type present, so bundles are listed only
        // where attestations are expected.
        policies[BUNDLE] = json!("any");
    }
    config["policy"]["plugin"]["artifactVerificationPolicies"] = policies;
    support::write_config(home, &config).display().to_string()
}

/// In `work`: the policy's `trusted` key pair (private, public), a `stranger`'s private key,
/// and a copy of the example layout to sign in.
fn keys_and_layout(work: &Path) -> (PathBuf, PathBuf, PathBuf, Layout) {
    let (trusted, trusted_pub) = key_pair(work, "trusted");
    let (stranger, _) = key_pair(work, "stranger");
    (trusted, trusted_pub, stranger, Layout::copy_example(work))
}

/// A layout pushed to a registry started for it, and the config its tags are verified with.
struct Pushed {
    _registry: Registry,
    repo: String,
    home: tempfile::TempDir,
    config: String,
}

impl Pushed {
    /// Pushes `layout` as `<registry>/<name>`; `config` writes the config into a scratch home.
    fn new(layout: &Layout, name: &str, config: impl FnOnce(&Path) -> String) -> Self {
        let registry = Registry::start();
        let repo = format!("{}/{name}", registry.addr);
        push(&layout.dir.display().to_string(), &repo, &[]);
        let home = tempfile::tempdir().unwrap();
        let config = config(home.path());
        Pushed {
            _registry: registry,
            repo,
            home,
            config,
        }
    }

    /// `ratify verify` of the image tagged `tag` in the registry.
    fn verify(&self, tag: &str) -> Run {
        registry::verify(
            &format!("{}:{tag}", self.repo),
            &self.config,
            self.home.path(),
        )
    }
}

/// The report on the artifact of type `artifact_type` in a `ratify verify` run.
fn report(run: &Run, artifact_type: &str) -> Value {
    run.json()["verifierReports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["artifactType"] == artifact_type)
        .cloned()
        .unwrap_or_else(|| panic!("no {artifact_type} report: {run:?}"))
}

/// The verifier reports of a `ratify verify` run, by artifact type: (type, isSuccess).
fn reports(run: &Run) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = run.json()["verifierReports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["artifactType"].as_str().unwrap_or_default().to_owned(),
                r["isSuccess"] == json!(true),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn cosign_legacy_tags_and_referrers_verify_through_a_registry_with_notation() {
    let work = tempfile::tempdir().unwrap();
    let (trusted, trusted_pub, stranger, mut layout) = keys_and_layout(work.path());
    // v1: Notation-signed in the example, plus a legacy .sig tag.
    layout.sign(&layout.tagged("v1"), &trusted, false);
    // cyclonedx: Notation-signed, plus an OCI 1.1 cosign referrer.
    layout.sign(&layout.tagged("cyclonedx"), &trusted, true);
    // gpl: Notation-signed, but cosign-signed by a key the policy does not trust.
    layout.sign(&layout.tagged("gpl"), &stranger, false);
    // unsigned: a valid cosign signature, but no Notation signature at all.
    layout.sign(&layout.tagged("unsigned"), &trusted, true);

    let pushed = Pushed::new(&layout, "cosigned", |home| mixed_config(home, &trusted_pub));

    let v1 = pushed.verify("v1");
    assert_eq!(v1.code, Some(0), "{v1:?}");
    let kinds = reports(&v1);
    assert!(kinds.contains(&(COSIGN_SIG.into(), true)), "{kinds:?}");
    assert!(
        kinds.contains(&("application/vnd.cncf.notary.signature".into(), true)),
        "{kinds:?}"
    );
    let cosign = report(&v1, COSIGN_SIG);
    assert_eq!(cosign["verifierName"], json!("cosign"), "{cosign}");
    assert_eq!(
        cosign["extensions"]["trustPolicy"],
        json!("e2e"),
        "{cosign}"
    );

    let referrer = pushed.verify("cyclonedx");
    assert_eq!(referrer.code, Some(0), "{referrer:?}");
    assert!(
        reports(&referrer).contains(&(COSIGN_SIG.into(), true)),
        "{referrer:?}"
    );

    let stranger = pushed.verify("gpl");
    assert_eq!(stranger.code, Some(1), "{stranger:?}");
    assert!(
        reports(&stranger).contains(&(COSIGN_SIG.into(), false)),
        "{stranger:?}"
    );
    assert!(
        stranger.stdout.contains("failed to verify signature"),
        "{stranger:?}"
    );

    let unsigned = pushed.verify("unsigned");
    assert_eq!(
        unsigned.code,
        Some(1),
        "cosign alone must not pass a policy that wants Notation too: {unsigned:?}"
    );
    assert_eq!(
        reports(&unsigned),
        vec![(COSIGN_SIG.to_owned(), true)],
        "{unsigned:?}"
    );

    // The same layout, verified on disk with the same config, answers the same.
    let (config, home) = (&pushed.config, pushed.home.path());
    for (tag, code) in [("v1", 0), ("cyclonedx", 0), ("gpl", 1)] {
        let subject = format!("{}:{tag}", layout.dir.display());
        let run = ratify(
            &["verify", "--oci-layout", "-s", &subject, "-c", config],
            home,
            LIMIT,
        );
        assert_eq!(run.code, Some(code), "{tag} from the layout: {run:?}");
    }
}

#[test]
fn required_provenance_attestations_come_from_the_subjects_bundles() {
    let work = tempfile::tempdir().unwrap();
    let (trusted, trusted_pub, stranger, mut layout) = keys_and_layout(work.path());
    // v1: a cosign signature and a SLSA provenance attestation.
    layout.sign(&layout.tagged("v1"), &trusted, false);
    layout.attest(&layout.tagged("v1"), &trusted, SLSA);
    // cyclonedx: a cosign signature, an attestation of another predicate type only.
    layout.sign(&layout.tagged("cyclonedx"), &trusted, true);
    layout.attest(
        &layout.tagged("cyclonedx"),
        &trusted,
        "https://spdx.dev/Document",
    );
    // gpl: a cosign signature and a provenance attestation by a key the policy does not trust.
    layout.sign(&layout.tagged("gpl"), &trusted, false);
    layout.attest(&layout.tagged("gpl"), &stranger, SLSA);

    let pushed = Pushed::new(&layout, "attested", |home| {
        mixed_config_with(home, &trusted_pub, &[SLSA])
    });

    let v1 = pushed.verify("v1");
    assert_eq!(v1.code, Some(0), "{v1:?}");
    let attestation = report(&v1, BUNDLE);
    assert_eq!(attestation["isSuccess"], json!(true), "{attestation}");
    let signature = &attestation["extensions"]["signatures"][0];
    assert_eq!(signature["predicateType"], json!(SLSA), "{attestation}");
    assert_eq!(
        signature["predicate"]["builder"]["id"],
        json!("https://ci.example/builder"),
        "{attestation}"
    );

    // No provenance: every cosign report fails, naming the missing type.
    let missing = pushed.verify("cyclonedx");
    assert_eq!(missing.code, Some(1), "{missing:?}");
    assert!(
        missing.stdout.contains(
            "no valid attestation with the required predicate type https://slsa.dev/provenance/v1"
        ),
        "{missing:?}"
    );
    assert!(
        reports(&missing).contains(&(COSIGN_SIG.into(), false)),
        "{missing:?}"
    );

    // Provenance signed by an untrusted key is no provenance.
    let untrusted = pushed.verify("gpl");
    assert_eq!(untrusted.code, Some(1), "{untrusted:?}");
    assert!(
        untrusted
            .stdout
            .contains("no valid attestation with the required predicate type"),
        "{untrusted:?}"
    );
}
