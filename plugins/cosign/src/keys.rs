//! Public keys and the signature rules cosign applies to them.
//!
//! cosign verifies with `signature.LoadVerifier(pub, crypto.SHA256)`: ECDSA on any curve over
//! SHA-256 of the message with an ASN.1 DER signature, RSA PKCS#1 v1.5 with SHA-256, and pure
//! Ed25519. We accept RSA-PSS with SHA-256 as well (salt as long as the hash, which is what
//! ring checks). Keys arrive as DER `SubjectPublicKeyInfo` (trusted roots, certificates) or PEM
//! (`PUBLIC KEY`, or PKCS#1 `RSA PUBLIC KEY`) files.
//!
//! ECDSA goes through the RustCrypto curve crates on a digest we compute ourselves, so the same
//! code serves plain, explicit-hash and prehashed verification on all three curves; RSA and
//! Ed25519 go through ring.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::signature::{self as rs, RsaParameters, RsaPublicKeyComponents};
use sha2::Digest as _;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey as ParsedKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::der::encode_tlv;

/// The kinds of keys cosign can verify with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// RSA; `bits` is the modulus length in bits (2048 or more).
    Rsa {
        /// Modulus length in bits.
        bits: usize,
    },
    /// ECDSA on NIST P-256.
    EcdsaP256,
    /// ECDSA on NIST P-384.
    EcdsaP384,
    /// ECDSA on NIST P-521.
    EcdsaP521,
    /// Ed25519 (pure, no prehash).
    Ed25519,
}

/// Hash functions a signature can be computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Hash {
    /// Hashes `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// The digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }
}

/// A public key: its DER `SubjectPublicKeyInfo` and what kind of key it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    spki: Vec<u8>,
    kind: KeyKind,
    /// RSA: DER `RSAPublicKey`; ECDSA: SEC1 point; Ed25519: the 32-byte key.
    key: Vec<u8>,
}

const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";
const OID_ED25519: &str = "1.3.101.112";
/// ring's RSA verifiers take 2048..=8192-bit moduli; sigstore refuses RSA below 2048 bits too.
const RSA_MIN_BITS: usize = 2048;
const RSA_MAX_BITS: usize = 8192;

/// Go's message for a failed ECDSA check (sigstore `ECDSAVerifier.VerifySignature`).
const ECDSA_FAILED: &str = "invalid signature when validating ASN.1 encoded signature";
/// Go's message for a failed RSA check (`crypto/rsa`).
const RSA_FAILED: &str = "crypto/rsa: verification error";
/// sigstore's message for a failed Ed25519 check.
const ED25519_FAILED: &str = "failed to verify signature";

/// ring's ECDSA verifier for a curve and hash, when it has one. Like Go's `ecdsa.VerifyASN1`,
/// ring truncates a longer digest to the curve's order.
fn ring_ecdsa(kind: KeyKind, hash: Hash) -> Option<&'static rs::EcdsaVerificationAlgorithm> {
    match (kind, hash) {
        (KeyKind::EcdsaP256, Hash::Sha256) => Some(&rs::ECDSA_P256_SHA256_ASN1),
        (KeyKind::EcdsaP256, Hash::Sha384) => Some(&rs::ECDSA_P256_SHA384_ASN1),
        (KeyKind::EcdsaP384, Hash::Sha256) => Some(&rs::ECDSA_P384_SHA256_ASN1),
        (KeyKind::EcdsaP384, Hash::Sha384) => Some(&rs::ECDSA_P384_SHA384_ASN1),
        _ => None,
    }
}

