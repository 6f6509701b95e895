//! Verifying one Notary Project signature, in notation's order: policy, integrity, the
//! verification-plugin attribute, authenticity and trusted identity, expiry, authentic
//! timestamp, revocation, then the payload's target and user metadata.
//!
//! Each validation's outcome goes through the policy's action for it: `enforce` stops with a
//! failure, `log` records a warning (reported in `extensions.warnings`, worded like notation's
//! CLI warnings), `skip` ignores it. Integrity, the target descriptor and user metadata are
//! not subject to actions: they fail at every level, as in notation.

use ratify_plugin_sdk::verifier::VerifyRequest;
use ratify_plugin_sdk::wire::{Descriptor, VerifyResult, WireError, oci::ImageManifest};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::config::NotationConfig;
use crate::envelope::{self, Envelope, SigningScheme};
use crate::timestamp::Timestamp;
use crate::trustpolicy::{Action, LevelName, TrustPolicy, Validation};
use crate::x509::{self, Purpose};
use std::time::{Duration, Instant};
use validations::{authentic_timestamp, authenticity, revocation, rfc1123};

mod validations;

/// Ratify v1's success message.
pub const SUCCESS: &str = "Notation signature verification success";
/// The authenticity failure, in Ratify v1's words (notation-core-go ≤ 1.2) and notation's
/// current ones, so users searching for either find it.
pub const UNTRUSTED: &str = "signature is not produced by a trusted signer (the signature's certificate chain does not contain any trusted certificate)";

/// A validation that stopped verification.
struct Failure {
    validation: &'static str,
    reason: String,
}

/// Warnings from `log` actions, and the policy's level.
struct Checks<'a> {
    policy: &'a TrustPolicy,
    warnings: Vec<String>,
    /// The verified RFC 3161 timestamp, when one was used.
    timestamp: Option<Timestamp>,
}

impl Checks<'_> {
    /// Runs `check` unless the policy skips `validation` (as notation does: a skipped
    /// revocation check fetches nothing), and applies the policy's action to its outcome.
    fn apply(
        &mut self,
        validation: Validation,
        check: impl FnOnce(&mut Self) -> Result<(), String>,
    ) -> Result<(), Failure> {
        let action = self.policy.level.action(validation);
        if action == Action::Skip {
            return Ok(());
        }
        let Err(reason) = check(self) else {
            return Ok(());
        };
        match action {
            Action::Skip => Ok(()),
            Action::Log => {
                self.warnings.push(format!(
                    "{} was set to \"log\" and failed with error: {reason}",
                    name(validation)
                ));
                Ok(())
            }
            Action::Enforce => Err(Failure {
                validation: name(validation),
                reason,
            }),
        }
    }
}

fn name(validation: Validation) -> &'static str {
    match validation {
        Validation::Integrity => "integrity",
        Validation::Authenticity => "authenticity",
        Validation::AuthenticTimestamp => "authenticTimestamp",
        Validation::Expiry => "expiry",
        Validation::Revocation => "revocation",
    }
}

/// Verifies the signature manifest `request.referrer` of `request.subject`.
pub fn verify(
    config: &NotationConfig,
    request: VerifyRequest<'_>,
) -> Result<VerifyResult, WireError> {
    let scope = scope_of(&request.subject.reference, &config.layout_scope);
    let policy = match config.policy.policy_for(&scope) {
        Ok(policy) => policy,
        Err(e) => return Ok(failed("trust policy", e.to_string())),
    };
    if policy.level.name == LevelName::Skip {
        return Ok(VerifyResult::success(
            "Trust policy is configured to skip signature verification",
        )
        .with_extensions(json!({"trustPolicy": policy.name})));
    }
    let manifest = request.referrer_manifest()?;
    let manifest: ImageManifest = match serde_json::from_slice(&manifest.content.0) {
        Ok(manifest) => manifest,
        Err(e) => {
            return Ok(failed(
                "integrity",
                format!("the signature manifest is not an OCI image manifest: {e}"),
            ));
        }
    };
    let [layer] = manifest.layers.as_slice() else {
        return Ok(failed(
            "integrity",
            format!(
                "a signature manifest must have exactly one layer, found {}",
                manifest.layers.len()
            ),
        ));
    };
    let blob = request.host.read_layer(layer, config.max_signature_bytes)?;
    // Our own network calls (CRL, OCSP) end a little before the host stops waiting.
    let deadline = request
        .deadline
        .map(|d| d.checked_sub(Duration::from_millis(200)).unwrap_or(d))
        .unwrap_or_else(|| Instant::now() + DEFAULT_BUDGET);
    Ok(verify_envelope(
        config,
        policy,
        &request.subject.descriptor,
        &layer.media_type,
        &blob,
        deadline,
    ))
}

/// How long revocation checks may take when the host did not say (protocol 1.0 hosts).
const DEFAULT_BUDGET: Duration = Duration::from_secs(10);

/// Verifies one envelope (already fetched) against `subject` under `policy`: everything after
/// policy selection and fetching. Public for benchmarks and tests that work from bytes.
pub fn verify_envelope(
    config: &NotationConfig,
    policy: &TrustPolicy,
    subject: &Descriptor,
    media_type: &str,
    blob: &[u8],
    deadline: Instant,
) -> VerifyResult {
    let mut checks = Checks {
        policy,
        warnings: Vec::new(),
        timestamp: None,
    };
    match check(
        config,
        &mut checks,
        subject.clone(),
        media_type,
        blob,
        deadline,
    ) {
        Ok(envelope) => success(&checks, &envelope),
        Err(failure) => failed(failure.validation, failure.reason).with_extensions(json!({
            "trustPolicy": policy.name,
            "warnings": checks.warnings,
        })),
    }
}

