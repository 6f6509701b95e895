//! End to end through the SDK runtime, with nothing spawned: `SbomVerifier` runs on a thread
//! behind `verifier::run_with_io` over pipes, and the test plays the host: hello, configure,
//! verify, then answers the plugin's getManifest and getBlob requests from an in-memory store
//! (blobs are handed over as files, as the real host does).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, PipeReader, PipeWriter, Write};
use std::thread::JoinHandle;

use ratify_plugin_sdk::wire::*;
use ratify_plugin_sdk::{Ending, verifier};
use ratify_sbom::SbomVerifier;
use ratify_sbom::report::{SUCCESS_MESSAGE, VIOLATION_MESSAGE};
use serde_json::{Value, json};

const SPDX: &str = "application/spdx+json";
const CDX: &str = "application/vnd.cyclonedx+json";
const TAR_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";

/// A digest-shaped name; the plugin never hashes content (the host checks digests).
fn digest(n: u8) -> String {
    format!("sha256:{}", format!("{n:02x}").repeat(32))
}

/// What the fake host serves, and what the plugin asked it for.
#[derive(Default)]
struct Store {
    manifests: HashMap<String, Vec<u8>>,
    blobs: HashMap<String, Vec<u8>>,
    /// Blobs whose fetch fails with a store error.
    broken: Vec<String>,
    blob_requests: Vec<String>,
}

impl Store {
    /// Adds a referrer manifest with these (media type, content) layers; returns its digest.
    fn referrer(&mut self, n: u8, artifact_type: Option<&str>, layers: &[(&str, &[u8])]) -> String {
        let layers: Vec<Value> = layers
            .iter()
            .enumerate()
            .map(|(i, (media_type, content))| {
                let d = digest(n * 16 + i as u8 + 1);
                self.blobs.insert(d.clone(), content.to_vec());
                json!({"mediaType": media_type, "digest": d, "size": content.len()})
            })
            .collect();
        let mut manifest = json!({
            "schemaVersion": 2,
            "mediaType": oci::IMAGE_MANIFEST,
            "config": {"mediaType": oci::EMPTY_CONFIG, "digest": digest(0xee), "size": 2},
            "layers": layers,
            "subject": {"mediaType": oci::IMAGE_MANIFEST, "digest": digest(0xaa), "size": 1},
        });
        if let Some(artifact_type) = artifact_type {
            manifest["artifactType"] = json!(artifact_type);
        }
        self.raw_manifest(n, manifest.to_string().into_bytes())
    }

    fn raw_manifest(&mut self, n: u8, bytes: Vec<u8>) -> String {
        let d = digest(n);
        self.manifests.insert(d.clone(), bytes);
        d
    }
}

/// The host's end of a connection to the plugin running on a thread.
struct FakeHost {
    to_plugin: Option<PipeWriter>,
    from_plugin: BufReader<PipeReader>,
    plugin: JoinHandle<Ending>,
    blob_dir: tempfile::TempDir,
    next_id: u64,
    /// The plugin's answer to the handshake.
    hello: Option<PluginHello>,
}

impl FakeHost {
    fn start() -> Self {
        let (plugin_in, to_plugin) = std::io::pipe().unwrap();
        let (from_plugin, plugin_out) = std::io::pipe().unwrap();
        let plugin = std::thread::spawn(move || {
            let mut input = BufReader::new(plugin_in);
            verifier::run_with_io(
                SbomVerifier,
                &mut input,
                Box::new(plugin_out),
                Box::new(std::io::sink()),
            )
        });
        let mut host = Self {
            to_plugin: Some(to_plugin),
            from_plugin: BufReader::new(from_plugin),
            plugin,
            blob_dir: tempfile::tempdir().unwrap(),
            next_id: 1,
            hello: None,
        };
        host.hello = Some(host.hello());
        host
    }

    fn send(&mut self, message: Value) {
        writeln!(self.to_plugin.as_mut().unwrap(), "{message}").unwrap();
    }