impl PublicKey {
    /// Reads a DER `SubjectPublicKeyInfo`. Trailing bytes, unknown key types and curves, and
    /// RSA keys outside 2048..=8192 bits are refused.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, String> {
        let (rest, spki) =
            SubjectPublicKeyInfo::from_der(der).map_err(|e| format!("parsing public key: {e}"))?;
        if !rest.is_empty() {
            return Err("parsing public key: trailing data after SubjectPublicKeyInfo".into());
        }
        let algorithm = spki.algorithm.algorithm.to_id_string();
        if algorithm == OID_ED25519 {
            let key = spki.subject_public_key.data.to_vec();
            if key.len() != 32 {
                return Err("parsing public key: ed25519 key is not 32 bytes".into());
            }
            return Ok(Self::new(der, KeyKind::Ed25519, key));
        }
        match spki.parsed() {
            Ok(ParsedKey::RSA(rsa)) => {
                let bits = bit_len(rsa.modulus);
                if bits < RSA_MIN_BITS {
                    return Err(format!(
                        "RSA key size too small: {bits} bits (at least {RSA_MIN_BITS} required)"
                    ));
                }
                if bits > RSA_MAX_BITS {
                    return Err(format!(
                        "RSA key size too large: {bits} bits (at most {RSA_MAX_BITS} supported)"
                    ));
                }
                let key = spki.subject_public_key.data.to_vec();
                Ok(Self::new(der, KeyKind::Rsa { bits }, key))
            }
            Ok(ParsedKey::EC(point)) => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|oid| oid.to_id_string())
                    .ok_or("parsing public key: EC key without a named curve")?;
                let kind = match curve.as_str() {
                    OID_P256 => KeyKind::EcdsaP256,
                    OID_P384 => KeyKind::EcdsaP384,
                    OID_P521 => KeyKind::EcdsaP521,
                    _ => return Err(format!("unsupported elliptic curve {curve}")),
                };
                let key = Self::new(der, kind, point.data().to_vec());
                // Go's parser refuses points off the curve; do it at load time too.
                key.check_point()?;
                Ok(key)
            }
            Ok(_) => Err(format!("unsupported public key type {algorithm}")),
            Err(e) => Err(format!("parsing public key: {e}")),
        }
    }

    /// Reads exactly one PEM `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1) block. Anything
    /// else in the input but whitespace (a second block, stray text) is refused.
    pub fn from_pem(pem: &[u8]) -> Result<Self, String> {
        let (label, der) = single_pem_block(pem)?;
        match label.as_str() {
            "PUBLIC KEY" => Self::from_spki_der(&der),
            "RSA PUBLIC KEY" => Self::from_spki_der(&rsa_spki_from_pkcs1(&der)),
            // cryptoutils.UnmarshalPEMToPublicKey's wording.
            other => Err(format!(
                "unknown Public key PEM file type: {other}. Are you passing the correct public key?"
            )),
        }
    }

    /// Reads a PEM public key file; errors name the path.
    pub fn from_pem_file(path: &Path) -> Result<Self, String> {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("reading public key {}: {e}", path.display()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(format!("key file {} is empty", path.display()));
        }
        Self::from_pem(&bytes).map_err(|e| format!("public key {}: {e}", path.display()))
    }

    /// The public key of a DER certificate.
    pub fn from_certificate(cert_der: &[u8]) -> Result<Self, String> {
        let (_, cert) = x509_parser::parse_x509_certificate(cert_der)
            .map_err(|e| format!("parsing certificate: {e}"))?;
        Self::from_spki_der(cert.tbs_certificate.subject_pki.raw)
    }

    /// What kind of key this is.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// SHA-256 of the DER `SubjectPublicKeyInfo`: a Rekor log ID, a CT log ID.
    pub fn key_id(&self) -> [u8; 32] {
        sha2::Sha256::digest(&self.spki).into()
    }

    /// The key as a PEM `PUBLIC KEY` block (what `cryptoutils.MarshalPublicKeyToPEM` writes).
    pub fn to_pem(&self) -> String {
        let b64 = STANDARD.encode(&self.spki);
        let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(chunk));
            out.push('\n');
        }
        out.push_str("-----END PUBLIC KEY-----\n");
        out
    }

    /// cosign's `signature.LoadVerifier(pub, crypto.SHA256)`: ECDSA (any curve) over SHA-256 of
    /// `message`, DER signature; RSA PKCS#1 v1.5 SHA-256 (PSS with SHA-256 accepted too);
    /// Ed25519 pure.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), String> {
        self.verify_with_hash(Hash::Sha256, message, signature)
    }

    /// Same with an explicit hash for ECDSA/RSA (sigstore-go tries the curve's own hash for
    /// P-384/P-521). Ed25519 is pure and ignores `hash`, as sigstore's verifier does.
    pub fn verify_with_hash(
        &self,
        hash: Hash,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), String> {
        match self.kind {
            KeyKind::Rsa { .. } => self.verify_rsa(hash, message, signature),
            KeyKind::Ed25519 => rs::UnparsedPublicKey::new(&rs::ED25519, &self.key)
                .verify(message, signature)
                .map_err(|_| ED25519_FAILED.to_string()),
            KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::EcdsaP521 => {
                // ring where it has the curve/hash pair (several times faster than the
                // RustCrypto curves); the curve crates for P-521 and SHA-512.
                match ring_ecdsa(self.kind, hash) {
                    Some(algorithm) => rs::UnparsedPublicKey::new(algorithm, &self.key)
                        .verify(message, signature)
                        .map_err(|_| ECDSA_FAILED.to_string()),
                    None => self.verify_ecdsa_digest(&hash.digest(message), signature),
                }
            }
        }
    }

    /// ECDSA over a digest already computed (for messageSignature bundles, which carry the
    /// artifact's digest). `digest` must be as long as `hash`'s output. RSA and Ed25519 keys
    /// cannot be checked this way: ring has no prehash interface.
    pub fn verify_prehashed(
        &self,
        hash: Hash,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), String> {
        if digest.len() != hash.output_len() {
            return Err(format!(
                "digest is {} bytes, {hash:?} digests are {}",
                digest.len(),
                hash.output_len()
            ));
        }
        match self.kind {
            KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::EcdsaP521 => {
                self.verify_ecdsa_digest(digest, signature)
            }
            KeyKind::Rsa { .. } | KeyKind::Ed25519 => {
                Err("prehashed verification is not supported for this key".into())
            }
        }
    }

    fn new(spki: &[u8], kind: KeyKind, key: Vec<u8>) -> Self {
        PublicKey {
            spki: spki.to_vec(),
            kind,
            key,
        }
    }

    fn verify_rsa(&self, hash: Hash, message: &[u8], signature: &[u8]) -> Result<(), String> {
        let (pkcs1, pss): (&'static RsaParameters, &'static RsaParameters) = match hash {
            Hash::Sha256 => (
                &rs::RSA_PKCS1_2048_8192_SHA256,
                &rs::RSA_PSS_2048_8192_SHA256,
            ),
            Hash::Sha384 => (
                &rs::RSA_PKCS1_2048_8192_SHA384,
                &rs::RSA_PSS_2048_8192_SHA384,
            ),
            Hash::Sha512 => (
                &rs::RSA_PKCS1_2048_8192_SHA512,
                &rs::RSA_PSS_2048_8192_SHA512,
            ),
        };
        let (modulus, exponent) = rsa_components(&self.key)?;
        let key = RsaPublicKeyComponents {
            n: modulus,
            e: exponent,
        };
        key.verify(pkcs1, message, signature)
            .or_else(|_| key.verify(pss, message, signature))
            .map_err(|_| RSA_FAILED.to_string())
    }

    /// Go's `ecdsa.VerifyASN1(pub, digest, sig)`: the digest is truncated to the order's bit
    /// length or left as a shorter number, which is what the curve crates' prehash check does.
    fn verify_ecdsa_digest(&self, digest: &[u8], signature: &[u8]) -> Result<(), String> {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        let failed = |_| ECDSA_FAILED.to_string();
        macro_rules! check {
            ($curve:ident) => {{
                let key = $curve::ecdsa::VerifyingKey::from_sec1_bytes(&self.key)
                    .map_err(|_| "malformed ECDSA public key".to_string())?;
                let sig = $curve::ecdsa::DerSignature::from_bytes(signature).map_err(failed)?;
                key.verify_prehash(digest, &sig).map_err(failed)
            }};
        }
        match self.kind {
            KeyKind::EcdsaP256 => check!(p256),
            KeyKind::EcdsaP384 => check!(p384),
            KeyKind::EcdsaP521 => check!(p521),
            KeyKind::Rsa { .. } | KeyKind::Ed25519 => Err("not an ECDSA key".into()),
        }
    }

    fn check_point(&self) -> Result<(), String> {
        let ok = match self.kind {
            KeyKind::EcdsaP256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(&self.key).is_ok(),
            KeyKind::EcdsaP384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(&self.key).is_ok(),
            KeyKind::EcdsaP521 => p521::ecdsa::VerifyingKey::from_sec1_bytes(&self.key).is_ok(),
            KeyKind::Rsa { .. } | KeyKind::Ed25519 => true,
        };
        if ok {
            Ok(())
        } else {
            Err("parsing public key: invalid elliptic curve point".into())
        }
    }
}

