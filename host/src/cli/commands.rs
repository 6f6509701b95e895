//! What each command does once parsed.

use std::future::Future;
use std::io::Write;

use tokio::time::Instant;

use super::{
    Command, EXIT_DENIED, EXIT_VERIFIED, Format, PluginCommand, ReferrerCommand, SubjectArgs,
};
use crate::config::{self, Config};
use crate::engine::{Engine, StoreChoice};
use crate::error::{Error, Result};

/// Runs one command; returns the exit code for a result, or an error (exit 2).
pub(super) async fn run(command: Command, log_level: Option<String>) -> Result<u8> {
    match command {
        Command::Verify {
            subject,
            artifact_types,
            output,
            ..
        } => {
            let engine = prepare(&subject, true, log_level)?;
            let verifying = engine.executor.verify(&subject.subject, &artifact_types);
            let outcome = with_plugins(&engine, verifying).await?;
            print(&match output {
                Format::Json => outcome.to_json() + "\n",
                Format::Text => outcome.to_text(),
            })?;
            Ok(if outcome.is_success {
                EXIT_VERIFIED
            } else {
                EXIT_DENIED
            })
        }
        Command::Discover {
            subject,
            artifact_types,
            flat,
            output,
            ..
        } => {
            let engine = prepare(&subject, false, log_level)?;
            let walking = super::discover::discover(&engine, &subject.subject, &artifact_types);
            let tree = with_plugins(&engine, walking).await??;
            print(&super::discover::render(&tree, flat, output))?;
            Ok(EXIT_VERIFIED)
        }
        Command::Resolve { subject, .. } => {
            let engine = prepare(&subject, false, log_level)?;
            let resolving = async {
                engine
                    .content
                    .resolve(&subject.subject, deadline(&engine))
                    .await
            };
            let descriptor = with_plugins(&engine, resolving).await??;
            print(&(to_pretty_json(&descriptor)? + "\n"))?;
            Ok(EXIT_VERIFIED)
        }
        Command::Referrer { what } => {
            let (subject, digest, manifest) = match what {
                ReferrerCommand::ShowManifest {
                    subject, digest, ..
                } => (subject, digest, true),
                ReferrerCommand::ShowBlob {
                    subject, digest, ..
                } => (subject, digest, false),
            };
            let engine = prepare(&subject, false, log_level)?;
            let showing = show(&engine, &subject.subject, &digest, manifest);
            let bytes = with_plugins(&engine, showing).await??;
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|e| Error::host(format!("cannot write to stdout: {e}")))?;
            Ok(EXIT_VERIFIED)
        }
        Command::Push(args) => super::push::run(args).await,
        Command::Version => {
            print(&format!(
                "ratify {} (plugin protocol {})\n",
                env!("CARGO_PKG_VERSION"),
                ratify_plugin_sdk::wire::PROTOCOL_VERSION
            ))?;
            Ok(EXIT_VERIFIED)
        }
        Command::Plugin {
            what: PluginCommand::List { config },
        } => {
            let mut config = config::load_default(config.as_deref())?;
            config.log_level = log_level;
            print(&super::plugins::list(&config).await)?;
            Ok(EXIT_VERIFIED)
        }
        Command::Plugin {
            what: PluginCommand::Check { path, config },
        } => {
            let report = crate::check::check(&path, config.as_deref()).await?;
            print(&report.to_text())?;
            Ok(if report.passed() {
                EXIT_VERIFIED
            } else {
                EXIT_DENIED
            })
        }
    }
}

fn prepare(
    subject: &SubjectArgs,
    with_verifiers: bool,
    log_level: Option<String>,
) -> Result<Engine> {
    let mut config: Config = config::load_default(subject.config.as_deref())?;
    config.log_level = log_level;
    let store = if subject.oci_layout {
        StoreChoice::OciLayout
    } else {
        StoreChoice::FromConfig
    };
    Engine::prepare(&config, store, with_verifiers)
}

fn deadline(engine: &Engine) -> Instant {
    Instant::now() + engine.executor.timeout()
}

async fn show(engine: &Engine, subject: &str, digest: &str, manifest: bool) -> Result<Vec<u8>> {
    let deadline = deadline(engine);
    if manifest {
        Ok(engine
            .content
            .manifest(subject, digest, deadline)
            .await?
            .content
            .0)
    } else {
        let blob = engine.content.blob(subject, digest, deadline).await?;
        std::fs::read(&blob.path)
            .map_err(|e| Error::host(format!("cannot read {}: {e}", blob.path)))
    }
}

/// Starts the engine's plugins, then runs `work`. On Ctrl-C at any point, even while plugins
/// are starting, it stops and fails; either way every plugin process is shut down and reaped
/// before this returns.
async fn with_plugins<T>(engine: &Engine, work: impl Future<Output = T>) -> Result<T> {
    let outcome = tokio::select! {
        outcome = async {
            engine.start().await?;
            Ok(work.await)
        } => outcome,
        _ = tokio::signal::ctrl_c() => Err(Error::usage("interrupted")),
    };
    engine.shutdown().await;
    outcome
}

fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Error::host(format!("cannot write to stdout: {e}")))
}

pub(super) fn to_pretty_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value).map_err(|e| Error::host(format!("cannot encode JSON: {e}")))
}
