//! The registry store end to end: content pushed with `ratify push` into a real registry
//! (distribution 2.8, so referrers come from the tag schema) gives the same answers through
//! `ratify verify`/`discover`/`referrer` as the OCI layout it came from.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use support::registry::Registry;
use support::{example_layout, ratify, write_config};

const LIMIT: Duration = Duration::from_secs(60);

fn push(source: &str, target: &str, extra: &[&str]) {
    let home = tempfile::tempdir().unwrap();
    let mut args = vec!["push", source, target];
    args.extend_from_slice(extra);
    let run = ratify(&args, home.path(), LIMIT);
    assert_eq!(run.code, Some(0), "push failed: {run:?}");
}

/// A config with the registry store (plain HTTP for loopback) and the given verifiers.
fn config(dir: &Path, store: Value, verifiers: Value) -> String {
    let config = json!({"store": {"version": "1.0.0", "plugins": [store]}, "verifier": {"plugins": verifiers}});
    write_config(dir, &config).display().to_string()
}

fn sbom_verifier() -> Value {
    json!([{"name": "sbom", "artifactTypes": "application/spdx+json,application/vnd.cyclonedx+json",
            "disallowedLicenses": ["GPL-3.0-only"]}])
}

/// Reports without the subject strings, which name the layout or the registry.
fn comparable(run: &support::Run) -> Value {
    let mut result = run.json();
    fn strip(reports: &mut Value) {
        for report in reports.as_array_mut().into_iter().flatten() {
            report.as_object_mut().unwrap().remove("subject");
            strip(&mut report["nestedResults"]);
        }
    }
    strip(&mut result["verifierReports"]);
    for report in result["verifierReports"].as_array_mut().unwrap() {
        if report.get("referenceDigest").is_none() {
            // Subject-level failures name the subject in their reason.
            report.as_object_mut().unwrap().remove("errorReason");
        }
    }
    result
}

#[test]
fn verifying_through_the_registry_matches_the_layout() {
    let registry = Registry::start();
    let layout = example_layout().display().to_string();
    push(&layout, &format!("{}/example", registry.addr), &[]);
    let home = tempfile::tempdir().unwrap();
    let store = json!({"name": "oras", "useHttp": true});
    let cfg = config(home.path(), store, sbom_verifier());
    let layout_config = support::cli::bundled_config();
    for (tag, code) in [
        ("v1", 0),
        ("unsigned", 1),
        ("gpl", 1),
        ("cyclonedx", 0),
        ("nested", 0),
        ("unknown-type", 1),
    ] {
        let remote = ratify(
            &[
                "verify",
                "-s",
                &format!("{}/example:{tag}", registry.addr),
                "-c",
                &cfg,
            ],
            home.path(),
            LIMIT,
        );
        let local = ratify(
            &[
                "verify",
                "--oci-layout",
                "-s",
                &format!("{layout}:{tag}"),
                "-c",
                &layout_config,
            ],
            home.path(),
            LIMIT,
        );
        assert_eq!(
            remote.code,
            Some(code),
            "{tag} via the registry: {remote:?}"
        );
        assert_eq!(local.code, Some(code), "{tag} via the layout: {local:?}");
        assert_eq!(
            comparable(&remote),
            comparable(&local),
            "{tag}: the registry and the layout disagree"
        );
    }
}