    fn recv(&mut self) -> PluginMessage {
        let mut line = String::new();
        self.from_plugin.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}"))
    }

    fn hello(&mut self) -> PluginHello {
        self.send(
            json!({"type":"hello","protocolVersions":["1.0"],"host":{"name":"t","version":"0"}}),
        );
        match self.recv() {
            PluginMessage::Hello(hello) => hello,
            other => panic!("expected hello, got {other:?}"),
        }
    }

    fn request(&mut self, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"type":"request","id":id,"method":method,"params":params}));
        id
    }

    fn configure(&mut self, config_id: &str, config: Value) -> Result<Value, WireError> {
        let id = self.request(
            method::CONFIGURE,
            json!({"configId": config_id, "name": "sbom", "config": config}),
        );
        self.serve(id, &mut Store::default())
    }

    /// Verifies `referrer` under config `config_id`, serving the plugin's requests from `store`.
    fn verify(
        &mut self,
        config_id: &str,
        referrer: Value,
        store: &mut Store,
    ) -> Result<VerifyResult, WireError> {
        let id = self.request(method::VERIFY, json!({"configId": config_id,
            "subject": {"reference": "registry.example/app:v1",
                        "descriptor": {"mediaType": oci::IMAGE_MANIFEST, "digest": digest(0xaa), "size": 1}},
            "referrer": referrer}));
        self.serve(id, store)
            .map(|result| serde_json::from_value(result).unwrap())
    }

    /// Answers the plugin's host requests until the response to request `id` arrives.
    fn serve(&mut self, id: u64, store: &mut Store) -> Result<Value, WireError> {
        loop {
            match self.recv() {
                PluginMessage::Response(response) => {
                    assert_eq!(response.id, id);
                    return response.into_result();
                }
                PluginMessage::Request(ask) => {
                    assert_eq!(ask.params["context"], id, "host calls name their verify");
                    let answer = self.answer(&ask, store);
                    let reply = match answer {
                        Ok(result) => json!({"type":"response","id":ask.id,"result":result}),
                        Err(error) => json!({"type":"response","id":ask.id,"error":error}),
                    };
                    self.send(reply);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn answer(&self, ask: &Request, store: &mut Store) -> Result<Value, WireError> {
        let wanted = ask.params["digest"].as_str().unwrap().to_owned();
        let missing = || WireError::not_found(format!("{wanted} is not in the store"));
        match ask.method.as_str() {
            host_method::GET_MANIFEST => {
                let bytes = store.manifests.get(&wanted).ok_or_else(missing)?;
                let content = ManifestContent {
                    media_type: oci::IMAGE_MANIFEST.to_owned(),
                    content: Base64Bytes(bytes.clone()),
                };
                Ok(serde_json::to_value(content).unwrap())
            }
            host_method::GET_BLOB => {
                store.blob_requests.push(wanted.clone());
                if store.broken.contains(&wanted) {
                    return Err(WireError::new(
                        code::STORE_UNAVAILABLE,
                        Fault::Store,
                        "registry said 503",
                    ));
                }
                let bytes = store.blobs.get(&wanted).ok_or_else(missing)?;
                let path = self.blob_dir.path().join(wanted.replace(':', "-"));
                std::fs::write(&path, bytes).unwrap();
                let blob = BlobFile {
                    digest: wanted,
                    size: bytes.len() as u64,
                    path: path.to_str().unwrap().to_owned(),
                };
                Ok(serde_json::to_value(blob).unwrap())
            }
            other => panic!("the sbom plugin should not call {other}"),
        }
    }

    fn finish(mut self) {
        self.to_plugin = None;
        assert_eq!(self.plugin.join().unwrap(), Ending::Clean);
    }
}

fn referrer(digest: &str, artifact_type: Option<&str>) -> Value {
    let mut descriptor = json!({"mediaType": oci::IMAGE_MANIFEST, "digest": digest, "size": 100});
    if let Some(artifact_type) = artifact_type {
        descriptor["artifactType"] = json!(artifact_type);
    }
    descriptor
}

const SMALL_SPDX: &[u8] = br#"{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT",
    "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: test"]},
    "packages": [{"name": "zlib", "versionInfo": "1.3", "licenseConcluded": "Zlib"},
                 {"name": "musl", "versionInfo": "1.2.4", "licenseConcluded": "MIT"}]}"#;

