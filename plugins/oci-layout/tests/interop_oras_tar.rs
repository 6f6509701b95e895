//! ORA-01: oras-go's OCI layout tarballs of docker hello-world, with and without `./` prefixed
//! entry names; a manifest list whose other platform manifests are absent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::path::Path;

use common::{all_referrers, digest_ref, store, subject, tag_ref};
use ratify_oci_layout::{Algorithm, digest_of};
use ratify_plugin_sdk::store::Store;
use ratify_plugin_sdk::wire::{Descriptor, code};

const TARBALLS: [&str; 2] = [
    "oras-go/hello-world.tar",
    "oras-go/hello-world-prefixed-path.tar",
];
const LIST: &str = "sha256:faa03e786c97f07ef34423fccceeec2398ec8a5759259f94d99078f264e9d7af";
const IMAGE: &str = "sha256:f54a58bc1aac5ea1a25d796ae155dc228b3f0e11d046ae276b39c4bf2f13d8c4";
const CONFIG: &str = "sha256:feb5d9fea6a5e9606aa995e879d862b825965ba48de054caab5ef356dc6b3412";
/// The linux/arm/v5 manifest: listed by the manifest list, absent from the tarball.
const ABSENT: &str = "sha256:7b8b7289d0536a08eabdf71c20246e23f7116641db7e1d278592236ea4dcb30c";
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

fn each_tarball(check: impl Fn(&Path)) {
    for tarball in TARBALLS {
        let Some(path) = common::interop(tarball) else {
            return;
        };
        check(&path);
    }
}

#[test]
fn tag_latest_resolves_to_the_manifest_list() {
    each_tarball(|tar| {
        let (store, config) = store();
        let list = store.resolve(&config, &tag_ref(tar, "latest")).unwrap();
        assert_eq!(
            list,
            Descriptor::new(DOCKER_LIST, LIST, 2561),
            "{}",
            tar.display()
        );
        assert_eq!(
            store.resolve(&config, &digest_ref(tar, LIST)).unwrap(),
            list
        );
        // Not in index.json, but a manifest blob in the layout: resolved from its content.
        let image = store.resolve(&config, &digest_ref(tar, IMAGE)).unwrap();
        assert_eq!(image, Descriptor::new(DOCKER_MANIFEST, IMAGE, 525));
    });
}

#[test]
fn manifests_and_config_are_fetchable_and_digest_checked() {
    each_tarball(|tar| {
        let (store, config) = store();
        let reference = tag_ref(tar, "latest");
        let list = store.get_manifest(&config, &reference, LIST).unwrap();
        assert_eq!(list.media_type, DOCKER_LIST);
        assert_eq!(list.content.0.len(), 2561);
        assert_eq!(digest_of(Algorithm::Sha256, &list.content.0), LIST);
        let image = store.get_manifest(&config, &reference, IMAGE).unwrap();
        assert_eq!(image.media_type, DOCKER_MANIFEST);
        assert_eq!(digest_of(Algorithm::Sha256, &image.content.0), IMAGE);

        let tmp = tempfile::tempdir().unwrap();
        let destination = tmp.path().join("config.json");
        let size = store
            .get_blob(&config, &reference, CONFIG, &destination, 1 << 20)
            .unwrap();
        assert_eq!(size, 1469);
        assert_eq!(
            digest_of(Algorithm::Sha256, &fs::read(&destination).unwrap()),
            CONFIG
        );
    });
}

#[test]
fn nonexistent_content_is_not_found() {
    each_tarball(|tar| {
        let (store, config) = store();
        let reference = tag_ref(tar, "latest");
        let err = store.get_manifest(&config, &reference, ABSENT).unwrap_err();
        assert_eq!(err.code, code::NOT_FOUND, "{err}");
        let tmp = tempfile::tempdir().unwrap();
        let destination = tmp.path().join("absent");
        let err = store
            .get_blob(&config, &reference, ABSENT, &destination, 1 << 20)
            .unwrap_err();
        assert_eq!(err.code, code::NOT_FOUND, "{err}");
        assert!(!destination.exists());
        let err = store
            .resolve(&config, &tag_ref(tar, "nonexistent"))
            .unwrap_err();
        assert_eq!(err.code, code::NOT_FOUND, "{err}");
        let err = store
            .resolve(&config, &digest_ref(tar, ABSENT))
            .unwrap_err();
        assert_eq!(err.code, code::NOT_FOUND, "{err}");
    });
}

#[test]
fn listing_referrers_tolerates_the_partial_manifest_list() {
    each_tarball(|tar| {
        let (store, config) = store();
        let reference = tag_ref(tar, "latest");
        for digest in [LIST, IMAGE] {
            let subject = subject(&reference, &Descriptor::new(DOCKER_LIST, digest, 1));
            assert!(
                all_referrers(&store, &config, &subject, &[])
                    .unwrap()
                    .is_empty()
            );
        }
    });
}