fn check(
    config: &NotationConfig,
    checks: &mut Checks<'_>,
    subject: Descriptor,
    media_type: &str,
    blob: &[u8],
    deadline: Instant,
) -> Result<Envelope, Failure> {
    let integrity = |reason: String| Failure {
        validation: "integrity",
        reason,
    };
    // notation's integrity step, in its order: structure, signature, content, the
    // code-signing chain (structure only; time comes later), key/algorithm, payload type.
    let envelope = envelope::verify(media_type, blob, |e| {
        x509::validate_chain(&e.certificate_chain, Purpose::CodeSigning, None)
            .map_err(|e| e.to_string())
    })
    .map_err(|e| integrity(e.notation_message()))?;
    match envelope.verification_plugin_requirement() {
        Ok(None) => {}
        Ok(Some(plugin)) => {
            return Err(integrity(format!(
                "digital signature requires plugin {:?} with signature verification capabilities installed; Notation verification plugins are not supported by this verifier",
                plugin.name
            )));
        }
        Err(e) => return Err(integrity(e.notation_message())),
    }
    // The signature specification requires every critical attribute to be understood.
    let unknown = envelope.unprocessed_critical_attributes();
    if !unknown.is_empty() {
        return Err(integrity(format!(
            "the signature has critical attributes this verifier does not understand: {unknown:?}"
        )));
    }
    let Some(leaf) = envelope.certificate_chain.first() else {
        return Err(integrity("the signature carries no certificate".into()));
    };
    checks.apply(Validation::Authenticity, |checks| {
        authenticity(config, checks.policy, &envelope, leaf)
    })?;
    let now = OffsetDateTime::now_utc();
    checks.apply(Validation::Expiry, |_| match envelope.expiry {
        Some(expiry) if now >= expiry => Err(format!(
            "digital signature has expired on {:?}",
            rfc1123(expiry)
        )),
        _ => Ok(()),
    })?;
    checks.apply(Validation::AuthenticTimestamp, |checks| {
        checks.timestamp = authentic_timestamp(config, checks.policy, &envelope, now, deadline)?;
        Ok(())
    })?;
    checks.apply(Validation::Revocation, |_| {
        revocation(config, &envelope, deadline)
    })?;
    let payload = envelope.payload().map_err(|e| integrity(e.to_string()))?;
    let target = &payload.target_artifact;
    if target.digest != subject.digest
        || target.size != subject.size
        || target.media_type != subject.media_type
    {
        return Err(Failure {
            validation: "integrity",
            reason: format!(
                "content descriptor mismatch: the signature is for {} ({}, {} bytes), not the subject {} ({}, {} bytes)",
                target.digest,
                target.media_type,
                target.size,
                subject.digest,
                subject.media_type,
                subject.size
            ),
        });
    }
    for (key, value) in &config.user_metadata {
        if target.annotations.get(key) != Some(value) {
            return Err(Failure {
                validation: "userMetadata",
                reason: format!(
                    "unable to find specified metadata in the signature: {key}={value} is not present"
                ),
            });
        }
    }
    Ok(envelope)
}

/// The registry scope a subject is matched under: `registry/repository` as Ratify forms it,
/// or the configured scope for OCI layouts on disk.
pub fn scope_of(reference: &str, layout_scope: &str) -> String {
    let repository = reference.rsplit_once('@').map_or(reference, |(r, _)| r);
    let repository = match repository.rsplit_once(':') {
        Some((r, tag)) if !tag.contains('/') => r,
        _ => repository,
    };
    let (first, rest) = repository.split_once('/').unwrap_or(("", repository));
    let is_registry = first.contains(['.', ':']) || first == "localhost";
    let looks_like_path =
        repository.starts_with(['/', '.']) || std::path::Path::new(repository).exists();
    if looks_like_path || repository.is_empty() {
        return layout_scope.to_owned();
    }
    match (is_registry, rest.contains('/') || is_registry) {
        (true, _) => repository.to_owned(),
        (false, true) => format!("docker.io/{repository}"),
        (false, false) => format!("docker.io/library/{repository}"),
    }
}

fn failed(validation: &str, reason: String) -> VerifyResult {
    let mut result = VerifyResult::failure(format!("{validation} validation failed: {reason}"));
    result.error_reason = Some(reason);
    result
}

fn success(checks: &Checks<'_>, envelope: &Envelope) -> VerifyResult {
    let leaf = envelope
        .certificate_chain
        .first()
        .and_then(|der| x509::describe(der).ok());
    let mut extensions = json!({
        "trustPolicy": checks.policy.name,
        "signingScheme": match envelope.signing_scheme {
            SigningScheme::X509 => "notary.x509",
            SigningScheme::X509SigningAuthority => "notary.x509.signingAuthority",
        },
    });
    if let Some(leaf) = leaf {
        // Ratify v1 reports the leaf's issuer as Issuer and its subject as SN.
        extensions["Issuer"] = Value::String(leaf.issuer.clone());
        extensions["SN"] = Value::String(leaf.subject.clone());
        extensions["serialNumber"] = Value::String(leaf.serial.clone());
    }
    if let Some(at) = envelope.signing_time.or(envelope.authentic_signing_time) {
        extensions["signingTime"] = Value::String(rfc1123(at));
    }
    if let Some(timestamp) = &checks.timestamp {
        extensions["timestamp"] = json!({
            "genTime": rfc1123(timestamp.gen_time),
            "earliest": rfc1123(timestamp.earliest()),
            "latest": rfc1123(timestamp.latest()),
        });
    }
    if !checks.warnings.is_empty() {
        extensions["warnings"] = json!(checks.warnings);
    }
    VerifyResult::success(SUCCESS).with_extensions(extensions)
}