#[test]
fn discover_and_referrer_commands_work_against_a_registry() {
    let registry = Registry::start();
    push(
        &example_layout().display().to_string(),
        &format!("{}/example", registry.addr),
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let cfg = config(
        home.path(),
        json!({"name": "oras", "useHttp": true}),
        json!([]),
    );
    let subject = format!("{}/example:nested", registry.addr);
    let tree = ratify(
        &["discover", "-s", &subject, "-c", &cfg, "-o", "json"],
        home.path(),
        LIMIT,
    );
    assert_eq!(tree.code, Some(0), "{tree:?}");
    let tree = tree.json();
    let sbom = &tree["referrers"][0];
    assert_eq!(sbom["descriptor"]["artifactType"], "application/spdx+json");
    assert_eq!(
        sbom["referrers"][0]["descriptor"]["artifactType"],
        "application/vnd.example.signature.v1"
    );
    let digest = sbom["descriptor"]["digest"].as_str().unwrap();
    let manifest = ratify(
        &[
            "referrer",
            "show-manifest",
            "-s",
            &subject,
            "-c",
            &cfg,
            "-d",
            digest,
        ],
        home.path(),
        LIMIT,
    );
    let on_disk = std::fs::read(example_layout().join("blobs/sha256").join(&digest[7..])).unwrap();
    assert_eq!(manifest.stdout.as_bytes(), on_disk.as_slice());
    let layer = manifest.json()["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let blob = ratify(
        &[
            "referrer",
            "show-blob",
            "-s",
            &subject,
            "-c",
            &cfg,
            "-d",
            &layer,
        ],
        home.path(),
        LIMIT,
    );
    assert!(blob.stdout.contains("SPDX-2.3"), "{blob:?}");
    let resolved = ratify(&["resolve", "-s", &subject, "-c", &cfg], home.path(), LIMIT);
    assert_eq!(resolved.json()["digest"], tree["descriptor"]["digest"]);
}

#[test]
fn interop_layouts_pushed_to_a_registry_discover_as_from_the_layout() {
    let Some(interop) = support::interop_dir("RGO-01/NOT-01 via registry") else {
        return;
    };
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let cfg = config(
        home.path(),
        json!({"name": "oras", "useHttp": true}),
        json!([]),
    );
    let notation = [
        "e2e",
        "e2e-expired-signature",
        "e2e-invalid-signature",
        "e2e-valid-signature",
        "e2e-with-invalid-timestamped-signature",
        "e2e-with-timestamped-signature",
    ];
    let mut layouts: Vec<(String, String)> =
        vec![("ratify-go/oci_store/hello".into(), "hello".into())];
    layouts.extend(
        notation
            .iter()
            .map(|n| (format!("notation/oci_layout/{n}"), n.to_string())),
    );
    let mut with_referrers = 0;
    for (layout, repo) in layouts {
        let layout = interop.join(layout).display().to_string();
        push(&layout, &format!("{}/{repo}", registry.addr), &[]);
        let remote = ratify(
            &[
                "discover",
                "--flat",
                "-s",
                &format!("{}/{repo}:v1", registry.addr),
                "-c",
                &cfg,
            ],
            home.path(),
            LIMIT,
        );
        let local = ratify(
            &[
                "discover",
                "--flat",
                "--oci-layout",
                "-s",
                &format!("{layout}:v1"),
            ],
            home.path(),
            LIMIT,
        );
        assert_eq!(remote.code, Some(0), "{remote:?}");
        let lines = |run: &support::Run| {
            run.stdout
                .lines()
                .skip(1)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(lines(&remote), lines(&local), "{repo}");
        with_referrers += usize::from(!lines(&remote).iter().all(|l| l == "(no referrers)"));
    }
    assert_eq!(
        with_referrers, 6,
        "every layout but notation's unsigned e2e has referrers"
    );
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

#[test]
fn plain_http_is_only_used_where_configured() {
    let registry = Registry::start();
    push(
        &example_layout().display().to_string(),
        &format!("{}/example", registry.addr),
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let cfg = config(home.path(), json!({"name": "oras"}), sbom_verifier());
    let run = ratify(
        &[
            "verify",
            "-s",
            &format!("{}/example:v1", registry.addr),
            "-c",
            &cfg,
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(
        run.code,
        Some(1),
        "HTTPS to a plain-HTTP registry must fail, not fall back: {run:?}"
    );
    assert!(
        run.stdout.contains(&format!("https://{}", registry.addr)),
        "{run:?}"
    );
    let listed = config(
        home.path(),
        json!({"name": "oras", "plainHttp": [registry.addr]}),
        sbom_verifier(),
    );
    let run = ratify(
        &[
            "verify",
            "-s",
            &format!("{}/example:v1", registry.addr),
            "-c",
            &listed,
        ],
        home.path(),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run:?}");
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
