//! Referrer discovery and paging over layouts built in a tempdir: walking nested indexes, the
//! referrers tag schema, deduplication, reachability, pages and tokens, and cache refresh.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    TestLayout, all_referrers, digests, image_manifest, index_entry, referrer_manifest, store,
    subject, tag_ref,
};
use ratify_oci_layout::OciLayoutStore;
use ratify_plugin_sdk::store::Store;
use ratify_plugin_sdk::wire::{Descriptor, Fault, Subject, code};
use serde_json::json;

const INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// A layout with a `v1` image and `count` referrers of it, all listed in index.json.
fn layout_with_referrers(count: usize) -> (TestLayout, Subject, Vec<String>) {
    let layout = TestLayout::new();
    let image = layout.manifest(&image_manifest("image"));
    let mut entries = vec![index_entry(&image, Some("v1"))];
    let mut referrers = Vec::new();
    for i in 0..count {
        let referrer = layout.manifest(&referrer_manifest(
            &image,
            "application/test",
            &i.to_string(),
        ));
        entries.push(index_entry(&referrer, None));
        referrers.push(referrer.digest);
    }
    layout.write_index(&entries);
    referrers.sort();
    let subject = subject(&tag_ref(layout.path(), "v1"), &image);
    (layout, subject, referrers)
}