/// Bit length of a big-endian unsigned integer (leading zero bytes allowed).
fn bit_len(bytes: &[u8]) -> usize {
    match bytes.iter().position(|&b| b != 0) {
        Some(i) => (bytes.len() - i - 1) * 8 + (8 - bytes[i].leading_zeros() as usize),
        None => 0,
    }
}

/// Modulus and exponent of a DER `RSAPublicKey`, without leading zero bytes.
fn rsa_components(der: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let (_, key) = x509_parser::public_key::RSAPublicKey::from_der(der)
        .map_err(|e| format!("malformed RSA public key: {e}"))?;
    let strip = |b: &'_ [u8]| b.iter().position(|&x| x != 0).unwrap_or(b.len());
    Ok((
        &key.modulus[strip(key.modulus)..],
        &key.exponent[strip(key.exponent)..],
    ))
}

/// Wraps a PKCS#1 `RSAPublicKey` into the SPKI Go's `x509.MarshalPKIXPublicKey` would write
/// (rsaEncryption with NULL parameters), so key IDs match: for `RSA PUBLIC KEY` PEM files and
/// the trusted root's deprecated `PKCS1_RSA_PKCS1V5` log keys.
pub(crate) fn rsa_spki_from_pkcs1(pkcs1: &[u8]) -> Vec<u8> {
    const ALGORITHM: [u8; 15] = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bit_string = vec![0u8];
    bit_string.extend_from_slice(pkcs1);
    let mut body = ALGORITHM.to_vec();
    body.extend(encode_tlv(0x03, &bit_string));
    encode_tlv(0x30, &body)
}

