//! One cosign simple-signing layer, in cosign's order: the transparency-log bundle (when the
//! policy requires the log), the key or the certificate, the signature over the payload, then
//! the payload's claim that it signs this subject's digest. Each configured key is tried and
//! reported on its own, as Ratify does; keyless is one check.

use std::borrow::Cow;

use ratify_plugin_sdk::wire::Descriptor;

use super::report::{Check, KeyInfo, Outcome, Passed};
use super::{Subject, certificate, evidence};
use crate::bundle::protojson::std_base64;
use crate::config::{ConfiguredKey, Keyless, TrustPolicy};
use crate::legacy::{SignatureLayer, parse_simple_signing};

/// The media type of cosign's signature layers.
pub const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";

/// What verifies a signature: one of the policy's keys, or a certificate.
enum Signer<'a> {
    Key(&'a ConfiguredKey),
    Keyless(&'a Keyless),
}

/// Verifies the layer `layer` (its bytes: `payload`) as a signature of `subject`.
pub fn verify(
    policy: &TrustPolicy,
    layer: &Descriptor,
    payload: Vec<u8>,
    subject: &Subject<'_>,
    now: i64,
) -> Outcome {
    if layer.media_type != SIMPLE_SIGNING {
        return Outcome::unreadable(
            &layer.digest,
            KeyInfo::default(),
            format!(
                "layer {} has media type {:?}, not cosign's {SIMPLE_SIGNING:?}",
                layer.digest, layer.media_type
            ),
        );
    }
    let parsed = match SignatureLayer::from_layer(&layer.annotations, payload) {
        Ok(parsed) => parsed,
        Err(e) => return Outcome::unreadable(&layer.digest, KeyInfo::default(), e),
    };
    // Decoded once for every signer. Go's decoder, as cosign's: line breaks inside the base64
    // are skipped.
    let signature = std_base64(&parsed.signature_b64)
        .map_err(|e| format!("the signature annotation is not base64: {e}"));
    let mut signers: Vec<Signer> = policy.keys.iter().map(Signer::Key).collect();
    signers.extend(policy.keyless.as_ref().map(Signer::Keyless));
    let checks = signers
        .iter()
        .map(|signer| check(policy, &parsed, &signature, signer, subject, now))
        .collect();
    Outcome {
        signature: parsed.signature_b64.clone(),
        digest: layer.digest.clone(),
        predicate_type: None,
        predicate: None,
        checks,
    }
}

fn check(
    policy: &TrustPolicy,
    layer: &SignatureLayer,
    signature: &Result<Vec<u8>, String>,
    signer: &Signer,
    subject: &Subject<'_>,
    now: i64,
) -> Check {
    let key = match signer {
        Signer::Key(key) => KeyInfo {
            provider: "file".into(),
            name: key.file.display().to_string(),
        },
        Signer::Keyless(_) => KeyInfo::default(),
    };
    let mut integrated_time = None;
    let result = steps(
        policy,
        layer,
        signature,
        signer,
        subject,
        now,
        &mut integrated_time,
    )
    .map(|identity| Passed {
        log_verified: integrated_time.is_some(),
        integrated_time,
        identity,
    });
    Check {
        // Reported on failure too: the log's evidence verified before a later step failed.
        bundle_verified: integrated_time.is_some(),
        ..Check::new(key, matches!(signer, Signer::Key(_)), result)
    }
}

fn steps(
    policy: &TrustPolicy,
    layer: &SignatureLayer,
    signature: &Result<Vec<u8>, String>,
    signer: &Signer,
    subject: &Subject<'_>,
    now: i64,
    integrated_time: &mut Option<i64>,
) -> Result<Option<serde_json::Value>, String> {
    let signature = signature.as_ref().map_err(String::clone)?;
    let signer_der = match signer {
        Signer::Key(key) => key.key.spki_der(),
        Signer::Keyless(_) => layer
            .certificate
            .as_deref()
            .ok_or("no certificate found on signature")?,
    };
    let mut time = None;
    if policy.tlog_verify {
        let bundle = layer.rekor_bundle.as_ref().ok_or(
            "offline verification failed: the signature carries no transparency log bundle (dev.sigstore.cosign/bundle)",
        )?;
        time = Some(evidence::legacy_bundle(
            policy,
            bundle,
            &layer.signature_b64,
            &layer.payload,
            signer_der,
        )?);
        *integrated_time = time;
    }
    let (key, identity) = match signer {
        Signer::Key(key) => (Cow::Borrowed(&key.key), None),
        Signer::Keyless(keyless) => {
            let certified = certificate::verify(
                keyless,
                &policy.ct_logs,
                signer_der,
                &layer.chain,
                time.unwrap_or(now),
            )?;
            (Cow::Owned(certified.key), Some(certified.identity))
        }
    };
    key.verify(&layer.payload, signature)
        .map_err(|e| format!("failed to verify signature: {e}"))?;
    let claims = parse_simple_signing(&layer.payload)?;
    if claims.docker_manifest_digest != subject.descriptor.digest {
        return Err(format!(
            "invalid or missing digest in claim: {}",
            claims.docker_manifest_digest
        ));
    }
    if let Some(rule) = &policy.signed_identity {
        rule.check(&claims.docker_reference, subject.reference)?;
    }
    Ok(identity)
}
