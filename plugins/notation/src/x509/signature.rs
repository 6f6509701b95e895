//! Certificate signature checks (one issuer → subject link), with Go's algorithm rules
//! (`crypto/x509.checkSignature`) and errors.
//!
//! The cryptography is rustls-webpki's ring-backed `SignatureVerificationAlgorithm`s, called
//! directly on the issuer's key. webpki's path builder is not used: notation builds no path (the
//! envelope fixes the order and `validate_chain` checks each link) and trusts a chain by byte
//! equality with a store certificate, while webpki would accept chains notation refuses (no
//! self-signed root at the end, an anchor that merely shares name and key) and refuse ones it
//! accepts (v1 certificates, unknown critical extensions, any expired certificate even when a
//! timestamp covers the signing). Where webpki has no algorithm but Go verifies, so do we: P-521
//! keys through `p521`, and RSA PKCS#1 v1.5 with 1024–2047-bit issuer keys or SHA-1 (self-signed
//! only, as Go) through ring's legacy verifiers.

use rustls_pki_types::SignatureVerificationAlgorithm;
use sha2::{Digest, Sha256, Sha384, Sha512};
use webpki::ring as algs;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::sigalg::Hash;
pub(crate) use super::sigalg::SigAlg;
use crate::der;

/// Named curves Go's parser accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    P224,
    P256,
    P384,
    P521,
}

/// A subject public key, as far as signature checks and key-size rules need it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PublicKey<'a> {
    /// `RSAPublicKey` DER and modulus size as Go counts it (`Size() << 3`, whole bytes).
    Rsa {
        der: &'a [u8],
        bits: usize,
    },
    Ec {
        curve: Curve,
        point: &'a [u8],
    },
    Ed25519(&'a [u8]),
    Dsa,
    Unknown,
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_DSA: &str = "1.2.840.10040.4.1";

impl<'a> PublicKey<'a> {
    /// Reads a SubjectPublicKeyInfo; errors where Go's parser refuses the certificate.
    pub(crate) fn from_spki(spki: &SubjectPublicKeyInfo<'a>) -> Result<Self, String> {
        let bits = match spki.subject_public_key.data {
            // DER parsing borrows from the input; only that lets the key outlive the parse.
            std::borrow::Cow::Borrowed(bits) => bits,
            std::borrow::Cow::Owned(_) => return Err("x509: malformed public key".to_string()),
        };
        match spki.algorithm.algorithm.to_id_string().as_str() {
            OID_RSA => {
                let parts = der::read_single(bits, der::TAG_SEQUENCE).and_then(der::elements);
                let modulus = match parts.as_deref() {
                    Some([n, e]) if n.tag == der::TAG_INTEGER && e.tag == der::TAG_INTEGER => {
                        n.content
                    }
                    _ => return Err("x509: invalid RSA public key".to_string()),
                };
                let significant = modulus.iter().skip_while(|&&b| b == 0).count();
                Ok(PublicKey::Rsa {
                    der: bits,
                    bits: significant * 8,
                })
            }
            OID_EC => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok());
                let curve = match curve.map(|oid| oid.to_id_string()).as_deref() {
                    Some("1.3.132.0.33") => Curve::P224,
                    Some("1.2.840.10045.3.1.7") => Curve::P256,
                    Some("1.3.132.0.34") => Curve::P384,
                    Some("1.3.132.0.35") => Curve::P521,
                    _ => return Err("x509: unsupported elliptic curve".to_string()),
                };
                Ok(PublicKey::Ec { curve, point: bits })
            }
            OID_ED25519 => Ok(PublicKey::Ed25519(bits)),
            OID_DSA => Ok(PublicKey::Dsa),
            _ => Ok(PublicKey::Unknown),
        }
    }

    /// Go's `%T` of the key, for its mismatch error.
    fn go_type(&self) -> &'static str {
        match self {
            PublicKey::Rsa { .. } => "*rsa.PublicKey",
            PublicKey::Ec { .. } => "*ecdsa.PublicKey",
            PublicKey::Ed25519(_) => "ed25519.PublicKey",
            PublicKey::Dsa => "*dsa.PublicKey",
            PublicKey::Unknown => "<nil>",
        }
    }
}

