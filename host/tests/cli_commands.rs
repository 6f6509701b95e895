//! End to end: the read-only commands (`discover`, `referrer`, `resolve`, `version`,
//! `plugin list`, `plugin check`) with the real binaries.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::cli::*;
use support::{example_layout, ratify};

#[test]
fn discover_shows_the_referrer_tree_including_nested() {
    let home = tempfile::tempdir().unwrap();
    let run = ratify(
        &["discover", "--oci-layout", "-s", &subject("nested")],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    // Referrers in digest order: the image's signature, then its SBOM with a signature on it.
    assert_eq!(lines.len(), 4, "{run:?}");
    assert!(
        lines[1].starts_with("├── sha256:")
            && lines[1].ends_with("[application/vnd.cncf.notary.signature]")
    );
    assert!(lines[2].starts_with("└── sha256:") && lines[2].ends_with("[application/spdx+json]"));
    assert!(
        lines[3].starts_with("    └── sha256:")
            && lines[3].ends_with("[application/vnd.example.signature.v1]")
    );

    let flat = ratify(
        &[
            "discover",
            "--oci-layout",
            "--flat",
            "-s",
            &subject("nested"),
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(
        flat.stdout
            .lines()
            .filter(|l| l.starts_with("2 sha256:"))
            .count(),
        1,
        "{flat:?}"
    );
    let json = ratify(
        &[
            "discover",
            "--oci-layout",
            "-o",
            "json",
            "-s",
            &subject("nested"),
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(
        json.json()["referrers"][1]["referrers"][0]["descriptor"]["artifactType"],
        "application/vnd.example.signature.v1"
    );
}

#[test]
fn referrer_show_manifest_and_blob_print_exact_bytes() {
    let home = tempfile::tempdir().unwrap();
    let tree = ratify(
        &[
            "discover",
            "--oci-layout",
            "-o",
            "json",
            "-s",
            &subject("v1"),
        ],
        home.path(),
        LIMIT,
    )
    .json();
    let sbom_manifest = tree["referrers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["descriptor"]["artifactType"] == "application/spdx+json")
        .unwrap()["descriptor"]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let shown = ratify(
        &[
            "referrer",
            "show-manifest",
            "--oci-layout",
            "-s",
            &subject("v1"),
            "-d",
            &sbom_manifest,
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(shown.code, Some(0), "{shown:?}");
    let hex = sbom_manifest.trim_start_matches("sha256:");
    let on_disk = std::fs::read(example_layout().join("blobs/sha256").join(hex)).unwrap();
    assert_eq!(shown.stdout.as_bytes(), on_disk.as_slice());
    let layer = shown.json()["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let blob = ratify(
        &[
            "referrer",
            "show-blob",
            "--oci-layout",
            "-s",
            &subject("v1"),
            "-d",
            &layer,
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(blob.code, Some(0), "{blob:?}");
    assert!(
        blob.stdout.contains("\"spdxVersion\": \"SPDX-2.3\""),
        "{blob:?}"
    );
    let missing = ratify(
        &[
            "referrer",
            "show-blob",
            "--oci-layout",
            "-s",
            &subject("v1"),
            "-d",
            &format!("sha256:{}", "0".repeat(64)),
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(missing.code, Some(2), "{missing:?}");
}

#[test]
fn version_names_the_protocol() {
    let home = tempfile::tempdir().unwrap();
    let run = ratify(&["version"], home.path(), LIMIT);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout.contains("plugin protocol 1.1"), "{run:?}");
}

#[test]
fn plugin_list_shows_each_plugin_its_origin_and_protocol() {
    let home = tempfile::tempdir().unwrap();
    let run = ratify(&["plugin", "list"], home.path(), LIMIT);
    assert_eq!(run.code, Some(0), "{run:?}");
    let sbom = run
        .stdout
        .lines()
        .find(|l| l.starts_with("sbom\t"))
        .expect("sbom listed");
    assert!(
        sbom.contains("verifier")
            && sbom.contains("\t1.1\t")
            && sbom.contains("(ratify's directory)"),
        "{sbom}"
    );
    let store = run
        .stdout
        .lines()
        .find(|l| l.starts_with("oci-layout\t"))
        .expect("store listed");
    assert!(store.contains("store"), "{store}");
}

#[test]
fn plugin_check_passes_our_plugins() {
    let home = tempfile::tempdir().unwrap();
    for plugin in [
        "ratify-sbom",
        "ratify-oci-layout",
        "ratify-cosign",
        "ratify-misbehave",
    ] {
        let path = support::bin_dir().join(plugin).display().to_string();
        let run = ratify(&["plugin", "check", &path], home.path(), LIMIT);
        assert_eq!(run.code, Some(0), "{plugin}: {run:?}");
        assert!(run.stdout.contains("checks passed"), "{run:?}");
        assert!(!run.stdout.contains('✗'), "{plugin}: {run:?}");
    }
}

#[test]
fn plugin_check_fails_broken_plugins_and_says_why() {
    let plugins = support::plugin_dir(&[
        ("misbehave-wrong-protocol", "ratify-misbehave"),
        ("misbehave-garbage-handshake", "ratify-misbehave"),
    ]);
    let home = tempfile::tempdir().unwrap();
    let wrong = plugins
        .path()
        .join("ratify-misbehave-wrong-protocol")
        .display()
        .to_string();
    let run = ratify(&["plugin", "check", &wrong], home.path(), LIMIT);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stdout.contains("✗ handshake") && run.stdout.contains("\"99.0\""),
        "{run:?}"
    );
    let garbage = plugins
        .path()
        .join("ratify-misbehave-garbage-handshake")
        .display()
        .to_string();
    let run = ratify(&["plugin", "check", &garbage], home.path(), LIMIT);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.contains("not a protocol message"), "{run:?}");
}

#[test]
fn a_layout_lists_cosign_sig_tags_when_the_store_config_enables_them() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let layout = cosign_layout(work.path());
    let subject = format!("{}:v1", layout.display());
    let discover = |cosign: bool| {
        let config = support::write_config(
            home.path(),
            &serde_json::json!({"store": {"version": "1.0.0", "plugins": [
                {"name": "oras", "cosignEnabled": cosign}
            ]}}),
        );
        let config = config.display().to_string();
        ratify(
            &[
                "discover",
                "--oci-layout",
                "--flat",
                "-s",
                &subject,
                "-c",
                &config,
            ],
            home.path(),
            LIMIT,
        )
    };
    let sig = "[application/vnd.dev.cosign.artifact.sig.v1+json]";
    let with = discover(true);
    assert_eq!(with.code, Some(0), "{with:?}");
    assert_eq!(
        with.stdout.lines().filter(|l| l.ends_with(sig)).count(),
        1,
        "{with:?}"
    );
    let without = discover(false);
    assert_eq!(without.code, Some(0), "{without:?}");
    assert!(!without.stdout.contains(sig), "{without:?}");
}
