//! Failure handling against a real misbehaving plugin process (`ratify-misbehave`): each
//! misbehaviour ends in a deny or an error that names the plugin and the cause, within the
//! deadline plus a small margin, with no plugin process left behind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Run, cli, example_layout, plugin_dir, processes_mentioning, ratify, write_config};

/// Deadline for one verification in these tests.
const DEADLINE_MS: u64 = 1500;
/// Time allowed on top of a deadline for process start-up and shutdown.
const MARGIN: Duration = Duration::from_millis(2500);

/// The misbehaving verifier, run as `ratify-<plugin>`, with extra config keys.
fn run_with(plugin: &str, extra: Value, executor: Value) -> Run {
    let plugins = plugin_dir(&[(plugin, "ratify-misbehave")]);
    let home = tempfile::tempdir().unwrap();
    let mut verifier =
        json!({"name": "bad", "type": plugin, "artifactTypes": "application/spdx+json"});
    verifier
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let mut executor_section =
        json!({"verificationRequestTimeout": DEADLINE_MS, "pluginStartTimeout": DEADLINE_MS});
    executor_section
        .as_object_mut()
        .unwrap()
        .extend(executor.as_object().unwrap().clone());
    let config = json!({
        "pluginBinDirs": [plugins.path()],
        "verifier": {"plugins": [verifier]},
        "executor": executor_section,
    });
    let config = write_config(home.path(), &config).display().to_string();
    let subject = format!("{}:v1", example_layout().display());
    let run = ratify(
        &["verify", "--oci-layout", "-s", &subject, "-c", &config],
        home.path(),
        Duration::from_secs(60),
    );
    let dir = plugins.path().display().to_string();
    assert!(
        support::eventually(Duration::from_secs(2), || processes_mentioning(&dir)
            .is_empty()),
        "plugin processes left behind: {:?}\n{run:?}",
        processes_mentioning(&dir)
    );
    run
}

fn assert_within(run: &Run, deadline_ms: u64) {
    let limit = Duration::from_millis(deadline_ms) + MARGIN;
    assert!(
        run.elapsed < limit,
        "took {:?}, limit {limit:?}: {run:?}",
        run.elapsed
    );
}

/// A verification-time failure: exit 1, the report names the plugin and contains `cause`.
fn assert_denied(run: &Run, plugin: &str, cause: &str) {
    assert_eq!(run.code, Some(1), "{run:?}");
    let result = run.json();
    assert_eq!(result["isSuccess"], false, "{run:?}");
    let report = &result["verifierReports"][0];
    assert_eq!(report["isSuccess"], false, "{run:?}");
    let message = report["message"].as_str().unwrap();
    assert!(
        message.contains(plugin),
        "report does not name plugin {plugin}: {message}"
    );
    assert!(
        message.contains(cause),
        "report does not say {cause:?}: {message}"
    );
}

/// `plugin`, with no extra config, fails to load with `cause` (see [`assert_load_error`]).
fn fails_to_load(plugin: &str, cause: &str) -> Run {
    let run = run_with(plugin, json!({}), json!({}));
    assert_load_error(&run, plugin, cause);
    run
}

/// A load-time failure: exit 2, stderr names the plugin and contains `cause`, no verdict.
fn assert_load_error(run: &Run, plugin: &str, cause: &str) {
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr.contains(plugin) && run.stderr.contains(cause),
        "expected {plugin} and {cause:?}: {run:?}"
    );
}

#[test]
fn exits_before_the_handshake() {
    let run = fails_to_load("misbehave-exit-before-handshake", "exited with status 3");
    assert_within(&run, DEADLINE_MS);
}

#[test]
fn never_completes_the_handshake() {
    let run = fails_to_load(
        "misbehave-hang-handshake",
        "did not complete the handshake in time",
    );
    assert_within(&run, DEADLINE_MS);
}

#[test]
fn speaks_a_wrong_protocol_version() {
    fails_to_load(
        "misbehave-wrong-protocol",
        "speaks protocol version \"99.0\", but this host speaks 1.1",
    );
}

#[test]
fn an_older_minor_protocol_version_is_compatible() {
    let run = run_with("misbehave-protocol-1.0", json!({}), json!({}));
    assert_eq!(
        run.code,
        Some(0),
        "a 1.0 plugin works with a 1.1 host: {run:?}"
    );
}

#[test]
fn answers_the_hello_with_garbage() {
    fails_to_load("misbehave-garbage-handshake", "not a protocol message");
}

