//! The registry store's cost, against a real distribution 2.8 on loopback:
//!
//! 1. a cold `ratify verify` (new process, empty caches) against the time a plain HTTP
//!    client (curl, one process, keep-alive) takes to fetch exactly the requests ratify made;
//! 2. N concurrent verifications of one image in one process (N = 1, 10, 100, 1000): how many
//!    requests reach the registry. The goal is a count that does not grow with N.
//!
//! Run: `cargo build --release --workspace --bins && cargo bench -p ratify --bench registry`
//! (needs docker-registry and curl, which scripts/test.sh installs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use ratify::config::Config;
use ratify::engine::{Engine, StoreChoice};
use serde_json::json;
use support::faults::FaultProxy;
use support::registry::Registry;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn config_json(bin_dir: &std::path::Path) -> serde_json::Value {
    json!({
        "pluginBinDirs": [bin_dir],
        "store": {"plugins": [{"name": "oras", "useHttp": true}]},
        "verifier": {"plugins": [{"name": "sbom", "artifactTypes": "application/spdx+json"}]},
        "executor": {"verificationRequestTimeout": 60_000}
    })
}

fn main() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let layout = support::example_layout().display().to_string();
    let pushed = support::ratify(
        &["push", &layout, &format!("{}/example", registry.addr)],
        home.path(),
        Duration::from_secs(60),
    );
    assert_eq!(pushed.code, Some(0), "{pushed:?}");
    let bin_dir = support::bin_dir();
    let config_path = support::write_config(home.path(), &config_json(&bin_dir))
        .display()
        .to_string();

    // 1. Which requests does a cold verify make? Record them through a pass-through proxy.
    let proxy = FaultProxy::start(&registry.addr, vec![]);
    let probe = support::ratify(
        &[
            "verify",
            "-s",
            &format!("{}/example:v1", proxy.addr()),
            "-c",
            &config_path,
        ],
        home.path(),
        Duration::from_secs(60),
    );
    assert_eq!(probe.code, Some(0), "{probe:?}");
    let requests = proxy.request_log();
    drop(proxy);
    let mut curl = Command::new("curl");
    for (i, request) in requests.iter().enumerate() {
        if i > 0 {
            curl.arg("--next");
        }
        curl.args(["-s", "-o", "/dev/null", "--fail-with-body"]);
        if request.method == "HEAD" {
            curl.arg("-I");
        }
        if let Some(accept) = request.header("accept") {
            curl.args(["-H", &format!("Accept: {accept}")]);
        }
        curl.arg(format!("http://{}{}", registry.addr, request.target));
    }
    let subject = format!("{}/example:v1", registry.addr);
    let mut ratify_times = Vec::new();
    let mut curl_times = Vec::new();
    for _ in 0..15 {
        let started = Instant::now();
        let run = support::ratify(
            &["verify", "-s", &subject, "-c", &config_path],
            home.path(),
            Duration::from_secs(60),
        );
        assert_eq!(run.code, Some(0));
        ratify_times.push(started.elapsed());
        let started = Instant::now();
        assert!(curl.status().unwrap().success());
        curl_times.push(started.elapsed());
    }
    let (r, c) = (median(ratify_times), median(curl_times));
    println!(
        "cold verify of example:v1 ({} registry requests: {})",
        requests.len(),
        requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.path()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  ratify verify (new process, plugins started): {:>8.2} ms",
        r.as_secs_f64() * 1e3
    );
    println!(
        "  curl, the same requests (one process):        {:>8.2} ms",
        c.as_secs_f64() * 1e3
    );
    println!("  ratio: {:.1}x", r.as_secs_f64() / c.as_secs_f64());

    // 2. N concurrent verifications in one process: requests seen by the registry.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    println!("concurrent verifications of one image in one process:");
    for n in [1usize, 10, 100, 1000] {
        let proxy = FaultProxy::start(&registry.addr, vec![]);
        let subject = format!("{}/example:v1", proxy.addr());
        let config = Config::parse(&config_json(&bin_dir).to_string(), None).unwrap();
        let (elapsed, passed) = runtime.block_on(async {
            ratify::tls::install_crypto_provider();
            let engine = Engine::prepare(&config, StoreChoice::FromConfig, true).unwrap();
            engine.start().await.unwrap();
            let started = Instant::now();
            let outcomes =
                futures::future::join_all((0..n).map(|_| engine.executor.verify(&subject, &[])))
                    .await;
            let elapsed = started.elapsed();
            engine.shutdown().await;
            (elapsed, outcomes.iter().filter(|o| o.is_success).count())
        });
        assert_eq!(passed, n, "every verification must pass");
        let total: usize = proxy.requests().values().sum();
        println!(
            "  N = {n:>4}: {total:>3} registry requests, {:>8.1} ms for all",
            elapsed.as_secs_f64() * 1e3
        );
    }
}
