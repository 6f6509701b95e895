//! `ratify plugin check`: how a third party tests a plugin against the protocol.
//!
//! Runs the handshake, the spec's example requests and the protocol's edge cases (a request
//! before the hello, an unsupported version, unknown methods and config ids, shutdown, stdin
//! closing) against any executable, and reports each check.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ratify_plugin_sdk::wire::{
    BlobFile, ManifestContent, PluginKind, ReferrersPage, ResolveResult, VerifyResult, code, method,
};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;
use tokio::time::{Instant, timeout};

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::plugin::{CallError, HostServices, PluginProcess, ProcessSettings};

const CONFIGURE_EXAMPLE: &str = include_str!("../../spec/examples/h2p-configure-request.json");
const VERIFY_EXAMPLE: &str = include_str!("../../spec/examples/h2p-verify-request.json");
const RESOLVE_EXAMPLE: &str = include_str!("../../spec/examples/h2p-resolve-request.json");
const MANIFEST_EXAMPLE: &str = include_str!("../../spec/examples/h2p-get-manifest-response.json");
const SBOM_EXAMPLE: &[u8] = include_bytes!("../../spec/examples/example-sbom.spdx.json");
const STEP: Duration = Duration::from_secs(10);

/// The outcome of each check.
pub struct CheckReport {
    plugin: String,
    results: Vec<(&'static str, std::result::Result<String, String>)>,
}

impl CheckReport {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.results.iter().all(|(_, r)| r.is_ok())
    }

    /// One line per check.
    pub fn to_text(&self) -> String {
        let mut out = format!("plugin check: {}\n", self.plugin);
        for (name, result) in &self.results {
            match result {
                Ok(detail) => out.push_str(&format!("✓ {name}: {detail}\n")),
                Err(failure) => out.push_str(&format!("✗ {name}: {failure}\n")),
            }
        }
        let passed = self.results.iter().filter(|(_, r)| r.is_ok()).count();
        out.push_str(&format!("{passed}/{} checks passed\n", self.results.len()));
        out
    }
}

