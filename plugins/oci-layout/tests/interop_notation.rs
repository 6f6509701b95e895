//! NOT-01, NOT-05, NOT-06: notation's e2e OCI layouts, one signature found through index.json
//! and the referrers tag schema, none, and one found through index.json only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{all_referrers, digests, store, subject, tag_ref};
use ratify_plugin_sdk::store::Store;
use ratify_plugin_sdk::wire::Descriptor;

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const SIGNATURE: &str = "application/vnd.cncf.notary.signature";
const E2E_V1: &str = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";

#[test]
fn not01_valid_signature_is_one_referrer_from_both_sources() {
    let Some(dir) = common::interop("notation/oci_layout/e2e-valid-signature") else {
        return;
    };
    let (store, config) = store();
    let reference = tag_ref(&dir, "v1");
    let v1 = store.resolve(&config, &reference).unwrap();
    assert_eq!(v1, Descriptor::new(MANIFEST, E2E_V1, 517));
    let referrers = all_referrers(&store, &config, &subject(&reference, &v1), &[]).unwrap();
    assert_eq!(
        digests(&referrers),
        ["sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f"]
    );
    assert_eq!(referrers[0].artifact_type.as_deref(), Some(SIGNATURE));
    assert_eq!(referrers[0].size, 728);
    assert_eq!(referrers[0].media_type, MANIFEST);
    assert_eq!(
        referrers[0].annotations["org.opencontainers.image.created"],
        "2023-06-27T05:30:33Z"
    );
    let filtered = all_referrers(&store, &config, &subject(&reference, &v1), &[SIGNATURE]).unwrap();
    assert_eq!(filtered, referrers);
    // The signature manifest itself is fetchable and is the one listed.
    let manifest = store
        .get_manifest(&config, &reference, &referrers[0].digest)
        .unwrap();
    assert_eq!(manifest.content.0.len(), 728);
}

#[test]
fn not05_unsigned_image_has_no_referrers() {
    let Some(dir) = common::interop("notation/oci_layout/e2e") else {
        return;
    };
    let (store, config) = store();
    let reference = tag_ref(&dir, "v1");
    let v1 = store.resolve(&config, &reference).unwrap();
    assert_eq!(v1, Descriptor::new(MANIFEST, E2E_V1, 517));
    let page = store
        .list_referrers(&config, &subject(&reference, &v1), &[], None)
        .unwrap();
    assert!(page.referrers.is_empty());
    assert_eq!(page.next_page_token, None);
}

#[test]
fn not06_timestamped_signature_is_found_through_index_json_only() {
    let Some(dir) = common::interop("notation/oci_layout/e2e-with-timestamped-signature") else {
        return;
    };
    let (store, config) = store();
    let reference = tag_ref(&dir, "v1");
    let v1 = store.resolve(&config, &reference).unwrap();
    assert_eq!(
        v1,
        Descriptor::new(
            MANIFEST,
            "sha256:53b0191218aed9a3c1f7c661736ac40cfc8eb928642348fd843ba3f0483c0c20",
            582
        )
    );
    let referrers = all_referrers(&store, &config, &subject(&reference, &v1), &[]).unwrap();
    assert_eq!(
        digests(&referrers),
        ["sha256:6a5cd3a886707a317935dcaf13954fc80ef9aeb665262b6ae4fe469ad7ea3aea"]
    );
    // No artifactType in the manifest: the config media type stands in, as the referrers API does.
    assert_eq!(referrers[0].artifact_type.as_deref(), Some(SIGNATURE));
    assert_eq!(referrers[0].size, 729);
    assert_eq!(
        referrers[0].annotations["org.opencontainers.image.created"],
        "2025-01-21T09:17:46Z"
    );
}
