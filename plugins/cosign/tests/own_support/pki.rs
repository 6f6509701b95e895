//! A Fulcio-like PKI: a root and an intermediate CA, and short-lived code-signing leaves with
//! Fulcio's identity extensions and an embedded SCT from a CT log.
//!
//! The SCT is made as a CT log makes it for a precertificate (RFC 6962 §3.2, facts §4): the
//! leaf is built once with a placeholder SCT-list extension last, its precertificate TBS (the
//! TBSCertificate without that extension) is signed by the CT log together with the SHA-256
//! of the issuer's SPKI, and the leaf is rebuilt from identical parameters (key pair, serial,
//! validity, extension order) with the real SCT list. The precertificate TBS of both builds
//! must be the same bytes, or the SCT would not verify against the final leaf.

use ratify_cosign::fulcio::sct::precert_tbs;
use rcgen::string::Ia5String;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use time::OffsetDateTime;

use super::keys::{Kind, Signer};
use super::{LEAF_LIFETIME, T0, pem, sha256};

/// Fulcio's OIDC issuer extensions: 1.3.6.1.4.1.57264.1.1 (raw string, deprecated) and .1.8
/// (DER UTF8String).
const ISSUER_V1: &[u64] = &[1, 3, 6, 1, 4, 1, 57264, 1, 1];
const ISSUER_V2: &[u64] = &[1, 3, 6, 1, 4, 1, 57264, 1, 8];
/// RFC 6962's embedded SCT list.
const SCT_LIST: &[u64] = &[1, 3, 6, 1, 4, 1, 11129, 2, 4, 2];

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap()
}

/// A root CA and an intermediate it issued, both P-256, valid a year either side of [`T0`].
pub struct Ca {
    root_params: CertificateParams,
    root_key: KeyPair,
    pub root_der: Vec<u8>,
    intermediate_params: CertificateParams,
    intermediate_key: KeyPair,
    pub intermediate_der: Vec<u8>,
    /// The intermediate's DER SPKI: SCTs hash it as the precertificate's issuer key.
    pub intermediate_spki: Vec<u8>,
    pub root_spki: Vec<u8>,
}

fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "ratify-own-fixtures");
    name.push(DnType::CommonName, common_name);
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = at(T0 - 365 * 86_400);
    params.not_after = at(T0 + 365 * 86_400);
    params
}

fn p256_key_pair() -> (KeyPair, Signer) {
    let signer = Signer::generate(Kind::P256);
    let pair = KeyPair::try_from(signer.pkcs8.as_slice()).unwrap();
    (pair, signer)
}

impl Ca {
    /// A fresh CA whose certificates are named after `name`.
    pub fn new(name: &str) -> Self {
        let (root_key, root_signer) = p256_key_pair();
        let root_params = ca_params(&format!("{name} root"));
        let root_der = root_params.self_signed(&root_key).unwrap().der().to_vec();
        let (intermediate_key, intermediate_signer) = p256_key_pair();
        let mut intermediate_params = ca_params(&format!("{name} intermediate"));
        intermediate_params.use_authority_key_identifier_extension = true;
        let issuer = Issuer::from_params(&root_params, &root_key);
        let intermediate_der = intermediate_params
            .signed_by(&intermediate_key, &issuer)
            .unwrap()
            .der()
            .to_vec();
        Ca {
            root_params,
            root_key,
            root_der,
            intermediate_params,
            intermediate_key,
            intermediate_der,
            intermediate_spki: intermediate_signer.spki().to_vec(),
            root_spki: root_signer.spki().to_vec(),
        }
    }

    /// cosign's chain annotation: the intermediate, then the root, as PEM.
    pub fn chain_pem(&self) -> String {
        pem("CERTIFICATE", &self.intermediate_der) + &pem("CERTIFICATE", &self.root_der)
    }
}

/// A subject alternative name of a Fulcio leaf.
#[derive(Debug, Clone)]
pub enum San {
    Email(String),
    Uri(String),
}

