//! Registry credentials and transport security end to end, against a real distribution
//! 2.8: basic auth from the docker config (for exactly that registry), credential helpers,
//! HTTPS trusted through `caFile` with certificates made by openssl.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use support::registry::{Registry, push, store_config as config};
use support::{example_layout, ratify};

const LIMIT: Duration = Duration::from_secs(60);

fn sbom_verifier() -> Value {
    json!([{"name": "sbom", "artifactTypes": "application/spdx+json,application/vnd.cyclonedx+json",
            "disallowedLicenses": ["GPL-3.0-only"]}])
}

#[test]
fn basic_auth_uses_the_docker_config_for_exactly_that_registry() {
    let registry = Registry::start_with_basic_auth("alice", "s3cret");
    push(
        &example_layout().display().to_string(),
        &format!("{}/example", registry.addr),
        &["-u", "alice", "-p", "s3cret"],
    );
    let home = tempfile::tempdir().unwrap();
    let docker = home.path().join("docker.json");
    let write_docker = |user: &str, password: &str, host: &str| {
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        std::fs::write(
            &docker,
            json!({"auths": {host: {"auth": auth}}}).to_string(),
        )
        .unwrap();
    };
    let store = json!({"name": "oras", "useHttp": true, "authProvider": {"name": "dockerConfig", "configPath": docker}});
    let cfg = config(home.path(), store, sbom_verifier());
    let subject = format!("{}/example:v1", registry.addr);
    let verify = || ratify(&["verify", "-s", &subject, "-c", &cfg], home.path(), LIMIT);

    write_docker("alice", "s3cret", &registry.addr);
    assert_eq!(verify().code, Some(0), "{:?}", verify());

    write_docker("alice", "wrong", &registry.addr);
    let run = verify();
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stdout.contains("refused access") && run.stdout.contains("docker login"),
        "{run:?}"
    );

    // Credentials stored for another registry are never sent here.
    write_docker("alice", "s3cret", "other.example:5000");
    let run = verify();
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.contains("none are configured"), "{run:?}");
}

/// A test CA and a server certificate for 127.0.0.1, made with openssl.
fn test_pki(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let run = |args: &[&str]| {
        let status = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stderr(std::process::Stdio::null())
            .status();
        assert!(
            status
                .expect("openssl is installed by scripts/test.sh")
                .success(),
            "openssl {args:?}"
        );
    };
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=ratify test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    (
        dir.join("ca.crt"),
        dir.join("server.crt"),
        dir.join("server.key"),
    )
}

