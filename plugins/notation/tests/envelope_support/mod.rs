//! Helpers shared by the envelope tests: finding the interop data, reading signature blobs out
//! of OCI layouts, and small conversions.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use ratify_notation::envelope::{Envelope, EnvelopeError, EnvelopeErrorKind};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The interop data directory, or `None` after printing the SKIP line when it is absent.
pub fn interop_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("RATIFY_INTEROP_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop"),
    };
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "SKIP: interop data not found at {} (set RATIFY_INTEROP_DIR)",
            dir.display()
        );
        None
    }
}

/// `envelope::verify` with a trust check that accepts every chain: the envelope rules alone.
pub fn verify(media_type: &str, bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
    ratify_notation::envelope::verify(media_type, bytes, |_| Ok(()))
}

/// The error `kind` with exactly `message`.
pub fn err(kind: EnvelopeErrorKind, message: &str) -> EnvelopeError {
    EnvelopeError {
        kind,
        message: message.to_string(),
    }
}

/// Reads a file below the interop directory.
pub fn read(dir: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// An RFC 3339 instant.
pub fn at(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).unwrap()
}

/// A signature layer found in an OCI layout.
pub struct SignatureBlob {
    /// The signature manifest's digest.
    pub manifest: String,
    /// The layer's media type (the envelope media type).
    pub media_type: String,
    /// The layer bytes.
    pub blob: Vec<u8>,
    /// The manifest's `io.cncf.notary.x509chain.thumbprint#S256` annotation, if any.
    pub thumbprints: Option<Vec<String>>,
    /// The manifest's subject digest.
    pub subject: Option<String>,
}

/// Every layer of every Notary Project signature manifest in an OCI layout directory.
pub fn layout_signatures(layout: &Path) -> Vec<SignatureBlob> {
    let blobs = layout.join("blobs/sha256");
    let mut found = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&blobs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).unwrap())
        else {
            continue;
        };
        let artifact_type = doc["artifactType"]
            .as_str()
            .or(doc["config"]["mediaType"].as_str());
        if artifact_type != Some("application/vnd.cncf.notary.signature") {
            continue;
        }
        let thumbprints = doc["annotations"]["io.cncf.notary.x509chain.thumbprint#S256"]
            .as_str()
            .map(|s| serde_json::from_str(s).unwrap());
        for layer in doc["layers"].as_array().unwrap() {
            let digest = layer["digest"].as_str().unwrap();
            let blob = std::fs::read(blobs.join(digest.trim_start_matches("sha256:"))).unwrap();
            found.push(SignatureBlob {
                manifest: format!("sha256:{}", path.file_name().unwrap().to_string_lossy()),
                media_type: layer["mediaType"].as_str().unwrap().to_string(),
                blob,
                thumbprints: thumbprints.clone(),
                subject: doc["subject"]["digest"].as_str().map(String::from),
            });
        }
    }
    found
}

/// The DER certificates in a PEM file.
pub fn pem_certificates(pem: &[u8]) -> Vec<Vec<u8>> {
    x509_parser::pem::Pem::iter_from_buffer(pem)
        .map(|p| p.unwrap().contents)
        .collect()
}

/// A generated key: PKCS#8 DER private key and a self-signed DER certificate.
pub struct TestKey {
    /// PKCS#8 DER.
    pub pkcs8: Vec<u8>,
    /// Self-signed certificate, DER.
    pub cert: Vec<u8>,
}

/// Key kinds the tests use, as `openssl genpkey` options.
pub const KEY_SPECS: [(&str, &[&str]); 9] = [
    (
        "rsa2048",
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    ),
    (
        "rsa2048b",
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    ),
    (
        "rsa2047",
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2047"],
    ),
    (
        "rsa3072",
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
    ),
    (
        "rsa4096",
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
    ),
    (
        "p256",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    ),
    (
        "p256b",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    ),
    (
        "p384",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    ),
    (
        "p521",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
    ),
];

/// Keys generated once per test binary with the openssl CLI, or `None` (after a SKIP line)
/// when openssl is not installed.
pub fn test_keys() -> Option<&'static std::collections::HashMap<&'static str, TestKey>> {
    static KEYS: std::sync::OnceLock<Option<std::collections::HashMap<&'static str, TestKey>>> =
        std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            std::process::Command::new("openssl")
                .args(args)
                .current_dir(tmp.path())
                .output()
        };
        if run(&["version"]).is_err() {
            println!("SKIP: openssl not found; key fixtures unavailable");
            return None;
        }
        let mut keys = std::collections::HashMap::new();
        for (name, opts) in KEY_SPECS {
            let pem = format!("{name}.pem");
            let mut args = vec!["genpkey"];
            args.extend_from_slice(opts);
            args.extend_from_slice(&["-out", &pem]);
            assert!(run(&args).unwrap().status.success(), "genpkey {name}");
            let der = format!("{name}.p8");
            let out = run(&[
                "pkcs8", "-topk8", "-nocrypt", "-in", &pem, "-outform", "DER", "-out", &der,
            ]);
            assert!(out.unwrap().status.success(), "pkcs8 {name}");
            let cert = format!("{name}.crt");
            let subject = format!("/CN={name}/O=Ratify Test");
            let out = run(&[
                "req",
                "-x509",
                "-new",
                "-key",
                &pem,
                "-subj",
                &subject,
                "-days",
                "2",
                "-addext",
                "keyUsage=critical,digitalSignature",
                "-outform",
                "DER",
                "-out",
                &cert,
            ]);
            assert!(out.unwrap().status.success(), "req {name}");
            let read = |f: &str| std::fs::read(tmp.path().join(f)).unwrap();
            keys.insert(
                name,
                TestKey {
                    pkcs8: read(&der),
                    cert: read(&cert),
                },
            );
        }
        Some(keys)
    });
    keys.as_ref()
}
