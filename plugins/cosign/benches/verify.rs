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

// The interop tests' readers of the stored layers, shared rather than copied.
#[path = "../tests/interop_support/mod.rs"]
mod interop_support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use interop_support::{
    Layer, containers_image_layer, extracted_layer, file_digest, interop, path, policy, subject,
};
use ratify_cosign::config::CosignConfig;
use ratify_plugin_sdk::wire::Descriptor;
use serde_json::json;

const RUNS: usize = 2000;

/// Whether `layer` verifies as a signature of `image` under `config` at `now`.
fn layer_passes(config: &CosignConfig, layer: &Layer, image: &Descriptor, now: i64) -> bool {
    ratify_cosign::verify::verify_layer(
        config,
        "r.io/x",
        &layer.descriptor,
        layer.bytes.clone(),
        image,
        now,
    )
    .is_success
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
    let Some(dir) = interop() else { return };
    let path = |rel: &str| path(&dir, rel);
    let now = 1_800_000_000;
    println!(
        "{:<36} {:>10} {:>10} {:>10}",
        "verification", "mean", "p50", "p99"
    );

    let keyless = policy(json!({
        "trustedRoot": path("cosign/trusted_root_pgi.json"),
        "keyless": {"certificateIdentity": "sozercan@gmail.com", "certificateOIDCIssuer": "https://github.com/login/oauth"},
    }));
    let layer = extracted_layer(&dir, "keyless-fulcio-rekor-valid");
    let image = subject("sha256:623621b56649b5e0c2c7cf3ffd987932f8f9a5a01036e00d6f3ae9480087621c");
    measure("keyless layer: chain+SCT+SET+sig", || {
        layer_passes(&keyless, &layer, &image, now)
    });

    let any = policy(json!({
        "trustedRoot": path("cosign/trusted_root_pgi.json"),
        "keyless": {"certificateIdentityRegExp": ".*", "certificateOIDCIssuerRegExp": ".*"},
    }));
    let bundle = Layer::new(
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        interop_support::read(&dir, "cosign/oci-attestation.sigstore.json"),
        BTreeMap::new(),
    );
    let attested =
        subject("sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4");
    measure("keyless bundle v0.3: + proof+checkpoint", || {
        let (layer, bytes) = (&bundle.descriptor, &bundle.bytes);
        ratify_cosign::verify::verify_bundle(&any, "r.io/x", layer, bytes, &attested, now)
            .is_success
    });

    let digest = subject("sha256:d37ada95d47ad12224c205a938129df7a3e52345828b4fa27b03a98825d1e2e7");
    for (label, case) in [
        ("key P-256", "keyed-ecdsa-p256"),
        ("key RSA-2048", "keyed-rsa2048"),
        ("key RSA-3072", "keyed-rsa3072"),
    ] {
        let keys = policy(
            json!({"keys": [{"file": path(&format!("ratify/cosign-extracted/{case}/pubkey.pem"))}], "tLogVerify": false}),
        );
        let layer = extracted_layer(&dir, case);
        measure(label, || layer_passes(&keys, &layer, &digest, now));
    }

    let with_set = policy(json!({
        "keys": [{"file": path("containers-image/cosign2.pub")}],
        "rekorPublicKeys": [path("containers-image/rekor.pub")],
    }));
    let signed = "containers-image/dir-img-cosign-key-rekor-valid";
    let layer = containers_image_layer(&dir, &format!("{signed}/signature-1"));
    let image = subject(&file_digest(&dir, &format!("{signed}/manifest.json")));
    measure("key P-256 + Rekor SET", || {
        layer_passes(&with_set, &layer, &image, now)
    });
}
