//! Sigstore bundles v0.1–v0.3 (protobuf JSON), read and validated per version as sigstore-go's
//! `bundle.NewBundle` does: v0.1 log entries need an inclusion promise, v0.2 and later an
//! inclusion proof, and v0.3 signers a single certificate rather than a chain.
//!
//! - [`protojson`]: the JSON reading rules of the Go code whose files we read;
//! - [`dsse`]: DSSE envelopes; [`intoto`]: the in-toto statements inside them.

pub mod dsse;
pub mod intoto;
pub(crate) mod protojson;

pub use dsse::Envelope;
use protojson::{Json, Msg};

/// Certificates in a bundle's chain, at most.
pub const MAX_CHAIN: usize = 10;
/// Transparency-log entries in a bundle, at most.
pub const MAX_TLOG_ENTRIES: usize = 32;

/// A bundle, its base64 decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// `(major, minor)` from the bundle's media type.
    pub version: (u32, u32),
    /// Who signed.
    pub material: Material,
    /// The transparency-log entries.
    pub tlog_entries: Vec<TlogEntry>,
    /// What was signed.
    pub content: Content,
}

/// The bundle's verification material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Material {
    /// A key the verifier must already hold; the hint names it.
    PublicKey { hint: String },
    /// The signing certificate (DER), v0.3.
    Certificate(Vec<u8>),
    /// The leaf first, then intermediates (DER), v0.1/v0.2.
    Chain(Vec<Vec<u8>>),
}

/// One Rekor entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogEntry {
    /// Global log index.
    pub log_index: i64,
    /// SHA-256 of the log's key.
    pub log_id: Vec<u8>,
    /// Entry kind and version, as the bundle states them.
    pub kind: String,
    pub version: String,
    /// Unix seconds; only trustworthy with a verified `set`.
    pub integrated_time: i64,
    /// The inclusion promise (signed entry timestamp).
    pub set: Option<Vec<u8>>,
    /// The inclusion proof.
    pub proof: Option<InclusionProof>,
    /// The entry body the log hashed.
    pub canonicalized_body: Vec<u8>,
}

/// A Merkle inclusion proof with the checkpoint it ends in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// Index in the (shard's) tree.
    pub log_index: i64,
    pub root_hash: Vec<u8>,
    pub tree_size: i64,
    pub hashes: Vec<Vec<u8>>,
    /// The signed note envelope.
    pub checkpoint: String,
}

/// What the bundle signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A signature over an artifact digest (`SHA2_256`, …).
    MessageSignature {
        digest_algorithm: String,
        digest: Vec<u8>,
        signature: Vec<u8>,
    },
    /// A DSSE envelope.
    Dsse(Envelope),
}

/// protobuf-specs `HashAlgorithm`, by number: the enum of bundles' message digests and of
/// trusted roots' logs.
pub(crate) const HASH_ALGORITHMS: &[&str] = &[
    "HASH_ALGORITHM_UNSPECIFIED",
    "SHA2_256",
    "SHA2_384",
    "SHA2_512",
    "SHA3_256",
    "SHA3_384",
];

/// The bundle version a media type names (sigstore-go `getBundleVersion`).
fn version(media_type: &str) -> Result<(u32, u32), String> {
    let unsupported = || format!("unsupported bundle version: {media_type:?}");
    let semver = media_type
        .strip_prefix("application/vnd.dev.sigstore.bundle+json;version=")
        .or_else(|| {
            media_type
                .strip_prefix("application/vnd.dev.sigstore.bundle.v")
                .and_then(|rest| rest.strip_suffix("+json"))
        })
        .ok_or_else(unsupported)?;
    let mut parts = semver.split('.');
    let number = |part: Option<&str>| part.and_then(|p| p.parse::<u32>().ok());
    let (Some(major), Some(minor)) = (number(parts.next()), number(parts.next())) else {
        return Err(unsupported());
    };
    if parts
        .next()
        .is_some_and(|patch| patch.parse::<u32>().is_err())
    {
        return Err(unsupported());
    }
    if (major, minor) < (0, 1) || (major, minor) >= (0, 4) {
        return Err(unsupported());
    }
    Ok((major, minor))
}

