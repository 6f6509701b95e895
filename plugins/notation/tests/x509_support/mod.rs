//! Shared by the x509 integration tests: where the interop data lives, and a small openssl
//! PKI for generated certificates.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code, unused_macros, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ratify_notation::x509::{Purpose, read_certificates, read_certificates_from, validate_chain};

/// Returns the interop directory, or prints SKIP and returns from the calling test.
macro_rules! interop {
    () => {
        match x509_support::interop_dir() {
            Some(dir) => dir,
            None => return,
        }
    };
}

pub fn interop_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RATIFY_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop"));
    if dir.join("PROVENANCE.md").is_file() {
        Some(dir)
    } else {
        println!(
            "SKIP: interop data not found at {} (set RATIFY_INTEROP_DIR)",
            dir.display()
        );
        None
    }
}

pub fn read_one(path: &Path) -> Vec<u8> {
    let mut certs = read_certificates(path).unwrap();
    assert_eq!(certs.len(), 1, "{}", path.display());
    certs.remove(0)
}

pub const CA: &str = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign";
pub const LEAF: &str =
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning";
pub const TSA: &str = "keyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping";
pub const SHA256: &[&str] = &["-sha256"];

pub struct Pki {
    dir: tempfile::TempDir,
    serial: std::cell::Cell<u32>,
}

impl Pki {
    pub fn new() -> Option<Pki> {
        if Command::new("openssl").arg("version").output().is_err() {
            println!("SKIP: openssl not found");
            return None;
        }
        Some(Pki {
            dir: tempfile::tempdir().unwrap(),
            serial: std::cell::Cell::new(100),
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn run(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `rsa:<bits>` or an EC curve name.
    pub fn key(&self, name: &str, spec: &str) {
        let out = format!("{name}.key");
        let (algorithm, option) = match spec.strip_prefix("rsa:") {
            Some(bits) => ("RSA", format!("rsa_keygen_bits:{bits}")),
            None => ("EC", format!("ec_paramgen_curve:{spec}")),
        };
        self.run(&[
            "genpkey",
            "-algorithm",
            algorithm,
            "-pkeyopt",
            &option,
            "-out",
            &out,
        ]);
    }

    pub fn config(&self, name: &str, ext: &str) -> String {
        let file = format!("{name}.cnf");
        let text = format!(
            "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = x\n[ext]\n\
             subjectKeyIdentifier=hash\n{ext}\n"
        );
        std::fs::write(self.path().join(&file), text).unwrap();
        file
    }

    pub fn der(&self, name: &str) -> Vec<u8> {
        let pem = std::fs::read(self.path().join(format!("{name}.pem"))).unwrap();
        read_certificates_from(&pem).unwrap().remove(0)
    }

    /// A self-signed certificate `/CN=<name>` with a new `key` key.
    pub fn root(&self, name: &str, key: &str, ext: &str, sig: &[&str]) -> Vec<u8> {
        self.key(name, key);
        let cnf = self.config(name, ext);
        let (subj, key, out) = (
            format!("/CN={name}"),
            format!("{name}.key"),
            format!("{name}.pem"),
        );
        let mut args = vec![
            "req", "-x509", "-new", "-key", &key, "-config", &cnf, "-subj", &subj,
        ];
        args.extend(["-days", "30", "-extensions", "ext", "-out", &out]);
        args.extend(sig);
        self.run(&args);
        self.der(name)
    }

    /// `/CN=<name>` with a new `key` key, issued by the earlier certificate `issuer`.
    pub fn issue(
        &self,
        name: &str,
        key: &str,
        issuer: &str,
        ext: &str,
        days: u32,
        sig: &[&str],
    ) -> Vec<u8> {
        self.key(name, key);
        let cnf = self.config(name, ext);
        let (subj, key_file) = (format!("/CN={name}"), format!("{name}.key"));
        let csr = format!("{name}.csr");
        self.run(&[
            "req", "-new", "-key", &key_file, "-config", &cnf, "-subj", &subj, "-out", &csr,
        ]);
        let (ca, ca_key) = (format!("{issuer}.pem"), format!("{issuer}.key"));
        self.serial.set(self.serial.get() + 1);
        let (serial, days, out) = (
            self.serial.get().to_string(),
            days.to_string(),
            format!("{name}.pem"),
        );
        let mut args = vec!["x509", "-req", "-in", &csr, "-CA", &ca, "-CAkey", &ca_key];
        args.extend([
            "-set_serial",
            &serial,
            "-days",
            &days,
            "-extfile",
            &cnf,
            "-extensions",
            "ext",
        ]);
        args.extend(["-out", &out]);
        args.extend(sig);
        self.run(&args);
        self.der(name)
    }
}

pub fn err(chain: &[Vec<u8>], purpose: Purpose) -> String {
    validate_chain(chain, purpose, None)
        .unwrap_err()
        .to_string()
}
