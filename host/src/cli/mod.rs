//! The command line: parsing, logging set-up, exit codes.
//!
//! Exit codes: 0 verified (or a read-only command succeeded), 1 verification denied,
//! 2 usage, config or system error. Results go to stdout, logs to stderr.

mod commands;
mod discover;
mod plugins;
mod push;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::error::Error;

/// Exit code for a verified subject.
pub const EXIT_VERIFIED: u8 = 0;
/// Exit code for a denied subject.
pub const EXIT_DENIED: u8 = 1;
/// Exit code for usage, config and system errors.
pub const EXIT_ERROR: u8 = 2;

/// Verify the signatures, SBOMs and reports attached to container images.
#[derive(Debug, Parser)]
#[command(name = "ratify", version, about)]
pub struct Cli {
    /// Log at debug level (also `RATIFY_LOG_LEVEL=debug`).
    #[arg(short = 'd', long)]
    debug: bool,
    #[command(subcommand)]
    command: Command,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Ratify v1's JSON result shape.
    Json,
    /// One line per referrer, for humans.
    Text,
}

/// Where the subject lives: options shared by every command that reads one.
#[derive(Debug, clap::Args)]
pub struct SubjectArgs {
    /// The subject: `registry/repo:tag`, `…@sha256:…`, or with --oci-layout `<dir>:<tag>` /
    /// `<dir>@<digest>`.
    #[arg(short = 's', long)]
    subject: String,
    /// The subject is an OCI image layout directory (or .tar) on disk.
    #[arg(long)]
    oci_layout: bool,
    /// config.json (default: `$RATIFY_CONFIG/config.json`, else `~/.ratify/config.json`).
    #[arg(short = 'c', long)]
    config: Option<PathBuf>,
}

/// `-d/--debug` for commands where `-d` is free.
#[derive(Debug, clap::Args)]
pub struct DebugArg {
    /// Log at debug level (also `RATIFY_LOG_LEVEL=debug`).
    #[arg(short = 'd', long = "debug")]
    debug: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decide whether a subject may run; exits 0 when verified, 1 when denied.
    Verify {
        #[command(flatten)]
        subject: SubjectArgs,
        /// Only consider referrers of this artifact type (repeatable).
        #[arg(short = 't', long = "artifact-type")]
        artifact_types: Vec<String>,
        /// Output format.
        #[arg(short = 'o', long, value_enum, default_value_t = Format::Json)]
        output: Format,
        #[command(flatten)]
        log: DebugArg,
    },
    /// Show the referrers attached to a subject, recursively.
    Discover {
        #[command(flatten)]
        subject: SubjectArgs,
        /// Only referrers of this artifact type (repeatable).
        #[arg(short = 't', long = "artifact-type")]
        artifact_types: Vec<String>,
        /// One line per referrer instead of a tree.
        #[arg(long)]
        flat: bool,
        /// Output format.
        #[arg(short = 'o', long, value_enum, default_value_t = Format::Text)]
        output: Format,
        #[command(flatten)]
        log: DebugArg,
    },
    /// Print a referrer's manifest or a blob.
    Referrer {
        #[command(subcommand)]
        what: ReferrerCommand,
    },
    /// Resolve a reference to its manifest descriptor.
    Resolve {
        #[command(flatten)]
        subject: SubjectArgs,
        #[command(flatten)]
        log: DebugArg,
    },
    /// Print the version and the plugin protocol version.
    Version,
    /// Inspect plugins.
    Plugin {
        #[command(subcommand)]
        what: PluginCommand,
    },
    /// Copy an OCI image layout, with its referrers, into a registry repository.
    Push(push::PushArgs),
}

impl Command {
    /// Whether the subcommand asked for debug logs.
    fn debug(&self) -> bool {
        match self {
            Command::Verify { log, .. }
            | Command::Discover { log, .. }
            | Command::Resolve { log, .. } => log.debug,
            Command::Referrer {
                what: ReferrerCommand::ShowManifest { debug, .. },
            }
            | Command::Referrer {
                what: ReferrerCommand::ShowBlob { debug, .. },
            } => *debug,
            Command::Push(args) => args.debug,
            Command::Version | Command::Plugin { .. } => false,
        }
    }
}

#[derive(Debug, Subcommand)]
enum ReferrerCommand {
    /// Print the manifest with the given digest, exactly as stored.
    ShowManifest {
        #[command(flatten)]
        subject: SubjectArgs,
        /// The manifest's digest.
        #[arg(short = 'd', long)]
        digest: String,
        /// Log at debug level.
        #[arg(long)]
        debug: bool,
    },
    /// Print the blob with the given digest, exactly as stored.
    ShowBlob {
        #[command(flatten)]
        subject: SubjectArgs,
        /// The blob's digest.
        #[arg(short = 'd', long)]
        digest: String,
        /// Log at debug level.
        #[arg(long)]
        debug: bool,
    },
}

#[derive(Debug, Subcommand)]
enum PluginCommand {
    /// List the plugins found, where, and the protocol version each speaks.
    List {
        /// config.json, for its `pluginBinDirs`.
        #[arg(short = 'c', long)]
        config: Option<PathBuf>,
    },
    /// Check any plugin executable against the protocol spec and its examples.
    Check {
        /// The plugin executable.
        path: PathBuf,
        /// A JSON file holding the config object to configure it with (default: the spec's
        /// example config).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_VERIFIED
            };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let level = init_logging(cli.debug || cli.command.debug());
    crate::tls::install_crypto_provider();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let outcome = runtime.block_on(commands::run(cli.command, level));
    // Plugin processes were shut down by the command; don't wait on stray tasks.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            report_error(&error);
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn report_error(error: &Error) {
    eprintln!("Error ({} fault): {}", error.kind, error.message);
    if let Some(remediation) = &error.remediation {
        eprintln!("  fix: {remediation}");
    }
}

/// Sets up logging to stderr; returns the level passed on to plugins.
fn init_logging(debug: bool) -> Option<String> {
    let from_env = std::env::var("RATIFY_LOG_LEVEL")
        .ok()
        .filter(|l| !l.is_empty());
    let level = if debug {
        Some("debug".to_owned())
    } else {
        from_env
    };
    let filter = tracing_subscriber::EnvFilter::try_new(level.as_deref().unwrap_or("warn"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
    level
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
