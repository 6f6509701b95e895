//! RGO-01: the ORAS-produced layout from ratify-go's OCI store tests (`ratify-go/oci_store/hello`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;

use common::{all_referrers, digest_ref, digests, store, subject, tag_ref};
use ratify_plugin_sdk::store::Store;
use ratify_plugin_sdk::wire::{Descriptor, code};

const LAYOUT: &str = "ratify-go/oci_store/hello";
const V1: &str = "sha256:2b858809d6fd3d63a2e64e8418a0d5883aec3e24e4fe6346370f09e043763b83";
const BAR: &str = "sha256:0869171bd25813427afe0619ab8f2dc35a95527f24c5806580b37fe88cbbd105";
const FOO: &str = "sha256:429c5e7304ab01d7d5d3772bc1b4443844e0b2b8f6cd362eac2a7f83598b4927";
const DANGLING: &str = "sha256:de07fb4ec0d92693027017bb762a2397c700dcf966ec24364659e8ff5567a932";
const FOO_TXT: &str = "sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c";
const UNKNOWN: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

fn v1() -> Descriptor {
    Descriptor::new(MANIFEST, V1, 588)
}

#[test]
fn resolves_tag_and_digest_to_the_bare_descriptor() {
    let Some(dir) = common::interop(LAYOUT) else {
        return;
    };
    let (store, config) = store();
    assert_eq!(store.resolve(&config, &tag_ref(&dir, "v1")).unwrap(), v1());
    assert_eq!(store.resolve(&config, &digest_ref(&dir, V1)).unwrap(), v1());
}

#[test]
fn unknown_tag_and_digest_are_not_found() {
    let Some(dir) = common::interop(LAYOUT) else {
        return;
    };
    let (store, config) = store();
    for reference in [tag_ref(&dir, "v2"), digest_ref(&dir, UNKNOWN)] {
        let err = store.resolve(&config, &reference).unwrap_err();
        assert_eq!(err.code, code::NOT_FOUND, "{reference}: {err}");
        assert!(
            err.message
                .contains(&dir.canonicalize().unwrap().display().to_string()),
            "{err}"
        );
    }
}

#[test]
fn lists_exactly_the_published_referrers_sorted() {
    let Some(dir) = common::interop(LAYOUT) else {
        return;
    };
    let (store, config) = store();
    let reference = tag_ref(&dir, "v1");
    let referrers = all_referrers(&store, &config, &subject(&reference, &v1()), &[]).unwrap();
    // The dangling de07fb4e manifest has the same subject but is not reachable from index.json.
    assert_eq!(digests(&referrers), [BAR, FOO]);
    assert!(!digests(&referrers).contains(&DANGLING));
    let created = |d: &Descriptor| d.annotations["org.opencontainers.image.created"].clone();
    assert_eq!(referrers[0].media_type, MANIFEST);
    assert_eq!(referrers[0].size, 896);
    assert_eq!(
        referrers[0].artifact_type.as_deref(),
        Some("application/bar")
    );
    assert_eq!(created(&referrers[0]), "2025-01-22T09:55:25Z");
    assert_eq!(
        referrers[1].artifact_type.as_deref(),
        Some("application/foo")
    );
    assert_eq!(created(&referrers[1]), "2025-01-22T09:54:49Z");
}

#[test]
fn filters_referrers_by_artifact_type() {
    let Some(dir) = common::interop(LAYOUT) else {
        return;
    };
    let (store, config) = store();
    let subject = subject(&tag_ref(&dir, "v1"), &v1());
    let foo = all_referrers(&store, &config, &subject, &["application/foo"]).unwrap();
    assert_eq!(digests(&foo), [FOO]);
    let none = all_referrers(&store, &config, &subject, &["application/test"]).unwrap();
    assert!(none.is_empty());
}

#[test]
fn a_subject_nothing_refers_to_has_no_referrers() {
    let Some(dir) = common::interop(LAYOUT) else {
        return;
    };
    let (store, config) = store();
    let other = Descriptor::new(MANIFEST, UNKNOWN, 1);
    let page = store
        .list_referrers(&config, &subject(&tag_ref(&dir, "v1"), &other), &[], None)
        .unwrap();
    assert!(page.referrers.is_empty());
    assert_eq!(page.next_page_token, None);
}

#[test]
fn fetches_manifests_and_blobs_exactly() {
    let Some(dir) = common::interop(LAYOUT) else {
        return;
    };
    let (store, config) = store();
    let reference = tag_ref(&dir, "v1");
    for digest in [V1, FOO] {
        let manifest = store.get_manifest(&config, &reference, digest).unwrap();
        assert_eq!(manifest.media_type, MANIFEST);
        let on_disk = fs::read(dir.join("blobs/sha256").join(&digest[7..])).unwrap();
        assert_eq!(manifest.content.0, on_disk);
    }

    let tmp = tempfile::tempdir().unwrap();
    let destination = tmp.path().join("foo.txt");
    let size = store
        .get_blob(&config, &reference, FOO_TXT, &destination, 4)
        .unwrap();
    assert_eq!(size, 4);
    assert_eq!(fs::read(&destination).unwrap(), b"foo\n");

    let missing = tmp.path().join("missing");
    let err = store
        .get_blob(&config, &reference, UNKNOWN, &missing, 1024)
        .unwrap_err();
    assert_eq!(err.code, code::NOT_FOUND);
    assert!(!missing.exists());
}
