//! One Sigstore bundle, checked as sigstore-go checks it for `cosign verify`: its
//! transparency-log entries (when the policy requires the log), the certificate at the log's
//! verified time (or the policy's keys for a public-key bundle), the signature over the DSSE
//! envelope or the message digest, and that what was signed is this subject: a DSSE in-toto
//! statement must name the subject's digest; a message signature must be over it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ratify_plugin_sdk::wire::Descriptor;

use super::report::{Check, KeyInfo, Outcome, Passed};
use super::{certificate, evidence};
use crate::bundle::dsse::INTOTO_PAYLOAD_TYPE;
use crate::bundle::intoto::{Statement, parse_statement};
use crate::bundle::{Bundle, Content, Material};
use crate::config::TrustPolicy;
use crate::keys::{Hash, PublicKey};

/// Verifies the bundle in `layer` (its bytes: `bytes`) against `subject`.
pub fn verify(
    policy: &TrustPolicy,
    layer: &Descriptor,
    bytes: &[u8],
    subject: &Descriptor,
    now: i64,
) -> Outcome {
    let bundle = match Bundle::from_json(&layer.media_type, bytes) {
        Ok(bundle) => bundle,
        Err(e) => return Outcome::unreadable(&layer.digest, KeyInfo::default(), e),
    };
    let signature = match &bundle.content {
        Content::MessageSignature { signature, .. } => signature.clone(),
        Content::Dsse(envelope) => match envelope.signatures.as_slice() {
            [(_, signature)] => signature.clone(),
            _ => {
                return Outcome::unreadable(
                    &layer.digest,
                    KeyInfo::default(),
                    "DSSE envelopes in bundles must have exactly one signature".into(),
                );
            }
        },
    };
    // Read once: every check needs it to name the subject, and the report shows its predicate.
    let statement = match &bundle.content {
        Content::Dsse(envelope) if envelope.payload_type == INTOTO_PAYLOAD_TYPE => {
            Some(parse_statement(&envelope.payload))
        }
        _ => None,
    };
    let signed = |key: &PublicKey| signed(key, &bundle, &signature, subject, statement.as_ref());
    let checks = match &bundle.material {
        Material::PublicKey { .. } if policy.keys.is_empty() => vec![Check::failed(
            KeyInfo::default(),
            "the bundle is signed with a public key, but the policy names no keys".into(),
        )],
        Material::PublicKey { .. } => policy
            .keys
            .iter()
            .map(|configured| {
                let key = KeyInfo {
                    provider: "file".into(),
                    name: configured.file.display().to_string(),
                };
                let steps = || {
                    let times = log(policy, &bundle, &signature, configured.key.spki_der())?;
                    signed(&configured.key)?;
                    Ok(Passed {
                        log_verified: times.is_some(),
                        integrated_time: times.and_then(|t| t.first().copied()),
                        identity: None,
                    })
                };
                Check::new(key, true, steps())
            })
            .collect(),
        Material::Certificate(leaf) => {
            vec![keyless(policy, &bundle, &signature, leaf, &[], now, signed)]
        }
        Material::Chain(chain) => {
            let (leaf, carried) = chain
                .split_first()
                .map_or((&[][..], &[][..]), |(leaf, rest)| (leaf.as_slice(), rest));
            vec![keyless(
                policy, &bundle, &signature, leaf, carried, now, signed,
            )]
        }
    };
    let (predicate_type, predicate) = match statement {
        Some(Ok(statement)) => (Some(statement.predicate_type), Some(statement.predicate)),
        _ => (None, None),
    };
    Outcome {
        signature: B64.encode(&signature),
        digest: layer.digest.clone(),
        predicate_type,
        predicate,
        checks,
    }
}

