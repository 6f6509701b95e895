//! CPU cost of one cosign verification in a warm plugin, data in memory, on the real interop
//! material (read in place; skipped loudly when absent):
//! - keyless legacy layer (RAT-06): Fulcio chain (P-384-signed intermediate), embedded SCT,
//!   Rekor SET, ECDSA signature, identity, claims;
//! - keyless Sigstore bundle v0.3 (COS-01): the same plus inclusion proof and checkpoint;
//! - key-based legacy layers: P-256 (RAT-05), RSA-2048 and RSA-3072 (RAT-05), P-256 + Rekor
//!   SET (CI-03).
//!
//! Run: `cargo bench -p ratify-cosign --bench verify`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use ratify_cosign::config::CosignConfig;
use ratify_plugin_sdk::wire::Descriptor;
use serde_json::json;
use sha2::Digest as _;

const RUNS: usize = 2000;

fn config(policy: serde_json::Value) -> CosignConfig {
    let mut entry = json!({"name": "bench", "version": "1.0.0", "scopes": ["*"]});
    entry
        .as_object_mut()
        .unwrap()
        .extend(policy.as_object().unwrap().clone());
    CosignConfig::from_value(&json!({"trustPolicies": [entry]})).unwrap()
}

fn subject(digest: &str) -> Descriptor {
    Descriptor::new("application/vnd.oci.image.manifest.v1+json", digest, 1024)
}

fn extracted(dir: &Path, case: &str) -> (Descriptor, Vec<u8>) {
    let base = dir.join("ratify/cosign-extracted").join(case);
    let descriptor =
        serde_json::from_slice(&std::fs::read(base.join("layer-descriptor.json")).unwrap())
            .unwrap();
    (
        descriptor,
        std::fs::read(base.join("payload.json")).unwrap(),
    )
}

fn containers_image(dir: &Path, rel: &str) -> (Descriptor, Vec<u8>) {
    let raw = std::fs::read(dir.join(rel)).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&raw[15..]).unwrap();
    let payload = base64::engine::general_purpose::STANDARD
        .decode(value["payload"].as_str().unwrap())
        .unwrap();
    let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(&payload)));
    let mut descriptor = Descriptor::new(
        value["mimeType"].as_str().unwrap(),
        digest,
        payload.len() as u64,
    );
    for (k, v) in value["annotations"].as_object().unwrap() {
        descriptor
            .annotations
            .insert(k.clone(), v.as_str().unwrap().to_owned());
    }
    (descriptor, payload)
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// Runs `verify` RUNS times after a warm-up; prints mean, p50, p99.
fn measure(label: &str, mut verify: impl FnMut() -> bool) {
    for _ in 0..50 {
        assert!(verify(), "{label}: the verification must pass");
    }
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let ok = std::hint::black_box(verify());
            let took = started.elapsed();
            assert!(ok);
            took
        })
        .collect();
    times.sort();
    let mean = times.iter().sum::<Duration>() / RUNS as u32;
    println!(
        "{label:<36} {:>10} {:>10} {:>10}",
        ms(mean),
        ms(times[RUNS / 2]),
        ms(times[RUNS * 99 / 100])
    );
}

fn main() {
    let dir = std::env::var_os("RATIFY_INTEROP_DIR")
        .map_or_else(|| PathBuf::from("/work/shared/interop"), PathBuf::from);
    if !dir.join("cases.json").is_file() {
        println!(
            "SKIP: interop data not found at {} (set RATIFY_INTEROP_DIR)",
            dir.display()
        );
        return;
    }
    let path = |rel: &str| dir.join(rel).display().to_string();
    let now = 1_800_000_000;
    println!(
        "{:<36} {:>10} {:>10} {:>10}",
        "verification", "mean", "p50", "p99"
    );

    let keyless = config(json!({
        "trustedRoot": path("cosign/trusted_root_pgi.json"),
        "keyless": {"certificateIdentity": "sozercan@gmail.com", "certificateOIDCIssuer": "https://github.com/login/oauth"},
    }));
    let (layer, payload) = extracted(&dir, "keyless-fulcio-rekor-valid");
    let image = subject("sha256:623621b56649b5e0c2c7cf3ffd987932f8f9a5a01036e00d6f3ae9480087621c");
    measure("keyless layer: chain+SCT+SET+sig", || {
        ratify_cosign::verify::verify_layer(
            &keyless,
            "r.io/x",
            &layer,
            payload.clone(),
            &image,
            now,
        )
        .is_success
    });

    let any = config(json!({
        "trustedRoot": path("cosign/trusted_root_pgi.json"),
        "keyless": {"certificateIdentityRegExp": ".*", "certificateOIDCIssuerRegExp": ".*"},
    }));
    let bundle = std::fs::read(dir.join("cosign/oci-attestation.sigstore.json")).unwrap();
    let bundle_layer = Descriptor::new(
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "sha256:00",
        bundle.len() as u64,
    );
    let attested =
        subject("sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4");
    measure("keyless bundle v0.3: + proof+checkpoint", || {
        ratify_cosign::verify::verify_bundle(&any, "r.io/x", &bundle_layer, &bundle, &attested, now)
            .is_success
    });

    let digest = subject("sha256:d37ada95d47ad12224c205a938129df7a3e52345828b4fa27b03a98825d1e2e7");
    for (label, case) in [
        ("key P-256", "keyed-ecdsa-p256"),
        ("key RSA-2048", "keyed-rsa2048"),
        ("key RSA-3072", "keyed-rsa3072"),
    ] {
        let keys = config(
            json!({"keys": [{"file": path(&format!("ratify/cosign-extracted/{case}/pubkey.pem"))}], "tLogVerify": false}),
        );
        let (layer, payload) = extracted(&dir, case);
        measure(label, || {
            ratify_cosign::verify::verify_layer(
                &keys,
                "r.io/x",
                &layer,
                payload.clone(),
                &digest,
                now,
            )
            .is_success
        });
    }

    let with_set = config(json!({
        "keys": [{"file": path("containers-image/cosign2.pub")}],
        "rekorPublicKeys": [path("containers-image/rekor.pub")],
    }));
    let (layer, payload) = containers_image(
        &dir,
        "containers-image/dir-img-cosign-key-rekor-valid/signature-1",
    );
    let manifest =
        std::fs::read(dir.join("containers-image/dir-img-cosign-key-rekor-valid/manifest.json"))
            .unwrap();
    let image = subject(&format!(
        "sha256:{}",
        hex::encode(sha2::Sha256::digest(&manifest))
    ));
    measure("key P-256 + Rekor SET", || {
        ratify_cosign::verify::verify_layer(
            &with_set,
            "r.io/x",
            &layer,
            payload.clone(),
            &image,
            now,
        )
        .is_success
    });
}
