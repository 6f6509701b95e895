//! keys.rs against keys and signatures made by openssl at test time: every key kind cosign
//! accepts, the hashes and paddings we take, and the inputs we refuse.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ratify_cosign::keys::{Hash, KeyKind, PublicKey};
use sha2::Digest as _;

const MESSAGE: &[u8] = b"{\"critical\":{\"type\":\"cosign container image signature\"}}";

/// Runs openssl; panics with its stderr when it fails.
fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A private key made by `openssl genpkey` in `dir`, its public key and a message file.
struct Fixture {
    dir: PathBuf,
    key: String,
    public: PublicKey,
    msg: String,
}

impl Fixture {
    fn new(dir: &Path, name: &str, genpkey: &[&str]) -> Self {
        let key = dir.join(format!("{name}.key")).display().to_string();
        let mut args = vec!["genpkey"];
        args.extend_from_slice(genpkey);
        args.extend_from_slice(&["-out", &key]);
        openssl(&args);
        let pem = openssl(&["pkey", "-in", &key, "-pubout"]);
        let public = PublicKey::from_pem(&pem).unwrap();
        let msg = dir.join("msg").display().to_string();
        std::fs::write(&msg, MESSAGE).unwrap();
        Fixture {
            dir: dir.to_path_buf(),
            key,
            public,
            msg,
        }
    }

    /// `openssl dgst -<hash> -sign`, with extra `-sigopt`s.
    fn sign(&self, hash: &str, sigopts: &[&str]) -> Vec<u8> {
        let mut args = vec!["dgst", hash, "-sign", &self.key];
        for opt in sigopts {
            args.extend_from_slice(&["-sigopt", opt]);
        }
        args.push(&self.msg);
        openssl(&args)
    }

    fn spki_der(&self) -> Vec<u8> {
        openssl(&["pkey", "-in", &self.key, "-pubout", "-outform", "DER"])
    }
}

fn check_rejects(key: &PublicKey, sig: &[u8]) {
    assert!(key.verify(b"another message", sig).is_err());
    let mut bad = sig.to_vec();
    let last = bad.len() - 1;
    bad[last / 2] ^= 0x01;
    assert!(key.verify(MESSAGE, &bad).is_err());
}

#[test]
fn rsa_pkcs1v15_and_pss_sha256_for_2048_3072_4096() {
    let tmp = tempfile::tempdir().unwrap();
    for bits in [2048usize, 3072, 4096] {
        let opt = format!("rsa_keygen_bits:{bits}");
        let f = Fixture::new(
            tmp.path(),
            &format!("rsa{bits}"),
            &["-algorithm", "RSA", "-pkeyopt", &opt],
        );
        assert_eq!(f.public.kind(), KeyKind::Rsa { bits });
        let pkcs1 = f.sign("-sha256", &[]);
        f.public.verify(MESSAGE, &pkcs1).unwrap();
        check_rejects(&f.public, &pkcs1);
        let pss = f.sign(
            "-sha256",
            &["rsa_padding_mode:pss", "rsa_pss_saltlen:digest"],
        );
        f.public.verify(MESSAGE, &pss).unwrap();
        check_rejects(&f.public, &pss);
        // A SHA-512 signature is not cosign's SHA-256, but verify_with_hash takes it.
        let sha512 = f.sign("-sha512", &[]);
        assert!(f.public.verify(MESSAGE, &sha512).is_err());
        f.public
            .verify_with_hash(Hash::Sha512, MESSAGE, &sha512)
            .unwrap();
        let digest = sha2::Sha256::digest(MESSAGE);
        let err = f
            .public
            .verify_prehashed(Hash::Sha256, &digest, &pkcs1)
            .unwrap_err();
        assert!(err.contains("not supported"), "{err}");
        assert_eq!(
            f.public.key_id().to_vec(),
            sha2::Sha256::digest(f.spki_der()).to_vec()
        );
    }
}

#[test]
fn rsa_public_key_pkcs1_pem_is_accepted_with_the_same_key_id() {
    let tmp = tempfile::tempdir().unwrap();
    let f = Fixture::new(
        tmp.path(),
        "rsa",
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    );
    let pkcs1_pem = openssl(&["rsa", "-in", &f.key, "-RSAPublicKey_out"]);
    assert!(String::from_utf8_lossy(&pkcs1_pem).contains("BEGIN RSA PUBLIC KEY"));
    let key = PublicKey::from_pem(&pkcs1_pem).unwrap();
    assert_eq!(key.spki_der(), f.spki_der().as_slice());
    assert_eq!(key.key_id(), f.public.key_id());
    key.verify(MESSAGE, &f.sign("-sha256", &[])).unwrap();
}

#[test]
fn rsa_below_2048_bits_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("small.key").display().to_string();
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:1024",
        "-out",
        &key,
    ]);
    let pem = openssl(&["pkey", "-in", &key, "-pubout"]);
    let err = PublicKey::from_pem(&pem).unwrap_err();
    assert!(err.contains("too small") && err.contains("1024"), "{err}");
}