/// Runs every check against the executable at `path`.
pub async fn check(path: &Path, config_file: Option<&Path>) -> Result<CheckReport> {
    let config = match config_file {
        Some(file) => serde_json::from_str(
            &std::fs::read_to_string(file)
                .map_err(|e| Error::usage(format!("cannot read {}: {e}", file.display())))?,
        )
        .map_err(|e| Error::usage(format!("{} is not JSON: {e}", file.display())))?,
        None => example(CONFIGURE_EXAMPLE)?["params"]["config"].clone(),
    };
    let name = path
        .file_name()
        .map_or_else(|| "plugin".into(), |f| f.to_string_lossy().into_owned());
    let mut report = CheckReport {
        plugin: path.display().to_string(),
        results: Vec::new(),
    };
    let settings = ProcessSettings {
        max_line: 64 << 20,
        max_log_bytes: 1 << 20,
        env_passthrough: Vec::new(),
        log_level: None,
    };

    let process = match PluginProcess::start(&name, path, &settings, Instant::now() + STEP).await {
        Ok(process) => process,
        Err(error) => {
            report.results.push(("handshake", Err(error.to_string())));
            return Ok(report);
        }
    };
    let hello = process.hello.clone();
    let known_kind = matches!(hello.kind, PluginKind::Verifier | PluginKind::Store);
    report.results.push((
        "handshake",
        if known_kind && !hello.name.is_empty() && !hello.version.is_empty() {
            Ok(format!(
                "{} {} ({:?}), protocol {}, artifact types {:?}",
                hello.name,
                hello.version,
                hello.kind,
                hello.protocol_version,
                hello.capabilities.artifact_types
            ))
        } else {
            Err(format!(
                "hello lacks a known kind, a name or a version: {hello:?}"
            ))
        },
    ));
    let conn = &process.connection;
    let deadline = || Instant::now() + STEP;
    let configure = json!({"configId": "check-0", "name": "check", "config": config});
    let configured = match conn
        .call(method::CONFIGURE, configure, None, deadline())
        .await
    {
        Ok(_) => Ok("the example config was accepted".to_owned()),
        Err(CallError::Remote(e)) if e.code == code::INVALID_CONFIG => Ok(format!(
            "the config was rejected with a config error ({}); pass --config to check verify too",
            e.message
        )),
        Err(other) => Err(format!("configure failed: {other}")),
    };
    let accepted = configured
        .as_ref()
        .is_ok_and(|d| d.starts_with("the example config was accepted"));
    report.results.push(("configure", configured));
    report.results.push((
        "unknown method",
        expect_code(
            conn.call("conformance.noSuchMethod", json!({}), None, deadline())
                .await,
            code::UNKNOWN_METHOD,
        ),
    ));

    match hello.kind {
        PluginKind::Verifier => {
            let mut params = example(VERIFY_EXAMPLE)?["params"].clone();
            params["configId"] = json!("check-unknown");
            report.results.push((
                "unknown config id",
                expect_code(
                    conn.call(method::VERIFY, params.clone(), None, deadline())
                        .await,
                    code::UNKNOWN_CONFIG,
                ),
            ));
            if accepted {
                params["configId"] = json!("check-0");
                let services: Arc<dyn HostServices> = Arc::new(ExampleHost::new()?);
                let verified = conn
                    .call(method::VERIFY, params, Some(services), deadline())
                    .await;
                report
                    .results
                    .push(("verify example", well_formed::<VerifyResult>(verified)));
            }
        }
        PluginKind::Store if accepted => {
            let mut params = example(RESOLVE_EXAMPLE)?["params"].clone();
            params["configId"] = json!("check-0");
            let resolved = conn.call(method::RESOLVE, params, None, deadline()).await;
            report
                .results
                .push(("resolve example", well_formed::<ResolveResult>(resolved)));
        }
        _ => {}
    }
    conn.shutdown().await;
    let exited = timeout(Duration::from_secs(5), process.wait_exited())
        .await
        .is_ok();
    process.kill().await;
    report.results.push((
        "shutdown",
        if exited {
            Ok("exited after shutdown".into())
        } else {
            Err("still running 5 s after shutdown; killed".into())
        },
    ));
    report.results.extend(raw_checks(path).await);
    Ok(report)
}

fn example(text: &str) -> Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| Error::host(format!("a bundled spec example is not JSON: {e}")))
}

fn expect_code(
    outcome: std::result::Result<Value, CallError>,
    expected: i64,
) -> std::result::Result<String, String> {
    match outcome {
        Err(CallError::Remote(e)) if e.code == expected => {
            Ok(format!("error {expected} as the spec requires"))
        }
        Err(CallError::Remote(e)) => Err(format!(
            "expected error code {expected}, got {} ({})",
            e.code, e.message
        )),
        Ok(value) => Err(format!(
            "expected error code {expected}, got a result: {value}"
        )),
        Err(other) => Err(format!("expected error code {expected}: {other}")),
    }
}

fn well_formed<T: serde::de::DeserializeOwned>(
    outcome: std::result::Result<Value, CallError>,
) -> std::result::Result<String, String> {
    match outcome {
        Ok(value) => serde_json::from_value::<T>(value.clone())
            .map(|_| format!("well-formed result: {value}"))
            .map_err(|e| format!("the result does not match the protocol: {e}")),
        Err(CallError::Remote(e)) if !e.message.is_empty() => Ok(format!("well-formed error: {e}")),
        Err(other) => Err(other.to_string()),
    }
}

/// Serves the spec's example content to a verifier under check.
struct ExampleHost {
    dir: tempfile::TempDir,
    manifest: ManifestContent,
}