#[test]
fn answers_verify_with_garbage() {
    let run = run_with("misbehave-garbage", json!({}), json!({}));
    assert_denied(
        &run,
        "misbehave-garbage",
        "not a protocol message: \"<html>502 Bad Gateway</html>\"",
    );
    assert_within(&run, DEADLINE_MS);
}

#[test]
fn writes_a_line_over_the_cap() {
    let run = run_with(
        "misbehave-huge-line",
        json!({"bytes": 3 << 20}),
        json!({"maxPluginMessageBytes": 1 << 20}),
    );
    assert_denied(
        &run,
        "misbehave-huge-line",
        "longer than the 1048576-byte cap",
    );
    assert_within(&run, DEADLINE_MS);
}

#[test]
fn writes_a_line_over_the_default_64_mib_cap() {
    let run = run_with(
        "misbehave-huge-line",
        json!({"bytes": 65 << 20}),
        json!({"verificationRequestTimeout": 20_000}),
    );
    assert_denied(
        &run,
        "misbehave-huge-line",
        "longer than the 67108864-byte cap",
    );
}

#[test]
fn never_answers_verify() {
    let run = run_with("misbehave", json!({"mode": "never-answer"}), json!({}));
    assert_denied(&run, "misbehave", "did not answer verify within");
    assert_within(&run, DEADLINE_MS);
}

#[test]
fn answers_too_slowly() {
    let run = run_with(
        "misbehave",
        json!({"mode": "slow", "delayMs": 5000}),
        json!({}),
    );
    assert_denied(&run, "misbehave", "did not answer verify within");
    assert_within(&run, DEADLINE_MS);
}

#[test]
fn answers_slowly_but_in_time() {
    let run = run_with(
        "misbehave",
        json!({"mode": "slow", "delayMs": 300}),
        json!({}),
    );
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn dies_mid_request() {
    let run = run_with("misbehave", json!({"mode": "die-mid-request"}), json!({}));
    assert_denied(&run, "misbehave", "exited with status 7");
    assert_within(&run, DEADLINE_MS);
}

#[test]
fn panics_in_a_handler() {
    let run = run_with("misbehave", json!({"mode": "panic"}), json!({}));
    assert_denied(&run, "misbehave", "panicked while handling verify");
}

#[test]
fn floods_stderr_without_blocking_or_flooding_our_log() {
    let run = run_with(
        "misbehave",
        json!({"mode": "flood-stderr", "bytes": 64 << 20}),
        json!({"verificationRequestTimeout": 20_000}),
    );
    assert_eq!(
        run.code,
        Some(0),
        "{}",
        &run.stderr[..run.stderr.len().min(2000)]
    );
    assert!(
        run.stderr.len() < 2 << 20,
        "our stderr got {} bytes",
        run.stderr.len()
    );
    assert!(
        run.stderr.contains("dropping the rest"),
        "{}",
        &run.stderr[..run.stderr.len().min(2000)]
    );
}

#[test]
fn stray_prints_do_not_corrupt_the_protocol() {
    let run = run_with("misbehave", json!({"mode": "print-outside"}), json!({}));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        run.json()["verifierReports"][0]["message"],
        "misbehave: print-outside done"
    );
}

