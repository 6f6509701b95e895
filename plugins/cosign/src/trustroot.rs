//! Sigstore's `trusted_root.json` (protobuf-specs `TrustedRoot`, protobuf JSON): the Rekor and
//! CT log keys and the Fulcio and timestamping CA chains a verification may trust, each with
//! the period it is valid for.
//!
//! Parsed as sigstore-go v1.2.1 `root.NewTrustedRootFromJSON` does, with the same refusals
//! (its messages are kept, prefixed with the JSON path of the offending field): tlog and CT
//! log entries need hash algorithm `SHA2_256`, `logId.keyId`, `publicKey.rawBytes`, a
//! supported `keyDetails`, and `publicKey.validFor.start`; CA entries need a non-empty
//! `certChain` of parseable certificates. Unlike sigstore-go we also take media type
//! `application/vnd.dev.sigstore.trustedroot.v0.2+json` (same schema).

use std::path::Path;

use crate::bundle::HASH_ALGORITHMS;
use crate::bundle::protojson::{Json, Msg};
use crate::keys::{KeyKind, PublicKey, rsa_spki_from_pkcs1};

/// The media types we accept.
pub const MEDIA_TYPE_V01: &str = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
/// protobuf-specs' name for the same schema from v0.2 on.
pub const MEDIA_TYPE_V02: &str = "application/vnd.dev.sigstore.trustedroot.v0.2+json";

/// A trusted root larger than this is refused unread (the public-good one is about 7 KiB).
const MAX_FILE_SIZE: u64 = 16 << 20;

/// A validity period in unix seconds; `None` = unbounded on that side. Both ends inclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    /// First second of validity.
    pub start: Option<i64>,
    /// Last second of validity.
    pub end: Option<i64>,
}

impl TimeRange {
    /// Whether `t` (unix seconds) lies in the range, ends included.
    pub fn contains(&self, t: i64) -> bool {
        self.start.is_none_or(|s| s <= t) && self.end.is_none_or(|e| t <= e)
    }
}

/// A transparency log (Rekor) or certificate-transparency log instance.
#[derive(Debug, Clone)]
pub struct TransparencyLog {
    /// `baseUrl`, informational.
    pub base_url: String,
    /// `logId.keyId` as given (not recomputed from the key, as in sigstore-go).
    pub log_id: [u8; 32],
    /// The log's key.
    pub key: PublicKey,
    /// `publicKey.validFor`.
    pub valid_for: TimeRange,
}

/// A certificate authority (Fulcio or a timestamping authority).
#[derive(Debug, Clone)]
pub struct CertificateAuthority {
    /// `uri`, informational.
    pub uri: String,
    /// DER certificates, leaf-most first; the last is the trust anchor.
    pub chain: Vec<Vec<u8>>,
    /// `validFor`; unbounded when absent.
    pub valid_for: TimeRange,
}

/// A parsed trusted root.
#[derive(Debug, Clone, Default)]
pub struct TrustedRoot {
    /// Rekor logs.
    pub tlogs: Vec<TransparencyLog>,
    /// Certificate-transparency logs.
    pub ctlogs: Vec<TransparencyLog>,
    /// Fulcio CAs.
    pub certificate_authorities: Vec<CertificateAuthority>,
    /// Timestamping authorities (RFC 3161), parsed but unused by this verifier.
    pub timestamp_authorities: Vec<CertificateAuthority>,
}

const ROOT_FIELDS: &[&str] = &[
    "mediaType",
    "tlogs",
    "certificateAuthorities",
    "ctlogs",
    "timestampAuthorities",
];
const LOG_FIELDS: &[&str] = &[
    "baseUrl",
    "hashAlgorithm",
    "publicKey",
    "logId",
    "checkpointKeyId",
    "operator",
];
const KEY_FIELDS: &[&str] = &["rawBytes", "keyDetails", "validFor"];
const CA_FIELDS: &[&str] = &["subject", "uri", "certChain", "validFor", "operator"];
const RANGE_FIELDS: &[&str] = &["start", "end"];

/// protobuf-specs `PublicKeyDetails`, by number.
const KEY_DETAILS: &[&str] = &[
    "PUBLIC_KEY_DETAILS_UNSPECIFIED",
    "PKCS1_RSA_PKCS1V5",
    "PKCS1_RSA_PSS",
    "PKIX_RSA_PKCS1V5",
    "PKIX_RSA_PSS",
    "PKIX_ECDSA_P256_SHA_256",
    "PKIX_ECDSA_P256_HMAC_SHA_256",
    "PKIX_ED25519",
    "PKIX_ED25519_PH",
    "PKIX_RSA_PKCS1V15_2048_SHA256",
    "PKIX_RSA_PKCS1V15_3072_SHA256",
    "PKIX_RSA_PKCS1V15_4096_SHA256",
    "PKIX_ECDSA_P384_SHA_384",
    "PKIX_ECDSA_P521_SHA_512",
    "LMS_SHA256",
    "LMOTS_SHA256",
    "PKIX_RSA_PSS_2048_SHA256",
    "PKIX_RSA_PSS_3072_SHA256",
    "PKIX_RSA_PSS_4096_SHA256",
    "PKIX_ECDSA_P384_SHA_256",
    "PKIX_ECDSA_P521_SHA_256",
    "ML_DSA_65",
    "ML_DSA_87",
    "ML_DSA_44",
];

