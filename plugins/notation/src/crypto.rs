//! Signature primitives used by envelopes, certificate chains and timestamp tokens.
//!
//! ring verifies RSA-PSS, RSA PKCS#1 v1.5 and ECDSA P-256/P-384; ring has no P-521, so the
//! RustCrypto p521 crate covers that one curve.
//!
//! Keys come as DER `SubjectPublicKeyInfo`, the form certificates carry them in. The key table
//! and its error wording follow notation-core-go (`internal/algorithm`), which is what decides
//! which algorithm a Notary Project signature must use for a given signing key.

use std::fmt;

use ring::signature::{
    self as rs, RsaParameters, RsaPublicKeyComponents, UnparsedPublicKey, VerificationAlgorithm,
};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

/// The signature algorithms the Notary Project signature specification allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSASSA-PSS with SHA-256 (JWS `PS256`, COSE -37).
    RsaPssSha256,
    /// RSASSA-PSS with SHA-384 (JWS `PS384`, COSE -38).
    RsaPssSha384,
    /// RSASSA-PSS with SHA-512 (JWS `PS512`, COSE -39).
    RsaPssSha512,
    /// ECDSA on P-256 with SHA-256 (JWS `ES256`, COSE -7).
    EcdsaSha256,
    /// ECDSA on P-384 with SHA-384 (JWS `ES384`, COSE -35).
    EcdsaSha384,
    /// ECDSA on P-521 with SHA-512 (JWS `ES512`, COSE -36).
    EcdsaSha512,
}

/// Hash functions a signature is computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

const ALL: [SignatureAlgorithm; 6] = [
    SignatureAlgorithm::RsaPssSha256,
    SignatureAlgorithm::RsaPssSha384,
    SignatureAlgorithm::RsaPssSha512,
    SignatureAlgorithm::EcdsaSha256,
    SignatureAlgorithm::EcdsaSha384,
    SignatureAlgorithm::EcdsaSha512,
];

