//! Verifying a subject: resolve once, list referrers, run every matching verifier (and nested
//! verification), fold the reports through the policy.
//!
//! Every failure becomes a failing report that says what failed and why; nothing here turns an
//! error into an allow.

mod binding;
pub mod policy;
mod runtime;
mod services;

use std::sync::Arc;

use futures::stream::{self, StreamExt};
use ratify_plugin_sdk::wire::{Descriptor, ManifestContent, Subject, VerifyParams, VerifyResult};
use tokio::time::Instant;

use crate::config::{ExecutorSettings, PolicyConfig, VerifierConfig};
use crate::error::Error;
use crate::report::{Outcome, VerifierReport};
use crate::store::{Content, reference};
pub use binding::COSIGN_TAG_SIGNATURE;
pub use runtime::VerifierRuntime;
use services::VerifyServices;

/// How much earlier than a verify call's deadline the host's fetches for it give up.
const SERVICE_GRACE: std::time::Duration = std::time::Duration::from_millis(250);

/// The message Ratify users know for a subject with nothing attached.
pub const NO_REFERRERS: &str = "verification failed: no referrers found for this artifact";

/// A configured verifier bound to its plugin's processes.
pub struct BoundVerifier {
    /// The verifier's config entry.
    pub config: VerifierConfig,
    /// What runs it (its plugin's processes).
    pub runtime: Arc<dyn VerifierRuntime>,
    /// The id its config was accepted under.
    pub config_id: String,
}

impl BoundVerifier {
    fn handles(&self, artifact_type: &str) -> bool {
        self.config
            .artifact_types
            .iter()
            .any(|t| t == "*" || t == artifact_type)
    }
}

/// Runs verifications.
pub struct Executor {
    content: Arc<Content>,
    verifiers: Vec<BoundVerifier>,
    policy: PolicyConfig,
    settings: ExecutorSettings,
}

impl Executor {
    /// An executor over loaded parts.
    pub fn new(
        content: Arc<Content>,
        verifiers: Vec<BoundVerifier>,
        policy: PolicyConfig,
        settings: ExecutorSettings,
    ) -> Self {
        Self {
            content,
            verifiers,
            policy,
            settings,
        }
    }

    /// The per-subject deadline.
    pub fn timeout(&self) -> std::time::Duration {
        self.settings.verification_timeout()
    }

    /// Decides whether `reference` may run, considering referrers of `artifact_types` (all when
    /// empty). The reference is resolved exactly once, within the verification deadline.
    pub async fn verify(&self, reference: &str, artifact_types: &[String]) -> Outcome {
        let deadline = Instant::now() + self.settings.verification_timeout();
        let descriptor = match self.content.resolve(reference, deadline).await {
            Ok(descriptor) => descriptor,
            Err(error) => return deny_error(reference, &error),
        };
        let subject = Subject {
            reference: reference.to_owned(),
            descriptor,
        };
        self.verify_subject(subject, artifact_types.to_vec(), 0, deadline)
            .await
    }

