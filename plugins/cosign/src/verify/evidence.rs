//! Transparency-log evidence, checked offline against the policy's Rekor keys.
//!
//! For cosign's bundle annotation (cosign's `VerifyBundle`): the entry's signature and key must
//! be the signature's, its hash the payload's, and its signed entry timestamp (SET) must verify;
//! the log's integrated time is then the signing time. For Sigstore bundles (sigstore-go's
//! `VerifyTlogEntry`): each entry's body must match the bundle's content, its SET and its
//! inclusion proof (with a signed checkpoint) must verify. Unlike sigstore-go, an entry whose
//! SET fails is an error rather than skipped: a forged SET is evidence of tampering.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};

use crate::bundle::{Bundle, Content, MAX_TLOG_ENTRIES};
use crate::config::TrustPolicy;
use crate::legacy::RekorBundle;
use crate::rekor::body::Body;
use crate::rekor::checkpoint::verify_checkpoint;
use crate::rekor::merkle::{leaf_hash, verify_inclusion};
use crate::rekor::set::{RekorPayload, verify_set};
use crate::trustroot::TransparencyLog;

/// The Rekor log with this id whose key was valid at `time`.
fn log_for<'a>(
    policy: &'a TrustPolicy,
    log_id: &[u8],
    time: i64,
) -> Result<&'a TransparencyLog, String> {
    let log = policy
        .rekor_logs
        .iter()
        .find(|log| log.log_id.as_slice() == log_id)
        .ok_or("rekor log public key not found for payload")?;
    if !log.valid_for.contains(time) {
        return Err("rekor log public key not valid at payload integrated time".into());
    }
    Ok(log)
}

