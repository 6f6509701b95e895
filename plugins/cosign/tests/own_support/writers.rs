//! What carries the evidence to the verifier: cosign simple-signing layers with their
//! annotations (facts §1), the Rekor bundle annotation, Sigstore bundles v0.3 in protobuf JSON
//! (facts §6: int64 as decimal strings, bytes as base64), DSSE in-toto statements, and a
//! `trusted_root.json`.

use std::collections::BTreeMap;

use ratify_plugin_sdk::wire::Descriptor;
use serde_json::{Value, json};

use super::pki::Ca;
use super::rekor::{Entry, Log};
use super::{b64, sha256_hex};

/// cosign's layer media type and annotations.
pub const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
pub const SIGNATURE: &str = "dev.cosignproject.cosign/signature";
pub const CERTIFICATE: &str = "dev.sigstore.cosign/certificate";
pub const CHAIN: &str = "dev.sigstore.cosign/chain";
pub const BUNDLE: &str = "dev.sigstore.cosign/bundle";
/// Sigstore bundle v0.3 media type, and the in-toto DSSE payload type.
pub const BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
pub const IN_TOTO: &str = "application/vnd.in-toto+json";
/// cosign v3's `sign` predicate type.
pub const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";

/// cosign's simple-signing payload for `digest`, in Go struct order, compact.
pub fn simple_signing(digest: &str) -> Vec<u8> {
    format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"{}"}},"image":{{"docker-manifest-digest":"{digest}"}},"type":"cosign container image signature"}},"optional":null}}"#,
        super::REPOSITORY
    )
    .into_bytes()
}

/// A signature layer over `payload` with `annotations`.
pub fn layer(payload: &[u8], annotations: &[(&str, String)]) -> Descriptor {
    let mut descriptor = Descriptor::new(
        SIMPLE_SIGNING,
        format!("sha256:{}", sha256_hex(payload)),
        payload.len() as u64,
    );
    descriptor.annotations = annotations
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect::<BTreeMap<_, _>>();
    descriptor
}

/// cosign's `bundle.RekorBundle` annotation (Go field names, no json tags at the top).
pub fn rekor_bundle(entry: &Entry) -> String {
    json!({
        "SignedEntryTimestamp": b64(&entry.set),
        "Payload": {
            "body": b64(&entry.body),
            "integratedTime": entry.integrated_time,
            "logIndex": entry.log_index,
            "logID": hex::encode(entry.log_id),
        },
    })
    .to_string()
}

/// A log in trusted-root shape; `base_url` is informational.
fn log_json(log: &Log, base_url: &str) -> Value {
    json!({
        "baseUrl": base_url,
        "hashAlgorithm": "SHA2_256",
        "publicKey": {
            "rawBytes": b64(log.key.spki()),
            "keyDetails": "PKIX_ECDSA_P256_SHA_256",
            "validFor": {"start": "2020-01-01T00:00:00Z"},
        },
        "logId": {"keyId": b64(&log.key.key_id())},
    })
}

/// A `trusted_root.json` naming `rekor`, `ct` and the CAs (each: intermediate, then root).
pub fn trusted_root(rekor: &Log, ct: &Log, cas: &[&Ca]) -> String {
    let authorities: Vec<Value> = cas
        .iter()
        .map(|ca| {
            json!({
                "subject": {"organization": "ratify-own-fixtures", "commonName": "own"},
                "uri": "https://fulcio.own.example",
                "certChain": {"certificates": [
                    {"rawBytes": b64(&ca.intermediate_der)},
                    {"rawBytes": b64(&ca.root_der)},
                ]},
                "validFor": {"start": "2020-01-01T00:00:00Z"},
            })
        })
        .collect();
    json!({
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [log_json(rekor, "https://rekor.own.example")],
        "certificateAuthorities": authorities,
        "ctlogs": [log_json(ct, "https://ctfe.own.example/test")],
    })
    .to_string()
}

/// An in-toto Statement v1 naming `digest` (`sha256:<hex>`) with cosign v3's sign predicate.
pub fn statement(digest: &str) -> Vec<u8> {
    let hex = digest.strip_prefix("sha256:").unwrap();
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": super::REPOSITORY, "digest": {"sha256": hex}}],
        "predicateType": COSIGN_SIGN_PREDICATE,
        "predicate": {},
    })
    .to_string()
    .into_bytes()
}

/// DSSE pre-authentication encoding: `"DSSEv1" SP len(type) SP type SP len(body) SP body`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The envelope as Go's `json.Marshal(dsse.Envelope)` writes it (Rekor's `envelopeHash`).
pub fn envelope_go_json(payload: &[u8], signature: &[u8]) -> Vec<u8> {
    format!(
        r#"{{"payloadType":"{IN_TOTO}","payload":"{}","signatures":[{{"keyid":"","sig":"{}"}}]}}"#,
        b64(payload),
        b64(signature)
    )
    .into_bytes()
}

/// A bundle tlog entry in protobuf JSON, kind `kind` 0.0.1.
pub fn tlog_entry(entry: &Entry, kind: &str) -> Value {
    let hashes: Vec<String> = entry.hashes.iter().map(|h| b64(h)).collect();
    json!({
        "logIndex": entry.log_index.to_string(),
        "logId": {"keyId": b64(&entry.log_id)},
        "kindVersion": {"kind": kind, "version": "0.0.1"},
        "integratedTime": entry.integrated_time.to_string(),
        "inclusionPromise": {"signedEntryTimestamp": b64(&entry.set)},
        "inclusionProof": {
            "logIndex": entry.tree_index.to_string(),
            "rootHash": b64(&entry.root),
            "treeSize": entry.tree_size.to_string(),
            "hashes": hashes,
            "checkpoint": {"envelope": entry.checkpoint},
        },
        "canonicalizedBody": b64(&entry.body),
    })
}

/// A v0.3 bundle: a Fulcio certificate signing a DSSE envelope over `payload`.
pub fn dsse_bundle(certificate: &[u8], entry: &Entry, payload: &[u8], signature: &[u8]) -> Vec<u8> {
    json!({
        "mediaType": BUNDLE_V03,
        "verificationMaterial": {
            "certificate": {"rawBytes": b64(certificate)},
            "tlogEntries": [tlog_entry(entry, "dsse")],
        },
        "dsseEnvelope": {
            "payload": b64(payload),
            "payloadType": IN_TOTO,
            "signatures": [{"sig": b64(signature), "keyid": ""}],
        },
    })
    .to_string()
    .into_bytes()
}

/// A v0.3 bundle: a public key (named by `hint`) signing the SHA-256 digest `digest`.
pub fn message_bundle(hint: &str, entry: &Entry, digest: &[u8], signature: &[u8]) -> Vec<u8> {
    json!({
        "mediaType": BUNDLE_V03,
        "verificationMaterial": {
            "publicKey": {"hint": hint},
            "tlogEntries": [tlog_entry(entry, "hashedrekord")],
        },
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": b64(digest)},
            "signature": b64(signature),
        },
    })
    .to_string()
    .into_bytes()
}

/// The bundle's layer descriptor, as cosign pushes it.
pub fn bundle_layer(bytes: &[u8]) -> Descriptor {
    Descriptor::new(
        BUNDLE_V03,
        format!("sha256:{}", sha256_hex(bytes)),
        bytes.len() as u64,
    )
}
