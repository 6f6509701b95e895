//! Certificate signature algorithms as Go's `crypto/x509` identifies them
//! (`getSignatureAlgorithmFromAI`), which decides what notation can verify at all and how its
//! errors name the algorithm.

use x509_parser::x509::AlgorithmIdentifier;

use crate::der;

const OID_ED25519: &str = "1.3.101.112";
const OID_PSS: &str = "1.2.840.113549.1.1.10";

/// Go's `x509.SignatureAlgorithm` for the algorithms certificates use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SigAlg {
    Md2Rsa,
    Md5Rsa,
    Sha1Rsa,
    Sha256Rsa,
    Sha384Rsa,
    Sha512Rsa,
    Sha256RsaPss,
    Sha384RsaPss,
    Sha512RsaPss,
    DsaSha1,
    DsaSha256,
    EcdsaSha1,
    EcdsaSha256,
    EcdsaSha384,
    EcdsaSha512,
    Ed25519,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    None,
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl SigAlg {
    /// Go's `getSignatureAlgorithmFromAI`, including its narrow acceptance of RSA-PSS
    /// parameters (MGF1 with the same hash, salt length = hash length, trailer field 1).
    pub(crate) fn from_identifier(ai: &AlgorithmIdentifier<'_>) -> SigAlg {
        let oid = ai.algorithm.to_id_string();
        match oid.as_str() {
            "1.2.840.113549.1.1.2" => SigAlg::Md2Rsa,
            "1.2.840.113549.1.1.4" => SigAlg::Md5Rsa,
            "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => SigAlg::Sha1Rsa,
            "1.2.840.113549.1.1.11" => SigAlg::Sha256Rsa,
            "1.2.840.113549.1.1.12" => SigAlg::Sha384Rsa,
            "1.2.840.113549.1.1.13" => SigAlg::Sha512Rsa,
            "1.2.840.10040.4.3" => SigAlg::DsaSha1,
            "2.16.840.1.101.3.4.3.2" => SigAlg::DsaSha256,
            "1.2.840.10045.4.1" => SigAlg::EcdsaSha1,
            "1.2.840.10045.4.3.2" => SigAlg::EcdsaSha256,
            "1.2.840.10045.4.3.3" => SigAlg::EcdsaSha384,
            "1.2.840.10045.4.3.4" => SigAlg::EcdsaSha512,
            OID_ED25519 if ai.parameters.is_none() => SigAlg::Ed25519,
            OID_PSS => ai
                .parameters
                .as_ref()
                .map_or(SigAlg::Unknown, |p| pss(p.data)),
            _ => SigAlg::Unknown,
        }
    }

    /// Go's `SignatureAlgorithm.String()`.
    pub(crate) fn go_name(self) -> &'static str {
        match self {
            SigAlg::Md2Rsa => "MD2-RSA",
            SigAlg::Md5Rsa => "MD5-RSA",
            SigAlg::Sha1Rsa => "SHA1-RSA",
            SigAlg::Sha256Rsa => "SHA256-RSA",
            SigAlg::Sha384Rsa => "SHA384-RSA",
            SigAlg::Sha512Rsa => "SHA512-RSA",
            SigAlg::Sha256RsaPss => "SHA256-RSAPSS",
            SigAlg::Sha384RsaPss => "SHA384-RSAPSS",
            SigAlg::Sha512RsaPss => "SHA512-RSAPSS",
            SigAlg::DsaSha1 => "DSA-SHA1",
            SigAlg::DsaSha256 => "DSA-SHA256",
            SigAlg::EcdsaSha1 => "ECDSA-SHA1",
            SigAlg::EcdsaSha256 => "ECDSA-SHA256",
            SigAlg::EcdsaSha384 => "ECDSA-SHA384",
            SigAlg::EcdsaSha512 => "ECDSA-SHA512",
            SigAlg::Ed25519 => "Ed25519",
            SigAlg::Unknown => "0",
        }
    }

    pub(crate) fn hash(self) -> Hash {
        match self {
            SigAlg::Md2Rsa | SigAlg::Ed25519 | SigAlg::Unknown => Hash::None,
            SigAlg::Md5Rsa => Hash::Md5,
            SigAlg::Sha1Rsa | SigAlg::DsaSha1 | SigAlg::EcdsaSha1 => Hash::Sha1,
            SigAlg::Sha256Rsa | SigAlg::Sha256RsaPss | SigAlg::DsaSha256 | SigAlg::EcdsaSha256 => {
                Hash::Sha256
            }
            SigAlg::Sha384Rsa | SigAlg::Sha384RsaPss | SigAlg::EcdsaSha384 => Hash::Sha384,
            SigAlg::Sha512Rsa | SigAlg::Sha512RsaPss | SigAlg::EcdsaSha512 => Hash::Sha512,
        }
    }

    /// Go's public key algorithm name for the signature algorithm.
    pub(crate) fn key_family(self) -> &'static str {
        match self {
            SigAlg::DsaSha1 | SigAlg::DsaSha256 => "DSA",
            SigAlg::EcdsaSha1 | SigAlg::EcdsaSha256 | SigAlg::EcdsaSha384 => "ECDSA",
            SigAlg::EcdsaSha512 => "ECDSA",
            SigAlg::Ed25519 => "Ed25519",
            _ => "RSA",
        }
    }
}

