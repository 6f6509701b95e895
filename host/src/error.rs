//! Host errors, split by who must act: the operator's config, a plugin, the store, the
//! artifact, or the command line. Each carries what a user needs to fix the cause.

use std::fmt;

use ratify_plugin_sdk::wire::{Fault, WireError};

/// Who is at fault for an error, and so who must act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The command line is wrong.
    Usage,
    /// config.json (or a plugin's config object) is wrong, or a plugin is missing.
    Config,
    /// A plugin crashed, hung, timed out or broke the protocol.
    Plugin,
    /// The store or registry failed, lied or was unreachable.
    Store,
    /// The artifact is malformed or too large.
    Artifact,
    /// The host itself failed (I/O on its own files, a bug).
    Host,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Usage => "usage",
            ErrorKind::Config => "config",
            ErrorKind::Plugin => "plugin",
            ErrorKind::Store => "store",
            ErrorKind::Artifact => "artifact",
            ErrorKind::Host => "host",
        })
    }
}

/// An error with its fault, a message naming the input and cause, and optional remediation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Who must act.
    pub kind: ErrorKind,
    /// What failed and why.
    pub message: String,
    /// How to fix it, when known.
    pub remediation: Option<String>,
}

/// The host's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            remediation: None,
        }
    }

    /// A config error.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// A plugin error.
    pub fn plugin(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Plugin, message)
    }

    /// A store error.
    pub fn store(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Store, message)
    }

    /// An artifact error.
    pub fn artifact(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Artifact, message)
    }

    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }

    /// A host error.
    pub fn host(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Host, message)
    }

    /// Adds remediation advice.
    pub fn with_remediation(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = Some(remediation.into());
        self
    }

    /// Prefixes the message with context (`"<context>: <message>"`).
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// Converts an error a plugin sent, keeping its fault and remediation. `plugin` names the
    /// plugin, so the operator knows where the error came from.
    pub fn from_wire(plugin: &str, error: WireError) -> Self {
        let kind = match error.fault {
            Fault::Config => ErrorKind::Config,
            Fault::Artifact => ErrorKind::Artifact,
            Fault::Store => ErrorKind::Store,
            Fault::Host => ErrorKind::Host,
            Fault::Plugin | Fault::Unknown => ErrorKind::Plugin,
            _ => ErrorKind::Plugin,
        };
        Self {
            kind,
            message: format!("plugin {plugin}: {} (code {})", error.message, error.code),
            remediation: error.remediation,
        }
    }

    /// The fault as it goes on the wire, for errors the host reports to a plugin.
    pub fn fault(&self) -> Fault {
        match self.kind {
            ErrorKind::Config | ErrorKind::Usage => Fault::Config,
            ErrorKind::Plugin => Fault::Plugin,
            ErrorKind::Store => Fault::Store,
            ErrorKind::Artifact => Fault::Artifact,
            ErrorKind::Host => Fault::Host,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} error: {}", self.kind, self.message)?;
        if let Some(remediation) = &self.remediation {
            write!(f, " (fix: {remediation})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
