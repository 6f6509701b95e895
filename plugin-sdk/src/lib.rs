//! Write plugins for `ratify`, the container image verification engine.
//!
//! A plugin is an executable named `ratify-<name>` that the host starts and talks to over
//! stdin/stdout, one JSON message per line (`spec/PROTOCOL.md` is the normative description;
//! plugins can be written in any language from it alone). This crate is for Rust plugin
//! authors:
//!
//! - [`wire`]: every message and type on the pipe, as plain serde data (the host uses these
//!   same types, so the two cannot drift);
//! - [`verifier::Verifier`] and [`store::Store`]: the traits a plugin implements;
//! - [`verifier::run`] and [`store::run`]: a plugin's whole `main`, which handles the
//!   handshake, concurrent requests, panics (a panicking request fails alone) and guards stdout
//!   so a stray `println!` cannot corrupt the protocol;
//! - `run_with_io` variants that take injected streams, so tests spawn nothing.
//!
//! # A complete verifier
//!
//! This verifier passes any referrer whose manifest has at least one layer, and rejects a
//! config that is not an object.
//!
//! ```no_run
//! use ratify_plugin_sdk::verifier::{self, Verifier, VerifyRequest};
//! use ratify_plugin_sdk::wire::{oci::ImageManifest, VerifyResult, WireError};
//! use ratify_plugin_sdk::PluginInfo;
//!
//! struct HasLayers;
//!
//! impl Verifier for HasLayers {
//!     type Config = ();
//!
//!     fn info(&self) -> PluginInfo {
//!         PluginInfo::new("has-layers", "0.1.0").artifact_types(["*"])
//!     }
//!
//!     fn configure(&self, _name: &str, config: &serde_json::Value) -> Result<(), WireError> {
//!         if config.is_object() { Ok(()) } else { Err(WireError::config("config must be an object")) }
//!     }
//!
//!     fn verify(&self, _config: &(), request: VerifyRequest<'_>) -> Result<VerifyResult, WireError> {
//!         let manifest = request.referrer_manifest()?;
//!         let manifest: ImageManifest = serde_json::from_slice(&manifest.content.0)
//!             .map_err(|e| WireError::artifact(format!("referrer manifest is not OCI: {e}")))?;
//!         Ok(if manifest.layers.is_empty() {
//!             VerifyResult::failure("the referrer has no layers")
//!         } else {
//!             VerifyResult::success(format!("{} layer(s)", manifest.layers.len()))
//!         })
//!     }
//! }
//!
//! fn main() {
//!     verifier::run(HasLayers)
//! }
//! ```

#![warn(missing_docs)]

pub mod store;
pub mod verifier;
pub mod wire;

mod runtime;

pub use runtime::{Ending, Host};
/// The error type plugin methods return: a code, a message and who is at fault.
pub use wire::WireError as PluginError;

use wire::{PluginCapabilities, PluginHello, PluginKind, ProtocolVersion};

/// What a plugin says about itself in the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginInfo {
    /// The plugin's name.
    pub name: String,
    /// The plugin's own version.
    pub version: String,
    /// For a verifier: artifact types handled (`*` for any).
    pub artifact_types: Vec<String>,
    /// Optional protocol features.
    pub features: Vec<String>,
}

impl PluginInfo {
    /// Info with a name and version and no capabilities.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            artifact_types: Vec::new(),
            features: Vec::new(),
        }
    }

    /// Sets the artifact types a verifier handles.
    pub fn artifact_types<I: IntoIterator<Item = S>, S: Into<String>>(mut self, types: I) -> Self {
        self.artifact_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// Sets optional features.
    pub fn features<I: IntoIterator<Item = S>, S: Into<String>>(mut self, features: I) -> Self {
        self.features = features.into_iter().map(Into::into).collect();
        self
    }

    pub(crate) fn hello(self, kind: PluginKind, version: ProtocolVersion) -> PluginHello {
        PluginHello {
            protocol_version: version.to_string(),
            name: self.name,
            kind,
            version: self.version,
            capabilities: PluginCapabilities {
                artifact_types: self.artifact_types,
                features: self.features,
            },
        }
    }
}