/// The one check of a bundle signed with the certificate `leaf` (DER), `carried` being the
/// rest of the bundle's chain; `signed` checks the signature with the certificate's key.
fn keyless(
    policy: &TrustPolicy,
    bundle: &Bundle,
    signature: &[u8],
    leaf: &[u8],
    carried: &[Vec<u8>],
    now: i64,
    signed: impl Fn(&PublicKey) -> Result<(), String>,
) -> Check {
    let steps = || {
        let keyless = policy
            .keyless
            .as_ref()
            .ok_or("the bundle is signed with a certificate, but the policy names only keys")?;
        // The certificate must hold at every time the log vouches for (sigstore-go); without
        // the log, now.
        let times = match log(policy, bundle, signature, leaf)? {
            Some(times) if times.is_empty() => {
                return Err("no valid observer timestamps found: the log entries carry no verified inclusion promise".into());
            }
            Some(times) => times,
            None => vec![now],
        };
        let mut certified = None;
        for at in &times {
            certified = Some(certificate::verify(
                keyless,
                &policy.ct_logs,
                leaf,
                carried,
                *at,
            )?);
        }
        let certified = certified.ok_or("no time to check the certificate at")?;
        signed(&certified.key)?;
        Ok(Passed {
            log_verified: policy.tlog_verify,
            integrated_time: policy.tlog_verify.then(|| times.first().copied()).flatten(),
            identity: Some(certified.identity),
        })
    };
    Check::new(KeyInfo::default(), false, steps())
}

/// The log's SET-backed times when the policy requires the log, else `None`.
fn log(
    policy: &TrustPolicy,
    bundle: &Bundle,
    signature: &[u8],
    signer: &[u8],
) -> Result<Option<Vec<i64>>, String> {
    if !policy.tlog_verify {
        return Ok(None);
    }
    evidence::bundle_entries(policy, bundle, signature, signer).map(Some)
}

/// The signature is `key`'s, over what names this subject. `statement` is the DSSE payload
/// read as an in-toto statement, present exactly when the payload type is in-toto's.
fn signed(
    key: &PublicKey,
    bundle: &Bundle,
    signature: &[u8],
    subject: &Descriptor,
    statement: Option<&Result<Statement, String>>,
) -> Result<(), String> {
    let (algorithm, subject_hex) = subject
        .digest
        .split_once(':')
        .ok_or_else(|| format!("subject digest {:?} has no algorithm", subject.digest))?;
    match &bundle.content {
        Content::Dsse(envelope) => {
            let pae = envelope.pae();
            // sigstore-go also tries the curve's own hash for P-384/P-521 keys.
            key.verify(&pae, signature)
                .or_else(|e| {
                    curve_hash(key)
                        .map(|hash| key.verify_with_hash(hash, &pae, signature))
                        .unwrap_or(Err(e))
                })
                .map_err(|e| format!("failed to verify signature: {e}"))?;
            let Some(statement) = statement else {
                return Err(format!(
                    "DSSE payload type {:?} is not an in-toto statement",
                    envelope.payload_type
                ));
            };
            let statement = statement.as_ref().map_err(String::clone)?;
            let names_subject = statement.subjects.iter().any(|(_, digests)| {
                digests
                    .get(algorithm)
                    .is_some_and(|d| d.eq_ignore_ascii_case(subject_hex))
            });
            if !names_subject {
                return Err(format!(
                    "provided artifact digest {} does not match any digest in the statement's subjects",
                    subject.digest
                ));
            }
            Ok(())
        }
        Content::MessageSignature {
            digest_algorithm,
            digest,
            ..
        } => {
            let hash = match digest_algorithm.as_str() {
                "SHA2_256" if algorithm == "sha256" => Hash::Sha256,
                "SHA2_384" if algorithm == "sha384" => Hash::Sha384,
                "SHA2_512" if algorithm == "sha512" => Hash::Sha512,
                other => {
                    return Err(format!(
                        "the bundle's message digest ({other}) is not of the subject's algorithm ({algorithm})"
                    ));
                }
            };
            if hex::encode(digest) != subject_hex.to_ascii_lowercase() {
                return Err("provided artifact digest does not match digest in the bundle's message signature".into());
            }
            key.verify_prehashed(hash, digest, signature)
                .map_err(|e| format!("failed to verify signature: {e}"))
        }
    }
}

fn curve_hash(key: &PublicKey) -> Option<Hash> {
    match key.kind() {
        crate::keys::KeyKind::EcdsaP384 => Some(Hash::Sha384),
        crate::keys::KeyKind::EcdsaP521 => Some(Hash::Sha512),
        _ => None,
    }
}