impl SigAlg {
    /// Go's `checkSignature(algo, signed, signature, publicKey, allowSHA1)`; the error text is
    /// Go's.
    pub(crate) fn verify(
        self,
        key: &PublicKey<'_>,
        signed: &[u8],
        signature: &[u8],
        allow_sha1: bool,
    ) -> Result<(), String> {
        let unimplemented = || "x509: cannot verify signature: algorithm unimplemented".to_string();
        let insecure = || {
            format!(
                "x509: cannot verify signature: insecure algorithm {}",
                self.go_name()
            )
        };
        match self.hash() {
            Hash::None if self != SigAlg::Ed25519 => return Err(unimplemented()),
            Hash::Md5 => return Err(insecure()),
            Hash::Sha1 if !allow_sha1 => return Err(insecure()),
            _ => {}
        }
        let family_matches = matches!(
            (key, self.key_family()),
            (PublicKey::Rsa { .. }, "RSA")
                | (PublicKey::Ec { .. }, "ECDSA")
                | (PublicKey::Ed25519(_), "Ed25519")
        );
        if !family_matches && !matches!(key, PublicKey::Dsa | PublicKey::Unknown) {
            return Err(format!(
                "x509: signature algorithm specifies an {} public key, but have public key of \
                 type {}",
                self.key_family(),
                key.go_type()
            ));
        }
        let (valid, failure) = match *key {
            PublicKey::Rsa { der, bits } => match self.verify_rsa(der, bits, signed, signature) {
                Some(valid) => (valid, "crypto/rsa: verification error"),
                None => return Err(unimplemented()),
            },
            PublicKey::Ec { curve, point } => {
                match self.verify_ecdsa(curve, point, signed, signature) {
                    Some(valid) => (valid, "x509: ECDSA verification failure"),
                    None => return Err(unimplemented()),
                }
            }
            PublicKey::Ed25519(key) => (
                with_webpki(algs::ED25519, key, signed, signature),
                "x509: Ed25519 verification failure",
            ),
            PublicKey::Dsa | PublicKey::Unknown => return Err(unimplemented()),
        };
        if valid {
            Ok(())
        } else {
            Err(failure.to_string())
        }
    }

    /// RSA: webpki for keys of 2048 bits and up; ring's legacy verifiers for what Go also
    /// accepts below that or with SHA-1. `None` when neither library has the combination.
    fn verify_rsa(self, key: &[u8], bits: usize, signed: &[u8], sig: &[u8]) -> Option<bool> {
        use ring::signature as legacy;
        let modern: Option<&dyn SignatureVerificationAlgorithm> = match self {
            SigAlg::Sha256Rsa => Some(algs::RSA_PKCS1_2048_8192_SHA256),
            SigAlg::Sha384Rsa => Some(algs::RSA_PKCS1_2048_8192_SHA384),
            SigAlg::Sha512Rsa => Some(algs::RSA_PKCS1_2048_8192_SHA512),
            SigAlg::Sha256RsaPss => Some(algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY),
            SigAlg::Sha384RsaPss => Some(algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY),
            SigAlg::Sha512RsaPss => Some(algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY),
            _ => None,
        };
        if let Some(alg) = modern.filter(|_| bits >= 2048) {
            return Some(with_webpki(alg, key, signed, sig));
        }
        let fallback: &dyn legacy::VerificationAlgorithm = match self {
            SigAlg::Sha1Rsa => &legacy::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            SigAlg::Sha256Rsa => &legacy::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            SigAlg::Sha512Rsa => &legacy::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            _ => return None,
        };
        Some(
            legacy::UnparsedPublicKey::new(fallback, key)
                .verify(signed, sig)
                .is_ok(),
        )
    }

    /// ECDSA: webpki for P-256/P-384 with SHA-256/384; p521 for P-521 with any SHA-2.
    fn verify_ecdsa(self, curve: Curve, point: &[u8], signed: &[u8], sig: &[u8]) -> Option<bool> {
        let alg = match (curve, self) {
            (Curve::P256, SigAlg::EcdsaSha256) => algs::ECDSA_P256_SHA256,
            (Curve::P256, SigAlg::EcdsaSha384) => algs::ECDSA_P256_SHA384,
            (Curve::P384, SigAlg::EcdsaSha256) => algs::ECDSA_P384_SHA256,
            (Curve::P384, SigAlg::EcdsaSha384) => algs::ECDSA_P384_SHA384,
            (Curve::P521, _) => return verify_p521(self.hash(), point, signed, sig),
            _ => return None,
        };
        Some(with_webpki(alg, point, signed, sig))
    }
}

fn with_webpki(
    alg: &dyn SignatureVerificationAlgorithm,
    key: &[u8],
    msg: &[u8],
    sig: &[u8],
) -> bool {
    alg.verify_signature(key, msg, sig).is_ok()
}

/// ECDSA over P-521, which neither webpki nor ring implements.
fn verify_p521(hash: Hash, point: &[u8], signed: &[u8], sig: &[u8]) -> Option<bool> {
    use p521::ecdsa::signature::hazmat::PrehashVerifier;
    use p521::ecdsa::{Signature, VerifyingKey};
    let digest = match hash {
        Hash::Sha256 => Sha256::digest(signed).to_vec(),
        Hash::Sha384 => Sha384::digest(signed).to_vec(),
        Hash::Sha512 => Sha512::digest(signed).to_vec(),
        _ => return None,
    };
    let (Ok(key), Ok(sig)) = (
        VerifyingKey::from_sec1_bytes(point),
        Signature::from_der(sig),
    ) else {
        return Some(false);
    };
    Some(key.verify_prehash(&digest, &sig).is_ok())
}
