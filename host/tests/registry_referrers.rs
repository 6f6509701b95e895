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
use support::registry::{Registry, loopback_store, push, push_example, store_config, verify};
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

/// Pushes the example layout with a cosign `.sig` tag on `v1` (`support::cli::cosign_layout`)
/// to `<registry>/signed`.
fn push_cosign_signed(registry: &Registry) {
    let work = tempfile::tempdir().unwrap();
    let layout = support::cli::cosign_layout(work.path());
    push(
        &layout.display().to_string(),
        &format!("{}/signed", registry.addr),
        &[],
    );
}

#[test]
fn cosign_signature_tags_are_referrers_only_when_enabled() {
    let registry = Registry::start();
    push_cosign_signed(&registry);
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
    let run = verify(&subject, &enabled, home.path());
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
    let run = verify(&subject, &disabled, home.path());
    assert_eq!(
        run.code,
        Some(1),
        "without cosignEnabled the .sig tag is not a referrer: {run:?}"
    );
}

#[test]
fn bearer_tokens_are_fetched_with_the_docker_config_credentials_and_reused() {
    let registry = Registry::start();
    push_example(&format!("{}/example", registry.addr), &[]);
    // A token-auth registry written for the test: /token issues a token for alice:s3cret (with
    // an absurd lifetime, which must be clamped), /v2/ asks for it and then forwards.
    let own_url: Arc<std::sync::OnceLock<String>> = Arc::default();
    let upstream = registry.addr.clone();
    let url = Arc::clone(&own_url);
    let server = support::http::Server::start(Arc::new(move |request: support::http::Request| {
        let (upstream, url) = (upstream.clone(), Arc::clone(&url));
        Box::pin(async move {
            let basic = format!("Basic {}", base64_of("alice:s3cret"));
            let reply = if request.path() == "/token" {
                if request.header("authorization") == Some(basic.as_str()) {
                    let body = br#"{"token":"good-token","expires_in":10000000000000000000}"#;
                    support::http::Response::new(200, "application/json", body.to_vec())
                } else {
                    support::http::Response::error(401, "UNAUTHORIZED", "bad credentials")
                }
            } else if request.header("authorization") == Some("Bearer good-token") {
                support::http::forward_or_502(&upstream, &request).await
            } else {
                let realm = format!(
                    r#"Bearer realm="{}/token",service="test-registry""#,
                    url.get().cloned().unwrap_or_default()
                );
                let mut challenge =
                    support::http::Response::error(401, "UNAUTHORIZED", "token required");
                challenge.set_header("WWW-Authenticate", &realm);
                challenge
            };
            support::http::Reply::Send(reply)
        })
    }));
    own_url.set(server.url()).unwrap();
    let home = tempfile::tempdir().unwrap();
    let docker = home.path().join("docker.json");
    let write_docker = |password: &str| {
        std::fs::write(
            &docker,
            json!({"auths": {server.addr(): {"auth": base64_of(&format!("alice:{password}"))}}})
                .to_string(),
        )
        .unwrap();
    };
    let verifiers = json!([{"name": "sbom", "artifactTypes": "application/spdx+json"}]);
    let store =
        loopback_store(json!({"authProvider": {"name": "dockerConfig", "configPath": docker}}));
    let config = store_config(home.path(), store, verifiers);
    let subject = format!("{}/example:v1", server.addr());
    write_docker("s3cret");
    let run = verify(&subject, &config, home.path());
    assert_eq!(run.code, Some(0), "{run:?}");
    let tokens: Vec<_> = server
        .log()
        .all()
        .into_iter()
        .filter(|r| r.path() == "/token")
        .collect();
    assert_eq!(tokens.len(), 1, "one token, reused for every request");
    assert!(
        tokens[0]
            .target
            .contains("scope=repository%3Aexample%3Apull")
            && tokens[0].target.contains("service=test-registry"),
        "{}",
        tokens[0].target
    );

    write_docker("wrong");
    let run = verify(&subject, &config, home.path());
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stdout.contains("token service refused the credentials"),
        "{run:?}"
    );
}

#[test]
fn credentials_never_go_to_a_plain_http_realm_on_another_host() {
    let registry = Registry::start();
    push_example(&format!("{}/example", registry.addr), &[]);
    let realm = support::faults::Recorder::start();
    let challenge = format!(r#"Bearer realm="{}/token",service="s""#, realm.url());
    let rule = Rule::when(
        |r| r.header("authorization").is_none(),
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
    let store =
        loopback_store(json!({"authProvider": {"name": "dockerConfig", "configPath": docker}}));
    let config = store_config(home.path(), store, json!([]));
    let run = verify(
        &format!("{}/example:v1", proxy.addr()),
        &config,
        home.path(),
    );
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        !realm.requests().is_empty(),
        "the realm was asked (anonymously)"
    );
    assert!(
        !realm.saw_authorization(),
        "credentials went in clear text to another host"
    );
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[test]
fn a_next_page_that_fails_is_an_error_never_a_shorter_list() {
    let Some(interop) = support::interop_dir("referrers API paging failure") else {
        return;
    };
    let registry = Registry::start();
    let front = Front::start_with(
        &registry.addr,
        FrontConfig {
            filter: Filter::Applied,
            page_size: 1,
        },
    );
    let layout = interop
        .join("ratify-go/oci_store/hello")
        .display()
        .to_string();
    push(
        &layout,
        &format!("{}/hello", front.addr()),
        &["--referrers-tag-schema", "never"],
    );
    let proxy = FaultProxy::start(
        front.addr(),
        vec![Rule::when(
            |r| r.target.contains("last="),
            Fault::status(404),
        )],
    );
    let home = tempfile::tempdir().unwrap();
    let config = store_config(home.path(), loopback_store(json!({})), json!([]));
    let run = ratify(
        &[
            "discover",
            "-s",
            &format!("{}/hello:v1", proxy.addr()),
            "-c",
            &config,
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains("404 for a next page of referrers"),
        "{run:?}"
    );
}

#[test]
fn a_failing_cosign_tag_lookup_denies_instead_of_hiding_the_signature() {
    let registry = Registry::start();
    push_cosign_signed(&registry);
    let proxy = FaultProxy::start(
        &registry.addr,
        vec![Rule::new("HEAD", ".sig", Fault::status(500))],
    );
    let home = tempfile::tempdir().unwrap();
    let verifiers = json!([{"name": "sbom", "artifactTypes": "application/spdx+json"}]);
    let config = store_config(
        home.path(),
        loopback_store(json!({"cosignEnabled": true})),
        verifiers,
    );
    let run = verify(&format!("{}/signed:v1", proxy.addr()), &config, home.path());
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.contains("500"), "{run:?}");
}
