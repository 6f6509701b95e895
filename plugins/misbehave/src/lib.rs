//! `ratify-misbehave`: a verifier that misbehaves on command, so the host's failure handling is
//! tested against a real process. Not for production.
//!
//! Two ways to choose a misbehaviour:
//!
//! - **By file name**, for things that happen before any config arrives or that need raw
//!   access to the protocol stream: run it as `ratify-misbehave-<mode>` (a symlink or copy).
//!   Modes: `exit-before-handshake`, `hang-handshake`, `slow-handshake` (answers after 1 s,
//!   then behaves), `wrong-protocol`, `protocol-1.0` (an older compatible plugin),
//!   `garbage-handshake`,
//!   `garbage` (answers `verify` with a non-JSON line), `huge-line` (answers `verify` with a
//!   line of `bytes` bytes, default 70 MiB).
//! - **By config**, per configured verifier, through the SDK runtime: `"mode"` is one of
//!   `success` (default), `fail`, `slow` (`delayMs`), `never-answer`, `die-mid-request`,
//!   `flood-stderr` (`bytes`, default 50 MiB), `print-outside` (stray `println!`s, then
//!   success: the SDK's stdout guard must keep the protocol intact), `panic`, `reject-config`,
//!   `fetch` (reads the referrer's manifest and every layer through the host, then succeeds),
//!   `env` (succeeds, reporting its environment in `extensions.env`).

mod raw;

use std::io::Write;
use std::time::Duration;

use ratify_plugin_sdk::PluginInfo;
use ratify_plugin_sdk::verifier::{self, Verifier, VerifyRequest};
use ratify_plugin_sdk::wire::{VerifyResult, WireError, oci::ImageManifest};
use serde_json::{Value, json};

/// Picks the mode from the executable's name, then runs.
pub fn main() {
    let program = std::env::args().next().unwrap_or_default();
    let file = std::path::Path::new(&program)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    match file.strip_prefix("ratify-misbehave-") {
        Some(mode) => raw::run(mode),
        None => verifier::run(Misbehave),
    }
}

/// The config-driven misbehaviours.
pub struct Misbehave;

/// A parsed config.
pub struct Mode {
    name: String,
    delay: Duration,
    bytes: usize,
}

impl Verifier for Misbehave {
    type Config = Mode;

    fn info(&self) -> PluginInfo {
        PluginInfo::new("misbehave", env!("CARGO_PKG_VERSION")).artifact_types(["*"])
    }

    fn configure(&self, _name: &str, config: &Value) -> Result<Mode, WireError> {
        let name = config
            .get("mode")
            .and_then(Value::as_str)
            .unwrap_or("success")
            .to_owned();
        if name == "reject-config" {
            return Err(WireError::config(
                "mode reject-config: this config is rejected on purpose",
            )
            .with_remediation("use another mode"));
        }
        let delay =
            Duration::from_millis(config.get("delayMs").and_then(Value::as_u64).unwrap_or(0));
        let bytes = config
            .get("bytes")
            .and_then(Value::as_u64)
            .unwrap_or(50 << 20) as usize;
        Ok(Mode { name, delay, bytes })
    }

    fn verify(&self, mode: &Mode, request: VerifyRequest<'_>) -> Result<VerifyResult, WireError> {
        match mode.name.as_str() {
            "success" => {}
            "fail" => return Ok(VerifyResult::failure("misbehave: failing on purpose")),
            "slow" => std::thread::sleep(mode.delay),
            "never-answer" => loop {
                std::thread::sleep(Duration::from_secs(3600));
            },
            "die-mid-request" => std::process::exit(7),
            "flood-stderr" => flood_stderr(mode.bytes),
            "print-outside" => {
                for i in 0..100 {
                    println!("stray output {i} that is not a protocol message");
                }
                print!("and a partial line without a newline");
            }
            "panic" => panic!("misbehave: panicking on purpose"),
            "fetch" => return fetch(&request),
            "env" => {
                let env: serde_json::Map<String, Value> = std::env::vars()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                return Ok(VerifyResult::success("misbehave: environment attached")
                    .with_extensions(json!({ "env": env })));
            }
            other => return Err(WireError::config(format!("unknown mode {other:?}"))),
        }
        Ok(VerifyResult::success(format!(
            "misbehave: {} done",
            mode.name
        )))
    }
}

fn flood_stderr(bytes: usize) {
    let line = [b'x'; 1023];
    let mut stderr = std::io::stderr().lock();
    let mut written = 0;
    while written < bytes {
        if stderr
            .write_all(&line)
            .and_then(|()| stderr.write_all(b"\n"))
            .is_err()
        {
            break;
        }
        written += 1024;
    }
}

fn fetch(request: &VerifyRequest<'_>) -> Result<VerifyResult, WireError> {
    let manifest = request.referrer_manifest()?;
    let parsed: ImageManifest = serde_json::from_slice(&manifest.content.0)
        .map_err(|e| WireError::artifact(format!("referrer manifest: {e}")))?;
    let mut total = 0;
    for layer in &parsed.layers {
        total += request.host.read_layer(layer, 64 << 20)?.len();
    }
    Ok(VerifyResult::success(format!(
        "misbehave: fetched {} layer(s)",
        parsed.layers.len()
    ))
    .with_extensions(json!({ "bytes": total })))
}
