//! Signed certificate timestamps embedded in a Fulcio leaf (RFC 6962 §3.3): the CT log's
//! promise that the precertificate was logged. cosign's legacy rule applies: every embedded SCT
//! must come from a known log and verify (`pkg/cosign/verify_sct.go`); sigstore-go's rule that
//! the SCT time falls inside the log key's validity is added.
//!
//! What is signed (certificate-transparency-go `SerializeSCTSignatureInput` for a precert
//! entry): `version(0) || signature_type(0) || timestamp u64 || entry_type u16 = 1 ||
//! SHA-256(issuer SPKI) || u24-length TBS || u16-length extensions`, where TBS is the leaf's
//! TBSCertificate with the SCT-list extension removed and re-encoded.

use sha2::{Digest as _, Sha256};

use super::{CertParts, cert_parts, rfc3339};
use crate::der::{encode_tlv, oid_contents, read_all, read_only, read_tlv};
use crate::keys::{Hash, KeyKind, PublicKey};
use crate::trustroot::TransparencyLog;

/// The embedded SCT list extension, 1.3.6.1.4.1.11129.2.4.2.
const SCT_LIST_OID: &str = "1.3.6.1.4.1.11129.2.4.2";

/// One parsed SCT (v1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sct {
    /// The log's ID.
    pub log_id: [u8; 32],
    /// Milliseconds since the epoch.
    pub timestamp_ms: u64,
    /// The SCT's extensions (opaque).
    pub extensions: Vec<u8>,
    /// TLS `HashAlgorithm` code (4 = SHA-256, 5 = SHA-384, 6 = SHA-512).
    pub hash_alg: u8,
    /// TLS `SignatureAlgorithm` code (1 = RSA, 3 = ECDSA).
    pub sig_alg: u8,
    /// The signature (DER for ECDSA).
    pub signature: Vec<u8>,
}

/// Every embedded SCT (1.3.6.1.4.1.11129.2.4.2) of `leaf` must come from one of the CT `logs`
/// (the first with its log ID), fall inside that log key's validity, and verify (cosign legacy
/// rule); `issuer` = the chain's second certificate (DER). Returns how many SCTs verified.
/// Error if the leaf has no SCT.
pub(crate) fn verify_embedded_scts(
    leaf: &CertParts<'_>,
    issuer: &[u8],
    logs: &[TransparencyLog],
) -> Result<usize, String> {
    let scts = embedded_scts(leaf)?;
    if scts.is_empty() {
        return Err(
            "certificate does not include required embedded SCT and no detached SCT was set".into(),
        );
    }
    if logs.is_empty() {
        return Err("none of the CTFE keys have been found".into());
    }
    let tbs = without_sct_list(leaf)?;
    let issuer_spki = cert_parts(issuer)
        .map_err(|e| format!("error verifying embedded SCT: issuer: {e}"))?
        .spki;
    let issuer_key_hash: [u8; 32] = Sha256::digest(issuer_spki).into();
    for sct in &scts {
        let log = logs
            .iter()
            .find(|l| l.log_id == sct.log_id)
            .ok_or("ctfe public key not found for embedded SCT")?;
        let seconds = i64::try_from(sct.timestamp_ms / 1000).unwrap_or(i64::MAX);
        if !log.valid_for.contains(seconds) {
            return Err(format!(
                "error verifying embedded SCT: SCT timestamp {} is outside the validity period \
                 of CT log {}",
                rfc3339(seconds),
                hex::encode(sct.log_id)
            ));
        }
        let message = signed_data(sct, &issuer_key_hash, &tbs)?;
        verify_signature(&log.key, sct, &message)
            .map_err(|e| format!("error verifying embedded SCT: {e}"))?;
    }
    Ok(scts.len())
}

/// The SCTs in the leaf's SCT-list extension (empty if it has none).
fn embedded_scts(leaf: &CertParts<'_>) -> Result<Vec<Sct>, String> {
    let Some(value) = leaf.extension(&oid_contents(SCT_LIST_OID)) else {
        return Ok(Vec::new());
    };
    // extnValue's OCTET STRING wraps a second OCTET STRING holding the TLS structure.
    let inner = read_only(value, 0x04).map_err(|e| format!("malformed SCT list: {e}"))?;
    parse_sct_list(inner.contents)
}

/// TLS `SignedCertificateTimestampList`: `u16 total || (u16 len || SCT)*`.
fn parse_sct_list(data: &[u8]) -> Result<Vec<Sct>, String> {
    let mut r = Reader(data);
    let mut list = Reader(r.vec16()?);
    r.end()?;
    let mut out = Vec::new();
    while !list.0.is_empty() {
        out.push(parse_sct(list.vec16()?)?);
    }
    Ok(out)
}

