//! Request methods and their parameter and result types.
//!
//! Host→plugin methods: [`method::CONFIGURE`] for every plugin, [`method::VERIFY`] for
//! verifiers, and the four store methods for stores. Plugin→host methods (a verifier asking
//! for content while it serves a `verify`): [`host_method`].

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::{Descriptor, Subject};

/// Host→plugin method names.
pub mod method {
    /// Validate a config object and keep it under an id ([`super::ConfigureParams`]).
    pub const CONFIGURE: &str = "configure";
    /// Verify one referrer of a subject ([`super::VerifyParams`] → [`super::VerifyResult`]).
    pub const VERIFY: &str = "verify";
    /// Store: reference → descriptor ([`super::ResolveParams`] → [`super::ResolveResult`]).
    pub const RESOLVE: &str = "resolve";
    /// Store: one page of a subject's referrers ([`super::ListReferrersParams`]).
    pub const LIST_REFERRERS: &str = "listReferrers";
    /// Store: a manifest's bytes ([`super::GetManifestParams`] → [`super::ManifestContent`]).
    pub const GET_MANIFEST: &str = "getManifest";
    /// Store: write a blob to a file the host names ([`super::GetBlobParams`]).
    pub const GET_BLOB: &str = "getBlob";
}

/// Plugin→host method names, valid only while the named `verify` request is in flight.
pub mod host_method {
    /// A manifest from the subject's repository ([`super::HostGetManifestParams`]).
    pub const GET_MANIFEST: &str = "getManifest";
    /// A blob, as a path to a read-only, digest-checked file ([`super::HostGetBlobParams`]).
    pub const GET_BLOB: &str = "getBlob";
    /// Referrers of any digest in the subject's repository ([`super::HostListReferrersParams`]).
    pub const LIST_REFERRERS: &str = "listReferrers";
}

/// `configure`: check a config object; on success the plugin keeps it under `configId`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigureParams {
    /// The id later requests use to refer to this config.
    pub config_id: String,
    /// The configured name (a verifier's `name`), for messages.
    pub name: String,
    /// The config object from config.json, passed through as written.
    #[serde(default)]
    pub config: Value,
}

/// `configure` result. Empty today; a newer plugin may add fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigureResult {}

/// `verify`: check one referrer of the subject under an accepted config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyParams {
    /// A `configId` accepted earlier by `configure`.
    pub config_id: String,
    /// The image being verified, already resolved.
    pub subject: Subject,
    /// The referrer to verify (a signature, an SBOM, …): its manifest's descriptor.
    pub referrer: Descriptor,
    /// The referrer's manifest, already fetched and checked by the host, so the plugin need
    /// not ask for it. Optional: a plugin must fall back to `getManifest` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer_manifest: Option<ManifestContent>,
    /// Milliseconds left before the host gives up on this request (protocol 1.1). Work with
    /// its own network calls (revocation checks) must finish within it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// A verifier's verdict on one referrer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyResult {
    /// Whether the referrer passed.
    pub is_success: bool,
    /// What was found, for a human.
    pub message: String,
    /// A machine-readable reason for a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_reason: Option<String>,
    /// What the user can do about a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// Free-form details for policies and tooling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Value>,
}

impl VerifyResult {
    /// A passing result.
    pub fn success(message: impl Into<String>) -> Self {
        Self {
            is_success: true,
            message: message.into(),
            error_reason: None,
            remediation: None,
            extensions: None,
        }
    }

    /// A failing result.
    pub fn failure(message: impl Into<String>) -> Self {
        Self {
            is_success: false,
            ..Self::success(message)
        }
    }

    /// Attaches extensions.
    pub fn with_extensions(mut self, extensions: Value) -> Self {
        self.extensions = Some(extensions);
        self
    }
}

/// `resolve`: turn a reference into a descriptor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolveParams {
    /// A `configId` accepted earlier by `configure`.
    pub config_id: String,
    /// The reference to resolve.
    pub reference: String,
}

/// `resolve` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolveResult {
    /// The manifest the reference points at.
    pub descriptor: Descriptor,
}

/// `listReferrers` (host→store): one page of the referrers of `subject`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListReferrersParams {
    /// A `configId` accepted earlier by `configure`.
    pub config_id: String,
    /// Whose referrers to list.
    pub subject: Subject,
    /// Only referrers of these artifact types; empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifact_types: Vec<String>,
    /// Where to continue, from the previous page's `nextPageToken`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
}

/// A page of referrers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferrersPage {
    /// Referrer manifest descriptors, with `artifactType` set.
    pub referrers: Vec<Descriptor>,
    /// Present when there are more pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// `getManifest` (host→store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetManifestParams {
    /// A `configId` accepted earlier by `configure`.
    pub config_id: String,
    /// The subject reference, naming the repository to read from.
    pub reference: String,
    /// The manifest's digest.
    pub digest: String,
}

/// A manifest's exact bytes and media type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestContent {
    /// The manifest's media type.
    pub media_type: String,
    /// The manifest bytes, exactly as stored (base64 on the wire).
    pub content: Base64Bytes,
}

/// `getBlob` (host→store): write the blob's bytes to `destination`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetBlobParams {
    /// A `configId` accepted earlier by `configure`.
    pub config_id: String,
    /// The subject reference, naming the repository to read from.
    pub reference: String,
    /// The blob's digest.
    pub digest: String,
    /// A path the store creates and writes the blob to; the host checks the digest after.
    pub destination: String,
    /// Stop and fail beyond this many bytes.
    pub max_bytes: u64,
}

/// `getBlob` (host→store) result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobWritten {
    /// Bytes written.
    pub size: u64,
}

/// `getManifest` (plugin→host): a manifest from the subject's repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostGetManifestParams {
    /// The id of the `verify` request being served.
    pub context: u64,
    /// The manifest's digest.
    pub digest: String,
}

/// `getBlob` (plugin→host).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostGetBlobParams {
    /// The id of the `verify` request being served.
    pub context: u64,
    /// The blob's digest.
    pub digest: String,
}

/// A blob the host fetched, checked against its digest and stored read-only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobFile {
    /// The blob's digest.
    pub digest: String,
    /// Its size in bytes.
    pub size: u64,
    /// Absolute path of a read-only file holding exactly those bytes.
    pub path: String,
}

/// `listReferrers` (plugin→host): referrers of a digest in the subject's repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostListReferrersParams {
    /// The id of the `verify` request being served.
    pub context: u64,
    /// Whose referrers to list.
    pub digest: String,
    /// Only referrers of these artifact types; empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifact_types: Vec<String>,
}

/// Bytes carried as standard base64 (with padding) in JSON.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Base64Bytes(pub Vec<u8>);

impl std::fmt::Debug for Base64Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Base64Bytes({} bytes)", self.0.len())
    }
}

impl Serialize for Base64Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Base64Bytes)
            .map_err(|e| serde::de::Error::custom(format!("invalid base64: {e}")))
    }
}

/// Annotation map type used by the OCI types.
pub type Annotations = BTreeMap<String, String>;