#[test]
fn ecdsa_p256_p384_p521_over_sha256_with_der_signatures() {
    let tmp = tempfile::tempdir().unwrap();
    let curves = [
        ("P-256", KeyKind::EcdsaP256, "-sha384", Hash::Sha384),
        ("P-384", KeyKind::EcdsaP384, "-sha384", Hash::Sha384),
        ("P-521", KeyKind::EcdsaP521, "-sha512", Hash::Sha512),
    ];
    for (curve, kind, own_hash, hash) in curves {
        let opt = format!("ec_paramgen_curve:{curve}");
        let f = Fixture::new(tmp.path(), curve, &["-algorithm", "EC", "-pkeyopt", &opt]);
        assert_eq!(f.public.kind(), kind);
        let sig = f.sign("-sha256", &[]);
        f.public.verify(MESSAGE, &sig).unwrap();
        check_rejects(&f.public, &sig);
        // The same signature over the digest we computed.
        let digest = sha2::Sha256::digest(MESSAGE);
        f.public
            .verify_prehashed(Hash::Sha256, &digest, &sig)
            .unwrap();
        assert!(
            f.public
                .verify_prehashed(Hash::Sha256, &digest[..31], &sig)
                .is_err()
        );
        assert!(
            f.public
                .verify_prehashed(Hash::Sha384, &digest, &sig)
                .is_err()
        );
        // The curve's own hash (what sigstore-go also tries for P-384/P-521).
        let own = f.sign(own_hash, &[]);
        assert!(f.public.verify(MESSAGE, &own).is_err());
        f.public.verify_with_hash(hash, MESSAGE, &own).unwrap();
        let own_digest = hash.digest(MESSAGE);
        f.public.verify_prehashed(hash, &own_digest, &own).unwrap();
        assert_eq!(
            f.public.key_id().to_vec(),
            sha2::Sha256::digest(f.spki_der()).to_vec()
        );
    }
}

#[test]
fn ed25519_is_pure() {
    let tmp = tempfile::tempdir().unwrap();
    let f = Fixture::new(tmp.path(), "ed", &["-algorithm", "ed25519"]);
    assert_eq!(f.public.kind(), KeyKind::Ed25519);
    let sig_path = f.dir.join("ed.sig").display().to_string();
    openssl(&[
        "pkeyutl", "-sign", "-inkey", &f.key, "-rawin", "-in", &f.msg, "-out", &sig_path,
    ]);
    let sig = std::fs::read(&sig_path).unwrap();
    f.public.verify(MESSAGE, &sig).unwrap();
    check_rejects(&f.public, &sig);
    let digest = sha2::Sha256::digest(MESSAGE);
    assert!(
        f.public
            .verify_prehashed(Hash::Sha256, &digest, &sig)
            .is_err()
    );
}

#[test]
fn keys_of_other_curves_and_types_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let k1 = tmp.path().join("k1.key").display().to_string();
    openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:secp256k1",
        "-out",
        &k1,
    ]);
    let err = PublicKey::from_pem(&openssl(&["pkey", "-in", &k1, "-pubout"])).unwrap_err();
    assert!(err.contains("unsupported elliptic curve"), "{err}");
    let x = tmp.path().join("x.key").display().to_string();
    openssl(&["genpkey", "-algorithm", "X25519", "-out", &x]);
    let err = PublicKey::from_pem(&openssl(&["pkey", "-in", &x, "-pubout"])).unwrap_err();
    assert!(err.contains("unsupported public key type"), "{err}");
}

#[test]
fn certificate_public_key_is_the_certificate_spki() {
    let tmp = tempfile::tempdir().unwrap();
    let f = Fixture::new(
        tmp.path(),
        "cert",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    let der = openssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        &f.key,
        "-subj",
        "/CN=cosign-test",
        "-days",
        "1",
        "-outform",
        "DER",
    ]);
    let key = PublicKey::from_certificate(&der).unwrap();
    assert_eq!(key, f.public);
    assert!(PublicKey::from_certificate(&der[..der.len() - 1]).is_err());
    // A certificate PEM is not a public key PEM.
    let pem = openssl(&[
        "req", "-x509", "-new", "-key", &f.key, "-subj", "/CN=t", "-days", "1",
    ]);
    let err = PublicKey::from_pem(&pem).unwrap_err();
    assert!(
        err.contains("unknown Public key PEM file type: CERTIFICATE"),
        "{err}"
    );
}

#[test]
fn pem_files_with_more_than_one_key_or_trailing_data_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let f = Fixture::new(
        tmp.path(),
        "p",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    let pem = String::from_utf8(openssl(&["pkey", "-in", &f.key, "-pubout"])).unwrap();
    let path = tmp.path().join("cosign.pub");

    std::fs::write(&path, &pem).unwrap();
    assert_eq!(PublicKey::from_pem_file(&path).unwrap(), f.public);
    assert_eq!(
        PublicKey::from_pem(f.public.to_pem().as_bytes()).unwrap(),
        f.public
    );

    std::fs::write(&path, format!("{pem}{pem}")).unwrap();
    let err = PublicKey::from_pem_file(&path).unwrap_err();
    assert!(
        err.contains("cosign.pub") && err.contains("exactly one"),
        "{err}"
    );

    std::fs::write(&path, format!("{pem}trailing text\n")).unwrap();
    let err = PublicKey::from_pem_file(&path).unwrap_err();
    assert!(err.contains("after the PEM block"), "{err}");

    std::fs::write(&path, "\n").unwrap();
    let err = PublicKey::from_pem_file(&path).unwrap_err();
    assert!(err.contains("is empty"), "{err}");

    let missing = tmp.path().join("missing.pub");
    let err = PublicKey::from_pem_file(&missing).unwrap_err();
    assert!(err.contains("missing.pub"), "{err}");

    let err = PublicKey::from_pem(b"not a pem").unwrap_err();
    assert!(err.contains("PEM decoding failed"), "{err}");
}

#[test]
fn spki_with_trailing_bytes_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let f = Fixture::new(
        tmp.path(),
        "t",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    let mut der = f.spki_der();
    der.push(0);
    assert!(PublicKey::from_spki_der(&der).is_err());
}