impl TrustedRoot {
    /// Parses a `trusted_root.json`. Errors start with `trusted root: ` and name the field.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        parse(bytes).map_err(|e| format!("trusted root: {e}"))
    }

    /// Reads and parses a `trusted_root.json` file; errors name the path.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let fail = |e: String| format!("failed to read trusted root {}: {e}", path.display());
        let size = std::fs::metadata(path)
            .map_err(|e| fail(e.to_string()))?
            .len();
        if size > MAX_FILE_SIZE {
            return Err(fail(format!("file is larger than {MAX_FILE_SIZE} bytes")));
        }
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        Self::from_json(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The Rekor log with this id. Of several with the same id the last wins, as in
    /// sigstore-go's map keyed by hex id.
    pub fn tlog(&self, log_id: &[u8]) -> Option<&TransparencyLog> {
        self.tlogs.iter().rev().find(|l| l.log_id == log_id)
    }

    /// The CT log with this id (last wins, as for [`TrustedRoot::tlog`]).
    pub fn ctlog(&self, log_id: &[u8]) -> Option<&TransparencyLog> {
        self.ctlogs.iter().rev().find(|l| l.log_id == log_id)
    }
}

fn parse(bytes: &[u8]) -> Result<TrustedRoot, String> {
    let json = Json::parse(bytes)
        .map_err(|e| format!("failed to proto-json unmarshal trusted root: {e}"))?;
    let root = Msg::new(&json, "", ROOT_FIELDS)?;
    let media_type = root.string("mediaType")?.unwrap_or_default();
    if media_type != MEDIA_TYPE_V01 && media_type != MEDIA_TYPE_V02 {
        return Err(root.err(
            "mediaType",
            format!("unsupported TrustedRoot media type: {media_type}"),
        ));
    }
    let logs = |name: &str| -> Result<Vec<TransparencyLog>, String> {
        root.list(name)?
            .into_iter()
            .map(|(path, value)| parse_log(&Msg::new(value, &path, LOG_FIELDS)?))
            .collect()
    };
    let authorities = |name: &str| -> Result<Vec<CertificateAuthority>, String> {
        root.list(name)?
            .into_iter()
            .map(|(path, value)| parse_authority(&Msg::new(value, &path, CA_FIELDS)?))
            .collect()
    };
    Ok(TrustedRoot {
        tlogs: logs("tlogs")?,
        certificate_authorities: authorities("certificateAuthorities")?,
        timestamp_authorities: authorities("timestampAuthorities")?,
        ctlogs: logs("ctlogs")?,
    })
}

/// sigstore-go `ParseTransparencyLogs`, for one entry (its messages say "tlog" for CT logs too).
fn parse_log(log: &Msg<'_>) -> Result<TransparencyLog, String> {
    let algorithm = log
        .enumeration("hashAlgorithm", HASH_ALGORITHMS)?
        .unwrap_or_else(|| HASH_ALGORITHMS[0].to_owned());
    if algorithm != "SHA2_256" {
        return Err(log.err(
            "hashAlgorithm",
            format!("unsupported tlog hash algorithm: {algorithm}"),
        ));
    }
    let Some(log_id) = log.message("logId", &["keyId"])? else {
        return Err(log.err("logId", "tlog missing log ID"));
    };
    let Some(key_id) = log_id.bytes("keyId")? else {
        return Err(log_id.err("keyId", "tlog missing log ID key ID"));
    };
    let log_id: [u8; 32] = key_id.as_slice().try_into().map_err(|_| {
        log_id.err(
            "keyId",
            format!(
                "log ID key ID must be 32 bytes (SHA-256), got {}",
                key_id.len()
            ),
        )
    })?;
    if let Some(checkpoint_key) = log.message("checkpointKeyId", &["keyId"])? {
        // Read only to refuse malformed values, as protojson would.
        checkpoint_key.bytes("keyId")?;
    }
    log.string("operator")?;
    let base_url = log.string("baseUrl")?.unwrap_or_default().to_owned();
    let Some(public_key) = log.message("publicKey", KEY_FIELDS)? else {
        return Err(log.err("publicKey", "tlog missing public key"));
    };
    let Some(raw) = public_key.bytes("rawBytes")? else {
        return Err(public_key.err("rawBytes", "tlog missing public key raw bytes"));
    };
    let details = public_key
        .enumeration("keyDetails", KEY_DETAILS)?
        .unwrap_or_else(|| KEY_DETAILS[0].to_owned());
    let key =
        parse_log_key(&raw, &details, &base_url).map_err(|e| public_key.err("rawBytes", e))?;
    let Some(valid_for) = public_key.message("validFor", RANGE_FIELDS)? else {
        return Err(public_key.err("validFor", "tlog missing public key validity period"));
    };
    let valid_for = parse_range(&valid_for)?;
    if valid_for.start.is_none() {
        return Err(public_key.err(
            "validFor.start",
            "tlog missing public key validity period start time",
        ));
    }
    Ok(TransparencyLog {
        base_url,
        log_id,
        key,
        valid_for,
    })
}

