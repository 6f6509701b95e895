//! `requiredPredicateTypes`: attestations the subject must carry, verified under the same
//! policy. A subject-level fact, so each referrer's report answers it for the whole subject:
//! the host lists the subject's Sigstore bundles, each is verified (once per process: results
//! are remembered by bundle and subject), and the predicate types of the valid ones are
//! collected. A required type that no valid attestation carries fails the referrer being
//! verified, whatever it is, so the subject cannot pass without that evidence.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use ratify_plugin_sdk::verifier::VerifyRequest;
use ratify_plugin_sdk::wire::WireError;
use ratify_plugin_sdk::wire::oci::ImageManifest;

use super::{Outcome, bundle, bundle_layer};
use crate::config::{CosignConfig, TrustPolicy};

/// Entries kept before the memory of verified attestations is dropped and rebuilt.
const REMEMBERED: usize = 10_000;

/// Verified predicate types by (policy, subject digest, bundle manifest digest); `None` when
/// that bundle did not verify.
#[derive(Default)]
pub struct AttestationMemory(Mutex<HashMap<(String, String, String), Option<String>>>);

impl AttestationMemory {
    fn get(&self, key: &(String, String, String)) -> Option<Option<String>> {
        self.0.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: (String, String, String), value: Option<String>) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= REMEMBERED {
                map.clear();
            }
            map.insert(key, value);
        }
    }
}

/// The required predicate types the subject has no valid attestation for.
pub fn missing(
    config: &CosignConfig,
    policy: &TrustPolicy,
    request: &VerifyRequest<'_>,
    outcomes: &[Outcome],
    now: i64,
) -> Result<Vec<String>, WireError> {
    if policy.required_predicate_types.is_empty() {
        return Ok(Vec::new());
    }
    let subject = &request.subject.descriptor;
    let mut present: BTreeSet<String> = outcomes
        .iter()
        .filter(|o| o.is_success())
        .filter_map(|o| o.predicate_type.clone())
        .collect();
    let referrers = request.host.list_referrers(&subject.digest, &[])?;
    let bundles = referrers.iter().filter(|r| {
        r.artifact_type
            .as_deref()
            .is_some_and(|t| t.starts_with(super::BUNDLE_MEDIA_PREFIX))
            && r.digest != request.referrer.digest
    });
    for referrer in bundles.take(config.max_signatures) {
        let key = (
            policy.name.clone(),
            subject.digest.clone(),
            referrer.digest.clone(),
        );
        let predicate = match config.attestations.get(&key) {
            Some(known) => known,
            None => {
                let manifest = request.host.get_manifest(&referrer.digest)?;
                let verified = match serde_json::from_slice::<ImageManifest>(&manifest.content.0)
                    .ok()
                    .and_then(|manifest| bundle_layer(&manifest).cloned())
                {
                    Some(layer) => {
                        // A fetch failure is the store's fault: it fails this verification
                        // and is not remembered.
                        let bytes = request.host.read_layer(&layer, config.max_layer_bytes)?;
                        let outcome = bundle::verify(policy, &layer, &bytes, subject, now);
                        outcome
                            .is_success()
                            .then_some(outcome.predicate_type)
                            .flatten()
                    }
                    None => None,
                };
                // Keyless without the log is judged at "now": such a result may not outlive
                // the certificate, so it is not remembered.
                if policy.tlog_verify || policy.keyless.is_none() {
                    config.attestations.put(key, verified.clone());
                }
                verified
            }
        };
        present.extend(predicate);
    }
    Ok(policy
        .required_predicate_types
        .iter()
        .filter(|wanted| !present.contains(wanted.as_str()))
        .cloned()
        .collect())
}
