//! `ratify-cosign`: verifies Sigstore/cosign signatures the way `cosign verify` does, offline:
//! cosign's simple-signing layers (the legacy `sha256-<digest>.sig` tag, or the same manifest
//! as an OCI 1.1 referrer) and Sigstore bundles stored as referrers (message signatures and
//! DSSE in-toto attestations).
//!
//! - [`keys`]: public keys and cosign's signature rules;
//! - [`trustroot`]: Sigstore's `trusted_root.json` (Fulcio CAs, Rekor and CT log keys);
//! - [`rekor`]: transparency-log evidence: signed entry timestamps, entry bodies, inclusion
//!   proofs and signed checkpoints;
//! - [`fulcio`]: certificate chains at the log's time, embedded SCTs, certificate identities;
//! - [`legacy`]: cosign's simple-signing layers and their annotations;
//! - [`bundle`]: Sigstore bundles v0.1–v0.3, DSSE envelopes and in-toto statements;
//! - [`config`], [`policy`]: Ratify's cosign verifier config and trust policies;
//! - [`reference`]: image references as Docker normalises them;
//! - [`signed_identity`]: containers/image's rules for the image a payload names;
//! - [`verify`]: one referrer (signature manifest or bundle) against one subject.

pub mod bundle;
pub mod config;
mod der;
pub mod fulcio;
pub mod keys;
pub mod legacy;
pub mod policy;
pub mod reference;
pub mod rekor;
pub mod signed_identity;
pub mod trustroot;
pub mod verify;

use ratify_plugin_sdk::PluginInfo;
use ratify_plugin_sdk::verifier::{Verifier, VerifyRequest};
use ratify_plugin_sdk::wire::{VerifyResult, WireError};
use serde_json::Value;

/// The artifact type of cosign signature manifests (legacy `.sig` tags, as ratify's registry
/// store presents them, and cosign's OCI 1.1 referrers).
pub const SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
/// The artifact type of Sigstore bundle v0.3 referrers.
pub const BUNDLE_ARTIFACT_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The media types of older bundles (v0.1, v0.2), which some tools use as artifact types.
pub const OLDER_BUNDLE_ARTIFACT_TYPES: [&str; 2] = [
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
];

/// The verifier.
pub struct CosignVerifier;

impl Verifier for CosignVerifier {
    type Config = config::CosignConfig;

    fn info(&self) -> PluginInfo {
        PluginInfo::new("cosign", env!("CARGO_PKG_VERSION")).artifact_types(
            [SIGNATURE_ARTIFACT_TYPE, BUNDLE_ARTIFACT_TYPE]
                .into_iter()
                .chain(OLDER_BUNDLE_ARTIFACT_TYPES),
        )
    }

    fn configure(&self, _name: &str, config: &Value) -> Result<config::CosignConfig, WireError> {
        config::CosignConfig::from_value(config)
    }

    fn verify(
        &self,
        config: &config::CosignConfig,
        request: VerifyRequest<'_>,
    ) -> Result<VerifyResult, WireError> {
        verify::verify(config, request)
    }
}
