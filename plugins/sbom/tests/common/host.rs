//! A fake host for driving the SBOM verifier through the SDK runtime over pipes: it answers
//! the plugin's manifest and blob requests from an in-memory store.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, PipeReader, PipeWriter, Write};
use std::thread::JoinHandle;

use ratify_plugin_sdk::wire::*;
use ratify_plugin_sdk::{Ending, verifier};
use ratify_sbom::SbomVerifier;
use serde_json::{Value, json};

pub const SPDX: &str = "application/spdx+json";
pub const CDX: &str = "application/vnd.cyclonedx+json";
pub const TAR_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";

/// A digest-shaped name; the plugin never hashes content (the host checks digests).
pub fn digest(n: u8) -> String {
    format!("sha256:{}", format!("{n:02x}").repeat(32))
}

/// What the fake host serves, and what the plugin asked it for.
#[derive(Default)]
pub struct Store {
    pub manifests: HashMap<String, Vec<u8>>,
    pub blobs: HashMap<String, Vec<u8>>,
    /// Blobs whose fetch fails with a store error.
    pub broken: Vec<String>,
    pub blob_requests: Vec<String>,
}

impl Store {
    /// Adds a referrer manifest with these (media type, content) layers; returns its digest.
    pub fn referrer(
        &mut self,
        n: u8,
        artifact_type: Option<&str>,
        layers: &[(&str, &[u8])],
    ) -> String {
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

    pub fn raw_manifest(&mut self, n: u8, bytes: Vec<u8>) -> String {
        let d = digest(n);
        self.manifests.insert(d.clone(), bytes);
        d
    }
}

/// The host's end of a connection to the plugin running on a thread.
pub struct FakeHost {
    pub to_plugin: Option<PipeWriter>,
    pub from_plugin: BufReader<PipeReader>,
    pub plugin: JoinHandle<Ending>,
    pub blob_dir: tempfile::TempDir,
    pub next_id: u64,
    /// The plugin's answer to the handshake.
    pub hello: Option<PluginHello>,
}

impl FakeHost {
    pub fn start() -> Self {
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

    pub fn send(&mut self, message: Value) {
        writeln!(self.to_plugin.as_mut().unwrap(), "{message}").unwrap();
    }

    pub fn recv(&mut self) -> PluginMessage {
        let mut line = String::new();
        self.from_plugin.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}"))
    }

    pub fn hello(&mut self) -> PluginHello {
        self.send(
            json!({"type":"hello","protocolVersions":["1.0"],"host":{"name":"t","version":"0"}}),
        );
        match self.recv() {
            PluginMessage::Hello(hello) => hello,
            other => panic!("expected hello, got {other:?}"),
        }
    }

    pub fn request(&mut self, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"type":"request","id":id,"method":method,"params":params}));
        id
    }

    pub fn configure(&mut self, config_id: &str, config: Value) -> Result<Value, WireError> {
        let id = self.request(
            method::CONFIGURE,
            json!({"configId": config_id, "name": "sbom", "config": config}),
        );
        self.serve(id, &mut Store::default())
    }

    /// Verifies `referrer` under config `config_id`, serving the plugin's requests from `store`.
    pub fn verify(
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
    pub fn serve(&mut self, id: u64, store: &mut Store) -> Result<Value, WireError> {
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

    pub fn answer(&self, ask: &Request, store: &mut Store) -> Result<Value, WireError> {
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

    pub fn finish(mut self) {
        self.to_plugin = None;
        assert_eq!(self.plugin.join().unwrap(), Ending::Clean);
    }
}

pub fn referrer(digest: &str, artifact_type: Option<&str>) -> Value {
    let mut descriptor = json!({"mediaType": oci::IMAGE_MANIFEST, "digest": digest, "size": 100});
    if let Some(artifact_type) = artifact_type {
        descriptor["artifactType"] = json!(artifact_type);
    }
    descriptor
}

pub const SMALL_SPDX: &[u8] = br#"{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT",
    "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: test"]},
    "packages": [{"name": "zlib", "versionInfo": "1.3", "licenseConcluded": "Zlib"},
                 {"name": "musl", "versionInfo": "1.2.4", "licenseConcluded": "MIT"}]}"#;