/// The DER inside the one PEM block of `pem` (Rekor bodies carry PEM keys and certificates).
fn pem_der(pem: &[u8]) -> Result<Vec<u8>, String> {
    use rustls_pki_types::pem::{self, PemObject};
    let mut blocks = <(pem::SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(pem);
    let (_, der) = blocks
        .next()
        .ok_or("the log entry's public key is not PEM")?
        .map_err(|e| format!("the log entry's public key is not PEM: {e}"))?;
    if blocks.next().is_some() {
        return Err("unexpected PEM block".into());
    }
    Ok(der)
}

/// cosign's `VerifyBundle` for a simple-signing layer; returns the integrated time.
/// `signer` is the DER the entry must name: the certificate, or the key's SPKI.
pub fn legacy_bundle(
    policy: &TrustPolicy,
    bundle: &RekorBundle,
    signature_b64: &str,
    payload: &[u8],
    signer: &[u8],
) -> Result<i64, String> {
    let body = B64
        .decode(bundle.payload.body.as_bytes())
        .map_err(|e| format!("bundle payload body is not base64: {e}"))?;
    let (body, kind, _) = Body::parse(&body)?;
    let Body::HashedRekord {
        hash_algorithm,
        hash_hex,
        signature_b64: logged,
        public_key_pem,
    } = body
    else {
        return Err(format!(
            "unsupported transparency log entry kind {kind:?} for a signature"
        ));
    };
    if logged != signature_b64 {
        return Err("signature in bundle does not match signature being verified".into());
    }
    if pem_der(&public_key_pem)? != signer {
        return Err(
            "comparing public key PEMs: the log entry names another key or certificate".into(),
        );
    }
    if hash_algorithm != "sha256" {
        return Err(format!("unexpected algorithm: {hash_algorithm:?}"));
    }
    let payload_hash = hex::encode(Sha256::digest(payload));
    if hash_hex != payload_hash {
        return Err(format!(
            "matching bundle to payload: bundle={hash_hex:?}, payload={payload_hash:?}"
        ));
    }
    let log_id = hex::decode(&bundle.payload.log_id)
        .map_err(|_| format!("bundle logID {:?} is not hex", bundle.payload.log_id))?;
    let log = log_for(policy, &log_id, bundle.payload.integrated_time)
        .map_err(|e| format!("verifying bundle: {e}"))?;
    verify_set(&bundle.payload, &bundle.signed_entry_timestamp, &log.key)?;
    Ok(bundle.payload.integrated_time)
}

/// sigstore-go's tlog checks for a bundle signed by `signer` (certificate or SPKI DER) with
/// `signature`. Returns the integrated times backed by a verified SET (the only ones a
/// certificate may be checked at).
pub fn bundle_entries(
    policy: &TrustPolicy,
    bundle: &Bundle,
    signature: &[u8],
    signer: &[u8],
) -> Result<Vec<i64>, String> {
    if bundle.tlog_entries.is_empty() {
        return Err("the bundle has no transparency log entries".into());
    }
    let mut times = Vec::new();
    let mut verified = 0;
    // The bundle reader refuses more entries than this; the cap is repeated where the work is.
    for entry in bundle.tlog_entries.iter().take(MAX_TLOG_ENTRIES) {
        let log = log_for(policy, &entry.log_id, entry.integrated_time)?;
        let (body, kind, version) = Body::parse(&entry.canonicalized_body)?;
        if kind != entry.kind || version != entry.version {
            return Err(format!(
                "transparency log entry is {kind} {version} but the bundle says {} {}",
                entry.kind, entry.version
            ));
        }
        matches_content(&body, &bundle.content, signature, signer)?;
        if let Some(set) = &entry.set {
            let payload = RekorPayload {
                body: B64.encode(&entry.canonicalized_body),
                integrated_time: entry.integrated_time,
                log_index: entry.log_index,
                log_id: hex::encode(&entry.log_id),
            };
            verify_set(&payload, set, &log.key)?;
            times.push(entry.integrated_time);
        }
        if let Some(proof) = &entry.proof {
            let to_hash = |bytes: &[u8]| -> Result<[u8; 32], String> {
                bytes
                    .try_into()
                    .map_err(|_| "inclusion proof hash is not 32 bytes".to_string())
            };
            let hashes = proof
                .hashes
                .iter()
                .map(|h| to_hash(h))
                .collect::<Result<Vec<_>, _>>()?;
            let root = to_hash(&proof.root_hash)?;
            let index =
                u64::try_from(proof.log_index).map_err(|_| "negative inclusion proof index")?;
            let size =
                u64::try_from(proof.tree_size).map_err(|_| "negative inclusion proof tree size")?;
            verify_inclusion(
                index,
                size,
                &leaf_hash(&entry.canonicalized_body),
                &hashes,
                &root,
            )?;
            verify_checkpoint(&proof.checkpoint, &log.key, &proof.root_hash)?;
        }
        if entry.set.is_none() && entry.proof.is_none() {
            return Err("entry must contain an inclusion proof and/or promise".into());
        }
        verified += 1;
    }
    if verified == 0 {
        return Err("not enough verified log entries from transparency log: 0 < 1".into());
    }
    Ok(times)
}

/// The log entry must record this bundle's signature, signer and content.
fn matches_content(
    body: &Body,
    content: &Content,
    signature: &[u8],
    signer: &[u8],
) -> Result<(), String> {
    let same_signer = |pem: &[u8]| -> Result<(), String> {
        if pem_der(pem)? != signer {
            return Err("transparency log certificate does not match".into());
        }
        Ok(())
    };
    let same_signature = |b64: &str| -> Result<(), String> {
        if B64.decode(b64.as_bytes()).ok().as_deref() != Some(signature) {
            return Err("transparency log signature does not match".into());
        }
        Ok(())
    };
    match (body, content) {
        (
            Body::HashedRekord {
                hash_algorithm,
                hash_hex,
                signature_b64,
                public_key_pem,
            },
            Content::MessageSignature {
                digest_algorithm,
                digest,
                ..
            },
        ) => {
            same_signature(signature_b64)?;
            same_signer(public_key_pem)?;
            let algorithm_matches = matches!(
                (hash_algorithm.as_str(), digest_algorithm.as_str()),
                ("sha256", "SHA2_256") | ("sha384", "SHA2_384") | ("sha512", "SHA2_512")
            );
            if !algorithm_matches || *hash_hex != hex::encode(digest) {
                return Err(
                    "transparency log entry does not match the bundle's message digest".into(),
                );
            }
            Ok(())
        }
        (
            Body::Dsse {
                payload_hash,
                signatures,
                ..
            },
            Content::Dsse(envelope),
        )
        | (
            Body::Intoto {
                payload_hash,
                signatures,
            },
            Content::Dsse(envelope),
        ) => {
            let expected = (
                "sha256".to_string(),
                hex::encode(Sha256::digest(&envelope.payload)),
            );
            if payload_hash.as_ref() != Some(&expected) {
                return Err(
                    "transparency log entry's payload hash does not match the envelope".into(),
                );
            }
            let [(logged, verifier)] = signatures.as_slice() else {
                return Err(
                    "multiple signatures on DSSE envelopes are not currently supported".into(),
                );
            };
            same_signature(logged)?;
            same_signer(verifier)
        }
        _ => Err("the transparency log entry's kind does not match the bundle's content".into()),
    }
}