impl SignatureAlgorithm {
    /// The JWS `alg` value (`PS256` ...).
    pub fn jws_name(self) -> &'static str {
        ["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"][self.index()]
    }

    /// The COSE algorithm identifier (-37 ...).
    pub fn cose_id(self) -> i64 {
        [-37, -38, -39, -7, -35, -36][self.index()]
    }

    /// The name `notation inspect` prints (`RSASSA-PSS-SHA-256` ...).
    pub fn display_name(self) -> &'static str {
        [
            "RSASSA-PSS-SHA-256",
            "RSASSA-PSS-SHA-384",
            "RSASSA-PSS-SHA-512",
            "ECDSA-SHA-256",
            "ECDSA-SHA-384",
            "ECDSA-SHA-512",
        ][self.index()]
    }

    /// notation-core-go's numeric `signature.Algorithm` (PS256 = 1 ... ES512 = 6); its error
    /// messages print algorithms as these numbers.
    pub fn notation_id(self) -> u8 {
        self.index() as u8 + 1
    }

    /// Looks up a JWS `alg` value.
    pub fn from_jws_name(name: &str) -> Option<Self> {
        ALL.into_iter().find(|alg| alg.jws_name() == name)
    }

    /// Looks up a COSE algorithm identifier.
    pub fn from_cose_id(id: i64) -> Option<Self> {
        ALL.into_iter().find(|alg| alg.cose_id() == id)
    }

    /// The hash the algorithm signs over.
    pub fn hash(self) -> HashAlg {
        match self {
            Self::RsaPssSha256 | Self::EcdsaSha256 => HashAlg::Sha256,
            Self::RsaPssSha384 | Self::EcdsaSha384 => HashAlg::Sha384,
            Self::RsaPssSha512 | Self::EcdsaSha512 => HashAlg::Sha512,
        }
    }

    /// Whether this is an RSASSA-PSS algorithm (else ECDSA).
    pub fn is_rsa(self) -> bool {
        matches!(
            self,
            Self::RsaPssSha256 | Self::RsaPssSha384 | Self::RsaPssSha512
        )
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl HashAlg {
    /// Hashes `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        match self {
            HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// The digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }
}

/// Why a key was refused or a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CryptoError {
    /// The signature does not verify with the key.
    Verification,
    /// The key is of the other family than the algorithm (RSA key for ECDSA, or the reverse).
    KeyTypeMismatch,
    /// The key type or size is not in the spec's table (message as notation-core-go's).
    UnsupportedKey(String),
    /// The key could not be decoded.
    MalformedKey(String),
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CryptoError::Verification => f.write_str("verification error"),
            CryptoError::KeyTypeMismatch => f.write_str("key type does not match the algorithm"),
            CryptoError::UnsupportedKey(msg) | CryptoError::MalformedKey(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for CryptoError {}

/// A decoded public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKeyInfo {
    /// RSA: modulus without leading zeros, and public exponent.
    Rsa {
        /// Modulus, big-endian, no leading zero bytes.
        modulus: Vec<u8>,
        /// Public exponent, big-endian.
        exponent: Vec<u8>,
    },
    /// ECDSA on a named curve: the curve's OID and the SEC1 point.
    Ec {
        /// The named curve's OID in dotted form.
        curve_oid: String,
        /// The SEC1-encoded point.
        point: Vec<u8>,
    },
    /// Any other key type (Ed25519, DSA ...), by algorithm OID.
    Other(String),
}

const P256: &str = "1.2.840.10045.3.1.7";
const P384: &str = "1.3.132.0.34";
const P521: &str = "1.3.132.0.35";
const P224: &str = "1.3.132.0.33";

impl PublicKeyInfo {
    /// Decodes a DER `SubjectPublicKeyInfo`.
    pub fn from_spki(spki_der: &[u8]) -> Result<Self, CryptoError> {
        let malformed = || CryptoError::MalformedKey("malformed public key".into());
        let (_, spki) = SubjectPublicKeyInfo::from_der(spki_der).map_err(|_| malformed())?;
        match spki.parsed().map_err(|_| malformed())? {
            PublicKey::RSA(key) => Ok(PublicKeyInfo::Rsa {
                modulus: strip_zeros(key.modulus).to_vec(),
                exponent: strip_zeros(key.exponent).to_vec(),
            }),
            PublicKey::EC(point) => {
                let params = spki.algorithm.parameters.as_ref().ok_or_else(malformed)?;
                let curve =
                    x509_parser::asn1_rs::Oid::try_from(params.clone()).map_err(|_| malformed())?;
                Ok(PublicKeyInfo::Ec {
                    curve_oid: curve.to_id_string(),
                    point: point.data().to_vec(),
                })
            }
            _ => Ok(PublicKeyInfo::Other(
                spki.algorithm.algorithm.to_id_string(),
            )),
        }
    }

    /// The key size as Go measures it: RSA is the modulus length in whole bytes times 8
    /// (`rsa.PublicKey.Size() << 3`), ECDSA the curve's bit size.
    fn bit_size(&self) -> Result<usize, CryptoError> {
        match self {
            PublicKeyInfo::Rsa { modulus, .. } => Ok(modulus.len() * 8),
            PublicKeyInfo::Ec { curve_oid, .. } => match curve_oid.as_str() {
                P256 => Ok(256),
                P384 => Ok(384),
                P521 => Ok(521),
                P224 => Ok(224),
                // Go's x509 parser refuses certificates on other curves outright.
                _ => Err(CryptoError::MalformedKey(
                    "x509: unsupported elliptic curve".into(),
                )),
            },
            PublicKeyInfo::Other(_) => Err(CryptoError::UnsupportedKey(
                "unsupported public key type".into(),
            )),
        }
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// The algorithm a key must sign with per the spec's key/algorithm table (RSA 2048 → PS256,
/// 3072 → PS384, 4096 → PS512; P-256 → ES256, P-384 → ES384, P-521 → ES512). Other sizes and
/// types fail with notation-core-go's `ExtractKeySpec` messages.
pub fn algorithm_for_key(spki_der: &[u8]) -> Result<SignatureAlgorithm, CryptoError> {
    let key = PublicKeyInfo::from_spki(spki_der)?;
    let bits = key.bit_size()?;
    match (&key, bits) {
        (PublicKeyInfo::Rsa { .. }, 2048) => Ok(SignatureAlgorithm::RsaPssSha256),
        (PublicKeyInfo::Rsa { .. }, 3072) => Ok(SignatureAlgorithm::RsaPssSha384),
        (PublicKeyInfo::Rsa { .. }, 4096) => Ok(SignatureAlgorithm::RsaPssSha512),
        (PublicKeyInfo::Rsa { .. }, _) => Err(CryptoError::UnsupportedKey(format!(
            "rsa key size {bits} bits is not supported"
        ))),
        (_, 256) => Ok(SignatureAlgorithm::EcdsaSha256),
        (_, 384) => Ok(SignatureAlgorithm::EcdsaSha384),
        (_, 521) => Ok(SignatureAlgorithm::EcdsaSha512),
        _ => Err(CryptoError::UnsupportedKey(format!(
            "ecdsa key size {bits} bits is not supported"
        ))),
    }
}

/// Verifies `signature` over `message` with a Notary Project algorithm. RSA-PSS uses a salt as
/// long as the hash (what notation signs with); ECDSA signatures are raw `r || s`.
pub fn verify(
    alg: SignatureAlgorithm,
    spki_der: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    match (alg, PublicKeyInfo::from_spki(spki_der)?) {
        (alg, PublicKeyInfo::Rsa { modulus, exponent }) if alg.is_rsa() => {
            let params: &'static RsaParameters = match alg.hash() {
                HashAlg::Sha256 => &rs::RSA_PSS_2048_8192_SHA256,
                HashAlg::Sha384 => &rs::RSA_PSS_2048_8192_SHA384,
                HashAlg::Sha512 => &rs::RSA_PSS_2048_8192_SHA512,
            };
            verify_rsa(params, &modulus, &exponent, message, signature)
        }
        (alg, PublicKeyInfo::Ec { curve_oid, point }) if !alg.is_rsa() => {
            // A curve other than the algorithm's cannot produce a signature Go would accept
            // either (the fixed-size r||s would not fit), so it is simply a failed verification.
            let params: &dyn VerificationAlgorithm = match (alg, curve_oid.as_str()) {
                (SignatureAlgorithm::EcdsaSha256, P256) => &rs::ECDSA_P256_SHA256_FIXED,
                (SignatureAlgorithm::EcdsaSha384, P384) => &rs::ECDSA_P384_SHA384_FIXED,
                (SignatureAlgorithm::EcdsaSha512, P521) => {
                    return verify_p521(&point, message, signature, false);
                }
                _ => return Err(CryptoError::Verification),
            };
            UnparsedPublicKey::new(params, &point)
                .verify(message, signature)
                .map_err(|_| CryptoError::Verification)
        }
        (_, PublicKeyInfo::Other(oid)) => Err(CryptoError::UnsupportedKey(format!(
            "unsupported public key algorithm {oid}"
        ))),
        _ => Err(CryptoError::KeyTypeMismatch),
    }
}

/// Verifies an RSA PKCS#1 v1.5 signature (as in RFC 3161 tokens and certificates). Like Go,
/// keys of 1024+ bits pass with SHA-256/512 (ring has no legacy-size SHA-384 variant).
pub fn verify_pkcs1(
    hash: HashAlg,
    spki_der: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let PublicKeyInfo::Rsa { modulus, exponent } = PublicKeyInfo::from_spki(spki_der)? else {
        return Err(CryptoError::KeyTypeMismatch);
    };
    let legacy = modulus.len() * 8 < 2048;
    let params: &'static RsaParameters = match (hash, legacy) {
        (HashAlg::Sha256, false) => &rs::RSA_PKCS1_2048_8192_SHA256,
        (HashAlg::Sha384, false) => &rs::RSA_PKCS1_2048_8192_SHA384,
        (HashAlg::Sha512, false) => &rs::RSA_PKCS1_2048_8192_SHA512,
        (HashAlg::Sha256, true) => &rs::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        (HashAlg::Sha512, true) => &rs::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        (HashAlg::Sha384, true) => {
            return Err(CryptoError::UnsupportedKey(
                "rsa key too small for SHA-384".into(),
            ));
        }
    };
    verify_rsa(params, &modulus, &exponent, message, signature)
}

/// Verifies an ECDSA signature in ASN.1 DER form (`Ecdsa-Sig-Value`, as CMS and X.509 carry
/// it) with the given hash, on P-256, P-384 or P-521.
pub fn verify_ecdsa_der(
    hash: HashAlg,
    spki_der: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let PublicKeyInfo::Ec { curve_oid, point } = PublicKeyInfo::from_spki(spki_der)? else {
        return Err(CryptoError::KeyTypeMismatch);
    };
    let params: &dyn VerificationAlgorithm = match (curve_oid.as_str(), hash) {
        (P256, HashAlg::Sha256) => &rs::ECDSA_P256_SHA256_ASN1,
        (P256, HashAlg::Sha384) => &rs::ECDSA_P256_SHA384_ASN1,
        (P384, HashAlg::Sha256) => &rs::ECDSA_P384_SHA256_ASN1,
        (P384, HashAlg::Sha384) => &rs::ECDSA_P384_SHA384_ASN1,
        (P521, _) => {
            let digest = hash.digest(message);
            return verify_p521(&point, &digest, signature, true);
        }
        _ => {
            return Err(CryptoError::UnsupportedKey(format!(
                "ECDSA on curve {curve_oid} with {hash:?} is not supported"
            )));
        }
    };
    UnparsedPublicKey::new(params, &point)
        .verify(message, signature)
        .map_err(|_| CryptoError::Verification)
}

fn verify_rsa(
    params: &'static RsaParameters,
    modulus: &[u8],
    exponent: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    RsaPublicKeyComponents {
        n: modulus,
        e: exponent,
    }
    .verify(params, message, signature)
    .map_err(|_| CryptoError::Verification)
}

/// P-521 through the p521 crate. `prehashed` means `message` is already a digest and
/// `signature` is DER; otherwise the message is hashed with SHA-512 and the signature is the
/// fixed 132-byte `r || s`.
fn verify_p521(
    point: &[u8],
    message: &[u8],
    signature: &[u8],
    prehashed: bool,
) -> Result<(), CryptoError> {
    use p521::ecdsa::signature::Verifier;
    use p521::ecdsa::signature::hazmat::PrehashVerifier;
    let key = p521::ecdsa::VerifyingKey::from_sec1_bytes(point)
        .map_err(|_| CryptoError::MalformedKey("malformed public key".into()))?;
    let outcome = if prehashed {
        let sig = p521::ecdsa::DerSignature::from_bytes(signature)
            .and_then(p521::ecdsa::Signature::try_from)
            .map_err(|_| CryptoError::Verification)?;
        key.verify_prehash(message, &sig)
    } else {
        let sig =
            p521::ecdsa::Signature::from_slice(signature).map_err(|_| CryptoError::Verification)?;
        key.verify(message, &sig)
    };
    outcome.map_err(|_| CryptoError::Verification)
}
