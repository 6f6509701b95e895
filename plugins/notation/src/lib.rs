//! `ratify-notation`: verifies Notary Project signatures (artifact type
//! `application/vnd.cncf.notary.signature`) the way `notation verify` does, so a team signing
//! with Notation can switch to ratify with the same trust policy and trust store.
//!
//! - [`envelope`]: JWS and COSE_Sign1 envelopes, the signed attributes, and their integrity;
//! - [`crypto`]: signature primitives (ring; p521 for P-521);
//! - [`x509`]: trust stores on disk and certificate chain validation;
//! - [`trustpolicy`]: the trust policy document v1.0 (validation, scope matching, identities).

pub mod config;
pub mod crypto;
mod der;
pub mod envelope;
pub mod revocation;
pub mod timestamp;
pub mod trustpolicy;
pub mod verify;
pub mod x509;

use ratify_plugin_sdk::PluginInfo;
use ratify_plugin_sdk::verifier::{Verifier, VerifyRequest};
use ratify_plugin_sdk::wire::{VerifyResult, WireError};
use serde_json::Value;

/// The artifact type of Notary Project signatures.
pub const SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.cncf.notary.signature";

/// The verifier.
pub struct NotationVerifier;

impl Verifier for NotationVerifier {
    type Config = config::NotationConfig;

    fn info(&self) -> PluginInfo {
        PluginInfo::new("notation", env!("CARGO_PKG_VERSION"))
            .artifact_types([SIGNATURE_ARTIFACT_TYPE])
    }

    fn configure(&self, _name: &str, config: &Value) -> Result<config::NotationConfig, WireError> {
        config::NotationConfig::from_value(config)
    }

    fn verify(
        &self,
        config: &config::NotationConfig,
        request: VerifyRequest<'_>,
    ) -> Result<VerifyResult, WireError> {
        verify::verify(config, request)
    }
}