fn parse_sct(data: &[u8]) -> Result<Sct, String> {
    let mut r = Reader(data);
    let version = r.u8()?;
    if version != 0 {
        return Err(format!("unsupported SCT version, {version}"));
    }
    let mut log_id = [0u8; 32];
    log_id.copy_from_slice(r.take(32)?);
    let timestamp_ms = u64::from_be_bytes(r.take(8)?.try_into().map_err(|_| "malformed SCT")?);
    let extensions = r.vec16()?.to_vec();
    let hash_alg = r.u8()?;
    let sig_alg = r.u8()?;
    let signature = r.vec16()?.to_vec();
    r.end()?;
    Ok(Sct {
        log_id,
        timestamp_ms,
        extensions,
        hash_alg,
        sig_alg,
        signature,
    })
}

/// The leaf's TBSCertificate with every SCT-list extension removed, re-encoded as DER
/// (certificate-transparency-go `x509.RemoveSCTList`). An extension list left empty is dropped,
/// as Go's `asn1` omits an empty optional `[3]`.
pub fn precert_tbs(leaf: &[u8]) -> Result<Vec<u8>, String> {
    without_sct_list(&cert_parts(leaf)?)
}

/// [`precert_tbs`] of a certificate already located.
fn without_sct_list(parts: &CertParts<'_>) -> Result<Vec<u8>, String> {
    let oid = oid_contents(SCT_LIST_OID);
    let mut found = false;
    let mut contents = Vec::with_capacity(parts.tbs.full.len());
    for field in &parts.tbs_fields {
        if field.tag != 0xa3 {
            contents.extend_from_slice(field.full);
            continue;
        }
        let list = read_only(field.contents, 0x30)?;
        let mut kept = Vec::with_capacity(list.contents.len());
        for ext in read_all(list.contents)? {
            let (id, _) = read_tlv(ext.contents)?;
            if id.tag == 0x06 && id.contents == oid.as_slice() {
                found = true;
            } else {
                kept.extend_from_slice(ext.full);
            }
        }
        if !kept.is_empty() {
            contents.extend(encode_tlv(0xa3, &encode_tlv(0x30, &kept)));
        }
    }
    if !found {
        return Err("SCT list extension not found".into());
    }
    Ok(encode_tlv(0x30, &contents))
}

/// The bytes the log signed for an embedded (precert) SCT.
fn signed_data(sct: &Sct, issuer_key_hash: &[u8; 32], tbs: &[u8]) -> Result<Vec<u8>, String> {
    let tbs_len = u32::try_from(tbs.len())
        .ok()
        .filter(|&l| l < 1 << 24)
        .ok_or("precertificate TBS is too long for an SCT")?;
    let ext_len = u16::try_from(sct.extensions.len()).map_err(|_| "SCT extensions too long")?;
    let mut out = Vec::with_capacity(tbs.len() + sct.extensions.len() + 50);
    out.push(0); // sct_version v1
    out.push(0); // signature_type certificate_timestamp
    out.extend_from_slice(&sct.timestamp_ms.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes()); // entry_type precert_entry
    out.extend_from_slice(issuer_key_hash);
    out.extend_from_slice(&tbs_len.to_be_bytes()[1..]);
    out.extend_from_slice(tbs);
    out.extend_from_slice(&ext_len.to_be_bytes());
    out.extend_from_slice(&sct.extensions);
    Ok(out)
}

/// certificate-transparency-go `tls.VerifySignature`: the SCT's signature algorithm must suit
/// the key, and its hash is the one the SCT names.
fn verify_signature(key: &PublicKey, sct: &Sct, message: &[u8]) -> Result<(), String> {
    let hash = match sct.hash_alg {
        4 => Hash::Sha256,
        5 => Hash::Sha384,
        6 => Hash::Sha512,
        other => return Err(format!("unsupported hash algorithm {other} in SCT")),
    };
    match (sct.sig_alg, key.kind()) {
        (3, KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::EcdsaP521) => {}
        (1, KeyKind::Rsa { .. }) => {}
        (alg, kind) => {
            return Err(format!(
                "SCT signature algorithm {alg} does not suit the log's {kind:?} key"
            ));
        }
    }
    key.verify_with_hash(hash, message, &sct.signature)
}

/// A cursor over TLS-encoded bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("malformed SCT: truncated".into());
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn vec16(&mut self) -> Result<&'a [u8], String> {
        let len = self.take(2)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        self.take(len)
    }

    fn end(&self) -> Result<(), String> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err("malformed SCT: trailing data".into())
        }
    }
}
