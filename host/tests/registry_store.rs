//! The registry store end to end: content pushed with `ratify push` into a real registry
//! (distribution 2.8, so referrers come from the tag schema) gives the same answers through
//! `ratify verify`/`discover`/`referrer` as the OCI layout it came from.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::registry::{
    Registry, push, push_example, sbom_verifier, store_config as config, verify,
};
use support::{example_layout, ratify};

const LIMIT: Duration = Duration::from_secs(60);

/// Reports without the subject strings, which name the layout or the registry.
fn comparable(run: &support::Run) -> Value {
    let mut result = run.json();
    fn strip(reports: &mut Value) {
        for report in reports.as_array_mut().into_iter().flatten() {
            report.as_object_mut().unwrap().remove("subject");
            strip(&mut report["nestedResults"]);
        }
    }
    strip(&mut result["verifierReports"]);
    for report in result["verifierReports"].as_array_mut().unwrap() {
        if report.get("referenceDigest").is_none() {
            // Subject-level failures name the subject in their reason.
            report.as_object_mut().unwrap().remove("errorReason");
        }
    }
    result
}

#[test]
fn verifying_through_the_registry_matches_the_layout() {
    let registry = Registry::start();
    let layout = example_layout().display().to_string();
    push(&layout, &format!("{}/example", registry.addr), &[]);
    let home = tempfile::tempdir().unwrap();
    // The bundled config already names the registry store (plain HTTP on loopback); with
    // --oci-layout the layout store is used instead, so one config serves both.
    let cfg = support::cli::bundled_config();
    let layout_config = cfg.clone();
    for (tag, code) in [
        ("v1", 0),
        ("unsigned", 1),
        ("gpl", 1),
        ("cyclonedx", 0),
        ("nested", 0),
        ("unknown-type", 1),
    ] {
        let remote = verify(
            &format!("{}/example:{tag}", registry.addr),
            &cfg,
            home.path(),
        );
        let local = ratify(
            &[
                "verify",
                "--oci-layout",
                "-s",
                &format!("{layout}:{tag}"),
                "-c",
                &layout_config,
            ],
            home.path(),
            LIMIT,
        );
        assert_eq!(
            remote.code,
            Some(code),
            "{tag} via the registry: {remote:?}"
        );
        assert_eq!(local.code, Some(code), "{tag} via the layout: {local:?}");
        assert_eq!(
            comparable(&remote),
            comparable(&local),
            "{tag}: the registry and the layout disagree"
        );
    }
}

#[test]
fn discover_and_referrer_commands_work_against_a_registry() {
    let registry = Registry::start();
    push_example(&format!("{}/example", registry.addr), &[]);
    let home = tempfile::tempdir().unwrap();
    let cfg = config(
        home.path(),
        json!({"name": "oras", "useHttp": true}),
        json!([]),
    );
    let subject = format!("{}/example:nested", registry.addr);
    let tree = ratify(
        &["discover", "-s", &subject, "-c", &cfg, "-o", "json"],
        home.path(),
        LIMIT,
    );
    assert_eq!(tree.code, Some(0), "{tree:?}");
    let tree = tree.json();
    let sbom = tree["referrers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["descriptor"]["artifactType"] == "application/spdx+json")
        .unwrap();
    assert_eq!(sbom["descriptor"]["artifactType"], "application/spdx+json");
    assert_eq!(
        sbom["referrers"][0]["descriptor"]["artifactType"],
        "application/vnd.example.signature.v1"
    );
    let digest = sbom["descriptor"]["digest"].as_str().unwrap();
    let manifest = ratify(
        &[
            "referrer",
            "show-manifest",
            "-s",
            &subject,
            "-c",
            &cfg,
            "-d",
            digest,
        ],
        home.path(),
        LIMIT,
    );
    let on_disk = std::fs::read(example_layout().join("blobs/sha256").join(&digest[7..])).unwrap();
    assert_eq!(manifest.stdout.as_bytes(), on_disk.as_slice());
    let layer = manifest.json()["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let blob = ratify(
        &[
            "referrer",
            "show-blob",
            "-s",
            &subject,
            "-c",
            &cfg,
            "-d",
            &layer,
        ],
        home.path(),
        LIMIT,
    );
    assert!(blob.stdout.contains("SPDX-2.3"), "{blob:?}");
    let resolved = ratify(&["resolve", "-s", &subject, "-c", &cfg], home.path(), LIMIT);
    assert_eq!(resolved.json()["digest"], tree["descriptor"]["digest"]);
}

#[test]
fn interop_layouts_pushed_to_a_registry_discover_as_from_the_layout() {
    let Some(interop) = support::interop_dir("RGO-01/NOT-01 via registry") else {
        return;
    };
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let cfg = config(
        home.path(),
        json!({"name": "oras", "useHttp": true}),
        json!([]),
    );
    let notation = [
        "e2e",
        "e2e-expired-signature",
        "e2e-invalid-signature",
        "e2e-valid-signature",
        "e2e-with-invalid-timestamped-signature",
        "e2e-with-timestamped-signature",
    ];
    let mut layouts: Vec<(String, String)> =
        vec![("ratify-go/oci_store/hello".into(), "hello".into())];
    layouts.extend(
        notation
            .iter()
            .map(|n| (format!("notation/oci_layout/{n}"), n.to_string())),
    );
    let mut with_referrers = 0;
    for (layout, repo) in layouts {
        let layout = interop.join(layout).display().to_string();
        push(&layout, &format!("{}/{repo}", registry.addr), &[]);
        let remote = ratify(
            &[
                "discover",
                "--flat",
                "-s",
                &format!("{}/{repo}:v1", registry.addr),
                "-c",
                &cfg,
            ],
            home.path(),
            LIMIT,
        );
        let local = ratify(
            &[
                "discover",
                "--flat",
                "--oci-layout",
                "-s",
                &format!("{layout}:v1"),
            ],
            home.path(),
            LIMIT,
        );
        assert_eq!(remote.code, Some(0), "{remote:?}");
        let lines = |run: &support::Run| {
            run.stdout
                .lines()
                .skip(1)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(lines(&remote), lines(&local), "{repo}");
        with_referrers += usize::from(!lines(&remote).iter().all(|l| l == "(no referrers)"));
    }
    assert_eq!(
        with_referrers, 6,
        "every layout but notation's unsigned e2e has referrers"
    );
}

#[test]
fn plain_http_is_only_used_where_configured() {
    let registry = Registry::start();
    push_example(&format!("{}/example", registry.addr), &[]);
    let home = tempfile::tempdir().unwrap();
    let cfg = config(home.path(), json!({"name": "oras"}), sbom_verifier());
    let run = verify(&format!("{}/example:v1", registry.addr), &cfg, home.path());
    assert_eq!(
        run.code,
        Some(1),
        "HTTPS to a plain-HTTP registry must fail, not fall back: {run:?}"
    );
    assert!(
        run.stdout.contains(&format!("https://{}", registry.addr)),
        "{run:?}"
    );
    let listed = config(
        home.path(),
        json!({"name": "oras", "plainHttp": [registry.addr]}),
        sbom_verifier(),
    );
    let run = verify(
        &format!("{}/example:v1", registry.addr),
        &listed,
        home.path(),
    );
    assert_eq!(run.code, Some(0), "{run:?}");
}