#[test]
fn pages_250_referrers_as_100_100_50() {
    let (_layout, subject, expected) = layout_with_referrers(250);
    let (store, config) = store();
    let first = store.list_referrers(&config, &subject, &[], None).unwrap();
    assert_eq!(first.referrers.len(), 100);
    assert_eq!(first.next_page_token.as_deref(), Some("100"));
    let second = store
        .list_referrers(&config, &subject, &[], Some("100"))
        .unwrap();
    assert_eq!(second.referrers.len(), 100);
    assert_eq!(second.next_page_token.as_deref(), Some("200"));
    let third = store
        .list_referrers(&config, &subject, &[], Some("200"))
        .unwrap();
    assert_eq!(third.referrers.len(), 50);
    assert_eq!(third.next_page_token, None);
    let all: Vec<Descriptor> = [first, second, third]
        .into_iter()
        .flat_map(|p| p.referrers)
        .collect();
    assert_eq!(
        digests(&all),
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
}

#[test]
fn page_size_is_configurable() {
    let (_layout, subject, expected) = layout_with_referrers(5);
    let store = OciLayoutStore::default();
    let config = store.configure("s", &json!({"pageSize": 2})).unwrap();
    let first = store.list_referrers(&config, &subject, &[], None).unwrap();
    assert_eq!(first.referrers.len(), 2);
    assert_eq!(first.next_page_token.as_deref(), Some("2"));
    let all = all_referrers(&store, &config, &subject, &[]).unwrap();
    assert_eq!(
        digests(&all),
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
}

#[test]
fn a_malformed_page_token_is_an_error() {
    let (_layout, subject, _) = layout_with_referrers(3);
    let (store, config) = store();
    for token in [
        "abc",
        "-1",
        "+1",
        "1.5",
        "",
        " 1",
        "99999999999999999999999",
    ] {
        let err = store
            .list_referrers(&config, &subject, &[], Some(token))
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "{token:?}: {err}");
        assert_eq!(err.fault, Fault::Host);
    }
    // A token past the end (the layout shrank between pages) is just an empty last page.
    let page = store
        .list_referrers(&config, &subject, &[], Some("10"))
        .unwrap();
    assert!(page.referrers.is_empty() && page.next_page_token.is_none());
}

#[test]
fn referrers_inside_nested_indexes_count_but_stray_blobs_do_not() {
    let layout = TestLayout::new();
    let image = layout.manifest(&image_manifest("image"));
    let nested = layout.manifest(&referrer_manifest(&image, "application/nested", "n"));
    let stray = layout.manifest(&referrer_manifest(&image, "application/stray", "s"));
    let absent = Descriptor::new(
        "application/vnd.oci.image.manifest.v1+json",
        "sha256:1111111111111111111111111111111111111111111111111111111111111111",
        10,
    );
    // A referrer that is itself an index, carrying its own artifactType.
    let index_referrer = layout.manifest(&json!({
        "schemaVersion": 2,
        "mediaType": INDEX,
        "artifactType": "application/index-artifact",
        "manifests": [],
        "subject": {"mediaType": image.media_type, "digest": image.digest, "size": image.size},
        "annotations": {"k": "v"}
    }));
    let outer = layout.manifest(&json!({
        "schemaVersion": 2,
        "mediaType": INDEX,
        "manifests": [index_entry(&nested, None), index_entry(&absent, None)]
    }));
    layout.write_index(&[
        index_entry(&image, Some("v1")),
        index_entry(&outer, Some("bundle")),
        index_entry(&index_referrer, None),
    ]);
    let (store, config) = store();
    let found = all_referrers(
        &store,
        &config,
        &subject(&tag_ref(layout.path(), "v1"), &image),
        &[],
    )
    .unwrap();
    let mut expected = vec![nested.digest.as_str(), index_referrer.digest.as_str()];
    expected.sort();
    assert_eq!(digests(&found), expected);
    assert!(!digests(&found).contains(&stray.digest.as_str()));
    let index_found = found
        .iter()
        .find(|d| d.digest == index_referrer.digest)
        .unwrap();
    assert_eq!(index_found.media_type, INDEX);
    assert_eq!(
        index_found.artifact_type.as_deref(),
        Some("application/index-artifact")
    );
    assert_eq!(index_found.annotations["k"], "v");
}

#[test]
fn the_referrers_tag_schema_is_read_and_deduplicated() {
    let layout = TestLayout::new();
    let image = layout.manifest(&image_manifest("image"));
    let both = layout.manifest(&referrer_manifest(&image, "application/both", "b"));
    // Listed only by the tag index, and its manifest is not even in blobs/: taken as given.
    let tag_only = Descriptor {
        artifact_type: Some("application/tag-only".into()),
        annotations: [("from".to_string(), "tag".to_string())].into(),
        ..Descriptor::new(
            "application/vnd.oci.image.manifest.v1+json",
            "sha256:2222222222222222222222222222222222222222222222222222222222222222",
            99,
        )
    };
    let tag_index = layout.manifest(&json!({
        "schemaVersion": 2,
        "mediaType": INDEX,
        "manifests": [
            {"mediaType": both.media_type, "digest": both.digest, "size": both.size,
             "artifactType": "application/stale-copy"},
            tag_only
        ]
    }));
    let tag = format!("sha256-{}", &image.digest[7..]);
    layout.write_index(&[
        index_entry(&image, Some("v1")),
        index_entry(&both, None),
        index_entry(&tag_index, Some(&tag)),
    ]);
    let (store, config) = store();
    let subject = subject(&tag_ref(layout.path(), "v1"), &image);
    let found = all_referrers(&store, &config, &subject, &[]).unwrap();
    let mut expected = vec![both.digest.as_str(), tag_only.digest.as_str()];
    expected.sort();
    assert_eq!(digests(&found), expected);
    let both_found = found.iter().find(|d| d.digest == both.digest).unwrap();
    // The manifest read from its verified bytes wins over the tag index's copy.
    assert_eq!(
        both_found.artifact_type.as_deref(),
        Some("application/both")
    );
    assert_eq!(
        found.iter().find(|d| d.digest == tag_only.digest).unwrap(),
        &tag_only
    );
    let filtered = all_referrers(&store, &config, &subject, &["application/tag-only"]).unwrap();
    assert_eq!(filtered, vec![tag_only]);
}

#[test]
fn a_changed_index_json_is_picked_up() {
    let (layout, subject, first) = layout_with_referrers(1);
    let (store, config) = store();
    assert_eq!(
        all_referrers(&store, &config, &subject, &[]).unwrap().len(),
        1
    );
    // Add a referrer and a tag; index.json grows, so the cached state is stale.
    let extra = layout.manifest(&referrer_manifest(
        &subject.descriptor,
        "application/new",
        "x",
    ));
    layout.write_index(&[
        index_entry(&subject.descriptor, Some("v1")),
        index_entry(&Descriptor::new(&extra.media_type, &first[0], 0), None),
        index_entry(&extra, Some("v2")),
    ]);
    let found = all_referrers(&store, &config, &subject, &[]).unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(
        store
            .resolve(&config, &tag_ref(layout.path(), "v2"))
            .unwrap()
            .digest,
        extra.digest
    );
}