impl ExampleHost {
    fn new() -> Result<Self> {
        let response = example(MANIFEST_EXAMPLE)?;
        let manifest = serde_json::from_value(response["result"].clone())
            .map_err(|e| Error::host(format!("bad bundled manifest example: {e}")))?;
        let dir = tempfile::tempdir()
            .map_err(|e| Error::host(format!("cannot create a temp dir: {e}")))?;
        Ok(Self { dir, manifest })
    }
}

#[async_trait]
impl HostServices for ExampleHost {
    async fn get_manifest(&self, _digest: &str) -> Result<ManifestContent> {
        Ok(self.manifest.clone())
    }

    async fn get_blob(&self, digest: &str) -> Result<BlobFile> {
        let parsed = Digest::parse(digest).map_err(Error::plugin)?;
        if !parsed.matches(SBOM_EXAMPLE) {
            return Err(Error::store(format!(
                "blob {digest} is not in the example data"
            )));
        }
        let path = self.dir.path().join(parsed.hex());
        std::fs::write(&path, SBOM_EXAMPLE).map_err(|e| Error::host(e.to_string()))?;
        Ok(BlobFile {
            digest: digest.into(),
            size: SBOM_EXAMPLE.len() as u64,
            path: path.display().to_string(),
        })
    }

    async fn list_referrers(&self, _digest: &str, _types: &[String]) -> Result<ReferrersPage> {
        Ok(ReferrersPage::default())
    }
}

/// Checks that need the raw pipe: things the host library never sends.
async fn raw_checks(path: &Path) -> Vec<(&'static str, std::result::Result<String, String>)> {
    let hello = |versions: &[&str]| json!({"type":"hello","protocolVersions":versions,"host":{"name":"ratify-check","version":"0"}});
    let early = json!({"type":"request","id":41,"method":"configure","params":{"configId":"x","name":"x","config":{}}});
    let mut out = Vec::new();
    out.push((
        "request before hello",
        raw_exchange(path, &[early], |line| {
            line["type"] == "response"
                && line["id"] == 41
                && line["error"]["code"] == code::NOT_READY
        })
        .await,
    ));
    out.push((
        "unsupported version",
        raw_exchange(path, &[hello(&["99.0"])], |line| {
            line["type"] == "error"
                && line["error"]["code"] == code::UNSUPPORTED_PROTOCOL_VERSION
                && line["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("99.0"))
        })
        .await,
    ));
    out.push((
        "exits when stdin closes",
        raw_exchange(path, &[hello(&["1.0"])], |line| line["type"] == "hello")
            .await
            .map(|_| "answered hello, then exited on EOF".into()),
    ));
    out
}

/// Writes `lines`, expects an answer matching `accept`, closes stdin and expects an exit.
async fn raw_exchange(
    path: &Path,
    lines: &[Value],
    accept: impl Fn(&Value) -> bool,
) -> std::result::Result<String, String> {
    let mut child = Command::new(path)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("pipes were not created".into());
    };
    for line in lines {
        let _ = stdin.write_all(format!("{line}\n").as_bytes()).await;
    }
    let mut reader = BufReader::new(stdout).lines();
    let answer = timeout(STEP, reader.next_line()).await;
    drop(stdin);
    let exited = timeout(Duration::from_secs(5), child.wait()).await;
    if exited.is_err() {
        let _ = child.kill().await;
    }
    let answer = match answer {
        Ok(Ok(Some(line))) => line,
        Ok(_) => return Err("no answer before exiting".into()),
        Err(_) => return Err("no answer within 10 s".into()),
    };
    let parsed: Value = serde_json::from_str(&answer)
        .map_err(|_| format!("answered with a non-JSON line: {answer:.120}"))?;
    if !accept(&parsed) {
        return Err(format!("unexpected answer: {answer:.200}"));
    }
    if exited.is_err() {
        return Err("answered correctly but did not exit within 5 s of stdin closing".into());
    }
    Ok(format!("answered {answer:.120}"))
}
