//! `ratify-sbom`: a verifier plugin that checks SPDX 2.x and CycloneDX 1.x JSON SBOMs against
//! license and package deny lists, compatible with Ratify v1's `sbom` verifier.
//!
//! For each referrer it fetches the manifest, picks the SBOM layers (by layer media type, else
//! by the referrer's artifact type), reads each through the host, and fails the referrer if any
//! layer breaks a deny list. Messages, extension keys and the license matching rule are Ratify's,
//! so existing policies and tooling read the results unchanged.
//!
//! Outcomes are split the way the plugin protocol intends: a bad artifact (unparseable manifest,
//! no SBOM layer, malformed or oversized SBOM, violations) is a failing `VerifyResult`; a failed
//! host call is an `Err`, because nothing was learned about the artifact.

pub mod config;
pub mod cyclonedx;
pub mod document;
pub mod report;
pub mod spdx;
pub mod violations;

use ratify_plugin_sdk::PluginInfo;
use ratify_plugin_sdk::verifier::{Verifier, VerifyRequest};
use ratify_plugin_sdk::wire::oci::{self, ImageManifest};
use ratify_plugin_sdk::wire::{Descriptor, VerifyResult, WireError};

pub use config::{PackageRule, SbomConfig};
pub use document::{CYCLONEDX_MEDIA_TYPE, Package, SPDX_MEDIA_TYPE, SbomDocument, SbomFormat};
pub use report::LayerReport;

/// The plugin. Stateless: everything per-verifier lives in its [`SbomConfig`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SbomVerifier;

impl Verifier for SbomVerifier {
    type Config = SbomConfig;

    fn info(&self) -> PluginInfo {
        PluginInfo::new("sbom", env!("CARGO_PKG_VERSION"))
            .artifact_types([SPDX_MEDIA_TYPE, CYCLONEDX_MEDIA_TYPE])
    }

    fn configure(&self, _name: &str, config: &serde_json::Value) -> Result<SbomConfig, WireError> {
        SbomConfig::from_value(config)
    }

    fn verify(
        &self,
        config: &SbomConfig,
        request: VerifyRequest<'_>,
    ) -> Result<VerifyResult, WireError> {
        let referrer = &request.referrer.digest;
        let content = request.referrer_manifest()?;
        let manifest: ImageManifest = match serde_json::from_slice(&content.content.0) {
            Ok(manifest) => manifest,
            Err(e) => {
                return Ok(report::rejected(
                    format!("Referrer manifest {referrer} is not an OCI image manifest: {e}"),
                    format!("invalid referrer manifest: {e}"),
                    report::MALFORMED_REMEDIATION,
                ));
            }
        };
        let artifact_type = request
            .referrer
            .artifact_type
            .as_deref()
            .unwrap_or_else(|| manifest.effective_artifact_type());
        let layers = sbom_layers(&manifest, artifact_type);
        if layers.is_empty() {
            return Ok(no_sbom_layer(referrer, &manifest, artifact_type));
        }
        let mut checked = Vec::with_capacity(layers.len());
        for (layer, format) in layers {
            // The descriptor's size is checked first so an oversized SBOM is refused before
            // the host fetches it; read_layer enforces the same cap on what actually arrives and
            // that the blob is the size the manifest declares.
            if layer.size > config.max_blob_bytes {
                return Ok(report::rejected(
                    format!(
                        "SBOM layer {} is {} bytes, over the maxBlobBytes cap of {}",
                        layer.digest, layer.size, config.max_blob_bytes
                    ),
                    "SBOM layer too large".to_owned(),
                    "Raise maxBlobBytes in the verifier's config if SBOMs this large are expected.",
                ));
            }
            let bytes = request.host.read_layer(layer, config.max_blob_bytes)?;
            match check_layer(config, format, &layer.digest, &bytes) {
                Ok(report) => checked.push(report),
                // The first unreadable layer decides: the referrer cannot pass either way, and
                // its cause is the actionable part.
                Err(rejected) => return Ok(rejected),
            }
        }
        Ok(report::verdict(&checked))
    }
}

/// Checks one SBOM blob as a referrer with that single layer would be checked: the Ratify
/// result for it, or a failing result naming `digest` when the blob is not a readable SBOM.
pub fn verify_blob(
    config: &SbomConfig,
    format: SbomFormat,
    digest: &str,
    bytes: &[u8],
) -> VerifyResult {
    match check_layer(config, format, digest, bytes) {
        Ok(layer) => report::verdict(&[layer]),
        Err(rejected) => rejected,
    }
}

/// Parses and checks one layer; `Err` is the failing result for an unreadable layer.
fn check_layer(
    config: &SbomConfig,
    format: SbomFormat,
    digest: &str,
    bytes: &[u8],
) -> Result<LayerReport, VerifyResult> {
    let document = format.parse(bytes).map_err(|cause| {
        report::rejected(
            format!(
                "SBOM layer {digest} cannot be read as {}: {cause}",
                format.name()
            ),
            format!("invalid {} SBOM: {cause}", format.name()),
            report::MALFORMED_REMEDIATION,
        )
    })?;
    Ok(LayerReport {
        digest: digest.to_owned(),
        format,
        violations: violations::find(&document.packages, config),
        creation_info: document.creation_info,
    })
}

/// The layers to check and the format of each. A layer's own media type wins; any other layer
/// takes the referrer's artifact type, because `oras attach` and similar tools often give SBOM
/// layers a generic media type and put the SBOM type in `artifactType` only (which is the only
/// thing Ratify v1 looked at). The OCI empty descriptor (`{}`) is a placeholder, never an SBOM.
fn sbom_layers<'a>(
    manifest: &'a ImageManifest,
    artifact_type: &str,
) -> Vec<(&'a Descriptor, SbomFormat)> {
    let fallback = SbomFormat::from_media_type(artifact_type);
    manifest
        .layers
        .iter()
        .filter_map(|layer| {
            let own = SbomFormat::from_media_type(&layer.media_type);
            let format = match own {
                None if layer.media_type == oci::EMPTY_CONFIG => None,
                None => fallback,
                some => some,
            }?;
            Some((layer, format))
        })
        .collect()
}

fn no_sbom_layer(referrer: &str, manifest: &ImageManifest, artifact_type: &str) -> VerifyResult {
    let why = if manifest.layers.is_empty() {
        "it has no layers".to_owned()
    } else {
        let types: Vec<&str> = manifest
            .layers
            .iter()
            .map(|l| l.media_type.as_str())
            .collect();
        format!(
            "none of its layers ({}) is SPDX or CycloneDX JSON, and its artifact type {artifact_type:?} names neither",
            types.join(", ")
        )
    };
    report::rejected(
        format!("Referrer {referrer} has no SBOM layer: {why}"),
        format!("no SBOM layer: {why}"),
        report::MALFORMED_REMEDIATION,
    )
}
