//! The notation verifier on the project's own fixtures, through the real `ratify` binary: a
//! three-level PKI (root, intermediate, code-signing leaf) made at test time with openssl, for
//! RSA-3072 and P-256, and JWS and COSE envelopes made by our own signer and attached to the
//! bundled example image. Each case is one `ratify verify`: a good signature passes and names
//! its signer; an expired signature, a leaf without the code-signing EKU, an identity the policy
//! does not trust, a tampered payload and a signature for another image's digest are denied
//! with the reason a Notation user would recognise. (Revocation: `notation_revocation.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ratify_notation::envelope::sign::{SignRequest, Signer};
use serde_json::{Value, json};
use support::{ratify, write_config};
use time::OffsetDateTime;

const LIMIT: Duration = Duration::from_secs(60);
const TRUSTED: &str = "x509.subject: C=US, ST=WA, O=Ratify Tests, CN=Fixture Signer";

/// `openssl` with a space-separated argument line.
fn openssl(dir: &Path, line: &str) {
    support::openssl(dir, &line.split(' ').collect::<Vec<_>>());
}

/// root → intermediate → leaf (code signing) and a second leaf with only serverAuth, all with
/// keys from `keygen` (openssl genpkey options). Files: `<name>.crt`, `<name>.pk8`.
fn make_pki(dir: &Path, keygen: &str) {
    let ext = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    ext(
        "ca.ext",
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n",
    );
    ext(
        "leaf.ext",
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n",
    );
    ext(
        "server.ext",
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    for name in ["root", "intermediate", "leaf", "server"] {
        openssl(dir, &format!("genpkey {keygen} -out {name}.key"));
        openssl(
            dir,
            &format!("pkcs8 -topk8 -nocrypt -in {name}.key -outform DER -out {name}.pk8"),
        );
    }
    openssl(
        dir,
        "req -new -x509 -key root.key -days 30 -subj /C=US/O=Ratify-Tests/CN=Fixture-Root \
         -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign -out root.crt",
    );
    let issue = |name: &str, subject: &str, issuer: &str, ext: &str, serial: u32| {
        openssl(
            dir,
            &format!("req -new -key {name}.key -subj {subject} -out {name}.csr"),
        );
        openssl(
            dir,
            &format!(
                "x509 -req -in {name}.csr -CA {issuer}.crt -CAkey {issuer}.key -set_serial {serial} \
                 -days 30 -extfile {ext} -out {name}.crt"
            ),
        );
    };
    issue(
        "intermediate",
        "/C=US/O=Ratify-Tests/CN=Fixture-Intermediate",
        "root",
        "ca.ext",
        2,
    );
    // The spaces of the trusted identity's DN cannot travel through split(' '): use a file.
    std::fs::write(
        dir.join("leaf.cnf"),
        "[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nC=US\nST=WA\nO=Ratify Tests\nCN=Fixture Signer\n",
    )
    .unwrap();
    openssl(dir, "req -new -key leaf.key -config leaf.cnf -out leaf.csr");
    openssl(
        dir,
        "x509 -req -in leaf.csr -CA intermediate.crt -CAkey intermediate.key -set_serial 3 \
         -days 30 -extfile leaf.ext -out leaf.crt",
    );
    issue(
        "server",
        "/C=US/O=Ratify-Tests/CN=Fixture-Server",
        "intermediate",
        "server.ext",
        4,
    );
}

fn signer(dir: &Path, leaf: &str) -> Signer {
    let read = |name: &str| {
        ratify_notation::x509::read_certificates(&dir.join(format!("{name}.crt")))
            .unwrap()
            .remove(0)
    };
    let key = std::fs::read(dir.join(format!("{leaf}.pk8"))).unwrap();
    Signer::from_pkcs8(&key, vec![read(leaf), read("intermediate"), read("root")]).unwrap()
}

/// A payload naming `target` (an image descriptor).
fn request(target: &Value) -> SignRequest {
    let payload = serde_json::to_vec(&json!({"targetArtifact": target})).unwrap();
    SignRequest::new(payload, OffsetDateTime::now_utc())
}

/// Replaces the first 64-hex digest in the envelope's payload by another of the same length,
/// so only signed bytes change (COSE carries the payload as is; JWS as base64url).
fn tamper(media_type: &str, envelope: Vec<u8>, digest: &str) -> Vec<u8> {
    use base64::Engine as _;
    let other = format!("sha256:{}", "0".repeat(64));
    if media_type == "application/cose" {
        let at = envelope
            .windows(digest.len())
            .position(|w| w == digest.as_bytes())
            .unwrap();
        let mut out = envelope;
        out[at..at + other.len()].copy_from_slice(other.as_bytes());
        return out;
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut jws: Value = serde_json::from_slice(&envelope).unwrap();
    let payload = b64.decode(jws["payload"].as_str().unwrap()).unwrap();
    let payload = String::from_utf8(payload).unwrap().replace(digest, &other);
    jws["payload"] = Value::String(b64.encode(payload));
    serde_json::to_vec(&jws).unwrap()
}

/// `ratify verify` of the layout's `unsigned` image; `rule` is the policy for signatures.
fn run_verify(layout: &Path, pki: &Path, identity: &str, rule: &str) -> support::Run {
    let home = tempfile::tempdir().unwrap();
    let verifier = json!({
        "name": "notation", "artifactTypes": "application/vnd.cncf.notary.signature",
        "verificationCertStores": {"ca": {"fixtures": [pki.join("root.crt")]}},
        "trustPolicyDoc": {"version": "1.0", "trustPolicies": [{"name": "fixtures", "registryScopes": ["*"],
            "signatureVerification": {"level": "strict"}, "trustStores": ["ca:fixtures"],
            "trustedIdentities": [identity]}]}
    });
    let policy = json!({"plugin": {"name": "configPolicy",
        "artifactVerificationPolicies": {"application/vnd.cncf.notary.signature": rule}}});
    let config = write_config(
        home.path(),
        &json!({"verifier": {"plugins": [verifier]}, "policy": policy}),
    );
    let subject = format!("{}:unsigned", layout.display());
    let config = config.display().to_string();
    ratify(
        &["verify", "--oci-layout", "-s", &subject, "-c", &config],
        home.path(),
        LIMIT,
    )
}

fn verify(layout: &Path, pki: &Path, identity: &str) -> (Option<i32>, Value) {
    let run = run_verify(layout, pki, identity, "any");
    let report = run.json()["verifierReports"]
        .as_array()
        .unwrap_or_else(|| panic!("{run:?}"))
        .iter()
        .find(|r| r["name"] == "notation")
        .cloned()
        .unwrap_or_else(|| panic!("{run:?}"));
    (run.code, report)
}

/// The tag-`v1` image's descriptor: another image than the one being verified.
fn other_image() -> Value {
    let index: Value = serde_json::from_slice(
        &std::fs::read(support::example_layout().join("index.json")).unwrap(),
    )
    .unwrap();
    let entry = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["annotations"]["org.opencontainers.image.ref.name"] == "v1")
        .unwrap();
    json!({"mediaType": entry["mediaType"], "digest": entry["digest"], "size": entry["size"]})
}

fn case(
    work: &Path,
    pki: &Path,
    media_type: &str,
    identity: &str,
    envelope: impl FnOnce(&Value) -> Vec<u8>,
) -> (Option<i32>, Value) {
    let dir = tempfile::tempdir_in(work).unwrap();
    let layout: PathBuf =
        support::cli::attach_signature_in_copy(dir.path(), "unsigned", media_type, envelope);
    verify(&layout, pki, identity)
}

fn denied(label: &str, (code, report): (Option<i32>, Value), starts: &str, contains: &str) {
    let message = report["message"].as_str().unwrap_or_default();
    assert_eq!(code, Some(1), "{label}: {report}");
    assert_eq!(report["isSuccess"], false, "{label}: {report}");
    assert!(
        message.starts_with(starts) && message.contains(contains),
        "{label}: {message:?} should start with {starts:?} and contain {contains:?}"
    );
}

#[test]
fn own_pki_signatures_pass_and_each_defect_is_denied() {
    let work = tempfile::tempdir().unwrap();
    for (key, keygen) in [
        ("RSA-3072", "-algorithm RSA -pkeyopt rsa_keygen_bits:3072"),
        ("P-256", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256"),
    ] {
        let pki = work.path().join(key);
        std::fs::create_dir_all(&pki).unwrap();
        make_pki(&pki, keygen);
        let good = signer(&pki, "leaf");
        let server = signer(&pki, "server");
        for media_type in ["application/jose+json", "application/cose"] {
            let label = format!("{key} {media_type}");
            let sign =
                |signer: &Signer, request: &SignRequest| signer.sign(media_type, request).unwrap();

            let (code, report) = case(work.path(), &pki, media_type, TRUSTED, |subject| {
                sign(&good, &request(subject))
            });
            assert_eq!(code, Some(0), "{label}: {report}");
            assert_eq!(report["isSuccess"], true, "{label}: {report}");
            assert_eq!(
                report["message"], "Notation signature verification success",
                "{label}"
            );
            assert_eq!(
                report["extensions"]["SN"], "CN=Fixture Signer,O=Ratify Tests,ST=WA,C=US",
                "{label}: {report}"
            );
            assert_eq!(
                report["extensions"]["Issuer"], "CN=Fixture-Intermediate,O=Ratify-Tests,C=US",
                "{label}: {report}"
            );

            let expired = case(work.path(), &pki, media_type, TRUSTED, |subject| {
                let mut request = request(subject);
                request.signing_time = OffsetDateTime::now_utc() - time::Duration::hours(2);
                request.expiry = Some(OffsetDateTime::now_utc() - time::Duration::hours(1));
                sign(&good, &request)
            });
            denied(
                &format!("{label} expired"),
                expired,
                "expiry validation failed",
                "digital signature has expired on",
            );

            let wrong_eku = case(work.path(), &pki, media_type, TRUSTED, |subject| {
                sign(&server, &request(subject))
            });
            denied(
                &format!("{label} wrong EKU"),
                wrong_eku,
                "integrity validation failed: certificate-chain is invalid",
                "extended key usage must not contain ServerAuth eku",
            );

            let stranger = "x509.subject: C=US, ST=WA, O=Ratify Tests, CN=Someone Else";
            let wrong_identity = case(work.path(), &pki, media_type, stranger, |subject| {
                sign(&good, &request(subject))
            });
            denied(
                &format!("{label} wrong identity"),
                wrong_identity,
                "authenticity validation failed",
                "signing certificate from the digital signature does not match the X.509 trusted identities",
            );

            let tampered = case(work.path(), &pki, media_type, TRUSTED, |subject| {
                let envelope = sign(&good, &request(subject));
                tamper(media_type, envelope, subject["digest"].as_str().unwrap())
            });
            denied(
                &format!("{label} tampered payload"),
                tampered,
                "integrity validation failed",
                "signature is invalid",
            );

            let wrong_target = case(work.path(), &pki, media_type, TRUSTED, |_| {
                sign(&good, &request(&other_image()))
            });
            denied(
                &format!("{label} wrong target"),
                wrong_target,
                "integrity validation failed",
                "content descriptor mismatch",
            );
        }
    }
}

#[test]
fn every_signature_is_reported_and_the_policy_decides() {
    let work = tempfile::tempdir().unwrap();
    make_pki(
        work.path(),
        "-algorithm EC -pkeyopt ec_paramgen_curve:P-256",
    );
    let good = signer(work.path(), "leaf");
    let dir = work.path().join("two");
    for media_type in ["application/cose", "application/jose+json"] {
        support::cli::attach_signature_in_copy(&dir, "unsigned", media_type, |subject| {
            let envelope = good.sign(media_type, &request(subject)).unwrap();
            if media_type == "application/cose" {
                envelope
            } else {
                tamper(media_type, envelope, subject["digest"].as_str().unwrap())
            }
        });
    }
    let layout = dir.join("layout");
    let outcomes = |run: &support::Run| {
        let mut outcomes: Vec<bool> = run.json()["verifierReports"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["name"] == "notation")
            .map(|r| r["isSuccess"].as_bool().unwrap())
            .collect();
        outcomes.sort();
        outcomes
    };
    let any = run_verify(&layout, work.path(), TRUSTED, "any");
    assert_eq!(any.code, Some(0), "{any:?}");
    assert_eq!(outcomes(&any), [false, true], "{any:?}");
    let all = run_verify(&layout, work.path(), TRUSTED, "all");
    assert_eq!(all.code, Some(1), "{all:?}");
    assert_eq!(outcomes(&all), [false, true], "{all:?}");
}
