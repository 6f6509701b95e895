//! RFC 3161 timestamps through the real `ratify` binary: a TSA made with openssl
//! (`openssl ts -reply`, real RFC 3161 responses) countersigns a Notation signature made by
//! our signer, and trust policies with a `tsa:` store verify it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use support::{openssl, ratify, write_config};

const LIMIT: Duration = Duration::from_secs(60);

/// A TSA root and a TSA certificate (critical timeStamping EKU) with an `openssl ts` config.
fn tsa(dir: &Path) -> PathBuf {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "tsaroot.key",
            "-out",
            "tsaroot.crt",
            "-days",
            "365",
            "-subj",
            "/C=US/O=Test TSA/CN=Test TSA Root",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "tsa.key",
            "-out",
            "tsa.csr",
            "-subj",
            "/C=US/O=Test TSA/CN=Test TSA",
        ],
    );
    std::fs::write(dir.join("tsa.ext"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "tsaroot.crt",
            "-CAkey",
            "tsaroot.key",
            "-set_serial",
            "7",
            "-days",
            "365",
            "-extfile",
            "tsa.ext",
            "-out",
            "tsa.crt",
        ],
    );
    std::fs::write(dir.join("tsaserial"), "01\n").unwrap();
    std::fs::write(dir.join("tsa.cnf"), "[tsa]\ndefault_tsa=t\n[t]\ndir=.\nserial=tsaserial\ncrypto_device=builtin\nsigner_cert=tsa.crt\n\
        certs=tsaroot.crt\nsigner_key=tsa.key\nsigner_digest=sha256\ndefault_policy=1.2.3.4.1\ndigests=sha256,sha384,sha512\n\
        accuracy=secs:1\nordering=yes\ntsa_name=no\ness_cert_id_chain=no\ness_cert_id_alg=sha256\n").unwrap();
    dir.to_path_buf()
}

/// A token from the openssl TSA over `signature`.
fn timestamp(tsa: &Path, signature: &[u8]) -> Vec<u8> {
    std::fs::write(tsa.join("signature.bin"), signature).unwrap();
    openssl(
        tsa,
        &[
            "ts",
            "-query",
            "-data",
            "signature.bin",
            "-sha256",
            "-cert",
            "-out",
            "req.tsq",
        ],
    );
    openssl(
        tsa,
        &[
            "ts",
            "-reply",
            "-config",
            "tsa.cnf",
            "-queryfile",
            "req.tsq",
            "-out",
            "resp.tsr",
        ],
    );
    openssl(
        tsa,
        &[
            "ts",
            "-reply",
            "-in",
            "resp.tsr",
            "-token_out",
            "-out",
            "token.der",
        ],
    );
    std::fs::read(tsa.join("token.der")).unwrap()
}

fn verify(layout: &Path, tag: &str, tsa_root: &Path) -> support::Run {
    let home = tempfile::tempdir().unwrap();
    let verifier = json!({
        "name": "notation", "artifactTypes": "application/vnd.cncf.notary.signature",
        "verificationCertStores": {
            "ca": {"example": [support::repo_root().join("testdata/pki/root.crt")]},
            "tsa": {"test": [tsa_root]}
        },
        "trustPolicyDoc": {"version": "1.0", "trustPolicies": [{"name": "timestamped", "registryScopes": ["*"],
            "signatureVerification": {"level": "strict", "verifyTimestamp": "always"},
            "trustStores": ["ca:example", "tsa:test"], "trustedIdentities": ["*"]}]}
    });
    let config = write_config(home.path(), &json!({"verifier": {"plugins": [verifier]}}))
        .display()
        .to_string();
    let subject = format!("{}:{tag}", layout.display());
    ratify(
        &["verify", "--oci-layout", "-s", &subject, "-c", &config],
        home.path(),
        LIMIT,
    )
}

fn report(run: &support::Run) -> Value {
    run.json()["verifierReports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "notation")
        .cloned()
        .unwrap()
}

#[test]
fn a_timestamped_signature_verifies_against_its_tsa_and_not_another() {
    let work = tempfile::tempdir().unwrap();
    let tsa_dir = work.path().join("tsa");
    std::fs::create_dir_all(&tsa_dir).unwrap();
    let tsa = tsa(&tsa_dir);
    let stamp = |signature: &[u8]| timestamp(&tsa, signature);
    let pki = support::repo_root().join("testdata/pki");
    let layout =
        support::cli::sign_in_copy_with_timestamp(work.path(), "unsigned", &pki, Some(&stamp));

    let run = verify(&layout, "unsigned", &tsa.join("tsaroot.crt"));
    assert_eq!(run.code, Some(0), "{run:?}");
    let timestamp = &report(&run)["extensions"]["timestamp"];
    assert!(
        timestamp["genTime"].is_string() && timestamp["earliest"].is_string(),
        "{timestamp}"
    );

    // A tsa: store that does not hold this TSA's root.
    let other = pki.join("root.crt");
    let run = verify(&layout, "unsigned", &other);
    assert_eq!(run.code, Some(1), "{run:?}");
    let message = report(&run)["message"].as_str().unwrap().to_owned();
    assert!(
        message.starts_with("authenticTimestamp validation failed")
            && message.contains("unknown authority"),
        "{message}"
    );

    // The bundled example's signatures carry no timestamp: a policy that always wants one denies.
    let run = verify(&support::example_layout(), "v1", &tsa.join("tsaroot.crt"));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        report(&run)["message"]
            .as_str()
            .unwrap()
            .contains("no timestamp countersignature was found in the signature envelope")
    );
}
