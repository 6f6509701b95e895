//! One `verify` call through a persistent plugin process (our model) vs. starting the plugin
//! for every call (Ratify v1's exec model: spawn, handshake, configure, verify, exit). Same
//! plugin (`ratify-sbom`), same SBOM, same in-memory content, same run.
//!
//! Run: `cargo build --release --workspace --bins && cargo bench -p ratify --bench plugin_calls`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine as _;
use ratify::error::Error;
use ratify::plugin::{HostServices, PluginPool, ProcessSettings};
use ratify_plugin_sdk::wire::{
    Base64Bytes, BlobFile, ConfigureParams, ManifestContent, PluginKind, ReferrersPage,
};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

const SBOM: &[u8] = include_bytes!("../../spec/examples/example-sbom.spdx.json");

struct Example {
    manifest: Vec<u8>,
    blob: BlobFile,
}

#[async_trait]
impl HostServices for Example {
    async fn get_manifest(&self, _: &str) -> Result<ManifestContent, Error> {
        Ok(ManifestContent {
            media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            content: Base64Bytes(self.manifest.clone()),
        })
    }
    async fn get_blob(&self, _: &str) -> Result<BlobFile, Error> {
        Ok(self.blob.clone())
    }
    async fn list_referrers(&self, _: &str, _: &[String]) -> Result<ReferrersPage, Error> {
        Ok(ReferrersPage::default())
    }
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn new_pool(path: &std::path::Path) -> PluginPool {
    let settings = ProcessSettings {
        max_line: 64 << 20,
        max_log_bytes: 1 << 20,
        env_passthrough: Vec::new(),
        log_level: None,
    };
    PluginPool::new(
        "sbom",
        path,
        PluginKind::Verifier,
        settings,
        Duration::from_secs(10),
        1,
    )
}

async fn configure(pool: &PluginPool) {
    let params = ConfigureParams {
        config_id: "c".into(),
        name: "sbom".into(),
        config: json!({"disallowedLicenses": ["GPL-3.0-only"]}),
    };
    pool.configure(
        params,
        tokio::time::Instant::now() + Duration::from_secs(10),
    )
    .await
    .expect("configure");
}

async fn call(pool: &PluginPool, params: &Value, services: &Arc<dyn HostServices>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let value = pool
        .call(
            "verify",
            params.clone(),
            Some(Arc::clone(services)),
            deadline,
        )
        .await
        .expect("verify");
    assert_eq!(value["isSuccess"], true, "{value}");
}

#[tokio::main]
async fn main() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_ratify"))
        .parent()
        .expect("bin dir")
        .join("ratify-sbom");
    assert!(
        bin.exists(),
        "build the plugins first: cargo build --release --workspace --bins"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let blob_path = dir.path().join("sbom");
    std::fs::write(&blob_path, SBOM).expect("write sbom");
    let layer =
        json!({"mediaType": "application/spdx+json", "digest": sha256(SBOM), "size": SBOM.len()});
    let manifest = serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/spdx+json",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256(b"{}"), "size": 2},
        "layers": [layer]})).expect("manifest");
    let services: Arc<dyn HostServices> = Arc::new(Example {
        blob: BlobFile {
            digest: sha256(SBOM),
            size: SBOM.len() as u64,
            path: blob_path.display().to_string(),
        },
        manifest: manifest.clone(),
    });
    let params: Value = json!({"configId": "c",
        "subject": {"reference": "example:v1", "descriptor": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha256(b"image"), "size": 5}},
        "referrer": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha256(&manifest), "size": manifest.len(), "artifactType": "application/spdx+json"},
        "referrerManifest": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "content": base64::engine::general_purpose::STANDARD.encode(&manifest)}});

    // Persistent: one process, warmed up, many calls.
    let pool = new_pool(&bin);
    configure(&pool).await;
    for _ in 0..50 {
        call(&pool, &params, &services).await;
    }
    let mut persistent = Vec::new();
    for _ in 0..2000 {
        let started = Instant::now();
        call(&pool, &params, &services).await;
        persistent.push(started.elapsed());
    }
    pool.shutdown(Duration::from_secs(2)).await;

    // Spawn per call: a fresh process for every verification, as Ratify v1 does.
    let mut spawned = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        let pool = new_pool(&bin);
        configure(&pool).await;
        call(&pool, &params, &services).await;
        pool.shutdown(Duration::from_secs(2)).await;
        spawned.push(started.elapsed());
    }

    persistent.sort();
    spawned.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "verify through ratify-sbom ({} persistent calls, {} spawned)",
        persistent.len(),
        spawned.len()
    );
    println!("{:>22} {:>10} {:>10}", "", "p50", "p99");
    println!(
        "{:>22} {:>7.3} ms {:>7.3} ms",
        "persistent process",
        ms(percentile(&persistent, 0.5)),
        ms(percentile(&persistent, 0.99))
    );
    println!(
        "{:>22} {:>7.3} ms {:>7.3} ms",
        "spawn per call",
        ms(percentile(&spawned, 0.5)),
        ms(percentile(&spawned, 0.99))
    );
    println!(
        "ratio (spawn / persistent): p50 {:.1}x, p99 {:.1}x",
        ms(percentile(&spawned, 0.5)) / ms(percentile(&persistent, 0.5)),
        ms(percentile(&spawned, 0.99)) / ms(percentile(&persistent, 0.99))
    );
}
