//! The message envelope: one JSON object per line, told apart by its `type` field.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::WireError;

/// A message the host writes to the plugin's stdin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum HostMessage {
    /// First message on every connection: the versions the host speaks.
    Hello(HostHello),
    /// A host→plugin request (`configure`, `verify`, `resolve`, …).
    Request(Request),
    /// The answer to a plugin→host request (`getManifest`, `getBlob`, `listReferrers`).
    Response(Response),
    /// The host is done; the plugin should exit promptly.
    Shutdown,
    /// A message type this peer does not know; ignored.
    #[serde(other)]
    Unknown,
}

/// A message the plugin writes to its stdout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum PluginMessage {
    /// The plugin's answer to the host's hello.
    Hello(PluginHello),
    /// A plugin→host request, made while serving a `verify`.
    Request(Request),
    /// The answer to a host→plugin request.
    Response(Response),
    /// An error not tied to a request (a failed handshake, an unparseable line).
    Error(ErrorMessage),
    /// A message type this peer does not know; ignored.
    #[serde(other)]
    Unknown,
}

/// The host's hello.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostHello {
    /// Every protocol version the host speaks, as `MAJOR.MINOR` strings.
    pub protocol_versions: Vec<String>,
    /// Who the host is, for logs.
    pub host: HostInfo,
    /// Optional host features, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

/// Identifies the host software.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostInfo {
    /// Host program name.
    pub name: String,
    /// Host program version.
    pub version: String,
}

/// The plugin's hello: who it is and what it can do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginHello {
    /// The protocol version the plugin will speak on this connection.
    pub protocol_version: String,
    /// The plugin's name (for logs and reports).
    pub name: String,
    /// Whether this is a verifier or a store.
    pub kind: PluginKind,
    /// The plugin's own version (not the protocol's).
    pub version: String,
    /// What the plugin can do.
    #[serde(default)]
    pub capabilities: PluginCapabilities,
}

/// The two kinds of plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum PluginKind {
    /// Verifies referrers (`configure`, `verify`).
    Verifier,
    /// Serves content (`configure`, `resolve`, `listReferrers`, `getManifest`, `getBlob`).
    Store,
    /// A kind this peer does not know.
    #[serde(other)]
    Unknown,
}

/// What a plugin announces it can do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginCapabilities {
    /// For a verifier: the artifact types it can verify (`*` for any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifact_types: Vec<String>,
    /// Optional protocol features, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

/// A request, in either direction. Ids are chosen by the sender and unique among its
/// outstanding requests; the two directions have separate id spaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// Matches the response to the request.
    pub id: u64,
    /// What to do; see the method table in the spec.
    pub method: String,
    /// The method's parameters.
    #[serde(default)]
    pub params: Value,
}

/// A response, in either direction: exactly one of `result` and `error` is present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// The id of the request this answers.
    pub id: u64,
    /// The method's result, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The failure, otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireError>,
}

impl Response {
    /// A successful response.
    pub fn ok(id: u64, result: Value) -> Self {
        Self {
            id,
            result: Some(result),
            error: None,
        }
    }

    /// A failed response.
    pub fn err(id: u64, error: WireError) -> Self {
        Self {
            id,
            result: None,
            error: Some(error),
        }
    }

    /// The outcome as a `Result`; a response with neither field (or both) is malformed.
    pub fn into_result(self) -> Result<Value, WireError> {
        match (self.result, self.error) {
            (_, Some(error)) => Err(error),
            (Some(result), None) => Ok(result),
            (None, None) => Err(WireError::new(
                super::code::MALFORMED_MESSAGE,
                super::Fault::Unknown,
                "response has neither `result` nor `error`",
            )),
        }
    }
}

/// An error not tied to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorMessage {
    /// What went wrong.
    pub error: WireError,
}