/// The key in `raw`, which must be of the family `details` names (sigstore-go's switch).
fn parse_log_key(raw: &[u8], details: &str, base_url: &str) -> Result<PublicKey, String> {
    let spki = match details {
        // Deprecated, still used by Sigstore's staging instance: a bare PKCS#1 RSAPublicKey.
        "PKCS1_RSA_PKCS1V5" => rsa_spki_from_pkcs1(raw),
        _ => raw.to_vec(),
    };
    let key = PublicKey::from_spki_der(&spki)
        .map_err(|e| format!("failed to parse public key for tlog: {base_url} {e}"))?;
    let fits = match details {
        "PKIX_ECDSA_P256_SHA_256" | "PKIX_ECDSA_P384_SHA_384" | "PKIX_ECDSA_P521_SHA_512" => {
            matches!(
                key.kind(),
                KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::EcdsaP521
            )
        }
        "PKIX_RSA_PKCS1V15_2048_SHA256"
        | "PKIX_RSA_PKCS1V15_3072_SHA256"
        | "PKIX_RSA_PKCS1V15_4096_SHA256"
        | "PKCS1_RSA_PKCS1V5" => matches!(key.kind(), KeyKind::Rsa { .. }),
        "PKIX_ED25519" => key.kind() == KeyKind::Ed25519,
        other => return Err(format!("unsupported tlog public key type: {other}")),
    };
    if !fits {
        return Err(format!(
            "tlog public key does not match its key details {details}"
        ));
    }
    Ok(key)
}

/// sigstore-go `ParseCertificateAuthority`: a chain of ≥1 parseable certificates.
fn parse_authority(ca: &Msg<'_>) -> Result<CertificateAuthority, String> {
    if let Some(subject) = ca.message("subject", &["organization", "commonName"])? {
        subject.string("organization")?;
        subject.string("commonName")?;
    }
    ca.string("operator")?;
    let uri = ca.string("uri")?.unwrap_or_default().to_owned();
    let Some(chain) = ca.message("certChain", &["certificates"])? else {
        return Err(ca.err("certChain", "CertificateAuthority missing cert chain"));
    };
    let mut certificates = Vec::new();
    for (path, value) in chain.list("certificates")? {
        let cert = Msg::new(value, &path, &["rawBytes"])?;
        let der = cert.bytes("rawBytes")?.unwrap_or_default();
        check_certificate(&der).map_err(|e| {
            cert.err(
                "rawBytes",
                format!("failed to parse certificate for {uri} {e}"),
            )
        })?;
        certificates.push(der);
    }
    if certificates.is_empty() {
        return Err(chain.err("certificates", "CertificateAuthority cert chain is empty"));
    }
    let valid_for = match ca.message("validFor", RANGE_FIELDS)? {
        Some(range) => parse_range(&range)?,
        None => TimeRange::default(),
    };
    Ok(CertificateAuthority {
        uri,
        chain: certificates,
        valid_for,
    })
}

/// Go's `x509.ParseCertificate` refuses trailing data; so do we.
pub(crate) fn check_certificate(der: &[u8]) -> Result<(), String> {
    match x509_parser::parse_x509_certificate(der) {
        Ok(([], _)) => Ok(()),
        Ok(_) => Err("x509: trailing data".to_owned()),
        Err(e) => Err(format!("x509: {e}")),
    }
}

/// A `TimeRange`. Fractional seconds round inwards, so that `contains` on whole seconds
/// answers as Go's nanosecond comparison would.
fn parse_range(range: &Msg<'_>) -> Result<TimeRange, String> {
    let start = range
        .timestamp("start")?
        .map(|(s, ns)| if ns > 0 { s.saturating_add(1) } else { s });
    let end = range.timestamp("end")?.map(|(s, _)| s);
    Ok(TimeRange { start, end })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn time_range_is_inclusive() {
        let r = TimeRange {
            start: Some(10),
            end: Some(20),
        };
        assert!(r.contains(10) && r.contains(20) && !r.contains(9) && !r.contains(21));
        assert!(TimeRange::default().contains(i64::MIN));
    }

    #[test]
    fn fractional_bounds_round_inwards() {
        let json =
            Json::parse(br#"{"start":"2021-01-01T00:00:00.5Z","end":"2021-01-01T00:00:09.9Z"}"#)
                .unwrap();
        let range = parse_range(&Msg::new(&json, "validFor", RANGE_FIELDS).unwrap()).unwrap();
        assert_eq!(range.start, Some(1_609_459_201));
        assert_eq!(range.end, Some(1_609_459_209));
    }
}
