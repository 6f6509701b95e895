//! `ratify push`: the command-line face of [`crate::push`].

use std::io::Write;

use clap::ValueEnum;

use crate::error::{Error, Result};
use crate::push::{self, Connection, Options, TagSchema};

/// Arguments of `ratify push`.
#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// The OCI layout directory or .tar: `<layout>` (everything in index.json, tags kept),
    /// `<layout>:<tag>` or `<layout>@<digest>` (that manifest and its referrers).
    source: String,
    /// The repository to push into: `<registry>/<repository>`.
    target: String,
    /// Use plain HTTP (loopback registries always use it).
    #[arg(long)]
    plain_http: bool,
    /// Username for basic authentication (or for the token service).
    #[arg(short = 'u', long, requires = "password")]
    username: Option<String>,
    /// Password for --username (prefer the environment variable: a flag shows in `ps`).
    /// Ignored without --username, so an exported variable does not break anonymous pushes.
    #[arg(
        short = 'p',
        long,
        env = "RATIFY_PUSH_PASSWORD",
        hide_env_values = true
    )]
    password: Option<String>,
    /// When to write OCI 1.1 referrers tags (`<alg>-<hex>`): auto = when the registry does
    /// not serve the referrers API.
    #[arg(long, value_enum, default_value_t = SchemaArg::Auto)]
    referrers_tag_schema: SchemaArg,
    /// Log at debug level (also `RATIFY_LOG_LEVEL=debug`).
    #[arg(short = 'd', long = "debug")]
    pub(super) debug: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SchemaArg {
    Auto,
    Always,
    Never,
}

/// Runs the push and prints one line per manifest, then a summary; exit 0, or an error.
pub(super) async fn run(args: PushArgs) -> Result<u8> {
    let options = Options {
        source: args.source,
        target: args.target,
        connection: Connection {
            plain_http: args.plain_http,
            credentials: args.username.zip(args.password),
        },
        tag_schema: match args.referrers_tag_schema {
            SchemaArg::Auto => TagSchema::Auto,
            SchemaArg::Always => TagSchema::Always,
            SchemaArg::Never => TagSchema::Never,
        },
    };
    let mut stdout = std::io::stdout();
    let mut write_failed = None;
    let mut out = |line: String| {
        if let Err(e) = writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
            write_failed.get_or_insert(e);
        }
    };
    let pushing = push::push(&options, &mut out);
    let report = tokio::select! {
        report = pushing => report?,
        _ = tokio::signal::ctrl_c() => return Err(Error::usage("interrupted")),
    };
    out(report.summary());
    if let Some(e) = write_failed {
        return Err(Error::host(format!("cannot write to stdout: {e}")));
    }
    if report.problems.is_empty() {
        Ok(super::EXIT_VERIFIED)
    } else {
        Err(
            Error::artifact(report.problems.join("\n  ")).with_remediation(
                "push the missing content into the repository first, or push a complete layout",
            ),
        )
    }
}
