//! A CA directory driven by the openssl CLI for the revocation tests: `openssl ca` with its
//! index.txt and crlnumber, a code-signing leaf naming a CRL URL and a local OCSP responder
//! port, a delegated OCSPSigning responder certificate, and `openssl ocsp` responders started
//! and killed (by their own pid) on demand.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use ratify_notation::x509::read_certificates;
use time::OffsetDateTime;

const CONFIG: &str = "
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
certificate = ./ca.crt
private_key = ./ca.key
serial = ./serial
crlnumber = ./crlnumber
default_md = sha256
default_days = 30
default_crl_days = 1
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
[ leaf_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
crlDistributionPoints = URI:CRL_URL
authorityInfoAccess = OCSP;URI:OCSP_URL
[ plain_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
[ leaf_delta_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
crlDistributionPoints = URI:CRL_URL
freshestCRL = URI:DELTA_URL
[ base_crl_ext ]
freshestCRL = URI:DELTA_URL
[ delta_crl_ext ]
# Delta CRL Indicator (base CRL number 1); openssl has no config syntax of its own for it.
deltaCRL = critical,DER:02:01:01
[ ocsp_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
";

pub fn have_openssl() -> bool {
    let found = Command::new("openssl").arg("version").output().is_ok();
    if !found {
        println!("SKIP: openssl not found on PATH");
    }
    found
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A CA directory worked with `openssl ca`.
pub struct Pki {
    pub dir: tempfile::TempDir,
    /// Leaf and CA certificates (DER).
    pub chain: Vec<Vec<u8>>,
    /// Where the leaf says its OCSP responder listens.
    pub ocsp_port: u16,
}

impl Pki {
    pub fn new(crl_url: &str) -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let ocsp_port = free_port();
        let config = CONFIG
            .replace("DELTA_URL", &crl_url.replace("ca.crl", "delta.crl"))
            .replace("CRL_URL", crl_url)
            .replace("OCSP_URL", &format!("http://127.0.0.1:{ocsp_port}"));
        std::fs::write(dir.path().join("ca.cnf"), config).unwrap();
        std::fs::write(dir.path().join("index.txt"), "").unwrap();
        std::fs::write(dir.path().join("serial"), "1000\n").unwrap();
        std::fs::write(dir.path().join("crlnumber"), "01\n").unwrap();
        std::fs::create_dir(dir.path().join("newcerts")).unwrap();
        let pki = Pki {
            dir,
            chain: Vec::new(),
            ocsp_port,
        };
        pki.run(
            "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 \
             -subj /CN=Revocation-Test-CA -addext basicConstraints=critical,CA:TRUE \
             -addext keyUsage=critical,keyCertSign,cRLSign",
        );
        pki.issue("leaf", "/CN=Revocation-Test-Leaf", "leaf_ext");
        pki.issue("ocsp", "/CN=Revocation-Test-OCSP-Responder", "ocsp_ext");
        let mut chain = read_certificates(&pki.path("leaf.crt")).unwrap();
        chain.extend(read_certificates(&pki.path("ca.crt")).unwrap());
        Pki { chain, ..pki }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs openssl in the CA directory with whitespace-separated `args`.
    pub fn run(&self, args: &str) {
        let args: Vec<&str> = args.split_whitespace().collect();
        let out = Command::new("openssl")
            .args(&args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Issues `<name>.crt` (P-256 key `<name>.key`) with `openssl ca`.
    pub fn issue(&self, name: &str, subject: &str, extensions: &str) {
        self.run(&format!(
            "req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout {name}.key \
             -out {name}.csr -subj {subject}"
        ));
        self.run(&format!(
            "ca -batch -config ca.cnf -extensions {extensions} -notext -in {name}.csr \
             -out {name}.crt"
        ));
    }

    /// `openssl ca -gencrl`, as DER.
    pub fn crl(&self) -> Vec<u8> {
        self.crl_with("")
    }

    /// `openssl ca -gencrl` with the CRL extensions of config `section` (`""`: none).
    pub fn crl_with(&self, section: &str) -> Vec<u8> {
        let exts = if section.is_empty() {
            String::new()
        } else {
            format!("-crlexts {section}")
        };
        self.run(&format!("ca -config ca.cnf -gencrl {exts} -out crl.pem"));
        self.run("crl -in crl.pem -outform DER -out crl.der");
        std::fs::read(self.path("crl.der")).unwrap()
    }

    /// Revokes the leaf, with a key compromise time (CRL and OCSP invalidity date) if given.
    pub fn revoke(&self, compromised_at: Option<&str>) {
        let compromise = compromised_at.map_or(String::new(), |at| format!("-crl_compromise {at}"));
        self.run(&format!("ca -config ca.cnf -revoke leaf.crt {compromise}"));
    }

    /// Starts `openssl ocsp` on the leaf's responder port, signing with the delegated
    /// responder certificate; `next_update` adds `-nmin`.
    pub fn responder(&self, next_update: bool) -> Responder {
        self.responder_signing_with("ocsp", next_update)
    }

    /// As [`Pki::responder`], signing with `<signer>.crt` / `<signer>.key`.
    pub fn responder_signing_with(&self, signer: &str, next_update: bool) -> Responder {
        let port = self.ocsp_port;
        let next = if next_update { "-nmin 5" } else { "" };
        let args = format!(
            "ocsp -index index.txt -port {port} -rsigner {signer}.crt -rkey {signer}.key \
             -CA ca.crt -ignore_err {next}"
        );
        let mut child = Command::new("openssl")
            .args(args.split_whitespace())
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Ready once it says so on stderr. (Probing the port instead would wedge it: openssl
        // ocsp serves one connection at a time and waits on an idle one indefinitely.) The
        // rest of stderr is drained so the responder never blocks on a full pipe.
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let responder = Responder(child);
        let mut lines = stderr.lines();
        loop {
            let line = lines.next().expect("openssl ocsp exited").unwrap();
            if line.contains("waiting for OCSP client connections") {
                break;
            }
        }
        std::thread::spawn(move || lines.for_each(drop));
        responder
    }
}

/// A running `openssl ocsp`, killed (by its own pid) when dropped.
pub struct Responder(Child);

impl Drop for Responder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `at` as openssl's `-crl_compromise` wants it (GeneralizedTime).
pub fn generalized(at: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}
