//! Layouts built in a tempdir that are corrupt, oversized or hostile: every read is
//! digest-checked, caps are enforced before reading, and digests cannot escape `blobs/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs::{self, File};
use std::time::{Duration, Instant};

use common::{TestLayout, digest_ref, image_manifest, index_entry, store, tag_ref};
use ratify_oci_layout::{Algorithm, OciLayoutStore, digest_of};
use ratify_plugin_sdk::store::Store;
use ratify_plugin_sdk::wire::{Fault, code};
use serde_json::json;

/// A layout with one tagged manifest `v1`; returns it and the manifest digest.
fn tagged_layout() -> (TestLayout, String) {
    let layout = TestLayout::new();
    let manifest = layout.manifest(&image_manifest("v1"));
    layout.write_index(&[index_entry(&manifest, Some("v1"))]);
    (layout, manifest.digest)
}

#[test]
fn bytes_that_do_not_match_their_name_are_a_digest_mismatch() {
    let (layout, _) = tagged_layout();
    let claimed = digest_of(Algorithm::Sha256, b"the real content");
    layout.blob_named(
        &claimed,
        br#"{"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#,
    );
    let (store, config) = store();
    let reference = tag_ref(layout.path(), "v1");

    let err = store
        .get_manifest(&config, &reference, &claimed)
        .unwrap_err();
    assert_eq!(err.code, code::DIGEST_MISMATCH, "{err}");
    assert!(err.message.contains(&claimed), "{err}");

    let err = store
        .resolve(&config, &digest_ref(layout.path(), &claimed))
        .unwrap_err();
    assert_eq!(err.code, code::DIGEST_MISMATCH, "{err}");

    let tmp = tempfile::tempdir().unwrap();
    let destination = tmp.path().join("blob");
    let err = store
        .get_blob(&config, &reference, &claimed, &destination, 1 << 20)
        .unwrap_err();
    assert_eq!(err.code, code::DIGEST_MISMATCH, "{err}");
    assert!(!destination.exists(), "the partial file was left behind");
}

#[test]
fn a_tampered_blob_in_a_tarball_is_a_digest_mismatch() {
    let claimed = digest_of(Algorithm::Sha256, b"original");
    let tmp = tempfile::tempdir().unwrap();
    let tar_path = tmp.path().join("layout.tar");
    let mut builder = tar::Builder::new(File::create(&tar_path).unwrap());
    let mut add = |name: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, bytes).unwrap();
    };
    add("./oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
    add("./index.json", br#"{"schemaVersion":2,"manifests":[]}"#);
    let good = digest_of(Algorithm::Sha256, b"good");
    add(&format!("./blobs/sha256/{}", &good[7..]), b"good");
    add(&format!("./blobs/sha256/{}", &claimed[7..]), b"tampered");
    builder.into_inner().unwrap();

    let (store, config) = store();
    let reference = tag_ref(&tar_path, "any");
    let destination = tmp.path().join("good");
    assert_eq!(
        store
            .get_blob(&config, &reference, &good, &destination, 4)
            .unwrap(),
        4
    );
    assert_eq!(fs::read(&destination).unwrap(), b"good");
    let destination = tmp.path().join("tampered");
    let err = store
        .get_blob(&config, &reference, &claimed, &destination, 1 << 20)
        .unwrap_err();
    assert_eq!(err.code, code::DIGEST_MISMATCH, "{err}");
    assert!(!destination.exists());
}

#[test]
fn a_manifest_over_the_cap_is_refused_without_reading_it() {
    let (layout, v1) = tagged_layout();
    // 64 GiB, sparse: reading it would take minutes and exhaust memory, so a prompt
    // CONTENT_TOO_LARGE (and not DIGEST_MISMATCH) shows the size was checked first.
    let huge = digest_of(Algorithm::Sha256, b"huge");
    let file = File::create(layout.path().join("blobs/sha256").join(&huge[7..])).unwrap();
    file.set_len(64 << 30).unwrap();
    let (store, config) = store();
    let started = Instant::now();
    let err = store
        .get_manifest(&config, &tag_ref(layout.path(), "v1"), &huge)
        .unwrap_err();
    assert_eq!(err.code, code::CONTENT_TOO_LARGE, "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));

    // A lowered cap applies to real manifests too.
    let small = OciLayoutStore::default();
    let config = small
        .configure("s", &json!({"maxManifestBytes": 16}))
        .unwrap();
    let err = small
        .get_manifest(&config, &tag_ref(layout.path(), "v1"), &v1)
        .unwrap_err();
    assert_eq!(err.code, code::CONTENT_TOO_LARGE, "{err}");
}

#[test]
fn a_blob_over_max_bytes_is_refused_and_leaves_no_file() {
    let (layout, _) = tagged_layout();
    let digest = layout.blob(&[7u8; 1000]);
    let (store, config) = store();
    let reference = tag_ref(layout.path(), "v1");
    let tmp = tempfile::tempdir().unwrap();
    let destination = tmp.path().join("blob");
    let err = store
        .get_blob(&config, &reference, &digest, &destination, 999)
        .unwrap_err();
    assert_eq!(err.code, code::CONTENT_TOO_LARGE, "{err}");
    assert!(!destination.exists());
    let size = store
        .get_blob(&config, &reference, &digest, &destination, 1000)
        .unwrap();
    assert_eq!(size, 1000);
}

#[test]
fn an_existing_destination_is_never_overwritten() {
    let (layout, _) = tagged_layout();
    let digest = layout.blob(b"new content");
    let (store, config) = store();
    let reference = tag_ref(layout.path(), "v1");
    let tmp = tempfile::tempdir().unwrap();
    let destination = tmp.path().join("existing");
    fs::write(&destination, b"precious").unwrap();
    let err = store
        .get_blob(&config, &reference, &digest, &destination, 1 << 20)
        .unwrap_err();
    assert_eq!(err.code, code::INVALID_PARAMS, "{err}");
    assert_eq!(err.fault, Fault::Host);
    assert_eq!(fs::read(&destination).unwrap(), b"precious");
}

#[test]
fn digests_that_could_escape_blobs_are_rejected() {
    let (layout, _) = tagged_layout();
    // A file a traversal would reach, were digests joined to paths unchecked.
    fs::write(layout.path().join("secret"), b"secret").unwrap();
    let (store, config) = store();
    let reference = tag_ref(layout.path(), "v1");
    let tmp = tempfile::tempdir().unwrap();
    for digest in [
        "sha256:../../secret",
        &format!("sha256:../../{}", "a".repeat(58)),
        &format!("sha256:{}/../x", "a".repeat(59)),
        &format!("sha256:{}", "A".repeat(64)),
        &format!("md5:{}", "a".repeat(32)),
        "sha256",
    ] {
        let err = store.get_manifest(&config, &reference, digest).unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "{digest}: {err}");
        let destination = tmp.path().join("out");
        let err = store
            .get_blob(&config, &reference, digest, &destination, 1 << 20)
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "{digest}: {err}");
        assert!(!destination.exists());
        let err = store
            .resolve(&config, &digest_ref(layout.path(), digest))
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_CONFIG, "{digest}: {err}");
    }
}

