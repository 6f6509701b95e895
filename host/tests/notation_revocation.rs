//! Revocation through the real `ratify` binary: a CA made with `openssl ca`, a signing
//! certificate whose CRL distribution point is a CRL server the test runs on 127.0.0.1, and
//! CRLs from `openssl ca -gencrl` before and after `openssl ca -revoke`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use support::{openssl, ratify, write_config};

const LIMIT: Duration = Duration::from_secs(60);

/// A CA with a code-signing leaf whose CRL is at `crl_url`; returns the PKI directory
/// (root.crt, leaf.crt, leaf.pk8 as tests/support/cli.rs::sign_in_copy wants them).
fn ca_with_crl(dir: &Path, crl_url: &str) -> PathBuf {
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("serial"), "1000\n").unwrap();
    std::fs::write(dir.join("crlnumber"), "1000\n").unwrap();
    std::fs::write(dir.join("ca.cnf"), format!(
        "[ca]\ndefault_ca=ca\n[ca]\ndir=.\ndatabase=index.txt\nserial=serial\ncrlnumber=crlnumber\nnew_certs_dir=.\n\
         certificate=root.crt\nprivate_key=root.key\ndefault_md=sha256\ndefault_days=365\ndefault_crl_days=30\n\
         policy=any\ncopy_extensions=copy\nunique_subject=no\n[any]\ncommonName=supplied\norganizationName=optional\n\
         countryName=optional\nstateOrProvinceName=optional\n[leaf]\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\ncrlDistributionPoints=URI:{crl_url}\n"
    )).unwrap();
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-521",
            "-nodes",
            "-keyout",
            "root.key",
            "-out",
            "root.crt",
            "-days",
            "365",
            "-subj",
            "/C=US/ST=WA/O=Revocation Test/CN=Revocation Test Root",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-521",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/C=US/ST=WA/O=Revocation Test/CN=Revocation Test Signer",
        ],
    );
    openssl(
        dir,
        &[
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-in",
            "leaf.csr",
            "-out",
            "leaf.crt",
            "-extensions",
            "leaf",
            "-notext",
        ],
    );
    openssl(
        dir,
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "leaf.key", "-outform", "DER", "-out", "leaf.pk8",
        ],
    );
    dir.to_path_buf()
}

fn crl(dir: &Path) -> Vec<u8> {
    openssl(
        dir,
        &["ca", "-config", "ca.cnf", "-gencrl", "-out", "crl.pem"],
    );
    openssl(
        dir,
        &[
            "crl", "-in", "crl.pem", "-outform", "DER", "-out", "crl.der",
        ],
    );
    std::fs::read(dir.join("crl.der")).unwrap()
}

struct Setup {
    _work: tempfile::TempDir,
    pki: PathBuf,
    layout: PathBuf,
    served: Arc<Mutex<Option<Vec<u8>>>>,
    _server: support::http::Server,
}

impl Setup {
    fn new() -> Self {
        let served: Arc<Mutex<Option<Vec<u8>>>> = Arc::default();
        let crl_bytes = Arc::clone(&served);
        let server =
            support::http::Server::start(Arc::new(move |_request: support::http::Request| {
                let body = crl_bytes.lock().unwrap().clone();
                Box::pin(async move {
                    support::http::Reply::Send(match body {
                        Some(body) => {
                            support::http::Response::new(200, "application/pkix-crl", body)
                        }
                        None => {
                            support::http::Response::error(503, "UNAVAILABLE", "CRL server down")
                        }
                    })
                })
            }));
        let work = tempfile::tempdir().unwrap();
        let pki = work.path().join("pki");
        std::fs::create_dir_all(&pki).unwrap();
        ca_with_crl(&pki, &format!("{}/leaf.crl", server.url()));
        let layout = support::cli::sign_in_copy(work.path(), "unsigned", &pki);
        Self {
            _work: work,
            pki,
            layout,
            served,
            _server: server,
        }
    }

    fn verify(&self, level: &str) -> support::Run {
        let home = tempfile::tempdir().unwrap();
        let verifier = json!({
            "name": "notation", "artifactTypes": "application/vnd.cncf.notary.signature",
            "verificationCertStores": {"ca": {"test": [self.pki.join("root.crt")]}},
            // A fresh cache per run: each run must see the CRL the server serves now.
            "crlCacheDir": home.path().join("crl-cache"),
            "trustPolicyDoc": {"version": "1.0", "trustPolicies": [{"name": "test", "registryScopes": ["*"],
                "signatureVerification": {"level": level}, "trustStores": ["ca:test"], "trustedIdentities": ["*"]}]}
        });
        let config = write_config(home.path(), &json!({"verifier": {"plugins": [verifier]}}))
            .display()
            .to_string();
        let subject = format!("{}:unsigned", self.layout.display());
        ratify(
            &["verify", "--oci-layout", "-s", &subject, "-c", &config],
            home.path(),
            LIMIT,
        )
    }
}

fn report(run: &support::Run) -> Value {
    run.json()["verifierReports"][0].clone()
}

#[test]
fn crl_revocation_is_enforced_by_level() {
    let setup = Setup::new();
    *setup.served.lock().unwrap() = Some(crl(&setup.pki));
    let run = setup.verify("strict");
    assert_eq!(run.code, Some(0), "not revoked: {run:?}");

    openssl(
        &setup.pki,
        &[
            "ca",
            "-config",
            "ca.cnf",
            "-revoke",
            "leaf.crt",
            "-crl_reason",
            "keyCompromise",
        ],
    );
    *setup.served.lock().unwrap() = Some(crl(&setup.pki));
    let run = setup.verify("strict");
    assert_eq!(run.code, Some(1), "{run:?}");
    let message = report(&run)["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("revocation validation failed") && message.contains("is revoked"),
        "{message}"
    );
    // Permissive logs revocation failures instead of enforcing them.
    let run = setup.verify("permissive");
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        report(&run)["extensions"]["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("revocation was set to \"log\"")
    );
}

#[test]
fn an_unreachable_crl_makes_the_status_unknown() {
    let setup = Setup::new();
    *setup.served.lock().unwrap() = None;
    let run = setup.verify("strict");
    assert_eq!(run.code, Some(1), "{run:?}");
    let message = report(&run)["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("revocation status is unknown"),
        "{message}"
    );
    let run = setup.verify("audit");
    assert_eq!(run.code, Some(0), "{run:?}");
}
