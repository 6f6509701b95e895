//! A misbehaving registry: a fault-injecting proxy (tests/support/faults.rs) between ratify
//! and a real distribution 2.8. Every fault ends in a deny or a clear error within the
//! deadline; transient faults are retried; nothing is ever allowed by mistake.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::faults::{Fault, FaultProxy, Recorder, Rule};
use support::registry::{Registry, loopback_store, push_example, verify};
use support::write_config;

/// Verification deadline in these tests.
const DEADLINE_MS: u64 = 3000;
/// Start-up and shutdown time allowed on top of it.
const MARGIN: Duration = Duration::from_millis(2500);

struct Setup {
    registry: Registry,
}

impl Setup {
    fn new() -> Self {
        Self::with_registry(Registry::start(), &[])
    }

    fn with_registry(registry: Registry, push_args: &[&str]) -> Self {
        push_example(&format!("{}/example", registry.addr), push_args);
        Self { registry }
    }

    /// Verifies `example:<tag>` through a proxy with `rules`; returns the run and the proxy.
    fn verify(&self, tag: &str, rules: Vec<Rule>, store: Value) -> (support::Run, FaultProxy) {
        let proxy = FaultProxy::start(&self.registry.addr, rules);
        let home = tempfile::tempdir().unwrap();
        let config = json!({
            "store": {"plugins": [loopback_store(store)]},
            "verifier": {"plugins": [{"name": "sbom", "artifactTypes": "application/spdx+json"}]},
            "executor": {"verificationRequestTimeout": DEADLINE_MS},
        });
        let config = write_config(home.path(), &config).display().to_string();
        let subject = format!("{}/example:{tag}", proxy.addr());
        (verify(&subject, &config, home.path()), proxy)
    }
}

fn denied_with(run: &support::Run, needle: &str) {
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.json()["isSuccess"], false);
    let text = run.stdout.clone();
    assert!(text.contains(needle), "expected {needle:?} in {run:?}");
    assert!(
        run.elapsed < Duration::from_millis(DEADLINE_MS) + MARGIN,
        "took {:?}",
        run.elapsed
    );
}

#[test]
fn a_429_with_retry_after_is_waited_out_and_retried() {
    let setup = Setup::new();
    let rules = vec![Rule::new("GET", "/blobs/", Fault::retry_after(429, 1)).times(1)];
    let (run, proxy) = setup.verify("v1", rules, json!({}));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(proxy.fired(), [1]);
    assert!(
        run.elapsed >= Duration::from_secs(1),
        "Retry-After: 1 was not honoured ({:?})",
        run.elapsed
    );
}

#[test]
fn retry_after_past_the_deadline_denies_instead_of_waiting() {
    let setup = Setup::new();
    let rules = vec![Rule::new("GET", "/blobs/", Fault::retry_after(429, 30))];
    let (run, _) = setup.verify("v1", rules, json!({}));
    denied_with(&run, "429");
}

#[test]
fn transient_5xx_are_retried_and_persistent_ones_deny() {
    let setup = Setup::new();
    let (run, proxy) = setup.verify(
        "v1",
        vec![Rule::new("GET", "/manifests/", Fault::status(503)).times(2)],
        json!({}),
    );
    assert_eq!(run.code, Some(0), "two 503s are retried: {run:?}");
    assert_eq!(proxy.fired(), [2]);
    let (run, _) = setup.verify(
        "v1",
        vec![Rule::new("GET", "/blobs/", Fault::status(500))],
        json!({}),
    );
    denied_with(&run, "500");
    let (run, proxy) = setup.verify(
        "v1",
        vec![Rule::new("*", "/manifests/", Fault::status(502))],
        json!({"maxAttempts": 3}),
    );
    denied_with(&run, "502");
    assert!(
        proxy.fired()[0] <= 3,
        "maxAttempts bounds the retries: {:?}",
        proxy.fired()
    );
}