/// The label and decoded body of the only PEM block in `input`.
fn single_pem_block(input: &[u8]) -> Result<(String, Vec<u8>), String> {
    let text = std::str::from_utf8(input).map_err(|_| "PEM decoding failed: not text")?;
    let begin = text.find("-----BEGIN ").ok_or("PEM decoding failed")?;
    if !text[..begin].trim().is_empty() {
        return Err("PEM decoding failed: unexpected data before the PEM block".into());
    }
    let after_begin = &text[begin + "-----BEGIN ".len()..];
    let label_end = after_begin.find("-----").ok_or("PEM decoding failed")?;
    let label = &after_begin[..label_end];
    let body_and_rest = &after_begin[label_end + 5..];
    let end_marker = format!("-----END {label}-----");
    let end = body_and_rest
        .find(&end_marker)
        .ok_or_else(|| format!("PEM decoding failed: no END line for {label}"))?;
    let rest = &body_and_rest[end + end_marker.len()..];
    if rest.contains("-----BEGIN ") {
        return Err("unexpected PEM block: expected exactly one public key".into());
    }
    if !rest.trim().is_empty() {
        return Err("PEM decoding failed: unexpected data after the PEM block".into());
    }
    let b64: String = body_and_rest[..end]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = STANDARD
        .decode(b64)
        .map_err(|e| format!("PEM decoding failed: {e}"))?;
    Ok((label.to_string(), der))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn bit_len_counts_from_the_top_set_bit() {
        assert_eq!(bit_len(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_len(&[0x01]), 1);
        assert_eq!(bit_len(&[0, 0]), 0);
    }

    #[test]
    fn pkcs1_wrapping_is_der() {
        let spki = rsa_spki_from_pkcs1(&[0x30, 0x03, 0x02, 0x01, 0x05]);
        assert_eq!(spki[0], 0x30);
        assert_eq!(usize::from(spki[1]), spki.len() - 2);
    }

    #[test]
    fn pem_refuses_two_blocks_and_garbage() {
        let block = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
        assert!(single_pem_block(block.as_bytes()).is_ok());
        let two = format!("{block}{block}");
        let err = single_pem_block(two.as_bytes()).unwrap_err();
        assert!(err.contains("exactly one"), "{err}");
        let junk = format!("{block}junk");
        assert!(single_pem_block(junk.as_bytes()).is_err());
    }
}
