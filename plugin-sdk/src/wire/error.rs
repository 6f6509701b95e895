//! Errors on the wire: a numeric code, a message for humans, and who is at fault.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Who must act to fix an error. Lets the host tell the operator whether to look at the plugin,
/// the registry, their configuration, or the artifact being verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Fault {
    /// The plugin failed or broke the protocol (a bug in the plugin).
    Plugin,
    /// The artifact being verified is malformed, unsupported or fails a check.
    Artifact,
    /// The configuration given to the plugin or host is wrong.
    Config,
    /// The referrer store or registry failed, lied or was unreachable.
    Store,
    /// The host failed or broke the protocol.
    Host,
    /// A fault this peer does not know (sent by a newer peer).
    #[serde(other)]
    Unknown,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fault::Plugin => "plugin",
            Fault::Artifact => "artifact",
            Fault::Config => "config",
            Fault::Store => "store",
            Fault::Host => "host",
            Fault::Unknown => "unknown",
        })
    }
}

/// Error codes from the table in `spec/PROTOCOL.md`. Codes are plain integers on the wire, so a
/// code this peer does not know is still carried and shown; only its range gives it meaning.
pub mod code {
    /// 100–199: protocol. The peer sent something the protocol does not allow.
    pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = 100;
    /// A line that is not a valid message.
    pub const MALFORMED_MESSAGE: i64 = 101;
    /// A request method the receiver does not implement.
    pub const UNKNOWN_METHOD: i64 = 102;
    /// A request sent before the handshake completed.
    pub const NOT_READY: i64 = 103;
    /// A `configId` that was never accepted by `configure`.
    pub const UNKNOWN_CONFIG: i64 = 104;
    /// Request parameters that do not match the method's schema.
    pub const INVALID_PARAMS: i64 = 105;
    /// A message line longer than the receiver's cap.
    pub const MESSAGE_TOO_LARGE: i64 = 106;

    /// 200–299: plugin. The plugin itself failed.
    pub const PLUGIN_INTERNAL: i64 = 200;
    /// A handler panicked or threw; the request failed, the plugin lives on.
    pub const PLUGIN_PANIC: i64 = 201;
    /// The plugin does not support the requested operation.
    pub const UNSUPPORTED_OPERATION: i64 = 202;

    /// 300–399: configuration.
    pub const INVALID_CONFIG: i64 = 300;

    /// 400–499: artifact. The artifact is malformed or fails a check.
    pub const INVALID_ARTIFACT: i64 = 400;
    /// The artifact's media type is not one this plugin handles.
    pub const UNSUPPORTED_MEDIA_TYPE: i64 = 401;
    /// The artifact is larger than a cap allows.
    pub const ARTIFACT_TOO_LARGE: i64 = 402;

    /// 500–599: store. Fetching or listing content failed.
    pub const NOT_FOUND: i64 = 500;
    /// The store could not be reached or failed.
    pub const STORE_UNAVAILABLE: i64 = 501;
    /// The store refused the credentials (or there were none).
    pub const UNAUTHORIZED: i64 = 502;
    /// Content did not match its digest.
    pub const DIGEST_MISMATCH: i64 = 503;
    /// Content is larger than the cap for its kind.
    pub const CONTENT_TOO_LARGE: i64 = 504;

    /// 600–699: host.
    pub const HOST_INTERNAL: i64 = 600;
    /// The request's deadline expired.
    pub const DEADLINE_EXCEEDED: i64 = 601;

    /// 1000–1999: free for plugins to define their own codes.
    pub const PLUGIN_DEFINED_FIRST: i64 = 1000;
    /// Last code of the plugin-defined range.
    pub const PLUGIN_DEFINED_LAST: i64 = 1999;
}

/// An error as carried in a response or an `error` message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireError {
    /// A code from [`code`] (or the plugin-defined range).
    pub code: i64,
    /// What went wrong, for a human, naming the input and the cause.
    pub message: String,
    /// Who must act to fix it.
    pub fault: Fault,
    /// What to do about it, when the sender knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
}

impl WireError {
    /// An error with no remediation.
    pub fn new(code: i64, fault: Fault, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fault,
            remediation: None,
        }
    }

    /// Adds advice on how to fix the cause.
    pub fn with_remediation(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = Some(remediation.into());
        self
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (code {}, {} fault)",
            self.message, self.code, self.fault
        )
    }
}

impl std::error::Error for WireError {}

/// Shorthands for the errors plugins return most.
impl WireError {
    /// The config object is invalid: `code::INVALID_CONFIG`, config fault.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(code::INVALID_CONFIG, Fault::Config, message)
    }

    /// The artifact is malformed or fails a check: `code::INVALID_ARTIFACT`, artifact fault.
    pub fn artifact(message: impl Into<String>) -> Self {
        Self::new(code::INVALID_ARTIFACT, Fault::Artifact, message)
    }

    /// Content was not found: `code::NOT_FOUND`, store fault.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(code::NOT_FOUND, Fault::Store, message)
    }

    /// The plugin itself failed: `code::PLUGIN_INTERNAL`, plugin fault.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(code::PLUGIN_INTERNAL, Fault::Plugin, message)
    }
}
