//! The referrers API path (through the faithful referrers front, tests/support/front.rs),
//! cosign's `.sig` tag, and the bearer-token flow (a token service written for the test:
//! distribution 2.8's token auth needs a signing token server, which Debian does not ship).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use support::faults::{Fault, FaultProxy, Rule};
use support::front::{Filter, Front, FrontConfig};
use support::registry::{Registry, loopback_store, push, store_config};
use support::{ratify, write_config};

const LIMIT: Duration = Duration::from_secs(60);

fn discover(addr: &str, reference: &str, config: &str, extra: &[&str]) -> Vec<String> {
    let home = tempfile::tempdir().unwrap();
    let subject = format!("{addr}/{reference}");
    let mut args = vec!["discover", "--flat", "-s", &subject, "-c", config];
    args.extend_from_slice(extra);
    let run = ratify(&args, home.path(), LIMIT);
    assert_eq!(run.code, Some(0), "{run:?}");
    run.stdout.lines().skip(1).map(str::to_owned).collect()
}

#[test]
fn the_referrers_api_is_used_when_present_with_paging_and_filters() {
    let Some(interop) = support::interop_dir("referrers API (RGO-01)") else {
        return;
    };
    let registry = Registry::start();
    let layout = interop
        .join("ratify-go/oci_store/hello")
        .display()
        .to_string();
    let expected = [
        "1 sha256:0869171bd25813427afe0619ab8f2dc35a95527f24c5806580b37fe88cbbd105 [application/bar]",
        "1 sha256:429c5e7304ab01d7d5d3772bc1b4443844e0b2b8f6cd362eac2a7f83598b4927 [application/foo]",
    ];
    for filter in [Filter::Applied, Filter::Ignored] {
        let front = Front::start_with(
            &registry.addr,
            FrontConfig {
                filter,
                page_size: 1,
            },
        );
        // No referrers tags: only the API can find them.
        push(
            &layout,
            &format!("{}/hello", front.addr()),
            &["--referrers-tag-schema", "never"],
        );
        let home = tempfile::tempdir().unwrap();
        let config = store_config(home.path(), loopback_store(json!({})), json!([]));
        assert_eq!(discover(front.addr(), "hello:v1", &config, &[]), expected);
        let v1 =
            "/referrers/sha256:2b858809d6fd3d63a2e64e8418a0d5883aec3e24e4fe6346370f09e043763b83";
        assert_eq!(
            front.request_count("GET", v1),
            2,
            "one page per referrer with page size 1"
        );
        let foo = discover(
            front.addr(),
            "hello:v1",
            &config,
            &["-t", "application/foo"],
        );
        assert_eq!(
            foo,
            expected[1..],
            "filtered client-side when the registry did not"
        );
    }
}

#[test]
fn cosign_signature_tags_are_referrers_only_when_enabled() {
    let registry = Registry::start();
    let work = tempfile::tempdir().unwrap();
    let layout = support::cli::cosign_layout(work.path());
    push(
        &layout.display().to_string(),
        &format!("{}/signed", registry.addr),
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let verifiers = json!([{"name": "sig", "type": "misbehave", "artifactTypes": "application/vnd.dev.cosign.artifact.sig.v1+json", "mode": "fetch"}]);
    let enabled = store_config(
        home.path(),
        loopback_store(json!({"cosignEnabled": true})),
        verifiers,
    );
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(&enabled).unwrap()).unwrap();
    config["pluginBinDirs"] = json!([support::bin_dir()]);
    let enabled = write_config(home.path(), &config).display().to_string();
    let subject = format!("{}/signed:v1", registry.addr);
    let run = ratify(
        &["verify", "-s", &subject, "-c", &enabled],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    let report = &run.json()["verifierReports"][0];
    assert_eq!(
        report["artifactType"],
        "application/vnd.dev.cosign.artifact.sig.v1+json"
    );
    assert_eq!(
        report["extensions"]["bytes"], 17,
        "the verifier read the signature layer through the host"
    );

    config["store"]["plugins"][0]["cosignEnabled"] = json!(false);
    let disabled = write_config(home.path(), &config).display().to_string();
    let run = ratify(
        &["verify", "-s", &subject, "-c", &disabled],
        home.path(),
        LIMIT,
    );
    assert_eq!(
        run.code,
        Some(1),
        "without cosignEnabled the .sig tag is not a referrer: {run:?}"
    );
}

#[test]
fn bearer_tokens_are_fetched_with_the_docker_config_credentials_and_reused() {
    let registry = Registry::start();
    push(
        &support::example_layout().display().to_string(),
        &format!("{}/example", registry.addr),
        &[],
    );
    // The token service: issues a token for alice:s3cret, refuses anything else.
    let token_server = support::http::Server::start(Arc::new(|request: support::http::Request| {
        Box::pin(async move {
            let expected = format!("Basic {}", base64_of("alice:s3cret"));
            let reply = if request.header("authorization") == Some(expected.as_str())
                && request.path() == "/token"
            {
                support::http::Response::new(
                    200,
                    "application/json",
                    br#"{"token":"good-token","expires_in":300}"#.to_vec(),
                )
            } else {
                support::http::Response::error(401, "UNAUTHORIZED", "bad credentials")
            };
            support::http::Reply::Send(reply)
        })
    }));
    let challenge = format!(
        r#"Bearer realm="{}/token",service="test-registry""#,
        token_server.url()
    );
    let rule = Rule::when(
        |r| r.header("authorization") != Some("Bearer good-token"),
        Fault::Status(401, vec![("WWW-Authenticate".into(), challenge)]),
    );
    let proxy = FaultProxy::start(&registry.addr, vec![rule]);
    let home = tempfile::tempdir().unwrap();
    let docker = home.path().join("docker.json");
    std::fs::write(
        &docker,
        json!({"auths": {proxy.addr(): {"auth": base64_of("alice:s3cret")}}}).to_string(),
    )
    .unwrap();
    let verifiers = json!([{"name": "sbom", "artifactTypes": "application/spdx+json"}]);
    let config = store_config(
        home.path(),
        loopback_store(json!({"authProvider": {"name": "dockerConfig", "configPath": docker}})),
        verifiers.clone(),
    );
    let run = ratify(
        &[
            "verify",
            "-s",
            &format!("{}/example:v1", proxy.addr()),
            "-c",
            &config,
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        token_server.log().count("GET", "/token"),
        1,
        "one token, reused for every request"
    );
    let scopes: Vec<String> = token_server
        .log()
        .all()
        .iter()
        .map(|r| r.target.clone())
        .collect();
    assert!(
        scopes[0].contains("scope=repository%3Aexample%3Apull")
            && scopes[0].contains("service=test-registry"),
        "{scopes:?}"
    );

    std::fs::write(
        &docker,
        json!({"auths": {proxy.addr(): {"auth": base64_of("alice:wrong")}}}).to_string(),
    )
    .unwrap();
    let run = ratify(
        &[
            "verify",
            "-s",
            &format!("{}/example:v1", proxy.addr()),
            "-c",
            &config,
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stdout.contains("token service refused the credentials"),
        "{run:?}"
    );
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}
