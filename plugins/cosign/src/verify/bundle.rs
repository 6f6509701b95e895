//! One Sigstore bundle, checked as sigstore-go checks it for `cosign verify`: its
//! transparency-log entries (when the policy requires the log), the certificate at the log's
//! verified time (or the policy's keys for a public-key bundle), the signature over the DSSE
//! envelope or the message digest, and that what was signed is this subject: a DSSE in-toto
//! statement must name the subject's digest; a message signature must be over it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ratify_plugin_sdk::wire::Descriptor;

use super::report::{Check, KeyInfo, Outcome, summary};
use super::{certificate, evidence};
use crate::bundle::intoto::parse_statement;
use crate::bundle::{Bundle, Content, Material};
use crate::config::TrustPolicy;
use crate::keys::{Hash, PublicKey};

/// The DSSE payload type of in-toto statements.
const IN_TOTO: &str = "application/vnd.in-toto+json";

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
    let statement = match &bundle.content {
        Content::Dsse(envelope) if envelope.payload_type == IN_TOTO => {
            parse_statement(&envelope.payload).ok()
        }
        _ => None,
    };
    let checks = match &bundle.material {
        Material::PublicKey { .. } if policy.keys.is_empty() => vec![failed(
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
                check(key, true, || {
                    let signer = configured.key.spki_der().to_vec();
                    let times = log(policy, &bundle, &signature, &signer)?;
                    signed(&configured.key, &bundle, &signature, subject)?;
                    Ok(Passed {
                        log_verified: times.is_some(),
                        integrated_time: times.and_then(|t| t.first().copied()),
                        identity: None,
                    })
                })
            })
            .collect(),
        Material::Certificate(_) | Material::Chain(_) => {
            let (leaf, carried) = match &bundle.material {
                Material::Certificate(leaf) => (leaf.clone(), Vec::new()),
                Material::Chain(chain) => match chain.split_first() {
                    Some((leaf, rest)) => (leaf.clone(), rest.to_vec()),
                    None => (Vec::new(), Vec::new()),
                },
                Material::PublicKey { .. } => (Vec::new(), Vec::new()),
            };
            vec![check(KeyInfo::default(), false, || {
                let keyless = policy.keyless.as_ref().ok_or(
                    "the bundle is signed with a certificate, but the policy names only keys",
                )?;
                // The certificate must hold at every time the log vouches for (sigstore-go);
                // without the log, now.
                let times = match log(policy, &bundle, &signature, &leaf)? {
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
                        &leaf,
                        &carried,
                        *at,
                    )?);
                }
                let certified = certified.ok_or("no time to check the certificate at")?;
                signed(&certified.key, &bundle, &signature, subject)?;
                Ok(Passed {
                    log_verified: policy.tlog_verify,
                    integrated_time: policy.tlog_verify.then(|| times.first().copied()).flatten(),
                    identity: Some(certified.identity),
                })
            })]
        }
    };
    Outcome {
        signature: B64.encode(&signature),
        digest: layer.digest.clone(),
        predicate_type: statement.as_ref().map(|s| s.predicate_type.clone()),
        predicate: statement.map(|s| s.predicate),
        checks,
    }
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

/// The signature is `key`'s, over what names this subject.
fn signed(
    key: &PublicKey,
    bundle: &Bundle,
    signature: &[u8],
    subject: &Descriptor,
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
            if envelope.payload_type != IN_TOTO {
                return Err(format!(
                    "DSSE payload type {:?} is not an in-toto statement",
                    envelope.payload_type
                ));
            }
            let statement = parse_statement(&envelope.payload)?;
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

/// What a passing check established.
struct Passed {
    log_verified: bool,
    integrated_time: Option<i64>,
    identity: Option<serde_json::Value>,
}

fn check(key: KeyInfo, with_key: bool, steps: impl FnOnce() -> Result<Passed, String>) -> Check {
    match steps() {
        Ok(passed) => Check {
            is_success: true,
            bundle_verified: passed.log_verified,
            error: None,
            summary: summary(passed.log_verified, with_key),
            key,
            identity: passed.identity,
            integrated_time: passed.integrated_time,
        },
        Err(error) => failed(key, error),
    }
}

fn failed(key: KeyInfo, error: String) -> Check {
    Check {
        error: Some(error),
        key,
        ..Check::default()
    }
}