/// What a leaf says and how it is made.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    pub san: San,
    /// The issuer in .1.8 (DER UTF8String), as current Fulcio writes it.
    pub issuer_v2: Option<String>,
    /// The issuer in .1.1 (raw bytes), as Fulcio wrote it before late 2022.
    pub issuer_v1: Option<String>,
    pub not_before: i64,
    pub not_after: i64,
    /// Which SCT to embed (the CT log signs it at `not_before`).
    pub sct: Sct,
}

/// The embedded SCT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sct {
    /// No SCT-list extension.
    Absent,
    /// A valid SCT over the precertificate issued by the intermediate.
    Embedded,
    /// An SCT whose issuer key hash is the root's SPKI rather than the issuing intermediate's.
    IssuerHashOfRoot,
}

impl LeafSpec {
    /// A current Fulcio-style leaf for an email identity, valid ten minutes from [`T0`].
    pub fn email(address: &str, issuer: &str) -> Self {
        LeafSpec {
            san: San::Email(address.into()),
            issuer_v2: Some(issuer.into()),
            issuer_v1: None,
            not_before: T0,
            not_after: T0 + LEAF_LIFETIME,
            sct: Sct::Embedded,
        }
    }
}

/// An issued leaf and the key it certifies (which signs payloads).
pub struct Leaf {
    pub der: Vec<u8>,
    pub key: Signer,
}

impl Leaf {
    /// cosign's certificate annotation / Rekor's `publicKey.content` (before base64).
    pub fn pem(&self) -> String {
        pem("CERTIFICATE", &self.der)
    }
}

/// The leaf's parameters with `sct_list` (the TLS `SignedCertificateTimestampList`) as the
/// last extension.
fn leaf_params(spec: &LeafSpec, sct_list: &[u8]) -> CertificateParams {
    let mut params = CertificateParams::default();
    // Fulcio leaves have an empty subject; rcgen then marks the SAN critical, as Fulcio does.
    params.distinguished_name = DistinguishedName::new();
    params.serial_number = Some(SerialNumber::from_slice(&[0x4a, 0x11, 0xce, 0x05]));
    params.not_before = at(spec.not_before);
    params.not_after = at(spec.not_after);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
    params.use_authority_key_identifier_extension = true;
    params.subject_alt_names = vec![match &spec.san {
        San::Email(email) => SanType::Rfc822Name(Ia5String::try_from(email.as_str()).unwrap()),
        San::Uri(uri) => SanType::URI(Ia5String::try_from(uri.as_str()).unwrap()),
    }];
    if let Some(issuer) = &spec.issuer_v1 {
        // rcgen copies extension contents verbatim into extnValue: raw bytes, as Fulcio's .1.1.
        params
            .custom_extensions
            .push(CustomExtension::from_oid_content(
                ISSUER_V1,
                issuer.as_bytes().to_vec(),
            ));
    }
    if let Some(issuer) = &spec.issuer_v2 {
        params
            .custom_extensions
            .push(CustomExtension::from_oid_content(
                ISSUER_V2,
                super::der(0x0c, issuer.as_bytes()),
            ));
    }
    if !sct_list.is_empty() {
        // extnValue wraps an OCTET STRING that holds the TLS structure (RFC 6962 §3.3).
        params
            .custom_extensions
            .push(CustomExtension::from_oid_content(
                SCT_LIST,
                super::der(0x04, sct_list),
            ));
    }
    params
}