#[test]
fn a_stalled_connection_denies_at_the_deadline() {
    let setup = Setup::new();
    let (run, _) = setup.verify(
        "v1",
        vec![Rule::new("GET", "/blobs/", Fault::Stall)],
        json!({}),
    );
    denied_with(&run, "before the verification deadline");
    assert!(
        run.elapsed >= Duration::from_millis(DEADLINE_MS - 500),
        "denied before the deadline? {:?}",
        run.elapsed
    );
}

#[test]
fn a_truncated_body_is_retried_then_denies() {
    let setup = Setup::new();
    let (run, _) = setup.verify(
        "v1",
        vec![Rule::new("GET", "/blobs/", Fault::Truncate).times(1)],
        json!({}),
    );
    assert_eq!(run.code, Some(0), "one truncation is retried: {run:?}");
    let (run, _) = setup.verify(
        "v1",
        vec![Rule::new("GET", "/blobs/", Fault::Truncate)],
        json!({}),
    );
    denied_with(&run, "body cut short");
}

#[test]
fn bytes_that_do_not_match_their_digest_deny() {
    let setup = Setup::new();
    let (run, _) = setup.verify(
        "v1",
        vec![Rule::new("GET", "/blobs/", Fault::CorruptBody)],
        json!({}),
    );
    denied_with(&run, "do not match that digest");
    let sbom_manifest = Rule::when(
        |r| r.method == "GET" && r.path().contains("/manifests/sha256:8c97a5af"),
        Fault::CorruptBody,
    );
    let (run, _) = setup.verify("v1", vec![sbom_manifest], json!({}));
    denied_with(&run, "do not match that digest");
}

#[test]
fn oversized_manifests_and_blobs_deny_before_being_read() {
    let setup = Setup::new();
    let (run, _) = setup.verify(
        "v1",
        vec![Rule::new("GET", "/manifests/", Fault::Oversize(5 << 20))],
        json!({}),
    );
    denied_with(&run, "larger than the 4194304-byte cap");
    let (run, _) = setup.verify(
        "v1",
        vec![Rule::new("GET", "/blobs/", Fault::Oversize(40 << 20))],
        json!({}),
    );
    denied_with(&run, "larger than the 33554432-byte cap");
}

#[test]
fn ten_thousand_referrers_deny_at_the_cap() {
    let setup = Setup::new();
    let (run, _) = setup.verify(
        "v1",
        vec![Rule::new(
            "GET",
            "/referrers/",
            Fault::ManyReferrers(10_000),
        )],
        json!({}),
    );
    denied_with(&run, "more than 100 referrers");
}

#[test]
fn a_redirect_to_another_host_never_carries_credentials() {
    let setup = Setup::with_registry(
        Registry::start_with_basic_auth("alice", "s3cret"),
        &["-u", "alice", "-p", "s3cret"],
    );
    let recorder = Recorder::start();
    let redirect = vec![Rule::new(
        "GET",
        "/blobs/",
        Fault::RedirectTo(recorder.addr().to_owned()),
    )];
    let docker = tempfile::NamedTempFile::new().unwrap();
    // Credentials are stored for the address ratify talks to: the proxy.
    let write = |addr: &str| {
        use base64::Engine as _;
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
        std::fs::write(
            docker.path(),
            json!({"auths": {addr: {"auth": auth}}}).to_string(),
        )
        .unwrap();
    };
    let proxy = FaultProxy::start(&setup.registry.addr, redirect);
    write(proxy.addr());
    let home = tempfile::tempdir().unwrap();
    let config = json!({
        "store": {"plugins": [{"name": "oras", "useHttp": true,
            "authProvider": {"name": "dockerConfig", "configPath": docker.path()}}]},
        "verifier": {"plugins": [{"name": "sbom", "artifactTypes": "application/spdx+json"}]},
        "executor": {"verificationRequestTimeout": DEADLINE_MS},
    });
    let config = write_config(home.path(), &config).display().to_string();
    let run = verify(
        &format!("{}/example:v1", proxy.addr()),
        &config,
        home.path(),
    );
    assert!(
        !recorder.requests().is_empty(),
        "the redirect was not followed: {run:?}"
    );
    assert!(
        !recorder.saw_authorization(),
        "credentials leaked to another host"
    );
    denied_with(&run, "do not match that digest");
}
