//! One referrer of a subject, verified as `cosign verify` would: a cosign signature manifest
//! (every simple-signing layer is checked and reported; one valid layer suffices, as in
//! cosign) or a Sigstore bundle (message signature or DSSE attestation).
//!
//! The subject's policy comes from its reference. Every check runs offline: the log's
//! evidence must travel with the signature. Whatever cannot be checked fails; no error is
//! ever reported as a success.

mod bundle;
mod certificate;
mod evidence;
mod layers;
mod predicates;
mod report;

use ratify_plugin_sdk::verifier::VerifyRequest;
use ratify_plugin_sdk::wire::oci::ImageManifest;
use ratify_plugin_sdk::wire::{Descriptor, VerifyResult, WireError};

use crate::config::{CosignConfig, TrustPolicy};
pub use predicates::AttestationMemory;
pub use report::{Check, KeyInfo, Outcome};

/// The image being verified: the reference it was asked for and the digest it resolved to.
pub(crate) struct Subject<'a> {
    reference: &'a str,
    descriptor: &'a Descriptor,
}

/// Media types of Sigstore bundle layers start with this.
const BUNDLE_MEDIA_PREFIX: &str = "application/vnd.dev.sigstore.bundle";

/// Verifies the referrer `request.referrer` of `request.subject`.
pub fn verify(
    config: &CosignConfig,
    request: VerifyRequest<'_>,
) -> Result<VerifyResult, WireError> {
    let policy = match config.policy_for(&request.subject.reference) {
        Ok(policy) => policy,
        Err(reason) => return Ok(report::failed(reason, None)),
    };
    let manifest = request.referrer_manifest()?;
    let manifest: ImageManifest = match serde_json::from_slice(&manifest.content.0) {
        Ok(manifest) => manifest,
        Err(e) => {
            return Ok(report::failed(
                format!("The artifact metadata is not an OCI image: {e}"),
                Some(policy),
            ));
        }
    };
    let subject = &request.subject.descriptor;
    let named = Subject {
        reference: &request.subject.reference,
        descriptor: subject,
    };
    let now = unix_now();
    let outcomes = if let Some(layer) = bundle_layer(&manifest) {
        let bytes = request.host.read_layer(layer, config.max_layer_bytes)?;
        vec![bundle::verify(policy, layer, &bytes, subject, now)]
    } else {
        if manifest.layers.len() > config.max_signatures {
            return Ok(report::failed(
                format!(
                    "the signature manifest has {} layers, more than the {} this verifier evaluates (maxSignatures)",
                    manifest.layers.len(),
                    config.max_signatures
                ),
                Some(policy),
            ));
        }
        if manifest.layers.is_empty() {
            return Ok(report::failed(
                "the signature manifest has no layers".into(),
                Some(policy),
            ));
        }
        let mut outcomes = Vec::with_capacity(manifest.layers.len());
        for layer in &manifest.layers {
            let payload = request.host.read_layer(layer, config.max_layer_bytes)?;
            outcomes.push(layers::verify(policy, layer, payload, &named, now));
        }
        outcomes
    };
    let missing = predicates::missing(config, policy, &request, &outcomes, now)?;
    Ok(report::result(policy, &outcomes, &missing))
}

/// Verifies one cosign simple-signing layer (its bytes: `payload`) of a signature for the
/// subject `reference` / `subject`, as of unix time `now`, without `requiredPredicateTypes`
/// (which need the subject's other referrers). For tests and benchmarks that hold a layer
/// rather than a registry.
pub fn verify_layer(
    config: &CosignConfig,
    reference: &str,
    layer: &Descriptor,
    payload: Vec<u8>,
    subject: &Descriptor,
    now: i64,
) -> VerifyResult {
    let named = Subject {
        reference,
        descriptor: subject,
    };
    verify_one(config, reference, |policy| {
        layers::verify(policy, layer, payload, &named, now)
    })
}

/// As [`verify_layer`], for a Sigstore bundle layer.
pub fn verify_bundle(
    config: &CosignConfig,
    reference: &str,
    layer: &Descriptor,
    bytes: &[u8],
    subject: &Descriptor,
    now: i64,
) -> VerifyResult {
    verify_one(config, reference, |policy| {
        bundle::verify(policy, layer, bytes, subject, now)
    })
}

/// The report on the one signature `check` verifies under `reference`'s policy.
fn verify_one(
    config: &CosignConfig,
    reference: &str,
    check: impl FnOnce(&TrustPolicy) -> Outcome,
) -> VerifyResult {
    match config.policy_for(reference) {
        Ok(policy) => report::result(policy, &[check(policy)], &[]),
        Err(reason) => report::failed(reason, None),
    }
}

/// The bundle layer of a Sigstore bundle manifest (exactly one layer of a bundle media type).
pub(crate) fn bundle_layer(manifest: &ImageManifest) -> Option<&Descriptor> {
    match manifest.layers.as_slice() {
        [layer] if layer.media_type.starts_with(BUNDLE_MEDIA_PREFIX) => Some(layer),
        _ => None,
    }
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