#[test]
fn answers_success() {
    let run = run_with("misbehave", json!({"mode": "success"}), json!({}));
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn a_rejected_config_is_a_config_error() {
    let run = run_with("misbehave", json!({"mode": "reject-config"}), json!({}));
    assert_load_error(&run, "bad", "rejected on purpose");
    assert!(run.stderr.contains("config fault"), "{run:?}");
}

#[test]
fn a_missing_plugin_is_a_config_error() {
    let run = run_with("misbehave", json!({"type": "not-there"}), json!({}));
    assert_load_error(&run, "not-there", "not found");
}

#[test]
fn a_plugin_that_is_not_executable_is_a_config_error() {
    let plugins = tempfile::tempdir().unwrap();
    let path = plugins.path().join("ratify-noexec");
    std::fs::write(&path, b"#!/bin/sh\n").unwrap();
    let config =
        json!({"pluginBinDirs": [plugins.path()], "verifier": {"plugins": [{"name": "noexec"}]}});
    let run = cli::verify_with("v1", &config);
    assert_load_error(&run, "ratify-noexec", "is not executable");
}

/// Starts `ratify verify` with `verifier`, waits until its plugin runs, sends SIGINT, and
/// checks that ratify exits promptly with 2 and leaves no plugin process behind.
fn interrupt(link: &str, verifier: Value, executor: Value) {
    let plugins = plugin_dir(&[(link, "ratify-misbehave")]);
    let home = tempfile::tempdir().unwrap();
    let config = json!({"pluginBinDirs": [plugins.path()], "verifier": {"plugins": [verifier]}, "executor": executor});
    let config = write_config(home.path(), &config).display().to_string();
    let subject = format!("{}:v1", example_layout().display());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ratify"))
        .args(["verify", "--oci-layout", "-s", &subject, "-c", &config])
        .env("RATIFY_CONFIG", home.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let dir = plugins.path().display().to_string();
    assert!(
        support::eventually(Duration::from_secs(10), || !processes_mentioning(&dir)
            .is_empty()),
        "plugin never started"
    );
    std::thread::sleep(Duration::from_millis(200));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "ratify ignored Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(2));
    assert!(
        processes_mentioning(&dir).is_empty(),
        "left behind: {:?}",
        processes_mentioning(&dir)
    );
}

#[test]
fn ctrl_c_during_verification_shuts_plugins_down_and_reaps_them() {
    interrupt(
        "misbehave",
        json!({"name": "bad", "type": "misbehave", "mode": "never-answer"}),
        json!({"verificationRequestTimeout": 60_000}),
    );
}

#[test]
fn ctrl_c_while_a_plugin_is_starting_reaps_it_too() {
    interrupt(
        "misbehave-hang-handshake",
        json!({"name": "bad", "type": "misbehave-hang-handshake"}),
        json!({"pluginStartTimeout": 60_000}),
    );
}

#[test]
fn plugins_get_a_minimal_environment_not_the_hosts() {
    let plugins = plugin_dir(&[("misbehave", "ratify-misbehave")]);
    let home = tempfile::tempdir().unwrap();
    let config = json!({
        "pluginBinDirs": [plugins.path()],
        "verifier": {"plugins": [{"name": "env", "type": "misbehave", "mode": "env"}]},
        "executor": {"pluginEnv": ["HTTPS_PROXY"]},
    });
    let config = write_config(home.path(), &config).display().to_string();
    let subject = format!("{}:v1", example_layout().display());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ratify"))
        .args(["verify", "--oci-layout", "-s", &subject, "-c", &config])
        .env("RATIFY_CONFIG", home.path())
        .env("AWS_SECRET_ACCESS_KEY", "do-not-leak")
        .env("DOCKER_CONFIG", "/secret/docker")
        .env("HTTPS_PROXY", "http://proxy.invalid:3128")
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    let env = result["verifierReports"][0]["extensions"]["env"]
        .as_object()
        .unwrap()
        .clone();
    assert!(
        !env.contains_key("AWS_SECRET_ACCESS_KEY") && !env.contains_key("DOCKER_CONFIG"),
        "{env:?}"
    );
    assert_eq!(env["RATIFY_PLUGIN_PROTOCOL"], "1.1");
    assert_eq!(
        env["HTTPS_PROXY"], "http://proxy.invalid:3128",
        "pluginEnv passes listed variables"
    );
    assert_eq!(env["TZ"], "UTC");
    let allowed = [
        "PATH",
        "HOME",
        "TMPDIR",
        "LANG",
        "LC_ALL",
        "TZ",
        "RATIFY_PLUGIN_PROTOCOL",
        "RATIFY_LOG_LEVEL",
        "HTTPS_PROXY",
    ];
    for key in env.keys() {
        assert!(
            allowed.contains(&key.as_str()),
            "unexpected variable {key} reached the plugin"
        );
    }
}

#[test]
fn what_a_plugin_started_dies_with_it() {
    // A wrapper script that runs the real plugin as its child (no exec): killing only the
    // script would leave the plugin running, holding our pipes.
    let plugins = plugin_dir(&[("misbehave-hang-handshake", "ratify-misbehave")]);
    let wrapper = plugins.path().join("ratify-wrapper");
    let target = plugins.path().join("ratify-misbehave-hang-handshake");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\n{}\necho done\n", target.display()),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let config = json!({
        "pluginBinDirs": [plugins.path()],
        "verifier": {"plugins": [{"name": "wrapper"}]},
        "executor": {"pluginStartTimeout": 1000},
    });
    let run = cli::verify_with("v1", &config);
    assert_load_error(&run, "wrapper", "did not complete the handshake in time");
    assert_within(&run, 1000);
    let dir = plugins.path().display().to_string();
    assert!(
        support::eventually(Duration::from_secs(2), || processes_mentioning(&dir)
            .is_empty()),
        "the wrapper's child outlived ratify: {:?}",
        processes_mentioning(&dir)
    );
}