#[test]
fn a_directory_without_oci_layout_is_a_clear_error() {
    let (layout, _) = tagged_layout();
    fs::remove_file(layout.path().join("oci-layout")).unwrap();
    let (store, config) = store();
    let err = store
        .resolve(&config, &tag_ref(layout.path(), "v1"))
        .unwrap_err();
    assert_eq!(err.code, code::STORE_UNAVAILABLE, "{err}");
    assert_eq!(err.fault, Fault::Store);
    assert!(err.message.contains("no oci-layout file"), "{err}");
    let canonical = layout.path().canonicalize().unwrap();
    assert!(
        err.message.contains(&canonical.display().to_string()),
        "{err}"
    );

    fs::write(
        layout.path().join("oci-layout"),
        r#"{"imageLayoutVersion":"2.0.0"}"#,
    )
    .unwrap();
    let err = store
        .resolve(&config, &tag_ref(layout.path(), "v1"))
        .unwrap_err();
    assert!(err.message.contains("2.0.0"), "{err}");
}

#[test]
fn missing_layouts_and_references_without_a_target_are_errors() {
    let (store, config) = store();
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nowhere");
    let err = store
        .resolve(&config, &tag_ref(&missing, "v1"))
        .unwrap_err();
    assert_eq!(err.code, code::STORE_UNAVAILABLE, "{err}");
    assert!(
        err.message.contains(&missing.display().to_string()),
        "{err}"
    );

    let err = store
        .resolve(&config, &tmp.path().display().to_string())
        .unwrap_err();
    assert_eq!(err.code, code::INVALID_CONFIG, "{err}");
    assert!(err.message.contains("names no tag or digest"), "{err}");
}

#[test]
fn a_tag_on_two_manifests_is_ambiguous() {
    let layout = TestLayout::new();
    let a = layout.manifest(&image_manifest("a"));
    let b = layout.manifest(&image_manifest("b"));
    layout.write_index(&[index_entry(&a, Some("v1")), index_entry(&b, Some("v1"))]);
    let (store, config) = store();
    let err = store
        .resolve(&config, &tag_ref(layout.path(), "v1"))
        .unwrap_err();
    assert!(err.message.contains("ambiguous"), "{err}");
    assert!(
        err.message.contains(&a.digest) && err.message.contains(&b.digest),
        "{err}"
    );
}

#[test]
fn sha512_content_is_served_and_checked() {
    let layout = TestLayout::new();
    let digest = digest_of(Algorithm::Sha512, b"sha512 blob");
    fs::create_dir_all(layout.path().join("blobs/sha512")).unwrap();
    fs::write(
        layout.path().join("blobs/sha512").join(&digest[7..]),
        b"sha512 blob",
    )
    .unwrap();
    let (store, config) = store();
    let reference = tag_ref(layout.path(), "x");
    let tmp = tempfile::tempdir().unwrap();
    let destination = tmp.path().join("out");
    let size = store
        .get_blob(&config, &reference, &digest, &destination, 100)
        .unwrap();
    assert_eq!(size, 11);
}