impl Bundle {
    /// Reads a bundle stored in a layer of media type `layer_media_type`.
    pub fn from_json(layer_media_type: &str, bytes: &[u8]) -> Result<Self, String> {
        if !layer_media_type.starts_with("application/vnd.dev.sigstore.bundle") {
            return Err(format!(
                "layer media type {layer_media_type:?} is not a Sigstore bundle"
            ));
        }
        let json = Json::parse(bytes).map_err(|e| format!("the bundle is not JSON: {e}"))?;
        let top = Msg::new(
            &json,
            "",
            &[
                "mediaType",
                "verificationMaterial",
                "messageSignature",
                "dsseEnvelope",
            ],
        )?;
        let version = version(top.string("mediaType")?.unwrap_or_default())?;
        let material = top
            .message(
                "verificationMaterial",
                &[
                    "publicKey",
                    "x509CertificateChain",
                    "certificate",
                    "tlogEntries",
                    "timestampVerificationData",
                ],
            )?
            .ok_or("validation error: missing verification material")?;
        let signer = signer(&material, version)?;
        let mut tlog_entries = Vec::new();
        let listed = material.list("tlogEntries")?;
        if listed.len() > MAX_TLOG_ENTRIES {
            return Err(format!(
                "the bundle has more than {MAX_TLOG_ENTRIES} transparency log entries"
            ));
        }
        for (path, value) in listed {
            tlog_entries.push(tlog_entry(&Msg::new(value, &path, TLOG_FIELDS)?, version)?);
        }
        let content =
            match (
                top.message("messageSignature", &["messageDigest", "signature"])?,
                top.message("dsseEnvelope", &["payload", "payloadType", "signatures"])?,
            ) {
                (Some(_), Some(_)) => return Err(
                    "validation error: the bundle has both a message signature and a DSSE envelope"
                        .into(),
                ),
                (Some(message), None) => {
                    let digest = message.message("messageDigest", &["algorithm", "digest"])?;
                    let (digest_algorithm, digest) = match digest {
                        Some(d) => (
                            d.enumeration("algorithm", HASH_ALGORITHMS)?
                                .unwrap_or_default(),
                            d.bytes("digest")?.unwrap_or_default(),
                        ),
                        None => (String::new(), Vec::new()),
                    };
                    Content::MessageSignature {
                        digest_algorithm,
                        digest,
                        signature: message.bytes("signature")?.unwrap_or_default(),
                    }
                }
                (None, Some(envelope)) => Content::Dsse(dsse::parse(&envelope)?),
                (None, None) => {
                    return Err(
                        "validation error: invalid bundle content: bundle content is empty".into(),
                    );
                }
            };
        Ok(Bundle {
            version,
            material: signer,
            tlog_entries,
            content,
        })
    }
}

const TLOG_FIELDS: &[&str] = &[
    "logIndex",
    "logId",
    "kindVersion",
    "integratedTime",
    "inclusionPromise",
    "inclusionProof",
    "canonicalizedBody",
];

fn signer(material: &Msg<'_>, version: (u32, u32)) -> Result<Material, String> {
    // A protobuf oneof: protojson refuses a second member, so do we.
    let set = ["publicKey", "certificate", "x509CertificateChain"]
        .iter()
        .filter(|name| material.has(name))
        .count();
    if set > 1 {
        return Err("validation error: verification material sets more than one of publicKey, certificate and x509CertificateChain".into());
    }
    if let Some(key) = material.message("publicKey", &["hint"])? {
        return Ok(Material::PublicKey {
            hint: key.string("hint")?.unwrap_or_default().to_owned(),
        });
    }
    if let Some(cert) = material.message("certificate", &["rawBytes"])? {
        let der = cert
            .bytes("rawBytes")?
            .filter(|d| !d.is_empty())
            .ok_or("validation error: the bundle's certificate is empty")?;
        return Ok(Material::Certificate(der));
    }
    if let Some(chain) = material.message("x509CertificateChain", &["certificates"])? {
        if version >= (0, 3) {
            return Err(
                "verification material cannot be X.509 certificate chain (for bundle v0.3)".into(),
            );
        }
        let mut certs = Vec::new();
        for (path, value) in chain.list("certificates")? {
            if certs.len() == MAX_CHAIN {
                return Err(format!(
                    "the bundle's certificate chain is longer than {MAX_CHAIN}"
                ));
            }
            let der = Msg::new(value, &path, &["rawBytes"])?
                .bytes("rawBytes")?
                .unwrap_or_default();
            certs.push(der);
        }
        if certs.is_empty() {
            return Err("validation error: the bundle's certificate chain is empty".into());
        }
        return Ok(Material::Chain(certs));
    }
    Err("validation error: invalid verification material content: verification material content is empty".into())
}

