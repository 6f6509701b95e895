//! Signing keys of every kind cosign verifies with, and cosign's signing rule for each
//! (sigstore `signature.LoadSigner(priv, crypto.SHA256)`): ECDSA on any curve signs SHA-256 of
//! the message (ASN.1 DER signature), RSA PKCS#1 v1.5 or PSS with SHA-256, Ed25519 pure.
//!
//! ring signs RSA, Ed25519 and ECDSA P-256. ring's P-384 signer hashes with SHA-384, and it has
//! no P-521 and no prehash signing, so P-384, P-521 and signatures over a digest we already
//! hold (Sigstore message signatures) use the RustCrypto curve crates. ring cannot generate
//! RSA keys: those come from `openssl genpkey`, which the crate's tests already use.

use std::process::Command;
use std::sync::{Mutex, OnceLock};

use p256::ecdsa::signature::hazmat::PrehashSigner;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self as rs, KeyPair as _};

use super::{der, pem, sha256};

/// The key kinds the tests sign with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// RSA PKCS#1 v1.5 with SHA-256, modulus bits.
    RsaPkcs1(usize),
    /// RSA-PSS with SHA-256 (salt = hash length), modulus bits.
    RsaPss(usize),
    /// ECDSA P-256 (ring).
    P256,
    /// ECDSA P-256 (RustCrypto), which can also sign a digest directly.
    P256Prehash,
    /// ECDSA P-384 over SHA-256.
    P384,
    /// ECDSA P-521 over SHA-256.
    P521,
    /// Ed25519.
    Ed25519,
}

enum Inner {
    Rsa(rs::RsaKeyPair, &'static dyn rs::RsaEncoding),
    RingEcdsa(rs::EcdsaKeyPair),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
    Ed25519(rs::Ed25519KeyPair),
}

/// A private key with its public key as DER `SubjectPublicKeyInfo`.
pub struct Signer {
    pub kind: Kind,
    inner: Inner,
    spki: Vec<u8>,
    /// PKCS#8 DER, for the kinds rcgen can take as a certificate key (P-256 via ring).
    pub pkcs8: Vec<u8>,
}

fn rng() -> &'static SystemRandom {
    static RNG: OnceLock<SystemRandom> = OnceLock::new();
    RNG.get_or_init(SystemRandom::new)
}

fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    rng().fill(&mut out).unwrap();
    out
}

/// `SubjectPublicKeyInfo` for an EC point on the named curve (OID contents given).
fn ec_spki(curve_oid: &[u8], point: &[u8]) -> Vec<u8> {
    // id-ecPublicKey 1.2.840.10045.2.1
    let mut algorithm = der(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);
    algorithm.extend(der(0x06, curve_oid));
    spki(&der(0x30, &algorithm), point)
}

fn spki(algorithm: &[u8], key: &[u8]) -> Vec<u8> {
    let mut bits = vec![0u8];
    bits.extend_from_slice(key);
    let mut body = algorithm.to_vec();
    body.extend(der(0x03, &bits));
    der(0x30, &body)
}

const P256_OID: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const P384_OID: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const P521_OID: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];