    fn verify_subject(
        &self,
        subject: Subject,
        artifact_types: Vec<String>,
        depth: usize,
        deadline: Instant,
    ) -> futures::future::BoxFuture<'_, Outcome> {
        Box::pin(async move {
            let pinned = reference::with_digest(&subject.reference, &subject.descriptor.digest);
            let referrers = match self
                .content
                .referrers(&subject, &artifact_types, deadline)
                .await
            {
                Ok(referrers) => referrers,
                Err(error) => return deny_error(&pinned, &error),
            };
            if referrers.is_empty() {
                return Outcome::deny(
                    &pinned,
                    NO_REFERRERS.to_owned(),
                    format!("no referrers found for {pinned}"),
                    Some(
                        "attach signatures or other artifacts to the image, or check the reference"
                            .into(),
                    ),
                );
            }
            let subject = &subject;
            let per_referrer: Vec<(Descriptor, Vec<VerifierReport>)> = stream::iter(referrers)
                .map(|referrer| async move {
                    let reports = self
                        .verify_referrer(subject, &referrer, depth, deadline)
                        .await;
                    (referrer, reports)
                })
                .buffered(self.settings.max_concurrency)
                .collect()
                .await;
            let mut outcome = Outcome {
                is_success: false,
                verifier_reports: Vec::new(),
                unverified: Vec::new(),
                subject: pinned.clone(),
            };
            for (referrer, reports) in per_referrer {
                if reports.is_empty() {
                    let artifact_type = referrer.artifact_type.unwrap_or_default();
                    outcome.unverified.push((referrer.digest, artifact_type));
                }
                outcome.verifier_reports.extend(reports);
            }
            if outcome.verifier_reports.is_empty() {
                let types: Vec<&str> = outcome.unverified.iter().map(|(_, t)| t.as_str()).collect();
                let mut denied = Outcome::deny(
                    &pinned,
                    "verification failed: no verifier is configured for any referrer of this artifact".into(),
                    format!("referrer artifact types without a verifier: [{}]", types.join(", ")),
                    Some("add a verifier for these artifact types to config.json".into()),
                );
                denied.unverified = outcome.unverified;
                return denied;
            }
            outcome.is_success = policy::evaluate(&self.policy, &outcome.verifier_reports);
            outcome
        })
    }

    async fn verify_referrer(
        &self,
        subject: &Subject,
        referrer: &Descriptor,
        depth: usize,
        deadline: Instant,
    ) -> Vec<VerifierReport> {
        let artifact_type = referrer.artifact_type.clone().unwrap_or_default();
        let verifiers: Vec<&BoundVerifier> = self
            .verifiers
            .iter()
            .filter(|v| v.handles(&artifact_type))
            .collect();
        if verifiers.is_empty() {
            return Vec::new();
        }
        // Every verifier needs the referrer's manifest: fetch and check it once and send it
        // with each request, saving every plugin a round trip.
        let manifest = self
            .content
            .manifest(&subject.reference, &referrer.digest, deadline)
            .await
            .map_err(|e| e.context("cannot fetch the referrer's manifest"))
            .and_then(|m| binding::check(subject, referrer, &m).map(|checked| (m, checked)));
        let mut reports = Vec::new();
        for verifier in verifiers {
            let result = match &manifest {
                Ok((manifest, _)) => {
                    self.call_verifier(verifier, subject, referrer, manifest, deadline)
                        .await
                }
                Err(error) => Err(error.clone()),
            };
            let mut report = report_for(verifier, subject, referrer, result);
            if let (Ok((_, checked)), false) =
                (&manifest, verifier.config.nested_references.is_empty())
            {
                self.verify_nested(&mut report, verifier, subject, checked, depth, deadline)
                    .await;
            }
            reports.push(report);
        }
        reports
    }

    async fn call_verifier(
        &self,
        verifier: &BoundVerifier,
        subject: &Subject,
        referrer: &Descriptor,
        manifest: &ManifestContent,
        deadline: Instant,
    ) -> Result<VerifyResult, Error> {
        let params = VerifyParams {
            config_id: verifier.config_id.clone(),
            subject: subject.clone(),
            referrer: referrer.clone(),
            referrer_manifest: Some(manifest.clone()),
            timeout_ms: Some(
                deadline
                    .saturating_duration_since(Instant::now())
                    .as_millis() as u64,
            ),
        };
        // The host's own fetches for the plugin give up a little before the plugin's deadline,
        // so a stalled registry surfaces as the store's fault, not as the plugin timing out.
        let fetch_deadline = deadline
            .checked_sub(SERVICE_GRACE)
            .unwrap_or(deadline)
            .max(Instant::now());
        let services = Arc::new(VerifyServices::new(
            Arc::clone(&self.content),
            subject,
            fetch_deadline,
        ));
        verifier.runtime.verify(&params, services, deadline).await
    }

    async fn verify_nested(
        &self,
        report: &mut VerifierReport,
        verifier: &BoundVerifier,
        subject: &Subject,
        referrer: &Descriptor,
        depth: usize,
        deadline: Instant,
    ) {
        if depth + 1 > self.settings.max_nested_depth {
            report.is_success = false;
            report.message = "nested verification failed".into();
            report.error_reason = format!(
                "nested verification is deeper than {} levels (maxNestedDepth)",
                self.settings.max_nested_depth
            );
            return;
        }
        let nested_subject = Subject {
            reference: reference::with_digest(&subject.reference, &referrer.digest),
            descriptor: Descriptor::new(&referrer.media_type, &referrer.digest, referrer.size),
        };
        let types = verifier.config.nested_references.clone();
        let nested = self
            .verify_subject(nested_subject, types, depth + 1, deadline)
            .await;
        if !nested.is_success {
            report.is_success = false;
            report.message = "nested verification failed".into();
        }
        report.nested_results = nested.verifier_reports;
    }
}

/// The report for one verifier on one referrer: its result, or a failure saying why there is
/// none.
fn report_for(
    verifier: &BoundVerifier,
    subject: &Subject,
    referrer: &Descriptor,
    result: Result<VerifyResult, Error>,
) -> VerifierReport {
    let mut report =
        VerifierReport::subject_failure(&subject.reference, String::new(), String::new(), None);
    report.name = verifier.config.name.clone();
    report.verifier_name = verifier.config.name.clone();
    report.kind = verifier.config.plugin.clone();
    report.verifier_type = verifier.config.plugin.clone();
    report.reference_digest = referrer.digest.clone();
    report.artifact_type = referrer.artifact_type.clone().unwrap_or_default();
    match result {
        Ok(result) => {
            report.is_success = result.is_success;
            report.message = result.message;
            report.error_reason = result.error_reason.unwrap_or_default();
            report.remediation = result.remediation.unwrap_or_default();
            report.extensions = result.extensions;
        }
        Err(error) => {
            report.message = format!("verification failed: {}", error.message);
            report.error_reason = format!("{} error", error.kind);
            report.remediation = error.remediation.unwrap_or_default();
        }
    }
    report
}

fn deny_error(subject: &str, error: &Error) -> Outcome {
    Outcome::deny(
        subject,
        format!("verification failed: {}", error.message),
        format!("{} error", error.kind),
        error.remediation.clone(),
    )
}