fn tlog_entry(entry: &Msg<'_>, version: (u32, u32)) -> Result<TlogEntry, String> {
    let log_index = entry.int64("logIndex")?.unwrap_or_default();
    if log_index < 0 {
        return Err(entry.err("logIndex", "must be >= 0"));
    }
    let log_id = entry
        .message("logId", &["keyId"])?
        .map(|id| id.bytes("keyId"))
        .transpose()?
        .flatten()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| entry.err("logId", "missing log id"))?;
    let kind_version = entry
        .message("kindVersion", &["kind", "version"])?
        .ok_or_else(|| entry.err("kindVersion", "missing"))?;
    let canonicalized_body = entry
        .bytes("canonicalizedBody")?
        .filter(|b| !b.is_empty())
        .ok_or_else(|| entry.err("canonicalizedBody", "missing"))?;
    let set = entry
        .message("inclusionPromise", &["signedEntryTimestamp"])?
        .map(|p| p.bytes("signedEntryTimestamp"))
        .transpose()?
        .flatten()
        .filter(|s| !s.is_empty());
    let proof = entry
        .message(
            "inclusionProof",
            &["logIndex", "rootHash", "treeSize", "hashes", "checkpoint"],
        )?
        .map(|p| inclusion_proof(&p))
        .transpose()?;
    if version == (0, 1) && set.is_none() {
        return Err("inclusion promises missing in bundle (required for bundle v0.1)".into());
    }
    if version >= (0, 2) && proof.is_none() {
        return Err(format!(
            "inclusion proof missing in bundle (required for bundle v0.{})",
            version.1
        ));
    }
    Ok(TlogEntry {
        log_index,
        log_id,
        kind: kind_version.string("kind")?.unwrap_or_default().to_owned(),
        version: kind_version
            .string("version")?
            .unwrap_or_default()
            .to_owned(),
        integrated_time: entry.int64("integratedTime")?.unwrap_or_default(),
        set,
        proof,
        canonicalized_body,
    })
}

fn inclusion_proof(proof: &Msg<'_>) -> Result<InclusionProof, String> {
    let checkpoint = proof
        .message("checkpoint", &["envelope"])?
        .map(|c| c.string("envelope"))
        .transpose()?
        .flatten()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| proof.err("checkpoint", "inclusion proof has no checkpoint"))?;
    let mut hashes = Vec::new();
    for (path, value) in proof.list("hashes")? {
        let Json::String(s) = value else {
            return Err(format!("{path}: expected a string"));
        };
        hashes.push(
            protojson::go_base64(s.as_bytes(), s.contains(['-', '_']), s.len() % 4 == 0)
                .map_err(|e| format!("{path}: {e}"))?,
        );
    }
    Ok(InclusionProof {
        log_index: proof.int64("logIndex")?.unwrap_or_default(),
        root_hash: proof.bytes("rootHash")?.unwrap_or_default(),
        tree_size: proof.int64("treeSize")?.unwrap_or_default(),
        hashes,
        checkpoint: checkpoint.to_owned(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn media_type_versions() {
        assert_eq!(
            version("application/vnd.dev.sigstore.bundle+json;version=0.1"),
            Ok((0, 1))
        );
        assert_eq!(
            version("application/vnd.dev.sigstore.bundle+json;version=0.2"),
            Ok((0, 2))
        );
        assert_eq!(
            version("application/vnd.dev.sigstore.bundle.v0.3+json"),
            Ok((0, 3))
        );
        assert_eq!(
            version("application/vnd.dev.sigstore.bundle.v0.3.1+json"),
            Ok((0, 3))
        );
        for bad in [
            "application/vnd.dev.sigstore.bundle.v0.4+json",
            "application/vnd.dev.sigstore.bundle.v0.0+json",
            "application/json",
            "",
        ] {
            assert!(version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_empty_content_and_v03_chains() {
        let mt = "application/vnd.dev.sigstore.bundle.v0.3+json";
        let err = Bundle::from_json(mt, br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"k"}}}"#).unwrap_err();
        assert!(err.contains("content is empty"), "{err}");
        let err = Bundle::from_json(mt, br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"x509CertificateChain":{"certificates":[{"rawBytes":"AQ=="}]}},"messageSignature":{"signature":"AQ=="}}"#).unwrap_err();
        assert!(err.contains("cannot be X.509 certificate chain"), "{err}");
        let err = Bundle::from_json(mt, br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"k"},"certificate":{"rawBytes":"AQ=="}},"messageSignature":{"signature":"AQ=="}}"#).unwrap_err();
        assert!(err.contains("more than one of"), "{err}");
        assert!(Bundle::from_json(mt, b"{").is_err());
        assert!(Bundle::from_json("application/json", b"{}").is_err());
    }
}