/// An RSA key of `bits` from openssl (DER; OpenSSL 3 writes PKCS#1 `RSAPrivateKey` here), made
/// once per size per test process (4096-bit generation takes a while).
fn rsa_der(bits: usize) -> Vec<u8> {
    /// Generated keys by modulus size.
    static KEYS: Mutex<Vec<(usize, Vec<u8>)>> = Mutex::new(Vec::new());
    let mut keys = KEYS.lock().unwrap();
    if let Some((_, key)) = keys.iter().find(|(b, _)| *b == bits) {
        return key.clone();
    }
    let out = Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt"])
        .arg(format!("rsa_keygen_bits:{bits}"))
        .args(["-outform", "DER"])
        .output()
        .expect("openssl runs (needed to generate RSA test keys)");
    assert!(
        out.status.success(),
        "openssl genpkey: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    keys.push((bits, out.stdout.clone()));
    out.stdout
}

impl Signer {
    /// A fresh key of `kind`.
    pub fn generate(kind: Kind) -> Self {
        match kind {
            Kind::RsaPkcs1(bits) | Kind::RsaPss(bits) => {
                let key_der = rsa_der(bits);
                let pair = rs::RsaKeyPair::from_der(&key_der)
                    .or_else(|_| rs::RsaKeyPair::from_pkcs8(&key_der))
                    .unwrap();
                // rsaEncryption with NULL parameters.
                let algorithm = der(
                    0x30,
                    &[
                        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
                        0x00,
                    ],
                );
                let spki = spki(&algorithm, pair.public().as_ref());
                let encoding: &'static dyn rs::RsaEncoding = match kind {
                    Kind::RsaPss(_) => &rs::RSA_PSS_SHA256,
                    _ => &rs::RSA_PKCS1_SHA256,
                };
                Signer {
                    kind,
                    inner: Inner::Rsa(pair, encoding),
                    spki,
                    pkcs8: Vec::new(),
                }
            }
            Kind::P256 => {
                let alg = &rs::ECDSA_P256_SHA256_ASN1_SIGNING;
                let pkcs8 = rs::EcdsaKeyPair::generate_pkcs8(alg, rng())
                    .unwrap()
                    .as_ref()
                    .to_vec();
                let pair = rs::EcdsaKeyPair::from_pkcs8(alg, &pkcs8, rng()).unwrap();
                let spki = ec_spki(P256_OID, pair.public_key().as_ref());
                Signer {
                    kind,
                    inner: Inner::RingEcdsa(pair),
                    spki,
                    pkcs8,
                }
            }
            Kind::P256Prehash => {
                let key = loop {
                    if let Ok(key) = p256::ecdsa::SigningKey::from_slice(&random::<32>()) {
                        break key;
                    }
                };
                let point = key.verifying_key().to_sec1_point(false);
                let spki = ec_spki(P256_OID, point.as_bytes());
                Self::without_pkcs8(kind, Inner::P256(key), spki)
            }
            Kind::P384 => {
                let key = loop {
                    if let Ok(key) = p384::ecdsa::SigningKey::from_slice(&random::<48>()) {
                        break key;
                    }
                };
                let point = key.verifying_key().to_sec1_point(false);
                let spki = ec_spki(P384_OID, point.as_bytes());
                Self::without_pkcs8(kind, Inner::P384(key), spki)
            }
            Kind::P521 => {
                let key = loop {
                    let mut scalar = random::<66>();
                    scalar[0] &= 0x01; // below 2^521
                    if let Ok(key) = p521::ecdsa::SigningKey::from_slice(&scalar) {
                        break key;
                    }
                };
                let point = key.verifying_key().to_sec1_point(false);
                let spki = ec_spki(P521_OID, point.as_bytes());
                Self::without_pkcs8(kind, Inner::P521(key), spki)
            }
            Kind::Ed25519 => {
                let pkcs8 = rs::Ed25519KeyPair::generate_pkcs8(rng())
                    .unwrap()
                    .as_ref()
                    .to_vec();
                let pair = rs::Ed25519KeyPair::from_pkcs8(&pkcs8).unwrap();
                // id-Ed25519 1.3.101.112, no parameters.
                let algorithm = der(0x30, &der(0x06, &[0x2b, 0x65, 0x70]));
                let spki = spki(&algorithm, pair.public_key().as_ref());
                Signer {
                    kind,
                    inner: Inner::Ed25519(pair),
                    spki,
                    pkcs8,
                }
            }
        }
    }

    fn without_pkcs8(kind: Kind, inner: Inner, spki: Vec<u8>) -> Self {
        Signer {
            kind,
            inner,
            spki,
            pkcs8: Vec::new(),
        }
    }

    /// The public key, DER `SubjectPublicKeyInfo`.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// The public key as a `PUBLIC KEY` PEM (a key file; Rekor's `publicKey.content`).
    pub fn public_pem(&self) -> String {
        pem("PUBLIC KEY", &self.spki)
    }

    /// SHA-256 of the SPKI: a Rekor log ID or CT log ID.
    pub fn key_id(&self) -> [u8; 32] {
        sha256(&self.spki)
    }

    /// Signs `message` as cosign does (SHA-256 for ECDSA and RSA; Ed25519 pure).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.inner {
            Inner::Rsa(pair, encoding) => {
                let mut out = vec![0u8; pair.public().modulus_len()];
                pair.sign(*encoding, rng(), message, &mut out).unwrap();
                out
            }
            Inner::RingEcdsa(pair) => pair.sign(rng(), message).unwrap().as_ref().to_vec(),
            Inner::Ed25519(pair) => pair.sign(message).as_ref().to_vec(),
            Inner::P256(_) | Inner::P384(_) | Inner::P521(_) => self.sign_digest(&sha256(message)),
        }
    }

    /// ECDSA over a digest we already hold (RustCrypto kinds only), DER signature.
    pub fn sign_digest(&self, digest: &[u8]) -> Vec<u8> {
        match &self.inner {
            Inner::P256(key) => {
                let sig: p256::ecdsa::DerSignature = key.sign_prehash(digest).unwrap();
                sig.as_bytes().to_vec()
            }
            Inner::P384(key) => {
                let sig: p384::ecdsa::DerSignature = key.sign_prehash(digest).unwrap();
                sig.as_bytes().to_vec()
            }
            Inner::P521(key) => {
                let sig: p521::ecdsa::DerSignature = key.sign_prehash(digest).unwrap();
                sig.as_bytes().to_vec()
            }
            _ => panic!("{:?} keys cannot sign a prehashed digest here", self.kind),
        }
    }
}