#[test]
fn the_handshake_announces_the_sbom_artifact_types() {
    let host = FakeHost::start();
    let hello = host.hello.clone().unwrap();
    assert_eq!(
        (hello.name.as_str(), hello.kind, hello.version.as_str()),
        ("sbom", PluginKind::Verifier, env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(hello.capabilities.artifact_types, [SPDX, CDX]);
    host.finish();
}

#[test]
fn a_bad_config_is_refused_over_the_wire() {
    let mut host = FakeHost::start();
    let error = host
        .configure(
            "c",
            json!({"name": "sbom", "disallowedLicenses": ["MIT", 2]}),
        )
        .unwrap_err();
    assert_eq!(
        (error.code, error.fault),
        (code::INVALID_CONFIG, Fault::Config)
    );
    assert_eq!(
        error.message,
        "disallowedLicenses[1] must be a string, found a number"
    );
    host.finish();
}

#[test]
fn an_spdx_referrer_passes_and_fails_by_config() {
    let mut host = FakeHost::start();
    host.configure(
        "clean",
        json!({"name": "sbom", "type": "sbom", "disallowedLicenses": ["GPL-2.0-only"]}),
    )
    .unwrap();
    host.configure(
        "strict",
        json!({"name": "sbom", "disallowedLicenses": ["zlib"],
        "disallowedPackages": [{"name": "musl"}]}),
    )
    .unwrap();
    let mut store = Store::default();
    let sbom = store.referrer(1, Some(SPDX), &[(SPDX, SMALL_SPDX)]);

    let passed = host
        .verify("clean", referrer(&sbom, Some(SPDX)), &mut store)
        .unwrap();
    assert!(passed.is_success, "{passed:?}");
    assert_eq!(passed.message, SUCCESS_MESSAGE);
    let creation_info = json!({"created": "2024-01-01T00:00:00Z", "creators": ["Tool: test"]});
    assert_eq!(
        passed.extensions,
        Some(json!({"creationInfo": creation_info}))
    );

    let failed = host
        .verify("strict", referrer(&sbom, Some(SPDX)), &mut store)
        .unwrap();
    assert!(!failed.is_success);
    assert_eq!(failed.message, VIOLATION_MESSAGE);
    assert_eq!(
        failed.extensions,
        Some(json!({"creationInfo": creation_info,
            "licenseViolations": [{"Name": "zlib", "Version": "1.3", "License": "Zlib"}],
            "packageViolations": [{"Name": "musl", "Version": "1.2.4", "License": "MIT"}]}))
    );
    assert_eq!(
        failed.error_reason.as_deref(),
        Some("License or package violation found: 1 license violation, 1 package violation.")
    );
    assert!(failed.remediation.is_some());
    host.finish();
}

#[test]
fn rat_01_through_the_runtime() {
    let Some(bom) = common::interop_file("ratify/sbom/bom.json") else {
        return;
    };
    let mut host = FakeHost::start();
    host.configure("c", json!({"name": "sbom"})).unwrap();
    let mut store = Store::default();
    let sbom = store.referrer(1, Some(SPDX), &[(SPDX, &bom)]);
    let result = host
        .verify("c", referrer(&sbom, Some(SPDX)), &mut store)
        .unwrap();
    assert!(result.is_success, "{result:?}");
    assert_eq!(
        result.message,
        "SBOM verification success. No license or package violation found."
    );
    host.finish();
}

#[test]
fn a_cyclonedx_layer_with_a_version_parameter_is_checked() {
    let mut host = FakeHost::start();
    host.configure("c", json!({"disallowedLicenses": ["Zlib"]}))
        .unwrap();
    let mut store = Store::default();
    let fixture = common::fixture("acme.cdx.json");
    let sbom = store.referrer(
        2,
        Some(CDX),
        &[("application/vnd.cyclonedx+json;version=1.5", &fixture)],
    );
    let result = host
        .verify("c", referrer(&sbom, Some(CDX)), &mut store)
        .unwrap();
    assert!(!result.is_success);
    let extensions = result.extensions.unwrap();
    assert_eq!(
        extensions["licenseViolations"],
        json!([{"Name": "zlib", "Version": "1.3.1", "License": "Zlib"}])
    );
    assert_eq!(
        extensions["creationInfo"]["timestamp"],
        "2024-05-01T12:00:00Z"
    );
    host.finish();
}

#[test]
fn a_generic_layer_takes_the_format_of_the_artifact_type() {
    let mut host = FakeHost::start();
    host.configure("c", json!({"disallowedLicenses": ["MIT"]}))
        .unwrap();
    let mut store = Store::default();
    // No artifactType on the referrer descriptor: the manifest's own artifactType decides.
    let sbom = store.referrer(3, Some(SPDX), &[(TAR_LAYER, SMALL_SPDX)]);
    let result = host.verify("c", referrer(&sbom, None), &mut store).unwrap();
    assert!(!result.is_success);
    assert_eq!(
        result.extensions.unwrap()["licenseViolations"][0]["Name"],
        "musl"
    );
    // A layer's own SBOM media type wins over the artifact type.
    let fixture = common::fixture("acme.cdx.json");
    let mixed = store.referrer(4, Some(SPDX), &[(CDX, &fixture)]);
    let result = host
        .verify("c", referrer(&mixed, Some(SPDX)), &mut store)
        .unwrap();
    let names: Vec<_> = result.extensions.unwrap()["licenseViolations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["Name"].clone())
        .collect();
    assert_eq!(names, [json!("acme-lib"), json!("dual")]);
    host.finish();
}

#[test]
fn every_sbom_layer_is_checked_and_any_violation_fails() {
    let mut host = FakeHost::start();
    host.configure("c", json!({"disallowedPackages": [{"name": "left-pad"}]}))
        .unwrap();
    let mut store = Store::default();
    let fixture = common::fixture("acme.cdx.json");
    let sbom = store.referrer(
        5,
        Some(SPDX),
        &[
            (SPDX, SMALL_SPDX),
            (oci::EMPTY_CONFIG, b"{}"),
            (CDX, &fixture),
        ],
    );
    let result = host
        .verify("c", referrer(&sbom, Some(SPDX)), &mut store)
        .unwrap();
    assert!(!result.is_success, "{result:?}");
    assert_eq!(
        store.blob_requests,
        [digest(5 * 16 + 1), digest(5 * 16 + 3)],
        "only SBOM layers are read: the empty descriptor is skipped"
    );
    let extensions = result.extensions.unwrap();
    assert_eq!(extensions["creationInfo"]["creators"][0], "Tool: test");
    assert_eq!(
        extensions["packageViolations"],
        json!([{"Name": "left-pad", "Version": "1.3.0", "License": ""}])
    );
    let layers = extensions["sboms"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    assert_eq!(
        (layers[0]["digest"].as_str(), layers[0]["format"].as_str()),
        (Some(digest(81).as_str()), Some("SPDX"))
    );
    assert!(layers[0].get("packageViolations").is_none());
    assert_eq!(layers[1]["format"], "CycloneDX");
    assert_eq!(layers[1]["packageViolations"][0]["Name"], "left-pad");
    host.finish();
}

#[test]
fn a_referrer_without_an_sbom_layer_fails_clearly() {
    let mut host = FakeHost::start();
    host.configure("c", json!({})).unwrap();
    let mut store = Store::default();
    let other = store.referrer(
        6,
        Some("application/vnd.example+json"),
        &[("application/json", b"{}")],
    );
    let result = host
        .verify(
            "c",
            referrer(&other, Some("application/vnd.example+json")),
            &mut store,
        )
        .unwrap();
    assert!(!result.is_success);
    assert_eq!(
        result.message,
        format!(
            "Referrer {other} has no SBOM layer: none of its layers (application/json) is SPDX or \
                 CycloneDX JSON, and its artifact type \"application/vnd.example+json\" names neither"
        )
    );
    assert!(result.error_reason.unwrap().starts_with("no SBOM layer: "));

    let empty = store.referrer(7, Some(SPDX), &[]);
    let result = host
        .verify("c", referrer(&empty, Some(SPDX)), &mut store)
        .unwrap();
    assert!(!result.is_success);
    assert_eq!(
        result.message,
        format!("Referrer {empty} has no SBOM layer: it has no layers")
    );
    assert!(store.blob_requests.is_empty());
    host.finish();
}

#[test]
fn an_unparseable_manifest_or_layer_fails_without_a_panic() {
    let mut host = FakeHost::start();
    host.configure("c", json!({})).unwrap();
    let mut store = Store::default();
    let garbage = store.raw_manifest(8, b"<html>502 Bad Gateway</html>".to_vec());
    let result = host
        .verify("c", referrer(&garbage, Some(SPDX)), &mut store)
        .unwrap();
    assert!(!result.is_success);
    assert!(
        result.message.starts_with(&format!(
            "Referrer manifest {garbage} is not an OCI image manifest: "
        )),
        "{}",
        result.message
    );
    assert!(
        result
            .error_reason
            .unwrap()
            .starts_with("invalid referrer manifest: ")
    );

    let bad_layer = store.referrer(9, Some(SPDX), &[(SPDX, b"SPDXVersion: SPDX-2.3")]);
    let result = host
        .verify("c", referrer(&bad_layer, Some(SPDX)), &mut store)
        .unwrap();
    assert!(!result.is_success);
    assert_eq!(
        result.message,
        format!(
            "SBOM layer {} cannot be read as SPDX: it is not valid JSON: expected value at line 1 column 1",
            digest(9 * 16 + 1)
        )
    );
    host.finish();
}

#[test]
fn an_oversized_layer_is_refused_before_it_is_fetched() {
    let mut host = FakeHost::start();
    host.configure("c", json!({"maxBlobBytes": 64})).unwrap();
    let mut store = Store::default();
    let sbom = store.referrer(10, Some(SPDX), &[(SPDX, SMALL_SPDX)]);
    let result = host
        .verify("c", referrer(&sbom, Some(SPDX)), &mut store)
        .unwrap();
    assert!(!result.is_success);
    assert_eq!(
        result.message,
        format!(
            "SBOM layer {} is {} bytes, over the maxBlobBytes cap of 64",
            digest(161),
            SMALL_SPDX.len()
        )
    );
    assert_eq!(result.error_reason.as_deref(), Some("SBOM layer too large"));
    assert!(store.blob_requests.is_empty());
    host.finish();
}

#[test]
fn host_failures_are_errors_not_verdicts() {
    let mut host = FakeHost::start();
    host.configure("c", json!({})).unwrap();
    let mut store = Store::default();
    let missing = host
        .verify("c", referrer(&digest(0x77), Some(SPDX)), &mut store)
        .unwrap_err();
    assert_eq!(
        (missing.code, missing.fault),
        (code::NOT_FOUND, Fault::Store)
    );
    assert_eq!(
        missing.message,
        format!("{} is not in the store", digest(0x77))
    );

    let sbom = store.referrer(11, Some(SPDX), &[(SPDX, SMALL_SPDX)]);
    store.broken.push(digest(11 * 16 + 1));
    let unavailable = host
        .verify("c", referrer(&sbom, Some(SPDX)), &mut store)
        .unwrap_err();
    assert_eq!(
        (unavailable.code, unavailable.message.as_str()),
        (code::STORE_UNAVAILABLE, "registry said 503")
    );
    host.finish();
}