/// One SCT v1 over a precertificate entry, signed by `ct_log` at `timestamp_ms` (facts §4).
fn sct(ct_log: &Signer, timestamp_ms: u64, issuer_spki: &[u8], precert_tbs: &[u8]) -> Vec<u8> {
    let tbs_len = u32::try_from(precert_tbs.len()).unwrap();
    let mut signed = vec![0u8, 0u8]; // sct_version v1, signature_type certificate_timestamp
    signed.extend_from_slice(&timestamp_ms.to_be_bytes());
    signed.extend_from_slice(&1u16.to_be_bytes()); // entry_type precert_entry
    signed.extend_from_slice(&sha256(issuer_spki)); // issuer_key_hash
    signed.extend_from_slice(&tbs_len.to_be_bytes()[1..]); // opaque tbs<1..2^24-1>
    signed.extend_from_slice(precert_tbs);
    signed.extend_from_slice(&0u16.to_be_bytes()); // no extensions
    let signature = ct_log.sign(&signed);
    let mut out = vec![0u8]; // v1
    out.extend_from_slice(&ct_log.key_id());
    out.extend_from_slice(&timestamp_ms.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes()); // extensions
    out.push(4); // hash: sha256
    out.push(3); // signature: ecdsa
    out.extend_from_slice(&u16::try_from(signature.len()).unwrap().to_be_bytes());
    out.extend_from_slice(&signature);
    out
}

/// TLS `SignedCertificateTimestampList` of one SCT.
fn sct_list(sct: &[u8]) -> Vec<u8> {
    let sct_len = u16::try_from(sct.len()).unwrap();
    let mut out = (sct_len + 2).to_be_bytes().to_vec();
    out.extend_from_slice(&sct_len.to_be_bytes());
    out.extend_from_slice(sct);
    out
}

/// The TBSCertificate of a DER certificate: the first element of the outer SEQUENCE.
fn tbs_of(cert: &[u8]) -> Vec<u8> {
    // Skip the outer tag and length, then take one whole TLV.
    let header = |bytes: &[u8]| -> (usize, usize) {
        match bytes[1] {
            n if n < 0x80 => (2, usize::from(n)),
            n => {
                let count = usize::from(n & 0x7f);
                let len = bytes[2..2 + count]
                    .iter()
                    .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
                (2 + count, len)
            }
        }
    };
    let (outer, _) = header(cert);
    let inner = &cert[outer..];
    let (head, len) = header(inner);
    inner[..head + len].to_vec()
}

/// Issues a leaf from `ca`'s intermediate; `ct_log` signs the SCT `spec.sct` asks for.
pub fn issue_leaf(ca: &Ca, spec: &LeafSpec, ct_log: &Signer) -> Leaf {
    let (pair, key) = p256_key_pair();
    let issuer = Issuer::from_params(&ca.intermediate_params, &ca.intermediate_key);
    if spec.sct == Sct::Absent {
        let der = leaf_params(spec, &[]).signed_by(&pair, &issuer).unwrap();
        return Leaf {
            der: der.der().to_vec(),
            key,
        };
    }
    // The precertificate TBS, made independently of the verifier: the SCT list is the last
    // extension, so the TBS of the same leaf without it is exactly the TBS with it removed.
    let tbs = tbs_of(
        leaf_params(spec, &[])
            .signed_by(&pair, &issuer)
            .unwrap()
            .der(),
    );
    let placeholder = sct_list(&[0u8; 119]);
    let precert = leaf_params(spec, &placeholder)
        .signed_by(&pair, &issuer)
        .unwrap();
    assert_eq!(precert_tbs(precert.der()).unwrap(), tbs);
    let timestamp_ms = u64::try_from(spec.not_before).unwrap() * 1000;
    let issuer_spki = match spec.sct {
        Sct::IssuerHashOfRoot => &ca.root_spki,
        _ => &ca.intermediate_spki,
    };
    let real = sct_list(&sct(ct_log, timestamp_ms, issuer_spki, &tbs));
    let der = leaf_params(spec, &real)
        .signed_by(&pair, &issuer)
        .unwrap()
        .der()
        .to_vec();
    assert_eq!(
        precert_tbs(&der).unwrap(),
        tbs,
        "rebuilding the leaf with the real SCT changed its precertificate TBS"
    );
    Leaf { der, key }
}
