//! `ratify push` against a real registry (distribution 2.8, which has no referrers API, so
//! every push maintains referrers tags): tags, bytes and referrers tags are read back over
//! plain HTTP and compared with the layout's own index.json graph.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use support::registry::Registry;

const LIMIT: Duration = Duration::from_secs(60);
const REF_NAME: &str = "org.opencontainers.image.ref.name";
const MANIFEST_TYPES: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

struct Response {
    status: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// A tiny HTTP/1.0 GET: the registry answers and closes, so no chunking or keep-alive.
fn get(registry: &Registry, path: &str, auth: Option<(&str, &str)>) -> Response {
    let mut stream = TcpStream::connect(&registry.addr).unwrap();
    let mut request = format!(
        "GET {path} HTTP/1.0\r\nHost: {}\r\nAccept: {MANIFEST_TYPES}\r\n",
        registry.addr
    );
    if let Some((user, password)) = auth {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        request.push_str(&format!("Authorization: Basic {token}\r\n"));
    }
    stream
        .write_all(format!("{request}\r\n").as_bytes())
        .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    // `HTTP/1.x NNN …`
    let status = head[9..12].parse().unwrap();
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// `ratify push <source> <registry>/<repo> <extra>…`.
fn push(source: &Path, registry: &Registry, repo: &str, extra: &[&str]) -> support::Run {
    let home = tempfile::tempdir().unwrap();
    let target = format!("{}/{repo}", registry.addr);
    let mut args = vec!["push", source.to_str().unwrap(), &target];
    args.extend_from_slice(extra);
    support::ratify(&args, home.path(), LIMIT)
}

/// The status of `GET /v2/<repo>/<kind>/<reference>`, `kind` being manifests or blobs.
fn status(registry: &Registry, repo: &str, kind: &str, reference: &str) -> u16 {
    get(registry, &format!("/v2/{repo}/{kind}/{reference}"), None).status
}

fn blob(layout: &Path, digest: &str) -> Vec<u8> {
    std::fs::read(layout.join("blobs").join(digest.replacen(':', "/", 1))).unwrap()
}

fn index_json(layout: &Path) -> Vec<Value> {
    let index: Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    index["manifests"].as_array().unwrap().clone()
}

/// The layout's tags (referrers tags left out: the push regenerates them) → digests.
fn tags(layout: &Path) -> Vec<(String, String)> {
    index_json(layout)
        .iter()
        .filter_map(|d| {
            Some((
                d["annotations"][REF_NAME].as_str()?.to_owned(),
                d["digest"].as_str()?.to_owned(),
            ))
        })
        .filter(|(tag, _)| !tag.starts_with("sha256-"))
        .collect()
}

fn tag_digest(layout: &Path, tag: &str) -> String {
    tags(layout).into_iter().find(|(t, _)| t == tag).unwrap().1
}

/// Referrers of `subject` in the layout's index.json graph (its entries' manifests).
fn layout_referrers(layout: &Path, subject: &str) -> BTreeSet<String> {
    index_json(layout)
        .iter()
        .map(|d| d["digest"].as_str().unwrap().to_owned())
        .filter(|digest| {
            let manifest: Value = serde_json::from_slice(&blob(layout, digest)).unwrap();
            manifest["subject"]["digest"] == subject
        })
        .collect()
}

/// Asserts every tag of the layout resolves to its digest with identical bytes.
fn assert_tags_match(registry: &Registry, repo: &str, layout: &Path) {
    let tags = tags(layout);
    assert!(!tags.is_empty());
    for (tag, digest) in tags {
        let response = get(registry, &format!("/v2/{repo}/manifests/{tag}"), None);
        assert_eq!(response.status, 200, "tag {tag}");
        assert_eq!(
            response.headers["docker-content-digest"], digest,
            "tag {tag}"
        );
        assert_eq!(response.body, blob(layout, &digest), "bytes of tag {tag}");
    }
}

/// The registry's referrers tag of `subject`: referrer digest → artifact type.
fn referrers_tag(registry: &Registry, repo: &str, subject: &str) -> HashMap<String, String> {
    let tag = subject.replacen(':', "-", 1);
    let response = get(registry, &format!("/v2/{repo}/manifests/{tag}"), None);
    assert_eq!(response.status, 200, "referrers tag {tag}");
    let index: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["digest"].as_str().unwrap().to_owned(),
                d["artifactType"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn repo_tags(registry: &Registry, repo: &str) -> (u16, BTreeSet<String>) {
    let response = get(registry, &format!("/v2/{repo}/tags/list"), None);
    let tags = serde_json::from_slice::<Value>(&response.body)
        .ok()
        .and_then(|v| v["tags"].as_array().cloned())
        .unwrap_or_default();
    (
        response.status,
        tags.iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect(),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    let status = std::process::Command::new("cp")
        .arg("-r")
        .args([from, to])
        .status();
    assert!(status.unwrap().success());
}

#[test]
fn pushes_the_example_layout_with_every_tag_and_referrers_tags() {
    let registry = Registry::start();
    let layout = support::example_layout();
    let run = push(&layout, &registry, "example", &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stdout.contains("already present) to 127.0.0.1:"),
        "{run:?}"
    );
    assert_tags_match(&registry, "example", &layout);

    let v1 = tag_digest(&layout, "v1");
    let referrers = layout_referrers(&layout, &v1);
    assert_eq!(referrers.len(), 2, "the SBOM and the Notation signature");
    let listed = referrers_tag(&registry, "example", &v1);
    assert_eq!(listed.keys().cloned().collect::<BTreeSet<_>>(), referrers);
    let types: BTreeSet<&str> = listed.values().map(String::as_str).collect();
    assert_eq!(
        types,
        BTreeSet::from([
            "application/spdx+json",
            "application/vnd.cncf.notary.signature"
        ]),
        "{listed:?}"
    );

    // The nested SBOM's own referrer (a signature on it) gets a referrers tag too.
    let nested = tag_digest(&layout, "nested");
    let nested_sbom = referrers_tag(&registry, "example", &nested)
        .into_iter()
        .find(|(_, artifact_type)| artifact_type == "application/spdx+json")
        .map(|(digest, _)| digest)
        .unwrap();
    let signatures = layout_referrers(&layout, &nested_sbom);
    assert!(!signatures.is_empty());
    let listed = referrers_tag(&registry, "example", &nested_sbom);
    assert_eq!(listed.keys().cloned().collect::<BTreeSet<_>>(), signatures);

    // Again: every blob is already there and no referrers tag changes.
    let again = push(&layout, &registry, "example", &[]);
    assert_eq!(again.code, Some(0), "{again:?}");
    assert!(again.stdout.contains(" and 0 blobs ("), "{again:?}");
    assert!(!again.stdout.contains(" sha256-"), "{again:?}");
}

#[test]
fn pushes_interop_layouts_with_exactly_their_referrers() {
    let Some(interop) = support::interop_dir("pushes_interop_layouts_with_exactly_their_referrers")
    else {
        return;
    };
    let registry = Registry::start();

    // RGO-01: the dangling de07fb4e… (same subject, not in index.json) is not a referrer.
    let hello = interop.join("ratify-go/oci_store/hello");
    let run = push(&hello, &registry, "hello", &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_tags_match(&registry, "hello", &hello);
    let listed = referrers_tag(&registry, "hello", &tag_digest(&hello, "v1"));
    let digests: BTreeSet<_> = listed.keys().map(|d| &d[7..15]).collect();
    assert_eq!(
        digests,
        BTreeSet::from(["0869171b", "429c5e73"]),
        "{listed:?}"
    );

    // Notation's layout carries its own referrers tag; the push regenerates an equivalent one.
    let notation = interop.join("notation/oci_layout/e2e-valid-signature");
    let run = push(&notation, &registry, "notation", &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_tags_match(&registry, "notation", &notation);
    let v1 = tag_digest(&notation, "v1");
    let listed = referrers_tag(&registry, "notation", &v1);
    let expected = layout_referrers(&notation, &v1);
    assert!(!expected.is_empty());
    assert_eq!(listed.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert!(
        listed
            .values()
            .all(|t| t == "application/vnd.cncf.notary.signature"),
        "{listed:?}"
    );
}

#[test]
fn a_tagged_subset_pushes_the_image_and_its_referrers_only() {
    let registry = Registry::start();
    let layout = support::example_layout();
    let source = PathBuf::from(format!("{}:v1", layout.display()));
    let run = push(&source, &registry, "subset", &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let v1 = tag_digest(&layout, "v1");
    let (_, tags) = repo_tags(&registry, "subset");
    assert_eq!(
        tags,
        BTreeSet::from(["v1".to_owned(), v1.replacen(':', "-", 1)])
    );
    for sbom in layout_referrers(&layout, &v1) {
        assert_eq!(status(&registry, "subset", "manifests", &sbom), 200);
    }
    let unsigned = tag_digest(&layout, "unsigned");
    assert_eq!(status(&registry, "subset", "manifests", &unsigned), 404);

    // With the tag schema off, only the image and its referrer go up.
    let run = push(
        &source,
        &registry,
        "plain",
        &["--referrers-tag-schema", "never"],
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        repo_tags(&registry, "plain").1,
        BTreeSet::from(["v1".to_owned()])
    );
}

#[test]
fn a_tampered_blob_or_manifest_fails_naming_it_and_pushes_nothing() {
    let registry = Registry::start();
    let v1 = tag_digest(&support::example_layout(), "v1");
    let manifest: Value = serde_json::from_slice(&blob(&support::example_layout(), &v1)).unwrap();
    let layer = manifest["layers"][0]["digest"].as_str().unwrap().to_owned();
    for (n, victim) in [layer, v1].iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let layout = dir.path().join("layout");
        copy_dir(&support::example_layout(), &layout);
        let path = layout.join("blobs").join(victim.replacen(':', "/", 1));
        std::fs::write(&path, b"tampered").unwrap();
        let repo = format!("tampered{n}");
        let run = push(&layout, &registry, &repo, &[]);
        assert_eq!(run.code, Some(2), "{run:?}");
        assert!(
            run.stderr.contains(victim.as_str()) && run.stderr.contains("does not match"),
            "{run:?}"
        );
        assert!(run.stdout.is_empty(), "{run:?}");
        let (code, tags) = repo_tags(&registry, &repo);
        assert!(code == 404 && tags.is_empty(), "{code} {tags:?}");
        let config = manifest["config"]["digest"].as_str().unwrap();
        assert_eq!(status(&registry, &repo, "blobs", config), 404);
    }
}

#[test]
fn basic_auth_credentials_are_used_and_their_absence_is_reported() {
    let registry = Registry::start_with_basic_auth("alice", "s3cret");
    let layout = support::example_layout();
    let source = PathBuf::from(format!("{}:v1", layout.display()));

    let run = push(&source, &registry, "private", &[]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains("requires authentication") && run.stderr.contains("--username"),
        "{run:?}"
    );
    let run = push(
        &source,
        &registry,
        "private",
        &["-u", "alice", "-p", "wrong"],
    );
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains("rejected the credentials of alice"),
        "{run:?}"
    );

    let credentials = ["--username", "alice", "--password", "s3cret"];
    let run = push(&source, &registry, "private", &credentials);
    assert_eq!(run.code, Some(0), "{run:?}");
    let response = get(
        &registry,
        "/v2/private/manifests/v1",
        Some(("alice", "s3cret")),
    );
    assert_eq!(response.status, 200);
    assert_eq!(
        response.headers["docker-content-digest"],
        tag_digest(&layout, "v1")
    );
}

#[test]
fn a_partial_index_pushes_what_it_can_and_names_the_missing_manifest() {
    let test = "a_partial_index_pushes_what_it_can_and_names_the_missing_manifest";
    let Some(interop) = support::interop_dir(test) else {
        return;
    };
    let registry = Registry::start();
    for (n, name) in ["hello-world.tar", "hello-world-prefixed-path.tar"]
        .iter()
        .enumerate()
    {
        let tar = interop.join("oras-go").join(name);
        // Unpacked only to learn what the manifest list lists and what the tar lacks.
        let unpacked = tempfile::tempdir().unwrap();
        tar::Archive::new(std::fs::File::open(&tar).unwrap())
            .unpack(unpacked.path())
            .unwrap();
        let list = index_json(unpacked.path())[0]["digest"]
            .as_str()
            .unwrap()
            .to_owned();
        let manifest: Value = serde_json::from_slice(&blob(unpacked.path(), &list)).unwrap();
        let children: Vec<&str> = manifest["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["digest"].as_str().unwrap())
            .collect();
        let blobs = unpacked.path().join("blobs");
        let present = |d: &&str| blobs.join(d.replacen(':', "/", 1)).exists();
        let missing = children.iter().find(|d| !present(d)).unwrap();
        let pushable = children.iter().find(|d| present(d)).unwrap();

        let repo = format!("partial{n}");
        let run = push(&tar, &registry, &repo, &[]);
        assert_eq!(run.code, Some(2), "{run:?}");
        assert!(
            run.stderr.contains(&list) && run.stderr.contains(missing),
            "{run:?}"
        );
        assert!(run.stderr.contains("partial index"), "{run:?}");
        assert_eq!(status(&registry, &repo, "manifests", pushable), 200);
        assert_eq!(status(&registry, &repo, "manifests", "latest"), 404);
    }
}