#[test]
fn https_registries_are_trusted_through_ca_file_and_refused_otherwise() {
    let plain = Registry::start();
    push(
        &example_layout().display().to_string(),
        &format!("{}/example", plain.addr),
        &[],
    );
    let pki = tempfile::tempdir().unwrap();
    let (ca, certificate, key) = test_pki(pki.path());
    let tls = Registry::start_tls_over(&plain, &certificate, &key);
    let home = tempfile::tempdir().unwrap();
    let subject = format!("{}/example:v1", tls.addr);
    let trusted = config(
        home.path(),
        json!({"name": "oras", "caFile": ca}),
        sbom_verifier(),
    );
    let run = ratify(
        &["verify", "-s", &subject, "-c", &trusted],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    // useHttp must not turn a TLS registry into plain HTTP… and without the CA, TLS fails.
    let untrusted = config(home.path(), json!({"name": "oras"}), sbom_verifier());
    let run = ratify(
        &["verify", "-s", &subject, "-c", &untrusted],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.to_lowercase().contains("certificate"), "{run:?}");
    let missing = config(
        home.path(),
        json!({"name": "oras", "caFile": "/nonexistent/ca.pem"}),
        sbom_verifier(),
    );
    let run = ratify(
        &["verify", "-s", &subject, "-c", &missing],
        home.path(),
        LIMIT,
    );
    assert_eq!(
        run.code,
        Some(2),
        "an unreadable caFile is a config error: {run:?}"
    );
    assert!(run.stderr.contains("cannot read caFile"), "{run:?}");
}

#[test]
fn credential_helpers_from_the_docker_config_are_run() {
    let registry = Registry::start_with_basic_auth("alice", "s3cret");
    push(
        &example_layout().display().to_string(),
        &format!("{}/example", registry.addr),
        &["-u", "alice", "-p", "s3cret"],
    );
    let home = tempfile::tempdir().unwrap();
    let helpers = tempfile::tempdir().unwrap();
    let helper = helpers.path().join("docker-credential-ratifytest");
    // A helper as docker-credential-* helpers behave: `get`, server on stdin, JSON out.
    std::fs::write(&helper, format!(
        "#!/bin/sh\nread server\nif [ \"$1\" = get ] && [ \"$server\" = \"{}\" ]; then\n  echo '{{\"ServerURL\":\"'$server'\",\"Username\":\"alice\",\"Secret\":\"s3cret\"}}'\nelse\n  echo 'credentials not found in native keychain'; exit 1\nfi\n",
        registry.addr
    )).unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let docker = home.path().join("docker.json");
    std::fs::write(
        &docker,
        json!({"credHelpers": {registry.addr.clone(): "ratifytest"}}).to_string(),
    )
    .unwrap();
    let store = json!({"name": "oras", "useHttp": true, "authProvider": {"name": "dockerConfig", "configPath": docker}});
    let cfg = config(home.path(), store, sbom_verifier());
    let verify = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_ratify"))
            .args([
                "verify",
                "-s",
                &format!("{}/example:v1", registry.addr),
                "-c",
                &cfg,
            ])
            .env("RATIFY_CONFIG", home.path())
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", helpers.path().display()),
            )
            .output()
            .unwrap()
    };
    let show = |o: &std::process::Output| {
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let output = verify();
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    // The same helper as the default store for every registry (`credsStore`).
    std::fs::write(&docker, json!({"credsStore": "ratifytest"}).to_string()).unwrap();
    let output = verify();
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
}

#[test]
fn a_hung_credential_helper_denies_within_the_deadline_and_is_killed() {
    let registry = Registry::start_with_basic_auth("alice", "s3cret");
    push(
        &example_layout().display().to_string(),
        &format!("{}/example", registry.addr),
        &["-u", "alice", "-p", "s3cret"],
    );
    let home = tempfile::tempdir().unwrap();
    let helpers = tempfile::Builder::new()
        .prefix("ratify-hung-helper-")
        .tempdir()
        .unwrap();
    let helper = helpers.path().join("docker-credential-hang");
    std::fs::write(
        &helper,
        "#!/bin/sh
exec sleep 30
",
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let docker = home.path().join("docker.json");
    std::fs::write(&docker, json!({"credsStore": "hang"}).to_string()).unwrap();
    let store = json!({"name": "oras", "useHttp": true, "authProvider": {"name": "dockerConfig", "configPath": docker}});
    let mut config: Value = serde_json::from_str(
        &std::fs::read_to_string(config(home.path(), store, sbom_verifier())).unwrap(),
    )
    .unwrap();
    config["executor"] = json!({"verificationRequestTimeout": 1500});
    let cfg = support::write_config(home.path(), &config)
        .display()
        .to_string();
    let started = std::time::Instant::now();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ratify"))
        .args([
            "verify",
            "-s",
            &format!("{}/example:v1", registry.addr),
            "-c",
            &cfg,
        ])
        .env("RATIFY_CONFIG", home.path())
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", helpers.path().display()),
        )
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        started.elapsed() < Duration::from_millis(1500 + 2500),
        "took {:?}",
        started.elapsed()
    );
    let dir = helpers.path().display().to_string();
    assert!(
        support::eventually(Duration::from_secs(2), || support::processes_mentioning(
            &dir
        )
        .is_empty()),
        "the hung helper outlived ratify"
    );
}
