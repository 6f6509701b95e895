//! Signatures on CRLs, OCSP responses and OCSP responder certificates, checked the way Go's
//! `x509.Certificate.CheckSignature` does for notation (SHA-1 allowed, as that function allows
//! it), with the issuer's key. The primitives are [`crate::crypto`]'s and ring's.

use ring::signature::{self as rs, UnparsedPublicKey};
use x509_parser::certificate::X509Certificate;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use crate::crypto::{self, CryptoError, HashAlg, SignatureAlgorithm};
use crate::der;

const UNIMPLEMENTED: &str = "x509: cannot verify signature: algorithm unimplemented";
const KEY_USAGE_CRL_SIGN: u16 = 1 << 6;

/// Verifies `signature` over `message` made with algorithm `alg` by the holder of `signer`.
/// Errors read like Go's.
pub(crate) fn verify(
    alg: &AlgorithmIdentifier<'_>,
    signer: &SubjectPublicKeyInfo<'_>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let spki = signer.raw;
    let oid = alg.algorithm.to_id_string();
    let outcome = match oid.as_str() {
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => {
            // crypto.rs has no SHA-1; Go still accepts it on CRLs and OCSP responses.
            let key = &signer.subject_public_key.data;
            UnparsedPublicKey::new(&rs::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY, key)
                .verify(message, signature)
                .map_err(|_| CryptoError::Verification)
        }
        "1.2.840.113549.1.1.11" => crypto::verify_pkcs1(HashAlg::Sha256, spki, message, signature),
        "1.2.840.113549.1.1.12" => crypto::verify_pkcs1(HashAlg::Sha384, spki, message, signature),
        "1.2.840.113549.1.1.13" => crypto::verify_pkcs1(HashAlg::Sha512, spki, message, signature),
        "1.2.840.113549.1.1.10" => {
            let params = alg.parameters.as_ref().map(|p| p.data).unwrap_or_default();
            let Some(pss) = pss_algorithm(params) else {
                return Err(UNIMPLEMENTED.to_string());
            };
            crypto::verify(pss, spki, message, signature)
        }
        "1.2.840.10045.4.3.2" => {
            crypto::verify_ecdsa_der(HashAlg::Sha256, spki, message, signature)
        }
        "1.2.840.10045.4.3.3" => {
            crypto::verify_ecdsa_der(HashAlg::Sha384, spki, message, signature)
        }
        "1.2.840.10045.4.3.4" => {
            crypto::verify_ecdsa_der(HashAlg::Sha512, spki, message, signature)
        }
        "1.3.101.112" => {
            let key = &signer.subject_public_key.data;
            UnparsedPublicKey::new(&rs::ED25519, key)
                .verify(message, signature)
                .map_err(|_| CryptoError::Verification)
        }
        _ => return Err(UNIMPLEMENTED.to_string()),
    };
    outcome.map_err(|e| match e {
        CryptoError::Verification if oid.starts_with("1.2.840.10045") => {
            "x509: ECDSA verification failure".to_string()
        }
        CryptoError::Verification if oid == "1.3.101.112" => {
            "x509: Ed25519 verification failure".to_string()
        }
        CryptoError::Verification => "crypto/rsa: verification error".to_string(),
        CryptoError::KeyTypeMismatch => {
            format!("x509: signature algorithm {oid} does not match the signer's public key type")
        }
        other => other.to_string(),
    })
}

/// Go's `RevocationList.CheckSignatureFrom(issuer)`: the issuer must be a CA allowed to sign
/// CRLs, then its key must verify the CRL.
pub(crate) fn check_crl_signer(issuer: &X509Certificate<'_>) -> Result<(), String> {
    let violation = || {
        "x509: invalid signature: parent certificate cannot sign this kind of \
                        certificate"
            .to_string()
    };
    match issuer.basic_constraints() {
        Ok(Some(bc)) if !bc.value.ca => return Err(violation()),
        Ok(None) if issuer.version().0 == 2 => return Err(violation()),
        Err(_) => return Err(violation()),
        _ => {}
    }
    if let Ok(Some(ku)) = issuer.key_usage()
        && ku.value.flags != 0
        && ku.value.flags & KEY_USAGE_CRL_SIGN == 0
    {
        return Err(violation());
    }
    Ok(())
}

/// Go's `cert.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)`:
/// `child` is signed by `signer`'s key (no CA constraint is looked at, as in Go).
pub(crate) fn check_cert_signed_by(
    child: &X509Certificate<'_>,
    signer: &X509Certificate<'_>,
) -> Result<(), String> {
    verify(
        &child.signature_algorithm,
        signer.public_key(),
        child.tbs_certificate.as_ref(),
        &child.signature_value.data,
    )
}

/// RSASSA-PSS parameters → one of the three algorithms Go accepts (hash-length salt).
fn pss_algorithm(params: &[u8]) -> Option<SignatureAlgorithm> {
    let mut hash = None;
    let mut salt = 20u64;
    for field in der::elements(params)? {
        let (inner, _) = der::read(field.content)?;
        match field.tag {
            0xa0 => {
                let (oid, _) = der::expect(inner.content, der::TAG_OID)?;
                hash = Some(der::oid_string(oid.content));
            }
            0xa2 if inner.tag == der::TAG_INTEGER && inner.content.len() <= 8 => {
                salt = inner
                    .content
                    .iter()
                    .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            }
            _ => {}
        }
    }
    match (hash?.as_str(), salt) {
        ("2.16.840.1.101.3.4.2.1", 32) => Some(SignatureAlgorithm::RsaPssSha256),
        ("2.16.840.1.101.3.4.2.2", 48) => Some(SignatureAlgorithm::RsaPssSha384),
        ("2.16.840.1.101.3.4.2.3", 64) => Some(SignatureAlgorithm::RsaPssSha512),
        _ => None,
    }
}