/// RSASSA-PSS-params → one of the three algorithms Go accepts, or `Unknown`.
fn pss(params: &[u8]) -> SigAlg {
    let Some(fields) = der::elements(params) else {
        return SigAlg::Unknown;
    };
    let (mut hash, mut mgf, mut salt, mut trailer) = (None, None, 20u64, 1u64);
    for field in fields {
        let Some((inner, [])) = der::read(field.content) else {
            return SigAlg::Unknown;
        };
        match field.tag {
            0xa0 => hash = algorithm(inner.raw),
            0xa1 => mgf = algorithm(inner.raw),
            0xa2 => salt = small_int(inner).unwrap_or(u64::MAX),
            0xa3 => trailer = small_int(inner).unwrap_or(u64::MAX),
            _ => return SigAlg::Unknown,
        }
    }
    let (Some((hash_oid, hash_params)), Some((mgf_oid, Some(mgf_params)))) = (hash, mgf) else {
        return SigAlg::Unknown;
    };
    let Some((mgf_hash, mgf_hash_params)) = algorithm(mgf_params) else {
        return SigAlg::Unknown;
    };
    let null_or_absent = |p: Option<&[u8]>| p.is_none_or(|p| p == [der::TAG_NULL, 0]);
    if mgf_oid != "1.2.840.113549.1.1.8"
        || mgf_hash != hash_oid
        || !null_or_absent(hash_params)
        || !null_or_absent(mgf_hash_params)
        || trailer != 1
    {
        return SigAlg::Unknown;
    }
    match (hash_oid.as_str(), salt) {
        ("2.16.840.1.101.3.4.2.1", 32) => SigAlg::Sha256RsaPss,
        ("2.16.840.1.101.3.4.2.2", 48) => SigAlg::Sha384RsaPss,
        ("2.16.840.1.101.3.4.2.3", 64) => SigAlg::Sha512RsaPss,
        _ => SigAlg::Unknown,
    }
}

/// An AlgorithmIdentifier: dotted OID and the raw parameters element, if any.
fn algorithm(raw: &[u8]) -> Option<(String, Option<&[u8]>)> {
    let content = der::read_single(raw, der::TAG_SEQUENCE)?;
    let (oid, rest) = der::read(content)?;
    if oid.tag != der::TAG_OID {
        return None;
    }
    let params = match der::read(rest) {
        None if rest.is_empty() => None,
        Some((p, [])) => Some(p.raw),
        _ => return None,
    };
    Some((der::oid_string(oid.content), params))
}

fn small_int(tlv: der::Tlv<'_>) -> Option<u64> {
    if tlv.tag != der::TAG_INTEGER || tlv.content.is_empty() || tlv.content.len() > 8 {
        return None;
    }
    Some(
        tlv.content
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
    )
}
