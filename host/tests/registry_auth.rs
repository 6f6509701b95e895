//! Registry credentials and transport security end to end, against a real distribution
//! 2.8: basic auth from the docker config (for exactly that registry), credential helpers,
//! HTTPS trusted through `caFile` with certificates made by openssl.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use support::registry::{Registry, push_example, sbom_verifier, store_config as config, verify};

#[test]
fn basic_auth_uses_the_docker_config_for_exactly_that_registry() {
    let registry = Registry::start_with_basic_auth("alice", "s3cret");
    push_example(
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
    let attempt = || verify(&subject, &cfg, home.path());

    write_docker("alice", "s3cret", &registry.addr);
    assert_eq!(attempt().code, Some(0), "{:?}", attempt());

    write_docker("alice", "wrong", &registry.addr);
    let run = attempt();
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stdout.contains("refused access") && run.stdout.contains("docker login"),
        "{run:?}"
    );

    // Credentials stored for another registry are never sent here.
    write_docker("alice", "s3cret", "other.example:5000");
    let run = attempt();
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.contains("none are configured"), "{run:?}");
}

/// A test CA and a server certificate for 127.0.0.1, made with openssl.
fn test_pki(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let run = |args: &[&str]| support::openssl(dir, args);
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
    push_example(&format!("{}/example", plain.addr), &[]);
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
    let run = verify(&subject, &trusted, home.path());
    assert_eq!(run.code, Some(0), "{run:?}");
    // useHttp must not turn a TLS registry into plain HTTP… and without the CA, TLS fails.
    let untrusted = config(home.path(), json!({"name": "oras"}), sbom_verifier());
    let run = verify(&subject, &untrusted, home.path());
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.to_lowercase().contains("certificate"), "{run:?}");
    let missing = config(
        home.path(),
        json!({"name": "oras", "caFile": "/nonexistent/ca.pem"}),
        sbom_verifier(),
    );
    let run = verify(&subject, &missing, home.path());
    assert_eq!(
        run.code,
        Some(2),
        "an unreadable caFile is a config error: {run:?}"
    );
    assert!(run.stderr.contains("cannot read caFile"), "{run:?}");
}

/// `ratify verify` of `<registry>/example:v1` run directly (not through `support::ratify`),
/// with the docker-credential-* helpers in `helpers` first on PATH.
fn verify_with_helpers(
    registry: &Registry,
    config: &str,
    home: &Path,
    helpers: &Path,
) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ratify"))
        .args([
            "verify",
            "-s",
            &format!("{}/example:v1", registry.addr),
            "-c",
            config,
        ])
        .env("RATIFY_CONFIG", home)
        .env("PATH", format!("{}:/usr/bin:/bin", helpers.display()))
        .output()
        .unwrap()
}

#[test]
fn credential_helpers_from_the_docker_config_are_run() {
    let registry = Registry::start_with_basic_auth("alice", "s3cret");
    push_example(
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
    let run = || verify_with_helpers(&registry, &cfg, home.path(), helpers.path());
    let show = |o: &std::process::Output| {
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let output = run();
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    // The same helper as the default store for every registry (`credsStore`).
    std::fs::write(&docker, json!({"credsStore": "ratifytest"}).to_string()).unwrap();
    let output = run();
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
}

#[test]
fn a_hung_credential_helper_denies_within_the_deadline_and_is_killed() {
    let registry = Registry::start_with_basic_auth("alice", "s3cret");
    push_example(
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
    let output = verify_with_helpers(&registry, &cfg, home.path(), helpers.path());
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
